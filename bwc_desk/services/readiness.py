"""The last known dock state of a unit, for the readiness gate at the counter."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from bwc_desk.domain.docking import BayReading, GateResult, Upload, is_offline, readiness_gate
from bwc_desk.domain.events import EventKind
from bwc_desk.store.fast import Read
from bwc_desk.store.models import Checkout, CustodyEvent, Dock, Unit, UnitReading

_CHUNK = 500  # units per IN (...) list of the bulk read


@dataclass(frozen=True, slots=True)
class LastReading:
    reading: BayReading
    dock: str
    bay: int
    reported_at: datetime | None
    offline: bool
    in_bay: bool = True


_LAST = (
    select(UnitReading, Dock.last_seen_at)
    .outerjoin(Dock, Dock.name == UnitReading.dock)
    .where(UnitReading.unit_id == bindparam("unit_id"))
)


def unit_reading(session: Session, unit_id: int, now: datetime) -> LastReading | None:
    """The unit's last known dock state: in its bay now, or as it was when it left one.
    None if no dock has ever reported it (agencies without a dock feed)."""
    row = session.execute(_LAST, {"unit_id": unit_id}).first()
    if row is None:
        return None
    return _last_reading(row[0], row[1], now)


def _last_reading(last: UnitReading, last_seen: datetime | None, now: datetime) -> LastReading:
    upload = None
    if last.files_total is not None and last.bytes_total is not None:
        upload = Upload(
            last.files_done or 0, last.files_total, last.bytes_done or 0, last.bytes_total
        )
    reading = BayReading("", last.battery, last.charging, upload, last.updating, last.error)
    offline = bool(last.in_bay) and is_offline(last_seen, now)
    return LastReading(
        reading, last.dock, last.bay_no, last.reported_at, offline, bool(last.in_bay)
    )


def gate_for(session: Session, unit_id: int, now: datetime, min_battery: int) -> GateResult:
    found = unit_reading(session, unit_id, now)
    return _gate(found, min_battery, _undocked_since_return(session, unit_id, found, now))


def gates_for(
    session: Session, unit_ids: Collection[int], now: datetime, min_battery: int
) -> dict[int, GateResult]:
    """``gate_for`` of many units in one query (a shift-change board of thousands)."""
    wanted = set(unit_ids)
    found: dict[int, LastReading] = {}
    for last, last_seen in session.execute(
        select(UnitReading, Dock.last_seen_at).outerjoin(Dock, Dock.name == UnitReading.dock)
    ):
        if last.unit_id in wanted:
            found[last.unit_id] = _last_reading(last, last_seen, now)
    # Only cameras out of a bay can have come back since their dock last saw them.
    off_dock = [uid for uid in wanted if uid not in found or not found[uid].in_bay]
    returns = _returns(session, off_dock) if off_dock and any_dock(session) else {}
    return {
        uid: _gate(found.get(uid), min_battery, _since(found.get(uid), returns.get(uid), now))
        for uid in wanted
    }


def _gate(
    found: LastReading | None, min_battery: int, undocked_since_return: timedelta | None = None
) -> GateResult:
    if found is None:
        return readiness_gate(None, min_battery, undocked_since_return=undocked_since_return)
    return readiness_gate(
        found.reading, min_battery, found.offline, found.dock, undocked_since_return
    )


@dataclass(frozen=True, slots=True)
class _Return:
    at: datetime
    docked_since: bool  # a dock had the camera at its return (it returned it) or after


def _returns_select() -> Any:
    """Each camera of the ``ids`` list: its last return (undone issues do not count), and
    the custody records that tell whether a dock has had it since. Built once (at import):
    a statement built per call cost more than running it (its cache key made anew)."""
    # Correlated to the unit of the outer row explicitly: nested inside ``before`` (two
    # levels down), automatic correlation would look at ``before`` only, find no unit there,
    # and take the agency's last return instead of this camera's.
    ret_seq = (
        select(func.max(Checkout.returned_seq))
        .where(Checkout.unit_id == Unit.id, Checkout.voided.is_(False))
        .correlate(Unit)
        .scalar_subquery()
    )
    ret_at = (
        select(func.max(Checkout.returned_at))
        .where(Checkout.unit_id == Unit.id, Checkout.voided.is_(False))
        .scalar_subquery()
    )
    docked = (
        select(CustodyEvent.seq)
        .where(CustodyEvent.unit_id == Unit.id, CustodyEvent.kind == EventKind.DOCKED.value)
        .order_by(CustodyEvent.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    before = (
        select(CustodyEvent.seq)
        .where(CustodyEvent.unit_id == Unit.id, CustodyEvent.seq < ret_seq)
        .order_by(CustodyEvent.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    return select(Unit.id, ret_at, ret_seq, docked, before)


_RETURNS = _returns_select().where(Unit.id.in_(bindparam("ids", expanding=True)))
_RETURN_OF = Read(_returns_select().where(Unit.id == bindparam("unit_id")))  # (a scan's)
_ANY_DOCK = Read(select(Dock.id).limit(1))


def _returns(session: Session, unit_ids: list[int]) -> dict[int, _Return]:
    """Each camera's last return (undone issues do not count), and whether a dock has had
    it since: told by the custody records (a docked record after the return, or just
    before it: a dock that returns a camera records its docking first), not by clocks."""
    out: dict[int, _Return] = {}
    for start in range(0, len(unit_ids), _CHUNK):
        chunk = unit_ids[start : start + _CHUNK]
        rows = (
            _RETURN_OF.all(session, {"unit_id": chunk[0]})
            if len(chunk) == 1
            else session.execute(_RETURNS, {"ids": chunk})
        )
        for unit_id, at, seq, docked_seq, before_seq in rows:
            if at is None or seq is None:
                continue  # never came back (never out, or out now)
            since = docked_seq is not None and (
                docked_seq > seq or (before_seq is not None and docked_seq >= before_seq)
            )
            out[unit_id] = _Return(at, since)
    return out


def _since(found: LastReading | None, ret: _Return | None, now: datetime) -> timedelta | None:
    """How long ago the camera came back, if no dock has had it since (else None). A camera
    in a bay now is judged by its bay."""
    if ret is None or ret.docked_since or (found is not None and found.in_bay):
        return None
    return max(now - ret.at, timedelta(0))


def _undocked_since_return(
    session: Session, unit_id: int, found: LastReading | None, now: datetime
) -> timedelta | None:
    """None where the agency has no docks at all: there no camera's state is known, and a
    returned camera goes out as any other."""
    if found is not None and found.in_bay:
        return None
    if found is None and not any_dock(session):
        return None
    return _since(found, _returns(session, [unit_id]).get(unit_id), now)


def any_dock(session: Session) -> bool:
    """Does this agency have docks at all (then readiness is known, or else unknown)?"""
    return _ANY_DOCK.first(session) is not None


def known_ready(session: Session, unit_id: int, now: datetime, min_battery: int) -> bool:
    """Ready by a dock's report: a camera no dock has ever reported is unknown, not ready
    (for suggestions; an agency without docks gets every camera with no report), and so is
    one returned and not docked since."""
    found = unit_reading(session, unit_id, now)
    if found is None:
        return not any_dock(session)
    return _gate(found, min_battery, _undocked_since_return(session, unit_id, found, now)).ready


def figures(session: Session, unit_id: int, now: datetime, min_battery: int) -> dict[str, Any]:
    """The readiness figures as the counter showed them, for the record of an override."""
    found = unit_reading(session, unit_id, now)
    since = _undocked_since_return(session, unit_id, found, now)
    returned = (now - since).isoformat() if since is not None else None
    if found is None:
        return {"dock_report": None, "min_battery": min_battery, "returned_at": returned}
    r = found.reading
    upload = r.upload
    return {
        "dock": found.dock,
        "bay": found.bay,
        "in_bay": found.in_bay,
        "reported_at": found.reported_at.isoformat() if found.reported_at else None,
        "dock_offline": found.offline,
        "battery": r.battery,
        "min_battery": min_battery,
        "charging": r.charging,
        "files_done": upload.files_done if upload else None,
        "files_total": upload.files_total if upload else None,
        "bytes_done": upload.bytes_done if upload else None,
        "bytes_total": upload.bytes_total if upload else None,
        "updating": r.updating,
        "error": r.error,
        # Returned after this report and not docked since: the figures above are older.
        "returned_at": returned,
    }

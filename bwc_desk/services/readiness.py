"""The last known dock state of a unit, for the readiness gate at the counter."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bwc_desk.domain.docking import BayReading, GateResult, Upload, is_offline, readiness_gate
from bwc_desk.store.models import Dock, UnitReading


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
    return _gate(unit_reading(session, unit_id, now), min_battery)


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
    return {uid: _gate(found.get(uid), min_battery) for uid in wanted}


def _gate(found: LastReading | None, min_battery: int) -> GateResult:
    if found is None:
        return readiness_gate(None, min_battery)
    return readiness_gate(found.reading, min_battery, found.offline, found.dock)


def any_dock(session: Session) -> bool:
    """Does this agency have docks at all (then readiness is known, or else unknown)?"""
    return session.execute(select(Dock.id).limit(1)).first() is not None


def known_ready(session: Session, unit_id: int, now: datetime, min_battery: int) -> bool:
    """Ready by a dock's report: a camera no dock has ever reported is unknown, not ready
    (for suggestions; an agency without docks gets every camera with no report)."""
    found = unit_reading(session, unit_id, now)
    if found is None:
        return not any_dock(session)
    return _gate(found, min_battery).ready


def figures(session: Session, unit_id: int, now: datetime, min_battery: int) -> dict[str, Any]:
    """The readiness figures as the counter showed them, for the record of an override."""
    found = unit_reading(session, unit_id, now)
    if found is None:
        return {"dock_report": None, "min_battery": min_battery}
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
    }

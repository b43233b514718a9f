"""The counter's lists, the defect report and the line-up sheet."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bwc_desk.domain.errors import ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.ledger import GENESIS
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.shifts import shift_window
from bwc_desk.domain.units import UnitAction, UnitStatus, transition
from bwc_desk.domain.values import clean_text
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter.common import _officer, _unit, checkout_row
from bwc_desk.services.counter.dto import Lineup, LineupRow, NotDockedRow
from bwc_desk.services.dto import CheckoutRow, OfficerRow, UnitRow
from bwc_desk.services.records import get_officer, get_unit, record
from bwc_desk.services.repair_cases import camera_sent_to_repair
from bwc_desk.services.settings import read_settings, shift_specs
from bwc_desk.store import queries
from bwc_desk.store.ledger import AUDIT, CUSTODY, recorded_head
from bwc_desk.store.models import Checkout, CustodyEvent, Officer, Unit


def out_now(ctx: Ctx) -> list[CheckoutRow]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        return [checkout_row(r) for r in queries.open_checkouts(session)]


def out_now_touching(
    ctx: Ctx,
    *,
    units: Collection[int] = (),
    officers: Collection[int] = (),
    checkouts: Collection[int] = (),
) -> list[CheckoutRow]:
    """The rows of Out now that a change set names: the open checkouts of ``units``, of
    ``officers`` or with ids in ``checkouts``. A row named but not returned is no longer
    out (returned, undone)."""
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        rows = queries.open_checkouts_touching(
            session, unit_ids=units, officer_ids=officers, checkout_ids=checkouts
        )
        return [checkout_row(r) for r in rows]


def returned_not_docked(ctx: Ctx) -> list[NotDockedRow]:
    """Returned units that no dock has seen since, after the agency's set time."""
    ctx.require(Permission.READ)
    now = ctx.now()
    with ctx.db.read() as session:
        settings = read_settings(session)
        cutoff = now - timedelta(minutes=settings.not_docked_minutes)
        rows = queries.returned_not_docked(session, cutoff, now - timedelta(days=2))
        return [
            NotDockedRow(
                r.unit_id,
                r.asset_tag,
                f"{r.last_name}, {r.first_name} ({r.badge})",
                r.returned_at,
                r.returned_by or "",
                int((now - r.returned_at).total_seconds() // 60),
            )
            for r in rows
        ]


def officer_card(ctx: Ctx, officer_code: str) -> OfficerRow:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        officer = get_officer(session, officer_code)
        return _officer(session, ctx.now(), officer.id)


def report_defect(
    ctx: Ctx, unit_code: str, note: str, *, damaged: bool = False, accessory_missing: bool = False
) -> UnitRow:
    """A defect noticed at the counter (after a return, or on the shelf). Damaged puts an
    available unit in repair; anything else is recorded and the unit stays in service."""
    actor = ctx.require(Permission.REPORT_DEFECT, "report defects")
    text = clean_text(note, "note", limit=1000)
    if not (damaged or accessory_missing or text):
        raise ValidationError("Say what is wrong: damaged, an accessory missing, or a note.")
    with ctx.db.write() as session:
        unit = get_unit(session, unit_code, lock=True)
        flags = [
            t for f, t in ((damaged, "damaged"), (accessory_missing, "accessory missing")) if f
        ]
        reason = ", ".join(flags) + (f": {text}" if text and flags else text)
        record(
            ctx,
            session,
            actor,
            EventKind.DEFECT_REPORTED,
            unit,
            reason=reason,
            details={"damaged": damaged, "accessory_missing": accessory_missing},
        )
        if damaged and unit.status == UnitStatus.AVAILABLE.value:
            unit.status = transition(
                unit.asset_tag, UnitStatus(unit.status), UnitAction.REPAIR
            ).value
            unit.status_reason = f"Defect reported at the counter: {reason}"
            record(ctx, session, actor, EventKind.SENT_TO_REPAIR, unit, reason=unit.status_reason)
            camera_sent_to_repair(ctx, session, actor, unit, unit.status_reason)
        session.flush()
        return _unit(session, unit.id)


def lineup(ctx: Ctx, shift_name: str, day: date) -> Lineup:
    """The per-shift line-up sheet: every active officer of the shift, with the camera issued
    to them for that shift, or the one still out with them since an earlier shift
    (``earlier``), or blank; for signatures at roll call."""
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        settings = read_settings(session)
        shifts = shift_specs(session)
        spec = shifts.get(shift_name.lower())
        if spec is None:
            raise ValidationError(f"There is no shift called {shift_name!r}.")
        start = datetime.combine(day, spec.starts, tzinfo=ctx.zone)
        starts, ends = shift_window(spec, start, ctx.zone)
        window_from, window_to = starts - timedelta(hours=12), ends
        # Columns, not ORM objects: a Day shift of 13,000 officers was 13,000 instances to
        # build (and for the cycle collector to walk) for four values each.
        officers = session.execute(
            select(Officer.id, Officer.last_name, Officer.first_name, Officer.badge)
            .where(Officer.active.is_(True), func.lower(Officer.shift) == spec.name.lower())
            .order_by(Officer.last_name, Officer.first_name)
        ).all()
        # An issue belongs to the occurrence of the shift whose start is nearest to it, the
        # same rule that set its expected return. Each camera has its row (an agency may
        # allow two per officer).
        issued: dict[int, list[Any]] = {}
        for c in session.execute(
            select(*_LINEUP_COLUMNS)
            .where(
                Checkout.voided.is_(False),
                Checkout.issued_at >= window_from,
                Checkout.issued_at < window_to,
            )
            .order_by(Checkout.issued_at)
        ):
            if shift_window(spec, c.issued_at, ctx.zone)[0] == starts:
                issued.setdefault(c.officer_id, []).append(c)
        # A camera an officer of the shift still had out from an earlier one when it started
        # (returned since, or not): shown as out with them (a blank read as "no camera"),
        # beside one issued this shift (an agency may allow two).
        of_shift = {o.id for o in officers}
        this_shift = {c.id for cs in issued.values() for c in cs}
        earlier: dict[int, list[Any]] = {}
        for c in session.execute(
            select(*_LINEUP_COLUMNS)
            .where(
                Checkout.voided.is_(False),
                or_(Checkout.returned_at.is_(None), Checkout.returned_at > starts),
                Checkout.issued_at < starts,
            )
            .order_by(Checkout.issued_at)
        ):
            if c.officer_id in of_shift and c.id not in this_shift:
                earlier.setdefault(c.officer_id, []).append(c)
        checkouts = [c for cs in (*issued.values(), *earlier.values()) for c in cs]
        tags = _asset_tags(session, {c.unit_id for c in checkouts})
        bays = _bays_at_issue(session, [c.id for c in checkouts])
        ended = _ended_by(session, [c.returned_seq for c in checkouts if c.returned_seq])
        rows = []
        for o in officers:
            name = f"{o.last_name}, {o.first_name}".strip(", ")
            mine = [(c, False) for c in issued.get(o.id, [])]
            mine += [(c, True) for c in earlier.get(o.id, [])]
            if not mine:
                rows.append(LineupRow(name, o.badge, "", None, None, None, officer_id=o.id))
            for c, before in mine:
                rows.append(
                    LineupRow(
                        name,
                        o.badge,
                        tags.get(c.unit_id, ""),
                        c.issued_at,
                        c.expected_return,
                        c.returned_at,
                        bays.get(c.id, ""),
                        earlier=before,
                        ended=ended.get(c.returned_seq, "") if c.returned_seq else "",
                        officer_id=o.id,
                    )
                )
        actor = ctx.actor
        return Lineup(
            settings.agency_name,
            spec.label(),
            starts,
            ends,
            tuple(rows),
            actor.display_name if actor else "",
            ctx.station,
            recorded_head(session, CUSTODY) or (0, GENESIS),
            recorded_head(session, AUDIT) or (0, GENESIS),
        )


_LINEUP_COLUMNS = (
    Checkout.id,
    Checkout.officer_id,
    Checkout.unit_id,
    Checkout.issued_at,
    Checkout.expected_return,
    Checkout.returned_at,
    Checkout.returned_seq,
)
# How a checkout ended other than by a return: the line-up says so (it counted as returned).
_ENDED = (EventKind.MARKED_LOST.value, EventKind.MARKED_STOLEN.value)


def _ended_by(session: Session, seqs: Sequence[int]) -> dict[int, str]:
    """Closing record seq -> its kind, for the checkouts a loss or theft ended."""
    out: dict[int, str] = {}
    ids = sorted(set(seqs))
    for start in range(0, len(ids), 500):
        out.update(
            session.execute(
                select(CustodyEvent.seq, CustodyEvent.kind).where(
                    CustodyEvent.seq.in_(ids[start : start + 500]), CustodyEvent.kind.in_(_ENDED)
                )
            ).all()
        )
    return out


def _asset_tags(session: Session, unit_ids: Collection[int]) -> dict[int, str]:
    """Unit id -> asset tag, for the units named only (not all 25,000)."""
    ids = sorted(unit_ids)
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        out.update(
            session.execute(
                select(Unit.id, Unit.asset_tag).where(Unit.id.in_(ids[start : start + 500]))
            ).all()
        )
    return out


def _bays_at_issue(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Checkout id -> the bay its camera was taken from: the dock and bay of the camera's
    last docking before its issue ('' where no dock ever recorded it)."""
    if not ids:
        return {}
    last_docking = (
        select(CustodyEvent.details)
        .where(
            CustodyEvent.unit_id == Checkout.unit_id,
            CustodyEvent.kind == EventKind.DOCKED.value,
            CustodyEvent.seq < Checkout.issued_seq,
        )
        .order_by(CustodyEvent.seq.desc())
        .limit(1)
        .correlate(Checkout)
        .scalar_subquery()
    )
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        for checkout_id, details in session.execute(
            select(Checkout.id, last_docking).where(Checkout.id.in_(ids[start : start + 500]))
        ):
            where = json.loads(details) if details else {}
            if where.get("dock") and where.get("bay"):
                out[checkout_id] = f"{where['dock']} bay {where['bay']}"
    return out

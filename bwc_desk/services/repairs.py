"""Repair cases: a camera (or a dock or one of its bays) reported faulty, sent to the vendor,
back, replaced or written off, with what it cost.

A case's row holds where it stands; what happened to it is in ``repair_events``, which the
database keeps append-only (a correction, such as a new cost, is a new event). The database
also refuses a second open case for one camera, dock or bay. A camera back from repair (or
its replacement) must pass a function test before the counter issues it
(``retest_required``/``retest_passed_in``, called from ``counter.issue``).

Docks and bays out of service live here too (``out_of_service``): a case for a dock or bay
puts it back in service when it closes. ``services.inspections`` builds on this module.

For reports: ``cases_between`` (every case reported in a period) and ``failures_by_model``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import ConflictError, DomainError, NotFoundError, ValidationError
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.units import UnitAction, UnitStatus
from bwc_desk.domain.values import clean_text
from bwc_desk.services import audit
from bwc_desk.services.assignments import assign_primary_in, put_in_pool_in, release_primary
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.inventory import change_status
from bwc_desk.services.records import get_unit
from bwc_desk.store.models import Dock, Officer, OutOfService, Pool, RepairCase, RepairEvent, Unit

SOURCES = ("function test", "damaged return", "inspection", "manual")
FUNCTION_TEST, DAMAGED_RETURN, INSPECTION, MANUAL = SOURCES


# --- what the services return ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RepairCaseRow:
    id: int
    target: str  # "HPD-BWC-0412", "DOCK-A bay 3" or "DOCK-A"
    unit_id: int | None
    asset_tag: str
    model: str
    dock: str
    bay_no: int | None  # 0: the whole dock
    source: str
    symptom: str
    reported_by: str
    reported_at: datetime
    station: str
    state: str  # open, at vendor, closed
    vendor: str
    rma: str
    sent_on: date | None
    outcome: str  # "", back, replaced, written off, fixed
    replacement_tag: str
    cost_cents: int | None
    currency: str
    closed_at: datetime | None
    closed_by: str
    age_days: int  # reported until closed, or until now while open
    awaiting_test: bool  # back or replaced, and the camera has not passed a function test yet

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def cost_text(self) -> str:
        return "" if self.cost_cents is None else money(self.cost_cents, self.currency)


@dataclass(frozen=True, slots=True)
class RepairEventRow:
    id: int
    case_id: int
    at: datetime
    kind: str
    staff: str
    station: str
    note: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ModelRepairRow:
    """Failures and repairs of one camera model in a period (the reports' figures)."""

    model: str
    cameras: int  # cameras of this model in the inventory
    cases: int  # camera cases reported in the period
    function_test: int
    damaged_return: int
    inspection: int
    manual: int
    still_open: int
    back: int
    replaced: int
    written_off: int
    cost_cents: int
    currency: str
    mean_days_closed: float | None  # reported to closed, over the cases closed


@dataclass(frozen=True, slots=True)
class OutOfServiceRow:
    dock: str
    bay_no: int  # 0: the whole dock
    reason: str
    since: datetime
    by: str
    case_id: int | None

    @property
    def label(self) -> str:
        return self.dock if self.bay_no == 0 else f"{self.dock} bay {self.bay_no}"


def money(cents: int, currency: str) -> str:
    return f"{currency} {cents // 100:,}.{cents % 100:02d}"


def parse_cost(text: str) -> int:
    """'1,234.50' -> 123450 cents; refuses what is not an amount."""
    cleaned = text.strip().replace(",", "").lstrip("$€£").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(
            f"{text.strip()!r} is not an amount: type it as 125.50 (no currency sign)."
        ) from None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationError("The cost is an amount of at least 0, with at most 2 decimals.")
    if value > Decimal("1000000"):
        raise ValidationError("A repair cost above 1,000,000 is surely a typo; check it.")
    return int(value * 100)


# --- writing ---------------------------------------------------------------------------------


def _event(
    ctx: Ctx,
    session: Session,
    actor: Actor,
    case: RepairCase,
    kind: str,
    note: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        RepairEvent(
            case_id=case.id,
            at=ctx.now(),
            kind=kind,
            staff_id=actor.staff_id,
            staff_username=actor.username,
            station=ctx.station,
            note=note,
            details=json.dumps(details, sort_keys=True, default=str) if details else None,
        )
    )
    audit.write(
        session,
        station=ctx.station,
        at=ctx.now(),
        event=AuditEvent.REPAIR_CASE,
        actor=actor,
        details={"case": case.id, "what": kind, "note": note, **(details or {})},
    )


def _open_case_of(
    session: Session, unit_id: int | None, dock_id: int | None = None, bay_no: int | None = None
) -> RepairCase | None:
    stmt = select(RepairCase).where(RepairCase.closed_at.is_(None))
    if unit_id is not None:
        stmt = stmt.where(RepairCase.unit_id == unit_id)
    else:
        stmt = stmt.where(RepairCase.dock_id == dock_id, RepairCase.bay_no == bay_no)
    return session.execute(stmt).scalars().first()


def open_case_in(
    ctx: Ctx,
    session: Session,
    actor: Actor,
    *,
    source: str,
    symptom: str,
    unit: Unit | None = None,
    dock: Dock | None = None,
    bay_no: int | None = None,
    inspection_id: int | None = None,
    join_open: bool = True,
) -> RepairCase:
    """Open a case inside the caller's transaction. A camera, dock or bay that already has
    an open case gets the new report added to that case (``join_open``) instead: the counter
    and the inspection never fail because a case exists. Writes no custody record (the
    caller's status change does)."""
    if source not in SOURCES:
        raise ValueError(source)
    symptom = clean_text(symptom, "symptom", limit=1000) or source
    existing = (
        _open_case_of(session, unit.id)
        if unit is not None
        else _open_case_of(session, None, dock.id if dock else None, bay_no)
    )
    if existing is not None:
        if not join_open:
            raise ConflictError(
                f"{_target_text(session, existing)} already has open repair case "
                f"#{existing.id} ({existing.symptom}); add to that case instead."
            )
        _event(ctx, session, actor, existing, "reported again", symptom, {"source": source})
        return existing
    case = RepairCase(
        unit_id=unit.id if unit is not None else None,
        dock_id=dock.id if dock is not None else None,
        bay_no=bay_no if dock is not None else None,
        source=source,
        symptom=symptom,
        reported_by=actor.username,
        reported_at=ctx.now(),
        station=ctx.station,
        inspection_id=inspection_id,
        state="open",
        vendor="",
        rma="",
        currency="USD",
    )
    session.add(case)
    session.flush()
    _event(ctx, session, actor, case, "opened", symptom, {"source": source})
    return case


def open_case_for_counter(
    ctx: Ctx, session: Session, actor: Actor, unit: Unit, source: str, symptom: str
) -> None:
    """The counter's hook: a failed function test or a camera returned damaged opens a case
    (or adds to the camera's open one), inside the counter's own transaction."""
    open_case_in(ctx, session, actor, source=source, symptom=symptom, unit=unit)


def open_case(ctx: Ctx, unit_code: str, symptom: str) -> RepairCaseRow:
    """A supervisor reports a camera faulty by hand: it goes in repair with a new case."""
    actor = ctx.require(Permission.OUT_OF_SERVICE, "open repair cases")
    symptom = clean_text(symptom, "symptom", limit=1000)
    if not symptom:
        raise ValidationError("Say what is wrong with the camera (the symptom).")
    with ctx.db.write() as session:
        unit = get_unit(session, unit_code, lock=True)
        if unit.status == UnitStatus.ISSUED.value:
            raise DomainError(
                f"{unit.asset_tag} is out with an officer. Take it back at the counter and "
                "tick 'damaged': that opens its repair case."
            )
        case = open_case_in(
            ctx, session, actor, source=MANUAL, symptom=symptom, unit=unit, join_open=False
        )
        if unit.status == UnitStatus.AVAILABLE.value:
            change_status(
                ctx, session, actor, unit, UnitAction.REPAIR, symptom, {"repair_case": case.id}
            )
        elif unit.status != UnitStatus.IN_REPAIR.value:
            raise DomainError(f"{unit.asset_tag} is {unit.status}; it cannot go to repair.")
        session.flush()
        return _row_of(ctx, session, case.id)


def _case(session: Session, case_id: int, *, open_only: bool = True) -> RepairCase:
    case = session.get(RepairCase, case_id)
    if case is None:
        raise NotFoundError(f"There is no repair case #{case_id}; refresh the list.")
    if open_only and case.closed_at is not None:
        raise DomainError(
            f"Repair case #{case.id} was closed on {case.closed_at:%Y-%m-%d} by "
            f"{case.closed_by}; open a new case if the fault is back."
        )
    return case


def _camera(session: Session, case: RepairCase, what: str) -> Unit:
    if case.unit_id is None:
        raise DomainError(f"Repair case #{case.id} is for a dock, not a camera; {what}.")
    unit = session.get(Unit, case.unit_id)
    assert unit is not None
    return unit


def send_to_vendor(
    ctx: Ctx, case_id: int, vendor: str, rma: str, sent_on: date | None = None
) -> RepairCaseRow:
    """The camera (or dock part) goes to the vendor under an RMA number."""
    actor = ctx.require(Permission.OUT_OF_SERVICE, "send cameras for repair")
    vendor = clean_text(vendor, "vendor", limit=80)
    rma = clean_text(rma, "RMA number", limit=80)
    if not rma:
        raise ValidationError("Type the vendor's RMA number (it is on the return authorisation).")
    sent = sent_on or ctx.now().astimezone(ctx.zone).date()
    if sent > ctx.now().astimezone(ctx.zone).date():
        raise ValidationError("The date sent cannot be in the future.")
    with ctx.db.write() as session:
        case = _case(session, case_id)
        if sent < case.reported_at.astimezone(ctx.zone).date():
            raise ValidationError(
                f"Case #{case.id} was reported on {case.reported_at.astimezone(ctx.zone):%Y-%m-%d}"
                "; it cannot have been sent before that."
            )
        case.vendor, case.rma, case.sent_on, case.state = vendor, rma, sent, "at vendor"
        if case.unit_id is not None:
            unit = _camera(session, case, "")
            unit.repair_vendor, unit.repair_ticket = vendor, rma
        _event(
            ctx,
            session,
            actor,
            case,
            "sent to vendor",
            "",
            {"vendor": vendor, "rma": rma, "sent_on": sent.isoformat()},
        )
        session.flush()
        return _row_of(ctx, session, case.id)


def record_cost(ctx: Ctx, case_id: int, cost: str | int, currency: str = "USD") -> RepairCaseRow:
    """What the repair cost (cents, or typed text '125.50'). Also after the case is closed:
    the invoice comes later. A new cost is a new event; the earlier one stays in the log."""
    actor = ctx.require(Permission.OUT_OF_SERVICE, "record repair costs")
    cents = parse_cost(cost) if isinstance(cost, str) else int(cost)
    if cents < 0:
        raise ValidationError("The cost is an amount of at least 0.")
    currency = clean_text(currency, "currency", limit=3).upper() or "USD"
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError("The currency is a three-letter code such as USD.")
    with ctx.db.write() as session:
        case = _case(session, case_id, open_only=False)
        before = case.cost_cents
        case.cost_cents, case.currency = cents, currency
        _event(
            ctx,
            session,
            actor,
            case,
            "cost",
            money(cents, currency),
            {"cost_cents": cents, "currency": currency, "was_cents": before},
        )
        session.flush()
        return _row_of(ctx, session, case.id)


def _close(
    ctx: Ctx, session: Session, actor: Actor, case: RepairCase, outcome: str, note: str
) -> None:
    case.state, case.outcome = "closed", outcome
    case.closed_at, case.closed_by = ctx.now(), actor.username
    _event(ctx, session, actor, case, outcome, note)
    if case.dock_id is not None:
        for row in _standing(session, case.dock_id, case.bay_no):
            if row.case_id == case.id:
                end_out_of_service_in(ctx, session, actor, row, f"repair case #{case.id} {outcome}")


def mark_back(ctx: Ctx, case_id: int, note: str = "") -> RepairCaseRow:
    """The camera is back from repair: available again, but the counter will not issue it
    until it passes a function test."""
    actor = ctx.require(Permission.OUT_OF_SERVICE, "return cameras from repair")
    note = clean_text(note, "note", limit=500)
    with ctx.db.write() as session:
        case = _case(session, case_id)
        unit = _camera(session, case, "close it as fixed instead")
        if unit.status == UnitStatus.IN_REPAIR.value:
            change_status(
                ctx,
                session,
                actor,
                unit,
                UnitAction.RETURN_TO_SERVICE,
                f"back from repair (case #{case.id})" + (f": {note}" if note else ""),
                {"repair_case": case.id, "rma": case.rma},
            )
        case.retest_unit_id = unit.id
        _close(ctx, session, actor, case, "back", note)
        session.flush()
        return _row_of(ctx, session, case.id)


def replace_unit(ctx: Ctx, case_id: int, replacement_code: str, note: str = "") -> RepairCaseRow:
    """The vendor replaced the camera: the replacement (registered in Inventory first)
    takes over the officer and pool of the one it replaces, which is retired. Every change
    goes through the assignment services, with its custody records."""
    actor = ctx.require(Permission.OUT_OF_SERVICE, "record replaced cameras")
    ctx.require(Permission.REASSIGN, "hand the assignment to the replacement")
    note = clean_text(note, "note", limit=500)
    with ctx.db.write() as session:
        case = _case(session, case_id)
        old = _camera(session, case, "close it as fixed instead")
        new = get_unit(session, replacement_code, lock=True)
        if new.id == old.id:
            raise ValidationError("The replacement is another camera: scan its asset tag.")
        if new.status != UnitStatus.AVAILABLE.value:
            raise DomainError(
                f"{new.asset_tag} is {new.status}; a replacement must be on the shelf (available)."
            )
        if new.primary_officer_id is not None or new.pool_id is not None:
            raise DomainError(
                f"{new.asset_tag} already belongs to an officer or a pool; pick an "
                "unassigned camera (or unassign it in Assignments first)."
            )
        reason = f"replaces {old.asset_tag} (repair case #{case.id})"
        officer = session.get(Officer, old.primary_officer_id) if old.primary_officer_id else None
        pool = session.get(Pool, old.pool_id) if old.pool_id else None
        if officer is not None:
            release_primary(ctx, session, actor, old, f"replaced by {new.asset_tag}")
            session.flush()
            assign_primary_in(ctx, session, actor, new, officer, reason)
        if pool is not None:
            put_in_pool_in(ctx, session, actor, new, pool, reason)
        if old.status in (UnitStatus.IN_REPAIR.value, UnitStatus.AVAILABLE.value):
            change_status(
                ctx,
                session,
                actor,
                old,
                UnitAction.RETIRE,
                f"replaced by {new.asset_tag} (repair case #{case.id})",
                {"repair_case": case.id, "replacement": new.asset_tag},
            )
        case.replacement_unit_id = new.id
        case.retest_unit_id = new.id
        case.state, case.outcome = "closed", "replaced"
        case.closed_at, case.closed_by = ctx.now(), actor.username
        _event(
            ctx,
            session,
            actor,
            case,
            "replaced",
            note,
            {
                "replacement": new.asset_tag,
                "officer_id": officer.id if officer else None,
                "pool": pool.name if pool else None,
            },
        )
        session.flush()
        return _row_of(ctx, session, case.id)


def close_case(ctx: Ctx, case_id: int, outcome: str, note: str = "") -> RepairCaseRow:
    """Close a case: "back" (mark_back), "written off" (the camera is retired), or "fixed"
    (a dock or bay repaired in house: back in service)."""
    if outcome == "back":
        return mark_back(ctx, case_id, note)
    actor = ctx.require(Permission.OUT_OF_SERVICE, "close repair cases")
    note = clean_text(note, "note", limit=500)
    if outcome not in ("written off", "fixed"):
        raise ValidationError("Close a case as back, written off or fixed.")
    with ctx.db.write() as session:
        case = _case(session, case_id)
        if case.unit_id is not None:
            unit = _camera(session, case, "")
            if outcome == "fixed":
                raise DomainError(
                    f"A camera is 'back' from repair, not 'fixed': use Back for {unit.asset_tag}"
                    " (it then needs a function test before it is issued)."
                )
            if not note:
                raise ValidationError("Say why the camera is written off; it is kept with it.")
            if unit.status != UnitStatus.RETIRED.value:
                change_status(
                    ctx,
                    session,
                    actor,
                    unit,
                    UnitAction.RETIRE,
                    f"written off (repair case #{case.id}): {note}",
                    {"repair_case": case.id},
                )
        elif outcome == "written off" and not note:
            raise ValidationError("Say why the dock or bay is written off.")
        _close(ctx, session, actor, case, outcome, note)
        session.flush()
        return _row_of(ctx, session, case.id)


def withdraw_for_undo(ctx: Ctx, session: Session, actor: Actor, unit: Unit) -> None:
    """The counter undid a damaged return: the case that return opened is withdrawn (a
    closing event, never a deletion). A case with more history than its opening stays."""
    case = _open_case_of(session, unit.id)
    if case is None or case.source != DAMAGED_RETURN or case.state != "open":
        return
    kinds = (
        session.execute(select(RepairEvent.kind).where(RepairEvent.case_id == case.id))
        .scalars()
        .all()
    )
    if list(kinds) == ["opened"]:
        _close(ctx, session, actor, case, "withdrawn", "the damaged return was undone")


# --- the function test after a repair --------------------------------------------------------


def _awaiting(session: Session, unit_id: int) -> RepairCase | None:
    return (
        session.execute(
            select(RepairCase)
            .where(RepairCase.retest_unit_id == unit_id, RepairCase.retest_passed_at.is_(None))
            .order_by(RepairCase.id)
        )
        .scalars()
        .first()
    )


def retest_required(session: Session, unit: Unit) -> str:
    """Why ``unit`` needs a function test before it is issued ('' if it does not)."""
    case = _awaiting(session, unit.id)
    if case is None:
        return ""
    how = "is back from repair" if case.outcome == "back" else "is a replacement camera"
    return (
        f"{unit.asset_tag} {how} (case #{case.id}): record a passing function test "
        "before it is issued."
    )


def retest_passed_in(
    ctx: Ctx, session: Session, actor: Actor, unit: Unit, details: dict[str, Any]
) -> None:
    """A passing function test was recorded for ``unit``: it may be issued again."""
    for case in session.execute(
        select(RepairCase).where(
            RepairCase.retest_unit_id == unit.id, RepairCase.retest_passed_at.is_(None)
        )
    ).scalars():
        case.retest_passed_at = ctx.now()
        _event(ctx, session, actor, case, "function test passed", "", details)


def record_function_test(ctx: Ctx, unit_code: str, passed: bool, note: str = "") -> str:
    """A function test at the bench (the Repairs view): a pass clears the camera for issue;
    a fail puts it back in repair with a new case. Returns what happened, as a sentence."""
    actor = ctx.require(Permission.OUT_OF_SERVICE, "record function tests")
    note = clean_text(note, "note", limit=500)
    with ctx.db.write() as session:
        unit = get_unit(session, unit_code, lock=True)
        if passed:
            if _awaiting(session, unit.id) is None:
                raise DomainError(f"{unit.asset_tag} is not waiting for a function test.")
            retest_passed_in(ctx, session, actor, unit, {"at": "bench", "note": note})
            return f"{unit.asset_tag} passed its function test and may be issued."
        if not note:
            raise ValidationError("Say what failed in the function test.")
        case = open_case_in(
            ctx,
            session,
            actor,
            source=FUNCTION_TEST,
            symptom=f"failed function test: {note}",
            unit=unit,
        )
        if unit.status == UnitStatus.AVAILABLE.value:
            change_status(
                ctx,
                session,
                actor,
                unit,
                UnitAction.REPAIR,
                f"failed function test: {note}",
                {"repair_case": case.id},
            )
        return f"{unit.asset_tag} failed its function test; it is in repair (case #{case.id})."


# --- docks and bays out of service -----------------------------------------------------------


def _standing(session: Session, dock_id: int, bay_no: int | None = None) -> list[OutOfService]:
    stmt = select(OutOfService).where(
        OutOfService.dock_id == dock_id, OutOfService.back_at.is_(None)
    )
    if bay_no is not None:
        stmt = stmt.where(OutOfService.bay_no == bay_no)
    return list(session.execute(stmt).scalars())


def take_out_of_service_in(
    ctx: Ctx,
    session: Session,
    actor: Actor,
    dock: Dock,
    bay_no: int,
    reason: str,
    case_id: int | None,
) -> OutOfService:
    current = _standing(session, dock.id, bay_no)
    if current:
        return current[0]
    row = OutOfService(
        dock_id=dock.id,
        bay_no=bay_no,
        reason=reason,
        since=ctx.now(),
        by=actor.username,
        station=ctx.station,
        case_id=case_id,
        back_reason="",
    )
    session.add(row)
    session.flush()
    audit.write(
        session,
        station=ctx.station,
        at=ctx.now(),
        event=AuditEvent.DOCK_OUT_OF_SERVICE,
        actor=actor,
        details={"dock": dock.name, "bay": bay_no, "reason": reason, "case": case_id},
    )
    return row


def end_out_of_service_in(
    ctx: Ctx, session: Session, actor: Actor, row: OutOfService, reason: str
) -> None:
    row.back_at, row.back_by, row.back_reason = ctx.now(), actor.username, reason
    dock = session.get(Dock, row.dock_id)
    audit.write(
        session,
        station=ctx.station,
        at=ctx.now(),
        event=AuditEvent.DOCK_BACK_IN_SERVICE,
        actor=actor,
        details={
            "dock": dock.name if dock else row.dock_id,
            "bay": row.bay_no,
            "reason": reason,
            "case": row.case_id,
        },
    )


def back_in_service(ctx: Ctx, dock_name: str, bay_no: int, reason: str) -> None:
    """A supervisor puts a dock (bay 0) or bay back in service before its case closes (the
    case stays open: the repair is still owed). Recorded with the reason."""
    actor = ctx.require(Permission.OUT_OF_SERVICE, "put docks back in service")
    reason = clean_text(reason, "reason", limit=500)
    if not reason:
        raise ValidationError("Say why it is back in service; the reason is kept.")
    with ctx.db.write() as session:
        dock = session.execute(select(Dock).where(Dock.name == dock_name)).scalars().first()
        if dock is None:
            raise NotFoundError(f"There is no dock {dock_name!r}; refresh the list.")
        rows = _standing(session, dock.id, bay_no)
        what = dock.name if bay_no == 0 else f"{dock.name} bay {bay_no}"
        if not rows:
            raise DomainError(f"{what} is not out of service.")
        for row in rows:
            end_out_of_service_in(ctx, session, actor, row, reason)


def out_of_service_in(session: Session) -> dict[tuple[int, int], str]:
    """(dock id, bay no, 0 for the whole dock) -> the reason, for everything out of service."""
    return {
        (dock_id, bay_no): reason
        for dock_id, bay_no, reason in session.execute(
            select(OutOfService.dock_id, OutOfService.bay_no, OutOfService.reason).where(
                OutOfService.back_at.is_(None)
            )
        )
    }


def list_out_of_service(ctx: Ctx) -> list[OutOfServiceRow]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        return [
            OutOfServiceRow(name, o.bay_no, o.reason, o.since, o.by, o.case_id)
            for o, name in session.execute(
                select(OutOfService, Dock.name)
                .join(Dock, Dock.id == OutOfService.dock_id)
                .where(OutOfService.back_at.is_(None))
                .order_by(Dock.name, OutOfService.bay_no)
            )
        ]


# --- reading ---------------------------------------------------------------------------------

_REPL = aliased(Unit)


def _rows_stmt() -> Any:
    return (
        select(RepairCase, Unit.asset_tag, Unit.model, Dock.name, _REPL.asset_tag)
        .outerjoin(Unit, Unit.id == RepairCase.unit_id)
        .outerjoin(Dock, Dock.id == RepairCase.dock_id)
        .outerjoin(_REPL, _REPL.id == RepairCase.replacement_unit_id)
    )


def _to_row(now: datetime, r: Any) -> RepairCaseRow:
    case, tag, model, dock, repl = r
    if case.unit_id is not None:
        target = tag or ""
    else:
        target = dock if not case.bay_no else f"{dock} bay {case.bay_no}"
    end = case.closed_at or now
    return RepairCaseRow(
        case.id,
        target,
        case.unit_id,
        tag or "",
        model or "",
        dock or "",
        case.bay_no,
        case.source,
        case.symptom,
        case.reported_by,
        case.reported_at,
        case.station,
        case.state,
        case.vendor,
        case.rma,
        case.sent_on,
        case.outcome or "",
        repl or "",
        case.cost_cents,
        case.currency,
        case.closed_at,
        case.closed_by or "",
        max(0, (end - case.reported_at) // timedelta(days=1)),
        case.retest_unit_id is not None and case.retest_passed_at is None,
    )


def _row_of(ctx: Ctx, session: Session, case_id: int) -> RepairCaseRow:
    r = session.execute(_rows_stmt().where(RepairCase.id == case_id)).one()
    return _to_row(ctx.now(), r)


def _target_text(session: Session, case: RepairCase) -> str:
    if case.unit_id is not None:
        unit = session.get(Unit, case.unit_id)
        return unit.asset_tag if unit else "The camera"
    dock = session.get(Dock, case.dock_id)
    name = dock.name if dock else "The dock"
    return name if not case.bay_no else f"{name} bay {case.bay_no}"


def list_cases(ctx: Ctx, *, open_only: bool = True) -> list[RepairCaseRow]:
    """Repair cases, oldest first: the open ones (with their age), or all."""
    ctx.require(Permission.READ)
    stmt = _rows_stmt().order_by(RepairCase.reported_at, RepairCase.id)
    if open_only:
        stmt = stmt.where(RepairCase.closed_at.is_(None))
    with ctx.db.read() as session:
        now = ctx.now()
        return [_to_row(now, r) for r in session.execute(stmt)]


def case_events(ctx: Ctx, case_id: int) -> list[RepairEventRow]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        return [
            RepairEventRow(
                e.id,
                e.case_id,
                e.at,
                e.kind,
                e.staff_username,
                e.station,
                e.note,
                json.loads(e.details) if e.details else {},
            )
            for e in session.execute(
                select(RepairEvent).where(RepairEvent.case_id == case_id).order_by(RepairEvent.id)
            ).scalars()
        ]


def cases_between(ctx: Ctx, start: datetime, end: datetime) -> list[RepairCaseRow]:
    """Every case (camera, dock or bay) reported in [start, end), UTC, oldest first: the
    malfunctions and repairs of a report period."""
    ctx.require(Permission.READ)
    stmt = (
        _rows_stmt()
        .where(RepairCase.reported_at >= start, RepairCase.reported_at < end)
        .order_by(RepairCase.reported_at, RepairCase.id)
    )
    with ctx.db.read() as session:
        now = ctx.now()
        return [_to_row(now, r) for r in session.execute(stmt)]


def failures_by_model(ctx: Ctx, start: datetime, end: datetime) -> list[ModelRepairRow]:
    """Camera failures and repairs per model for cases reported in [start, end), UTC:
    by source, outcome, cost (the most used currency; others are not added in) and the
    mean days from report to close. Models with no case are left out."""
    cases = [c for c in cases_between(ctx, start, end) if c.unit_id is not None]
    with ctx.db.read() as session:
        fleet: dict[str, int] = {
            model: n
            for model, n in session.execute(select(Unit.model, func.count()).group_by(Unit.model))
        }
    return summarize_by_model(cases, fleet)


def summarize_by_model(
    cases: Sequence[RepairCaseRow], fleet: dict[str, int]
) -> list[ModelRepairRow]:
    by_model: dict[str, list[RepairCaseRow]] = {}
    for c in cases:
        by_model.setdefault(c.model, []).append(c)
    out = []
    for model in sorted(by_model):
        group = by_model[model]
        currencies = [c.currency for c in group if c.cost_cents is not None]
        currency = max(set(currencies), key=currencies.count) if currencies else "USD"
        closed = [c for c in group if c.closed_at is not None]

        def n(group: list[RepairCaseRow] = group, **match: str) -> int:
            return sum(1 for c in group if all(getattr(c, k) == v for k, v in match.items()))

        out.append(
            ModelRepairRow(
                model=model,
                cameras=fleet.get(model, 0),
                cases=len(group),
                function_test=n(source=FUNCTION_TEST),
                damaged_return=n(source=DAMAGED_RETURN),
                inspection=n(source=INSPECTION),
                manual=n(source=MANUAL),
                still_open=len(group) - len(closed),
                back=n(outcome="back"),
                replaced=n(outcome="replaced"),
                written_off=n(outcome="written off"),
                cost_cents=sum(c.cost_cents or 0 for c in group if c.currency == currency),
                currency=currency,
                mean_days_closed=_mean_days(closed),
            )
        )
    return out


def _mean_days(closed: Sequence[RepairCaseRow]) -> float | None:
    spans = [(c.closed_at - c.reported_at) / timedelta(days=1) for c in closed if c.closed_at]
    return round(sum(spans) / len(spans), 1) if spans else None

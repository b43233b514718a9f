"""Repair cases: a camera (or a dock or one of its bays) reported faulty, sent to the vendor,
back, replaced or written off, with what it cost.

A case's row holds where it stands; what happened to it is in ``repair_events``, which the
database keeps append-only (a correction, such as a new cost, is a new event). The database
also refuses a second open case for one camera, dock or bay. A camera back from repair (or
its replacement) must pass a function test before the counter issues it
(``retest_required``/``retest_passed_in``, called from ``counter.issue``).

Reading (the rows, the reports' ``cases_between`` and ``failures_by_model``) is in
``repair_reads``; docks and bays out of service in ``out_of_service``: every public name of
both is importable from here too. ``services.inspections`` builds on this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bwc_desk.domain.errors import DomainError, NotFoundError, ValidationError
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.units import UnitAction, UnitStatus
from bwc_desk.domain.values import clean_text
from bwc_desk.services.assignments import assign_primary_in, put_in_pool_in, release_primary
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.inventory import change_status
from bwc_desk.services.out_of_service import (
    OutOfServiceRow,
    back_in_service,
    end_out_of_service_in,
    list_out_of_service,
    out_of_service_in,
    standing,
    take_out_of_service_in,
)
from bwc_desk.services.records import get_unit
from bwc_desk.services.repair_cases import (
    DAMAGED_RETURN,
    FUNCTION_TEST,
    INSPECTION,
    MANUAL,
    SOURCES,
    case_event,
    open_case_in,
    open_case_of,
    sent_to_vendor_in,
)
from bwc_desk.services.repair_reads import (
    ModelRepairRow,
    RepairCaseRow,
    RepairEventRow,
    case_events,
    cases_between,
    failures_by_model,
    list_cases,
    money,
    parse_cost,
    row_of,
    summarize_by_model,
)
from bwc_desk.store.fast import Read
from bwc_desk.store.models import Officer, Pool, RepairCase, RepairEvent, Unit

__all__ = [
    "DAMAGED_RETURN",
    "FUNCTION_TEST",
    "INSPECTION",
    "MANUAL",
    "SOURCES",
    "ModelRepairRow",
    "OutOfServiceRow",
    "RepairCaseRow",
    "RepairEventRow",
    "back_in_service",
    "case_events",
    "cases_between",
    "close_case",
    "end_out_of_service_in",
    "failures_by_model",
    "list_cases",
    "list_out_of_service",
    "mark_back",
    "money",
    "open_case",
    "open_case_for_counter",
    "open_case_in",
    "out_of_service_in",
    "parse_cost",
    "record_cost",
    "record_function_test",
    "replace_unit",
    "retest_passed_in",
    "retest_required",
    "send_to_vendor",
    "summarize_by_model",
    "take_out_of_service_in",
    "withdraw_for_undo",
]

# --- writing ---------------------------------------------------------------------------------


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
        return row_of(ctx, session, case.id)


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
    with ctx.db.write() as session:
        case = _case(session, case_id)
        sent_to_vendor_in(ctx, session, actor, case, vendor, rma, sent_on)
        session.flush()
        return row_of(ctx, session, case.id)


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
        case_event(
            ctx,
            session,
            actor,
            case,
            "cost",
            money(cents, currency),
            {"cost_cents": cents, "currency": currency, "was_cents": before},
        )
        session.flush()
        return row_of(ctx, session, case.id)


def _close(
    ctx: Ctx, session: Session, actor: Actor, case: RepairCase, outcome: str, note: str
) -> None:
    case.state, case.outcome = "closed", outcome
    case.closed_at, case.closed_by = ctx.now(), actor.username
    case_event(ctx, session, actor, case, outcome, note)
    if case.dock_id is not None:
        for row in standing(session, case.dock_id, case.bay_no):
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
        return row_of(ctx, session, case.id)


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
        case_event(
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
        return row_of(ctx, session, case.id)


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
        return row_of(ctx, session, case.id)


def withdraw_for_undo(ctx: Ctx, session: Session, actor: Actor, unit: Unit) -> None:
    """The counter undid a damaged return: the case that return opened is withdrawn (a
    closing event, never a deletion). A case with more history than its opening stays."""
    case = open_case_of(session, unit.id)
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
    if _AWAITING_ID.first(session, {"unit_id": unit_id}) is None:  # (nearly always)
        return None
    return session.execute(_AWAITING, {"unit_id": unit_id}).scalars().first()


_AWAITING = (  # (built once: asked at every issue)
    select(RepairCase)
    .where(
        RepairCase.retest_unit_id == bindparam("unit_id"), RepairCase.retest_passed_at.is_(None)
    )
    .order_by(RepairCase.id)
)
_AWAITING_ID = Read(
    select(RepairCase.id)
    .where(
        RepairCase.retest_unit_id == bindparam("unit_id"), RepairCase.retest_passed_at.is_(None)
    )
    .limit(1)
)


def _still_open_text(unit: Unit, case: RepairCase) -> str:
    return (
        f"{unit.asset_tag} has open repair case #{case.id} ({case.symptom}): a supervisor "
        "records it back from repair (Repairs > Back) before it is issued."
    )


def retest_required(session: Session, unit: Unit) -> str:
    """Why ``unit`` needs a function test before it is issued ('' if it does not). A camera
    put back on the shelf while its case is still open (Inventory's "return to service")
    is held too: the case must be recorded back first."""
    still_open = open_case_of(session, unit.id)
    if still_open is not None:
        return _still_open_text(unit, still_open)
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
    still_open = open_case_of(session, unit.id)
    if still_open is not None:
        raise DomainError(_still_open_text(unit, still_open))
    for case in session.execute(
        select(RepairCase).where(
            RepairCase.retest_unit_id == unit.id, RepairCase.retest_passed_at.is_(None)
        )
    ).scalars():
        case.retest_passed_at = ctx.now()
        case_event(ctx, session, actor, case, "function test passed", "", details)


def record_function_test(
    ctx: Ctx,
    unit_code: str,
    passed: bool,
    note: str = "",
    checks: Mapping[str, bool] | None = None,
) -> str:
    """A function test at the bench (the Repairs view): a pass clears the camera for issue;
    a fail puts it back in repair with a new case. ``checks`` (each check of the test, done
    or failed) is kept with the record. Returns what happened, as a sentence."""
    actor = ctx.require(Permission.OUT_OF_SERVICE, "record function tests")
    note = clean_text(note, "note", limit=500)
    if checks is not None and passed != all(checks.values()):
        raise ValidationError(
            "A function test passes with every check done, and fails with one that was not."
        )
    with ctx.db.write() as session:
        unit = get_unit(session, unit_code, lock=True)
        if passed:
            if _awaiting(session, unit.id) is None:
                raise DomainError(f"{unit.asset_tag} is not waiting for a function test.")
            details: dict[str, Any] = {"at": "bench", "note": note}
            if checks is not None:
                details["checks"] = dict(checks)
            retest_passed_in(ctx, session, actor, unit, details)
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
                {"repair_case": case.id}
                | ({"function_test": dict(checks)} if checks is not None else {}),
            )
        return f"{unit.asset_tag} failed its function test; it is in repair (case #{case.id})."

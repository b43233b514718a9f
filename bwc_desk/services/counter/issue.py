"""Issuing a camera to an officer: every rule checked again inside the write transaction,
whatever the UI checked before (another station may have issued the camera a moment ago)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.docking import GateResult
from bwc_desk.domain.errors import ConflictError, DomainError, NotFoundError, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.settings import AssignmentMode, HandoverAck
from bwc_desk.domain.shifts import expected_return
from bwc_desk.domain.units import UnitAction, UnitStatus, transition
from bwc_desk.services import audit
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.counter.common import (
    _HELD,
    _PRIMARY,
    _SLOTS,
    _label,
    _officer,
    _open_checkout,
    _unit,
    checkout_row,
)
from bwc_desk.services.counter.dto import (
    CounterScan,
    FunctionTest,
    Handover,
    IssuePlan,
    IssueResult,
    Override,
    ScanKind,
    SwapReason,
)
from bwc_desk.services.counter.overrides import OverrideRefused, refuse, verify_override
from bwc_desk.services.counter.pools import next_ready_spare, pool_conflict
from bwc_desk.services.counter.scan import identify
from bwc_desk.services.readiness import figures, gate_for, unit_reading
from bwc_desk.services.records import find_unit, get_unit, record
from bwc_desk.services.repairs import (
    FUNCTION_TEST,
    open_case_for_counter,
    retest_passed_in,
    retest_required,
)
from bwc_desk.services.settings import AgencySettings, read_settings
from bwc_desk.store.models import Checkout, Officer, Pool, Staff, Unit

log = logging.getLogger(__name__)


class IssueCheck(NamedTuple):
    needs_swap: bool
    gate: GateResult
    expected: datetime
    pool_conflict: str
    pool: Pool | None
    swap_hint: SwapReason | None


def _swap_hint(
    ctx: Ctx, session: Session, settings: AgencySettings, primary_id: int
) -> SwapReason | None:
    """What the app knows of why the officer needs a spare; None when it does not know."""
    primary = session.get(Unit, primary_id)
    if primary is None:
        return None
    if primary.status == UnitStatus.IN_REPAIR.value:
        return SwapReason.PRIMARY_IN_REPAIR
    found = unit_reading(session, primary_id, ctx.now())
    battery = found.reading.battery if found is not None else None
    if battery is not None and battery < settings.min_battery_pct:
        return SwapReason.BATTERY_DEAD
    return None


def _check_issue(
    ctx: Ctx, session: Session, settings: AgencySettings, officer: Officer, unit: Unit
) -> IssueCheck:
    """Refuse with a message naming unit and officer, or say what the issue still needs."""
    who = _label(officer)
    if unit.status == UnitStatus.ISSUED.value:
        checkout = _open_checkout(session, unit.id)
        holder = session.get(Officer, checkout.officer_id) if checkout else None
        if holder is not None and holder.id == officer.id:
            raise DomainError(f"{unit.asset_tag} is already issued to {who}.")
        if (
            checkout is not None
            and checkout.issued_station != ctx.station
            and (ctx.now() - checkout.issued_at < timedelta(seconds=settings.race_seconds))
        ):
            # Another station won the race for this camera a moment ago.
            raise ConflictError(
                f"{unit.asset_tag} was just issued to "
                f"{_label(holder) if holder else 'another officer'} at "
                f"{checkout.issued_station}. Nothing was written; pick another camera for "
                f"{who}."
            )
        raise DomainError(
            f"{unit.asset_tag} is still issued to {_label(holder) if holder else 'someone'}; "
            f"it cannot go to {who}. Return it first, or pick another camera."
        )
    try:
        transition(unit.asset_tag, UnitStatus(unit.status), UnitAction.ISSUE)
    except DomainError as exc:
        raise DomainError(f"{exc} (for {who})") from None
    if not officer.active:
        raise DomainError(
            f"{who} is not active in the roster; {unit.asset_tag} was not issued. "
            "A supervisor can re-activate the officer in Assignments."
        )
    held_rows = _HELD.all(session, {"officer_id": officer.id})
    held = [tag for tag, _id in held_rows]
    if len(held) >= settings.max_cameras_per_officer:
        raise DomainError(
            f"{who} already holds {', '.join(held)}; {unit.asset_tag} was not issued. "
            "Return that camera first."
        )
    if unit.primary_officer_id is not None and unit.primary_officer_id != officer.id:
        owner = session.get(Officer, unit.primary_officer_id)
        owner_text = _label(owner) if owner else "another officer"
        raise DomainError(
            f"{unit.asset_tag} is the primary camera of {owner_text}"
            f", not of {who}. Pick a spare or pool camera, or reassign it in Assignments."
        )
    needs_swap = False
    hint = None
    if settings.assignment_mode != AssignmentMode.POOLED.value:
        primaries = _PRIMARY.scalars(session, {"officer_id": officer.id})
        if len(primaries) > 1:  # (as scalar_one_or_none would: the database allows one)
            raise RuntimeError(f"officer {officer.id} has {len(primaries)} primary cameras")
        primary = primaries[0] if primaries else None
        # A camera besides the officer's own, which is out with them (an agency allowing
        # two): a second camera, not a spare in its place (it asked "why the swap?", a
        # reason pre-selected, a tester found).
        needs_swap = (primary is not None and primary != unit.id
                      and primary not in {unit_id for _tag, unit_id in held_rows})
        if needs_swap and primary is not None:
            hint = _swap_hint(ctx, session, settings, primary)
    conflict, pool = pool_conflict(session, officer, unit)
    gate = gate_for(session, unit.id, ctx.now(), settings.min_battery_pct)
    # The shifts came with the settings (read once per scan, not again here).
    shifts = {spec.name.lower(): spec for spec in settings.shifts}
    expected = expected_return(
        ctx.now(),
        shifts.get(officer.shift.lower()),
        timedelta(minutes=settings.return_grace_minutes),
        ctx.zone,
        timedelta(hours=settings.default_shift_hours),
    )
    return IssueCheck(needs_swap, gate, expected, conflict, pool, hint)


def identify_at_counter(
    ctx: Ctx, code: str, officer_id: int | None = None, pending_unit: str | None = None
) -> CounterScan:
    """``identify``, and when the scan most likely starts an issue (a camera that is not
    out, scanned while the officer ``officer_id`` waits; a badge, scanned while the camera
    ``pending_unit`` waits) the plan of that issue too, in the same trip: the answer of an
    issue one read sooner. A refusal of the plan is kept, not raised: the router may decide
    the scan means something else."""
    match = identify(ctx, code)
    pair: tuple[int, str] | None = None
    if match.kind is ScanKind.UNIT and match.unit is not None and officer_id is not None:
        if match.checkout is None and not match.refusal:
            pair = (officer_id, match.unit.asset_tag)
    elif match.kind is ScanKind.OFFICER and match.officer is not None and pending_unit:
        pair = (match.officer.id, pending_unit)
    if pair is None:
        return CounterScan(match)
    try:
        return CounterScan(match, *pair, plan=plan_issue(ctx, *pair))
    except DomainError as exc:
        return CounterScan(match, *pair, refusal=exc)


def plan_issue(ctx: Ctx, officer_id: int, unit_code: str) -> IssuePlan:
    """Check everything before the dialogs: refusals raise; the plan says what to ask."""
    ctx.require(Permission.ISSUE, "issue cameras")
    with ctx.db.read() as session:
        settings = read_settings(session)
        officer = session.get(Officer, officer_id)
        if officer is None:
            raise NotFoundError("That officer no longer exists; scan the badge again.")
        unit = get_unit(session, unit_code)
        check = _check_issue(ctx, session, settings, officer, unit)
        return IssuePlan(
            officer=_officer(session, ctx.now(), officer.id),
            unit=_unit(session, unit.id),
            needs_swap_reason=check.needs_swap,
            gate=check.gate,
            needs_function_test=settings.function_test_required
            or bool(retest_required(session, unit)),
            handover=HandoverAck(settings.handover_ack),
            expected_return=check.expected,
            swap_hint=check.swap_hint,
            pool_conflict=check.pool_conflict,
        )


def _verify_handover(
    session: Session, settings: AgencySettings, officer: Officer, handover: Handover | None
) -> dict[str, Any] | None:
    mode = HandoverAck(settings.handover_ack)
    if mode is HandoverAck.OFF:
        return None
    if handover is None:
        raise ValidationError(f"{_label(officer)} must acknowledge the handover first.")
    if mode is HandoverAck.PIN:
        from bwc_desk.services.auth import verify_secret

        if not officer.pin_hash:
            raise DomainError(
                f"{_label(officer)} has no handover PIN yet; a supervisor sets it in "
                "Assignments (or switch the setting to signature)."
            )
        if not verify_secret(officer.pin_hash, handover.pin):
            raise DomainError(f"The PIN is not {_label(officer)}'s; nothing was issued.")
        return {"handover": "pin", "pin_verified": True}
    if not handover.signature.strip():
        raise ValidationError(f"{_label(officer)} must sign to acknowledge the handover.")
    return {"handover": "signature", "signature": handover.signature}


def issue_unit(
    ctx: Ctx,
    officer_id: int,
    unit_code: str,
    *,
    swap_reason: str = "",
    function_test: FunctionTest | None = None,
    handover: Handover | None = None,
    override: Override | None = None,
    pool_override: Override | None = None,
) -> IssueResult:
    """Issue a camera to an officer, or record a failed function test and put it in repair.
    ``override``: a supervisor's override of the readiness gate; ``pool_override``: of a
    pool that is not the officer's."""
    actor = ctx.require(Permission.ISSUE, "issue cameras")
    now = ctx.now()
    refused_event = AuditEvent.READINESS_OVERRIDE
    try:
        with ctx.db.write() as session:
            settings = read_settings(session)
            officer = session.get(Officer, officer_id)
            if officer is None:
                raise NotFoundError("That officer no longer exists; scan the badge again.")
            unit = get_unit(session, unit_code, lock=True)
            open_c = _open_checkout(session, unit.id)
            if (
                open_c is not None
                and open_c.officer_id == officer.id
                and now - open_c.issued_at < timedelta(seconds=settings.double_scan_seconds)
            ):
                return IssueResult(
                    False,
                    f"{unit.asset_tag} was just issued to {_label(officer)} (scanned twice).",
                    duplicate=True,
                    unit=_unit(session, unit.id),
                )
            check = _check_issue(ctx, session, settings, officer, unit)
            gate, expected = check.gate, check.expected
            details: dict[str, Any] = {"expected_return": expected.isoformat()}
            pool_staff: Staff | None = None
            if check.pool_conflict:
                if pool_override is None:
                    raise DomainError(check.pool_conflict)
                refused_event = AuditEvent.POOL_OVERRIDE
                pool_staff = verify_override(session, pool_override, "a pool's limits", now)
                refused_event = AuditEvent.READINESS_OVERRIDE
                assert check.pool is not None
                details["pool_override"] = {
                    "supervisor": pool_staff.username,
                    "reason": pool_override.reason.strip(),
                    "pool": check.pool.name,
                }
            if check.needs_swap:
                reason = swap_reason.strip()
                if not reason:
                    raise ValidationError(
                        f"{unit.asset_tag} is not the primary camera of {_label(officer)}: "
                        "choose a spare-swap reason."
                    )
                details["swap_reason"] = reason
            retest = retest_required(session, unit)  # back from repair: a test is a must
            if settings.function_test_required or retest:
                if function_test is None:
                    raise ValidationError(retest or "Record the pre-shift function test first.")
                details["function_test"] = function_test.as_details()
                if not function_test.passed:
                    return _failed_function_test(
                        ctx, session, actor, settings, officer, unit, function_test
                    )
                if retest:
                    retest_passed_in(ctx, session, actor, unit, details["function_test"])
            override_staff: Staff | None = None
            if not gate.ready:
                if override is None:
                    raise DomainError(
                        f"{unit.asset_tag} is not ready: {gate.describe()}. Pick another "
                        f"camera for {_label(officer)}, or have a supervisor override."
                    )
                override_staff = verify_override(session, override, "the readiness check", now)
            ack = _verify_handover(session, settings, officer, handover)
            if ack:
                details.update(ack)
            if override_staff is not None and override is not None:
                record(
                    ctx,
                    session,
                    actor,
                    EventKind.READINESS_OVERRIDE,
                    unit,
                    officer_id=officer.id,
                    reason=override.reason.strip(),
                    details={
                        "supervisor": override_staff.username,
                        "supervisor_id": override_staff.id,
                        "not_ready": list(gate.reasons),
                        "shown": list(override.seen) or list(gate.reasons),
                        "readiness": figures(session, unit.id, now, settings.min_battery_pct),
                    },
                )
                details["override_by"] = override_staff.username
                _audit_ok(
                    session,
                    ctx,
                    AuditEvent.READINESS_OVERRIDE,
                    override_staff,
                    unit,
                    officer,
                    override.reason,
                )
            if pool_staff is not None and pool_override is not None:
                _audit_ok(
                    session,
                    ctx,
                    AuditEvent.POOL_OVERRIDE,
                    pool_staff,
                    unit,
                    officer,
                    pool_override.reason,
                )
            # (The officer's slots read before the unit changes: then the unit, its record
            # and the checkout are written in one flush.)
            used = set(_SLOTS.scalars(session, {"officer_id": officer.id}))
            unit.status = transition(
                unit.asset_tag, UnitStatus(unit.status), UnitAction.ISSUE
            ).value
            seq = record(
                ctx,
                session,
                actor,
                EventKind.ISSUED,
                unit,
                officer_id=officer.id,
                reason=details.get("swap_reason"),
                details=details,
            )
            slot = 1 if 1 not in used else 2
            checkout = Checkout(
                unit_id=unit.id,
                officer_id=officer.id,
                slot=slot,
                issued_at=now,
                issued_seq=seq,
                issued_by=actor.username,
                issued_station=ctx.station,
                expected_return=expected,
                swap_reason=details.get("swap_reason", ""),
            )
            session.add(checkout)
            session.flush()
            # The row as the list of cameras out reads it back, from what was just written
            # (no query: every value is in hand; times in UTC, as read back).
            row = checkout_row((
                checkout.id,
                unit.id,
                unit.asset_tag,
                officer.id,
                officer.last_name,
                officer.first_name,
                officer.badge,
                officer.shift,
                now.astimezone(UTC),
                expected.astimezone(UTC),
                actor.username,
                ctx.station,
                checkout.swap_reason,
                None,
            ))
            return IssueResult(
                True,
                f"{unit.asset_tag} issued to {_label(officer)}; due back "
                f"{expected.astimezone(ctx.zone):%a %H:%M}.",
                seq=seq,
                checkout=row,
                unit=_unit(session, unit.id),
                undo_window_seconds=settings.undo_window_seconds,
            )
    except OverrideRefused as exc:
        raise refuse(ctx, refused_event, exc, unit_code.strip().upper()) from None
    except IntegrityError as exc:
        raise _race_message(ctx, unit_code, officer_id, exc) from None


def _audit_ok(
    session: Session,
    ctx: Ctx,
    event: AuditEvent,
    staff: Staff,
    unit: Unit,
    officer: Officer,
    reason: str,
) -> None:
    audit.write(
        session,
        station=ctx.station,
        at=ctx.now(),
        event=event,
        actor=ctx.actor,
        details={
            "supervisor": staff.username,
            "unit": unit.asset_tag,
            "officer": _label(officer),
            "reason": reason.strip(),
        },
    )


def _race_message(ctx: Ctx, unit_code: str, officer_id: int, exc: IntegrityError) -> DomainError:
    """Another station won the race (the database refused the second open issue): say who
    has the camera, or what the officer was just given, and where."""
    log.info("issue refused by the database: %s", str(exc.orig).splitlines()[0])
    with ctx.db.read() as session:
        unit = find_unit(session, unit_code)
        officer = session.get(Officer, officer_id)
        if unit is not None:
            c = _open_checkout(session, unit.id)
            if c is not None and c.officer_id != officer_id:
                holder = session.get(Officer, c.officer_id)
                return ConflictError(
                    f"{unit.asset_tag} was just issued to "
                    f"{_label(holder) if holder else 'another officer'} at {c.issued_station}. "
                    "Nothing was written; pick another camera."
                )
        if officer is not None:
            held = session.execute(
                select(Unit.asset_tag, Checkout.issued_station)
                .join(Checkout, Checkout.unit_id == Unit.id)
                .where(Checkout.officer_id == officer_id, Checkout.returned_at.is_(None))
                .order_by(Checkout.issued_at.desc())
            ).first()
            if held is not None:
                return ConflictError(
                    f"{_label(officer)} was just issued {held[0]} at {held[1]}. Nothing was "
                    f"written; {unit_code.strip().upper()} stays on the shelf."
                )
    return ConflictError(
        "Another station changed this record at the same moment; nothing was written. Scan again."
    )


def _failed_function_test(
    ctx: Ctx,
    session: Session,
    actor: Actor,
    settings: AgencySettings,
    officer: Officer,
    unit: Unit,
    test: FunctionTest,
) -> IssueResult:
    failures = test.failures()
    note = "; ".join(failures) + (f" - {test.note.strip()}" if test.note.strip() else "")
    record(
        ctx,
        session,
        actor,
        EventKind.FUNCTION_TEST_FAILED,
        unit,
        officer_id=officer.id,
        reason=note,
        details={"function_test": test.as_details()},
    )
    unit.status = transition(unit.asset_tag, UnitStatus(unit.status), UnitAction.REPAIR).value
    unit.status_reason = f"Failed pre-shift function test: {note}"
    unit.notes = (
        unit.notes + "\n" if unit.notes else ""
    ) + f"{ctx.now():%Y-%m-%d} function test failed: {note}"
    seq = record(
        ctx,
        session,
        actor,
        EventKind.SENT_TO_REPAIR,
        unit,
        officer_id=officer.id,
        reason=unit.status_reason,
    )
    open_case_for_counter(ctx, session, actor, unit, FUNCTION_TEST, f"failed function test: {note}")
    spare = next_ready_spare(ctx, session, settings, officer, exclude=unit.id)
    message = (
        f"{unit.asset_tag} failed the function test ({note}) and is now in repair; "
        f"it was not issued to {_label(officer)}."
    )
    if spare is not None:
        message += f" Next ready spare: {spare.asset_tag}."
    else:
        message += " No ready spare for them now: check the docks."
    return IssueResult(False, message, seq=seq, unit=_unit(session, unit.id), next_spare=spare)

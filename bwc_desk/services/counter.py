"""The counter: issuing cameras to officers and taking them back.

Every rule is checked again inside the write transaction, whatever the UI checked before:
another station may have issued the same camera a moment ago.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bwc_desk.domain.docking import GateResult
from bwc_desk.domain.errors import ConflictError, DomainError, NotFoundError, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Permission, Role, has_permission
from bwc_desk.domain.settings import AssignmentMode, HandoverAck
from bwc_desk.domain.shifts import expected_return, shift_window
from bwc_desk.domain.units import UnitAction, UnitStatus, transition
from bwc_desk.domain.values import clean_text, normalize_scan
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.dto import CheckoutRow, OfficerRow, UnitRow
from bwc_desk.services.inventory import unit_row
from bwc_desk.services.officers import officer_rows
from bwc_desk.services.readiness import gate_for
from bwc_desk.services.records import find_officer, find_unit, get_officer, get_unit, record
from bwc_desk.services.settings import AgencySettings, read_settings, shift_specs
from bwc_desk.store import queries
from bwc_desk.store.models import Checkout, CustodyEvent, Officer, Staff, Unit

log = logging.getLogger(__name__)
DOUBLE_SCAN_SECONDS = 5
RACE_SECONDS = 60


class SwapReason(StrEnum):
    PRIMARY_IN_REPAIR = "primary in repair"
    BATTERY_DEAD = "battery dead"
    FORGOTTEN = "forgotten"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class FunctionTest:
    """The pre-shift function test the officer does at the counter."""

    powers_on: bool = True
    records: bool = True
    battery_indicator: bool = True
    mount_and_lens: bool = True
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.powers_on and self.records and self.battery_indicator and self.mount_and_lens

    def failures(self) -> list[str]:
        names = {
            "powers_on": "does not power on",
            "records": "does not record",
            "battery_indicator": "battery indicator fails",
            "mount_and_lens": "mount or lens damaged",
        }
        return [text for key, text in names.items() if not getattr(self, key)]

    def as_details(self) -> dict[str, Any]:
        return {
            "powers_on": self.powers_on,
            "records": self.records,
            "battery_indicator": self.battery_indicator,
            "mount_and_lens": self.mount_and_lens,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Handover:
    """The officer's acknowledgement: a PIN typed, or a signature drawn (SVG path data)."""

    pin: str = ""
    signature: str = ""


@dataclass(frozen=True, slots=True)
class Override:
    """A supervisor's override of the readiness gate, with their own credentials."""

    username: str
    password: str
    reason: str


@dataclass(frozen=True, slots=True)
class IssuePlan:
    """What issuing this unit to this officer still needs from the people at the counter."""

    officer: OfficerRow
    unit: UnitRow
    needs_swap_reason: bool
    gate: GateResult
    needs_function_test: bool
    handover: HandoverAck
    expected_return: datetime


@dataclass(frozen=True, slots=True)
class IssueResult:
    issued: bool
    message: str
    seq: int | None = None
    checkout: CheckoutRow | None = None
    unit: UnitRow | None = None
    next_spare: UnitRow | None = None
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class ReturnCondition:
    damaged: bool = False
    accessory_missing: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReturnResult:
    message: str
    seq: int | None
    unit: UnitRow
    officer: str = ""
    issued_at: datetime | None = None
    suggested_bay: str = ""
    in_repair: bool = False
    duplicate: bool = False


class ScanKind(StrEnum):
    OFFICER = "officer"
    UNIT = "unit"


@dataclass(frozen=True, slots=True)
class ScanMatch:
    kind: ScanKind
    officer: OfficerRow | None = None
    unit: UnitRow | None = None
    checkout: CheckoutRow | None = None
    recent: bool = False  # issued or returned within the double-scan window


@dataclass(frozen=True, slots=True)
class UndoResult:
    message: str
    seq: int
    unit: UnitRow


def checkout_row(r: Any) -> CheckoutRow:
    (
        cid,
        unit_id,
        tag,
        officer_id,
        last,
        first,
        badge,
        shift,
        issued_at,
        expected,
        issued_by,
        station,
        swap,
        returned_at,
    ) = r
    name = f"{last}, {first}" if first else last
    return CheckoutRow(
        cid,
        unit_id,
        tag,
        officer_id,
        name,
        badge,
        shift,
        issued_at,
        expected,
        issued_by,
        station,
        swap or "",
        returned_at,
    )


def _label(officer: Officer) -> str:
    name = f"{officer.last_name}, {officer.first_name}" if officer.first_name else officer.last_name
    return f"{name} ({officer.badge})"


_OPEN_CHECKOUT = select(Checkout).where(
    Checkout.unit_id == bindparam("unit_id"), Checkout.returned_at.is_(None)
)
_HELD = (
    select(Unit.asset_tag)
    .join(Checkout, Checkout.unit_id == Unit.id)
    .where(Checkout.officer_id == bindparam("officer_id"), Checkout.returned_at.is_(None))
)
_PRIMARY = select(Unit.id).where(Unit.primary_officer_id == bindparam("officer_id"))
_SLOTS = select(Checkout.slot).where(
    Checkout.officer_id == bindparam("officer_id"), Checkout.returned_at.is_(None)
)


def _open_checkout(session: Session, unit_id: int) -> Checkout | None:
    return session.execute(_OPEN_CHECKOUT, {"unit_id": unit_id}).scalar_one_or_none()


def _unit(session: Session, unit_id: int) -> UnitRow:
    return unit_row(queries.unit_rows(session, [unit_id])[0])


def _officer(session: Session, now: datetime, officer_id: int) -> OfficerRow:
    return officer_rows(session, now, [officer_id])[0]


# --- identifying a scan ---------------------------------------------------------------------


def identify(ctx: Ctx, code: str) -> ScanMatch:
    """What a scan (or typed code) is: an officer's ID badge or a camera."""
    ctx.require(Permission.READ)
    value = normalize_scan(code)
    if not value:
        raise NotFoundError("The scan was empty. Scan again.")
    now = ctx.now()
    with ctx.db.read() as session:
        officer = find_officer(session, value)
        unit = find_unit(session, value)
        if officer is not None and unit is not None:
            raise DomainError(
                f"{value!r} matches both officer {_label(officer)} and camera {unit.asset_tag}. "
                "Type the badge number or the serial instead, and fix the duplicate code."
            )
        if officer is not None:
            return ScanMatch(ScanKind.OFFICER, officer=_officer(session, now, officer.id))
        if unit is not None:
            found = queries.open_checkout_for_unit(session, unit.id)
            row = checkout_row(found) if found is not None else None
            recent = False
            if row is not None:
                recent = now - row.issued_at < timedelta(seconds=DOUBLE_SCAN_SECONDS)
            else:
                recent = _returned_recently(session, unit.id, now)
            return ScanMatch(
                ScanKind.UNIT, unit=_unit(session, unit.id), checkout=row, recent=recent
            )
    raise NotFoundError(
        f"Nothing matches {value!r}: no officer badge and no camera asset tag or serial. "
        "Check the label and scan again."
    )


def _returned_recently(session: Session, unit_id: int, now: datetime) -> bool:
    last = session.execute(
        select(func.max(Checkout.returned_at)).where(
            Checkout.unit_id == unit_id, Checkout.voided.is_(False)
        )
    ).scalar_one_or_none()
    return last is not None and now - last < timedelta(seconds=DOUBLE_SCAN_SECONDS)


def search(ctx: Ctx, text: str, limit: int = 20) -> list[OfficerRow | UnitRow]:
    """Search-as-you-type at the counter: officers by name or badge, units by partial tag."""
    ctx.require(Permission.READ)
    needle = normalize_scan(text)
    if len(needle) < 2:
        return []
    pattern = f"%{needle.lower()}%"
    now = ctx.now()
    with ctx.db.read() as session:
        officer_ids = (
            session.execute(
                select(Officer.id)
                .where(
                    Officer.active.is_(True),
                    func.lower(Officer.last_name + " " + Officer.first_name).like(pattern)
                    | func.lower(Officer.first_name + " " + Officer.last_name).like(pattern)
                    | Officer.badge.like(f"{needle}%"),
                )
                .order_by(Officer.last_name, Officer.first_name)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        unit_ids = (
            session.execute(
                select(Unit.id)
                .where(
                    func.lower(Unit.asset_tag).like(pattern) | func.lower(Unit.serial).like(pattern)
                )
                .order_by(Unit.asset_tag)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        found: list[OfficerRow | UnitRow] = []
        if officer_ids:
            found.extend(officer_rows(session, now, list(officer_ids)))
        if unit_ids:
            found.extend(unit_row(r) for r in queries.unit_rows(session, list(unit_ids)))
        return found


# --- issuing --------------------------------------------------------------------------------


def _check_issue(
    ctx: Ctx, session: Session, settings: AgencySettings, officer: Officer, unit: Unit
) -> tuple[bool, GateResult, datetime]:
    """Refuse with a message naming unit and officer, or return (needs swap reason, gate,
    expected return)."""
    who = _label(officer)
    if unit.status == UnitStatus.ISSUED.value:
        checkout = _open_checkout(session, unit.id)
        holder = session.get(Officer, checkout.officer_id) if checkout else None
        if holder is not None and holder.id == officer.id:
            raise DomainError(f"{unit.asset_tag} is already issued to {who}.")
        if checkout is not None and checkout.issued_station != ctx.station and (
                ctx.now() - checkout.issued_at < timedelta(seconds=RACE_SECONDS)):
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
    held = session.execute(_HELD, {"officer_id": officer.id}).scalars().all()
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
    if settings.assignment_mode != AssignmentMode.POOLED.value:
        primary = session.execute(_PRIMARY, {"officer_id": officer.id}).scalar_one_or_none()
        needs_swap = primary is not None and primary != unit.id
    gate = gate_for(session, unit.id, ctx.now(), settings.min_battery_pct)
    shifts = shift_specs(session)
    expected = expected_return(
        ctx.now(),
        shifts.get(officer.shift.lower()),
        timedelta(minutes=settings.return_grace_minutes),
        ctx.zone,
        timedelta(hours=settings.default_shift_hours),
    )
    return needs_swap, gate, expected


def plan_issue(ctx: Ctx, officer_id: int, unit_code: str) -> IssuePlan:
    """Check everything before the dialogs: refusals raise; the plan says what to ask."""
    ctx.require(Permission.ISSUE, "issue cameras")
    with ctx.db.read() as session:
        settings = read_settings(session)
        officer = session.get(Officer, officer_id)
        if officer is None:
            raise NotFoundError("That officer no longer exists; scan the badge again.")
        unit = get_unit(session, unit_code)
        needs_swap, gate, expected = _check_issue(ctx, session, settings, officer, unit)
        return IssuePlan(
            officer=_officer(session, ctx.now(), officer.id),
            unit=_unit(session, unit.id),
            needs_swap_reason=needs_swap,
            gate=gate,
            needs_function_test=settings.function_test_required,
            handover=HandoverAck(settings.handover_ack),
            expected_return=expected,
        )


def _check_override(session: Session, override: Override) -> Staff:
    from bwc_desk.services.auth import verify_secret

    reason = clean_text(override.reason, "override reason", limit=500)
    if not reason:
        raise ValidationError("Give the reason for overriding the readiness check.")
    staff = session.execute(
        select(Staff).where(Staff.username == override.username.strip().lower())
    ).scalar_one_or_none()
    if (
        staff is None
        or not staff.active
        or not verify_secret(staff.password_hash, override.password)
    ):
        raise DomainError("The supervisor's user name or password is wrong; nothing was issued.")
    if not has_permission(Role(staff.role), Permission.OVERRIDE_READINESS):
        raise DomainError(
            f"{staff.display_name} is {staff.role}; only a supervisor or admin can override "
            "the readiness check."
        )
    return staff


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
) -> IssueResult:
    """Issue a camera to an officer, or record a failed function test and put it in repair."""
    actor = ctx.require(Permission.ISSUE, "issue cameras")
    now = ctx.now()
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
                and now - open_c.issued_at < timedelta(seconds=DOUBLE_SCAN_SECONDS)
            ):
                return IssueResult(
                    False,
                    f"{unit.asset_tag} was just issued to {_label(officer)} (scanned twice).",
                    duplicate=True,
                    unit=_unit(session, unit.id),
                )
            needs_swap, gate, expected = _check_issue(ctx, session, settings, officer, unit)
            details: dict[str, Any] = {"expected_return": expected.isoformat()}
            if needs_swap:
                reason = swap_reason.strip()
                if not reason:
                    raise ValidationError(
                        f"{unit.asset_tag} is not the primary camera of {_label(officer)}: "
                        "choose a spare-swap reason."
                    )
                details["swap_reason"] = reason
            if settings.function_test_required:
                if function_test is None:
                    raise ValidationError("Record the pre-shift function test first.")
                details["function_test"] = function_test.as_details()
                if not function_test.passed:
                    return _failed_function_test(
                        ctx, session, actor, settings, officer, unit, function_test
                    )
            override_staff: Staff | None = None
            if not gate.ready:
                if override is None:
                    raise DomainError(
                        f"{unit.asset_tag} is not ready: {gate.describe()}. Pick another "
                        f"camera for {_label(officer)}, or have a supervisor override."
                    )
                override_staff = _check_override(session, override)
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
                    },
                )
                details["override_by"] = override_staff.username
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
            used = set(session.execute(_SLOTS, {"officer_id": officer.id}).scalars())
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
            found = queries.open_checkout_for_unit(session, unit.id)
            assert found is not None  # written in this very transaction
            row = checkout_row(found)
            return IssueResult(
                True,
                f"{unit.asset_tag} issued to {_label(officer)}; due back "
                f"{expected.astimezone(ctx.zone):%a %H:%M}.",
                seq=seq,
                checkout=row,
                unit=_unit(session, unit.id),
            )
    except IntegrityError as exc:
        raise _race_message(ctx, unit_code, officer_id, exc) from None


def _race_message(ctx: Ctx, unit_code: str, officer_id: int,
                  exc: IntegrityError) -> DomainError:
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
        "Another station changed this record at the same moment; nothing was written. "
        "Scan again."
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
    spare = next_ready_spare(ctx, session, settings, officer, exclude=unit.id)
    message = (
        f"{unit.asset_tag} failed the function test ({note}) and is now in repair; "
        f"it was not issued to {_label(officer)}."
    )
    if spare is not None:
        message += f" Next ready spare: {spare.asset_tag}."
    return IssueResult(False, message, seq=seq, unit=_unit(session, unit.id), next_spare=spare)


def next_ready_spare(
    ctx: Ctx, session: Session, settings: AgencySettings, officer: Officer, exclude: int
) -> UnitRow | None:
    """An available camera nobody owns (a spare, or one from a pool), ready by its dock."""
    candidates = (
        session.execute(
            select(Unit.id)
            .where(
                Unit.status == UnitStatus.AVAILABLE.value,
                Unit.primary_officer_id.is_(None),
                Unit.id != exclude,
            )
            .order_by(Unit.pool_id.is_(None), Unit.asset_tag)
            .limit(200)
        )
        .scalars()
        .all()
    )
    for unit_id in candidates:
        if gate_for(session, unit_id, ctx.now(), settings.min_battery_pct).ready:
            return _unit(session, unit_id)
    return None


# --- returning ------------------------------------------------------------------------------


def return_unit(ctx: Ctx, unit_code: str, condition: ReturnCondition | None = None) -> ReturnResult:
    """Take a camera back: one step; damaged puts it in repair."""
    actor = ctx.require(Permission.RETURN, "return cameras")
    condition = condition or ReturnCondition()
    now = ctx.now()
    with ctx.db.write() as session:
        unit = get_unit(session, unit_code, lock=True)
        checkout = _open_checkout(session, unit.id)
        if checkout is None:
            if _returned_recently(session, unit.id, now):
                return ReturnResult(
                    f"{unit.asset_tag} was just returned (scanned twice).",
                    None,
                    _unit(session, unit.id),
                    duplicate=True,
                )
            raise DomainError(
                f"{unit.asset_tag} is {unit.status}, not out with an officer, so there is "
                "nothing to return. Scan the officer's badge first to issue it."
            )
        if now - checkout.issued_at < timedelta(seconds=DOUBLE_SCAN_SECONDS):
            return ReturnResult(
                f"{unit.asset_tag} was issued a moment ago (scanned twice); it was not returned.",
                None,
                _unit(session, unit.id),
                duplicate=True,
            )
        officer = session.get(Officer, checkout.officer_id)
        assert officer is not None
        unit.status = transition(unit.asset_tag, UnitStatus(unit.status), UnitAction.RETURN).value
        details: dict[str, Any] = {
            "issued_at": checkout.issued_at.isoformat(),
            "issued_seq": checkout.issued_seq,
            "damaged": condition.damaged,
            "accessory_missing": condition.accessory_missing,
        }
        note = clean_text(condition.note, "note", limit=1000)
        if note:
            details["note"] = note
        overdue = now > checkout.expected_return
        if overdue:
            details["overdue_minutes"] = int((now - checkout.expected_return).total_seconds() // 60)
        seq = record(
            ctx,
            session,
            actor,
            EventKind.RETURNED,
            unit,
            officer_id=officer.id,
            reason=note or None,
            details=details,
        )
        checkout.returned_at = now
        checkout.returned_seq = seq
        checkout.returned_by = actor.username
        in_repair = False
        if condition.damaged or condition.accessory_missing:
            defects = [
                t
                for flag, t in (
                    (condition.damaged, "damaged"),
                    (condition.accessory_missing, "accessory missing"),
                )
                if flag
            ]
            text = ", ".join(defects) + (f": {note}" if note else "")
            record(
                ctx,
                session,
                actor,
                EventKind.DEFECT_REPORTED,
                unit,
                officer_id=officer.id,
                reason=text,
            )
            if condition.damaged:
                unit.status = transition(
                    unit.asset_tag, UnitStatus(unit.status), UnitAction.REPAIR
                ).value
                unit.status_reason = f"Returned damaged: {text}"
                record(
                    ctx,
                    session,
                    actor,
                    EventKind.SENT_TO_REPAIR,
                    unit,
                    officer_id=officer.id,
                    reason=unit.status_reason,
                )
                in_repair = True
        bay = "" if in_repair else suggest_bay(session, ctx.now())
        message = f"{unit.asset_tag} returned by {_label(officer)}"
        message += f", out since {checkout.issued_at.astimezone(ctx.zone):%a %H:%M}."
        if in_repair:
            message += " It is now in repair; do not dock it."
        elif bay:
            message += f" Put it in {bay}."
        return ReturnResult(
            message,
            seq,
            _unit(session, unit.id),
            _label(officer),
            checkout.issued_at,
            bay,
            in_repair,
        )


def suggest_bay(session: Session, now: datetime) -> str:
    """A free bay on a dock that is reporting, for the confirmation after a return."""
    return queries.free_bay(session, now - timedelta(seconds=30))


# --- undo -----------------------------------------------------------------------------------


def undo(ctx: Ctx, seq: int) -> UndoResult:
    """Correct the issue or return recorded as ``seq`` within the undo window: a new
    correcting event, never a deletion, and the unit back in its state before."""
    actor = ctx.require(Permission.ISSUE, "undo a transaction")
    now = ctx.now()
    with ctx.db.write() as session:
        settings = read_settings(session)
        event = session.execute(
            select(CustodyEvent).where(CustodyEvent.seq == seq)
        ).scalar_one_or_none()
        if event is None or event.unit_id is None:
            raise DomainError("There is no transaction to undo.")
        if now - event.at > timedelta(seconds=settings.undo_window_seconds):
            raise DomainError(
                f"Undo is only possible within {settings.undo_window_seconds // 60} minutes. "
                "Make the correction as a new transaction instead."
            )
        if event.staff_username != actor.username or event.station != ctx.station:
            raise DomainError(
                "Only the person who made a transaction can undo it, at the "
                "station where it was made."
            )
        already = session.execute(
            select(CustodyEvent.seq).where(CustodyEvent.corrects_seq == seq)
        ).first()
        if already:
            raise DomainError("That transaction was already undone.")
        unit = session.get(Unit, event.unit_id)
        assert unit is not None
        if unit.last_event_seq is not None and unit.last_event_seq > seq:
            later = session.execute(
                select(CustodyEvent.kind).where(CustodyEvent.seq == unit.last_event_seq)
            ).scalar_one()
            if not (
                event.kind == EventKind.RETURNED.value
                and later in (EventKind.DEFECT_REPORTED.value, EventKind.SENT_TO_REPAIR.value)
            ):
                raise DomainError(
                    f"{unit.asset_tag} has changed since ({later}); undo is no longer possible."
                )
        if event.kind == EventKind.ISSUED.value:
            checkout = _open_checkout(session, unit.id)
            if checkout is None or checkout.issued_seq != seq:
                raise DomainError(f"{unit.asset_tag} is no longer out on that issue.")
            unit.status = transition(
                unit.asset_tag, UnitStatus(unit.status), UnitAction.UNDO_ISSUE
            ).value
            new_seq = record(
                ctx,
                session,
                actor,
                EventKind.CORRECTION,
                unit,
                officer_id=event.officer_id,
                reason="undo issue",
                details={"undoes": event.kind},
                corrects_seq=seq,
            )
            checkout.returned_at = now
            checkout.returned_seq = new_seq
            checkout.returned_by = actor.username
            checkout.voided = True
            message = f"Undone: {unit.asset_tag} is back on the shelf, not issued."
        elif event.kind == EventKind.RETURNED.value:
            checkout = session.execute(
                select(Checkout).where(Checkout.returned_seq == seq)
            ).scalar_one_or_none()
            if checkout is None:
                raise DomainError(f"The issue of {unit.asset_tag} cannot be re-opened.")
            unit.status = transition(
                unit.asset_tag, UnitStatus(unit.status), UnitAction.UNDO_RETURN
            ).value
            unit.status_reason = ""
            new_seq = record(
                ctx,
                session,
                actor,
                EventKind.CORRECTION,
                unit,
                officer_id=event.officer_id,
                reason="undo return",
                details={"undoes": event.kind},
                corrects_seq=seq,
            )
            try:
                with session.begin_nested():
                    session.execute(
                        update(Checkout)
                        .where(Checkout.id == checkout.id)
                        .values(returned_at=None, returned_seq=None, returned_by=None)
                    )
            except IntegrityError:
                raise DomainError(
                    f"{unit.asset_tag} cannot be re-opened: it or its officer has another "
                    "open issue now."
                ) from None
            message = f"Undone: {unit.asset_tag} is out with the officer again."
        else:
            raise DomainError(f"A {event.kind} record cannot be undone here.")
        return UndoResult(message, new_seq, _unit(session, unit.id))


# --- lists ----------------------------------------------------------------------------------


def out_now(ctx: Ctx) -> list[CheckoutRow]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        return [checkout_row(r) for r in queries.open_checkouts(session)]


@dataclass(frozen=True, slots=True)
class NotDockedRow:
    unit_id: int
    asset_tag: str
    officer: str
    returned_at: datetime
    returned_by: str
    minutes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


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


# --- defects, line-up -----------------------------------------------------------------------


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
        session.flush()
        return _unit(session, unit.id)


@dataclass(frozen=True, slots=True)
class LineupRow:
    officer: str
    badge: str
    asset_tag: str
    issued_at: datetime | None
    expected_return: datetime | None
    returned_at: datetime | None


@dataclass(frozen=True, slots=True)
class Lineup:
    agency: str
    shift: str
    starts: datetime
    ends: datetime
    rows: tuple[LineupRow, ...]
    printed_by: str
    station: str


def lineup(ctx: Ctx, shift_name: str, day: date) -> Lineup:
    """The per-shift line-up sheet: every active officer of the shift, with the camera issued
    to them for that shift (or blank), for signatures at roll call."""
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
        officers = (
            session.execute(
                select(Officer)
                .where(Officer.active.is_(True), func.lower(Officer.shift) == spec.name.lower())
                .order_by(Officer.last_name, Officer.first_name)
            )
            .scalars()
            .all()
        )
        # An issue belongs to the occurrence of the shift whose start is nearest to it, the
        # same rule that set its expected return.
        issued = {
            c.officer_id: c
            for c in session.execute(
                select(Checkout)
                .where(
                    Checkout.voided.is_(False),
                    Checkout.issued_at >= window_from,
                    Checkout.issued_at < window_to,
                )
                .order_by(Checkout.issued_at)
            ).scalars()
            if shift_window(spec, c.issued_at, ctx.zone)[0] == starts
        }
        tags = dict(session.execute(select(Unit.id, Unit.asset_tag)).all())
        rows = []
        for o in officers:
            c = issued.get(o.id)
            rows.append(
                LineupRow(
                    f"{o.last_name}, {o.first_name}".strip(", "),
                    o.badge,
                    tags.get(c.unit_id, "") if c else "",
                    c.issued_at if c else None,
                    c.expected_return if c else None,
                    c.returned_at if c else None,
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
        )

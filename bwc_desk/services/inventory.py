"""Inventory: the units (cameras), their details, lifecycle and history."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bwc_desk.adapters.csvfile import write_csv
from bwc_desk.adapters.staged import sha256_of, staged
from bwc_desk.domain.errors import DomainError, TransitionError, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.ledger import GENESIS, heads_footer
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.units import STATUS_OF, UnitAction, UnitStatus, transition
from bwc_desk.domain.values import clean_text, normalize_tag
from bwc_desk.services import audit, identity
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.csv_formats import CUSTODY_COLUMNS
from bwc_desk.services.dto import EventRow, UnitRow, person_name
from bwc_desk.services.records import (
    camera_code_clash,
    get_unit,
    officer_label,
    officer_with_code,
    record,
)
from bwc_desk.services.repair_cases import camera_sent_to_repair
from bwc_desk.store import queries
from bwc_desk.store.ledger import AUDIT, CUSTODY, recorded_head
from bwc_desk.store.models import Checkout, Officer, Unit


def _officer_text(last: str | None, first: str | None, badge: str | None) -> str:
    if badge is None:
        return ""
    return f"{person_name(last or '', first or '')} ({badge})"


def unit_row(r: Any) -> UnitRow:
    (
        uid,
        tag,
        serial,
        model,
        firmware,
        status,
        notes,
        purchased,
        warranty,
        primary_id,
        p_last,
        p_first,
        p_badge,
        pool_id,
        pool_name,
        holder_id,
        h_last,
        h_first,
        h_badge,
        issued_at,
        expected,
        dock_name,
        bay_no,
        last_kind,
        last_at,
        vendor,
        ticket,
        repair_expected,
        status_reason,
        location,
    ) = r
    return UnitRow(
        id=uid,
        asset_tag=tag,
        serial=serial,
        model=model,
        firmware=firmware,
        status=STATUS_OF[status],
        notes=notes,
        purchase_date=purchased,
        warranty_until=warranty,
        primary_officer_id=primary_id,
        primary_officer=_officer_text(p_last, p_first, p_badge),
        pool_id=pool_id,
        pool=pool_name or "",
        holder_officer_id=holder_id,
        holder=_officer_text(h_last, h_first, h_badge),
        issued_at=issued_at,
        expected_return=expected,
        dock_bay=f"{dock_name} / bay {bay_no}" if dock_name else "",
        last_event=last_kind or "",
        last_event_at=last_at,
        repair_vendor=vendor,
        repair_ticket=ticket,
        repair_expected=repair_expected,
        status_reason=status_reason,
        location=location or "",
    )


def event_row(r: Any) -> EventRow:
    (
        seq,
        at,
        kind,
        unit_id,
        tag,
        officer_id,
        last,
        first,
        badge,
        staff,
        station,
        reason,
        details,
        corrects,
        digest,
    ) = r
    return EventRow(
        seq=seq,
        at=at,
        kind=EventKind(kind),
        unit_id=unit_id,
        asset_tag=tag or "",
        officer_id=officer_id,
        officer=_officer_text(last, first, badge),
        staff_username=staff,
        station=station,
        reason=reason or "",
        details=json.loads(details) if details else {},
        corrects_seq=corrects,
        hash=digest,
    )


def list_units(ctx: Ctx) -> list[UnitRow]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        return [unit_row(r) for r in queries.unit_rows(session)]


def units_by_id(ctx: Ctx, unit_ids: Sequence[int]) -> list[UnitRow]:
    """The Inventory rows of these units (what a view patches after a change named them),
    as ``list_units`` has them; a unit that no longer exists is left out."""
    ctx.require(Permission.READ)
    if not unit_ids:
        return []
    with ctx.db.read() as session:
        return [unit_row(r) for r in queries.unit_rows(session, unit_ids)]


def unit_detail(ctx: Ctx, code_or_id: str | int) -> UnitRow:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        unit_id = code_or_id if isinstance(code_or_id, int) else get_unit(session, code_or_id).id
        rows = queries.unit_rows(session, [unit_id])
        if not rows:
            raise DomainError(f"Unit {code_or_id} no longer exists.")
        return unit_row(rows[0])


def unit_history(
    ctx: Ctx, unit_id: int, before_seq: int | None = None, limit: int = 200
) -> list[EventRow]:
    """A page of one unit's custody history, newest first; pass the last seq for the next."""
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        rows = queries.custody_rows(session, unit_id=unit_id, before_seq=before_seq, limit=limit)
        return [event_row(r) for r in rows]


@dataclass(frozen=True, slots=True)
class UnitInput:
    asset_tag: str
    serial: str
    model: str = ""
    firmware: str = ""
    notes: str = ""
    purchase_date: date | None = None
    warranty_until: date | None = None


def clean_unit_input(data: UnitInput) -> UnitInput:
    return UnitInput(
        asset_tag=normalize_tag(data.asset_tag, "asset tag"),
        serial=normalize_tag(data.serial, "serial"),
        model=clean_text(data.model, "model", limit=80),
        firmware=clean_text(data.firmware, "firmware", limit=40),
        notes=clean_text(data.notes.replace("\n", " "), "notes", limit=2000),
        purchase_date=data.purchase_date,
        warranty_until=data.warranty_until,
    )


def check_unique(session: Session, asset_tag: str, serial: str, unit_id: int | None) -> None:
    for column, value, label in (
        (Unit.asset_tag, asset_tag, "asset tag"),
        (Unit.serial, serial, "serial"),
    ):
        other = session.execute(
            select(Unit.asset_tag, Unit.serial).where(column == value, Unit.id != (unit_id or -1))
        ).first()
        if other is not None:
            who = other[0] if label == "serial" else f"another camera (serial {other[1]})"
            raise ValidationError(
                f"The {label} {value} is already used by {who}; each camera needs its own."
            )
    if (
        session.execute(
            select(Unit.asset_tag).where(Unit.serial == asset_tag, Unit.id != (unit_id or -1))
        ).first()
        or session.execute(
            select(Unit.asset_tag).where(Unit.asset_tag == serial, Unit.id != (unit_id or -1))
        ).first()
    ):
        raise ValidationError(
            f"{asset_tag} / {serial} would match another camera when scanned; "
            "asset tags and serials must not collide."
        )
    for label, value in (("asset tag", asset_tag), ("serial", serial)):
        officer = officer_with_code(session, value)
        if officer is not None:
            raise ValidationError(camera_code_clash(label, value, officer))


def insert_unit(
    ctx: Ctx,
    session: Session,
    actor: Actor,
    data: UnitInput,
    status: UnitStatus,
    reason: str = "",
) -> Unit:
    data = clean_unit_input(data)
    check_unique(session, data.asset_tag, data.serial, None)
    now = ctx.now()
    unit = Unit(
        asset_tag=data.asset_tag,
        serial=data.serial,
        model=data.model,
        firmware=data.firmware,
        notes=data.notes,
        purchase_date=data.purchase_date,
        warranty_until=data.warranty_until,
        status=status.value,
        created_at=now,
        updated_at=now,
    )
    session.add(unit)
    session.flush()
    identity.unit_written(ctx, session, unit, created=True)
    if status is UnitStatus.IN_REPAIR:
        why = "registered as in repair" + (f" ({reason})" if reason else "")
        camera_sent_to_repair(ctx, session, actor, unit, why)
    record(
        ctx,
        session,
        actor,
        EventKind.REGISTERED,
        unit,
        reason=reason or None,
        details={
            "asset_tag": unit.asset_tag,
            "serial": unit.serial,
            "model": unit.model,
            "status": unit.status,
        },
    )
    return unit


def add_unit(ctx: Ctx, data: UnitInput) -> UnitRow:
    actor = ctx.require(Permission.MANAGE_UNITS, "add units")
    with ctx.db.write() as session:
        unit = insert_unit(ctx, session, actor, data, UnitStatus.AVAILABLE)
        return unit_row(queries.unit_rows(session, [unit.id])[0])


EDITABLE = ("asset_tag", "serial", "model", "firmware", "notes", "purchase_date", "warranty_until")


def apply_edit(
    ctx: Ctx, session: Session, actor: Actor, unit: Unit, data: UnitInput, reason: str = ""
) -> dict[str, list[Any]]:
    """Change a unit's descriptive fields; returns {field: [old, new]} of what changed."""
    data = clean_unit_input(data)
    check_unique(session, data.asset_tag, data.serial, unit.id)
    changes: dict[str, list[Any]] = {}
    for name in EDITABLE:
        old, new = getattr(unit, name), getattr(data, name)
        if old != new:
            changes[name] = [old, new]
            setattr(unit, name, new)
    if changes:
        identity.unit_written(ctx, session, unit)
        record(
            ctx,
            session,
            actor,
            EventKind.UPDATED,
            unit,
            reason=reason or None,
            details={"changes": changes},
        )
    return changes


def edit_unit(
    ctx: Ctx,
    unit_id: int,
    data: UnitInput,
    reason: str = "",
    started_from: UnitInput | None = None,
) -> UnitRow:
    """Save an edit. ``started_from`` is what the form showed when it opened: if another
    station changed one of those fields meanwhile, the edit is refused rather than silently
    putting the old value back."""
    actor = ctx.require(Permission.MANAGE_UNITS, "edit units")
    with ctx.db.write() as session:
        unit = session.get(Unit, unit_id, with_for_update=True)
        if unit is None:
            raise DomainError("That unit no longer exists; refresh the list.")
        if started_from is not None:
            # Compared as stored (the form was filled from the stored values, not cleaned).
            moved = [
                f"{name.replace('_', ' ')} is now {getattr(unit, name) or 'blank'}"
                for name in EDITABLE
                if (getattr(unit, name) or None) != (getattr(started_from, name) or None)
            ]
            if moved:
                raise DomainError(
                    f"{unit.asset_tag} was changed at another station while you edited it "
                    f"({'; '.join(moved)}). Nothing was saved: close this form, open Edit "
                    "again and make your change there."
                )
        apply_edit(ctx, session, actor, unit, data, reason)
        return unit_row(queries.unit_rows(session, [unit.id])[0])


_STATUS_EVENTS = {
    UnitAction.REPAIR: EventKind.SENT_TO_REPAIR,
    UnitAction.RETURN_TO_SERVICE: EventKind.RETURNED_TO_SERVICE,
    UnitAction.MARK_LOST: EventKind.MARKED_LOST,
    UnitAction.MARK_STOLEN: EventKind.MARKED_STOLEN,
    UnitAction.RETIRE: EventKind.RETIRED,
}


def change_status(
    ctx: Ctx,
    session: Session,
    actor: Actor,
    unit: Unit,
    action: UnitAction,
    reason: str,
    details: dict[str, Any] | None = None,
) -> int:
    """Move a unit through the lifecycle with a custody event; closes an open issue when a
    unit out with an officer is reported lost or stolen."""
    new_status = transition(unit.asset_tag, UnitStatus(unit.status), action)
    officer_id = None
    if unit.status == UnitStatus.ISSUED.value:
        checkout = session.execute(
            select(Checkout).where(Checkout.unit_id == unit.id, Checkout.returned_at.is_(None))
        ).scalar_one_or_none()
        if checkout is not None:
            officer_id = checkout.officer_id
    unit.status = new_status.value
    unit.status_reason = reason
    if action is UnitAction.RETURN_TO_SERVICE:
        unit.repair_vendor = unit.repair_ticket = ""
        unit.repair_expected = None
    if new_status in (UnitStatus.RETIRED, UnitStatus.LOST, UnitStatus.STOLEN):
        unit.pool_id = None  # a unit that is gone is nobody's camera and in no pool
        if unit.primary_officer_id is not None:
            was = session.get(Officer, unit.primary_officer_id)
            details = {
                **(details or {}),
                "unassigned_officer_id": unit.primary_officer_id,
                "unassigned_officer": officer_label(was) if was is not None else None,
            }
            unit.primary_officer_id = None
    if new_status in (UnitStatus.LOST, UnitStatus.STOLEN) and unit.location:
        # Not kept there any more (Inventory said "Kept at: Cage A, shelf 1" of a lost
        # camera, a tester found); where it was kept stays in the record.
        details = {**(details or {}), "location_was": unit.location}
        unit.location = ""
    # Every camera in repair has an open repair case (Repairs' Open case opens it first). Put
    # back in service here, its case stays open: the counter refuses it until Repairs closes it.
    if new_status is UnitStatus.IN_REPAIR:
        camera_sent_to_repair(ctx, session, actor, unit, reason)
    seq = record(
        ctx,
        session,
        actor,
        _STATUS_EVENTS[action],
        unit,
        officer_id=officer_id,
        reason=reason,
        details=details,
    )
    if officer_id is not None:
        session.execute(
            update(Checkout)
            .where(Checkout.unit_id == unit.id, Checkout.returned_at.is_(None))
            .values(returned_at=ctx.now(), returned_seq=seq, returned_by=actor.username)
        )
    return seq


def _require_reason(reason: str) -> str:
    reason = clean_text(reason, "reason", limit=500)
    if not reason:
        raise ValidationError("Give a reason; it is kept with the record.")
    return reason


def send_to_repair(
    ctx: Ctx,
    code: str,
    reason: str,
    vendor: str = "",
    ticket: str = "",
    expected: date | None = None,
) -> UnitRow:
    actor = ctx.require(Permission.OUT_OF_SERVICE, "take units out of service")
    reason = _require_reason(reason)
    with ctx.db.write() as session:
        unit = get_unit(session, code, lock=True)
        unit.repair_vendor = clean_text(vendor, "vendor", limit=80)
        unit.repair_ticket = clean_text(ticket, "ticket", limit=80)
        unit.repair_expected = expected
        change_status(
            ctx,
            session,
            actor,
            unit,
            UnitAction.REPAIR,
            reason,
            {
                "vendor": unit.repair_vendor,
                "ticket": unit.repair_ticket,
                "expected": expected.isoformat() if expected else None,
            },
        )
        return unit_row(queries.unit_rows(session, [unit.id])[0])


def _simple_status_change(
    ctx: Ctx, code: str, reason: str, action: UnitAction, permission: Permission, what: str
) -> UnitRow:
    actor = ctx.require(permission, what)
    reason = _require_reason(reason)
    with ctx.db.write() as session:
        unit = get_unit(session, code, lock=True)
        change_status(ctx, session, actor, unit, action, reason)
        return unit_row(queries.unit_rows(session, [unit.id])[0])


def return_to_service(ctx: Ctx, code: str, reason: str) -> UnitRow:
    return _simple_status_change(
        ctx,
        code,
        reason,
        UnitAction.RETURN_TO_SERVICE,
        Permission.OUT_OF_SERVICE,
        "return units to service",
    )


def mark_lost(ctx: Ctx, code: str, reason: str) -> UnitRow:
    return _simple_status_change(
        ctx, code, reason, UnitAction.MARK_LOST, Permission.OUT_OF_SERVICE, "mark units lost"
    )


def mark_stolen(ctx: Ctx, code: str, reason: str) -> UnitRow:
    return _simple_status_change(
        ctx, code, reason, UnitAction.MARK_STOLEN, Permission.OUT_OF_SERVICE, "mark units stolen"
    )


def retire(ctx: Ctx, code: str, reason: str) -> UnitRow:
    return _simple_status_change(
        ctx, code, reason, UnitAction.RETIRE, Permission.OUT_OF_SERVICE, "retire units"
    )


# --- bulk actions on a selection ------------------------------------------------------------

BULK_ACTIONS = (
    UnitAction.REPAIR,
    UnitAction.MARK_LOST,
    UnitAction.MARK_STOLEN,
    UnitAction.RETURN_TO_SERVICE,
    UnitAction.RETIRE,
)
_LISTED = 10  # refusals named one by one; the rest are counted


def bulk_status(
    ctx: Ctx,
    unit_ids: Sequence[int],
    action: UnitAction,
    reason: str,
    *,
    vendor: str = "",
    ticket: str = "",
    expected: date | None = None,
) -> int:
    """Apply one lifecycle action to every selected unit in ONE transaction; returns how many
    changed. If any unit cannot take the action, the whole batch is refused and nothing is
    written; the message names each unit and why."""
    actor = ctx.require(Permission.OUT_OF_SERVICE, f"mark units {action.value}")
    if action not in BULK_ACTIONS:
        raise ValidationError(f"Units cannot be {action.value} in bulk.")
    reason = _require_reason(reason)
    wanted = sorted(set(unit_ids))
    if not wanted:
        raise ValidationError("Select at least one unit.")
    vendor = clean_text(vendor, "vendor", limit=80)
    ticket = clean_text(ticket, "ticket", limit=80)
    with ctx.db.write() as session:
        units = list(
            session.execute(
                # Locked (on PostgreSQL) in id order: no station issues one of them between
                # the check and the write, and two bulk actions cannot deadlock.
                select(Unit).where(Unit.id.in_(wanted)).order_by(Unit.id).with_for_update()
            ).scalars()
        )
        units.sort(key=lambda u: u.asset_tag)
        if len(units) != len(wanted):
            raise DomainError(
                f"{len(wanted) - len(units)} of the selected units no longer exist; "
                "refresh the list. Nothing was changed."
            )
        # The domain's own transition table decides, before anything is written, so that
        # the batch is all or nothing and every refusal is named at once.
        refusals = []
        for unit in units:
            try:
                transition(unit.asset_tag, UnitStatus(unit.status), action)
            except TransitionError as exc:
                refusals.append(str(exc))
        if refusals:
            listed = refusals[:_LISTED]
            more = len(refusals) - len(listed)
            raise TransitionError(
                f"Nothing was changed: {len(refusals)} of the {len(units)} selected units "
                f"cannot be {action.value}.\n"
                + "\n".join(f"- {r}" for r in listed)
                + (f"\n- and {more} more" if more else "")
                + "\nTake them out of the selection and try again."
            )
        details: dict[str, Any] | None = None
        if action is UnitAction.REPAIR:
            details = {
                "vendor": vendor,
                "ticket": ticket,
                "expected": expected.isoformat() if expected else None,
            }
        for unit in units:
            if action is UnitAction.REPAIR:
                unit.repair_vendor, unit.repair_ticket = vendor, ticket
                unit.repair_expected = expected
            change_status(ctx, session, actor, unit, action, reason, details)
        return len(units)


# --- one unit's history, exported ------------------------------------------------------------


def export_unit_history(ctx: Ctx, unit_id: int, path: Path | str) -> int:
    """One unit's custody events as CSV, oldest first, with the columns (and hashes) of the
    whole-ledger export, so that an auditor's tools read both. Returns the row count."""
    ctx.require(Permission.EXPORT, "export custody history")
    with ctx.db.read() as session:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise DomainError("That unit no longer exists; refresh the list.")
        tag = unit.asset_tag
    with staged(path) as tmp:
        with ctx.db.read() as session:
            n = write_csv(tmp, CUSTODY_COLUMNS, queries.unit_custody_export_rows(session, unit_id))
        audit.record_export(ctx, f"custody history of {tag}", Path(path), n, sha256_of(tmp))
    return n


def full_unit_history(ctx: Ctx, unit_id: int) -> tuple[UnitRow, list[EventRow]]:
    """The unit and every one of its custody events, newest first, for a printed history."""
    unit, events, _heads = _unit_history(ctx, unit_id)
    return unit, events


def _unit_history(ctx: Ctx, unit_id: int) -> tuple[UnitRow, list[EventRow], str]:
    """The unit, its events and both chains' heads (the footer), from one snapshot."""
    ctx.require(Permission.EXPORT, "export custody history")
    with ctx.db.read() as session:
        rows = queries.unit_rows(session, [unit_id])
        if not rows:
            raise DomainError("That unit no longer exists; refresh the list.")
        unit = unit_row(rows[0])
        events = [
            event_row(r)
            for r in queries.custody_rows(session, unit_id=unit_id, before_seq=None, limit=None)
        ]
        heads = heads_footer(
            recorded_head(session, CUSTODY) or (0, GENESIS),
            recorded_head(session, AUDIT) or (0, GENESIS),
        )
    return unit, events, heads


def export_unit_history_pdf(
    ctx: Ctx,
    unit_id: int,
    path: Path | str,
    render: Callable[[Path, UnitRow, list[EventRow], str], object],
) -> int:
    """A printed custody history: ``render`` (the UI's PDF drawing) writes the unit, its
    events and the footer line with both chains' heads to ``path``; the export is recorded
    in the audit log only once the file is written. Returns the number of events."""
    unit, events, heads = _unit_history(ctx, unit_id)
    with staged(path) as tmp:
        render(tmp, unit, events, heads)
        what = f"custody history of {unit.asset_tag}"
        audit.record_export(ctx, what, Path(path), len(events), sha256_of(tmp))
    return len(events)

"""Missing-camera cases, opened when a cage audit finishes: a supervisor resolves each one,
found (where: the camera's location is set, with its custody record) or lost (with the loss
report's number: the camera's status becomes lost through the lifecycle's own change).
``Permission.OUT_OF_SERVICE`` (supervisor, admin): the people who may mark a camera lost."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import DomainError, NotFoundError, ValidationError
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.units import UnitAction
from bwc_desk.domain.values import clean_text
from bwc_desk.services import audit
from bwc_desk.services.cage_audit_report import CaseRow
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.inventory import change_status
from bwc_desk.services.unit_location import clean_location, set_location_in
from bwc_desk.store.models import CageAudit, CageAuditCase, Unit

__all__ = ["CaseRow", "open_cases", "resolve_found", "resolve_lost"]


def _case_row(case: CageAuditCase, unit: Unit, row: CageAudit) -> CaseRow:
    return CaseRow(
        id=case.id,
        audit_id=case.audit_id,
        audit_label=f"#{row.id} {row.scope_label}",
        unit_id=unit.id,
        asset_tag=unit.asset_tag,
        serial=unit.serial,
        location=unit.location,
        opened_at=case.opened_at,
        opened_by=case.opened_by,
        resolved_at=case.resolved_at,
        resolved_by=case.resolved_by or "",
        outcome=case.outcome or "",
        found_location=case.found_location or "",
        report_number=case.report_number or "",
    )


def open_cases(ctx: Ctx, *, include_resolved: bool = False) -> list[CaseRow]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        stmt = (
            select(CageAuditCase, Unit, CageAudit)
            .join(Unit, Unit.id == CageAuditCase.unit_id)
            .join(CageAudit, CageAudit.id == CageAuditCase.audit_id)
            .order_by(CageAuditCase.id)
        )
        if not include_resolved:
            stmt = stmt.where(CageAuditCase.resolved_at.is_(None))
        return [_case_row(c, u, a) for c, u, a in session.execute(stmt).all()]


def _open_case(session: Session, case_id: int) -> tuple[CageAuditCase, Unit, CageAudit]:
    case = session.get(CageAuditCase, case_id, with_for_update=True)
    if case is None:
        raise NotFoundError("That case no longer exists; refresh the list.")
    unit = session.get(Unit, case.unit_id, with_for_update=True)
    row = session.get(CageAudit, case.audit_id)
    assert unit is not None and row is not None
    if case.resolved_at is not None:
        raise DomainError(
            f"The case of {unit.asset_tag} was already resolved by {case.resolved_by} "
            f"({case.outcome}); nothing was changed."
        )
    return case, unit, row


def _close(
    ctx: Ctx, session: Session, actor: Actor, case: CageAuditCase, unit: Unit, **what: Any
) -> None:
    case.resolved_at = ctx.now()
    case.resolved_by = actor.username
    case.resolved_station = ctx.station
    for name, value in what.items():
        setattr(case, name, value)
    audit.write(
        session,
        station=ctx.station,
        at=ctx.now(),
        event=AuditEvent.CAGE_CASE_RESOLVED,
        actor=actor,
        details={"case_id": case.id, "audit_id": case.audit_id, "unit": unit.asset_tag, **what},
    )


def resolve_found(ctx: Ctx, case_id: int, location: str, note: str = "") -> CaseRow:
    """The missing camera was found at ``location``: its location is set (a custody record)."""
    actor = ctx.require(Permission.OUT_OF_SERVICE, "resolve missing-camera cases")
    where = clean_location(location)
    note = clean_text(note, "note", limit=500)
    with ctx.db.write() as session:
        case, unit, row = _open_case(session, case_id)
        set_location_in(
            ctx,
            session,
            actor,
            unit,
            where,
            reason=note or f"Found after cage audit #{row.id}",
            details={"audit_id": row.id, "case_id": case.id},
        )
        _close(ctx, session, actor, case, unit, outcome="found", found_location=where, note=note)
        session.flush()
        return _case_row(case, unit, row)


def resolve_lost(ctx: Ctx, case_id: int, report_number: str, note: str = "") -> CaseRow:
    """The missing camera is lost: its status becomes lost (the lifecycle's own record)."""
    actor = ctx.require(Permission.OUT_OF_SERVICE, "resolve missing-camera cases")
    number = clean_text(report_number, "report number", limit=64)
    if not number:
        raise ValidationError("Give the loss report's number; it is kept with the record.")
    note = clean_text(note, "note", limit=500)
    with ctx.db.write() as session:
        case, unit, row = _open_case(session, case_id)
        reason = f"Missing in cage audit #{row.id}; report {number}" + (f". {note}" if note else "")
        change_status(
            ctx,
            session,
            actor,
            unit,
            UnitAction.MARK_LOST,
            reason,
            {"audit_id": row.id, "case_id": case.id, "report_number": number},
        )
        _close(ctx, session, actor, case, unit, outcome="lost", report_number=number, note=note)
        session.flush()
        return _case_row(case, unit, row)

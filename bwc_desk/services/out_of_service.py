"""Docks (``bay_no`` 0) and bays out of service: taken out by a defect found at the daily
inspection (with its repair case), back in service when that case closes or when a
supervisor says so, with the reason. Never suggested for a returned camera
(``counter.bays``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import DomainError, NotFoundError, ValidationError
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.values import clean_text
from bwc_desk.services import audit
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.store.models import Dock, OutOfService


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


def standing(session: Session, dock_id: int, bay_no: int | None = None) -> list[OutOfService]:
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
    current = standing(session, dock.id, bay_no)
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
        rows = standing(session, dock.id, bay_no)
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

"""Opening a camera's repair case inside the caller's transaction: low enough that
Inventory's own status changes (Send to repair, a bulk action, an import) and a defect
reported at the counter keep every camera in repair with an open case. ``services.repairs``
builds the Repairs tab's use cases on these."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import ConflictError, ValidationError
from bwc_desk.domain.values import clean_text
from bwc_desk.services import audit
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.store.fast import Read
from bwc_desk.store.models import Dock, RepairCase, RepairEvent, Unit

SOURCES = ("function test", "damaged return", "inspection", "manual")
FUNCTION_TEST, DAMAGED_RETURN, INSPECTION, MANUAL = SOURCES


def target_text(session: Session, case: RepairCase) -> str:
    if case.unit_id is not None:
        unit = session.get(Unit, case.unit_id)
        return unit.asset_tag if unit else "The camera"
    dock = session.get(Dock, case.dock_id)
    name = dock.name if dock else "The dock"
    return name if not case.bay_no else f"{name} bay {case.bay_no}"


def case_event(
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


def open_case_of(
    session: Session, unit_id: int | None, dock_id: int | None = None, bay_no: int | None = None
) -> RepairCase | None:
    if unit_id is not None:
        # (Asked at every issue, and nearly always none: the id first, the case if any.)
        if _OPEN_ID_OF_UNIT.first(session, {"unit_id": unit_id}) is None:
            return None
        return session.execute(_OPEN_OF_UNIT, {"unit_id": unit_id}).scalars().first()
    return session.execute(_OPEN_OF_BAY, {"dock_id": dock_id, "bay_no": bay_no}).scalars().first()


# Built once: every issue at the counter asks (a statement built per call cost more than
# running it).
_OPEN_OF_UNIT = select(RepairCase).where(
    RepairCase.closed_at.is_(None), RepairCase.unit_id == bindparam("unit_id")
)
_OPEN_ID_OF_UNIT = Read(
    select(RepairCase.id).where(
        RepairCase.closed_at.is_(None), RepairCase.unit_id == bindparam("unit_id")
    ).limit(1)
)
_OPEN_OF_BAY = select(RepairCase).where(
    RepairCase.closed_at.is_(None),
    RepairCase.dock_id == bindparam("dock_id"),
    RepairCase.bay_no == bindparam("bay_no"),
)


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
        open_case_of(session, unit.id)
        if unit is not None
        else open_case_of(session, None, dock.id if dock else None, bay_no)
    )
    if existing is not None:
        if not join_open:
            raise ConflictError(
                f"{target_text(session, existing)} already has open repair case "
                f"#{existing.id} ({existing.symptom}); add to that case instead."
            )
        case_event(ctx, session, actor, existing, "reported again", symptom, {"source": source})
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
    case_event(ctx, session, actor, case, "opened", symptom, {"source": source})
    return case


def sent_to_vendor_in(
    ctx: Ctx,
    session: Session,
    actor: Actor,
    case: RepairCase,
    vendor: str,
    rma: str,
    sent_on: date | None = None,
) -> None:
    """The case goes to the vendor under an RMA number, inside the caller's transaction: the
    one place that writes the "sent to vendor" event, for Repairs' Send to vendor and for
    Inventory's Send to repair with a ticket. A camera's own vendor and ticket follow."""
    vendor = clean_text(vendor, "vendor", limit=80)
    rma = clean_text(rma, "RMA number", limit=80)
    if not rma:
        raise ValidationError("Type the vendor's RMA number (it is on the return authorisation).")
    today = ctx.now().astimezone(ctx.zone).date()
    sent = sent_on or today
    if sent > today:
        raise ValidationError("The date sent cannot be in the future.")
    reported = case.reported_at.astimezone(ctx.zone).date()
    if sent < reported:
        raise ValidationError(
            f"Case #{case.id} was reported on {reported:%Y-%m-%d}; it cannot have been sent "
            "before that."
        )
    case.vendor, case.rma, case.sent_on, case.state = vendor, rma, sent, "at vendor"
    if case.unit_id is not None:
        unit = session.get(Unit, case.unit_id)
        if unit is not None:
            unit.repair_vendor, unit.repair_ticket = vendor, rma
    case_event(
        ctx,
        session,
        actor,
        case,
        "sent to vendor",
        "",
        {"vendor": vendor, "rma": rma, "sent_on": sent.isoformat()},
    )


def camera_sent_to_repair(ctx: Ctx, session: Session, actor: Actor, unit: Unit, why: str) -> None:
    """Inventory put a camera in repair (Send to repair, a bulk action, an import): it gets an
    open case unless it has one (Repairs' Open case opens it first), with the vendor and
    ticket typed in Inventory (a ticket means it went to the vendor)."""
    if open_case_of(session, unit.id) is not None:
        return
    case = open_case_in(ctx, session, actor, source=MANUAL, symptom=why, unit=unit)
    if unit.repair_ticket:
        sent_to_vendor_in(ctx, session, actor, case, unit.repair_vendor, unit.repair_ticket)
    else:
        case.vendor = unit.repair_vendor

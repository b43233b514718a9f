"""Alerts the counter raises for supervisors: a lost or stolen camera scanned at the counter.

The alert is the audit record of the scan itself (who scanned it, where, when). It stands
until the camera's status changes (found and returned to service, retired), so nothing has to
be acknowledged twice and nothing is stored twice.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.units import UnitStatus
from bwc_desk.services import audit
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter.dto import CounterAlert
from bwc_desk.store.models import AuditRecord, CustodyEvent, Unit

MISSING = (UnitStatus.LOST.value, UnitStatus.STOLEN.value)
KEEP_DAYS = 30


def raise_missing_scanned(ctx: Ctx, unit_id: int, asset_tag: str, status: str, why: str) -> None:
    """Record that a lost or stolen camera turned up at the counter (its own transaction: the
    scan itself changes nothing)."""
    audit.record(
        ctx,
        AuditEvent.LOST_CAMERA_SCANNED,
        details={"unit": asset_tag, "unit_id": unit_id, "status": status, "why": why},
    )


def counter_alerts(ctx: Ctx) -> tuple[CounterAlert, ...]:
    """Lost or stolen cameras scanned at a counter and still lost or stolen, newest first."""
    ctx.require(Permission.READ)
    since = ctx.now() - timedelta(days=KEEP_DAYS)
    with ctx.db.read() as session:
        records = session.execute(
            select(AuditRecord)
            .where(
                AuditRecord.event == AuditEvent.LOST_CAMERA_SCANNED.value,
                AuditRecord.at >= since,
            )
            .order_by(AuditRecord.seq.desc())
        ).scalars()
        found: dict[int, AuditRecord] = {}
        for r in records:
            details = json.loads(r.details) if r.details else {}
            unit_id = details.get("unit_id")
            if isinstance(unit_id, int) and unit_id not in found:
                found[unit_id] = r
        if not found:
            return ()
        units = {u.id: u for u in session.execute(select(Unit).where(Unit.id.in_(found))).scalars()}
        marked = dict(
            session.execute(
                select(CustodyEvent.unit_id, func.max(CustodyEvent.at))
                .where(
                    CustodyEvent.unit_id.in_(found),
                    CustodyEvent.kind.in_(
                        (EventKind.MARKED_LOST.value, EventKind.MARKED_STOLEN.value)
                    ),
                )
                .group_by(CustodyEvent.unit_id)
            ).all()
        )
    alerts = []
    for unit_id, r in found.items():
        unit = units.get(unit_id)
        # Still missing, and missing since before the scan (not found and lost again later).
        lost_at = marked.get(unit_id)
        if unit is None or unit.status not in MISSING or (lost_at is not None and lost_at > r.at):
            continue
        who = r.staff_username or "someone"
        alerts.append(
            CounterAlert(
                "lost scanned",
                f"{unit.asset_tag} ({unit.status}) was scanned at {r.station} by {who} at "
                f"{r.at.astimezone(ctx.zone):%a %H:%M}. A supervisor should take the camera "
                "and record it found.",
                unit.asset_tag,
                r.at,
                r.station,
            )
        )
    return tuple(alerts)

"""The audit log: who did what, on which station, when, with what outcome."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.adapters.csvfile import write_csv
from bwc_desk.adapters.staged import sha256_of, staged
from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.ledger import format_ts
from bwc_desk.domain.roles import Permission
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.store.db import Database
from bwc_desk.store.ledger import append_audit
from bwc_desk.store.models import AuditRecord

AUDIT_COLUMNS = (
    "seq",
    "at_utc",
    "event",
    "outcome",
    "staff_id",
    "staff_username",
    "station",
    "details",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True, slots=True)
class AuditRow:
    seq: int
    at: datetime
    event: str
    outcome: str
    staff_username: str
    station: str
    details: dict[str, Any] = field(default_factory=dict)
    hash: str = ""

    @property
    def id(self) -> int:
        return self.seq


def write(
    session: Session,
    *,
    station: str,
    at: datetime,
    event: AuditEvent,
    outcome: Outcome = Outcome.OK,
    actor: Actor | None = None,
    username: str | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Append inside the caller's transaction (the record commits with the action)."""
    return append_audit(
        session,
        at=at,
        event=event.value,
        outcome=outcome.value,
        staff_id=actor.staff_id if actor else None,
        staff_username=actor.username if actor else username,
        station=station,
        details=details,
    )


def record(
    ctx: Ctx,
    event: AuditEvent,
    outcome: Outcome = Outcome.OK,
    details: dict[str, Any] | None = None,
    *,
    actor: Actor | None = None,
    username: str | None = None,
) -> int:
    """Append in a transaction of its own: for outcomes whose action was rolled back
    (refusals, failed sign-ins) the record must still be kept."""
    with ctx.db.write() as session:
        return write(
            session,
            station=ctx.station,
            at=ctx.now(),
            event=event,
            outcome=outcome,
            actor=actor or ctx.actor,
            username=username,
            details=details,
        )


def record_in_db(
    db: Database,
    station: str,
    at: datetime,
    event: AuditEvent,
    outcome: Outcome,
    actor: Actor | None,
    details: dict[str, Any] | None,
) -> int:
    with db.write() as session:
        return write(
            session,
            station=station,
            at=at,
            event=event,
            outcome=outcome,
            actor=actor,
            details=details,
        )


def list_audit(
    ctx: Ctx,
    *,
    event: str = "",
    username: str = "",
    outcome: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 5000,
) -> list[AuditRow]:
    """Newest first, with filters. Admins and auditors only."""
    ctx.require(Permission.VIEW_AUDIT, "see the audit log")
    stmt = select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(limit)
    if event:
        stmt = stmt.where(AuditRecord.event == event)
    if username:
        stmt = stmt.where(AuditRecord.staff_username == username.strip().lower())
    if outcome:
        stmt = stmt.where(AuditRecord.outcome == outcome)
    if since is not None:
        stmt = stmt.where(AuditRecord.at >= since)
    if until is not None:
        stmt = stmt.where(AuditRecord.at < until)
    with ctx.db.read() as session:
        return [
            AuditRow(
                r.seq,
                r.at,
                r.event,
                r.outcome,
                r.staff_username or "",
                r.station,
                json.loads(r.details) if r.details else {},
                r.hash,
            )
            for r in session.execute(stmt).scalars()
        ]


def export_audit(ctx: Ctx, path: Path | str) -> int:
    """Every audit record with all its fields and hashes, oldest first."""
    # VIEW_AUDIT, not EXPORT: a supervisor may export data but never read the audit log
    ctx.require(Permission.VIEW_AUDIT, "export the audit log")
    with ctx.db.read() as session:
        rows = [
            (
                r.seq,
                format_ts(r.at),
                r.event,
                r.outcome,
                r.staff_id,
                r.staff_username,
                r.station,
                r.details,
                r.prev_hash,
                r.hash,
            )
            for r in session.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars()
        ]
    with staged(path) as tmp:
        n = write_csv(tmp, AUDIT_COLUMNS, rows)
        record_export(ctx, "audit log", Path(path), n, sha256_of(tmp))
    return n


def record_export(ctx: Ctx, what: str, path: Path, rows: int, sha256: str) -> int:
    """The audit record of an export: what, how many rows, the file's name and SHA-256 (so a
    copy found later can be matched to the record). Written before the file is put in place
    (adapters/staged.py)."""
    return record(
        ctx,
        AuditEvent.EXPORT,
        details={"what": what, "rows": rows, "file": path.name, "sha256": sha256},
    )

"""Audits of the cage: start one (all cameras, one location or one pool), scan every camera
on the shelves (cameras a dock reports count as found), watch the five lists (expected,
found, missing, unexpected, wrong place), finish with a report whose hash goes into the
audit log, and resolve each missing camera's case (found where, or lost with a report number).

Who may audit: the roles with ``Permission.DOCK`` (quartermaster, supervisor, admin): the
people who handle the cameras in the cage. An audit changes no camera, it records what was
seen; the auditor role stays read-only (it reads the lists and exports the report). Cases
are resolved with ``Permission.OUT_OF_SERVICE`` (supervisor, admin): the same people who may
mark a camera lost. The state of an audit is the database: a restart halfway loses nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bwc_desk.adapters.pdftext import write_pdf
from bwc_desk.adapters.staged import sha256_of, staged
from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.docking import is_offline
from bwc_desk.domain.errors import DomainError, NotFoundError, ValidationError
from bwc_desk.domain.ledger import format_ts, heads_footer
from bwc_desk.domain.roles import Permission, has_permission
from bwc_desk.domain.units import UnitStatus
from bwc_desk.domain.values import normalize_scan
from bwc_desk.services import audit
from bwc_desk.services.cage_audit_report import (
    AuditInfo,
    AuditLine,
    AuditLists,
    ScanOutcome,
    csv_bytes,
    describe_counts,
    pdf_lines,
)
from bwc_desk.services.context import Ctx
from bwc_desk.services.records import find_officer, find_unit, officer_label
from bwc_desk.services.unit_location import clean_location, same_place
from bwc_desk.store.ledger import AUDIT, CUSTODY, recorded_head
from bwc_desk.store.models import (
    Bay,
    CageAudit,
    CageAuditCase,
    CageAuditScan,
    Checkout,
    Dock,
    Officer,
    Pool,
    Unit,
)

__all__ = [
    "AuditInfo",
    "AuditLine",
    "AuditLists",
    "ScanOutcome",
    "audit_lists",
    "describe_counts",
    "export_report",
    "finish_audit",
    "list_audits",
    "open_audits",
    "scan",
    "start_audit",
]

SCOPES = ("all", "location", "pool")


def _info(a: CageAudit) -> AuditInfo:
    return AuditInfo(
        id=a.id,
        scope=a.scope,
        scope_label=a.scope_label,
        state=a.state,
        started_by=a.started_by,
        station=a.station,
        started_at=a.started_at,
        finished_by=a.finished_by or "",
        finished_station=a.finished_station or "",
        finished_at=a.finished_at,
        report_sha256=a.report_sha256 or "",
    )


# --- start --------------------------------------------------------------------------------


def start_audit(ctx: Ctx, scope: str, target: str | int | None = None) -> AuditInfo:
    """Open an audit of ``scope``: "all", "location" (``target`` = the place) or "pool"
    (``target`` = the pool's id or name). One open audit per scope at a time."""
    actor = ctx.require(Permission.DOCK, "run a cage audit")
    if scope not in SCOPES:
        raise ValidationError(f"Choose what to audit: {', '.join(SCOPES)}.")
    with ctx.db.write() as session:
        pool_id: int | None = None
        if scope == "all":
            key, label = "", "All cameras"
        elif scope == "location":
            label = clean_location(str(target or ""), required=False)
            if not label:
                raise ValidationError(
                    "Name the location to audit, as the cameras' places are written "
                    "(pick one from the list)."
                )
            key = " ".join(label.split()).casefold()
        else:
            pool = _pool(session, target)
            pool_id, key, label = pool.id, str(pool.id), pool.name
        running = session.execute(
            select(CageAudit).where(
                CageAudit.scope == scope, CageAudit.scope_key == key, CageAudit.state == "open"
            )
        ).scalar_one_or_none()
        if running is not None:
            raise DomainError(
                f"An audit of {running.scope_label} is already open (started by "
                f"{running.started_by} on {running.station}). Carry on with that one, or "
                "finish it before starting another."
            )
        row = CageAudit(
            scope=scope,
            scope_key=key,
            scope_label=label,
            pool_id=pool_id,
            state="open",
            started_by=actor.username,
            started_by_id=actor.staff_id,
            station=ctx.station,
            started_at=ctx.now(),
        )
        session.add(row)
        session.flush()
        audit.write(
            session,
            station=ctx.station,
            at=ctx.now(),
            event=AuditEvent.CAGE_AUDIT_STARTED,
            actor=actor,
            details={"audit_id": row.id, "scope": scope, "of": label},
        )
        return _info(row)


def _pool(session: Session, target: str | int | None) -> Pool:
    pool: Pool | None = None
    if isinstance(target, int):
        pool = session.get(Pool, target)
    elif target:
        pool = session.execute(select(Pool).where(Pool.name == str(target).strip())).scalar()
    if pool is None:
        raise NotFoundError("There is no such pool; pick one from the list.")
    return pool


def open_audits(ctx: Ctx) -> list[AuditInfo]:
    """The audits still open (any station's): what the Audit view resumes after a restart."""
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        rows = session.execute(
            select(CageAudit).where(CageAudit.state == "open").order_by(CageAudit.id)
        ).scalars()
        return [_info(a) for a in rows]


def list_audits(ctx: Ctx, limit: int = 50) -> list[AuditInfo]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        rows = session.execute(select(CageAudit).order_by(CageAudit.id.desc()).limit(limit))
        return [_info(a) for a in rows.scalars()]


def _audit(session: Session, audit_id: int, *, lock: bool = False) -> CageAudit:
    row = session.get(CageAudit, audit_id, with_for_update=lock)
    if row is None:
        raise NotFoundError("That audit no longer exists; refresh the Audit view.")
    return row


def _require_open(row: CageAudit) -> None:
    if row.state != "open":
        raise DomainError(
            f"The audit of {row.scope_label} was finished by {row.finished_by}; nothing was "
            "recorded. Start a new audit to scan again."
        )


# --- scans --------------------------------------------------------------------------------


def scan(ctx: Ctx, audit_id: int, code: str, location: str = "") -> ScanOutcome:
    """A camera seen on the shelves. ``location`` is where the person is scanning (for an
    audit of one location, that location). An unknown code or an officer's badge is refused
    with nothing written; a second scan of a camera writes nothing."""
    actor = ctx.require(Permission.DOCK, "run a cage audit")
    value = normalize_scan(code)
    if not value:
        raise ValidationError("Scan a camera's label (asset tag or serial).")
    with ctx.db.write() as session:
        row = _audit(session, audit_id, lock=True)
        _require_open(row)
        unit = find_unit(session, value)
        if unit is None:
            officer = find_officer(session, value)
            if officer is not None:
                raise ValidationError(
                    f"{value} is the ID badge of {officer_label(officer)}, not a camera. "
                    "Scan the camera's label; nothing was recorded."
                )
            raise NotFoundError(
                f"No camera has the asset tag or serial {value!r}. Check the label; a camera "
                "that is not in Inventory must be registered there first. Nothing was recorded."
            )
        seen_at = clean_location(location, required=False) or (
            row.scope_label if row.scope == "location" else ""
        )
        earlier = session.execute(
            select(CageAuditScan).where(
                CageAuditScan.audit_id == row.id, CageAuditScan.unit_id == unit.id
            )
        ).scalar_one_or_none()
        if earlier is not None:
            return ScanOutcome(
                "already",
                f"{unit.asset_tag} was already counted ({earlier.source} by "
                f"{earlier.scanned_by}); nothing new was recorded.",
                unit.id,
                unit.asset_tag,
            )
        session.add(
            CageAuditScan(
                audit_id=row.id,
                unit_id=unit.id,
                code=value[:64],
                source="scan",
                location=seen_at,
                scanned_by=actor.username,
                staff_id=actor.staff_id,
                station=ctx.station,
                at=ctx.now(),
            )
        )
        try:
            session.flush()
        except IntegrityError:  # another station counted it a moment ago
            raise DomainError(
                f"{unit.asset_tag} was counted at another station just now; nothing new was "
                "recorded."
            ) from None
        expected, note = _expectation(session, row, unit)
        if unit.status in (UnitStatus.LOST.value, UnitStatus.STOLEN.value):
            # The supervisor's alert, as when a lost camera is scanned at the counter.
            audit.write(
                session,
                station=ctx.station,
                at=ctx.now(),
                event=AuditEvent.LOST_CAMERA_SCANNED,
                actor=actor,
                details={
                    "unit": unit.asset_tag,
                    "unit_id": unit.id,
                    "status": unit.status,
                    "why": f"found in cage audit #{row.id}" + (f" at {seen_at}" if seen_at else ""),
                },
            )
        if not expected:
            return ScanOutcome("unexpected", f"{unit.asset_tag}: {note}", unit.id, unit.asset_tag)
        if unit.location and seen_at and not same_place(unit.location, seen_at):
            return ScanOutcome(
                "wrong place",
                f"{unit.asset_tag} found, but it is kept at {unit.location}.",
                unit.id,
                unit.asset_tag,
            )
        return ScanOutcome("found", f"{unit.asset_tag} found.", unit.id, unit.asset_tag)


@dataclass(frozen=True, slots=True)
class _U:
    """What the lists need of a unit (read as columns: 25,000 at every refresh)."""

    id: int
    asset_tag: str
    serial: str
    model: str
    status: str
    location: str
    pool_id: int | None


_UnitLike = Unit | _U


def _in_scope(row: CageAudit, unit: _UnitLike) -> bool:
    if row.scope == "location":
        return same_place(unit.location, row.scope_label)
    if row.scope == "pool":
        return unit.pool_id == row.pool_id
    return True


def _why_unexpected(row: CageAudit, unit: _UnitLike, holder: str) -> str:
    status = UnitStatus(unit.status)
    if status is UnitStatus.ISSUED:
        return f"issued to {holder or 'an officer'}; return it at the counter"
    if status is UnitStatus.IN_REPAIR:
        return "in repair; return it to service in Inventory if it is back"
    if status in (UnitStatus.LOST, UnitStatus.STOLEN):
        return f"recorded as {status.value}; tell a supervisor it is here"
    if status is UnitStatus.RETIRED:
        return "retired"
    if row.scope == "pool":
        return f"not in the pool {row.scope_label}"
    return f"kept at {unit.location or 'no recorded location'}, not {row.scope_label}"


def _expectation(session: Session, row: CageAudit, unit: Unit) -> tuple[bool, str]:
    if _in_scope(row, unit) and unit.status == UnitStatus.AVAILABLE.value:
        return True, ""
    holder = ""
    if unit.status == UnitStatus.ISSUED.value:
        officer = session.execute(
            select(Officer)
            .join(Checkout, Checkout.officer_id == Officer.id)
            .where(Checkout.unit_id == unit.id, Checkout.returned_at.is_(None))
        ).scalar()
        holder = officer_label(officer) if officer is not None else ""
    return False, _why_unexpected(row, unit, holder)


# --- the lists ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Seen:
    source: str
    location: str
    by: str
    at: datetime | None
    code: str


def _docked(ctx: Ctx, session: Session) -> dict[int, _Seen]:
    """Cameras in the bays of docks that are reporting now (an offline dock's bays are
    unknown: its cameras must be scanned by hand)."""
    now = ctx.now()
    seen: dict[int, _Seen] = {}
    rows = session.execute(
        select(
            Bay.unit_id, Bay.bay_no, Bay.reported_at, Dock.name, Dock.location, Dock.last_seen_at
        )
        .join(Dock, Dock.id == Bay.dock_id)
        .where(Bay.unit_id.is_not(None))
    )
    for unit_id, bay_no, reported, dock, where, last_seen in rows:
        if unit_id is not None and not is_offline(last_seen, now):
            seen[unit_id] = _Seen("dock", where, "dock-feed", reported, f"{dock} bay {bay_no}")
    return seen


def _compute(ctx: Ctx, session: Session, row: CageAudit) -> AuditLists:
    scans = {
        s.unit_id: _Seen(s.source, s.location, s.scanned_by, s.at, s.code)
        for s in session.execute(
            select(CageAuditScan).where(CageAuditScan.audit_id == row.id)
        ).scalars()
    }
    seen = dict(scans)
    if row.state == "open":
        for unit_id, docked in _docked(ctx, session).items():
            seen.setdefault(unit_id, docked)
    holders = {
        unit_id: officer_label(officer)
        for unit_id, officer in session.execute(
            select(Checkout.unit_id, Officer)
            .join(Officer, Officer.id == Checkout.officer_id)
            .where(Checkout.returned_at.is_(None))
        ).all()
    }
    expected: list[AuditLine] = []
    found: list[AuditLine] = []
    missing: list[AuditLine] = []
    unexpected: list[AuditLine] = []
    wrong: list[AuditLine] = []
    # Columns, not ORM objects: 25,000 units are read at every refresh of the lists.
    units = session.execute(
        select(
            Unit.id,
            Unit.asset_tag,
            Unit.serial,
            Unit.model,
            Unit.status,
            Unit.location,
            Unit.pool_id,
        ).order_by(Unit.asset_tag)
    )
    for unit in (_U(*r) for r in units):
        is_expected = _in_scope(row, unit) and unit.status == UnitStatus.AVAILABLE.value
        s = seen.get(unit.id)
        if not is_expected and s is None:
            continue
        note = "" if is_expected else _why_unexpected(row, unit, holders.get(unit.id, ""))
        line = AuditLine(
            unit_id=unit.id,
            asset_tag=unit.asset_tag,
            serial=unit.serial,
            model=unit.model,
            status=unit.status,
            recorded_location=unit.location,
            seen_location=s.location if s else "",
            source=s.source if s else "",
            seen_by=s.by if s else "",
            seen_at=s.at if s else None,
            code=s.code if s else "",
            note=note,
        )
        if is_expected:
            expected.append(line)
            (found if s else missing).append(line)
        elif s is not None:
            unexpected.append(line)
        if s and unit.location and s.location and not same_place(unit.location, s.location):
            wrong.append(line)
    return AuditLists(
        _info(row), tuple(expected), tuple(found), tuple(missing), tuple(unexpected), tuple(wrong)
    )


def audit_lists(ctx: Ctx, audit_id: int) -> AuditLists:
    """The five lists as they stand now (an open audit), or as frozen at the finish."""
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        row = _audit(session, audit_id)
        if row.state == "finished" and row.report:
            return AuditLists.from_json(_info(row), row.report)
        return _compute(ctx, session, row)


# --- finish -------------------------------------------------------------------------------


def finish_audit(ctx: Ctx, audit_id: int) -> AuditLists:
    """Close the audit: cameras the docks report now are recorded as found, the lists are
    frozen into the report, its hash and counts go into the audit log, and each missing
    camera gets a case for a supervisor."""
    actor = ctx.require(Permission.DOCK, "run a cage audit")
    with ctx.db.write() as session:
        row = _audit(session, audit_id, lock=True)
        _require_open(row)
        now = ctx.now()
        counted = set(
            session.execute(
                select(CageAuditScan.unit_id).where(CageAuditScan.audit_id == row.id)
            ).scalars()
        )
        for unit_id, docked in sorted(_docked(ctx, session).items()):
            if unit_id not in counted:
                session.add(
                    CageAuditScan(
                        audit_id=row.id,
                        unit_id=unit_id,
                        code=docked.code[:64],
                        source="dock",
                        location=docked.location,
                        scanned_by="dock-feed",
                        staff_id=None,
                        station=ctx.station,
                        at=docked.at or now,
                    )
                )
        session.flush()
        lists = _compute(ctx, session, row)
        custody = recorded_head(session, CUSTODY) or (0, "")
        audit_head = recorded_head(session, AUDIT) or (0, "")
        finished = AuditInfo(
            **{
                **lists.audit.as_dict(),
                "state": "finished",
                "finished_by": actor.username,
                "finished_station": ctx.station,
                "finished_at": now,
            }
        )
        lists = lists.replace_audit(finished, heads_footer(custody, audit_head))
        report = lists.to_json()
        digest = hashlib.sha256(csv_bytes(lists)).hexdigest()
        row.state = "finished"
        row.finished_by = actor.username
        row.finished_station = ctx.station
        row.finished_at = now
        row.report = report
        row.report_sha256 = digest
        if lists.missing:  # one statement: an audit of 25,000 cameras may miss thousands
            session.execute(
                insert(CageAuditCase),
                [
                    {
                        "audit_id": row.id,
                        "unit_id": line.unit_id,
                        "opened_at": now,
                        "opened_by": actor.username,
                    }
                    for line in lists.missing
                ],
            )
        audit.write(
            session,
            station=ctx.station,
            at=now,
            event=AuditEvent.CAGE_AUDIT_FINISHED,
            actor=actor,
            details={
                "audit_id": row.id,
                "scope": row.scope,
                "of": row.scope_label,
                "started_by": row.started_by,
                "started_at": format_ts(row.started_at),
                "counts": lists.counts(),
                # (named up to 100; the report, whose hash is here, lists every one)
                "missing": [line.asset_tag for line in lists.missing[:100]],
                "report_sha256": digest,
            },
        )
        session.flush()
        return replace(lists, audit=_info(row))


# --- the report ---------------------------------------------------------------------------


def export_report(
    ctx: Ctx, audit_id: int, csv_path: Path | str, pdf_path: Path | str
) -> AuditLists:
    """Write a finished audit's report: the CSV (whose SHA-256 is the one the audit log
    holds) and the PDF to sign, with both ledger heads as they were at the finish in its
    footer. Anyone who may export, or who may run audits, may write it."""
    actor = ctx.actor
    permission = (
        Permission.EXPORT
        if actor is not None and has_permission(actor.role, Permission.EXPORT)
        else Permission.DOCK
    )
    ctx.require(permission, "export cage audit reports")
    with ctx.db.read() as session:
        row = _audit(session, audit_id)
        if row.state != "finished" or not row.report:
            raise DomainError(
                f"The audit of {row.scope_label} is still open; finish it first, then export "
                "its report."
            )
        lists = AuditLists.from_json(_info(row), row.report)
    data = csv_bytes(lists)
    if hashlib.sha256(data).hexdigest() != lists.audit.report_sha256:
        raise DomainError(
            f"Cage audit #{audit_id}'s report no longer matches the hash recorded when it was "
            "finished; nothing was written. Run Verify and tell the administrator."
        )
    csv_path, pdf_path = Path(csv_path), Path(pdf_path)
    # Both files appear only once the export's record (with their SHA-256) is committed.
    with staged(csv_path) as csv_tmp, staged(pdf_path) as pdf_tmp:
        _write_bytes(csv_tmp, data)
        write_pdf(pdf_tmp, pdf_lines(lists), lists.audit.title, lists.heads)
        audit.record(
            ctx,
            AuditEvent.EXPORT,
            details={
                "what": f"cage audit #{audit_id} report",
                "rows": sum(lists.counts().values()),
                "file": csv_path.name,
                "sha256": lists.audit.report_sha256,
                "pdf_file": pdf_path.name,
                "pdf_sha256": sha256_of(pdf_tmp),
                "report_sha256": lists.audit.report_sha256,
            },
        )
    return lists


def _write_bytes(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ValidationError(
            f"Cannot write {path}: {exc.strerror or exc}. Choose a folder you may write to, "
            "on a disk with room."
        ) from None

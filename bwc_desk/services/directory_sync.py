"""Officers from the directory: a preview, then the sync, in one transaction.

Officers are keyed on their entry's stable id (objectGUID / entryUUID, ``officers.
directory_id``): a rename or a new badge in the directory updates the officer, never makes a
second one. At the first sync an officer already on the roster with the entry's badge and no
directory id is linked to it (its CSV history stays). Disabled accounts and entries gone
from the filter are deactivated, never deleted; custody records stay as they are; an officer
who still holds a camera stays flagged on the roster until it comes back. Officers that no
entry ever named (added by hand or by a CSV import) are left alone.

The import's rule holds: one code identifies one thing. An entry whose badge or scan code
would belong to another officer, be another's badge, or be a camera's asset tag is skipped,
with a message naming both; the rest of the sync applies (one bad entry in a directory of
40,000 must not keep every leaver active), and a skipped entry's officer is left as it was
(neither updated nor deactivated).

A sync that would deactivate more than the set share of active officers (default 10 %)
stops, writes nothing and asks (``SyncNeedsConfirmation``); ``confirm=True`` goes ahead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bwc_desk.adapters import directory as ldap
from bwc_desk.adapters.directory import DirectoryEntry
from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.directory import DirectorySettings, ready
from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Permission, Role
from bwc_desk.services import audit, directory_settings, identity
from bwc_desk.services.assignments import release_primary
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.directory_plan import (
    FIELDS,
    FieldChange,
    OfficerChange,
    Plan,
    SyncPreview,
    SyncProblem,
    holding,
    label,
    plan_sync,
)
from bwc_desk.services.records import record
from bwc_desk.store.models import DirectoryLease, Officer, Unit

__all__ = ["DIRECTORY_SYNC", "FieldChange", "OfficerChange", "SyncNeedsConfirmation",
           "SyncPreview", "SyncProblem", "SyncResult", "check_directory", "fetch_entries",
           "inactive_holders", "last_run", "preview_sync", "run_scheduled", "sync_officers",
           "take_lease"]

# The scheduled sync runs as this actor (no one is at the keyboard).
DIRECTORY_SYNC = Actor(None, "directory-sync", "Directory sync", Role.ADMIN)
LEASE = "officers"
SHOWN_PROBLEMS = 200  # in the audit record; the preview has them all


@dataclass(frozen=True, slots=True)
class SyncResult:
    preview: SyncPreview
    applied: bool  # False: a dry run


class SyncNeedsConfirmation(DomainError):
    """The sync would deactivate more than the set share of officers; nothing was written."""

    def __init__(self, preview: SyncPreview) -> None:
        super().__init__(
            f"This sync would deactivate {len(preview.deactivated)} of "
            f"{preview.active_before} active officers ({preview.deactivate_pct:.0f} %, more "
            f"than the {preview.threshold_pct} % set), so nothing was changed. Check the "
            "directory filter and base DN; if the leavers are real, run the sync again and "
            "confirm it (bwc-desk sync officers --yes)."
        )
        self.preview = preview


# --- reading the directory -------------------------------------------------------------------


def _settings(ctx: Ctx) -> DirectorySettings:
    with ctx.db.read() as session:
        settings = directory_settings.read_directory(session)
    ready(settings)
    return settings


def read_entries(settings: DirectorySettings) -> list[DirectoryEntry]:
    password = directory_settings.bind_password()
    if password is None:
        raise ValidationError(
            "This station has no bind password for the directory: set it in Settings > "
            "Directory or with `bwc-desk settings directory set ... --password-stdin`."
        )
    return ldap.entries(settings, password)


def check_directory(ctx: Ctx) -> int:
    """Bind with this station's password and count the filter's entries (the "Test"
    button, `bwc-desk settings directory test`)."""
    ctx.require(Permission.SETTINGS, "test the directory settings")
    return len(read_entries(_settings(ctx)))


# --- the use cases ---------------------------------------------------------------------------


def fetch_entries(ctx: Ctx) -> list[DirectoryEntry]:
    """The directory's entries as they are now. The Sync button reads them once, shows
    ``preview_sync(ctx, entries)`` and applies ``sync_officers(ctx, entries=entries)``, so
    that what is applied is what was shown (planned again against the roster inside the
    write, so another station's change in between cannot break a rule)."""
    ctx.require(Permission.IMPORT, "sync officers from the directory")
    return read_entries(_settings(ctx))


def preview_sync(ctx: Ctx, entries: Sequence[DirectoryEntry] | None = None) -> SyncPreview:
    """What a sync would do now (reads the directory unless ``entries`` are given); writes
    nothing."""
    ctx.require(Permission.IMPORT, "sync officers from the directory")
    settings = _settings(ctx)
    found = read_entries(settings) if entries is None else entries
    with ctx.db.read() as session:
        return plan_sync(session, settings, found).preview


def sync_officers(ctx: Ctx, *, dry_run: bool = False, confirm: bool = False,
                  entries: Sequence[DirectoryEntry] | None = None) -> SyncResult:
    """Read the directory and bring the roster in line, in one transaction, with an audit
    record of its counts. ``dry_run``: the preview only, nothing written. Stops with
    SyncNeedsConfirmation (and an audit record) when it would deactivate more than the set
    share of officers, unless ``confirm``."""
    actor = ctx.require(Permission.IMPORT, "sync officers from the directory")
    settings = _settings(ctx)
    try:
        found = read_entries(settings) if entries is None else entries
    except ldap.DirectoryError as exc:
        if not dry_run:  # a failed run is a run: the audit log shows that syncs fail
            audit.record(ctx, AuditEvent.DIRECTORY_SYNC, Outcome.FAILED,
                         {"directory": settings.url, "error": str(exc)}, actor=actor)
        raise
    if dry_run:
        with ctx.db.read() as session:
            return SyncResult(plan_sync(session, settings, found).preview, applied=False)
    try:
        with ctx.db.write() as session:
            plan = plan_sync(session, settings, found)
            if plan.preview.stops and not confirm:
                raise SyncNeedsConfirmation(plan.preview)
            _apply(ctx, session, actor, plan)
            audit.write(session, station=ctx.station, at=ctx.now(), actor=actor,
                        event=AuditEvent.DIRECTORY_SYNC,
                        details=_audit_details(settings, plan.preview, confirm))
    except SyncNeedsConfirmation as stop:
        audit.record(ctx, AuditEvent.DIRECTORY_SYNC, Outcome.REFUSED,
                     _audit_details(settings, stop.preview, False), actor=actor)
        raise
    except IntegrityError as exc:  # another station changed the roster meanwhile
        raise DomainError(
            "Another station changed the officer roster during the sync; nothing was "
            "changed. Run the sync again."
        ) from exc
    return SyncResult(plan.preview, applied=True)


def _audit_details(settings: DirectorySettings, preview: SyncPreview,
                   confirmed: bool) -> dict[str, Any]:
    details: dict[str, Any] = {
        "directory": settings.url, "base_dn": settings.base_dn, "filter": settings.filter,
        **preview.counts(),
    }
    if preview.deactivated:
        details["deactivated_badges"] = [c.badge for c in preview.deactivated]
    if preview.flagged:
        details["still_holding"] = {c.badge: list(c.holding) for c in preview.flagged}
    if preview.skipped:
        details["skipped_entries"] = [f"{p.dn}: {p.message}"
                                      for p in preview.skipped[:SHOWN_PROBLEMS]]
    if preview.stops:
        details["deactivate_pct"] = round(preview.deactivate_pct, 1)
        details["threshold_pct"] = preview.threshold_pct
        details["confirmed"] = confirmed
    return details


def _apply(ctx: Ctx, session: Session, actor: Actor, plan: Plan) -> None:
    now = ctx.now()
    # Codes that move between officers (a swap of badges) would collide half-way: those
    # rows first take a placeholder of their own, then their new values.
    current = {oid: (b, s) for oid, b, s in session.execute(
        select(Officer.id, Officer.badge, Officer.scan_code)
        .where(Officer.id.in_([oid for oid, _d, _s in plan.updates] or [-1])))}
    moving = [oid for oid, data, _sid in plan.updates
              if (data.badge, data.scan_code) != current.get(oid)]
    if moving:
        session.execute(update(Officer), [
            {"id": oid, "badge": f"~{oid}", "scan_code": f"~{oid}"} for oid in moving])
    if plan.updates:
        session.execute(update(Officer), [
            {"id": oid, **{f: getattr(d, f) for f in FIELDS}, "active": True,
             "directory_id": sid, "updated_at": now}
            for oid, d, sid in plan.updates])
        identity.officers_written(ctx, session, [(oid, d) for oid, d, _s in plan.updates],
                                  created=False)
    if plan.inserts:
        session.execute(insert(Officer), [
            {**{f: getattr(d, f) for f in FIELDS}, "active": True, "directory_id": sid,
             "created_at": now, "updated_at": now}
            for d, sid in plan.inserts])
        sids = [sid for _d, sid in plan.inserts]
        ids: dict[str, int] = {}
        for start in range(0, len(sids), 5000):
            for sid, oid in session.execute(
                    select(Officer.directory_id, Officer.id)
                    .where(Officer.directory_id.in_(sids[start:start + 5000]))):
                ids[str(sid)] = oid
        identity.officers_written(ctx, session, [(ids[sid], d) for d, sid in plan.inserts],
                                  created=True)
    for change in plan.preview.deactivated:
        assert change.officer_id is not None
        _deactivate(ctx, session, actor, change)
    session.flush()


def _deactivate(ctx: Ctx, session: Session, actor: Actor, change: OfficerChange) -> None:
    officer = session.get(Officer, change.officer_id)
    assert officer is not None
    officer.active = False
    officer.updated_at = ctx.now()
    identity.officer_written(ctx, session, officer)
    details: dict[str, Any] = {"officer": "deactivated", "by": "directory sync"}
    if change.holding:
        details["holding"] = list(change.holding)
    record(ctx, session, actor, EventKind.UPDATED, None, officer_id=officer.id,
           reason=change.why, details=details)
    unit = session.execute(
        select(Unit).where(Unit.primary_officer_id == officer.id)).scalar_one_or_none()
    if unit is not None:  # the leaver's camera becomes a spare (as on the roster)
        release_primary(ctx, session, actor, unit, f"officer deactivated: {change.why}")


# --- the schedule ------------------------------------------------------------------------------


def take_lease(ctx: Ctx, minutes: int) -> bool:
    """This station runs the scheduled sync now if no other holds the lease (or it has
    expired) and the last run is at least ``minutes`` ago. Held for ``minutes`` plus
    margin; the database decides, so two stations never run it at once."""
    now = ctx.now()
    try:
        with ctx.db.write() as session:
            return _take_lease_in(ctx, session, now, minutes)
    except IntegrityError:  # another station created the lease at the same moment
        return False


def _take_lease_in(ctx: Ctx, session: Session, now: datetime, minutes: int) -> bool:
    lease = session.get(DirectoryLease, LEASE)
    if lease is None:
        session.add(DirectoryLease(name=LEASE, station=ctx.station,
                                   expires_at=now + timedelta(minutes=minutes + 5),
                                   last_run_at=None))
        session.flush()
        return True
    if lease.station != ctx.station and lease.expires_at > now:
        return False
    if lease.last_run_at is not None and lease.last_run_at + timedelta(minutes=minutes) > now:
        return False
    lease.station = ctx.station
    lease.expires_at = now + timedelta(minutes=minutes + 5)
    return True


def _ran(ctx: Ctx) -> None:
    with ctx.db.write() as session:
        lease = session.get(DirectoryLease, LEASE)
        if lease is not None and lease.station == ctx.station:
            lease.last_run_at = ctx.now()


def run_scheduled(ctx: Ctx) -> SyncResult | None:
    """The schedule's tick (every minute or so on every station that has the bind
    password): runs the sync here when it is due and no other station holds the lease.
    None: not due, not set, or another station's turn. A sync that would deactivate too
    many stops (audited) and is not retried until the next period."""
    with ctx.db.read() as session:
        settings = directory_settings.read_directory(session)
    if not settings.configured or settings.schedule_minutes <= 0:
        return None
    if directory_settings.bind_password() is None:
        return None
    if not take_lease(ctx, settings.schedule_minutes):
        return None
    try:
        return sync_officers(ctx.as_actor(DIRECTORY_SYNC))
    except SyncNeedsConfirmation:
        return None
    finally:
        _ran(ctx)


def inactive_holders(ctx: Ctx) -> list[tuple[int, str, tuple[str, ...]]]:
    """Inactive officers who still hold a camera (officer id, label, tags): flagged to
    supervisors until the cameras come back."""
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        held = holding(session)
        if not held:
            return []
        rows = session.execute(
            select(Officer.id, Officer.badge, Officer.last_name, Officer.first_name)
            .where(Officer.active.is_(False), Officer.id.in_(list(held)))
            .order_by(func.lower(Officer.last_name), Officer.badge))
        return [(oid, label(badge, last, first), tuple(held[oid]))
                for oid, badge, last, first in rows]


def last_run(ctx: Ctx) -> datetime | None:
    with ctx.db.read() as session:
        lease = session.get(DirectoryLease, LEASE)
        return lease.last_run_at if lease is not None else None

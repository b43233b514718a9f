"""Which docks may report: an administrator registers them (Docks view, ``bwc-desk docks``),
or opens a short "admit new docks" window in which docks that say hello are registered.

The dock feed never creates a dock on its own: lines from a dock nobody registered are
refused and write nothing. Registering, removing and admitting are audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import ConflictError, NotFoundError, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Permission
from bwc_desk.services import audit
from bwc_desk.services.context import Ctx
from bwc_desk.services.records import record
from bwc_desk.store.models import Bay, Dock, Setting, Unit, UnitReading

ADMIT_KEY = "dock_admit_until"
MAX_BAYS = 64
MAX_NAME_CHARS = 64
MAX_ADMIT_MINUTES = 30
# However many strangers say hello while the window is open, at most this many are admitted.
MAX_ADMITTED_PER_WINDOW = 32


@dataclass(frozen=True, slots=True)
class DockInfo:
    name: str
    bays: int
    location: str
    station: str
    last_seen_at: datetime | None
    cameras: int  # bays that report a camera now


@dataclass(frozen=True, slots=True)
class Admission:
    until: datetime
    left: int  # docks that may still be admitted in this window

    def open_at(self, now: datetime) -> bool:
        return self.left > 0 and now < self.until


@dataclass(frozen=True, slots=True)
class Registry:
    """What the feed needs to judge a hello: the registered names and any open window."""

    names: frozenset[str]
    admission: Admission | None = None

    def admits_new(self, now: datetime) -> bool:
        return self.admission is not None and self.admission.open_at(now)


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise ValidationError(
            f"A dock name is 1 to {MAX_NAME_CHARS} characters, exactly as the dock sends it "
            "in its hello (for example DOCK-A)."
        )
    return name


def check_bays(bays: int) -> int:
    if not 1 <= bays <= MAX_BAYS:
        raise ValidationError(f"A dock has 1 to {MAX_BAYS} bays, not {bays}.")
    return bays


def _info(session: Session, dock: Dock) -> DockInfo:
    cameras = session.execute(
        select(func.count()).where(Bay.dock_id == dock.id, Bay.serial.is_not(None))
    ).scalar_one()
    return DockInfo(
        dock.name, dock.bays, dock.location, dock.station, dock.last_seen_at, int(cameras)
    )


def list_docks(ctx: Ctx) -> list[DockInfo]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        docks = session.execute(select(Dock).order_by(Dock.name)).scalars().all()
        return [_info(session, d) for d in docks]


def add_dock(ctx: Ctx, name: str, bays: int, location: str = "") -> DockInfo:
    """Register a dock so that its reports are accepted (admin only, audited)."""
    actor = ctx.require(Permission.SETTINGS, "register docks")
    name, bays = check_name(name), check_bays(bays)
    with ctx.db.write() as session:
        if session.execute(select(Dock.id).where(Dock.name == name)).first() is not None:
            raise ConflictError(f"{name} is registered already.")
        dock = Dock(
            name=name,
            bays=bays,
            location=location.strip()[:120],
            station="",
            error_count=0,
            last_error="",
        )
        session.add(dock)
        session.flush()
        audit.write(
            session,
            station=ctx.station,
            at=ctx.now(),
            actor=actor,
            event=AuditEvent.DOCK_REGISTERED,
            details={"dock": name, "bays": bays},
        )
        return _info(session, dock)


def remove_dock(ctx: Ctx, name: str, force: bool = False) -> DockInfo:
    """Unregister a dock: its reports are refused from now on. A dock that still reports
    cameras in its bays is refused unless ``force``, which records those cameras as
    undocked (for a broken dock that will never report its bays empty)."""
    actor = ctx.require(Permission.SETTINGS, "remove docks")
    with ctx.db.write() as session:
        dock = session.execute(select(Dock).where(Dock.name == name.strip())).scalar_one_or_none()
        if dock is None:
            raise NotFoundError(f"There is no dock called {name.strip()!r}.")
        info = _info(session, dock)
        occupied = session.execute(
            select(Bay, Unit)
            .outerjoin(Unit, Unit.id == Bay.unit_id)
            .where(Bay.dock_id == dock.id, Bay.serial.is_not(None))
            .order_by(Bay.bay_no)
        ).all()
        if occupied and not force:
            where = ", ".join(
                f"bay {b.bay_no} ({u.asset_tag if u else b.serial})" for b, u in occupied
            )
            raise ConflictError(
                f"{dock.name} still reports cameras in {where}. Take them out and let the "
                "dock report its bays empty, then remove it; if the dock is broken, remove "
                "it anyway (--force), which records those cameras as undocked."
            )
        for b, unit in occupied:
            if unit is None:
                continue
            record(
                ctx,
                session,
                actor,
                EventKind.UNDOCKED,
                unit,
                reason=f"{dock.name} was removed from the registered docks",
                details={"dock": dock.name, "bay": b.bay_no},
            )
            reading = session.get(UnitReading, unit.id)
            if reading is not None and reading.dock == dock.name:
                reading.in_bay, reading.left_at = False, None
        # A camera that left this dock within the last minute has its undocked record
        # still waiting; write it now, while the dock still exists to name.
        for reading, unit in session.execute(
            select(UnitReading, Unit)
            .join(Unit, Unit.id == UnitReading.unit_id)
            .where(UnitReading.dock == dock.name, UnitReading.left_at.is_not(None))
        ).all():
            record(
                ctx,
                session,
                actor,
                EventKind.UNDOCKED,
                unit,
                details={"dock": dock.name, "bay": reading.bay_no},
            )
            reading.left_at = None
        session.execute(delete(Bay).where(Bay.dock_id == dock.id))
        session.delete(dock)
        audit.write(
            session,
            station=ctx.station,
            at=ctx.now(),
            actor=actor,
            event=AuditEvent.DOCK_REMOVED,
            details={
                "dock": info.name,
                "bays": info.bays,
                "cameras": info.cameras,
                "forced": bool(occupied),
            },
        )
        return info


# --- the "admit new docks" window -------------------------------------------------------------


def read_admission(session: Session) -> Admission | None:
    row = session.get(Setting, ADMIT_KEY)
    if row is None:
        return None
    try:
        raw = json.loads(row.value)
        return Admission(datetime.fromisoformat(raw["until"]), int(raw["left"]))
    except (ValueError, KeyError, TypeError):
        return None


def _write_admission(session: Session, admission: Admission, by: str, now: datetime) -> None:
    value = json.dumps({"until": admission.until.isoformat(), "left": admission.left})
    row = session.get(Setting, ADMIT_KEY)
    if row is None:
        session.add(Setting(key=ADMIT_KEY, value=value, updated_at=now, updated_by=by))
    else:
        row.value, row.updated_at, row.updated_by = value, now, by


def open_admission(ctx: Ctx, minutes: int = 5) -> Admission:
    """For the next few minutes, a dock that says hello with the right token is registered
    (at most MAX_ADMITTED_PER_WINDOW of them). Admin only, audited."""
    actor = ctx.require(Permission.SETTINGS, "admit new docks")
    if not 1 <= minutes <= MAX_ADMIT_MINUTES:
        raise ValidationError(f"Admit new docks for 1 to {MAX_ADMIT_MINUTES} minutes.")
    now = ctx.now()
    admission = Admission(now + timedelta(minutes=minutes), MAX_ADMITTED_PER_WINDOW)
    with ctx.db.write() as session:
        _write_admission(session, admission, actor.username, now)
        audit.write(
            session,
            station=ctx.station,
            at=now,
            actor=actor,
            event=AuditEvent.DOCK_ADMISSION,
            details={"opened_minutes": minutes},
        )
    return admission


def close_admission(ctx: Ctx) -> None:
    actor = ctx.require(Permission.SETTINGS, "admit new docks")
    now = ctx.now()
    with ctx.db.write() as session:
        if read_admission(session) is None:
            return
        _write_admission(session, Admission(now, 0), actor.username, now)
        audit.write(
            session,
            station=ctx.station,
            at=now,
            actor=actor,
            event=AuditEvent.DOCK_ADMISSION,
            details={"closed": True},
        )


def admission(ctx: Ctx) -> Admission | None:
    """The window, if one is open now."""
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        window = read_admission(session)
    return window if window is not None and window.open_at(ctx.now()) else None


def read_registry(ctx: Ctx) -> Registry:
    """For the dock feed (the system, no signed-in user): registered names and window."""
    with ctx.db.read() as session:
        names = frozenset(session.execute(select(Dock.name)).scalars())
        return Registry(names, read_admission(session))


def admit(ctx: Ctx, session: Session, name: str, bays: int, peer: str) -> Dock | None:
    """Inside the feed's write: register a dock that said hello while the window is open
    (checked again here, in the transaction); None when it is not open any more."""
    now = ctx.now()
    window = read_admission(session)
    if window is None or not window.open_at(now) or not 1 <= bays <= MAX_BAYS:
        return None
    dock = Dock(
        name=name, bays=bays, location="", station=ctx.station, error_count=0, last_error=""
    )
    session.add(dock)
    _write_admission(session, Admission(window.until, window.left - 1), "dock-feed", now)
    details: dict[str, Any] = {"dock": name, "bays": bays, "peer": peer}
    audit.write(
        session,
        station=ctx.station,
        at=now,
        actor=ctx.actor,
        username="dock-feed",
        event=AuditEvent.DOCK_ADMITTED,
        details=details,
    )
    return dock

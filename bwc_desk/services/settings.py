"""Agency settings, shared by every station through the database."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.settings import SPECS, AssignmentMode, HandoverAck, KnownNames
from bwc_desk.domain.shifts import (
    DEFAULT_SHIFTS,
    ShiftSpec,
    check_shift_table,
)
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.store.fast import Read
from bwc_desk.store.models import Officer, Pool, Setting, Shift


@dataclass(frozen=True, slots=True)
class AgencySettings:
    agency_name: str = ""
    assignment_mode: str = AssignmentMode.MIXED.value
    max_cameras_per_officer: int = 1
    min_battery_pct: int = 80
    function_test_required: bool = True
    return_grace_minutes: int = 30
    default_shift_hours: int = 10
    handover_ack: str = HandoverAck.OFF.value
    idle_lock_minutes: int = 15
    backup_keep: int = 14
    backup_folder: str = ""
    not_docked_minutes: int = 30
    unassign_pool_on_dock: bool = True
    return_assigned_on_dock: bool = False
    undo_window_seconds: int = 120
    double_scan_seconds: int = 5
    race_seconds: int = 60
    # The agency's shifts in order of their start (the ``shifts`` table, not a setting row).
    shifts: tuple[ShiftSpec, ...] = DEFAULT_SHIFTS
    anchor_folder: str = ""
    verify_daily: bool = True  # services/auto_verify.py: one automatic verification a day
    # The firmware the agency wants every camera on (the fleet health report compares).
    target_firmware: str = ""
    inspection_due_hour: int = 10  # the daily dock inspection shows as missing after this hour
    directory_role_hours: int = 12  # badge+PIN trusts a directory role unconfirmed this long

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


_SETTINGS = Read(select(Setting.key, Setting.value))
_SHIFTS = Read(select(Shift.name, Shift.starts, Shift.ends))


def read_settings(session: Session) -> AgencySettings:
    """The agency's settings as stored now (read in the caller's transaction: a write checks
    its rules against the settings it commits with). Parsed again only when the stored
    rows differ from the last read's (every scan at the counter reads them)."""
    global _last_read
    stored = tuple(_SETTINGS.all(session))
    shifts = tuple(_SHIFTS.all(session))
    key = (stored, shifts)
    last = _last_read
    if last is not None and last[0] == key:
        return last[1]
    settings = _parse(dict(stored), _ordered(shifts))
    _last_read = (key, settings)
    return settings


# The rows of the last ``read_settings`` and what they said (a frozen value: shared safely).
_last_read: tuple[Any, AgencySettings] | None = None


def _parse(stored: dict[str, str], shifts: tuple[ShiftSpec, ...]) -> AgencySettings:
    values: dict[str, Any] = {"shifts": shifts}
    for f in fields(AgencySettings):
        spec = SPECS.get(f.name)
        if spec is None:
            continue
        if f.name in stored:
            try:
                values[f.name] = spec.parse(json.loads(stored[f.name]))
            except (ValueError, ValidationError):
                values[f.name] = spec.default
        else:
            values[f.name] = spec.default
    return AgencySettings(**values)


def write_setting(session: Session, key: str, value: Any, by: str, now: Any) -> Any:
    spec = SPECS.get(key)
    if spec is None:
        raise ValidationError(f"There is no setting called {key!r}.")
    parsed = spec.parse(value)
    spec.check_length(parsed)  # (a 320-character agency name pushed dialogs off the screen)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=json.dumps(parsed), updated_at=now, updated_by=by))
    else:
        row.value = json.dumps(parsed)
        row.updated_at = now
        row.updated_by = by
    return parsed


def get_settings(ctx: Ctx) -> AgencySettings:
    with ctx.db.read() as session:
        return read_settings(session)


def change_settings(ctx: Ctx, changes: dict[str, Any]) -> AgencySettings:
    """Change several settings in one transaction (all or none). ``changes["shifts"]``, if
    given, is the agency's whole new shift table (``replace_shifts`` says what is refused)."""
    from bwc_desk.domain.audit import AuditEvent
    from bwc_desk.services import audit

    actor = ctx.require(Permission.SETTINGS, "change settings")
    changes = dict(changes)
    shifts = changes.pop("shifts", None)
    with ctx.db.write() as session:
        if shifts is not None:
            _replace_shifts_in(ctx, session, actor, shifts)
        old = read_settings(session).as_dict()
        for key, value in changes.items():
            write_setting(session, key, value, actor.username, ctx.now())
        session.flush()
        new = read_settings(session)
        diff = {k: [old[k], v] for k, v in new.as_dict().items() if old[k] != v and k != "shifts"}
        if diff:
            audit.write(
                session,
                station=ctx.station,
                at=ctx.now(),
                actor=actor,
                event=AuditEvent.SETTINGS_CHANGED,
                details={"changes": diff},
            )
        return new


def shift_specs(session: Session) -> dict[str, ShiftSpec]:
    """The agency's shifts by lower-case name (how officers' shift names are matched)."""
    return _specs(_SHIFTS.all(session))


def _specs(rows: Any) -> dict[str, ShiftSpec]:
    specs: dict[str, ShiftSpec] = {}
    for name, starts, ends in rows:
        specs[name.lower()] = ShiftSpec(name, time.fromisoformat(starts), time.fromisoformat(ends))
    return specs


def _ordered(rows: Any) -> tuple[ShiftSpec, ...]:
    return tuple(sorted(_specs(rows).values(), key=lambda s: (s.starts, s.name.lower())))


def ordered_shifts(session: Session) -> tuple[ShiftSpec, ...]:
    return _ordered(_SHIFTS.all(session))


def list_shifts(ctx: Ctx) -> list[ShiftSpec]:
    with ctx.db.read() as session:
        return list(ordered_shifts(session))


def known_names(session: Session) -> KnownNames:
    """The agency's shifts and the divisions it has (on the roster or a pool), for checking
    imported rows: ``known.shift(text)`` / ``known.division(text)`` return the agency's own
    spelling or raise ValidationError naming the known ones."""
    divisions = set(
        session.execute(select(Officer.division).where(Officer.division != "").distinct())
        .scalars()
        .all()
    ) | set(
        session.execute(select(Pool.division).where(Pool.division != "").distinct()).scalars().all()
    )
    return KnownNames(
        tuple(s.name for s in ordered_shifts(session)),
        tuple(sorted(divisions, key=str.lower)),
    )


def known(ctx: Ctx) -> KnownNames:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        return known_names(session)


def _replace_shifts_in(
    ctx: Ctx, session: Session, actor: Actor, shifts: Sequence[ShiftSpec]
) -> tuple[ShiftSpec, ...]:
    from bwc_desk.domain.audit import AuditEvent
    from bwc_desk.services import audit

    # The same rules as a CSV file, whichever screen the table came from.
    new = check_shift_table(
        ((n, s.name, f"{s.starts:%H:%M}", s.hours_text()) for n, s in enumerate(shifts, 1)),
        "The shifts",
    )
    old = ordered_shifts(session)
    kept = {s.name.lower() for s in new}
    gone = [s for s in old if s.name.lower() not in kept]
    problems: list[str] = []
    for shift in gone:
        officers = session.execute(
            select(func.count())
            .select_from(Officer)
            .where(Officer.active.is_(True), func.lower(Officer.shift) == shift.name.lower())
        ).scalar_one()
        pools = (
            session.execute(select(Pool.name).where(func.lower(Pool.shift) == shift.name.lower()))
            .scalars()
            .all()
        )
        why = []
        if officers:
            why.append(f"{officers} active officer{'s are' if officers != 1 else ' is'} on it")
        if pools:
            names = ", ".join(sorted(pools))
            why.append(f"pool {names} serves it" if len(pools) == 1 else f"pools {names} serve it")
        if why:
            problems.append(f"{shift.name} cannot be removed: {' and '.join(why)}")
    if problems:
        raise DomainError(
            "Nothing was changed. "
            + "; ".join(problems)
            + ". Move them to another shift first (Assignments > Roster, or an officer import), "
            "then remove it."
        )
    if [(s.name, s.starts, s.ends) for s in old] == [(s.name, s.starts, s.ends) for s in new]:
        return new
    by_name = {row.name.lower(): row for row in session.execute(select(Shift)).scalars()}
    for shift in new:
        starts, ends = f"{shift.starts:%H:%M}", f"{shift.ends:%H:%M}"
        row = by_name.pop(shift.name.lower(), None)
        if row is None:
            session.add(Shift(name=shift.name, starts=starts, ends=ends))
        else:
            row.name, row.starts, row.ends = shift.name, starts, ends  # "night" -> "Night"
    for row in by_name.values():
        session.delete(row)
    session.flush()
    audit.write(
        session,
        station=ctx.station,
        at=ctx.now(),
        actor=actor,
        event=AuditEvent.SETTINGS_CHANGED,
        details={
            "shifts": {
                "before": [_describe(s) for s in old],
                "after": [_describe(s) for s in new],
            },
            "effective": "for cameras issued from now on; open issues keep their due time",
        },
    )
    return new


def _describe(shift: ShiftSpec) -> str:
    return f"{shift.name} {shift.starts:%H:%M} {shift.hours_text()} h"


def replace_shifts(ctx: Ctx, shifts: Sequence[ShiftSpec]) -> tuple[ShiftSpec, ...]:
    """Replace the agency's shifts, all or nothing (administrators only, audited). Refused,
    with nothing changed, when a row is wrong or a removed shift still has active officers or
    a pool. New times apply to cameras issued from now on: an open issue keeps the expected
    return it was given."""
    actor = ctx.require(Permission.SETTINGS, "change the agency's shifts")
    with ctx.db.write() as session:
        return _replace_shifts_in(ctx, session, actor, shifts)


SHIFT_COLUMNS = ("name", "start", "hours")


def read_shift_csv(path: Path | str, notes: list[str] | None = None) -> tuple[ShiftSpec, ...]:
    """A CSV file of name,start,hours -> shifts; every problem of every line named
    (ShiftTableError), a line the reader could not split among them, in line order. What
    the reader says of the file (``read as semicolon-separated (;)``) is added to ``notes``."""
    from bwc_desk.adapters.csvfile import iter_errors, read_csv

    table = read_csv(path, SHIFT_COLUMNS, SHIFT_COLUMNS)
    if notes is not None:
        notes.extend(table.warnings)
    rows = [
        (line, row["name"], row["start"], row["hours"])
        for line, row in table.rows
        if "__error__" not in row
    ]
    return check_shift_table(rows, Path(path).name, unread=iter_errors(table))


def replace_shifts_from_csv(
    ctx: Ctx, path: Path | str, notes: list[str] | None = None
) -> tuple[ShiftSpec, ...]:
    """``replace_shifts`` from a CSV file (``read_shift_csv``: its notes into ``notes``)."""
    ctx.require(Permission.SETTINGS, "change the agency's shifts")
    return replace_shifts(ctx, read_shift_csv(path, notes))


def seed_defaults(session: Session, by: str, now: Any, agency_name: str) -> None:
    for key, spec in SPECS.items():
        if session.get(Setting, key) is None:
            value = agency_name if key == "agency_name" else spec.default
            session.add(Setting(key=key, value=json.dumps(value), updated_at=now, updated_by=by))
    if session.execute(select(Shift.name).limit(1)).first() is None:
        for shift in DEFAULT_SHIFTS:
            session.add(
                Shift(name=shift.name, starts=f"{shift.starts:%H:%M}", ends=f"{shift.ends:%H:%M}")
            )

"""Agency settings, shared by every station through the database."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.domain.errors import ValidationError
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.settings import SPECS, AssignmentMode, HandoverAck
from bwc_desk.domain.shifts import DEFAULT_SHIFTS, ShiftSpec
from bwc_desk.services.context import Ctx
from bwc_desk.store.models import Setting, Shift


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

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


_SETTINGS = select(Setting.key, Setting.value)
_SHIFTS = select(Shift.name, Shift.starts, Shift.ends)


def read_settings(session: Session) -> AgencySettings:
    stored = {key: value for key, value in session.execute(_SETTINGS)}
    values: dict[str, Any] = {}
    for f in fields(AgencySettings):
        spec = SPECS[f.name]
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
    """Change several settings in one transaction (all or none)."""
    from bwc_desk.domain.audit import AuditEvent
    from bwc_desk.services import audit

    actor = ctx.require(Permission.SETTINGS, "change settings")
    with ctx.db.write() as session:
        old = read_settings(session).as_dict()
        for key, value in changes.items():
            write_setting(session, key, value, actor.username, ctx.now())
        session.flush()
        new = read_settings(session)
        diff = {k: [old[k], v] for k, v in new.as_dict().items() if old[k] != v}
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
    specs: dict[str, ShiftSpec] = {}
    for name, starts, ends in session.execute(_SHIFTS):
        specs[name.lower()] = ShiftSpec(name, time.fromisoformat(starts), time.fromisoformat(ends))
    return specs


def list_shifts(ctx: Ctx) -> list[ShiftSpec]:
    with ctx.db.read() as session:
        return sorted(shift_specs(session).values(), key=lambda s: s.starts)


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

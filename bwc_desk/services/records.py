"""Shared steps of every use case: finding units and officers, writing custody events."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from bwc_desk.domain.errors import NotFoundError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.values import normalize_scan
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.store.ledger import append_custody
from bwc_desk.store.models import Officer, Unit


def record(
    ctx: Ctx,
    session: Session,
    actor: Actor,
    kind: EventKind,
    unit: Unit | None,
    officer_id: int | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    corrects_seq: int | None = None,
) -> int:
    """Append a custody event naming the actor, station and UTC time; returns its seq."""
    now = ctx.now()
    seq = append_custody(
        session,
        at=now,
        kind=kind.value,
        unit_id=unit.id if unit is not None else None,
        officer_id=officer_id,
        staff_id=actor.staff_id,
        staff_username=actor.username,
        station=ctx.station,
        reason=reason,
        details=details,
        corrects_seq=corrects_seq,
    )
    if unit is not None:
        unit.last_event_seq = seq
        unit.updated_at = now
    return seq


@cache
def _unit_by_code(for_update: bool) -> Any:
    stmt = select(Unit).where(
        or_(Unit.asset_tag == bindparam("code"), Unit.serial == bindparam("code"))
    )
    return stmt.with_for_update() if for_update else stmt


@cache
def _officer_by(column: str) -> Any:
    return select(Officer).where(getattr(Officer, column) == bindparam("code"))


def find_unit(session: Session, code: str, *, lock: bool = False) -> Unit | None:
    """A unit by asset tag or serial, as scanned or typed (case-insensitive)."""
    value = normalize_scan(code).upper()
    if not value:
        return None
    stmt = _unit_by_code(lock and session.get_bind().dialect.name == "postgresql")
    return session.execute(stmt, {"code": value}).scalars().first()


def get_unit(session: Session, code: str, *, lock: bool = False) -> Unit:
    unit = find_unit(session, code, lock=lock)
    if unit is None:
        raise NotFoundError(
            f"No camera has the asset tag or serial {normalize_scan(code)!r}. "
            "Check the label, or register the camera in Inventory."
        )
    return unit


def find_officer(session: Session, code: str) -> Officer | None:
    """An officer by the scan code of their ID badge, or by badge number."""
    value = normalize_scan(code)
    if not value:
        return None
    row = (
        session.execute(select(Officer).where(Officer.scan_code == value.upper())).scalars().first()
    )
    if row is None:
        row = session.execute(select(Officer).where(Officer.badge == value)).scalars().first()
    return row


def get_officer(session: Session, code: str) -> Officer:
    officer = find_officer(session, code)
    if officer is None:
        raise NotFoundError(
            f"No officer has the badge or ID scan code {normalize_scan(code)!r}. "
            "Check the badge, or add the officer in Assignments."
        )
    return officer


def officer_label(officer: Officer) -> str:
    name = f"{officer.last_name}, {officer.first_name}".strip(", ")
    return f"{name} ({officer.badge})"


def count(session: Session, model: type[Any]) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())

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


# --- one code, one thing ----------------------------------------------------------------------
# A scan at the counter finds an officer by ID-badge scan code or badge number, and a camera
# by asset tag or serial (find_officer, find_unit). No code may be both: every write of a
# camera's or an officer's codes (add, edit, import, directory sync) is checked here.


def officer_codes(session: Session) -> dict[str, tuple[str, str]]:
    """Every code a scan would find an officer by: code -> (officer, which code it is)."""
    found: dict[str, tuple[str, str]] = {}
    rows = session.execute(
        select(Officer.badge, Officer.last_name, Officer.first_name, Officer.scan_code)
    )
    for badge, last, first, scan in rows:
        who = _who(badge, last, first)
        found.setdefault(scan, (who, "ID-badge scan code"))
        found[badge.upper()] = (who, "badge number")
    return found


def camera_codes(session: Session) -> dict[str, tuple[str, str]]:
    """Every code a scan would find a camera by: code -> (asset tag, which code it is)."""
    found: dict[str, tuple[str, str]] = {}
    for tag, serial in session.execute(select(Unit.asset_tag, Unit.serial)):
        found.setdefault(serial, (tag, "serial"))
        found[tag] = (tag, "asset tag")
    return found


def officer_with_code(session: Session, code: str) -> tuple[str, str] | None:
    """The officer a scan of ``code`` (a camera's tag or serial) would find, and which code."""
    row = session.execute(
        select(Officer.badge, Officer.last_name, Officer.first_name, Officer.scan_code).where(
            or_(Officer.scan_code == code, func.upper(Officer.badge) == code)
        )
    ).first()
    if row is None:
        return None
    what = "badge number" if row[0].upper() == code else "ID-badge scan code"
    return _who(row[0], row[1], row[2]), what


def camera_with_code(session: Session, code: str) -> tuple[str, str] | None:
    """The camera a scan of ``code`` (an officer's badge or scan code) would find."""
    row = session.execute(
        select(Unit.asset_tag).where(or_(Unit.asset_tag == code, Unit.serial == code))
    ).first()
    if row is None:
        return None
    return row[0], "asset tag" if row[0] == code else "serial"


def camera_code_clash(field: str, value: str, officer: tuple[str, str]) -> str:
    """Why a camera's asset tag or serial is refused: it is an officer's code."""
    who, what = officer
    return (
        f"The {field} {value} is the {what} of officer {who}: a scan at the counter could not "
        f"tell them apart. Use the camera's own {field} as printed on its label, or change "
        f"that officer's {what} first."
    )


def officer_code_clash(field: str, value: str, camera: tuple[str, str]) -> str:
    """Why an officer's badge number or scan code is refused: it is a camera's code."""
    tag, what = camera
    return (
        f"{field} {value} is the {what} of camera {tag}: a scan at the counter could not "
        "tell them apart. Use the barcode printed on the ID badge (or correct the camera's "
        f"{what} first)."
    )


def _who(badge: str, last: str, first: str) -> str:
    name = f"{last}, {first}".strip(", ")
    return f"{name} ({badge})"

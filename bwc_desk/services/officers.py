"""The officer roster."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.values import clean_text, normalize_badge, normalize_scan
from bwc_desk.services.context import Ctx
from bwc_desk.services.dto import OfficerRow
from bwc_desk.store import queries
from bwc_desk.store.models import Officer


@dataclass(frozen=True, slots=True)
class OfficerInput:
    badge: str
    last_name: str
    first_name: str = ""
    rank: str = ""
    division: str = ""
    shift: str = ""
    active: bool = True
    scan_code: str = ""  # blank: the badge number


def clean_officer(data: OfficerInput) -> OfficerInput:
    badge = normalize_badge(data.badge)
    scan = normalize_scan(data.scan_code).upper() or badge.upper()
    if len(scan) > 64:
        raise ValidationError("scan_code is longer than 64 characters")
    return OfficerInput(
        badge=badge,
        last_name=clean_text(data.last_name, "last_name", required=True, limit=80),
        first_name=clean_text(data.first_name, "first_name", limit=80),
        rank=clean_text(data.rank, "rank", limit=40),
        division=clean_text(data.division, "division", limit=80),
        shift=clean_text(data.shift, "shift", limit=40),
        active=data.active,
        scan_code=scan,
    )


def check_officer_unique(session: Session, data: OfficerInput, officer_id: int | None) -> None:
    other = session.execute(
        select(Officer.badge).where(Officer.badge == data.badge, Officer.id != (officer_id or -1))
    ).first()
    if other:
        raise ValidationError(f"Badge {data.badge} already belongs to another officer.")
    other = session.execute(
        select(Officer.badge).where(
            Officer.scan_code == data.scan_code, Officer.id != (officer_id or -1)
        )
    ).first()
    if other:
        raise ValidationError(
            f"The ID-badge scan code {data.scan_code} already belongs to badge {other[0]}."
        )


OFFICER_FIELDS = (
    "badge",
    "last_name",
    "first_name",
    "rank",
    "division",
    "shift",
    "active",
    "scan_code",
)


def officer_rows(
    session: Session, now: datetime, officer_ids: Sequence[int] | None = None
) -> list[OfficerRow]:
    holding: dict[int, list[str]] = defaultdict(list)
    overdue: dict[int, list[str]] = defaultdict(list)
    for c in queries.open_checkouts(session, officer_ids):
        holding[c.officer_id].append(c.asset_tag)
        if c.expected_return < now:
            overdue[c.officer_id].append(c.asset_tag)
    rows: list[OfficerRow] = []
    for r in queries.officer_rows(session, officer_ids):
        oid = r[0]
        rows.append(
            OfficerRow(
                id=oid,
                badge=r[1],
                last_name=r[2],
                first_name=r[3],
                rank=r[4],
                division=r[5],
                shift=r[6],
                active=r[7],
                scan_code=r[8],
                primary_unit_id=r[9],
                primary_unit=r[10] or "",
                holding=tuple(holding.get(oid, ())),
                overdue=tuple(overdue.get(oid, ())),
            )
        )
    return rows


def list_officers(ctx: Ctx) -> list[OfficerRow]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        return officer_rows(session, ctx.now())


def officer_by_id(ctx: Ctx, officer_id: int) -> OfficerRow:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        rows = officer_rows(session, ctx.now(), [officer_id])
        if not rows:
            raise DomainError("That officer no longer exists; refresh the list.")
        return rows[0]


def insert_officer(ctx: Ctx, session: Session, data: OfficerInput) -> Officer:
    data = clean_officer(data)
    check_officer_unique(session, data, None)
    now = ctx.now()
    officer = Officer(
        **{f: getattr(data, f) for f in OFFICER_FIELDS}, created_at=now, updated_at=now
    )
    session.add(officer)
    session.flush()
    return officer


def update_officer_fields(
    ctx: Ctx, session: Session, officer: Officer, data: OfficerInput
) -> dict[str, list[Any]]:
    data = clean_officer(data)
    check_officer_unique(session, data, officer.id)
    changes: dict[str, list[Any]] = {}
    for name in OFFICER_FIELDS:
        old, new = getattr(officer, name), getattr(data, name)
        if old != new:
            changes[name] = [old, new]
            setattr(officer, name, new)
    if changes:
        officer.updated_at = ctx.now()
    return changes


def add_officer(ctx: Ctx, data: OfficerInput) -> OfficerRow:
    ctx.require(Permission.MANAGE_OFFICERS, "add officers")
    with ctx.db.write() as session:
        officer = insert_officer(ctx, session, data)
        return officer_rows(session, ctx.now(), [officer.id])[0]


def edit_officer(ctx: Ctx, officer_id: int, data: OfficerInput) -> OfficerRow:
    ctx.require(Permission.MANAGE_OFFICERS, "edit officers")
    with ctx.db.write() as session:
        officer = session.get(Officer, officer_id)
        if officer is None:
            raise DomainError("That officer no longer exists; refresh the list.")
        update_officer_fields(ctx, session, officer, data)
        return officer_rows(session, ctx.now(), [officer.id])[0]


def set_handover_pin(ctx: Ctx, officer_id: int, pin: str) -> OfficerRow:
    """The PIN an officer types at the counter to acknowledge a handover (blank: none)."""
    from bwc_desk.domain.passwords import check_pin
    from bwc_desk.services.auth import hash_secret

    ctx.require(Permission.MANAGE_OFFICERS, "set officers' handover PINs")
    with ctx.db.write() as session:
        officer = session.get(Officer, officer_id)
        if officer is None:
            raise DomainError("That officer no longer exists; refresh the list.")
        if pin:
            check_pin(pin)
            officer.pin_hash = hash_secret(pin)
        else:
            officer.pin_hash = None
        officer.updated_at = ctx.now()
        return officer_rows(session, ctx.now(), [officer.id])[0]

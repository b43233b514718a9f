"""The officer roster."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.values import (
    check_no_bidi,
    clean_text,
    normalize_badge,
    normalize_scan,
    tidy_name,
)
from bwc_desk.services import audit, identity
from bwc_desk.services.assignments import unassign_in
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.csv_formats import OFFICER_COLUMNS
from bwc_desk.services.dto import OfficerRow, person_name
from bwc_desk.services.records import (
    camera_with_code,
    officer_code_clash,
    officer_label,
    record,
)
from bwc_desk.store import queries
from bwc_desk.store.models import Checkout, Officer, Shift, Unit


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


def _tidy(text: str | None) -> str:
    """A name's spaces and invisible characters tidied; control characters are left for
    clean_text to refuse (a tab is not a space in a name)."""
    value = text or ""
    if any(ord(ch) < 32 for ch in value):
        return value
    return tidy_name(value)


def clean_officer(data: OfficerInput) -> OfficerInput:
    badge = normalize_badge(data.badge)
    scan = normalize_scan(data.scan_code).upper() or badge.upper()
    if len(scan) > 64:
        raise ValidationError("scan_code is longer than 64 characters")
    check_no_bidi(scan, "scan_code")
    return OfficerInput(
        badge=badge,
        # (Tidied first: a name of a zero-width space alone is no name.)
        last_name=clean_text(_tidy(data.last_name), "last_name", required=True, limit=80),
        first_name=clean_text(_tidy(data.first_name), "first_name", limit=80),
        rank=clean_text(_tidy(data.rank), "rank", limit=40),
        division=clean_text(_tidy(data.division), "division", limit=80),
        shift=clean_text(data.shift, "shift", limit=40),
        active=data.active,
        scan_code=scan,
    )


def check_officer_unique(session: Session, data: OfficerInput, officer_id: int | None) -> None:
    """A badge number or scan code that another officer has is refused, naming them; so is a
    scan code equal to another officer's badge number (or a badge number equal to another's
    scan code): the counter finds officers by either, and must never pick the wrong one."""
    others = Officer.id != (officer_id or -1)
    who = (Officer.badge, Officer.last_name, Officer.first_name)

    def named(row: Any) -> str:
        return f"{person_name(row[1], row[2])} ({row[0]})"

    other = session.execute(select(*who).where(Officer.badge == data.badge, others)).first()
    if other:
        raise ValidationError(f"Badge {data.badge} already belongs to {named(other)}.")
    other = session.execute(
        select(*who).where(Officer.scan_code == data.scan_code, others)
    ).first()
    if other:
        raise ValidationError(
            f"The ID-badge scan code {data.scan_code} already belongs to {named(other)}."
        )
    other = session.execute(
        select(*who).where(func.upper(Officer.badge) == data.scan_code, others)
    ).first()
    if other:
        raise ValidationError(
            f"The ID-badge scan code {data.scan_code} is the badge number of {named(other)}: "
            "a scan at the counter could not tell them apart. Use the barcode printed on "
            "the ID badge, or leave it blank to use the badge number."
        )
    for field, value in (("Badge", data.badge.upper()), ("The ID-badge scan code", data.scan_code)):
        camera = camera_with_code(session, value)
        if camera is not None:
            shown = data.badge if field == "Badge" else value
            raise ValidationError(officer_code_clash(field, shown, camera))
    other = session.execute(
        select(*who).where(Officer.scan_code == data.badge.upper(), others)
    ).first()
    if other:
        raise ValidationError(
            f"Badge {data.badge} is the ID-badge scan code of {named(other)}: a scan at the "
            "counter could not tell them apart. Change that officer's scan code first."
        )


# The fields an officer's record is written from: the CSV's columns, in their order (the
# one list, in csv_formats; tests/test_one_officer_list.py holds them to OfficerInput).
OFFICER_FIELDS = OFFICER_COLUMNS


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


def officers_by_id(
    ctx: Ctx, officer_ids: Sequence[int], unit_ids: Sequence[int] = ()
) -> list[OfficerRow]:
    """The roster rows of these officers, and of the officers whose primary camera or a
    camera out with them now is one of ``unit_ids`` (what a view patches after a change
    named them). An officer who no longer exists is left out; the order is the roster's."""
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        ids = set(officer_ids) | queries.officer_ids_of_units(session, unit_ids)
        return officer_rows(session, ctx.now(), sorted(ids)) if ids else []


def officer_by_id(ctx: Ctx, officer_id: int) -> OfficerRow:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        rows = officer_rows(session, ctx.now(), [officer_id])
        if not rows:
            raise DomainError("That officer no longer exists; refresh the list.")
        return rows[0]


def insert_officer(
    ctx: Ctx, session: Session, data: OfficerInput, *, checked: bool = False
) -> Officer:
    """``checked``: the caller (an import) already cleaned ``data`` and ran every check of
    ``check_officer_unique`` against the whole roster at once; the unique indexes still hold."""
    if not checked:
        data = clean_officer(data)
        check_officer_unique(session, data, None)
    now = ctx.now()
    officer = Officer(
        **{f: getattr(data, f) for f in OFFICER_FIELDS}, created_at=now, updated_at=now
    )
    session.add(officer)
    session.flush()
    identity.officer_written(ctx, session, officer, created=True)
    return officer


def insert_officers_checked(ctx: Ctx, session: Session, rows: Sequence[OfficerInput]) -> None:
    """Many new officers in one statement (an import of 200,000 takes seconds, not an hour).
    The caller cleaned each row and checked it against the whole roster and the cameras, as
    ``check_officer_unique`` would; the unique indexes hold in any case."""
    if not rows:
        return
    now = ctx.now()
    session.execute(
        insert(Officer),
        [
            {**{f: getattr(d, f) for f in OFFICER_FIELDS}, "created_at": now, "updated_at": now}
            for d in rows
        ],
    )
    ids: dict[str, int] = {}
    badges = [d.badge for d in rows]
    for start in range(0, len(badges), 5000):
        for badge, oid in session.execute(
            select(Officer.badge, Officer.id).where(Officer.badge.in_(badges[start:start + 5000]))
        ):
            ids[badge] = oid
    identity.officers_written(ctx, session, [(ids[d.badge], d) for d in rows], created=True)


def update_officers_checked(
    ctx: Ctx, session: Session, changes: Sequence[tuple[int, OfficerInput]]
) -> None:
    """Many roster entries changed at once, by officer id (the import's updates)."""
    if not changes:
        return
    now = ctx.now()
    session.execute(
        update(Officer),
        [
            {"id": oid, **{f: getattr(d, f) for f in OFFICER_FIELDS}, "updated_at": now}
            for oid, d in changes
        ],
    )
    identity.officers_written(ctx, session, changes, created=False)


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
        identity.officer_written(ctx, session, officer)
    return changes


def add_officer(ctx: Ctx, data: OfficerInput) -> OfficerRow:
    ctx.require(Permission.MANAGE_OFFICERS, "add officers")
    with ctx.db.write() as session:
        officer = insert_officer(ctx, session, data)
        return officer_rows(session, ctx.now(), [officer.id])[0]


def edit_officer(
    ctx: Ctx,
    officer_id: int,
    data: OfficerInput,
    reason: str = "",
    *,
    release_primary: bool = False,
) -> OfficerRow:
    """Change an officer's roster entry. Records name officers by id, so a changed badge or
    name is itself recorded (a custody event without a unit) for the auditor to follow.
    Deactivating here follows the rules of ``deactivate_officer``."""
    actor = ctx.require(Permission.MANAGE_OFFICERS, "edit officers")
    reason = clean_text(reason, "reason", limit=500)
    with ctx.db.write() as session:
        officer = session.get(Officer, officer_id)
        if officer is None:
            raise DomainError("That officer no longer exists; refresh the list.")
        was_active = officer.active
        if was_active and not data.active:
            _check_may_deactivate(session, officer, reason)
        changes = update_officer_fields(ctx, session, officer, data)
        if changes:
            what = "edited"
            if "active" in changes:
                what = "deactivated" if was_active else "reactivated"
            _record_roster(ctx, session, actor, officer, what, reason, {"changes": changes})
        if was_active and not officer.active and release_primary:
            release_primary_of(ctx, session, officer, reason)
        session.flush()
        return officer_rows(session, ctx.now(), [officer.id])[0]


# --- deactivating -----------------------------------------------------------------------------


def _held(session: Session, officer_id: int) -> list[str]:
    return list(
        session.execute(
            select(Unit.asset_tag)
            .join(Checkout, Checkout.unit_id == Unit.id)
            .where(Checkout.officer_id == officer_id, Checkout.returned_at.is_(None))
            .order_by(Unit.asset_tag)
        ).scalars()
    )


def _check_may_deactivate(session: Session, officer: Officer, reason: str) -> None:
    held = _held(session, officer.id)
    if held and not reason:
        raise ValidationError(
            f"{officer_label(officer)} still holds {', '.join(held)}. Give the reason for "
            "deactivating anyway; the roster will flag the officer until the camera is back."
        )


def _record_roster(
    ctx: Ctx,
    session: Session,
    actor: Actor,
    officer: Officer,
    what: str,
    reason: str,
    details: dict[str, Any] | None = None,
) -> int:
    """A roster change in the custody ledger: no unit, the officer, who did it and why."""
    return record(
        ctx,
        session,
        actor,
        EventKind.UPDATED,
        None,
        officer_id=officer.id,
        reason=reason or None,
        details={"officer": what, **(details or {})},
    )


def release_primary_of(ctx: Ctx, session: Session, officer: Officer, reason: str) -> str:
    """Unassign the officer's primary camera (it becomes a spare). Returns its tag or ''."""
    unit = session.execute(
        select(Unit).where(Unit.primary_officer_id == officer.id)
    ).scalar_one_or_none()
    if unit is None:
        return ""
    actor = ctx.require(Permission.REASSIGN, "unassign cameras")
    why = f"officer deactivated: {reason}" if reason else "officer deactivated"
    unassign_in(ctx, session, actor, unit, why)
    return unit.asset_tag


def deactivate_officer(
    ctx: Ctx, officer_id: int, reason: str = "", *, release_primary: bool = True
) -> OfficerRow:
    """Take an officer off the active roster: the counter no longer issues to them. An
    officer who still holds a camera may be deactivated only with a reason (they left, are
    suspended...) and stays flagged in the roster until it comes back. ``release_primary``
    makes their primary camera a spare, so that it can go to someone else."""
    actor = ctx.require(Permission.MANAGE_OFFICERS, "deactivate officers")
    reason = clean_text(reason, "reason", limit=500)
    with ctx.db.write() as session:
        officer = session.get(Officer, officer_id)
        if officer is None:
            raise DomainError("That officer no longer exists; refresh the list.")
        if not officer.active:
            raise DomainError(f"{officer_label(officer)} is already inactive.")
        _check_may_deactivate(session, officer, reason)
        officer.active = False
        officer.updated_at = ctx.now()
        identity.officer_written(ctx, session, officer)
        held = _held(session, officer.id)
        _record_roster(
            ctx,
            session,
            actor,
            officer,
            "deactivated",
            reason,
            {"holding": held} if held else None,
        )
        if release_primary:
            release_primary_of(ctx, session, officer, reason)
        session.flush()
        return officer_rows(session, ctx.now(), [officer.id])[0]


def reactivate_officer(ctx: Ctx, officer_id: int, reason: str = "") -> OfficerRow:
    actor = ctx.require(Permission.MANAGE_OFFICERS, "reactivate officers")
    reason = clean_text(reason, "reason", limit=500)
    with ctx.db.write() as session:
        officer = session.get(Officer, officer_id)
        if officer is None:
            raise DomainError("That officer no longer exists; refresh the list.")
        if officer.active:
            raise DomainError(f"{officer_label(officer)} is already active.")
        officer.active = True
        officer.updated_at = ctx.now()
        identity.officer_written(ctx, session, officer)
        _record_roster(ctx, session, actor, officer, "reactivated", reason)
        session.flush()
        return officer_rows(session, ctx.now(), [officer.id])[0]


# --- choices for the officer form -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterChoices:
    """What the officer form offers: the agency's shifts (in order of their start), and the
    divisions and ranks already in the roster."""

    shifts: tuple[str, ...]
    divisions: tuple[str, ...]
    ranks: tuple[str, ...]


def roster_choices(ctx: Ctx) -> RosterChoices:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        shifts = session.execute(select(Shift.name).order_by(Shift.starts)).scalars().all()
        divisions = (
            session.execute(
                select(Officer.division)
                .where(Officer.division != "")
                .distinct()
                .order_by(Officer.division)
            )
            .scalars()
            .all()
        )
        ranks = (
            session.execute(
                select(Officer.rank).where(Officer.rank != "").distinct().order_by(Officer.rank)
            )
            .scalars()
            .all()
        )
        return RosterChoices(tuple(shifts), tuple(divisions), tuple(ranks))


def set_handover_pin(ctx: Ctx, officer_id: int, pin: str) -> OfficerRow:
    """The PIN an officer types at the counter to acknowledge a handover (blank: none)."""
    from bwc_desk.domain.passwords import check_pin
    from bwc_desk.services.auth import hash_secret

    actor = ctx.require(Permission.MANAGE_OFFICERS, "set officers' handover PINs")
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
        # Who set or cleared an officer's PIN matters when a handover is disputed.
        audit.write(
            session,
            station=ctx.station,
            at=ctx.now(),
            actor=actor,
            event=AuditEvent.PIN_SET,
            details={"officer": officer.badge, "officer_id": officer.id, "cleared": not pin},
        )
        return officer_rows(session, ctx.now(), [officer.id])[0]

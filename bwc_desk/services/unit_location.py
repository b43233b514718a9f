"""Where a camera is kept (a cage shelf, a dock room): set with a custody record, so that a
camera's moves between places are in its history like every other change."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.values import clean_text
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.records import record
from bwc_desk.store.models import Dock, Unit

LOCATION_LIMIT = 120


def clean_location(text: str, *, required: bool = True) -> str:
    """A place as people type it, spaces tidied; a place of the wrong shape is refused with
    what to do about it."""
    value = " ".join((text or "").split())
    if len(value) > LOCATION_LIMIT:
        raise ValidationError(
            f"A location is at most {LOCATION_LIMIT} characters (this one has {len(value)}); "
            'shorten it, e.g. "Cage B, shelf 3".'
        )
    try:
        value = clean_text(value, "location", limit=LOCATION_LIMIT)
    except ValidationError:
        raise ValidationError(
            "The location contains a control or text-direction character (pasted from "
            "another program?); type it again as plain text."
        ) from None
    if required and not value:
        raise ValidationError("Say where the camera is (a cage shelf, a dock room...).")
    return value


def same_place(a: str, b: str) -> bool:
    """Locations are typed by people: compared without case and extra spaces."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def set_location_in(
    ctx: Ctx,
    session: Session,
    actor: Actor,
    unit: Unit,
    location: str,
    reason: str = "",
    details: dict[str, object] | None = None,
) -> int | None:
    """Inside the caller's transaction; returns the custody event's seq (None: no change)."""
    location = clean_location(location)
    if unit.location == location:
        return None
    before = unit.location
    unit.location = location
    return record(
        ctx,
        session,
        actor,
        EventKind.RELOCATED,
        unit,
        reason=reason or None,
        details={**(details or {}), "from": before, "to": location},
    )


def set_location(ctx: Ctx, unit_id: int, location: str, reason: str = "") -> str:
    """Record where a camera is kept; returns the location as stored."""
    actor = ctx.require(Permission.MANAGE_UNITS, "change where cameras are kept")
    with ctx.db.write() as session:
        unit = session.get(Unit, unit_id, with_for_update=True)
        if unit is None:
            raise DomainError("That camera no longer exists; refresh the list.")
        set_location_in(ctx, session, actor, unit, location, reason)
        return unit.location


def known_locations(ctx: Ctx) -> list[str]:
    """Every place a camera is kept or a dock stands, for pickers (one spelling each)."""
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        names = list(session.execute(select(Unit.location).distinct()).scalars())
        names += list(session.execute(select(Dock.location).distinct()).scalars())
    seen: dict[str, str] = {}
    for name in names:
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    return sorted(seen.values(), key=str.casefold)


def set_locations(ctx: Ctx, moves: Sequence[tuple[int, str]], reason: str = "") -> int:
    """Record several cameras' places at once (an audit's "keep them where they were
    seen"), one custody record each, in one transaction; returns how many changed."""
    actor = ctx.require(Permission.MANAGE_UNITS, "change where cameras are kept")
    cleaned = [(unit_id, clean_location(where)) for unit_id, where in moves]
    changed = 0
    with ctx.db.write() as session:
        for unit_id, where in cleaned:
            unit = session.get(Unit, unit_id, with_for_update=True)
            if unit is None:
                raise DomainError("One of those cameras no longer exists; refresh the list.")
            if set_location_in(ctx, session, actor, unit, where, reason) is not None:
                changed += 1
    return changed


def move_units(ctx: Ctx, unit_ids: Sequence[int], location: str, reason: str = "") -> int:
    """Put the selected cameras at one place (Inventory's Move...): one transaction, one
    custody record per camera that moves (none for a camera already there); returns how
    many moved. A place of the wrong shape, or a camera gone meanwhile, changes nothing."""
    actor = ctx.require(Permission.MANAGE_UNITS, "change where cameras are kept")
    where = clean_location(location)
    reason = clean_text(reason, "reason", limit=500)
    wanted = sorted(set(unit_ids))
    if not wanted:
        raise ValidationError("Select at least one camera to move.")
    with ctx.db.write() as session:
        units = list(
            session.execute(
                # Locked in id order (on PostgreSQL), as the other bulk changes lock them.
                select(Unit).where(Unit.id.in_(wanted)).order_by(Unit.id).with_for_update()
            ).scalars()
        )
        if len(units) != len(wanted):
            raise DomainError(
                f"{len(wanted) - len(units)} of the selected cameras no longer exist; "
                "refresh the list. Nothing was moved."
            )
        units.sort(key=lambda u: u.asset_tag)
        return sum(
            set_location_in(ctx, session, actor, unit, where, reason) is not None
            for unit in units
        )

"""Assignments: officers' primary cameras and pools of shared cameras."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.units import UnitStatus
from bwc_desk.domain.values import clean_text
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.dto import UnitRow
from bwc_desk.services.inventory import unit_row
from bwc_desk.services.records import get_unit, officer_label, record
from bwc_desk.store import queries
from bwc_desk.store.models import Officer, Pool, Unit


@dataclass(frozen=True, slots=True)
class PoolRow:
    id: int
    name: str
    division: str
    shift: str
    units: int


_GONE = (UnitStatus.RETIRED.value, UnitStatus.LOST.value, UnitStatus.STOLEN.value)


def assign_primary_in(
    ctx: Ctx, session: Session, actor: Actor, unit: Unit, officer: Officer, reason: str = ""
) -> bool:
    """Make ``unit`` the officer's primary camera. Returns False if it already was."""
    if unit.status in _GONE:
        raise DomainError(
            f"{unit.asset_tag} is {unit.status}; it cannot be assigned to {officer_label(officer)}."
        )
    if not officer.active:
        raise DomainError(
            f"{officer_label(officer)} is not active; {unit.asset_tag} was not assigned."
        )
    if unit.primary_officer_id == officer.id:
        return False
    current = session.execute(
        select(Unit).where(Unit.primary_officer_id == officer.id)
    ).scalar_one_or_none()
    if current is not None:
        release_primary(ctx, session, actor, current, reason or f"replaced by {unit.asset_tag}")
    release_primary(ctx, session, actor, unit, reason or f"reassigned to {officer_label(officer)}")
    if unit.pool_id is not None:
        record(
            ctx,
            session,
            actor,
            EventKind.UNPOOLED,
            unit,
            reason=reason or "assigned",
            details={"pool_id": unit.pool_id},
        )
        unit.pool_id = None
    session.flush()  # the old owner's link goes before the new one (unique index)
    unit.primary_officer_id = officer.id
    record(
        ctx, session, actor, EventKind.ASSIGNED, unit, officer_id=officer.id, reason=reason or None
    )
    return True


def assign_primary(ctx: Ctx, unit_code: str, officer_id: int, reason: str = "") -> UnitRow:
    actor = ctx.require(Permission.REASSIGN, "assign cameras")
    with ctx.db.write() as session:
        unit = get_unit(session, unit_code, lock=True)
        officer = session.get(Officer, officer_id)
        if officer is None:
            raise DomainError("That officer no longer exists; refresh the list.")
        assign_primary_in(ctx, session, actor, unit, officer, clean_text(reason, "reason"))
        session.flush()
        return unit_row(queries.unit_rows(session, [unit.id])[0])


def release_primary(
    ctx: Ctx, session: Session, actor: Actor, unit: Unit, reason: str = ""
) -> bool:
    """``unit`` stops being its officer's primary camera, with an UNASSIGNED custody record
    naming that officer. Returns False if it was nobody's."""
    officer_id = unit.primary_officer_id
    if officer_id is None:
        return False
    unit.primary_officer_id = None
    record(
        ctx,
        session,
        actor,
        EventKind.UNASSIGNED,
        unit,
        officer_id=officer_id,
        reason=reason or None,
    )
    return True


def unassign_in(ctx: Ctx, session: Session, actor: Actor, unit: Unit, reason: str = "") -> bool:
    """Take ``unit`` away from its officer and out of its pool. Returns False if it was
    neither assigned nor pooled."""
    changed = release_primary(ctx, session, actor, unit, reason)
    if unit.pool_id is not None:
        pool_id = unit.pool_id
        unit.pool_id = None
        record(
            ctx,
            session,
            actor,
            EventKind.UNPOOLED,
            unit,
            reason=reason or None,
            details={"pool_id": pool_id},
        )
        changed = True
    return changed


def unassign(ctx: Ctx, unit_code: str, reason: str = "") -> UnitRow:
    actor = ctx.require(Permission.REASSIGN, "unassign cameras")
    with ctx.db.write() as session:
        unit = get_unit(session, unit_code, lock=True)
        if not unassign_in(ctx, session, actor, unit, clean_text(reason, "reason")):
            raise DomainError(f"{unit.asset_tag} is not assigned to anyone or any pool.")
        session.flush()
        return unit_row(queries.unit_rows(session, [unit.id])[0])


def list_pools(ctx: Ctx) -> list[PoolRow]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        counts = dict(
            session.execute(
                select(Unit.pool_id, func.count())
                .where(Unit.pool_id.is_not(None))
                .group_by(Unit.pool_id)
            ).all()
        )
        return [
            PoolRow(p.id, p.name, p.division, p.shift, counts.get(p.id, 0))
            for p in session.execute(select(Pool).order_by(Pool.name)).scalars()
        ]


def create_pool(ctx: Ctx, name: str, division: str = "", shift: str = "") -> PoolRow:
    ctx.require(Permission.REASSIGN, "create pools")
    name = clean_text(name, "pool name", required=True, limit=80)
    with ctx.db.write() as session:
        if session.execute(select(Pool.id).where(func.lower(Pool.name) == name.lower())).first():
            raise ValidationError(f"There is already a pool called {name!r}.")
        pool = Pool(
            name=name,
            division=clean_text(division, "division", limit=80),
            shift=clean_text(shift, "shift", limit=40),
        )
        session.add(pool)
        session.flush()
        return PoolRow(pool.id, pool.name, pool.division, pool.shift, 0)


def put_in_pool_in(
    ctx: Ctx, session: Session, actor: Actor, unit: Unit, pool: Pool, reason: str = ""
) -> bool:
    if unit.status in _GONE:
        raise DomainError(f"{unit.asset_tag} is {unit.status}; it cannot join pool {pool.name}.")
    if unit.pool_id == pool.id:
        return False
    release_primary(ctx, session, actor, unit, reason or f"moved to pool {pool.name}")
    unit.pool_id = pool.id
    record(
        ctx,
        session,
        actor,
        EventKind.POOLED,
        unit,
        reason=reason or None,
        details={"pool_id": pool.id, "pool": pool.name},
    )
    return True


def put_in_pool(ctx: Ctx, unit_ids: Sequence[int], pool_id: int, reason: str = "") -> int:
    """Put units in a pool, all in one transaction. Returns how many changed."""
    actor = ctx.require(Permission.REASSIGN, "put cameras in a pool")
    with ctx.db.write() as session:
        pool = session.get(Pool, pool_id)
        if pool is None:
            raise DomainError("That pool no longer exists; refresh the list.")
        wanted = set(unit_ids)
        # Locked (on PostgreSQL) in one order, so that no other station issues or retires
        # one of them between the check and the write, and two bulk actions cannot deadlock.
        units = list(
            session.execute(
                select(Unit).where(Unit.id.in_(wanted)).order_by(Unit.id).with_for_update()
            ).scalars()
        )
        if len(units) != len(wanted):
            raise DomainError("A selected unit no longer exists; nothing was changed.")
        gone = [u for u in sorted(units, key=lambda u: u.asset_tag) if u.status in _GONE]
        if gone:
            raise DomainError(
                f"Nothing was changed: {len(gone)} of the {len(units)} selected cameras cannot "
                f"join pool {pool.name}.\n"
                + "\n".join(f"- {u.asset_tag} is {u.status}" for u in gone[:10])
                + (f"\n- and {len(gone) - 10} more" if len(gone) > 10 else "")
                + "\nTake them out of the selection and try again."
            )
        why = clean_text(reason, "reason")
        changed = 0
        for unit in sorted(units, key=lambda u: u.asset_tag):
            changed += put_in_pool_in(ctx, session, actor, unit, pool, why)
        return changed


def remove_from_pool(ctx: Ctx, unit_ids: Sequence[int], reason: str = "") -> int:
    """Take units out of their pools (they become spares), all in one transaction. Units in
    no pool are skipped; returns how many changed."""
    actor = ctx.require(Permission.REASSIGN, "take cameras out of a pool")
    reason = clean_text(reason, "reason")
    with ctx.db.write() as session:
        units = (
            session.execute(
                select(Unit).where(Unit.id.in_(list(unit_ids))).order_by(Unit.id).with_for_update()
            )
            .scalars()
            .all()
        )
        if len(units) != len(set(unit_ids)):
            raise DomainError("A selected unit no longer exists; nothing was changed.")
        pooled = [u for u in units if u.pool_id is not None]
        if not pooled:
            raise DomainError("None of the selected cameras is in a pool; nothing was changed.")
        names = {pid: name for pid, name in session.execute(select(Pool.id, Pool.name))}
        for unit in sorted(pooled, key=lambda u: u.asset_tag):
            pool_id = unit.pool_id
            unit.pool_id = None
            record(
                ctx,
                session,
                actor,
                EventKind.UNPOOLED,
                unit,
                reason=reason or None,
                details={"pool_id": pool_id, "pool": names.get(pool_id or 0, "")},
            )
        return len(pooled)


def swap_primaries(
    ctx: Ctx, officer_a_id: int, officer_b_id: int, reason: str = ""
) -> tuple[UnitRow, UnitRow]:
    """Two officers exchange their primary cameras, in one transaction: each camera gets an
    UNASSIGNED and an ASSIGNED custody record. Returns the two units as they are now."""
    actor = ctx.require(Permission.REASSIGN, "swap cameras")
    reason = clean_text(reason, "reason")
    if officer_a_id == officer_b_id:
        raise ValidationError("Pick two different officers to swap their cameras.")
    with ctx.db.write() as session:
        a = session.get(Officer, officer_a_id)
        b = session.get(Officer, officer_b_id)
        if a is None or b is None:
            raise DomainError("One of the officers no longer exists; refresh the list.")
        owned = {
            u.primary_officer_id: u
            for u in session.execute(
                select(Unit).where(Unit.primary_officer_id.in_([a.id, b.id]))
            ).scalars()
        }
        unit_a, unit_b = owned.get(a.id), owned.get(b.id)
        if unit_a is None or unit_b is None:
            missing = [officer_label(o) for o, u in ((a, unit_a), (b, unit_b)) if u is None]
            verb = "has" if len(missing) == 1 else "have"
            raise DomainError(
                f"{' and '.join(missing)} {verb} no primary camera, so there is nothing to "
                "swap; nothing was changed. Use Assign to give an officer a camera."
            )
        for officer in (a, b):
            if not officer.active:
                raise DomainError(
                    f"{officer_label(officer)} is not active; the cameras were not swapped."
                )
        for unit in (unit_a, unit_b):
            if unit.status in _GONE:
                raise DomainError(f"{unit.asset_tag} is {unit.status}; it cannot be swapped.")
        why = reason or f"swap {unit_a.asset_tag} <-> {unit_b.asset_tag}"
        # Both links go before either new one: the database allows one primary per officer.
        unit_a.primary_officer_id = None
        unit_b.primary_officer_id = None
        session.flush()
        for unit, old, new, other in ((unit_a, a, b, unit_b), (unit_b, b, a, unit_a)):
            record(ctx, session, actor, EventKind.UNASSIGNED, unit, officer_id=old.id, reason=why)
            unit.primary_officer_id = new.id
            record(
                ctx,
                session,
                actor,
                EventKind.ASSIGNED,
                unit,
                officer_id=new.id,
                reason=why,
                details={
                    "swapped_for": other.asset_tag,
                    "from_officer_id": old.id,
                    "from_officer": officer_label(old),
                },
            )
        session.flush()
        rows = {r[0]: unit_row(r) for r in queries.unit_rows(session, [unit_a.id, unit_b.id])}
        return rows[unit_a.id], rows[unit_b.id]

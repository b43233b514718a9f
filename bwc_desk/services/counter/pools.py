"""Pools at the counter: whose camera a pool camera may be, and the next ready spare.

A pool for a division (or a shift) lends its cameras to the officers of that division (or
shift) only; a supervisor may override, and the override is recorded. A pool with neither is
the agency's, open to all.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.domain.units import UnitStatus
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter.common import _label, _unit
from bwc_desk.services.dto import UnitRow
from bwc_desk.services.readiness import known_ready
from bwc_desk.services.settings import AgencySettings
from bwc_desk.store.models import Officer, Pool, Unit

CANDIDATES = 500


def _same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


def pool_allows(pool: Pool, officer: Officer) -> bool:
    if pool.division.strip() and not _same(pool.division, officer.division):
        return False
    return not (pool.shift.strip() and not _same(pool.shift, officer.shift))


def pool_label(pool: Pool) -> str:
    scope = [
        f"{name} {value.strip()}"
        for name, value in (("division", pool.division), ("shift", pool.shift))
        if value.strip()
    ]
    return f"{pool.name} ({', '.join(scope)})" if scope else pool.name


def pool_conflict(session: Session, officer: Officer, unit: Unit) -> tuple[str, Pool | None]:
    """('', pool) when the officer may have this camera; else the refusal and the pool."""
    if unit.pool_id is None:
        return "", None
    pool = session.get(Pool, unit.pool_id)
    if pool is None or pool_allows(pool, officer):
        return "", pool
    officer_is = ", ".join(
        f"{name} {value}" if value.strip() else f"no {name}"
        for name, value in (("division", officer.division), ("shift", officer.shift))
    )
    return (
        f"{unit.asset_tag} belongs to the {pool_label(pool)}; {_label(officer)} is of "
        f"{officer_is}. Pick a camera of the officer's own pool or an agency spare, or have a "
        "supervisor override.",
        pool,
    )


def next_ready_spare(
    ctx: Ctx, session: Session, settings: AgencySettings, officer: Officer, exclude: int
) -> UnitRow | None:
    """The camera to offer instead: first one of the officer's own pool (division or
    shift), then the agency's (spares nobody owns, agency-wide pools); never another
    division's or shift's pool, and never a camera whose readiness no dock has reported."""
    pools = {p.id: p for p in session.execute(select(Pool)).scalars()}
    own = {
        pid
        for pid, p in pools.items()
        if (p.division.strip() or p.shift.strip()) and pool_allows(p, officer)
    }
    agency = {pid for pid, p in pools.items() if not (p.division.strip() or p.shift.strip())}
    rows = session.execute(
        select(Unit.id, Unit.pool_id)
        .where(
            Unit.status == UnitStatus.AVAILABLE.value,
            Unit.primary_officer_id.is_(None),
            Unit.id != exclude,
        )
        .order_by(Unit.asset_tag)
        .limit(CANDIDATES)
    ).all()
    first = [uid for uid, pid in rows if pid in own]
    then = [uid for uid, pid in rows if pid is None or pid in agency]
    now = ctx.now()
    for unit_id in first + then:
        if known_ready(session, unit_id, now, settings.min_battery_pct):
            return _unit(session, unit_id)
    return None

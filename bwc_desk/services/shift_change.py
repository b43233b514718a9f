"""Shift change: the supervisor's board for a handover between two shifts, one camera given
to one incoming officer, and (in ``reassignment``, re-exported here) the batch reassignment
of the outgoing shift's primary cameras to incoming officers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.shifts import handover_at, shift_window
from bwc_desk.domain.units import UnitStatus
from bwc_desk.domain.values import clean_text
from bwc_desk.services.assignments import assign_primary_in
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter import checkout_row
from bwc_desk.services.dto import CheckoutRow, OfficerRow, UnitRow, person_name
from bwc_desk.services.inventory import unit_row
from bwc_desk.services.officers import officer_rows
from bwc_desk.services.readiness import gates_for
from bwc_desk.services.reassignment import (  # the batch, re-exported
    Candidate,
    CommitResult,
    DivisionPools,
    Move,
    Proposal,
    ProposalRefused,
    ProposedMove,
    _same,
    commit_question,
    commit_reassignment,
    default_reason,
    division_pools,
    pair_units,
    pool_refusal,
    pool_user_refusal,
    propose_reassignment,
    recheck_proposal,
)
from bwc_desk.services.records import get_unit, officer_label
from bwc_desk.services.settings import ordered_shifts, read_settings
from bwc_desk.store import queries
from bwc_desk.store.models import Officer, Pool, Unit

__all__ = [
    "Candidate",
    "CommitResult",
    "DivisionPools",
    "Move",
    "Proposal",
    "ProposalRefused",
    "ProposedMove",
    "ReadyKind",
    "ReadyUnit",
    "ShiftBoard",
    "ShiftChoices",
    "assign_at_handover",
    "board",
    "commit_question",
    "commit_reassignment",
    "default_reason",
    "handover_at",
    "pair_units",
    "pool_refusal",
    "pool_user_refusal",
    "propose_reassignment",
    "recheck_proposal",
    "shift_choices",
]

# --- which shifts ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShiftChoices:
    """The agency's shifts in order of their start, and the handover happening around now."""

    names: tuple[str, ...]
    outgoing: str
    incoming: str
    incoming_starts: datetime | None = None  # when the incoming shift starts (UTC)


def shift_choices(ctx: Ctx) -> ShiftChoices:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        specs = ordered_shifts(session)
    outgoing, incoming = handover_at(specs, ctx.now(), ctx.zone)
    starts = next(
        (shift_window(s, ctx.now(), ctx.zone)[0] for s in specs if s.name == incoming), None
    )
    return ShiftChoices(tuple(s.name for s in specs), outgoing, incoming, starts)


# --- the board ------------------------------------------------------------------------------


class ReadyKind:
    PRIMARY = "primary"  # the primary camera of an incoming officer
    POOL = "pool"  # in a pool for every shift, or for the incoming one
    SPARE = "spare"  # nobody's primary, in no pool


@dataclass(frozen=True, slots=True)
class ReadyUnit:
    """An available camera that could go out with the incoming shift."""

    id: int
    asset_tag: str
    model: str
    kind: str
    owner_id: int | None = None  # the officer (primary) or the pool
    owner: str = ""  # "Smith, John (0412)" or the pool's name
    ready: bool = True
    not_ready: str = ""  # the readiness gate's reasons, when not ready
    division: str = ""  # a pool camera: the pool's division (it goes only to its officers)

    @property
    def assignee(self) -> str:
        if self.kind == ReadyKind.PRIMARY:
            return f"Primary of {self.owner}"
        if self.kind == ReadyKind.POOL:
            return f"Pool: {self.owner}"
        return "Spare"


@dataclass(frozen=True, slots=True)
class ShiftBoard:
    outgoing: str
    incoming: str
    still_out: tuple[CheckoutRow, ...]  # officers of the outgoing shift holding a camera
    units: tuple[ReadyUnit, ...]  # ready first; those the dock holds back after
    incoming_officers: tuple[OfficerRow, ...]  # active officers of the incoming shift
    # Incoming officers who use their division's pool: officer id -> the pool's name.
    pool_of: dict[int, str] = field(default_factory=dict)

    @property
    def ready_count(self) -> int:
        return sum(1 for u in self.units if u.ready)


_AVAILABLE = (
    select(
        Unit.id,
        Unit.asset_tag,
        Unit.model,
        Unit.primary_officer_id,
        Officer.last_name,
        Officer.first_name,
        Officer.badge,
        Officer.shift,
        Officer.active,
        Unit.pool_id,
        Pool.name,
        Pool.shift,
        Pool.division,
    )
    .outerjoin(Officer, Officer.id == Unit.primary_officer_id)
    .outerjoin(Pool, Pool.id == Unit.pool_id)
    .where(Unit.status == UnitStatus.AVAILABLE.value)
    .order_by(Unit.asset_tag)
)


def board(ctx: Ctx, outgoing: str, incoming: str) -> ShiftBoard:
    """What a supervisor looks at during a handover from ``outgoing`` to ``incoming``."""
    ctx.require(Permission.READ)
    now = ctx.now()
    with ctx.db.read() as session:
        min_battery = read_settings(session).min_battery_pct
        still_out = tuple(
            checkout_row(r)
            for r in queries.open_checkouts(session)
            if _same(r.shift or "", outgoing)
        )
        ready: list[ReadyUnit] = []
        held_back: list[ReadyUnit] = []
        candidates: list[ReadyUnit] = []
        for r in session.execute(_AVAILABLE):
            (uid, tag, model, primary_id, last, first, badge, o_shift, active) = r[:9]
            pool_id, pool_name, pool_shift, pool_division = r[9:]
            if primary_id is not None:
                if not (active and _same(o_shift, incoming)):
                    continue
                unit = ReadyUnit(
                    uid,
                    tag,
                    model,
                    ReadyKind.PRIMARY,
                    primary_id,
                    f"{person_name(last, first)} ({badge})",
                )
            elif pool_id is not None:
                if pool_shift and not _same(pool_shift, incoming):
                    continue
                unit = ReadyUnit(
                    uid, tag, model, ReadyKind.POOL, pool_id, pool_name, division=pool_division
                )
            else:
                unit = ReadyUnit(uid, tag, model, ReadyKind.SPARE)
            candidates.append(unit)
        gates = gates_for(session, [u.id for u in candidates], now, min_battery)
        for unit in candidates:
            gate = gates[unit.id]
            if gate.ready:
                ready.append(unit)
            else:
                held_back.append(
                    ReadyUnit(
                        unit.id,
                        unit.asset_tag,
                        unit.model,
                        unit.kind,
                        unit.owner_id,
                        unit.owner,
                        False,
                        gate.describe(),
                        unit.division,
                    )
                )
        officers = tuple(
            o for o in officer_rows(session, now) if o.active and _same(o.shift, incoming)
        )
        pools = division_pools(session)
        pool_of = {
            o.id: uses
            for o in officers
            if not o.primary_unit and (uses := pools.of(o.division, o.shift))
        }
        return ShiftBoard(
            outgoing, incoming, still_out, tuple(ready + held_back), officers, pool_of
        )


def assign_at_handover(ctx: Ctx, unit_code: str, officer_id: int, reason: str = "") -> UnitRow:
    """Make the camera the officer's primary camera, from the shift-change board: as
    ``assignments.assign_primary``, and also refused when it would take an officer's own
    camera for someone who uses their division's pool, or move a pool's camera out of the
    pool's division."""
    actor = ctx.require(Permission.REASSIGN, "assign cameras")
    reason = clean_text(reason, "reason")
    with ctx.db.write() as session:
        unit = get_unit(session, unit_code, lock=True)
        officer = session.get(Officer, officer_id)
        if officer is None:
            raise DomainError("That officer no longer exists; refresh the board.")
        label = officer_label(officer)
        why = ""
        if unit.pool_id is not None:
            pool = session.get(Pool, unit.pool_id)
            if pool is not None:
                why = pool_refusal(
                    pool.name, pool.division, unit.asset_tag, label, officer.division
                )
        elif unit.primary_officer_id not in (None, officer.id):
            uses = division_pools(session).of(officer.division, officer.shift)
            why = pool_user_refusal(uses, label)
        if why:
            raise DomainError(f"{why[0].upper()}{why[1:]}. Nothing was changed.")
        assign_primary_in(ctx, session, actor, unit, officer, reason)
        session.flush()
        return unit_row(queries.unit_rows(session, [unit.id])[0])

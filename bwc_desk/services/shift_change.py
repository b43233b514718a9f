"""Shift change: the supervisor's board for a handover between two shifts, and the batch
reassignment of the outgoing shift's primary cameras to incoming officers.

The batch is two steps. ``propose_reassignment`` builds a proposal (plain data, nothing
written) that the supervisor reviews and edits; ``commit_reassignment`` applies the edited
moves in one transaction, or refuses all of them, naming each row that is no longer valid.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.shifts import handover_at, shift_window
from bwc_desk.domain.units import UnitStatus
from bwc_desk.domain.values import clean_text
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter import checkout_row
from bwc_desk.services.dto import CheckoutRow, OfficerRow, person_name
from bwc_desk.services.officers import officer_rows
from bwc_desk.services.readiness import gates_for
from bwc_desk.services.records import record
from bwc_desk.services.settings import ordered_shifts, read_settings
from bwc_desk.store import queries
from bwc_desk.store.models import Checkout, Officer, Pool, Unit

# Keeps IN (...) lists under every database's limit on bound parameters.
_CHUNK = 5000


def default_reason(outgoing: str, incoming: str) -> str:
    return f"shift change {outgoing} -> {incoming}"


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
    )
    .outerjoin(Officer, Officer.id == Unit.primary_officer_id)
    .outerjoin(Pool, Pool.id == Unit.pool_id)
    .where(Unit.status == UnitStatus.AVAILABLE.value)
    .order_by(Unit.asset_tag)
)


def _same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


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
            pool_id, pool_name, pool_shift = r[9:]
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
                unit = ReadyUnit(uid, tag, model, ReadyKind.POOL, pool_id, pool_name)
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
                    )
                )
        officers = tuple(
            o for o in officer_rows(session, now) if o.active and _same(o.shift, incoming)
        )
        return ShiftBoard(outgoing, incoming, still_out, tuple(ready + held_back), officers)


# --- the proposal ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Move:
    """One reassignment as committed: the unit leaves ``from_officer_id`` (its primary
    officer when the proposal was made) for ``to_officer_id``."""

    unit_id: int
    from_officer_id: int | None
    to_officer_id: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """An incoming officer a camera may go to."""

    id: int
    label: str
    division: str


@dataclass(frozen=True, slots=True)
class ProposedMove:
    unit_id: int
    asset_tag: str
    from_officer_id: int | None
    from_officer: str
    from_division: str
    to_officer_id: int
    to_officer: str
    to_division: str

    @property
    def id(self) -> int:
        return self.unit_id

    @property
    def same_division(self) -> bool:
        return bool(self.from_division) and _same(self.from_division, self.to_division)

    def move(self) -> Move:
        return Move(self.unit_id, self.from_officer_id, self.to_officer_id)

    def to(self, candidate: Candidate) -> ProposedMove:
        return ProposedMove(
            self.unit_id,
            self.asset_tag,
            self.from_officer_id,
            self.from_officer,
            self.from_division,
            candidate.id,
            candidate.label,
            candidate.division,
        )


@dataclass(frozen=True, slots=True)
class Proposal:
    outgoing: str
    incoming: str
    reason: str
    moves: tuple[ProposedMove, ...]
    candidates: tuple[Candidate, ...]  # every incoming officer without a camera
    still_out: tuple[str, ...]  # outgoing primaries not proposed: still out with the officer
    unpaired: tuple[str, ...]  # outgoing primaries left where they are: nobody left to take them


@dataclass(frozen=True, slots=True)
class _Source:
    unit_id: int
    asset_tag: str
    officer_id: int
    officer: str
    division: str


def pair_units(
    units: Sequence[_Source], officers: Sequence[Candidate]
) -> list[tuple[_Source, Candidate]]:
    """The pairing rule, in two passes over units in the order given (by asset tag) and
    officers in the order given (by name):

    1. Same division first: each unit goes to the first officer not yet paired whose
       division is the unit's outgoing officer's division (blank divisions match nothing).
    2. Then any: units still unpaired go, in order, to the officers still unpaired, in order,
       whatever their division.

    Units left over stay with their officers; officers left over get nothing. Deterministic,
    so the same roster gives the same proposal on every station.
    """
    by_division: dict[str, deque[int]] = defaultdict(deque)
    for i, officer in enumerate(officers):
        if officer.division.strip():
            by_division[officer.division.strip().lower()].append(i)
    taken = [False] * len(officers)
    pairs: list[tuple[_Source, Candidate] | None] = [None] * len(units)
    deferred: list[int] = []
    for u, unit in enumerate(units):
        queue = by_division.get(unit.division.strip().lower()) if unit.division.strip() else None
        while queue and taken[queue[0]]:
            queue.popleft()
        if queue:
            i = queue.popleft()
            taken[i] = True
            pairs[u] = (unit, officers[i])
        else:
            deferred.append(u)
    free = (i for i in range(len(officers)) if not taken[i])
    for u in deferred:
        i_next = next(free, None)
        if i_next is None:
            break
        taken[i_next] = True
        pairs[u] = (units[u], officers[i_next])
    return [p for p in pairs if p is not None]


def propose_reassignment(ctx: Ctx, outgoing: str, incoming: str) -> Proposal:
    """Pair the outgoing shift's primary cameras with the incoming shift's officers who have
    none (``pair_units`` says how). Writes nothing."""
    ctx.require(Permission.READ)
    if _same(outgoing, incoming):
        raise ValidationError("Pick two different shifts: the outgoing and the incoming one.")
    with ctx.db.read() as session:
        sources: list[_Source] = []
        still_out: list[str] = []
        rows = session.execute(
            select(
                Unit.id,
                Unit.asset_tag,
                Unit.status,
                Officer.id,
                Officer.last_name,
                Officer.first_name,
                Officer.badge,
                Officer.division,
                Officer.shift,
            )
            .join(Officer, Officer.id == Unit.primary_officer_id)
            .order_by(Unit.asset_tag)
        )
        with_camera: set[int] = set()
        for uid, tag, status, oid, last, first, badge, division, o_shift in rows:
            with_camera.add(oid)
            if not _same(o_shift, outgoing):
                continue
            label = f"{person_name(last, first)} ({badge})"
            if status == UnitStatus.ISSUED.value:
                still_out.append(f"{tag} ({label})")
            elif status == UnitStatus.AVAILABLE.value:
                sources.append(_Source(uid, tag, oid, label, division))
        candidates = [
            Candidate(oid, f"{person_name(last, first)} ({badge})", division)
            for oid, last, first, badge, division, o_shift in session.execute(
                select(
                    Officer.id,
                    Officer.last_name,
                    Officer.first_name,
                    Officer.badge,
                    Officer.division,
                    Officer.shift,
                )
                .where(Officer.active.is_(True))
                .order_by(Officer.last_name, Officer.first_name, Officer.badge)
            )
            if oid not in with_camera and _same(o_shift, incoming)
        ]
    pairs = pair_units(sources, candidates)
    paired = {unit.unit_id for unit, _officer in pairs}
    reason = default_reason(outgoing, incoming)
    moves = tuple(
        ProposedMove(
            unit.unit_id,
            unit.asset_tag,
            unit.officer_id,
            unit.officer,
            unit.division,
            officer.id,
            officer.label,
            officer.division,
        )
        for unit, officer in pairs
    )
    return Proposal(
        outgoing,
        incoming,
        reason,
        moves,
        tuple(candidates),
        tuple(still_out),
        tuple(f"{s.asset_tag} ({s.officer})" for s in sources if s.unit_id not in paired),
    )


# --- committing -----------------------------------------------------------------------------


class ProposalRefused(DomainError):
    """Some moves are no longer valid; nothing was written. ``problems`` holds
    (unit id, what is wrong) for each such row, so that the UI can mark them."""

    def __init__(self, message: str, problems: Sequence[tuple[int, str]]) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class CommitResult:
    moved: int
    first_seq: int
    last_seq: int
    message: str


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


@dataclass(frozen=True, slots=True)
class _Person:
    id: int
    active: bool
    label: str


def _load(session: Session, moves: Sequence[Move]) -> tuple[Any, ...]:
    """Everything the checks need, in a few queries whatever the batch size: the units
    (their ORM objects stay in the session for the update), the officers, the primaries the
    targets have now, and who holds any unit that is out."""
    unit_ids = sorted({m.unit_id for m in moves})
    target_ids = sorted({m.to_officer_id for m in moves})
    units: dict[int, Unit] = {}
    for chunk in _chunks(unit_ids):
        units.update(
            (u.id, u) for u in session.execute(select(Unit).where(Unit.id.in_(chunk))).scalars()
        )
    target_primary: dict[int, tuple[int, str]] = {}
    for chunk in _chunks(target_ids):
        for uid, tag, oid in session.execute(
            select(Unit.id, Unit.asset_tag, Unit.primary_officer_id).where(
                Unit.primary_officer_id.in_(chunk)
            )
        ):
            if oid is not None:
                target_primary[oid] = (uid, tag)
    holders: dict[int, int] = {}
    for chunk in _chunks(unit_ids):
        for unit_id, officer_id in session.execute(
            select(Checkout.unit_id, Checkout.officer_id).where(
                Checkout.unit_id.in_(chunk), Checkout.returned_at.is_(None)
            )
        ):
            holders[unit_id] = officer_id
    officer_ids = sorted(
        {m.to_officer_id for m in moves}
        | {m.from_officer_id for m in moves if m.from_officer_id is not None}
        | {u.primary_officer_id for u in units.values() if u.primary_officer_id is not None}
        | set(holders.values())
    )
    # Officers as plain rows, not ORM objects: every custody record's statements have the
    # session look through its identity map, so it should hold only what changes (the units).
    officers: dict[int, _Person] = {}
    for chunk in _chunks(officer_ids):
        for oid, active, last, first, badge in session.execute(
            select(
                Officer.id, Officer.active, Officer.last_name, Officer.first_name, Officer.badge
            ).where(Officer.id.in_(chunk))
        ):
            officers[oid] = _Person(oid, bool(active), f"{person_name(last, first)} ({badge})")
    return units, officers, target_primary, holders


def _from(officer_id: int | None, officers: dict[int, _Person]) -> dict[str, Any]:
    """Whose camera it was, by id (for tools) and by name (for people reading the history)."""
    person = officers.get(officer_id) if officer_id is not None else None
    return {"from_officer_id": officer_id, "from_officer": person.label if person else None}


def _problems(
    moves: Sequence[Move],
    units: dict[int, Unit],
    officers: dict[int, _Person],
    target_primary: dict[int, tuple[int, str]],
    holders: dict[int, int],
) -> list[tuple[int, str]]:
    def who(officer_id: int | None) -> str:
        officer = officers.get(officer_id) if officer_id is not None else None
        return officer.label if officer is not None else "nobody"

    moving = {m.unit_id for m in moves}
    unit_row: dict[int, int] = {}
    target_row: dict[int, int] = {}
    problems: list[tuple[int, str]] = []
    for n, m in enumerate(moves, start=1):
        unit = units.get(m.unit_id)
        if unit is None:
            problems.append((m.unit_id, f"row {n}: that camera no longer exists"))
            continue
        tag = unit.asset_tag
        target = officers.get(m.to_officer_id)
        wrong = ""
        if m.unit_id in unit_row:
            wrong = f"{tag} is also in row {unit_row[m.unit_id]}"
        elif unit.status == UnitStatus.ISSUED.value:
            wrong = f"{tag} was issued to {who(holders.get(unit.id))} meanwhile"
        elif unit.status != UnitStatus.AVAILABLE.value:
            wrong = f"{tag} is {unit.status} now"
        elif unit.primary_officer_id != m.from_officer_id:
            wrong = (
                f"{tag} is no longer the primary camera of {who(m.from_officer_id)} "
                f"(now: {who(unit.primary_officer_id)})"
            )
        elif target is None:
            wrong = f"the officer chosen for {tag} no longer exists"
        elif not target.active:
            wrong = f"{target.label} is not active"
        elif m.to_officer_id == m.from_officer_id:
            wrong = f"{tag} would stay with {target.label}"
        elif m.to_officer_id in target_row:
            wrong = (
                f"{target.label} would also get a camera in row "
                f"{target_row[m.to_officer_id]}; an officer has one primary camera"
            )
        elif m.to_officer_id in target_primary and target_primary[m.to_officer_id][0] not in moving:
            wrong = (
                f"{target.label} already has {target_primary[m.to_officer_id][1]} as primary camera"
            )
        unit_row.setdefault(m.unit_id, n)
        target_row.setdefault(m.to_officer_id, n)
        if wrong:
            problems.append((m.unit_id, f"row {n}: {wrong}"))
    return problems


def commit_reassignment(ctx: Ctx, moves: Sequence[Move], reason: str) -> CommitResult:
    """Apply every move in one transaction, or none: each unit leaves its officer (an
    UNASSIGNED custody record) and becomes the primary camera of the new one (ASSIGNED),
    both naming the supervisor and the reason. If any move is no longer valid (the unit was
    issued or reassigned meanwhile, the officer deactivated or given another camera),
    ``ProposalRefused`` names every such row and nothing is written."""
    actor = ctx.require(Permission.REASSIGN, "reassign cameras at shift change")
    reason = clean_text(reason, "reason", required=True, limit=500)
    if not moves:
        raise ValidationError("The proposal has no rows left; there is nothing to commit.")
    with ctx.db.write() as session:
        units, officers, target_primary, holders = _load(session, moves)
        problems = _problems(moves, units, officers, target_primary, holders)
        if problems:
            shown = "\n".join(text for _uid, text in problems[:12])
            more = f"\n... and {len(problems) - 12} more" if len(problems) > 12 else ""
            raise ProposalRefused(
                f"Nothing was changed: {len(problems)} of {len(moves)} rows are no longer "
                f"valid.\n{shown}{more}\nFix or remove those rows and commit again.",
                problems,
            )
        # Every old link goes before any new one: the database allows one primary camera per
        # officer, and a batch may hand a camera to someone whose own camera moves on.
        for m in moves:
            units[m.unit_id].primary_officer_id = None
        session.flush()
        first_seq = last_seq = 0
        # One flush at the end instead of one per custody record: record() runs its own
        # statements, and autoflush would otherwise write each unit on the next record.
        with session.no_autoflush:
            for m in moves:
                unit = units[m.unit_id]
                target = officers[m.to_officer_id]
                seq = record(
                    ctx,
                    session,
                    actor,
                    EventKind.UNASSIGNED,
                    unit,
                    officer_id=m.from_officer_id,
                    reason=reason,
                    details={"to_officer_id": target.id, "to_officer": target.label},
                )
                first_seq = first_seq or seq
                unit.primary_officer_id = target.id
                last_seq = record(
                    ctx,
                    session,
                    actor,
                    EventKind.ASSIGNED,
                    unit,
                    officer_id=target.id,
                    reason=reason,
                    details=_from(m.from_officer_id, officers),
                )
        session.flush()
    n = len(moves)
    return CommitResult(
        n,
        first_seq,
        last_seq,
        f"{n} camera{'s' if n != 1 else ''} reassigned ({reason}); "
        f"custody records #{first_seq}-#{last_seq}.",
    )

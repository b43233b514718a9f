"""The batch reassignment at shift change: the outgoing shift's primary cameras to incoming
officers who have none, in two steps. ``propose_reassignment`` builds a proposal (plain data,
nothing written) that the supervisor reviews and edits; ``commit_reassignment`` applies the
edited moves in one transaction, or refuses all of them, naming each row that is not valid.

Pools: an officer whose division shares a pool (a pool for the division, with cameras in it)
takes a pool camera at the counter. Such an officer is never offered another officer's own
camera, and a pool's camera goes only to an officer of the pool's division.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.settings import AssignmentMode
from bwc_desk.domain.units import UnitStatus
from bwc_desk.domain.values import clean_text
from bwc_desk.services.context import Ctx
from bwc_desk.services.dto import person_name
from bwc_desk.services.records import record
from bwc_desk.services.settings import read_settings
from bwc_desk.store.models import Checkout, CustodyEvent, Officer, Pool, Unit

# Keeps IN (...) lists under every database's limit on bound parameters.
_CHUNK = 5000
_GONE = (UnitStatus.RETIRED.value, UnitStatus.LOST.value, UnitStatus.STOLEN.value)


def default_reason(outgoing: str, incoming: str) -> str:
    return f"shift change {outgoing} -> {incoming}"


def _same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


# --- who uses a pool ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DivisionPools:
    """The pools that serve a division (for all its shifts, or for one), with cameras in
    them. A pool for a whole shift or for everyone is a reserve, not a division's way of
    working: it makes nobody a pool user."""

    pools: tuple[tuple[str, str, str], ...] = ()  # (division, shift or "", pool name)

    def of(self, division: str, shift: str) -> str:
        """The name of the pool the officer uses, or ''."""
        if not division.strip():
            return ""
        for pool_division, pool_shift, name in self.pools:
            if _same(pool_division, division) and (not pool_shift or _same(pool_shift, shift)):
                return name
        return ""


def division_pools(session: Session) -> DivisionPools:
    if read_settings(session).assignment_mode == AssignmentMode.OFFICER.value:
        return DivisionPools()  # the agency has no pools in use
    rows = session.execute(
        select(Pool.division, Pool.shift, Pool.name)
        .join(Unit, Unit.pool_id == Pool.id)
        .where(Pool.division != "", Unit.status.not_in(_GONE))
        .group_by(Pool.id, Pool.division, Pool.shift, Pool.name)
        .having(func.count(Unit.id) > 0)
        .order_by(Pool.shift.desc(), Pool.name)  # a shift's own pool before the division's
    )
    return DivisionPools(tuple((d, s, n) for d, s, n in rows))


def pool_refusal(pool_name: str, pool_division: str, tag: str, officer: str, division: str) -> str:
    """Why a pool's camera may not go to this officer, or ''."""
    if not pool_division.strip() or _same(pool_division, division):
        return ""
    return (
        f"{tag} is in the {pool_name}; it goes only to an officer of {pool_division}, not to "
        f"{officer} ({division or 'no division'})"
    )


def pool_user_refusal(uses: str, officer: str) -> str:
    """Why an officer's own camera may not go to a pool user, or ''."""
    if not uses:
        return ""
    return (
        f"{officer} uses the {uses}; an officer's own camera is not taken for someone who "
        "uses a pool (they take a pool camera at the counter)"
    )


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
    # Incoming officers without a camera who use their division's pool, "Name (badge) - pool":
    # no officer's camera is proposed for them.
    pool_users: tuple[str, ...] = ()


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
        pools = division_pools(session)
        candidates: list[Candidate] = []
        pool_users: list[tuple[str, str]] = []
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
        ):
            if oid in with_camera or not _same(o_shift, incoming):
                continue
            label = f"{person_name(last, first)} ({badge})"
            uses = pools.of(division, o_shift)
            if uses:
                pool_users.append((uses, label))
            else:
                candidates.append(Candidate(oid, label, division))
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
        tuple(f"{label} - {pool}" for pool, label in sorted(pool_users)),
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
class _Issue:
    """The open issue of a unit: to whom, at which station, when (UTC)."""

    officer_id: int
    station: str
    at: datetime


@dataclass(frozen=True, slots=True)
class _Person:
    id: int
    active: bool
    label: str
    division: str = ""
    shift: str = ""


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
    holders: dict[int, _Issue] = {}
    for chunk in _chunks(unit_ids):
        for unit_id, officer_id, station, at in session.execute(
            select(
                Checkout.unit_id, Checkout.officer_id, Checkout.issued_station, Checkout.issued_at
            ).where(Checkout.unit_id.in_(chunk), Checkout.returned_at.is_(None))
        ):
            holders[unit_id] = _Issue(officer_id, station, at)
    officer_ids = sorted(
        {m.to_officer_id for m in moves}
        | {m.from_officer_id for m in moves if m.from_officer_id is not None}
        | {u.primary_officer_id for u in units.values() if u.primary_officer_id is not None}
        | {h.officer_id for h in holders.values()}
    )
    # Officers as plain rows, not ORM objects: every custody record's statements have the
    # session look through its identity map, so it should hold only what changes (the units).
    officers: dict[int, _Person] = {}
    for chunk in _chunks(officer_ids):
        for oid, active, last, first, badge, division, shift in session.execute(
            select(
                Officer.id,
                Officer.active,
                Officer.last_name,
                Officer.first_name,
                Officer.badge,
                Officer.division,
                Officer.shift,
            ).where(Officer.id.in_(chunk))
        ):
            label = f"{person_name(last, first)} ({badge})"
            officers[oid] = _Person(oid, bool(active), label, division, shift)
    pool_ids = sorted({u.pool_id for u in units.values() if u.pool_id is not None})
    pools = {
        pid: (name, division)
        for pid, name, division in session.execute(
            select(Pool.id, Pool.name, Pool.division).where(Pool.id.in_(pool_ids))
        )
    }
    return units, officers, target_primary, holders, pools, division_pools(session)


def _from(officer_id: int | None, officers: dict[int, _Person]) -> dict[str, Any]:
    """Whose camera it was, by id (for tools) and by name (for people reading the history)."""
    person = officers.get(officer_id) if officer_id is not None else None
    return {"from_officer_id": officer_id, "from_officer": person.label if person else None}


def _problems(
    moves: Sequence[Move],
    units: dict[int, Unit],
    officers: dict[int, _Person],
    target_primary: dict[int, tuple[int, str]],
    holders: dict[int, _Issue],
    pools: dict[int, tuple[str, str]],
    users: DivisionPools,
) -> list[_Problem]:
    def who(officer_id: int | None) -> str:
        officer = officers.get(officer_id) if officer_id is not None else None
        return officer.label if officer is not None else "nobody"

    moving = {m.unit_id for m in moves}
    # Rows are named by their camera, not their number: the table the supervisor reads may
    # be sorted or filtered.
    seen_units: set[int] = set()
    target_tag: dict[int, str] = {}  # officer id -> the camera an earlier row gives them
    problems: list[_Problem] = []
    for m in moves:
        unit = units.get(m.unit_id)
        if unit is None:
            problems.append(_Problem(m.unit_id, "", f"camera #{m.unit_id} no longer exists"))
            continue
        tag = unit.asset_tag
        target = officers.get(m.to_officer_id)
        wrong = ""
        cite: int | None = None  # the unit whose last custody record says who changed it
        issue: _Issue | None = None
        now = ""
        if m.unit_id in seen_units:
            wrong = f"{tag} is in the proposal twice; a camera moves once"
        elif unit.status == UnitStatus.ISSUED.value:
            issue = holders.get(unit.id)
            wrong = f"{tag} was issued to {who(issue.officer_id if issue else None)}"
        elif unit.status != UnitStatus.AVAILABLE.value:
            wrong, cite = f"{tag} is {unit.status} now", unit.id
        elif unit.primary_officer_id != m.from_officer_id:
            wrong = f"{tag} is no longer the primary camera of {who(m.from_officer_id)}"
            now, cite = f"now: {who(unit.primary_officer_id)}", unit.id
        elif target is None:
            wrong = f"the officer chosen for {tag} no longer exists"
        elif not target.active:
            wrong = f"{target.label} is not active"
        elif m.to_officer_id == m.from_officer_id:
            wrong = f"{tag} would stay with {target.label}"
        elif m.to_officer_id in target_tag:
            wrong = (
                f"{target.label} would also get {target_tag[m.to_officer_id]}; an officer has "
                "one primary camera"
            )
        elif m.to_officer_id in target_primary and target_primary[m.to_officer_id][0] not in moving:
            other, other_tag = target_primary[m.to_officer_id]
            wrong, cite = f"{target.label} already has {other_tag} as primary camera", other
        elif unit.pool_id is not None:
            name, division = pools.get(unit.pool_id, ("pool", ""))
            wrong = pool_refusal(name, division, tag, target.label, target.division)
        elif m.from_officer_id is not None:
            uses = users.of(target.division, target.shift)
            wrong = pool_user_refusal(uses, target.label)
        seen_units.add(m.unit_id)
        target_tag.setdefault(m.to_officer_id, tag)
        if wrong:
            problems.append(_Problem(m.unit_id, tag, wrong, cite, issue, now))
    return problems


@dataclass(frozen=True, slots=True)
class _Problem:
    unit_id: int
    tag: str  # the camera's asset tag ('' when it no longer exists)
    wrong: str
    cite: int | None = None  # a unit whose last custody record tells who changed it, when
    issue: _Issue | None = None  # the open issue of a camera issued since the proposal
    now: str = ""  # what the unit is now, said in brackets


def _clock_time(ctx: Ctx, at: datetime) -> str:
    """HH:MM at the station (with the date when it is not today's)."""
    local, today = at.astimezone(ctx.zone), ctx.now().astimezone(ctx.zone).date()
    return f"{local:%H:%M}" if local.date() == today else f"{local:%Y-%m-%d %H:%M}"


def _explained(ctx: Ctx, session: Session, problems: Sequence[_Problem]) -> list[tuple[int, str]]:
    """Each problem as (unit id, what changed): for a camera issued or changed since the
    proposal was made, who did it, at which station and when (the custody record's time),
    from one query over the few units concerned."""
    cited = sorted({p.cite for p in problems if p.cite is not None})
    last: dict[int, tuple[str, str, datetime]] = {}
    for chunk in _chunks(cited):
        newest = (
            select(func.max(CustodyEvent.seq))
            .where(CustodyEvent.unit_id.in_(chunk))
            .group_by(CustodyEvent.unit_id)
        )
        for unit_id, username, station, at in session.execute(
            select(
                CustodyEvent.unit_id,
                CustodyEvent.staff_username,
                CustodyEvent.station,
                CustodyEvent.at,
            ).where(CustodyEvent.seq.in_(newest))
        ):
            if unit_id is not None:
                last[unit_id] = (username, station, at)
    explained: list[tuple[int, str]] = []
    for p in problems:
        text = p.wrong
        if p.issue is not None:
            text += (
                f" at {p.issue.station} at {_clock_time(ctx, p.issue.at)} "
                "since this proposal was made"
            )
        notes = [p.now] if p.now else []
        by = last.get(p.cite) if p.cite is not None else None
        if by is not None:
            notes.append(f"changed by {by[0]} at {by[1]} at {_clock_time(ctx, by[2])}")
        if notes:
            text += f" ({'; '.join(notes)})"
        explained.append((p.unit_id, text))
    return explained


def recheck_proposal(ctx: Ctx, moves: Sequence[Move]) -> tuple[tuple[int, str], ...]:
    """The proposal's rows checked again, as the commit would (writes nothing): (unit id, what
    changed and what to do) for each row the commit would refuse now. The proposal page asks
    this when another station (or another tab) changes any of its cameras or officers, so the
    supervisor learns of it before the commit."""
    ctx.require(Permission.READ)
    if not moves:
        return ()
    with ctx.db.read() as session:
        problems = _problems(moves, *_load(session, moves))
        explained = _explained(ctx, session, problems)
    return tuple(
        (unit_id, f"{text}: take it out or make the proposal again") for unit_id, text in explained
    )


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
        units, officers, target_primary, holders, pools, users = _load(session, moves)
        found = _problems(moves, units, officers, target_primary, holders, pools, users)
        if found:
            problems = [
                (uid, text if text.startswith(p.tag) else f"{p.tag}: {text}")
                for p, (uid, text) in zip(found, _explained(ctx, session, found), strict=True)
            ]
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
        # A pool's camera leaves its pool (the database allows an owner or a pool, not both).
        left_pool = {m.unit_id: units[m.unit_id].pool_id for m in moves}
        for m in moves:
            units[m.unit_id].pool_id = None
        first_seq = last_seq = 0
        # One flush at the end instead of one per custody record: record() runs its own
        # statements, and autoflush would otherwise write each unit on the next record.
        with session.no_autoflush:
            for m in moves:
                unit = units[m.unit_id]
                target = officers[m.to_officer_id]
                to = {"to_officer_id": target.id, "to_officer": target.label}
                if left_pool[m.unit_id] is not None:
                    seq = record(
                        ctx,
                        session,
                        actor,
                        EventKind.UNPOOLED,
                        unit,
                        reason=reason,
                        details={"pool_id": left_pool[m.unit_id], **to},
                    )
                    first_seq = first_seq or seq
                if m.from_officer_id is not None:
                    seq = record(
                        ctx,
                        session,
                        actor,
                        EventKind.UNASSIGNED,
                        unit,
                        officer_id=m.from_officer_id,
                        reason=reason,
                        details=to,
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


def commit_question(moves: Sequence[ProposedMove], reason: str) -> str:
    """What the supervisor is asked before a commit: it names every officer whose own camera
    the commit takes (they will not have it next shift), plainly, before anything is written."""
    n = len(moves)
    taken = [m for m in moves if m.from_officer_id is not None]
    lines = [f"Reassign {n} camera{'s' if n != 1 else ''} now?"]
    if taken:
        lines.append(
            f"This takes their own camera from {len(taken)} officer"
            f"{'s' if len(taken) != 1 else ''}:"
        )
        lines.extend(f"  {m.from_officer}: {m.asset_tag} -> {m.to_officer}" for m in taken[:15])
        if len(taken) > 15:
            lines.append(f"  ... and {len(taken) - 15} more (the table lists them all)")
    lines.append(
        "Each camera gets its custody records (unassigned, assigned) naming you, with the "
        f'reason "{reason.strip()}".'
    )
    return "\n".join(lines)

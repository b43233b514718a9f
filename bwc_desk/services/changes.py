"""Keeping every station's views current: what a transaction changed (its ChangeSet), told
once. Local writes are collected as they commit (``collect``); other stations' arrive as
PostgreSQL notifications (``listen``) or are found by polling high-water marks (``poll``)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.context import Ctx
from bwc_desk.store.db import Database
from bwc_desk.store.listen import ChangeListener
from bwc_desk.store.models import (
    ChainHead,
    Checkout,
    CustodyEvent,
    Dock,
    Officer,
    Setting,
    Staff,
    Unit,
)
from bwc_desk.store.touched import LIMIT, Change

T = TypeVar("T")
_COMMITTED = "bwc_committed_changes"


def changeset(change: Change, *, local: bool) -> ChangeSet:
    return ChangeSet(change.topics, change.units, change.officers, change.checkouts,
                     change.docks, change.complete, local)


def merged(changes: list[Change], *, local: bool = True) -> ChangeSet | None:
    """One set for what several transactions committed (None: nothing was changed)."""
    result: ChangeSet | None = None
    for change in changes:
        one = changeset(change, local=local)
        result = one if result is None else result.merged(one)
    return result


def collect(ctx: Ctx, fn: Callable[[Ctx], T]) -> tuple[T, ChangeSet | None]:
    """Run ``fn`` (one user action) and return its result with what its write transactions
    committed. Those are the caller's to announce; no notification or poll repeats them.
    When ``fn`` fails after a transaction committed, the exception carries that set
    (``committed_before``)."""
    with ctx.db.collecting() as committed:
        try:
            result = fn(ctx)
        except BaseException as exc:
            if committed:
                with contextlib.suppress(AttributeError):  # (an exception with __slots__)
                    setattr(exc, _COMMITTED, merged(committed))
            raise
    return result, merged(committed)


def committed_before(exc: BaseException) -> ChangeSet | None:
    """What an action that then failed had committed already (None: nothing)."""
    change = getattr(exc, _COMMITTED, None)
    return change if isinstance(change, ChangeSet) else None


def listen(
    ctx: Ctx,
    on_change: Callable[[ChangeSet], None],
    on_listening: Callable[[], None] | None = None,
) -> ChangeListener | None:
    """A running listener on PostgreSQL (``on_change`` is called from its thread), or None
    where the views must poll. ``on_listening`` is called from its thread once it listens
    (``marks`` taken there bound what it will not hear: see ``between``)."""
    if not ctx.db.is_postgresql:
        return None
    listener = ChangeListener(ctx.db, lambda c: on_change(changeset(c, local=False)),
                              on_listening)
    listener.start()
    return listener


@dataclass(frozen=True, slots=True)
class Marks:
    """Cheap high-water marks: any change at any station moves at least one."""

    custody: int
    audit: int
    units: datetime | None
    officers: datetime | None
    settings: datetime | None
    staff: int
    docks: datetime | None = None  # the last dock report at any station

    def topics_since(self, before: Marks) -> set[str]:
        topics: set[str] = set()
        if self.custody != before.custody:
            topics |= {"custody", "units"}
        if self.units != before.units:
            topics.add("units")
        if self.officers != before.officers:
            topics.add("officers")
        if self.settings != before.settings:
            topics.add("settings")
        if self.staff != before.staff or self.audit != before.audit:
            topics.add("staff")
        if self.docks != before.docks:
            topics.add("docks")
        return topics


def marks(ctx: Ctx) -> Marks:
    with ctx.db.read() as session:
        return _marks(session)


def _marks(session: Session) -> Marks:
    heads = dict(session.execute(select(ChainHead.chain, ChainHead.seq)).all())
    return Marks(
        int(heads.get("custody", 0)), int(heads.get("audit", 0)),
        session.execute(select(func.max(Unit.updated_at))).scalar(),
        session.execute(select(func.max(Officer.updated_at))).scalar(),
        session.execute(select(func.max(Setting.updated_at))).scalar(),
        int(session.execute(select(func.count()).select_from(Staff)).scalar_one()),
        session.execute(select(func.max(Dock.last_seen_at))).scalar(),
    )


def poll(ctx: Ctx, before: Marks | None) -> tuple[Marks, ChangeSet | None]:
    """The marks now, and what other stations (or processes) changed since ``before``, with
    ids: all of it as one set, less what this process announced itself. None when nothing
    moved or all of it was ours; ``before`` None only takes the marks."""
    with ctx.db.read() as session:
        now = _marks(session)
        if before is None or now == before:
            return now, None
        return now, _since(session, ctx.db, before, now)


def between(ctx: Ctx, before: Marks, upto: Marks) -> ChangeSet | None:
    """What other stations changed after ``before`` and no later than ``upto`` (marks taken
    since): the changes a listener that began listening at ``upto`` will not tell."""
    with ctx.db.read() as session:
        if upto == before:
            return None
        return _since(session, ctx.db, before, upto)


def _since(session: Session, db: Database, before: Marks, now: Marks) -> ChangeSet | None:
    """Changes after ``before`` up to ``now`` (in ``poll``, this snapshot's own marks: the
    upper bounds change nothing there; in ``between``, older marks)."""
    found = _Found()
    own = db.own
    mine = own.seq_ranges("custody", before.custody)
    if now.custody != before.custody and not _covered(before.custody, now.custody, mine):
        rows = session.execute(
            select(CustodyEvent.seq, CustodyEvent.unit_id, CustodyEvent.officer_id)
            .where(CustodyEvent.seq > before.custody, CustodyEvent.seq <= now.custody,
                   *(~CustodyEvent.seq.between(f, la) for f, la in mine))
            .order_by(CustodyEvent.seq).limit(LIMIT + 1)
        ).all()
        units = {r.unit_id for r in rows if r.unit_id is not None}
        if len(rows) > LIMIT:
            found.unknown({"custody", "units"})
        elif rows:
            found.topics |= {"custody", "units"} if units else {"custody"}
            found.units |= units
            found.officers |= {r.officer_id for r in rows if r.officer_id is not None}
            if units:
                found.checkouts |= _checkouts(session, units, [r.seq for r in rows])
    if now.units != before.units:
        found.stamped(session, own.stamps("units", before.units), "units", Unit, before.units,
                      now.units)
    if now.officers != before.officers:
        found.stamped(session, own.stamps("officers", before.officers), "officers", Officer,
                      before.officers, now.officers)
    if now.settings != before.settings:
        query = select(Setting.key).where(
            *(() if before.settings is None else (Setting.updated_at > before.settings,)),
            *(() if now.settings is None else (Setting.updated_at <= now.settings,)),
        )
        mine_at = own.stamps("settings", before.settings)
        if mine_at:
            query = query.where(Setting.updated_at.not_in(mine_at))
        if session.execute(query.limit(1)).first() is not None:
            found.topics.add("settings")
    if now.audit != before.audit:
        if not _covered(before.audit, now.audit, own.seq_ranges("audit", before.audit)):
            found.topics.add("staff")
    elif now.staff != before.staff:
        found.topics.add("staff")
    if now.docks != before.docks:
        found.topics.add("docks")
        docks: Sequence[int] = session.execute(
            select(Dock.id).where(
                *(() if before.docks is None else (Dock.last_seen_at > before.docks,)),
                *(() if now.docks is None else (Dock.last_seen_at <= now.docks,)),
            ).limit(LIMIT + 1)
        ).scalars().all()
        if len(docks) > LIMIT:
            found.complete = False
        else:
            found.docks |= set(docks)
    return found.changeset()


def _checkouts(session: Session, units: set[int], seqs: list[int]) -> set[int]:
    """The checkouts those events moved: issued or returned by them, open now (an undone
    return), or each unit's latest (an undone issue voids it)."""
    moved = set(session.execute(
        select(Checkout.id).where(
            Checkout.unit_id.in_(units),
            or_(Checkout.issued_seq.in_(seqs), Checkout.returned_seq.in_(seqs),
                Checkout.returned_at.is_(None)),
        )
    ).scalars())
    moved |= set(session.execute(
        select(func.max(Checkout.id)).where(Checkout.unit_id.in_(units))
        .group_by(Checkout.unit_id)
    ).scalars())
    return moved


def _covered(after: int, upto: int, ranges: list[tuple[int, int]]) -> bool:
    """Every seq in (after, upto] is in one of ``ranges`` (this process's own appends)."""
    nxt = after + 1
    for first, last in sorted(ranges):
        if first > nxt:
            return False
        nxt = max(nxt, last + 1)
    return nxt > upto


class _Found:
    def __init__(self) -> None:
        self.topics: set[str] = set()
        self.units: set[int] = set()
        self.officers: set[int] = set()
        self.checkouts: set[int] = set()
        self.docks: set[int] = set()
        self.complete = True

    def unknown(self, topics: set[str]) -> None:
        self.topics |= topics
        self.complete = False

    def stamped(
        self, session: Session, mine: list[datetime], topic: str, model: Any,
        after: datetime | None, upto: datetime | None,
    ) -> None:
        """Rows stamped after the mark (and no later than ``upto``), less those this process
        stamped itself."""
        query = select(model.id)
        if after is not None:
            query = query.where(model.updated_at > after)
        if upto is not None:
            query = query.where(model.updated_at <= upto)
        if mine:
            query = query.where(model.updated_at.not_in(mine))
        ids: Sequence[int] = session.execute(query.limit(LIMIT + 1)).scalars().all()
        if len(ids) > LIMIT:
            self.unknown({topic})
        elif ids:
            self.topics.add(topic)
            getattr(self, topic).update(ids)

    def changeset(self) -> ChangeSet | None:
        if not self.topics:
            return None
        if not self.complete:
            return ChangeSet.of(self.topics, complete=False, local=False)
        return ChangeSet.of(self.topics, units=self.units, officers=self.officers,
                            checkouts=self.checkouts, docks=self.docks, local=False)

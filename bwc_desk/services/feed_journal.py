"""The database side of the dock feed's journal (adapters/dockfeed/journal.py): how far a
journal is in the database, and one journaled event written with its own time.

A batch of events is one transaction: their records (each dated when its event was received,
not when the database came back) and the journal's new mark commit together, so that a crash
or a lost connection part-way through a replay neither loses an event nor writes one twice.
Each event has a savepoint of its own: one the database refuses for what it holds is rolled
back alone and skipped (said in the log), and the batch goes on. (One transaction per event
was one fsync per camera that docked: 1,200 cameras arriving took ten seconds.)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InternalError
from sqlalchemy.orm import Session

from bwc_desk.services import docks
from bwc_desk.services.context import Ctx
from bwc_desk.store.models import FeedJournalMark

if TYPE_CHECKING:
    from bwc_desk.services.docks import Changes  # (what the feed hands over, as a Protocol)

log = logging.getLogger(__name__)
# What the database says when it refuses a write for what it holds (on PostgreSQL a
# trigger's exception is an InternalError).
_REFUSALS = (IntegrityError, DataError, InternalError)


def applied_mark(ctx: Ctx, journal: str) -> int | None:
    """The offset after the last event of ``journal`` in the database (None: none yet)."""
    with ctx.db.read() as session:
        return session.execute(
            select(FeedJournalMark.applied).where(FeedJournalMark.journal == journal)
        ).scalar_one_or_none()


def replay_events(
    ctx: Ctx,
    journal: str,
    events: Sequence[tuple[int, Changes | None, datetime | None]],
) -> int:
    """Write journaled events, oldest first, each as the feed would have written it at its
    own time, and move the journal's mark past the last, in one transaction. An event
    (end, changes, at) with ``changes`` None is an unreadable line: only the mark moves past
    it. Events the mark has passed already (a flush that lost its answer, then tried again)
    are skipped. Returns how many events were refused for what they hold (skipped)."""
    skipped = 0
    with ctx.db.write() as session:
        mark = session.get(FeedJournalMark, journal)
        done = mark.applied if mark is not None else -1
        last = max([done, *(end for end, _c, _a in events)])
        for run in _runs([e for e in events if e[0] > done]):
            skipped += _run(ctx, session, run)
        if last <= done:
            return skipped
        count = sum(1 for end, _c, _a in events if end > done)
        if mark is not None:
            mark.applied, mark.events = last, mark.events + count
            mark.updated_at = ctx.now()
            return skipped
        # A new journal: the marks of this station's journals before it are done with.
        session.execute(
            delete(FeedJournalMark).where(
                FeedJournalMark.station == ctx.station, FeedJournalMark.journal != journal
            )
        )
        session.add(
            FeedJournalMark(
                journal=journal, station=ctx.station, applied=last, events=count,
                updated_at=ctx.now(),
            )
        )
    return skipped


# A run of moves written by one pass of the docks' writes: moves of different bays and
# cameras, within a few seconds (the due undocked records are looked for once per run).
RUN_SPAN = timedelta(seconds=5)
RUN_MOVES = 200
Event = tuple[int, "Changes | None", "datetime | None"]


def _runs(events: Sequence[Event]) -> list[list[tuple[int, Changes, datetime]]]:
    """The events with something to write, oldest first, cut into runs: a run never holds
    a bay or a camera twice (the order of its moves stays what it was)."""
    runs: list[list[tuple[int, Changes, datetime]]] = []
    run: list[tuple[int, Changes, datetime]] = []
    bays: set[tuple[str, int]] = set()
    cameras: set[str] = set()
    for end, changes, at in events:
        if changes is None or at is None:
            continue  # an unreadable line: only the mark moves past it
        keys = {(b.dock, b.bay) for b in changes.bays}
        serials = {b.serial.upper() for b in changes.bays if b.serial}
        if run and (
            keys & bays or serials & cameras or changes.docks or len(run) >= RUN_MOVES
            or at - run[0][2] > RUN_SPAN
        ):
            runs.append(run)
            run, bays, cameras = [], set(), set()
        run.append((end, changes, at))
        bays |= keys
        cameras |= serials
    if run:
        runs.append(run)
    return runs


def _run(ctx: Ctx, session: Session, run: list[tuple[int, Changes, datetime]]) -> int:
    """A run of moves in one pass (each camera's records dated by its own report), in a
    savepoint; refused, its moves are tried one by one. Returns how many were skipped."""
    if len(run) > 1:
        moves = docks.Handover([b for _end, changes, _at in run for b in changes.bays])
        moment = run[-1][2]
        try:
            with session.begin_nested():
                docks.apply_in(replace(ctx, clock=lambda: moment), session, moves,
                               dated_by_report=True)
            return 0
        except (DBAPIError, OSError) as exc:
            if not isinstance(exc, _REFUSALS):
                raise  # the database away, busy, full or damaged: see _one
        except Exception:
            pass  # one of them is refused for what it holds: found by writing them one by one
    return sum(_one(ctx, session, changes, at, end) for end, changes, at in run)


def _one(ctx: Ctx, session: Session, changes: Changes, at: datetime, end: int) -> int:
    """One event in a savepoint of its own: 1 when it was refused (rolled back alone)."""
    moment = at
    try:
        with session.begin_nested():
            docks.apply_in(replace(ctx, clock=lambda: moment), session, changes)
    except _REFUSALS as exc:
        # Refused for what it holds (a rule of the database): skipped, and said.
        log.error("Journaled event ending at %d was refused by the database: %s", end, exc)
        return 1
    except (DBAPIError, OSError):
        # The database away, busy, full or damaged: the whole batch is tried again later
        # (never skipped: that would lose the docking moves).
        raise
    except Exception as exc:
        # Refused for what it holds: skipped (and said), so that one bad event never holds
        # up the feed.
        log.exception("Journaled event ending at %d was not written: %s", end, exc)
        return 1
    return 0

"""The database side of the dock feed's journal (adapters/dockfeed/journal.py): how far a
journal is in the database, and one journaled event written with its own time.

Each event is one transaction: its records (dated when the event was received, not when the
database came back) and the journal's new mark commit together, so that a crash or a lost
connection part-way through a replay neither loses an event nor writes one twice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from bwc_desk.services import docks
from bwc_desk.services.context import Ctx
from bwc_desk.store.models import FeedJournalMark

if TYPE_CHECKING:
    from bwc_desk.services.docks import Changes  # (what the feed hands over, as a Protocol)


def applied_mark(ctx: Ctx, journal: str) -> int | None:
    """The offset after the last event of ``journal`` in the database (None: none yet)."""
    with ctx.db.read() as session:
        return session.execute(
            select(FeedJournalMark.applied).where(FeedJournalMark.journal == journal)
        ).scalar_one_or_none()


def replay_event(
    ctx: Ctx, journal: str, end: int, changes: Changes | None, at: datetime | None
) -> None:
    """Write one journaled event as the feed would have written it at ``at`` and move the
    journal's mark to ``end`` in the same transaction (``changes`` None: an unreadable line,
    only the mark moves past it)."""
    with ctx.db.write() as session:
        mark = session.get(FeedJournalMark, journal)
        if mark is not None and end <= mark.applied:
            return  # already written (a flush that lost its answer, then tried again)
        if changes is not None and at is not None:
            moment = at
            docks.apply_in(replace(ctx, clock=lambda: moment), session, changes)
        if mark is not None:
            mark.applied, mark.events, mark.updated_at = end, mark.events + 1, ctx.now()
            return
        # A new journal: the marks of this station's journals before it are done with.
        session.execute(
            delete(FeedJournalMark).where(
                FeedJournalMark.station == ctx.station, FeedJournalMark.journal != journal
            )
        )
        session.add(
            FeedJournalMark(
                journal=journal, station=ctx.station, applied=end, events=1, updated_at=ctx.now()
            )
        )

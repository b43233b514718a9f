"""A long read stopped from another thread (a report's Cancel): the statement running is
interrupted, none starts after, and the database is left as it was."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from bwc_desk.domain.errors import CancelledError
from bwc_desk.store.stopping import Stop, stoppable

pytestmark = pytest.mark.both_backends


def _minutes_long(db):
    """A statement that would run for minutes if nothing stopped it."""
    if db.engine.dialect.name == "postgresql":
        return text("SELECT pg_sleep(600)")
    return text(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 3000000000) "
        "SELECT sum(x) FROM c"
    )


def test_the_running_statement_is_interrupted_from_another_thread(db):
    stop = Stop("The report")
    started = threading.Event()

    def cancel_soon() -> None:
        started.wait(30)
        time.sleep(0.3)  # (the statement is running by then)
        stop.request()

    threading.Thread(target=cancel_soon, daemon=True).start()
    with (pytest.raises(CancelledError, match="The report was cancelled"), db.read() as session,
          stoppable(session, stop)):
        session.execute(text("SELECT 1"))
        started.set()
        session.execute(_minutes_long(db))
    # The connection is fine for the next read.
    with db.read() as session:
        assert session.execute(text("SELECT 2")).scalar() == 2


def test_no_statement_starts_once_a_stop_was_asked_for(db):
    stop = Stop("The export")
    ran = []
    with (pytest.raises(CancelledError, match="The export was cancelled"), db.read() as session,
          stoppable(session, stop)):
        ran.append(session.execute(text("SELECT 1")).scalar())
        stop.request()  # (between two statements: nothing to interrupt)
        ran.append(session.execute(text("SELECT 2")).scalar())
    assert ran == [1]


def test_a_stop_not_asked_for_changes_nothing(db):
    stop = Stop()
    with db.read() as session, stoppable(session, stop):
        assert session.execute(text("SELECT 3")).scalar() == 3
    stop.request()  # (after the block: nothing left to stop)
    with db.read() as session:
        assert session.execute(text("SELECT 4")).scalar() == 4

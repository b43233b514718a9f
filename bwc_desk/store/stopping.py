"""Stopping a long read from another thread: a report's Cancel.

``stoppable(session, stop)`` makes the statements of ``session`` stoppable while the block
runs: ``stop.request()`` (any thread) interrupts the statement that is running (SQLite's
``interrupt``, PostgreSQL's cancel request) and keeps any further one from starting. The
block then raises ``CancelledError`` instead of the driver's error. The cancel request to a
PostgreSQL server is network work: it is sent from a short-lived thread, never from the
caller's (the Cancel button's main thread does not wait on it)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from bwc_desk.domain.errors import CancelledError

log = logging.getLogger(__name__)


class Stop:
    """A request to stop, made by one thread and seen by another's statements."""

    def __init__(self, what: str = "The work") -> None:
        self.what = what
        # Held while a statement is being interrupted, and while a block of statements
        # registers or ends: an interrupt never reaches a connection after its block ended
        # (pooled, it may be running another's statement by then).
        self._gate = threading.Lock()
        self._requested = False
        self._interrupts: list[Callable[[], None]] = []

    @property
    def requested(self) -> bool:
        return self._requested

    def request(self) -> None:
        """Any thread; returns at once (the interrupts are sent from threads of their own,
        a PostgreSQL cancel being a network round trip)."""
        if self._requested:
            return
        self._requested = True
        for interrupt in list(self._interrupts):
            threading.Thread(target=self._interrupt, args=(interrupt,), daemon=True,
                             name="bwc-stop").start()

    def _interrupt(self, interrupt: Callable[[], None]) -> None:
        with self._gate:
            if interrupt not in self._interrupts:
                return  # (its block has ended)
            try:
                interrupt()
            except Exception:  # (the server is gone, the statement ended: nothing to stop)
                log.info("stopping a statement failed", exc_info=True)

    def error(self) -> CancelledError:
        return CancelledError(f"{self.what} was cancelled; nothing of it was recorded.")

    def check(self) -> None:
        if self._requested:
            raise self.error()

    def _add(self, interrupt: Callable[[], None]) -> None:
        with self._gate:
            self._interrupts.append(interrupt)
        self.check()

    def _remove(self, interrupt: Callable[[], None]) -> None:
        with self._gate:
            if interrupt in self._interrupts:
                self._interrupts.remove(interrupt)


def _interrupt_of(dbapi: Any) -> Callable[[], None]:
    if hasattr(dbapi, "interrupt"):  # sqlite3: safe from any thread
        return dbapi.interrupt  # type: ignore[no-any-return]
    if hasattr(dbapi, "cancel_safe"):  # psycopg 3.2+: a cancel request to the server
        return lambda: dbapi.cancel_safe(timeout=10.0)
    return dbapi.cancel  # type: ignore[no-any-return]


@contextmanager
def stoppable(session: Session, stop: Stop) -> Iterator[None]:
    connection = session.connection()
    interrupt = _interrupt_of(connection.connection.driver_connection)

    def before(*_args: Any) -> None:
        stop.check()  # (no statement starts once a stop was asked for)

    event.listen(connection, "before_cursor_execute", before)
    try:
        stop._add(interrupt)
        yield
    except CancelledError:
        raise
    except Exception:
        if stop.requested:
            raise stop.error() from None
        raise
    finally:
        stop._remove(interrupt)
        event.remove(connection, "before_cursor_execute", before)
        if stop.requested:
            # A PostgreSQL server takes a cancel request when it comes: one sent just
            # before the block ended could still stop the next statement on this
            # connection. Not used again: the pool opens another.
            connection.invalidate()
    stop.check()

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
        self._lock = threading.Lock()
        self._requested = False
        self._interrupts: list[Callable[[], None]] = []

    @property
    def requested(self) -> bool:
        return self._requested

    def request(self) -> None:
        with self._lock:
            if self._requested:
                return
            self._requested = True
            interrupts = list(self._interrupts)
        for interrupt in interrupts:
            threading.Thread(target=_quietly, args=(interrupt,), daemon=True,
                             name="bwc-stop").start()

    def error(self) -> CancelledError:
        return CancelledError(f"{self.what} was cancelled; nothing of it was recorded.")

    def check(self) -> None:
        if self._requested:
            raise self.error()

    def _add(self, interrupt: Callable[[], None]) -> None:
        with self._lock:
            self._interrupts.append(interrupt)
            requested = self._requested
        if requested:
            raise self.error()

    def _remove(self, interrupt: Callable[[], None]) -> None:
        with self._lock:
            if interrupt in self._interrupts:
                self._interrupts.remove(interrupt)


def _quietly(interrupt: Callable[[], None]) -> None:
    try:
        interrupt()
    except Exception:  # (the statement ended meanwhile, the server is gone: nothing to stop)
        log.info("stopping a statement failed", exc_info=True)


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

    stop._add(interrupt)
    event.listen(connection, "before_cursor_execute", before)
    try:
        yield
    except CancelledError:
        raise
    except Exception:
        if stop.requested:
            raise stop.error() from None
        raise
    finally:
        event.remove(connection, "before_cursor_execute", before)
        stop._remove(interrupt)
    stop.check()

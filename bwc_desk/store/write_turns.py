"""Writers of one process take SQLite's one write lock in turn, a person's first.

SQLite lets one transaction write at a time; a connection that finds the lock taken sleeps in
its busy handler (1, 2, 5 ... up to 100 ms between tries) and may lose the lock again to a
thread that never slept. With the dock feed flushing back to back, a scan at the counter could
sleep through several flushes. So the writers of this process queue here before BEGIN
IMMEDIATE: a waiting writer is woken the moment the lock is given back, and the person's
writes (the UI's writer, the command line) go before the background ones (the dock feed,
housekeeping), which mark their threads. Other processes (a second station on the same file)
still meet SQLite's own lock and busy handler."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class WriteTurns:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._owner: int | None = None
        self._depth = 0
        self._urgent_waiting = 0
        self._waiting = 0
        self._local = threading.local()

    def mark_background(self) -> None:
        """This thread's writes wait for the person's (the dock feed, housekeeping)."""
        self._local.background = True

    def is_background(self) -> bool:
        return bool(getattr(self._local, "background", False))

    def waiting(self) -> int:
        with self._cond:
            return self._waiting

    @contextmanager
    def turn(self, background: bool | None = None) -> Iterator[None]:
        me = threading.get_ident()
        background = self.is_background() if background is None else background
        with self._cond:
            if self._owner == me:  # a write inside a write on this thread
                self._depth += 1
            else:
                self._waiting += 1
                if not background:
                    self._urgent_waiting += 1
                try:
                    while self._owner is not None or (background and self._urgent_waiting):
                        self._cond.wait()
                finally:
                    self._waiting -= 1
                    if not background:
                        self._urgent_waiting -= 1
                self._owner, self._depth = me, 1
        try:
            yield
        finally:
            with self._cond:
                self._depth -= 1
                if self._depth == 0:
                    self._owner = None
                    self._cond.notify_all()

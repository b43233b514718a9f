"""A person's work before the background's, inside this process.

Python runs one thread at a time. While the dock feed's flusher turns a second of bay reports
into rows (100 ms or more of interpreter time), a scan at the counter shares the interpreter
with it, and each of its steps (the read that identifies the code, the issue, the paint of
the answer) takes about twice as long: the slowest scans of a busy station were the ones
that met a flush.

So the window tells this module when a person's work is under way (``begin``/``end``: the
task runner does it for every read of the interactive lane and every write, a key press
counts too), and the background work that can wait a moment (the flusher between its
transactions, the bulk lane before it starts a reload) calls ``give_way``: it waits until the
person's work is done and painted, for at most the time it is given. It never waits for
long: background work has its own promises (a bay's state on its tile within a second or
two), so each wait is bounded by the caller, and work still marked open after ``STALE_S``
(a reply nobody will deliver) no longer holds anyone up."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Final

# After the person's last step ends, the window still paints its answer: background work
# waits this much longer.
LINGER_S: Final = 0.03
# A step open this long without news is taken as over (a reply lost, a window closed).
STALE_S: Final = 2.0


class PersonAtWork:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._open: dict[int, float] = {}  # each open step: when it began (monotonic)
        self._numbers = itertools.count()
        self._last = -LINGER_S  # (the clock's time of the last end or key press)

    def begin(self) -> int:
        """A step of a person's work starts (a read they wait for, a write): its number,
        for ``end``."""
        with self._cond:
            number = next(self._numbers)
            self._open[number] = self._clock()
            return number

    def end(self, number: int) -> None:
        """That step is over (its result handed to the window, or dropped)."""
        with self._cond:
            self._open.pop(number, None)
            self._last = self._clock()
            self._cond.notify_all()

    def touch(self) -> None:
        """A key pressed: what follows (a scanner's Enter) is a person's work."""
        self._last = self._clock()  # (one float: no lock needed for a hint)

    def _busy_for(self, now: float) -> float:
        """Seconds to wait before asking again (0: not busy). Steps open longer than
        ``STALE_S`` are forgotten."""
        for number, began in list(self._open.items()):
            if now - began >= STALE_S:
                del self._open[number]
        if self._open:
            return 0.05  # (woken sooner by ``end``)
        return max(0.0, LINGER_S - (now - self._last))

    def busy(self) -> bool:
        with self._cond:
            return self._busy_for(self._clock()) > 0

    def give_way(self, limit_s: float) -> float:
        """Wait (on a background thread) while a person's work is under way, at most
        ``limit_s``; the seconds waited."""
        if limit_s <= 0:
            return 0.0
        started = self._clock()
        deadline = started + limit_s
        with self._cond:
            while True:
                now = self._clock()
                wait = min(self._busy_for(now), deadline - now)
                if wait <= 0:
                    return now - started
                self._cond.wait(wait)


# The process's one person (a station has one keyboard).
PERSON: Final = PersonAtWork()


class WayBudget:
    """How long one piece of background work (a flush) may wait for the person in all, so
    that a busy counter slows it down but never stops it."""

    def __init__(self, total_s: float, each_s: float) -> None:
        self.left = total_s
        self.each = each_s

    def give_way(self) -> None:
        if self.left > 0:
            self.left -= PERSON.give_way(min(self.each, self.left))


class Pacer:
    """Giving way from a loop that never ends (the dock feed's reader): each call waits
    while a person's work is under way, at most ``each_s``, and the waits add up to at most
    ``share`` of each ``window_s`` (windows one after the other, not sliding: up to twice
    that in a row across two); so a busy counter slows the loop, never stops it.

    The reader's own work (a line's parse, its journal entry) takes the interpreter from the
    scan being answered: while it waits, the docks' lines wait in TCP, not in the process."""

    def __init__(
        self,
        each_s: float,
        share: float,
        window_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.each = each_s
        self.allowed = share * window_s
        self.window = window_s
        self._clock = clock
        self._since = clock()
        self._waited = 0.0

    def __call__(self) -> float:
        """Give way (see the class); the seconds waited."""
        now = self._clock()
        if now - self._since >= self.window:
            self._since, self._waited = now, 0.0
        left = min(self.each, self.allowed - self._waited)
        if left <= 0:
            return 0.0
        waited = PERSON.give_way(left)
        self._waited += waited
        return waited

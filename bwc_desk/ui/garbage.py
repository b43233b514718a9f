"""Python's cycle collector, kept out of the clerk's way.

A full collection walks every object the interpreter tracks. With Inventory's 25,000 rows
and the roster's 40,000 loaded that is over a million objects: 100-190 ms, holding the
interpreter, run by whichever thread happened to allocate (a worker, the dock feed), so
the main thread stalled and a scan waited (measured: 20 full collections in a minute of a
busy counter, each 100-186 ms). So, once the window is up:

- Python runs the young collections itself (cheap: about a millisecond), never a full one.
- Rows loaded in bulk (``rows_loaded``: a view read its whole list) are moved out of the
  collector's reach (``gc.freeze``) at the next tick: a full collection no longer walks
  them. Objects frozen are still freed when nothing refers to them any more; only a cycle
  among them waits for the next reset.
- A full collection runs here, on the main thread, when the station is quiet (nobody has
  pressed a key or clicked for ``QUIET_S``), at most every ``FULL_EVERY_S``, and at the
  latest ``FULL_LATEST_S`` after the last one however busy the station is; what survives
  it is frozen too, so the next walks only what is newer.
- Every ``RESET_EVERY_S``, at a quiet moment (at the latest ``RESET_LATEST_S``),
  everything is unfrozen and collected once: cycles among old objects are freed too.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Final, Protocol

from PySide6.QtCore import QObject, QTimer

BIG_LOAD: Final = 2_000  # rows read in one go that are worth moving out of the walk
TICK_MS: Final = 1_000
QUIET_S: Final = 2.0
FULL_EVERY_S: Final = 30.0
FULL_LATEST_S: Final = 300.0
RESET_EVERY_S: Final = 1_800.0
RESET_LATEST_S: Final = 7_200.0
# The young generations as Python sets them; the oldest never collected by Python itself.
THRESHOLDS: Final = (700, 10, 2**31 - 1)

_loaded = False


def rows_loaded(count: int) -> None:
    """A view put ``count`` rows in its model at once (called by the models): freeze them
    at the next tick when they are many. Harmless without a keeper (the tests)."""
    global _loaded
    if count >= BIG_LOAD:
        _loaded = True


class Collector(Protocol):
    """What the keeper uses of the ``gc`` module (a test gives a recorder)."""

    def collect(self, generation: int = 2) -> int: ...

    def freeze(self) -> None: ...

    def unfreeze(self) -> None: ...

    def set_threshold(self, threshold0: int, threshold1: int = ..., threshold2: int = ...
                      ) -> None: ...

    def enable(self) -> None: ...

    def get_threshold(self) -> tuple[int, int, int]: ...


class GarbageKeeper(QObject):
    """Decides when the cycle collector walks what (see the module's text). ``quiet_s()``
    says how long nobody has used the station (the idle lock's watcher knows)."""

    def __init__(
        self,
        quiet_s: Callable[[], float],
        parent: QObject | None = None,
        *,
        collector: Collector | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._quiet_s = quiet_s
        self._gc: Collector = collector if collector is not None else gc
        self._clock = clock
        self._last_full = self._last_reset = clock()
        self.fulls = 0  # (how many it ran: for the log and the tests)
        self._thresholds: tuple[int, int, int] | None = None  # Python's, before start
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)

    def start(self) -> None:
        """The start-up's objects collected once and frozen; from now on the keeper decides
        (the launcher calls it once the first view has its rows)."""
        global _loaded
        self._gc.collect()
        self._gc.freeze()
        _loaded = False
        self._thresholds = self._gc.get_threshold()
        self._gc.set_threshold(*THRESHOLDS)
        self._gc.enable()
        self._last_full = self._last_reset = self._clock()
        self._timer.start()

    def stop(self) -> None:
        """Python collects as it did before ``start`` again (everything unfrozen)."""
        self._timer.stop()
        if self._thresholds is not None:
            self._gc.set_threshold(*self._thresholds)
            self._gc.unfreeze()
            self._thresholds = None

    def tick(self) -> None:
        global _loaded
        if _loaded:
            _loaded = False
            self._gc.collect(1)  # (the young ones first: what is garbage already goes)
            self._gc.freeze()
        now = self._clock()
        quiet = self._quiet_s() >= QUIET_S
        if now - self._last_reset >= (RESET_EVERY_S if quiet else RESET_LATEST_S):
            self._gc.unfreeze()
            self._full(now)
            self._last_reset = now
        elif now - self._last_full >= (FULL_EVERY_S if quiet else FULL_LATEST_S):
            self._full(now)

    def _full(self, now: float) -> None:
        self._gc.collect(2)
        self._gc.freeze()
        self._last_full = now
        self.fulls += 1

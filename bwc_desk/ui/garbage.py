"""Python's cycle collector, kept out of the clerk's way.

A full collection walks every object the interpreter tracks. With Inventory's 25,000 rows
and the roster's 40,000 loaded that is over a million objects: 100-190 ms, holding the
interpreter, run by whichever thread happened to allocate (a worker, the dock feed), so
the main thread stalled and a scan waited (measured: 20 full collections in a minute of a
busy counter, each 100-186 ms). And a collection run by a worker thread frees the Qt
objects it finds in cycles (a closed dialog and the lambdas connected to it) on that
thread: Qt then stops their timers from the wrong thread and may crash (seen as
"QBasicTimer::stop: Failed. Possibly trying to stop from a different thread" and a
segmentation fault). So, once the window is up, Python never collects by itself
(``gc.disable``): every collection runs here, on the main thread (as Anki's
GarbageCollector does):

- The young generations every ``YOUNG_MS``, by Python's own counts and thresholds (cheap:
  about a millisecond; often enough that a flood of bad dock messages, whose errors make
  cycles, does not pile up).
- Rows loaded in bulk (``rows_loaded``: a view read its whole list) are moved out of the
  collector's reach (``gc.freeze``) at the next young tick, without being walked first
  (walking 40,000 officers' freshly made rows and sort keys, ~200,000 objects, took 25-40
  ms: the first key typed into the roster's filter waited on it). No collection walks them
  after that. Objects frozen are still freed when nothing refers to them any more; only a
  cycle among them (or among what else was made in those 200 ms) waits for the next reset.
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
YOUNG_MS: Final = 200
QUIET_S: Final = 2.0
FULL_EVERY_S: Final = 30.0
FULL_LATEST_S: Final = 300.0
RESET_EVERY_S: Final = 1_800.0
RESET_LATEST_S: Final = 7_200.0
# The young generations' thresholds, as Python's (collected here, by their counts).
YOUNG: Final = (700, 10)

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

    def enable(self) -> None: ...

    def disable(self) -> None: ...

    def isenabled(self) -> bool: ...

    def get_count(self) -> tuple[int, int, int]: ...


def collect_young(collector: Collector | None = None) -> None:
    """The young generations, when Python itself would have collected them (by its counts):
    called on the main thread, while Python's own collection is off."""
    gc_ = collector if collector is not None else gc
    young, middle, _old = gc_.get_count()
    if young >= YOUNG[0]:
        gc_.collect(1 if middle >= YOUNG[1] else 0)


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
        self._started = False
        self._was_enabled = False  # (whether Python collected by itself before start)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)
        self._young = QTimer(self)
        self._young.setInterval(YOUNG_MS)
        self._young.timeout.connect(self.young_tick)

    def start(self) -> None:
        """The start-up's objects collected once and frozen; from now on the keeper decides
        (the launcher calls it once the first view has its rows)."""
        global _loaded
        self._was_enabled = self._gc.isenabled()
        self._gc.disable()  # (from now on only here, on the main thread)
        self._gc.collect()
        self._gc.freeze()
        _loaded = False
        self._started = True
        self._last_full = self._last_reset = self._clock()
        self._timer.start()
        self._young.start()

    def stop(self) -> None:
        """Python collects as it did before ``start`` again (everything unfrozen)."""
        self._timer.stop()
        self._young.stop()
        if self._started:
            self._started = False
            self._gc.unfreeze()
            if self._was_enabled:
                self._gc.enable()

    def _freeze_loaded(self) -> bool:
        """Rows loaded in bulk since the last tick: frozen as they are (not walked)."""
        global _loaded
        if not _loaded:
            return False
        _loaded = False
        self._gc.freeze()
        return True

    def young_tick(self) -> None:
        if not self._freeze_loaded():
            collect_young(self._gc)

    def tick(self) -> None:
        self._freeze_loaded()
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

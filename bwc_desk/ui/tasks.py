"""Background work: tasks on three lanes of threads, results posted to the main thread.

The rule (after Picard): workers never touch a widget. The lanes (``Lane``):

- ``INTERACTIVE``: what a person is waiting for (a scan, a dialog's look-up). Two threads that
  bulk work never occupies, so a scan never queues behind a 25,000-row reload.
- ``BULK``: whole-list reloads and exports (two threads).
- ``WRITER``: mutations, on one thread, in the order they were submitted (scans are committed
  in the order they were made); never coalesced.

A task may name a ``key``: a newer task with the same key replaces a queued one that has not
started, and a running one's result is dropped (the newest request wins). A task names its
``parent``: once that QObject is deleted, the task is skipped if it has not started and its
late result is dropped. ``ui/ops.py`` is the typed face of this for views (``QueryOp``,
``MutationOp``, ``ExportOp`` through ``AppState.run``).
"""

from __future__ import annotations

import enum
import itertools
import logging
import threading
import traceback
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, QThread, QThreadPool, Signal, Slot

from bwc_desk.services.foreground import PERSON

log = logging.getLogger(__name__)

T = TypeVar("T")
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


# How long a thread that wants the interpreter waits for the one running Python before
# asking it to let go (Python's default: 5 ms). The main thread takes the interpreter for
# every call from Qt into Python (a slot, a model's data for a cell, a paint): with the
# dock feed and the workers busy, a paint of the counter waited 5 ms per call, and a scan
# answered in 20 ms stalled for 200-300 ms.
SWITCH_INTERVAL_S: Final = 0.0005


def favour_the_main_thread() -> None:
    """Make the threads of this process hand the interpreter over sooner (the launcher
    calls it once the window is up, before the background work starts)."""
    import sys

    sys.setswitchinterval(SWITCH_INTERVAL_S)


class Lane(enum.Enum):
    INTERACTIVE = "interactive"
    BULK = "bulk"
    WRITER = "writer"


THREADS: Final = {Lane.INTERACTIVE: 2, Lane.BULK: 2, Lane.WRITER: 1}
# A bulk job (a reload, a list's patch) waits at most this long to start while a person's
# read or write is under way (services/foreground.py): it would halve their speed.
BULK_GIVES_WAY_S: Final = 0.25


class _Guess:
    """``run()``'s default parent: guessed from the callbacks (old call sites)."""


GUESS: Final = _Guess()


@dataclass(eq=False)
class Task(Generic[T]):
    """One piece of background work, already bound to its arguments.

    ``parent`` None means the work belongs to the application (its result is always
    delivered), unless ``guess_parent`` asks for the QObject the callbacks belong to."""

    fn: Callable[[], T]
    on_done: Callable[[T], None] | None = None
    on_error: Failed | None = None
    parent: QObject | None = None
    key: Hashable | None = None
    lane: Lane = Lane.INTERACTIVE
    guess_parent: bool = False
    # Set on the main thread: a newer task with the same key was submitted.
    superseded: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        if self.lane is Lane.WRITER and self.key is not None:
            raise ValueError("writes are never coalesced: a write task takes no key")


def owner(fn: Callable[..., Any] | None) -> QObject | None:
    """The QObject a callback belongs to: a bound method's self, or the first QObject a
    lambda closes over (``lambda rows: self.show(rows)``). Only a fallback for call sites
    that do not name their parent."""
    if fn is None:
        return None
    bound = getattr(fn, "__self__", None)
    if isinstance(bound, QObject):
        return bound
    func = getattr(fn, "__func__", fn)
    for cell in getattr(func, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(value, QObject):
            return value
    return None


def gone(fn: Callable[..., Any] | None) -> bool:
    """The callback's window was closed and deleted: its late result has nowhere to go."""
    widget = owner(fn)
    return widget is not None and not shiboken6.isValid(widget)


def alive(parent: QObject | None) -> bool:
    """A parent that is None (the application) or not yet deleted."""
    return parent is None or shiboken6.isValid(parent)


class _Skipped:
    """What a worker posts back for a task it did not run (its parent was gone)."""


_SKIPPED: Final = _Skipped()


def _is_expected(exc: BaseException) -> bool:
    from bwc_desk.domain.errors import DomainError

    return isinstance(exc, DomainError)


class _Relay:
    """A submitted task, held on the main thread until its result is delivered (or it is
    withdrawn). Workers post only its number back: whatever a task holds (its closures, the
    view they belong to) is let go on the main thread, never on a worker, where the last
    reference to a widget would delete it on the wrong thread."""

    __slots__ = ("ident", "person", "task")

    def __init__(self, ident: int, task: Task[Any]) -> None:
        self.ident = ident
        self.task = task
        self.person: int | None = None  # its step of a person's work (foreground.PERSON)


def _wanted(task: Task[Any], error: BaseException | None) -> bool:
    if task.parent is not None:
        return shiboken6.isValid(task.parent)
    if task.guess_parent:
        return not gone(task.on_done if error is None else task.on_error)
    return True


class _Job:
    """What a lane's queue holds: the task and its relay's number."""

    __slots__ = ("ident", "task")

    def __init__(self, ident: int, task: Task[Any]) -> None:
        self.ident = ident
        self.task = task


def _execute(task: Task[Any]) -> list[Any]:
    """Run the task on this worker; the outcome ``[result, error]`` in a box that the main
    thread empties (so that the worker never holds the last reference to it)."""
    if task.superseded or not alive(task.parent):
        return [_SKIPPED, None]  # nobody wants it: no database time spent
    try:
        return [task.fn(), None]
    except BaseException as exc:  # handed to the main thread, never lost
        if not _is_expected(exc):
            log.error("error in background task:\n%s", "".join(traceback.format_exception(exc)))
        return [None, exc]


class _LaneQueue:
    """A lane: a queue of jobs and a few pool threads that drain it. The queue is ours (not
    the pool's) so that a queued job can be withdrawn when a newer one with its key comes."""

    def __init__(self, lane: Lane, parent: TaskRunner) -> None:
        self.lane = lane
        self._post = parent._posted.emit
        self.pool = QThreadPool(parent)
        self.threads = THREADS[lane]
        self.pool.setMaxThreadCount(self.threads)
        self._lock = threading.Lock()
        self._queue: deque[_Job] = deque()
        self._workers = 0

    def put(self, job: _Job) -> None:
        with self._lock:
            self._queue.append(job)
            start = self._workers < self.threads
            if start:
                self._workers += 1
        if start:
            # A plain callable, not a QRunnable subclass: one with autoDelete kept its Python
            # wrapper and what it held alive after the run (about 0.7 KB a task).
            self.pool.start(self._drain)

    def withdraw(self, task: Task[Any]) -> bool:
        """Take a job out of the queue if it has not started."""
        with self._lock:
            for job in self._queue:
                if job.task is task:
                    self._queue.remove(job)
                    return True
        return False

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._workers -= 1
                    return
                job = self._queue.popleft()
            if self.lane is Lane.BULK:
                PERSON.give_way(BULK_GIVES_WAY_S)
            ident, box = job.ident, _execute(job.task)
            del job  # (before the post: the main thread holds the task until delivery)
            try:
                self._post(ident, box)
            except RuntimeError:
                # The runner is gone (the app quit while this ran: a long export after
                # Ctrl+Q): nobody is left to tell. Raised here, it reached the error box,
                # which opened from this thread and froze the station. What was still queued
                # is not started against a closing database.
                log.info("a result after the quit was dropped")
                with self._lock:
                    self._queue.clear()
                    self._workers -= 1
                return
            del box


class TaskRunner(QObject):
    """Owns the lanes. ``busy_changed`` lets the UI show a working indicator."""

    busy_changed = Signal(bool)
    _posted = Signal(object, object)  # (from a worker: a relay's number, [result, error])

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._posted.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._lanes = {lane: _LaneQueue(lane, self) for lane in Lane}
        self._pending: dict[int, _Relay] = {}
        self._latest: dict[Hashable, _Relay] = {}
        self._numbers = itertools.count()

    def submit(self, task: Task[T]) -> None:
        """Queue the task on its lane (call on the main thread)."""
        relay = _Relay(next(self._numbers), task)
        if task.key is not None:
            self._supersede(task.key)
            self._latest[task.key] = relay
        ident = relay.ident
        was_idle = not self._pending
        self._pending[ident] = relay
        if task.lane is not Lane.BULK:
            relay.person = PERSON.begin()  # a person waits for it (ended in _release)
        self._lanes[task.lane].put(_Job(ident, task))
        if was_idle:
            self.busy_changed.emit(True)

    def _supersede(self, key: Hashable) -> None:
        older = self._latest.pop(key, None)
        if older is None:
            return
        older.task.superseded = True
        if self._lanes[older.task.lane].withdraw(older.task):  # never started: no trace
            self._release(older.ident)

    @Slot(object, object)
    def _deliver(self, ident: int, box: list[Any]) -> None:
        result, error = box
        box.clear()
        relay = self._pending.get(ident)
        if relay is None:  # (released already)
            return
        task = relay.task
        try:
            self._settled(relay)
            if result is _SKIPPED or task.superseded:
                log.debug("a superseded or orphaned result was dropped")
            elif not _wanted(task, error):
                log.debug("a late result for a closed window was dropped")
            elif error is None:
                if task.on_done is not None:
                    task.on_done(result)
            elif task.on_error is not None:
                task.on_error(error)
            elif _is_expected(error):
                log.warning("background task refused: %s", error)
            else:
                log.error("background task failed", exc_info=error)
        finally:
            self._release(ident)

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
        *,
        write: bool = False,
        key: Hashable | None = None,
        lane: Lane | None = None,
        parent: QObject | _Guess | None = GUESS,
    ) -> None:
        """The old call: ``write=True`` for the writer, otherwise ``lane`` (interactive by
        default). Without ``parent``, the callbacks' owner is guessed."""
        guess = isinstance(parent, _Guess)
        self.submit(
            Task(
                fn,
                on_done,
                on_error,
                parent=None if isinstance(parent, _Guess) else parent,
                key=key,
                lane=Lane.WRITER if write else (lane or Lane.INTERACTIVE),
                guess_parent=guess,
            )
        )

    def _settled(self, relay: _Relay) -> None:
        key = relay.task.key
        if key is not None and self._latest.get(key) is relay:
            del self._latest[key]

    def _release(self, ident: int) -> None:
        relay = self._pending.pop(ident, None)
        if relay is not None and relay.person is not None:
            PERSON.end(relay.person)
        if not self._pending:
            self.busy_changed.emit(False)

    def set_priority(self, priority: QThread.Priority) -> None:
        for lane in self._lanes.values():
            lane.pool.setThreadPriority(priority)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Wait for the writer first (what a person did is committed), then the readers."""
        for lane in (Lane.WRITER, Lane.INTERACTIVE, Lane.BULK):
            self._lanes[lane].pool.waitForDone(timeout_ms)

"""Background work: ``run(fn, on_done)`` on a thread pool, results posted to the main thread.

The rule (after Picard): workers never touch a widget. Mutating work runs on one serial
thread so that scans are committed in the order they were made; reads run in parallel.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThread, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


def owner(fn: Callable[..., Any] | None) -> QObject | None:
    """The QObject a callback belongs to: a bound method's self, or the first QObject a
    lambda closes over (``lambda rows: self.show(rows)``)."""
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


class _Relay(QObject):
    """Lives in the main thread; the worker's signal is queued to it."""

    finished = Signal(object, object)

    def __init__(
        self, on_done: Done | None, on_error: Failed | None, release: Callable[[_Relay], None]
    ) -> None:
        super().__init__()
        self._on_done = on_done
        self._on_error = on_error
        self._release = release
        self.finished.connect(self._deliver)

    @Slot(object, object)
    def _deliver(self, result: Any, error: BaseException | None) -> None:
        try:
            if gone(self._on_done if error is None else self._on_error):
                log.debug("a late result for a closed window was dropped")
            elif error is None:
                if self._on_done is not None:
                    self._on_done(result)
            elif self._on_error is not None:
                self._on_error(error)
            else:
                log.error("background task failed", exc_info=error)
        finally:
            self._release(self)


def _job(fn: Callable[[], Any], relay: _Relay) -> Callable[[], None]:
    """The work as a plain callable for QThreadPool.start. (A QRunnable subclass with
    autoDelete kept its Python wrapper, the relay and the closure alive after the run: about
    0.7 KB a task, megabytes an hour on a station whose views refresh every second.)"""

    def run() -> None:
        try:
            result = fn()
        except BaseException as exc:  # handed to the main thread, never lost
            if not _is_expected(exc):
                log.error("error in background task:\n%s", "".join(traceback.format_exception(exc)))
            relay.finished.emit(None, exc)
        else:
            relay.finished.emit(result, None)

    return run


def _is_expected(exc: BaseException) -> bool:
    from bwc_desk.domain.errors import DomainError

    return isinstance(exc, DomainError)


class TaskRunner(QObject):
    """Owns the pools. ``busy_changed`` lets the UI show a working indicator."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._readers = QThreadPool(self)
        self._readers.setMaxThreadCount(3)
        self._writer = QThreadPool(self)
        self._writer.setMaxThreadCount(1)  # one writer: commits in the order of the scans
        self._pending: set[_Relay] = set()

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
        *,
        write: bool = False,
    ) -> None:
        relay = _Relay(on_done, on_error, self._release)
        was_idle = not self._pending
        self._pending.add(relay)
        (self._writer if write else self._readers).start(_job(fn, relay))
        if was_idle:
            self.busy_changed.emit(True)

    def _release(self, relay: _Relay) -> None:
        self._pending.discard(relay)
        relay.deleteLater()
        if not self._pending:
            self.busy_changed.emit(False)

    def set_priority(self, priority: QThread.Priority) -> None:
        for pool in (self._readers, self._writer):
            pool.setThreadPriority(priority)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        self._writer.waitForDone(timeout_ms)
        self._readers.waitForDone(timeout_ms)

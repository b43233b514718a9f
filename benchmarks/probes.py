"""What the benchmarks that follow the user measure with: waiting on the event loop (never a
busy loop), paints of a widget, gaps of the main thread's event loop, and when a filter box's
text has been applied to its table.

Only public paths of the app are used (widgets, their signals, public methods), so that the
benchmarks keep working while the views' internals change."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

WAIT_TICK_MS = 2


def app() -> Any:
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def wait_for(done: Callable[[], bool], timeout_s: float = 120.0, what: str = "") -> None:
    """Run the event loop until ``done()`` (checked every couple of milliseconds and at
    every quit request). The loop sleeps between events, like the app's own."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    if done():
        return
    loop = QEventLoop()
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(WAIT_TICK_MS)
    deadline = time.perf_counter() + timeout_s
    timed_out = [False]

    def check() -> None:
        if done():
            loop.quit()
        elif time.perf_counter() > deadline:
            timed_out[0] = True
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    if timed_out[0] and not done():
        raise TimeoutError(f"gave up after {timeout_s:.0f} s waiting for {what or 'the app'}")


def pause(seconds: float) -> None:
    """Let the event loop run (timers, workers' results) for ``seconds``."""
    end = time.perf_counter() + seconds
    wait_for(lambda: time.perf_counter() >= end, seconds + 60)


class PaintWatch:
    """The times (perf_counter) at which a widget received paint events, and what
    ``describe(widget)`` said at each (its text, say)."""

    def __init__(self, widget: Any, describe: Callable[[Any], Any] = lambda w: None) -> None:
        from PySide6.QtCore import QEvent, QObject

        watch = self
        self.widget = widget
        self.paints: list[tuple[float, Any]] = []

        class Filter(QObject):
            def eventFilter(self, watched: Any, event: Any) -> bool:
                if event.type() == QEvent.Type.Paint:
                    watch.paints.append((time.perf_counter(), describe(watched)))
                return False

        self._filter = Filter()
        widget.installEventFilter(self._filter)

    def painted_since(self, t: float, seen: Callable[[Any], bool] = lambda _d: True) -> float:
        """The time of the first paint at or after ``t`` whose description passes ``seen``,
        or 0."""
        for at, described in self.paints:
            if at >= t and seen(described):
                return at
        return 0.0

    def remove(self) -> None:
        self.widget.removeEventFilter(self._filter)


class StallProbe:
    """A precise timer on the main thread every ``tick_ms``: each late tick is a stall of
    the event loop (how long nothing on the main thread answered: input, paints)."""

    def __init__(self, tick_ms: int = 5) -> None:
        from PySide6.QtCore import QElapsedTimer, Qt, QTimer

        self.tick_ms = tick_ms
        self.stalls: list[float] = []
        self._clock = QElapsedTimer()
        self._last = 0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self._tick)
        from benchmarks.stalls import sampler

        self.sampler = sampler()  # what ran during the stalls (--stalls), else None

    def start(self) -> None:
        self.stalls.clear()
        self._clock.start()
        self._last = self._clock.nsecsElapsed()
        self._timer.start()
        if self.sampler is not None:
            self.sampler.start()

    def stop(self, title: str = "") -> None:
        self._timer.stop()
        if self.sampler is not None:
            self.sampler.stop()
            import sys

            print(self.sampler.report(title), file=sys.stderr, flush=True)

    def _tick(self) -> None:
        now = self._clock.nsecsElapsed()
        self.stalls.append(max(0.0, (now - self._last) / 1e6 - self.tick_ms))
        self._last = now

    @property
    def worst(self) -> float:
        return max(self.stalls, default=0.0)


class FilterWatch:
    """When the text typed into a FilteredTable's box has been applied to its rows: the
    table's public ``filter_applied`` signal (emitted when its debounce timer fires)."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.applied: list[tuple[float, str]] = []
        table.filter_applied.connect(
            lambda text: self.applied.append((time.perf_counter(), text))
        )

    def applied_since(self, t: float, text: str) -> float:
        for at, applied in self.applied:
            if at >= t and applied == text:
                return at
        return 0.0


def settle(painted: PaintWatch, quiet_s: float = 0.1) -> None:
    """Before a search is typed: the focus moved to the box, or the box cleared (neither of
    them a key timed here), and the table repainted for it, as it has done by the time a
    person starts typing. Run until the table has not painted for ``quiet_s``. The same for
    the app and for the bare baseline: a key is timed from its press, not from an earlier
    action's paint still in progress."""
    def quiet() -> bool:
        last = painted.paints[-1][0] if painted.paints else 0.0
        return time.perf_counter() - max(last, started) > quiet_s

    started = time.perf_counter()
    wait_for(quiet, 60, "the table to be quiet")


def time_keystrokes(table: Any, searches: list[str], painted: PaintWatch,
                    quiet_s: float = 0.3) -> list[float]:
    """Type each search into the FilteredTable's box one key at a time; each key timed from
    the key press until its text is applied and the table has repainted (or, when the
    rows shown did not change, until the table stayed quiet for a moment: nothing was left
    to paint, and the time is that of the apply)."""
    from PySide6.QtTest import QTest

    watch = FilterWatch(table)
    edit = table.filter_edit
    times: list[float] = []
    for search in searches:
        edit.setFocus()
        settle(painted)
        for i, key in enumerate(search):
            text = search[: i + 1]
            started = time.perf_counter()
            QTest.keyClick(edit, key)
            wait_for(lambda t=text, s=started: bool(watch.applied_since(s, t)), 60, "the filter")
            applied = watch.applied_since(started, text)
            wait_for(lambda a=applied: bool(painted.painted_since(a))
                     or time.perf_counter() - a > quiet_s, 60, "a repaint")
            shown = painted.painted_since(applied) or applied
            times.append((shown - started) * 1000)
        cleared = time.perf_counter()
        edit.clear()
        wait_for(lambda c=cleared: bool(watch.applied_since(c, "")), 60, "the filter")
        settle(painted)
    return times


def bare_proxy_keystrokes(texts: list[list[str]], columns: list[str],
                          searches: list[str]) -> list[float]:
    """The like-for-like baseline of a filter box: the same rows' texts in Qt's own
    QStandardItemModel behind a stock QSortFilterProxyModel (fixed string, any column, case
    insensitive, applied on every key without a debounce), in a shown QTableView; the same
    searches typed one key at a time, each timed from the key press to the table
    repainted."""
    from PySide6.QtCore import QSortFilterProxyModel, Qt
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit, QTableView, QVBoxLayout, QWidget

    model = QStandardItemModel(len(texts), len(columns))
    model.setHorizontalHeaderLabels(columns)
    for r, row in enumerate(texts):
        for c, cell in enumerate(row):
            model.setItem(r, c, QStandardItem(cell))
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setFilterKeyColumn(-1)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    window = QWidget()
    edit = QLineEdit(window)
    view = QTableView(window)
    view.setModel(proxy)
    layout = QVBoxLayout(window)
    layout.addWidget(edit)
    layout.addWidget(view)
    edit.textChanged.connect(proxy.setFilterFixedString)
    window.resize(1400, 860)
    window.show()
    QTest.qWaitForWindowExposed(window)
    painted = PaintWatch(view.viewport())
    times: list[float] = []
    for search in searches:
        edit.setFocus()
        settle(painted)
        for key in search:
            started = time.perf_counter()
            QTest.keyClick(edit, key)  # (the proxy has filtered when this returns)
            done = time.perf_counter()
            wait_for(lambda d=done: bool(painted.painted_since(d)) or
                     time.perf_counter() - d > 0.3, 60, "a repaint")
            shown = painted.painted_since(done) or done
            times.append((shown - started) * 1000)
        edit.clear()
        settle(painted)
    painted.remove()
    window.close()
    window.deleteLater()
    return times


def table_texts(model: Any) -> tuple[list[str], list[list[str]]]:
    """A table model's column titles and every row's display texts."""
    from PySide6.QtCore import Qt

    columns = [str(model.headerData(c, Qt.Orientation.Horizontal) or "")
               for c in range(model.columnCount())]
    rows = [[str(model.index(r, c).data() or "") for c in range(len(columns))]
            for r in range(model.rowCount())]
    return columns, rows

"""A window's paint in one hold of the interpreter.

Qt paints a window when its event loop takes the window's ``UpdateRequest``: every widget
marked dirty since, in one pass. A table in that pass asks its model from Python for every
cell it draws (the proxy's ``index`` and ``multiData``, the flags through ``mapToSource``:
about four calls per cell). From the event loop each of those calls takes the interpreter
and gives it back, and a worker or the dock feed waiting for it takes it in between: the
next call then waits for the switch interval (``tasks.SWITCH_INTERVAL_S``) before Python
asks that thread to let go. Measured on the counter's Out now list (18 rows shown) with one
busy Python thread beside: 151 ms for one paint, against 15 ms with nothing else running.

Handed to the window from Python instead (``QWidget.event``, which keeps the interpreter
while Qt works), the same paint took 29 ms: this thread keeps the interpreter from one call
to the next, and the others get it only when Python itself asks this thread to let go
(every switch interval while it runs Python, not at every call). So ``PaintHold`` takes
each ``UpdateRequest`` of the windows it watches and hands it to the window from Python:
the main window, and every window that takes the keyboard's focus (a dialog, a box)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget


class PaintHold(QObject):
    """Watches ``window`` and every window that later takes the focus (see the module)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.handed = 0  # (paints handed over: for the tests)
        self.watch(window)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus)

    def watch(self, window: QWidget) -> None:
        """Paint this window in one go (again: Qt keeps one filter per object)."""
        window.installEventFilter(self)

    def _focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None:
            self.watch(new.window())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.UpdateRequest or not isinstance(watched, QWidget):
            return False
        self.handed += 1
        watched.event(event)  # (the whole paint, this thread keeping the interpreter)
        return True

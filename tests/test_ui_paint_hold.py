"""PaintHold: a window's paint handed to it from Python (one hold of the interpreter for
the whole paint, see ui/paint_hold.py), for the main window and every window that takes
the focus; the paint itself is Qt's, unchanged."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QDialog, QLineEdit, QVBoxLayout, QWidget

from bwc_desk.ui.paint_hold import PaintHold


class Painted(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paints = 0
        self.setMinimumSize(100, 50)
        self.events: list[QEvent.Type] = []

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paints += 1

    def event(self, event: QEvent) -> bool:
        self.events.append(event.type())
        return super().event(event)


def test_the_windows_paints_go_through_the_hold_and_still_happen(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = Painted()
    child = Painted(window)
    QVBoxLayout(window).addWidget(child)
    qtbot.addWidget(window)
    hold = PaintHold(window)
    window.resize(300, 200)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: child.paints > 0)
    before, painted = hold.handed, child.paints
    child.update()
    qtbot.waitUntil(lambda: child.paints > painted)
    assert hold.handed > before  # the UpdateRequest went through the hold...
    assert QEvent.Type.UpdateRequest in window.events  # ...and reached the window itself


def test_other_events_pass_untouched(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QWidget()
    edit = QLineEdit(window)
    qtbot.addWidget(window)
    PaintHold(window)
    window.show()
    qtbot.waitExposed(window)
    edit.setFocus()
    qtbot.keyClicks(edit, "BWC-0042")
    assert edit.text() == "BWC-0042"


def test_a_dialog_that_takes_the_focus_is_watched(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QWidget()
    qtbot.addWidget(window)
    hold = PaintHold(window)
    window.show()
    qtbot.waitExposed(window)
    dialog = QDialog(window)
    inside = Painted(dialog)
    edit = QLineEdit(dialog)
    layout = QVBoxLayout(dialog)
    layout.addWidget(inside)
    layout.addWidget(edit)
    dialog.show()
    qtbot.waitExposed(dialog)
    edit.setFocus()
    qtbot.waitUntil(lambda: edit.hasFocus())
    before, painted = hold.handed, inside.paints
    inside.update()
    qtbot.waitUntil(lambda: inside.paints > painted)
    assert hold.handed > before

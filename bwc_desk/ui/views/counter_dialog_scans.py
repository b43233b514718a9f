"""A scan typed while a counter dialog is open is never an answer to it.

A USB scanner types its code and presses Enter into whatever has the focus. With a dialog
of the counter open (function test, not ready, spare swap, handover...), that Enter was the
dialog's default button ("All checks passed", "Pick another camera") and the code was lost.
Here the keys are timed as the counter times them (ui/scan_keys.py): a burst at scanner
speed that ends in Enter is a scan. Its Enter is swallowed, whatever the burst changed in
the dialog (a note, a reason chosen by its digit, a tick) is put back as it was, the dialog
says that a scan came in and was not used, and the counter is told (a sound, a log line).
The scan is not kept for later: the person answers the dialog, then scans again.
A dialog may take a burst as typed by hand (TypedBursts): the PIN dialog takes one that
could be a PIN, typed into the PIN field. A burst typed into a hidden field (a password, a
PIN) is never a scan but there (ui/scan_keys.py), and a dialog with a hidden field never
names the code it refused, in its notice or to the counter: nothing typed into it can leak.
The notice makes the dialog grow to show it (within the screen).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QBoxLayout,
    QDialog,
    QLabel,
    QLineEdit,
    QWidget,
)

from bwc_desk.ui.scan_keys import Restorable, ScanWatch, TypedBursts, is_hidden


class DialogScans(ScanWatch):
    follows_focus = True  # (counts: the focus widget's keys only)

    def __init__(
        self,
        dialog: QDialog,
        on_scan: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``on_scan`` gets the refused code, or '' where the dialog has a hidden field."""
        super().__init__(dialog, clock)
        self.dialog = dialog
        self.on_scan = on_scan
        self.notice: QLabel | None = None
        self.watch_always(dialog)  # (the keys no child has the focus for)
        self.watch(dialog.findChildren(QWidget))

    def counts(self, watched: Any) -> bool:
        focus = QApplication.focusWidget()
        return watched is (focus if focus is not None else self.dialog)

    def snapshot(self, watched: Any) -> Restorable | None:
        return _Saved(self.dialog)

    def is_scan(self, watched: Any, code: str) -> bool:
        # A PIN typed quickly into its field is the PIN (the dialog says what may be one).
        return not (isinstance(self.dialog, TypedBursts) and self.dialog.typed_by_hand(watched))

    def hidden_is_scan(self, watched: Any) -> bool:
        # The PIN field: a burst that could not be a PIN is a scan (never shown).
        return isinstance(self.dialog, TypedBursts) and not self.dialog.typed_by_hand(watched)

    def scanned(self, code: str) -> None:
        if any(is_hidden(edit) for edit in self.dialog.findChildren(QLineEdit)):
            code = ""
        self._say(code.strip())
        self.on_scan(code.strip())

    def _say(self, code: str) -> None:
        if self.notice is None:
            self.notice = QLabel(self.dialog)
            self.notice.setObjectName("scan_not_used")
            self.notice.setWordWrap(True)
            self.notice.setStyleSheet("color: #b91c1c; font-weight: bold;")
            layout = self.dialog.layout()
            if isinstance(layout, QBoxLayout):
                layout.insertWidget(0, self.notice)
            elif layout is not None:
                layout.addWidget(self.notice)
        named = f" ({code})" if code else ""
        self.notice.setText(
            f"A scan came in{named} and was not used: this window is still open. Answer it "
            "first, then scan again."
        )
        self.notice.show()
        _grow(self.dialog)


def _grow(dialog: QDialog) -> None:
    """The dialog as large as its contents ask (a notice just inserted), never smaller than
    it is, within the screen."""
    layout = dialog.layout()
    if layout is not None:
        layout.activate()
    hint = dialog.sizeHint()
    screen = dialog.screen()
    room = screen.availableGeometry().size() if screen is not None else hint
    width = min(max(dialog.width(), hint.width()), room.width())
    height = dialog.heightForWidth(width) if dialog.hasHeightForWidth() else -1
    height = min(max(dialog.height(), hint.height(), height), room.height())
    dialog.resize(width, height)


class _Saved:
    """What a burst of keys can change in a dialog: texts, ticks, the choice, the focus."""

    def __init__(self, dialog: QDialog) -> None:
        self.focus = QApplication.focusWidget()
        self.edits = [(e, e.text(), e.cursorPosition()) for e in dialog.findChildren(QLineEdit)]
        self.ticks = [
            (b, b.isChecked()) for b in dialog.findChildren(QAbstractButton) if b.isCheckable()
        ]

    def restore(self) -> None:
        for edit, text, cursor in self.edits:
            if edit.text() != text:
                edit.setText(text)
                edit.setCursorPosition(cursor)
        groups = {b.group() for b, _ in self.ticks if b.group() is not None}
        exclusive = {g: g.exclusive() for g in groups}
        for group in groups:  # (an exclusive group refuses to untick its checked button)
            group.setExclusive(False)
        for button, checked in self.ticks:
            if button.isChecked() != checked:
                button.setChecked(checked)
        for group, was in exclusive.items():
            group.setExclusive(was)
        if self.focus is not None and self.focus is not QApplication.focusWidget():
            self.focus.setFocus(Qt.FocusReason.OtherFocusReason)

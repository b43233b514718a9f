"""The counter's "Undo last": which transaction it would correct, and until when.

The window is the agency's (``undo_window_seconds``, 0-600 s), as the transaction's own result
carried it; the ScanRouter's ``decide_undo`` says what a press does, and a timer greys the
button out when the window closes, so that it is never offered when it would be refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QPushButton

from bwc_desk.services.counter.router import (
    LastTransaction,
    UndoDecision,
    can_undo,
    decide_undo,
    undo_deadline,
)


class UndoControl(QObject):
    def __init__(
        self,
        button: QPushButton,
        now: Callable[[], datetime],
        allowed: Callable[[], bool],
    ) -> None:
        super().__init__(button)
        self.button = button
        self.now = now
        self.allowed = allowed  # may this staff member undo at all (scan permission)
        self.last: LastTransaction | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.update)
        self.button.setEnabled(False)

    def remember(self, seq: int | None, window_seconds: int, asset_tag: str) -> None:
        """The transaction just made, with the undo window its result carried."""
        self.last = LastTransaction(seq, self.now(), window_seconds, asset_tag)
        self.update()

    def undone(self) -> None:
        if self.last is not None:
            self.last = replace(self.last, seq=None)
        self.update()

    def decide(self) -> UndoDecision:
        return decide_undo(self.last, self.now())

    def update(self) -> None:
        now = self.now()
        may = self.allowed() and can_undo(self.last, now)
        self.button.setEnabled(may)
        deadline = undo_deadline(self.last)
        if may and deadline is not None:
            self.timer.start(int((deadline - now).total_seconds() * 1000) + 50)
        else:
            self.timer.stop()

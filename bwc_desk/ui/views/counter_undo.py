"""The counter's "Undo last": which transaction it would correct, and until when.

The window is the agency's (``undo_window_seconds``, 0-600 s), as the transaction's own result
carried it; the ScanRouter's ``decide_undo`` says what a press does, and a timer greys the
button out when the window closes, so that it is never offered when it would be refused. A
press the database refused (services.counter.undo.undo_refused) greys it out too when pressing
again can never work; an outage leaves it for a retry, said again when the server answers."""

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
from bwc_desk.services.counter.undo import UndoRefused, undo_refused


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
        self.waiting: LastTransaction | None = None  # an undo refused by an outage
        self.was_undone = False  # the last transaction's seq is None because it was undone
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.update)
        self.button.setEnabled(False)

    def remember(self, seq: int | None, window_seconds: int, asset_tag: str) -> None:
        """The transaction just made, with the undo window its result carried."""
        self.last = LastTransaction(seq, self.now(), window_seconds, asset_tag)
        self.was_undone = False
        self.update()

    def forget(self) -> None:
        """Another staff member signed in: the last transaction is not theirs to undo."""
        self.last = self.waiting = None
        self.was_undone = False
        self.update()

    def nothing_text(self) -> str:
        """Why a press of Undo does nothing (decide() said NOTHING)."""
        last = self.last
        if last is None:
            return (
                "Nothing to undo: no issue or return of yours at this counter since you "
                "signed in."
            )
        if self.was_undone:
            return (
                f"Nothing to undo: the last transaction here ({last.asset_tag}) was already "
                "undone. Anything older is corrected as a new transaction."
            )
        return (
            f"Nothing to undo: the last transaction here ({last.asset_tag}) cannot be undone "
            "at the counter. Make the correction as a new transaction."
        )

    def undone(self) -> None:
        self.waiting = None
        self.was_undone = True
        if self.last is not None:
            self.last = replace(self.last, seq=None)
        self.update()

    def refused(self, tried: LastTransaction, exc: BaseException) -> UndoRefused:
        """The database refused to undo ``tried``: for good (``final``: it is forgotten, and
        the button greys out), or for now (a server away: offered until the window closes,
        and said again when the server answers). A transaction made since is the one Undo
        offers, whatever happened to ``tried``."""
        refused = undo_refused(exc, tried, self.now())
        if refused.final and self.last is not None and self.last.seq == tried.seq:
            self.last = replace(self.last, seq=None)
        self.waiting = tried if refused.outage and not refused.final else None
        self.update()
        return refused

    def answers_again(self) -> str:
        """The server answers again: what to do of the undo the outage refused ('': none,
        or a newer transaction is the one Undo offers now). Said once."""
        waiting, self.waiting = self.waiting, None
        last = self.last
        if waiting is None or last is None or last.seq != waiting.seq:
            return ""
        deadline = undo_deadline(last)
        if deadline is not None and can_undo(last, self.now()):
            return (
                f"press Undo (Ctrl+Z) again to undo {last.asset_tag}, before "
                f"{deadline.astimezone():%H:%M}"
            )
        return (
            f"the undo window for {last.asset_tag} has closed: make the correction as a new "
            "transaction"
        )

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

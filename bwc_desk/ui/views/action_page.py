"""The Assignments pages' shared base: buttons gated by role and by what is selected, and a
line for results and refusals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QWidget

from bwc_desk.domain.roles import Permission
from bwc_desk.domain.settings import AssignmentMode
from bwc_desk.ui.dialogs.service_dialog import ServiceDialog
from bwc_desk.ui.state import AppState

POOLED_ONLY = (
    "The agency shares all its cameras through pools (Agency settings: assignment model "
    "'pooled'), so officers have no primary camera."
)
OFFICERS_ONLY = (
    "The agency gives every officer a camera of their own (Agency settings: assignment model "
    "'officer'), so there are no pools."
)


@dataclass
class Gate:
    """A button, the permission it needs, and what else it needs now ('' when nothing)."""

    button: QPushButton
    permission: Permission
    blocked: Callable[[], str]
    tip: str = ""


class ActionPage(QWidget):
    """A page with gated buttons and a line for results and refusals."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.gates: list[Gate] = []
        self.mode = AssignmentMode.MIXED.value
        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.loaded = False
        self.dialog: QDialog | None = None  # the one open, for tests and for focus
        state.actor_changed.connect(lambda _a: self.update_buttons())

    def button(
        self, text: str, permission: Permission, blocked: Callable[[], str], tip: str = ""
    ) -> QPushButton:
        button = QPushButton(text, self)
        self.gates.append(Gate(button, permission, blocked, tip))
        return button

    def update_buttons(self) -> None:
        for gate in self.gates:
            if not self.state.can(gate.permission):
                gate.button.setEnabled(False)
                gate.button.setToolTip(self.state.why_not(gate.permission))
                continue
            why = gate.blocked()
            gate.button.setEnabled(not why)
            gate.button.setToolTip(why or gate.tip)

    def refresh(self) -> None:
        raise NotImplementedError

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b91c1c; font-weight: bold;" if error else "")
        self.message.setText(text)

    def refused(self, exc: BaseException) -> None:
        self.say(str(exc), error=True)

    def open(self, dialog: ServiceDialog, done: Callable[[Any], None]) -> None:
        """Run a dialog that writes through a service; ``done`` gets what it wrote."""
        self.dialog = dialog
        dialog.written.connect(done)
        try:
            dialog.exec()
        finally:
            self.dialog = None
            self.setFocus()

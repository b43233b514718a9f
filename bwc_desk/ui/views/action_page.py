"""The Assignments pages' shared base: buttons gated by role and by what is selected
(ui/gates.py), and a line for results and refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QWidget

from bwc_desk.domain.roles import Permission
from bwc_desk.domain.settings import AssignmentMode
from bwc_desk.ui.dialogs.service_dialog import ServiceDialog
from bwc_desk.ui.gates import Gates
from bwc_desk.ui.state import AppState

POOLED_ONLY = (
    "The agency shares all its cameras through pools (Agency settings: assignment model "
    "'pooled'), so officers have no primary camera."
)
OFFICERS_ONLY = (
    "The agency gives every officer a camera of their own (Agency settings: assignment model "
    "'officer'), so there are no pools."
)


class ActionPage(QWidget):
    """A page with gated buttons and a line for results and refusals."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.gates = Gates(state, self)  # (applied again when someone else signs in)
        self.buttons: list[QPushButton] = []  # the gated buttons, in order
        self.mode = AssignmentMode.MIXED.value
        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.loaded = False
        self.dialog: QDialog | None = None  # the one open, for tests and for focus

    def button(
        self, text: str, permission: Permission, blocked: Callable[[], str], tip: str = ""
    ) -> QPushButton:
        button = QPushButton(text, self)
        self.gates.add(button, permission, blocked, tip)
        self.buttons.append(button)
        return button

    def update_buttons(self) -> None:
        self.gates.update()

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
            self.focus_home().setFocus()

    def focus_home(self) -> QWidget:
        """Where the keyboard's focus goes back to after a dialog (a page's list: a code
        scanned or a search typed there goes to its filter box)."""
        return self

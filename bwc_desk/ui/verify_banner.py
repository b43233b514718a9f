"""The banner above every view (and the lock screen) that says records failed verification:
red and without a close button until a verification passes; amber, and dismissable, when
nothing signs the records or the automatic run could not run. Never a modal box: one that
opens at the lock screen would take the password being typed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from bwc_desk.services.auto_verify import Standing
from bwc_desk.ui.auto_verify import describe

_STYLE = {
    "failed": "QFrame#verify_banner { background: #b91c1c; } QLabel { color: white; "
              "font-weight: bold; }",
    "notice": "QFrame#verify_banner { background: #fef3c7; border-bottom: 1px solid #b45309; }"
              " QLabel { color: #78350f; }",
}


class VerifyBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verify_banner")
        self.label = QLabel(self)
        self.label.setObjectName("verify_banner_text")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.dismiss = QPushButton("Dismiss", self)
        self.dismiss.setObjectName("verify_banner_dismiss")
        self.dismiss.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # (never takes a scan's Enter)
        self.dismiss.clicked.connect(self._dismissed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss)
        self.level = ""
        self._standing = Standing(None, None)
        self._locked = False
        self._dismissed_text = ""
        self.hide()

    def show_standing(self, standing: Standing) -> None:
        self._standing = standing
        self._render()

    def set_locked(self, locked: bool) -> None:
        self._locked = locked
        self._render()

    def _render(self) -> None:
        shown = describe(self._standing, self._locked)
        if shown is None or (shown[0] != "failed" and shown[1] == self._dismissed_text):
            self.level = ""
            self.hide()
            return
        self.level, text = shown
        self.setStyleSheet(_STYLE[self.level])
        self.label.setText(text)
        self.dismiss.setVisible(self.level != "failed")
        self.show()

    def _dismissed(self) -> None:
        self._dismissed_text = self.label.text()
        self._render()

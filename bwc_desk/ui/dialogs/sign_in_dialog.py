"""Sign-in before any data is shown: user name, Tab, password, Enter."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.errors import DomainError
from bwc_desk.services.context import Actor

# submit(user, password, on_done(actor), on_error(exc)): runs the check off the main thread.
SignIn = Callable[[str, str, Callable[[Actor], None], Callable[[BaseException], None]], None]


class SignInDialog(QDialog):
    """Checks the credentials through ``sign_in`` (a service call on a worker thread:
    Argon2 is slow on purpose, and the check writes the station's record); ``actor`` is set
    on success."""

    def __init__(
        self,
        sign_in: SignIn,
        *,
        agency: str,
        station: str,
        demo_accounts: Sequence[tuple[str, str, str]] = (),
        title: str = "Sign in",
        note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._sign_in = sign_in
        self.actor: Actor | None = None
        self.setWindowTitle(f"{title} - BWC Desk")
        self.setModal(True)
        heading = QLabel(f"<b>{agency or 'BWC Desk'}</b><br>Station {station}")
        self.user_edit = QLineEdit(self)
        self.user_edit.setObjectName("username")
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b91c1c; font-weight: bold;")
        form = QFormLayout()
        form.addRow("&User name", self.user_edit)
        form.addRow("&Password", self.password_edit)
        buttons = QDialogButtonBox(self)
        self.sign_in_button = buttons.addButton("Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._try)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        if note:
            note_label = QLabel(note)
            note_label.setWordWrap(True)
            layout.addWidget(note_label)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        if demo_accounts:
            lines = "".join(
                f"<tr><td>{u}</td><td>{p}</td><td>{r}</td></tr>" for u, p, r in demo_accounts
            )
            demo = QLabel(
                "<b>Demo agency</b>: sign in with any of these (shown in the demo only)."
                f"<table cellspacing=6><tr><th align=left>User</th><th align=left>Password"
                f"</th><th align=left>Role</th></tr>{lines}</table>"
            )
            demo.setObjectName("demo_accounts")
            demo.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            demo.setStyleSheet("background: #fef9c3; padding: 6px;")
            layout.addWidget(demo)
        layout.addWidget(buttons)
        self.setTabOrder(self.user_edit, self.password_edit)
        self.user_edit.setFocus()

    def _try(self) -> None:
        if not self.user_edit.text().strip():
            self.error_label.setText("Enter your user name.")
            self.user_edit.setFocus()
            return
        self.sign_in_button.setEnabled(False)
        self.error_label.setText("Checking...")
        self._sign_in(
            self.user_edit.text(), self.password_edit.text(), self._signed_in, self._failed
        )

    def _signed_in(self, actor: Actor) -> None:
        self.actor = actor
        self.error_label.clear()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.sign_in_button.setEnabled(True)
        self.error_label.setText(
            str(exc) if isinstance(exc, DomainError) else f"Sign-in failed: {exc}"
        )
        self.password_edit.clear()
        self.password_edit.setFocus()

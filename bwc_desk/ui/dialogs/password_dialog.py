"""File > Change my password...: the signed-in person replaces their own password, for every
role. The current password, the new one typed twice; what the form can tell itself (a field
left empty, too short, the two entries differ, the same as the current one) is said at once
under the fields, nothing sent; the rest (the current password wrong, a leaked password) is
the service's answer, checked on the writer thread (Argon2id takes a moment), shown the same
way. The three fields hide what is typed: the scanner watch never takes them for a scan
(ui/scan_keys.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.passwords import MIN_PASSWORD_LENGTH, check_password
from bwc_desk.services import auth
from bwc_desk.ui.dialogs.service_dialog import Request, ServiceDialog
from bwc_desk.ui.state import AppState

DIFFER = "The two new passwords differ: type the new password again under Repeat."
SAME = "The new password is the same as your current one: choose a different one."
NO_CURRENT = "Type your current password (the one you signed in with)."


class ChangePasswordDialog(ServiceDialog):
    changed = "staff"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "Change my password", parent, ok_text="&Change password")
        actor = state.actor
        self.username = actor.username if actor is not None else ""
        self.heading.setText(
            f"A new password for <b>{self.username}</b>. Type the current one first, then the "
            "new one twice."
        )
        self.current_edit = self._hidden("current_password", "the password you signed in with")
        self.new_edit = self._hidden("new_password", f"at least {MIN_PASSWORD_LENGTH} characters")
        self.confirm_edit = self._hidden("confirm_password", "the new password again")
        self.form.addRow("C&urrent password", self.current_edit)
        self.form.addRow("&New password", self.new_edit)
        self.form.addRow("&Repeat new password", self.confirm_edit)
        rules = QLabel(
            f"At least {MIN_PASSWORD_LENGTH} characters; not a common or leaked password, "
            "nor your user name.",
            self,
        )
        rules.setWordWrap(True)
        self.form.addRow(rules)
        self.setMinimumWidth(max(480, self.sizeHint().width()))

    def _hidden(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setPlaceholderText(placeholder)
        edit.setMaxLength(256)
        return edit

    def request(self) -> Request | None:
        current, new = self.current_edit.text(), self.new_edit.text()
        if not current:
            self.refuse_secret(NO_CURRENT, self.current_edit)
            return None
        try:
            check_password(new, (), self.username)  # (the leaked list: the service's)
        except DomainError as exc:
            self.refuse_secret(str(exc), self.new_edit, self.confirm_edit)
            return None
        if self.confirm_edit.text() != new:
            self.refuse_secret(DIFFER, self.confirm_edit)
            return None
        if new == current:
            self.refuse_secret(SAME, self.new_edit, self.confirm_edit)
            return None
        return (lambda ctx: auth.change_own_password(ctx, current, new)), self.changed

    def refused(self, exc: BaseException) -> None:
        if "current password" in str(exc).lower():
            self.refuse_secret(str(exc), self.current_edit)
        elif "password" in str(exc).lower():
            self.refuse_secret(str(exc), self.new_edit, self.confirm_edit)

"""Administration > Staff accounts: add, disable, reset passwords, unlock, roles, badges; and
the locked user names that have no account (a directory user locked out before their first
sign-in), which an administrator unlocks here too."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.passwords import (
    MIN_PASSWORD_LENGTH,
    MIN_PIN_LENGTH,
    check_password,
    check_pin,
    normalize_username,
)
from bwc_desk.domain.roles import Role
from bwc_desk.services import auth, sign_in_attempts
from bwc_desk.services.dto import StaffRow
from bwc_desk.services.sign_in_attempts import LockedName
from bwc_desk.ui.dialogs.service_dialog import Request, ServiceDialog
from bwc_desk.ui.models.locked_name_table_model import LockedNameTableModel
from bwc_desk.ui.models.staff_table_model import StaffTableModel
from bwc_desk.ui.state import AppState
from bwc_desk.ui.widgets import FilteredTable

log = logging.getLogger(__name__)


TEMPORARY_NOTE = (
    "This password is temporary: at their next sign-in they must choose their own (typed "
    "twice) before they can do anything else. Tell it to them in person."
)


class PasswordPairDialog(ServiceDialog):
    """A password an administrator sets, typed twice (a typo cannot be noticed otherwise),
    with the rules answered as it is typed; subclasses add their fields above it."""

    password_edit: QLineEdit
    confirm_edit: QLineEdit
    policy_label: QLabel

    def _password_fields(self, label: str) -> None:
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("new_password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(f"at least {MIN_PASSWORD_LENGTH} characters")
        self.confirm_edit = QLineEdit(self)
        self.confirm_edit.setObjectName("confirm_password")
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit.setPlaceholderText("the same password again")
        self.policy_label = QLabel(self)
        self.policy_label.setObjectName("password_policy")
        self.policy_label.setWordWrap(True)
        self.form.addRow(label, self.password_edit)
        self.form.addRow("&Confirm password", self.confirm_edit)
        self.form.addRow(self.policy_label)
        note = QLabel(TEMPORARY_NOTE, self)
        note.setObjectName("temporary_note")
        note.setWordWrap(True)
        self.form.addRow(note)
        for edit in (self.password_edit, self.confirm_edit):
            edit.textChanged.connect(lambda _t: self._update_policy())
        self._update_policy()

    def _update_policy(self) -> None:
        """The rules, answered as the password is typed (the leaked-password list is checked
        when the account is added)."""
        password, confirm = self.password_edit.text(), self.confirm_edit.text()
        short = MIN_PASSWORD_LENGTH - len(password)
        lines = [
            f"\u2717 At least {MIN_PASSWORD_LENGTH} characters ({short} more)."
            if short > 0
            else f"\u2713 At least {MIN_PASSWORD_LENGTH} characters.",
            "Not a common or leaked password, nor the user name.",
        ]
        if confirm:
            lines.append(
                "\u2713 The two passwords match."
                if confirm == password
                else "\u2717 The two passwords differ."
            )
        self.policy_label.setText("<br>".join(lines))
        self._grow()

    def _grow(self) -> None:
        """Taller for a message of two lines, rather than squeezing the lines or fields."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        need = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        if need > self.height():
            self.resize(self.width(), need)

    def _refuse(self, text: str, field: QLineEdit | None) -> None:
        self.show_error(text)
        self._grow()
        if field is not None:
            field.setFocus()
            field.selectAll()

    def _checked_password(self, user: str) -> str | None:
        """The password if it passes the rules known here and both entries match; else
        said under the fields (the service checks the leaked-password list)."""
        password = self.password_edit.text()
        try:
            check_password(password, (), user)
        except DomainError as exc:
            self._refuse(str(exc), self.password_edit)
            return None
        if self.confirm_edit.text() != password:
            self._refuse(
                "The two passwords differ: type the password again under Confirm password.",
                self.confirm_edit,
            )
            return None
        return password


class NewStaffDialog(PasswordPairDialog):
    """Add an account. What is wrong is said under the fields, the dialog stays open with
    what was typed; the account is created (by the service, which checks the password
    against the policy and the list of leaked passwords) before the dialog closes. The
    password is temporary: the account chooses its own at its first sign-in."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "Add a staff account", parent, ok_text="&Add account")
        self.setMinimumWidth(480)
        self.user_edit = QLineEdit(self)
        self.user_edit.setObjectName("new_username")
        self.name_edit = QLineEdit(self)
        self.role_box = QComboBox(self)
        self.role_box.addItems([r.value for r in Role])
        self.form.addRow("&User name", self.user_edit)
        self.form.addRow("&Full name", self.name_edit)
        self.form.addRow("&Role", self.role_box)
        self._password_fields("First &password")
        self.user_edit.textChanged.connect(lambda _t: self._update_policy())
        self.setMinimumWidth(max(480, self.sizeHint().width()))

    @property
    def added(self) -> StaffRow | None:
        row: StaffRow | None = self.result_value
        return row

    def request(self) -> Request | None:
        user, name = self.user_edit.text(), self.name_edit.text()
        try:
            normalize_username(user)
        except DomainError as exc:
            self._refuse(str(exc), self.user_edit)
            return None
        password = self._checked_password(user)
        if password is None:
            return None
        role = Role(self.role_box.currentText())
        return (lambda ctx: auth.add_staff(ctx, user, role, password, name)), "staff"

    def refused(self, exc: BaseException) -> None:
        lowered = str(exc).lower()
        field = (
            self.password_edit
            if "password" in lowered
            else self.user_edit
            if "user name" in lowered or "already" in lowered
            else None
        )
        self._refuse(str(exc), field)


class ResetPasswordDialog(PasswordPairDialog):
    """Staff accounts > Reset password: a temporary password, typed twice."""

    def __init__(self, state: AppState, row: StaffRow, parent: QWidget | None = None) -> None:
        super().__init__(state, "Reset password", parent, ok_text="&Reset password")
        self.setMinimumWidth(480)
        self.row = row
        self.heading.setText(f"A new temporary password for <b>{row.username}</b>.")
        self.heading.show()
        self._password_fields("New &password")
        self.setMinimumWidth(max(480, self.sizeHint().width()))
        self.password_edit.setFocus()

    def request(self) -> Request | None:
        password = self._checked_password(self.row.username)
        if password is None:
            return None
        staff_id = self.row.id
        return (lambda ctx: auth.reset_password(ctx, staff_id, password)), "staff"

    def refused(self, exc: BaseException) -> None:
        self._refuse(str(exc), self.password_edit if "password" in str(exc).lower() else None)


class BadgePinDialog(ServiceDialog):
    """Staff accounts > Badge and PIN: the badge scanned (blank turns badge sign-in off) and
    the PIN typed twice (a typo cannot be noticed otherwise). A PIN the rules refuse is said
    here, the form kept: the badge need not be scanned again."""

    def __init__(self, state: AppState, row: StaffRow, parent: QWidget | None = None) -> None:
        super().__init__(state, "Badge and PIN", parent, ok_text="&Save")
        self.row = row
        self.heading.setText(
            f"Quick sign-in at the counter for <b>{row.username}</b>: their staff badge, then "
            "a PIN. Leave the badge blank to turn badge sign-in off."
        )
        self.heading.show()
        self.badge_edit = QLineEdit(row.badge_code, self)
        self.badge_edit.setObjectName("badge")
        self.badge_edit.setPlaceholderText("scan the staff badge")
        self.pin_edit = QLineEdit(self)
        self.pin_edit.setObjectName("pin")
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setPlaceholderText(f"at least {MIN_PIN_LENGTH} digits")
        self.confirm_edit = QLineEdit(self)
        self.confirm_edit.setObjectName("confirm_pin")
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit.setPlaceholderText("the same PIN again")
        self.form.addRow("Staff &badge", self.badge_edit)
        self.form.addRow("&PIN", self.pin_edit)
        self.form.addRow("&Confirm PIN", self.confirm_edit)
        self.setMinimumWidth(max(480, self.sizeHint().width()))
        self.badge_edit.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # The Enter that ends a badge scan moves on to the PIN; it does not Save.
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and self.focusWidget() is self.badge_edit and not self.busy:
            self.pin_edit.setFocus()
            return
        super().keyPressEvent(event)

    def request(self) -> Request | None:
        badge, pin = self.badge_edit.text().strip(), self.pin_edit.text()
        if badge:
            try:
                check_pin(pin)
            except DomainError as exc:
                self.refuse_secret(str(exc), self.pin_edit, self.confirm_edit)
                return None
            if self.confirm_edit.text() != pin:
                self.refuse_secret("The two PINs differ: type the PIN again under Confirm PIN.",
                             self.confirm_edit)
                return None
        else:
            pin = ""
        staff_id = self.row.id
        return (lambda ctx: auth.set_badge_and_pin(ctx, staff_id, badge, pin)), "staff"

    def refused(self, exc: BaseException) -> None:
        if "badge" in str(exc).lower():
            self.badge_edit.setFocus()
            self.badge_edit.selectAll()
        elif "pin" in str(exc).lower():
            self.refuse_secret(str(exc), self.pin_edit, self.confirm_edit)


class StaffDialog(QDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setWindowTitle("Staff accounts - BWC Desk")
        self.resize(900, 520)
        self.model = StaffTableModel(self)
        self.table = FilteredTable(self.model, "Filter accounts")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        # Why this station may change no account (its PostgreSQL role), said when the dialog
        # opens rather than after a form is filled in.
        self.station_refusal = ""
        self.station_note = QLabel(self)
        self.station_note.setObjectName("staff_station_note")
        self.station_note.setWordWrap(True)
        self.station_note.setStyleSheet("color: #92400e; font-weight: bold;")
        self.station_note.hide()
        buttons = QHBoxLayout()
        self.add_button = QPushButton("&Add...")
        self.disable_button = QPushButton("&Disable / enable")
        self.reset_button = QPushButton("&Reset password...")
        self.unlock_button = QPushButton("&Unlock")
        self.role_button = QPushButton("Change r&ole...")
        self.badge_button = QPushButton("&Badge and PIN...")
        for b in (
            self.add_button,
            self.disable_button,
            self.reset_button,
            self.unlock_button,
            self.role_button,
            self.badge_button,
        ):
            buttons.addWidget(b)
        buttons.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        # User names locked by failed sign-ins that no account has (yet): the account's
        # Unlock cannot reach them.
        self.names_label = QLabel(self)
        self.names_label.setWordWrap(True)
        self.names_model = LockedNameTableModel(self)
        self.names_table = FilteredTable(self.names_model, "Filter locked names")
        self.names_table.setMaximumHeight(180)
        self.unlock_name_button = QPushButton("Unlock this &name")
        self.unlock_name_button.setToolTip(
            "Unlock the selected user name: its failed sign-ins stop counting"
        )
        self.type_name_button = QPushButton("Unlock a user name...")
        self.type_name_button.setToolTip(
            "Type a locked user name that has no account (one not shown above, because "
            "what was typed looked like a password, or one locked before this list existed)"
        )
        name_buttons = QHBoxLayout()
        name_buttons.addWidget(self.unlock_name_button)
        name_buttons.addWidget(self.type_name_button)
        name_buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.station_note)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.names_label)
        layout.addWidget(self.names_table)
        layout.addLayout(name_buttons)
        layout.addWidget(self.message)
        for button in (
            self.add_button, self.disable_button, self.reset_button, self.unlock_button,
            self.role_button, self.badge_button, self.unlock_name_button, self.type_name_button,
        ):
            # A new action: (connected first) the last one's result or refusal is not about it.
            button.clicked.connect(self.message.clear)
        self.unlock_name_button.clicked.connect(self._unlock_name)
        self.type_name_button.clicked.connect(self._type_name)
        self.names_table.selection_changed.connect(self._update_buttons)
        self.add_button.clicked.connect(self._add)
        self.disable_button.clicked.connect(self._toggle)
        self.reset_button.clicked.connect(self._reset)
        self.unlock_button.clicked.connect(self._unlock)
        self.role_button.clicked.connect(self._role)
        self.badge_button.clicked.connect(self._badge)
        self.table.selection_changed.connect(self._update_buttons)
        self.refresh()
        self.state.read(auth.staff_changes_refused, self._station_refuses, lambda _exc: None)
        self._update_buttons()

    def refresh(self) -> None:
        self.state.read(auth.list_staff, self._loaded)
        self.state.read(sign_in_attempts.list_locked_names, self._names_loaded)

    def _names_loaded(self, rows: list[LockedName]) -> None:
        self.names_model.set_rows(rows)
        self.names_table.fit_columns()
        self.names_label.setText(
            f"Locked user names with no staff account ({len(rows)}): a directory user "
            "locked out before their first sign-in, or a name that exists nowhere."
            if rows
            else "Locked user names with no staff account: none."
        )
        self._update_buttons()

    def _loaded(self, rows: list[StaffRow]) -> None:
        self.model.set_rows(rows)
        self.table.fit_columns()

    def _selected(self) -> StaffRow | None:
        return self.table.current_row()

    def _station_refuses(self, why: str) -> None:
        self.station_refusal = why
        self.station_note.setText(why)
        self.station_note.setVisible(bool(why))
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self._selected()
        account_buttons = (
            self.disable_button, self.reset_button, self.role_button, self.badge_button
        )
        for b in account_buttons:
            b.setEnabled(row is not None and not self.station_refusal)
        self.unlock_button.setEnabled(row is not None and row.locked and not self.station_refusal)
        self.add_button.setEnabled(not self.station_refusal)
        for b in (self.add_button, self.unlock_button, *account_buttons):
            b.setToolTip(self.station_refusal)
        # (A locked user name with no account is not a staff row: any station unlocks it.)
        self.unlock_name_button.setEnabled(self.names_table.current_row() is not None)

    def _done(self, text: str):  # type: ignore[no-untyped-def]
        def done(_result: object) -> None:
            self.message.setStyleSheet("")
            self.message.setText(text)
            self.refresh()

        return done

    def _add(self) -> None:
        dialog = NewStaffDialog(self.state, self)
        if dialog.exec() and dialog.added is not None:
            row = dialog.added
            self._done(f"Added {row.username} ({row.role.value}).")(row)

    def _toggle(self) -> None:
        row = self._selected()
        if row is None:
            return
        active = not row.active
        self.state.write(
            lambda ctx: auth.set_active(ctx, row.id, active),
            self._done(f"{row.username} is {'enabled' if active else 'disabled'}."),
            self._failed,
            changed="staff",
        )

    def _reset(self) -> None:
        row = self._selected()
        if row is None:
            return
        dialog = ResetPasswordDialog(self.state, row, self)
        if dialog.exec():
            self._done(
                f"The password of {row.username} was reset; it is temporary: they choose "
                "their own at their next sign-in."
            )(dialog.result_value)

    def _unlock(self) -> None:
        row = self._selected()
        if row is None:
            return
        self.state.write(
            lambda ctx: auth.unlock(ctx, row.id),
            self._done(f"{row.username} is unlocked."),
            self._failed,
            changed="staff",
        )

    def _unlock_name(self) -> None:
        locked: LockedName | None = self.names_table.current_row()
        if locked is None:
            return
        shown = locked.name or "the user name"
        self.state.write(
            lambda ctx: sign_in_attempts.unlock_locked_name(ctx, locked.id),
            self._done(f"{shown} is unlocked."),
            self._failed,
            changed="staff",
        )

    def _type_name(self) -> None:
        typed, ok = QInputDialog.getText(
            self,
            "Unlock a user name",
            "User name to unlock (one that has no staff account; select an account above "
            "to unlock it):",
        )
        if ok and typed.strip():
            self.state.write(
                lambda ctx: sign_in_attempts.unlock_name(ctx, typed),
                lambda name: self._done(f"{name} is unlocked.")(name),
                self._failed,
                changed="staff",
            )

    def _role(self) -> None:
        row = self._selected()
        if row is None:
            return
        roles = [r.value for r in Role]
        value, ok = QInputDialog.getItem(
            self,
            "Change role",
            f"Role of {row.username}:",
            roles,
            roles.index(row.role.value),
            False,
        )
        if ok:
            role = Role(value)
            self.state.write(
                lambda ctx: auth.change_role(ctx, row.id, role),
                self._done(f"{row.username} is now {role.value}."),
                self._failed,
                changed="staff",
            )

    def _badge(self) -> None:
        row = self._selected()
        if row is None:
            return
        dialog = BadgePinDialog(self.state, row, self)
        if dialog.exec():
            on = bool(dialog.badge_edit.text().strip())
            self._done(f"Badge sign-in for {row.username} is {'on' if on else 'off'}.")(
                dialog.result_value
            )

    def _failed(self, exc: BaseException) -> None:
        """Said here, under the list, not in a message box over it."""
        if self.state.silenced(exc):
            return
        if not isinstance(exc, DomainError):
            log.error("staff accounts", exc_info=exc)
        self.message.setStyleSheet("color: #b91c1c; font-weight: bold;")
        self.message.setText(str(exc) if isinstance(exc, DomainError) else f"Not done: {exc}")

"""Administration > Staff accounts: add, disable, reset passwords, unlock, roles, badges."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.passwords import MIN_PASSWORD_LENGTH, MIN_PIN_LENGTH
from bwc_desk.domain.roles import Role
from bwc_desk.services import auth
from bwc_desk.services.dto import StaffRow
from bwc_desk.ui.models.table_model import Column, RowTableModel
from bwc_desk.ui.state import AppState
from bwc_desk.ui.widgets import FilteredTable


class StaffTableModel(RowTableModel[StaffRow]):
    COL_USER, COL_NAME, COL_ROLE, COL_ACTIVE, COL_LOCKED, COL_BADGE = range(6)
    columns = (
        Column("User name", lambda s: s.username),
        Column("Name", lambda s: s.display_name),
        Column("Role", lambda s: s.role.value),
        Column("Active", lambda s: s.active),
        Column("Locked", lambda s: "LOCKED" if s.locked else ""),
        Column("Badge sign-in", lambda s: s.badge_code if s.has_pin else ""),
    )

    def foreground(self, row: StaffRow, column: int) -> str | None:
        if row.locked:
            return "#b91c1c"
        return None if row.active else "#6b7280"


class NewStaffDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a staff account")
        self.user_edit = QLineEdit(self)
        self.name_edit = QLineEdit(self)
        self.role_box = QComboBox(self)
        self.role_box.addItems([r.value for r in Role])
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(f"at least {MIN_PASSWORD_LENGTH} characters")
        form = QFormLayout(self)
        form.addRow("User name", self.user_edit)
        form.addRow("Full name", self.name_edit)
        form.addRow("Role", self.role_box)
        form.addRow("First password", self.password_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


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
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self._add)
        self.disable_button.clicked.connect(self._toggle)
        self.reset_button.clicked.connect(self._reset)
        self.unlock_button.clicked.connect(self._unlock)
        self.role_button.clicked.connect(self._role)
        self.badge_button.clicked.connect(self._badge)
        self.table.selection_changed.connect(self._update_buttons)
        self.refresh()
        self._update_buttons()

    def refresh(self) -> None:
        self.state.read(auth.list_staff, self._loaded)

    def _loaded(self, rows: list[StaffRow]) -> None:
        self.model.set_rows(rows)
        self.table.fit_columns()

    def _selected(self) -> StaffRow | None:
        return self.table.current_row()

    def _update_buttons(self) -> None:
        row = self._selected()
        for b in (self.disable_button, self.reset_button, self.role_button, self.badge_button):
            b.setEnabled(row is not None)
        self.unlock_button.setEnabled(row is not None and row.locked)

    def _done(self, text: str):  # type: ignore[no-untyped-def]
        def done(_result: object) -> None:
            self.message.setText(text)
            self.refresh()

        return done

    def _add(self) -> None:
        dialog = NewStaffDialog(self)
        if not dialog.exec():
            return
        user, name = dialog.user_edit.text(), dialog.name_edit.text()
        role, password = Role(dialog.role_box.currentText()), dialog.password_edit.text()
        self.state.write(
            lambda ctx: auth.add_staff(ctx, user, role, password, name),
            self._done(f"Added {user.strip().lower()} ({role.value})."),
            changed="staff",
        )

    def _toggle(self) -> None:
        row = self._selected()
        if row is None:
            return
        active = not row.active
        self.state.write(
            lambda ctx: auth.set_active(ctx, row.id, active),
            self._done(f"{row.username} is {'enabled' if active else 'disabled'}."),
            changed="staff",
        )

    def _reset(self) -> None:
        row = self._selected()
        if row is None:
            return
        password, ok = QInputDialog.getText(
            self,
            "Reset password",
            f"New password for {row.username} (at least "
            f"{MIN_PASSWORD_LENGTH} characters; tell them to change it):",
            QLineEdit.EchoMode.Password,
        )
        if ok:
            self.state.write(
                lambda ctx: auth.reset_password(ctx, row.id, password),
                self._done(f"The password of {row.username} was reset."),
                changed="staff",
            )

    def _unlock(self) -> None:
        row = self._selected()
        if row is None:
            return
        self.state.write(
            lambda ctx: auth.unlock(ctx, row.id),
            self._done(f"{row.username} is unlocked."),
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
                changed="staff",
            )

    def _badge(self) -> None:
        row = self._selected()
        if row is None:
            return
        badge, ok = QInputDialog.getText(
            self,
            "Badge and PIN",
            f"Scan {row.username}'s staff badge (leave blank to turn badge sign-in off):",
            text=row.badge_code,
        )
        if not ok:
            return
        pin = ""
        if badge.strip():
            pin, ok = QInputDialog.getText(
                self,
                "Badge and PIN",
                f"PIN for {row.username} (at least {MIN_PIN_LENGTH} digits):",
                QLineEdit.EchoMode.Password,
            )
            if not ok:
                return
        self.state.write(
            lambda ctx: auth.set_badge_and_pin(ctx, row.id, badge, pin),
            self._done(f"Badge sign-in for {row.username} is {'on' if badge.strip() else 'off'}."),
            changed="staff",
        )

    def show_error(self, text: str) -> None:  # pragma: no cover - convenience
        QMessageBox.warning(self, "Staff accounts", text)

"""Administration > Directory: where the directory is, how its entries become officers, which
groups give which role, the schedule and the share of deactivations that stops a sync; Test
connection; and Sync now, which shows the preview (added, changed field by field,
deactivated, holders of a camera) before anything is applied."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.directory import OFFICER_FIELDS
from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Role
from bwc_desk.services import directory_admin
from bwc_desk.services.directory_admin import SyncPlan
from bwc_desk.services.directory_settings import DirectoryConfig
from bwc_desk.ui.dialogs.service_dialog import Request, ServiceDialog
from bwc_desk.ui.models.directory_sync_model import SyncPreviewModel
from bwc_desk.ui.ops import MutationOp, QueryOp
from bwc_desk.ui.state import AppState
from bwc_desk.ui.widgets import FilteredTable

FIELD_LABELS = {
    "badge": "Badge",
    "last_name": "Last name",
    "first_name": "First name",
    "rank": "Rank",
    "division": "Division",
    "shift": "Shift",
    "scan_code": "ID card code",
}
PASSWORD_SET = "set (type a new one to replace it)"
PASSWORD_NOT_SET = "not set"


class DirectoryDialog(ServiceDialog):
    """Saves through services.directory_admin.save_settings; the bind password is
    write-only: the field is empty and says whether one is kept."""

    changed = "settings"

    def __init__(
        self,
        state: AppState,
        config: DirectoryConfig,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(state, "Directory", parent, ok_text="&Save")
        settings, password_set = config.settings, config.password_set
        self.setMinimumWidth(640)
        self.heading.setText(
            "Officers come from the directory (Active Directory or another LDAP server); "
            "staff may sign in with their directory password, their role from their groups. "
            "Local accounts always sign in with their own password."
        )
        self.url_edit = self._line("url", settings.url, "ldaps://dc1.agency.local")
        self.bind_dn_edit = self._line("bind_dn", settings.bind_dn,
                                       "CN=svc-bwc,OU=Service,DC=agency,DC=local")
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("bind_password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_state = QLabel(PASSWORD_SET if password_set else PASSWORD_NOT_SET, self)
        self.password_state.setObjectName("password_state")
        self.password_state.setToolTip(f"Kept on this station only, in {config.password_where}")
        self.password_edit.setPlaceholderText("unchanged" if password_set else "")
        self.base_dn_edit = self._line(
            "base_dn", settings.base_dn, "OU=Officers,DC=agency,DC=local"
        )
        self.filter_edit = self._line("filter", settings.filter, "")
        self.user_attr_edit = self._line("user_attribute", settings.user_attribute, "")
        self.ca_edit = self._line("ca_file", settings.ca_file, "the system's certificates")
        self.form.addRow("Server &URL", self.url_edit)
        self.form.addRow("&Bind DN", self.bind_dn_edit)
        password_row = QHBoxLayout()
        password_row.addWidget(self.password_edit, 1)
        password_row.addWidget(self.password_state)
        password_label = QLabel("Bind &password", self)
        password_label.setBuddy(self.password_edit)  # (a row of a layout gets no buddy)
        self.form.addRow(password_label, password_row)
        self.form.addRow("Base &DN", self.base_dn_edit)
        self.form.addRow("&Filter", self.filter_edit)
        self.form.addRow("User name attribute", self.user_attr_edit)
        self.form.addRow("CA certificate file", self.ca_edit)

        attrs = QGroupBox("Attribute map (officer field: directory attribute)", self)
        attrs_form = QFormLayout(attrs)
        self.attribute_edits: dict[str, QLineEdit] = {}
        for name in OFFICER_FIELDS:
            edit = self._line(f"attr_{name}", settings.attribute(name), "not mapped")
            self.attribute_edits[name] = edit
            attrs_form.addRow(FIELD_LABELS.get(name, name), edit)
        groups = QGroupBox("Groups (role: directory group, by name or DN; highest role wins)")
        groups_form = QFormLayout(groups)
        self.group_edits: dict[str, QLineEdit] = {}
        for role in Role:
            edit = self._line(f"group_{role.value}", settings.group(role.value), "no group")
            self.group_edits[role.value] = edit
            groups_form.addRow(role.label, edit)
        sync = QGroupBox("Sync", self)
        sync_form = QFormLayout(sync)
        self.schedule_spin = QSpinBox(self)
        self.schedule_spin.setObjectName("schedule_minutes")
        self.schedule_spin.setRange(0, 10080)
        self.schedule_spin.setSpecialValueText("never (Sync now only)")
        self.schedule_spin.setSuffix(" minutes")
        self.schedule_spin.setValue(settings.schedule_minutes)
        self.threshold_spin = QSpinBox(self)
        self.threshold_spin.setObjectName("max_deactivate_pct")
        self.threshold_spin.setRange(0, 100)
        self.threshold_spin.setSuffix(" %")
        self.threshold_spin.setValue(settings.max_deactivate_pct)
        sync_form.addRow("Sync &every", self.schedule_spin)
        sync_form.addRow("Stop and ask past", self.threshold_spin)
        self.body.addWidget(attrs)
        self.body.addWidget(groups)
        self.body.addWidget(sync)

        self.test_button = QPushButton("&Test connection", self)
        self.test_button.setObjectName("test_connection")
        self.test_button.clicked.connect(self.test_connection)
        self.sync_button = QPushButton("S&ync now...", self)
        self.sync_button.setObjectName("sync_now")
        self.sync_button.setToolTip("Preview what a sync with the saved settings would change")
        self.sync_button.clicked.connect(self.sync_now)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("directory_status")
        self.status_label.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.test_button)
        actions.addWidget(self.sync_button)
        actions.addStretch(1)
        self.body.addLayout(actions)
        self.body.addWidget(self.status_label)
        self.preview_dialog: SyncPreviewDialog | None = None
        self._saved_values = self.values()  # Sync now runs on the saved settings

    def _line(self, name: str, text: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(text, self)
        edit.setObjectName(name)
        if placeholder:
            edit.setPlaceholderText(placeholder)
        return edit

    # --- what was typed ---------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        return {
            "url": self.url_edit.text(),
            "bind_dn": self.bind_dn_edit.text(),
            "base_dn": self.base_dn_edit.text(),
            "filter": self.filter_edit.text(),
            "user_attribute": self.user_attr_edit.text(),
            "ca_file": self.ca_edit.text(),
            "attribute_map": {k: e.text() for k, e in self.attribute_edits.items()},
            "group_roles": {k: e.text() for k, e in self.group_edits.items()},
            "schedule_minutes": self.schedule_spin.value(),
            "max_deactivate_pct": self.threshold_spin.value(),
        }

    def typed_password(self) -> str | None:
        """None: keep the one kept (the field is write-only)."""
        return self.password_edit.text() or None

    def request(self) -> Request | None:
        values, password = self.values(), self.typed_password()
        return (lambda ctx: directory_admin.save_settings(ctx, values, password)), "settings"

    # --- Test connection ----------------------------------------------------------------------
    def test_connection(self) -> None:
        values, password = self.values(), self.typed_password()
        self.test_button.setEnabled(False)
        self.status_label.setText("Connecting to the directory...")
        self.state.run(
            QueryOp(
                lambda ctx: directory_admin.test_connection(ctx, values, password),
                self._tested,
                parent=self,
                on_error=self._test_failed,
                key=(self, "test"),
            )
        )

    def _tested(self, text: str) -> None:
        self.test_button.setEnabled(True)
        self.status_label.setStyleSheet("color: #15803d;")
        self.status_label.setText(text)

    def _test_failed(self, exc: BaseException) -> None:
        self.test_button.setEnabled(True)
        self.status_label.setStyleSheet("color: #b91c1c;")
        self.status_label.setText(str(exc) if isinstance(exc, DomainError) else f"Failed: {exc}")

    # --- Sync now -----------------------------------------------------------------------------
    def sync_now(self) -> None:
        if self.values() != self._saved_values or self.typed_password():
            self.status_label.setStyleSheet("color: #b91c1c;")
            self.status_label.setText(
                "Save the changes first (Save, then open Directory again): Sync now reads the "
                "directory with the saved settings."
            )
            return
        self.sync_button.setEnabled(False)
        self.status_label.setStyleSheet("")
        self.status_label.setText("Reading the directory (the saved settings)...")
        self.state.run(
            QueryOp(
                directory_admin.preview,
                self._previewed,
                parent=self,
                on_error=self._preview_failed,
                key=(self, "preview"),
            )
        )

    def _previewed(self, plan: SyncPlan) -> None:
        self.sync_button.setEnabled(True)
        self.status_label.setText(plan.summary)
        self.preview_dialog = SyncPreviewDialog(self.state, plan, self)
        self.preview_dialog.open()

    def _preview_failed(self, exc: BaseException) -> None:
        self.sync_button.setEnabled(True)
        self._test_failed(exc)


class SyncPreviewDialog(QDialog):
    """The preview, then Apply or Cancel. When the sync would deactivate more than the set
    share of officers, Apply first asks, in words, whether that many should go."""

    def __init__(self, state: AppState, plan: SyncPlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.plan = plan
        self.applied_result: Any = None
        self.setWindowTitle("Directory sync: preview - BWC Desk")
        self.resize(900, 520)
        self.summary = QLabel(plan.summary, self)
        self.summary.setObjectName("sync_summary")
        self.summary.setWordWrap(True)
        self.warning = QLabel(plan.threshold_text, self)
        self.warning.setObjectName("sync_threshold")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b91c1c; font-weight: bold;")
        self.warning.setVisible(bool(plan.threshold_text))
        self.model = SyncPreviewModel(self)
        self.model.set_rows(SyncPreviewModel.prepare(list(plan.rows)))
        self.table = FilteredTable(self.model, parent=self)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b91c1c; font-weight: bold;")
        self.buttons = QDialogButtonBox(self)
        self.apply_button = self.buttons.addButton(
            "&Apply", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.apply_button.setObjectName("apply_sync")
        self.apply_button.setEnabled(plan.has_changes)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button.clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.warning)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def confirm_threshold(self) -> bool:
        """The question asked when the sync would deactivate too many (its own method, so
        a test answers it as a person would)."""
        answer = QMessageBox.question(
            self,
            "Deactivate this many officers?",
            f"{self.plan.threshold_text}\n\nA wrong filter or base DN does this. Deactivate "
            f"{self.plan.deactivated} officers anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def apply(self) -> None:
        force = False
        if self.plan.threshold_text:
            if not self.confirm_threshold():
                self.error_label.setText("Not applied: nothing was changed.")
                return
            force = True
        self.apply_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        self.error_label.setText("Applying...")
        plan = self.plan
        self.state.run(
            MutationOp(
                lambda ctx: directory_admin.apply(ctx, plan, force=force),
                self._applied,
                parent=self,
                on_error=self._refused,
                changed="officers",
            )
        )

    def _applied(self, result: Any) -> None:
        self.applied_result = result
        self.error_label.setText("")
        self.state.message.emit(f"Directory sync applied: {result}", 15_000)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.apply_button.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self.error_label.setText(str(exc) if isinstance(exc, DomainError) else f"Failed: {exc}")

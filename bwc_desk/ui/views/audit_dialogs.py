"""The Audit view's forms: start an audit (what to audit), resolve a missing camera's case
(found where, or lost with the loss report's number). Each saves through its service itself
(ServiceDialog): a refusal stays in the dialog."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QButtonGroup, QComboBox, QLabel, QLineEdit, QRadioButton, QWidget

from bwc_desk.services import assignments, cage_audit, cage_audit_cases, unit_location
from bwc_desk.services.cage_audit_report import CaseRow
from bwc_desk.ui.dialogs.service_dialog import Request, ServiceDialog
from bwc_desk.ui.state import AppState

SCOPES = (("All cameras", "all"), ("One location", "location"), ("One pool", "pool"))


class StartAuditDialog(ServiceDialog):
    """What to audit: every camera, the cameras kept at one place, or one pool's."""

    changed = "audits"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "Start an audit of the cage", parent, ok_text="Start")
        self.scope_box = QComboBox(self)
        self.scope_box.setObjectName("audit_scope")
        for label, scope in SCOPES:
            self.scope_box.addItem(label, scope)
        self.location_box = QComboBox(self)
        self.location_box.setObjectName("audit_location")
        self.location_box.setEditable(True)
        self.pool_box = QComboBox(self)
        self.pool_box.setObjectName("audit_pool")
        note = QLabel(
            "Expected are the cameras in scope that are not out with an officer, in repair, "
            "lost or retired. Cameras a reporting dock holds count as found.",
            self,
        )
        note.setWordWrap(True)
        self.form.addRow(note)
        self.form.addRow("&Audit", self.scope_box)
        self.form.addRow("&Location", self.location_box)
        self.form.addRow("&Pool", self.pool_box)
        self.scope_box.currentIndexChanged.connect(self._scope_changed)
        self._scope_changed()
        state.read(unit_location.known_locations, self._locations, lambda _e: None, parent=self)
        state.read(assignments.list_pools, self._pools, lambda _e: None, parent=self)

    def _locations(self, names: list[str]) -> None:
        self.location_box.addItems(names)
        self.location_box.setCurrentIndex(-1 if not names else 0)

    def _pools(self, pools: list[Any]) -> None:
        for pool in pools:
            self.pool_box.addItem(pool.name, pool.id)

    def _scope_changed(self) -> None:
        scope = self.scope_box.currentData()
        self.location_box.setEnabled(scope == "location")
        self.pool_box.setEnabled(scope == "pool")

    def request(self) -> Request | None:
        scope = str(self.scope_box.currentData())
        target: str | int | None = None
        if scope == "location":
            target = self.location_box.currentText()
        elif scope == "pool":
            target = self.pool_box.currentData()
            if target is None:
                self.show_error("There is no pool to audit; create one in Assignments.")
                return None
        return (lambda ctx: cage_audit.start_audit(ctx, scope, target)), "audits"


class ResolveCaseDialog(ServiceDialog):
    """A supervisor closes a missing camera's case: found (where), or lost (report number)."""

    changed = "audits"

    def __init__(self, state: AppState, case: CaseRow, parent: QWidget | None = None) -> None:
        super().__init__(state, f"Resolve the case of {case.asset_tag}", parent, ok_text="Resolve")
        self.case = case
        self.heading.setText(
            f"{case.asset_tag} ({case.serial}) was missing in audit {case.audit_label}; "
            f"it is kept at {case.location or 'no recorded place'}."
        )
        self.found_radio = QRadioButton("&Found", self)
        self.lost_radio = QRadioButton("&Lost", self)
        group = QButtonGroup(self)
        group.addButton(self.found_radio)
        group.addButton(self.lost_radio)
        self.found_radio.setChecked(True)
        self.where_edit = QLineEdit(self)
        self.where_edit.setObjectName("found_where")
        self.where_edit.setMaxLength(120)
        self.where_edit.setPlaceholderText("where it was found (it is kept there from now on)")
        self.report_edit = QLineEdit(self)
        self.report_edit.setObjectName("report_number")
        self.report_edit.setMaxLength(64)
        self.report_edit.setPlaceholderText("the loss report's number")
        self.note_edit = QLineEdit(self)
        self.note_edit.setMaxLength(500)
        self.form.addRow(self.found_radio, self.where_edit)
        self.form.addRow(self.lost_radio, self.report_edit)
        self.form.addRow("&Note", self.note_edit)
        self.found_radio.toggled.connect(self._toggled)
        self._toggled()

    def _toggled(self) -> None:
        found = self.found_radio.isChecked()
        self.where_edit.setEnabled(found)
        self.report_edit.setEnabled(not found)

    def request(self) -> Request | None:
        case_id, note = self.case.id, self.note_edit.text()
        if self.found_radio.isChecked():
            where = self.where_edit.text()
            return (lambda ctx: cage_audit_cases.resolve_found(ctx, case_id, where, note)), "units"
        number = self.report_edit.text()
        return (lambda ctx: cage_audit_cases.resolve_lost(ctx, case_id, number, note)), "units"

    def refused(self, exc: BaseException) -> None:
        (self.where_edit if self.found_radio.isChecked() else self.report_edit).setFocus()

    def done_text(self) -> str:
        row: Any = self.result_value
        if row.outcome == "found":
            return f"{row.asset_tag}: found at {row.found_location}; case closed."
        return f"{row.asset_tag}: marked lost (report {row.report_number}); case closed."

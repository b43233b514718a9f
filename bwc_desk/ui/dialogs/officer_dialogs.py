"""Dialogs of the roster and of officers' cameras. Each writes through the services itself and
shows a refusal in place (a duplicate badge, a missing reason), so the supervisor corrects the
one field instead of typing everything again. Nothing is written until the service accepts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from bwc_desk.domain.passwords import MIN_PIN_LENGTH
from bwc_desk.domain.units import UnitStatus
from bwc_desk.domain.values import plural
from bwc_desk.services import assignments, inventory, officers
from bwc_desk.services.context import Ctx
from bwc_desk.services.dto import OfficerRow, UnitRow
from bwc_desk.services.officers import OfficerInput, RosterChoices
from bwc_desk.ui.dialogs.service_dialog import Request, ServiceDialog, heading
from bwc_desk.ui.models.assignment_models import GONE, AssignmentUnitModel
from bwc_desk.ui.models.officer_table_model import OfficerTableModel
from bwc_desk.ui.models.table_model import Prepared
from bwc_desk.ui.state import AppState
from bwc_desk.ui.widgets import FilteredTable

log = logging.getLogger(__name__)
COMMON_RANKS = ("Officer", "Corporal", "Sergeant", "Lieutenant", "Captain")
NO_SHIFT = "(no shift)"


class ReasonDialog(ServiceDialog):
    """Confirm an action, with a reason that goes into the custody record."""

    def __init__(
        self,
        state: AppState,
        title: str,
        text: str,
        call: Callable[[Ctx, str], Any],
        changed: str,
        *,
        required: bool = False,
        placeholder: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(state, title, parent)
        self.action = call
        self.changed = changed
        self.required = required
        self.body.addWidget(heading(text))
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText(
            placeholder or ("reason (required)" if required else "reason (optional)")
        )
        form = QFormLayout()
        form.addRow("&Reason", self.reason_edit)
        self.body.addLayout(form)
        self.reason_edit.setFocus()

    def request(self) -> Request | None:
        reason = self.reason_edit.text()
        if self.required and not reason.strip():
            self.show_error("Give the reason; it goes into the custody record.")
            self.reason_edit.setFocus()
            return None
        call = self.action
        return (lambda ctx: call(ctx, reason)), self.changed


class OfficerDialog(ServiceDialog):
    """Add an officer, or edit one. The badge is text (leading zeros are kept); the scan code
    is what their ID badge's barcode says (blank: the badge number)."""

    def __init__(
        self,
        state: AppState,
        choices: RosterChoices,
        officer: OfficerRow | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = f"Edit officer {officer.label}" if officer else "New officer"
        super().__init__(state, title, parent)
        self.officer = officer
        self.badge_edit = QLineEdit(self)
        self.badge_edit.setPlaceholderText("e.g. 0412 (leading zeros are kept)")
        self.last_edit = QLineEdit(self)
        self.first_edit = QLineEdit(self)
        self.rank_box = QComboBox(self)
        self.rank_box.setEditable(True)
        ranks = list(choices.ranks) + [r for r in COMMON_RANKS if r not in choices.ranks]
        self.rank_box.addItems(["", *ranks])
        self.division_box = QComboBox(self)
        self.division_box.setEditable(True)
        self.division_box.addItems(["", *choices.divisions])
        self.shift_box = QComboBox(self)
        self.shift_box.addItem(NO_SHIFT, "")
        for name in choices.shifts:
            self.shift_box.addItem(name, name)
        # The roster's lengths (services/officers.clean_officer): a paste of thousands of
        # characters was refused one field at a time, by the fields' internal names.
        self.badge_edit.setMaxLength(32)
        self.last_edit.setMaxLength(80)
        self.first_edit.setMaxLength(80)
        rank_line, division_line = self.rank_box.lineEdit(), self.division_box.lineEdit()
        if rank_line is not None:
            rank_line.setMaxLength(40)
        if division_line is not None:
            division_line.setMaxLength(80)
        self.active_box = QCheckBox("&Active (the counter may issue cameras to this officer)")
        self.active_box.setChecked(True)
        self.scan_edit = QLineEdit(self)
        self.scan_edit.setPlaceholderText("scan the ID badge here; blank: the badge number")
        form = QFormLayout()
        form.addRow("&Badge number", self.badge_edit)
        form.addRow("&Last name", self.last_edit)
        form.addRow("&First name", self.first_edit)
        form.addRow("&Rank", self.rank_box)
        form.addRow("&Division", self.division_box)
        form.addRow("&Shift", self.shift_box)
        form.addRow("ID-badge s&can code", self.scan_edit)
        form.addRow("", self.active_box)
        self.body.addLayout(form)
        # Shown only when an active officer is being deactivated here.
        self.deactivate_box = QWidget(self)
        deactivate = QFormLayout(self.deactivate_box)
        deactivate.setContentsMargins(0, 0, 0, 0)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText("why the officer is deactivated")
        self.release_box = QCheckBox("Also &unassign their primary camera (it becomes a spare)")
        self.holding_label = QLabel(self)
        self.holding_label.setWordWrap(True)
        self.holding_label.setStyleSheet("color: #b91c1c;")
        deactivate.addRow(self.holding_label)
        deactivate.addRow("Reaso&n", self.reason_edit)
        deactivate.addRow("", self.release_box)
        self.deactivate_box.setVisible(False)
        self.body.addWidget(self.deactivate_box)
        if officer is not None:
            self._fill(officer)
        self.active_box.toggled.connect(self._active_toggled)
        self.badge_edit.setFocus()

    def _fill(self, o: OfficerRow) -> None:
        self.badge_edit.setText(o.badge)
        self.last_edit.setText(o.last_name)
        self.first_edit.setText(o.first_name)
        self.rank_box.setCurrentText(o.rank)
        self.division_box.setCurrentText(o.division)
        index = self.shift_box.findData(o.shift)
        if index < 0 and o.shift:  # a shift the agency no longer has: keep it, say so
            self.shift_box.addItem(f"{o.shift} (not one of the agency's shifts)", o.shift)
            index = self.shift_box.count() - 1
        self.shift_box.setCurrentIndex(max(index, 0))
        self.active_box.setChecked(o.active)
        self.scan_edit.setText("" if o.scan_code == o.badge.upper() else o.scan_code)
        if o.primary_unit:
            self.release_box.setText(
                f"Also &unassign their primary camera {o.primary_unit} (it becomes a spare)"
            )
        self.release_box.setChecked(bool(o.primary_unit))
        self.release_box.setVisible(bool(o.primary_unit))
        if o.holding:
            self.holding_label.setText(
                f"{o.name} still holds {', '.join(o.holding)}. Give the reason; the roster "
                "flags the officer until it is back."
            )

    def _active_toggled(self, on: bool) -> None:
        o = self.officer
        self.deactivate_box.setVisible(o is not None and o.active and not on)
        self.adjustSize()

    def data(self) -> OfficerInput:
        return OfficerInput(
            badge=self.badge_edit.text(),
            last_name=self.last_edit.text(),
            first_name=self.first_edit.text(),
            rank=self.rank_box.currentText(),
            division=self.division_box.currentText(),
            shift=str(self.shift_box.currentData() or ""),
            active=self.active_box.isChecked(),
            scan_code=self.scan_edit.text(),
        )

    def request(self) -> Request | None:
        for edit, what in ((self.badge_edit, "badge number"), (self.last_edit, "last name")):
            if not edit.text().strip():
                self.show_error(f"The {what} is required.")
                edit.setFocus()
                return None
        data = self.data()
        o = self.officer
        if o is None:
            return (lambda ctx: officers.add_officer(ctx, data)), "officers"
        reason = self.reason_edit.text()
        deactivating = o.active and not data.active
        if deactivating and o.holding and not reason.strip():
            self.show_error(f"{o.label} still holds {', '.join(o.holding)}: give the reason.")
            self.reason_edit.setFocus()
            return None
        release = deactivating and self.release_box.isChecked() and bool(o.primary_unit)
        return (
            lambda ctx: officers.edit_officer(ctx, o.id, data, reason, release_primary=release)
        ), "officers"

    def refused(self, exc: BaseException) -> None:
        text = str(exc)
        edit = (
            self.badge_edit
            if text.startswith("Badge") or "badge is" in text
            else self.scan_edit
            if "scan code" in text
            else self.last_edit
            if "last_name" in text
            else None
        )
        if edit is not None:
            edit.setFocus()
            edit.selectAll()


class DeactivateDialog(ServiceDialog):
    """Take an officer off the active roster. A reason is needed when they still hold a
    camera; their primary camera can go back to the spares at the same time."""

    def __init__(self, state: AppState, officer: OfficerRow, parent: QWidget | None = None):
        super().__init__(state, f"Deactivate {officer.label}", parent)
        self.officer = officer
        self.body.addWidget(
            heading(
                f"Deactivate <b>{officer.label}</b>? The counter will no longer issue cameras "
                "to this officer. Their records stay."
            )
        )
        if officer.holding:
            self.body.addWidget(
                heading(
                    f"<span style='color:#b91c1c'><b>Still holds {', '.join(officer.holding)}."
                    "</b> Give the reason; the roster flags the officer until it is back.</span>"
                )
            )
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText(
            "reason (required)" if officer.holding else "reason (optional)"
        )
        self.release_box = QCheckBox(
            f"Also &unassign their primary camera {officer.primary_unit} (it becomes a spare)"
        )
        self.release_box.setChecked(bool(officer.primary_unit))
        self.release_box.setVisible(bool(officer.primary_unit))
        form = QFormLayout()
        form.addRow("&Reason", self.reason_edit)
        form.addRow("", self.release_box)
        self.body.addLayout(form)
        self.ok_button.setText("&Deactivate")
        self.reason_edit.setFocus()

    def request(self) -> Request | None:
        o = self.officer
        reason = self.reason_edit.text()
        if o.holding and not reason.strip():
            self.show_error(f"{o.label} still holds {', '.join(o.holding)}: give the reason.")
            self.reason_edit.setFocus()
            return None
        release = self.release_box.isChecked() and bool(o.primary_unit)
        return (
            lambda ctx: officers.deactivate_officer(ctx, o.id, reason, release_primary=release)
        ), "officers"


class HandoverPinDialog(ServiceDialog):
    """The PIN an officer types at the counter to acknowledge a handover (when the agency
    asks for one). Typed twice; never shown; Clear removes it."""

    def __init__(self, state: AppState, officer: OfficerRow, parent: QWidget | None = None):
        super().__init__(state, f"Handover PIN of {officer.label}", parent)
        self.officer = officer
        self.clearing = False
        self.body.addWidget(
            heading(
                f"Let <b>{officer.name}</b> type a new PIN of at least {MIN_PIN_LENGTH} digits "
                "(not repeated or sequential digits)."
            )
        )
        self.pin_edit = QLineEdit(self)
        self.repeat_edit = QLineEdit(self)
        for edit in (self.pin_edit, self.repeat_edit):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("&PIN", self.pin_edit)
        form.addRow("&Again", self.repeat_edit)
        self.body.addLayout(form)
        self.clear_button = self.buttons.addButton(
            "&Clear the PIN", QDialogButtonBox.ButtonRole.ResetRole
        )
        assert self.clear_button is not None
        self.clear_button.clicked.connect(self._clear)
        self.cleared = False  # what the saved change was: set, or cleared
        self.pin_edit.setFocus()

    def _clear(self) -> None:
        self.cleared = True
        self.clearing = True
        try:
            self.accept()
        finally:
            self.clearing = False

    def request(self) -> Request | None:
        officer_id = self.officer.id
        if self.clearing:
            return (lambda ctx: officers.set_handover_pin(ctx, officer_id, "")), "officers"
        self.cleared = False
        pin = self.pin_edit.text()
        if not pin:
            self.show_error("Type the PIN twice, or use Clear the PIN.")
            self.pin_edit.setFocus()
            return None
        if pin != self.repeat_edit.text():
            self.show_error("The two PINs differ; type them again.")
            self.pin_edit.clear()
            self.repeat_edit.clear()
            self.pin_edit.setFocus()
            return None
        return (lambda ctx: officers.set_handover_pin(ctx, officer_id, pin)), "officers"

    def refused(self, exc: BaseException) -> None:
        self.pin_edit.clear()
        self.repeat_edit.clear()
        self.pin_edit.setFocus()


class CameraPickerDialog(ServiceDialog):
    """Give an officer a primary camera: spares and pool cameras are offered; type or scan a
    tag to narrow the list, Enter takes the only match."""

    def __init__(self, state: AppState, officer: OfficerRow, parent: QWidget | None = None):
        super().__init__(state, f"Assign a camera to {officer.label}", parent)
        self.officer = officer
        self.resize(760, 520)
        current = officer.primary_unit or "none"
        self.body.addWidget(
            heading(
                f"Pick the new primary camera of <b>{officer.label}</b> (now: {current}). "
                "Type or scan a tag to find it."
            )
        )
        self.model = AssignmentUnitModel(self)
        self.table = FilteredTable(self.model, "Type or scan a camera's tag or serial")
        self.table.filter_edit.setObjectName("camera_filter")
        self.table.table.setSelectionMode(self.table.table.SelectionMode.SingleSelection)
        self.every_box = QCheckBox("Show &every camera (also other officers' primary cameras)")
        self.every_box.toggled.connect(self._predicate)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText("reason (optional)")
        form = QFormLayout()
        form.addRow("&Reason", self.reason_edit)
        self.body.addWidget(self.table, 1)
        self.body.addWidget(self.every_box)
        self.body.addWidget(self.note)
        self.body.addLayout(form)
        self.ok_button.setText("&Assign")
        # Enter (a scanner ends with it) takes the only match or the exact tag or serial;
        # typing in the list goes to the search, never to the list's own jump-to-row.
        self.table.filter_edit.returnPressed.connect(
            lambda: self.table.take_match(lambda u: (u.asset_tag, u.serial))
        )
        self.table.search_on_typing()
        self.table.selection_changed.connect(self._selected)
        self.table.activated_row.connect(lambda _row: self.accept())
        self._predicate()
        self.loaded = False
        state.read(lambda ctx: AssignmentUnitModel.prepare(inventory.list_units(ctx)), self._loaded)
        self.table.filter_edit.setFocus()

    def _loaded(self, prepared: Prepared[UnitRow]) -> None:
        self.model.set_rows(prepared)
        self.table.fit_columns()
        self.loaded = True

    def _predicate(self, *_args: Any) -> None:
        every = self.every_box.isChecked()
        mine = self.officer.id

        def keep(u: UnitRow) -> bool:
            if u.status in GONE or u.primary_officer_id == mine:
                return False
            return every or u.primary_officer_id is None

        self.table.proxy.set_predicate(keep)
        self.table.update_count()

    def _selected(self) -> None:
        unit = self.table.current_row()
        text = ""
        if unit is not None:
            if unit.primary_officer:
                text = f"{unit.asset_tag} is the primary camera of {unit.primary_officer}; "
                text += "they will have none."
            elif unit.pool:
                text = f"{unit.asset_tag} leaves the pool {unit.pool}."
            if unit.status is not UnitStatus.AVAILABLE:
                text += f" It is {unit.status.value} now."
        self.note.setText(text.strip())

    def request(self) -> Request | None:
        rows = self.table.selected_rows()
        unit = rows[0] if rows else None
        if unit is None:
            typed = self.table.filter_edit.text().strip()
            shown = self.table.proxy.rowCount()
            self.show_error(
                f"No camera matches {typed!r}." if typed and not shown
                else f"{plural(shown, 'camera')} match {typed!r}: pick one with the arrow keys, or "
                "scan the whole tag." if typed
                else "Pick a camera in the list first."
            )
            self.table.filter_edit.setFocus()
            self.table.filter_edit.selectAll()  # the next scan replaces it
            return None
        if (unit.primary_officer or unit.pool) and self.focusWidget() is self.table.filter_edit:
            # A tag scanned (Enter) that takes a camera from an officer or a pool: the reason
            # first (the question came before one could be typed), then Enter asks.
            self._selected()  # (the note says what the change does, once)
            self.reason_edit.setFocus()
            self.note.setText(f"{self.note.text()} Type the reason (or leave it empty), "
                              "then Enter.")
            return None
        if unit.primary_officer:
            answer = QMessageBox.question(
                self,
                "Take another officer's camera?",
                f"{unit.asset_tag} is the primary camera of {unit.primary_officer}; they will "
                f"have none. Make it {self.officer.label}'s primary camera?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self._not_this_one()
                return None
        elif unit.pool:
            # A scanned tag and Enter: a pool's camera is not quietly taken out of its pool.
            answer = QMessageBox.question(
                self,
                "Take the camera out of its pool?",
                f"{unit.asset_tag} is in the pool {unit.pool}. Make it {self.officer.label}'s "
                f"primary camera? It leaves the pool {unit.pool}.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self._not_this_one()
                return None
        officer_id, tag, reason = self.officer.id, unit.asset_tag, self.reason_edit.text()
        return (lambda ctx: assignments.assign_primary(ctx, tag, officer_id, reason)), "units"


    def _not_this_one(self) -> None:
        """No to the question: back to the search, its text selected (the next scan replaces
        it, never lands in Reason)."""
        self.table.filter_edit.setFocus()
        self.table.filter_edit.selectAll()


class OfficerPickerDialog(ServiceDialog):
    """Make a camera the primary camera of an officer picked from the active roster."""

    def __init__(self, state: AppState, unit: UnitRow, parent: QWidget | None = None):
        super().__init__(state, f"Assign {unit.asset_tag} to an officer", parent)
        self.unit = unit
        self.resize(760, 520)
        self.body.addWidget(
            heading(
                f"Whose primary camera is <b>{unit.asset_tag}</b> to be? "
                f"(now: {unit.assignee or 'a spare'}). Type a name, badge or division."
            )
        )
        self.model = OfficerTableModel(self)
        self.table = FilteredTable(self.model, "Type a name, badge or division")
        self.table.filter_edit.setObjectName("officer_filter")
        self.table.table.setSelectionMode(self.table.table.SelectionMode.SingleSelection)
        self.table.proxy.set_predicate(lambda o: o.active)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText("reason (optional)")
        form = QFormLayout()
        form.addRow("&Reason", self.reason_edit)
        self.body.addWidget(self.table, 1)
        self.body.addWidget(self.note)
        self.body.addLayout(form)
        self.ok_button.setText("&Assign")
        self.table.filter_edit.returnPressed.connect(
            lambda: self.table.take_match(lambda o: (o.badge, o.scan_code))
        )
        self.table.search_on_typing()
        self.table.selection_changed.connect(self._selected)
        self.table.activated_row.connect(lambda _row: self.accept())
        self.loaded = False
        state.read(lambda ctx: OfficerTableModel.prepare(officers.list_officers(ctx)), self._loaded)
        self.table.filter_edit.setFocus()

    def _loaded(self, prepared: Prepared[OfficerRow]) -> None:
        self.model.set_rows(prepared)
        self.table.proxy.refilter()
        self.table.update_count()
        self.table.fit_columns()
        self.loaded = True

    def _selected(self) -> None:
        officer = self.table.current_row()
        if officer is not None and officer.primary_unit:
            self.note.setText(
                f"{officer.label} has {officer.primary_unit} now; it becomes a spare."
            )
        else:
            self.note.setText("")

    def request(self) -> Request | None:
        rows = self.table.selected_rows()
        officer = rows[0] if rows else None
        if officer is None:
            self.show_error("Pick an officer in the list first.")
            self.table.table.setFocus()
            return None
        officer_id, tag, reason = officer.id, self.unit.asset_tag, self.reason_edit.text()
        return (lambda ctx: assignments.assign_primary(ctx, tag, officer_id, reason)), "units"

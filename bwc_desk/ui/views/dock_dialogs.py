"""The Docks view's forms: register a dock, remove one, register a camera a dock reports.
Each saves through the dock services itself (ServiceDialog): a refusal stays in the dialog."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QSpinBox, QWidget

from bwc_desk.services import dock_registry, docks
from bwc_desk.services.dock_board import BayRow
from bwc_desk.ui.dialogs.service_dialog import Request, ServiceDialog
from bwc_desk.ui.state import AppState


def _note(dialog: ServiceDialog, text: str) -> None:
    note = QLabel(text, dialog)
    note.setWordWrap(True)
    dialog.form.addRow(note)


class AddDockDialog(ServiceDialog):
    """Register a dock, so that its reports are accepted."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "Register a dock", parent, ok_text="Register")
        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(64)
        self.name_edit.setPlaceholderText("exactly as the dock names itself, e.g. DOCK-G")
        self.bays_spin = QSpinBox(self)
        self.bays_spin.setRange(1, 64)
        self.bays_spin.setValue(8)
        self.location_edit = QLineEdit(self)
        self.location_edit.setMaxLength(120)
        self.location_edit.setPlaceholderText("where it stands (optional)")
        _note(
            self,
            "Only registered docks may report. The dock must also send this station's dock "
            "token (bwc-desk docks token shows it).",
        )
        self.form.addRow("&Name", self.name_edit)
        self.form.addRow("&Bays", self.bays_spin)
        self.form.addRow("&Location", self.location_edit)

    def request(self) -> Request | None:
        name, bays = self.name_edit.text(), self.bays_spin.value()
        location = self.location_edit.text()
        return (lambda ctx: dock_registry.add_dock(ctx, name, bays, location)), "docks"

    def refused(self, exc: BaseException) -> None:
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def done_text(self) -> str:
        info: Any = self.result_value
        return f"Registered {info.name} ({info.bays} bays)."


class RemoveDockDialog(ServiceDialog):
    """Unregister a dock; one that still reports cameras needs the box ticked."""

    def __init__(self, state: AppState, names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(state, "Remove a dock", parent, ok_text="Remove")
        self.name_box = QComboBox(self)
        self.name_box.addItems(names)
        self.force_box = QCheckBox(
            "Remove it even if it still reports cameras (a broken dock): they are recorded "
            "as undocked",
            self,
        )
        _note(self, "Its reports are refused from now on; its custody records stay.")
        self.form.addRow("&Dock", self.name_box)
        self.form.addRow(self.force_box)

    def request(self) -> Request | None:
        name, force = self.name_box.currentText(), self.force_box.isChecked()
        return (lambda ctx: dock_registry.remove_dock(ctx, name, force=force)), "docks"

    def refused(self, exc: BaseException) -> None:
        self.force_box.setFocus()

    def done_text(self) -> str:
        info: Any = self.result_value
        undocked = f"; {info.cameras} camera(s) recorded as undocked." if info.cameras else "."
        return f"Removed {info.name}{undocked}"


class RegisterDialog(ServiceDialog):
    """Register a camera that a dock reports but the inventory does not know."""

    def __init__(self, state: AppState, bay: BayRow, parent: QWidget | None = None) -> None:
        super().__init__(state, "Register a camera", parent, ok_text="Register")
        self.bay = bay
        self.heading.setText(
            f"{bay.label} reports camera <b>{bay.serial}</b>, which is not in the inventory."
        )
        self.tag_edit = QLineEdit(self)
        self.tag_edit.setPlaceholderText("the asset tag on its label, e.g. HPD-BWC-0476")
        self.model_edit = QLineEdit(self)
        self.form.addRow("Serial", QLabel(bay.serial, self))
        self.form.addRow("Asset &tag", self.tag_edit)
        self.form.addRow("&Model", self.model_edit)

    def request(self) -> Request | None:
        serial, tag, model = self.bay.serial, self.tag_edit.text(), self.model_edit.text()
        return (lambda ctx: docks.register_docked(ctx, serial, tag, model)), "units"

    def refused(self, exc: BaseException) -> None:
        self.tag_edit.setFocus()
        self.tag_edit.selectAll()

    def done_text(self) -> str:
        row: Any = self.result_value
        return f"Registered {row.asset_tag} ({row.serial}) in {self.bay.label}."

"""The Docks view's administrator dialogs: register a dock, remove one."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)


def _buttons(dialog: QDialog, ok: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class AddDockDialog(QDialog):
    """Register a dock, so that its reports are accepted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Register a dock")
        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(64)
        self.name_edit.setPlaceholderText("exactly as the dock names itself, e.g. DOCK-G")
        self.bays_spin = QSpinBox(self)
        self.bays_spin.setRange(1, 64)
        self.bays_spin.setValue(8)
        self.location_edit = QLineEdit(self)
        self.location_edit.setMaxLength(120)
        self.location_edit.setPlaceholderText("where it stands (optional)")
        form = QFormLayout(self)
        note = QLabel(
            "Only registered docks may report. The dock must also send this station's dock "
            "token (bwc-desk docks token shows it)."
        )
        note.setWordWrap(True)
        form.addRow(note)
        form.addRow("&Name", self.name_edit)
        form.addRow("&Bays", self.bays_spin)
        form.addRow("&Location", self.location_edit)
        self.buttons = _buttons(self, "Register")
        form.addRow(self.buttons)


class RemoveDockDialog(QDialog):
    """Unregister a dock; one that still reports cameras needs the box ticked."""

    def __init__(self, names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Remove a dock")
        self.name_box = QComboBox(self)
        self.name_box.addItems(names)
        self.force_box = QCheckBox(
            "Remove it even if it still reports cameras (a broken dock): they are recorded "
            "as undocked",
            self,
        )
        form = QFormLayout(self)
        note = QLabel("Its reports are refused from now on; its custody records stay.")
        note.setWordWrap(True)
        form.addRow(note)
        form.addRow("&Dock", self.name_box)
        form.addRow(self.force_box)
        self.buttons = _buttons(self, "Remove")
        form.addRow(self.buttons)

"""Administration > Settings: the agency's settings, with their limits."""

from __future__ import annotations

from typing import Any

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

from bwc_desk.domain.settings import SPECS
from bwc_desk.services.settings import AgencySettings


class SettingsDialog(QDialog):
    def __init__(self, current: AgencySettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Agency settings - BWC Desk")
        self.current = current.as_dict()
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout(self)
        form.addRow(QLabel("These settings apply to every station of the agency."))
        for key, spec in SPECS.items():
            value = self.current[key]
            editor: QWidget
            if spec.choices:
                combo = QComboBox(self)
                combo.addItems(list(spec.choices))
                combo.setCurrentText(str(value))
                editor = combo
            elif spec.kind is bool:
                check = QCheckBox(self)
                check.setChecked(bool(value))
                editor = check
            elif spec.kind is int:
                spin = QSpinBox(self)
                spin.setRange(
                    spec.minimum if spec.minimum is not None else 0,
                    spec.maximum if spec.maximum is not None else 1_000_000,
                )
                spin.setValue(int(value))
                editor = spin
            else:
                line = QLineEdit(str(value), self)
                editor = line
            editor.setObjectName(key)
            self.editors[key] = editor
            form.addRow(spec.label, editor)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def changes(self) -> dict[str, Any]:
        """Only what differs from the current values."""
        out: dict[str, Any] = {}
        for key, editor in self.editors.items():
            if isinstance(editor, QComboBox):
                value: Any = editor.currentText()
            elif isinstance(editor, QCheckBox):
                value = editor.isChecked()
            elif isinstance(editor, QSpinBox):
                value = editor.value()
            else:
                assert isinstance(editor, QLineEdit)
                value = editor.text()
            if value != self.current[key]:
                out[key] = value
        return out

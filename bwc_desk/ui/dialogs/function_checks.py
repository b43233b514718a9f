"""The four checks of a function test, shared by the counter's pre-shift test and the bench
test after a repair. A test is done, not presumed: every check starts unticked and is ticked
as it is done (Space, Alt+1-4, or a click); the dialog around it lets Enter mean "passed"
only once all four are, and "Record failure" is never Enter's."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from bwc_desk.services.counter import FunctionTest


class FunctionChecks(QWidget):
    ticked = Signal(bool)  # whether every check is ticked now

    CHECKS = (
        ("powers_on", "Powers on"),
        ("records", "Records (LED / vibration)"),
        ("battery_indicator", "Battery indicator works"),
        ("mount_and_lens", "Mount and lens undamaged"),
    )

    def __init__(self, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(hint, self))
        self.boxes: dict[str, QCheckBox] = {}
        for i, (key, label) in enumerate(self.CHECKS):
            box = QCheckBox(f"&{i + 1}  {label}", self)
            box.toggled.connect(lambda _on: self.ticked.emit(self.all_ticked()))
            self.boxes[key] = box
            layout.addWidget(box)
        self.note_edit = QLineEdit(self)
        self.note_edit.setMaxLength(500)
        self.note_edit.setPlaceholderText("what is wrong (for a failed check)")
        layout.addWidget(self.note_edit)
        self._pass_button: QPushButton | None = None

    def all_ticked(self) -> bool:
        return all(b.isChecked() for b in self.boxes.values())

    def test(self) -> FunctionTest:
        """The test as ticked: a check not ticked failed."""
        return FunctionTest(
            note=self.note_edit.text().strip(),
            **{k: b.isChecked() for k, b in self.boxes.items()},
        )

    def no_failure_ticked(self) -> None:
        """Record failure with every check ticked: say which to untick, record nothing."""
        self.note_edit.setFocus()
        self.note_edit.setPlaceholderText("untick the check that failed, then Record failure")

    def guard(self, pass_button: QPushButton, *others: QPushButton) -> None:
        """No button answers Enter until every check is ticked (a dialog makes its first
        auto-default button the default one when it is shown: none is auto-default); then
        ``pass_button`` does."""
        for button in (pass_button, *others):
            button.setAutoDefault(False)
        self._pass_button = pass_button
        self.ticked.connect(self.refresh)
        self.refresh()

    def refresh(self, _all_ok: bool = False) -> None:
        """Enable ``pass_button`` (and make it Enter's) exactly when every check is ticked;
        also after its dialog re-enabled its buttons."""
        all_ok = self.all_ticked()
        if self._pass_button is not None:
            self._pass_button.setEnabled(all_ok)
            self._pass_button.setDefault(all_ok)

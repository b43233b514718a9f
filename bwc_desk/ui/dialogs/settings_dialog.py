"""Administration > Settings: the agency's settings, with their limits, and its shifts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.settings import SPECS
from bwc_desk.domain.shifts import ShiftSpec, ShiftTableError, check_shift_table
from bwc_desk.services.settings import AgencySettings, change_settings
from bwc_desk.ui.dialogs.service_dialog import Request, ServiceDialog
from bwc_desk.ui.state import AppState

SHIFT_HELP = (
    "Each shift has a name, a start (local time, HH:MM) and a length of up to 12 hours "
    "(10, 10.5 or 10:30); shifts may overlap. An officer's camera is due back at the end of "
    "their shift plus the grace. Changes apply to cameras issued from now on. A shift that "
    "active officers or a pool are on cannot be removed."
)


class ShiftTable(QWidget):
    """The agency's shifts as an editable table (a handful of rows)."""

    COLUMNS = ("Name", "Start", "Hours")

    def __init__(self, shifts: tuple[ShiftSpec, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setObjectName("shift_table")
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(150)
        for shift in shifts:
            self.add_row(shift.name, f"{shift.starts:%H:%M}", shift.hours_text())
        self.add_button = QPushButton("A&dd shift", self)
        self.add_button.setObjectName("add_shift")
        self.remove_button = QPushButton("Re&move shift", self)
        self.remove_button.setObjectName("remove_shift")
        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def add_row(self, name: str, start: str, hours: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, text in enumerate((name, start, hours)):
            self.table.setItem(row, column, QTableWidgetItem(text))

    def _add(self) -> None:
        self.add_row("", "07:00", "8")
        self.table.setCurrentCell(self.table.rowCount() - 1, 0)
        item = self.table.item(self.table.rowCount() - 1, 0)
        if item is not None:
            self.table.editItem(item)

    def _remove(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)

    def rows(self) -> list[tuple[int, str, str, str]]:
        """(row number, name, start, hours) as typed; rows left wholly blank are skipped."""
        out = []
        for row in range(self.table.rowCount()):
            cells = []
            for column in range(len(self.COLUMNS)):
                item = self.table.item(row, column)
                cells.append(item.text() if item is not None else "")
            if any(c.strip() for c in cells):
                out.append((row + 1, cells[0], cells[1], cells[2]))
        return out

    def shifts(self) -> tuple[ShiftSpec, ...]:
        """The table checked by the same rules as a CSV file (ShiftTableError names rows)."""
        return check_shift_table(self.rows(), "Shifts", line_word="row")


class SettingsDialog(ServiceDialog):
    """The agency's settings; Save writes what differs (``result_value``: the new settings,
    None when nothing changed). A wrong shift row or a refused change (a shift officers are
    on) keeps the dialog open with everything typed."""

    def __init__(
        self, state: AppState, current: AgencySettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(state, "Agency settings", parent, ok_text="&Save")
        self.current = current.as_dict()
        self.editors: dict[str, QWidget] = {}
        self.heading.setText("These settings apply to every station of the agency.")
        form = self.form
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
                # Typed past its range ("45" where 30 is the most), a spin box keeps what
                # fits ("4") without a word: the range is said beside it.
                if spec.maximum is not None:
                    spin.setSuffix(f"   ({spin.minimum()} to {spin.maximum()})")
                spin.setToolTip(f"From {spin.minimum()} to {spin.maximum()}.")
                editor = spin
            else:
                line = QLineEdit(str(value), self)
                # Wide enough for a department's full name, and shown from its start (the
                # cursor at its end scrolled "Harbor City Police" out of view).
                line.setMinimumWidth(min(480, line.fontMetrics().horizontalAdvance(str(value))
                                         + 24))
                editor = line
            editor.setObjectName(key)
            self.editors[key] = editor
            form.addRow(spec.label, editor)
        self.current_shifts = tuple(current.shifts)
        self.shift_table = ShiftTable(self.current_shifts, self)
        self.shift_problem = QLabel(self)
        self.shift_problem.setObjectName("shift_problem")
        self.shift_problem.setWordWrap(True)
        self.shift_problem.setStyleSheet("color: #b91c1c; font-weight: bold;")
        self.shift_problem.hide()
        group = QGroupBox("&Shifts", self)
        box = QVBoxLayout(group)
        note = QLabel(SHIFT_HELP, group)
        note.setWordWrap(True)
        box.addWidget(note)
        box.addWidget(self.shift_table)
        box.addWidget(self.shift_problem)
        form.addRow(group)
        self.scroll_body()  # (Save stays on a small screen)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._texts_from_their_start)

    def _texts_from_their_start(self) -> None:
        """Each text field shown from its start, once the first has the focus (which selects
        it whole with the cursor at its end: "...Department (demo)" was all one saw of the
        agency's name). A field selected whole stays selected, the cursor at its start."""
        for editor in self.editors.values():
            if isinstance(editor, QLineEdit):
                length = len(editor.text())
                if editor.hasSelectedText() and len(editor.selectedText()) == length:
                    editor.setSelection(length, -length)
                else:
                    editor.setCursorPosition(0)

    def request(self) -> Request | None:
        # A wrong row keeps the dialog open, with the rows named, and what was typed.
        try:
            self.shift_table.shifts()
        except ShiftTableError as exc:
            text = "\n".join(
                f"Row {row}: {reason}" if row else reason for row, reason in exc.problems
            )
            self.shift_problem.setText(text)
            self.shift_problem.show()
            # Said by Save too, and the table's problem scrolled into sight: under the table
            # of a screen-high form it was below the fold, and Save seemed to do nothing.
            self.show_error(f"Shifts: {text}")
            scroll = self._scroll
            if scroll is not None:
                QTimer.singleShot(0, lambda: scroll.ensureWidgetVisible(self.shift_problem))
            return None
        self.shift_problem.hide()
        self.show_error("")
        changes = self.changes()
        if not changes:
            self.done(QDialog.DialogCode.Accepted)  # nothing to write
            return None
        return (lambda ctx: change_settings(ctx, changes)), "settings"

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
        try:
            shifts = self.shift_table.shifts()
        except ShiftTableError:
            return out  # accept() does not let a wrong table through
        if [(s.name, s.starts, s.ends) for s in shifts] != [
            (s.name, s.starts, s.ends) for s in self.current_shifts
        ]:
            out["shifts"] = shifts
        return out

"""Repairs: the open repair cases with their age (or every case), filtered as typed, and what
a supervisor does with one: send it to the vendor, back, replaced, its cost, close it; a
function test at the bench; docks and bays out of service; the dock inspection checklist and
the printed inspection log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.roles import Permission
from bwc_desk.services import inspections, repairs
from bwc_desk.services.repairs import OutOfServiceRow, RepairCaseRow, RepairEventRow
from bwc_desk.ui.dialogs.service_dialog import ServiceDialog
from bwc_desk.ui.files import save_file
from bwc_desk.ui.gates import Gates
from bwc_desk.ui.live_rows import LiveRows
from bwc_desk.ui.models.repair_models import RepairCaseModel
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views import repair_dialogs as rd
from bwc_desk.ui.widgets import FilteredTable

CaseForm = Callable[[AppState, RepairCaseRow, QWidget], ServiceDialog]


class RepairsTab(QWidget):
    done = Signal(str)  # what an action did, as shown in the status bar (tests)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = RepairCaseModel()
        self.table = FilteredTable(self.model, "Filter: camera, dock, model, symptom, RMA", self)
        self.table.setObjectName("repair_cases")
        self.closed_box = QCheckBox("Show &closed cases", self)
        self.table.top.addWidget(self.closed_box)
        self.out_label = QLabel(self)
        self.out_label.setObjectName("out_of_service")
        self.out_label.setWordWrap(True)
        self.out: list[OutOfServiceRow] = []
        self.case_buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        for text, form in (
            ("Send to &vendor...", rd.SendToVendorDialog),
            ("&Back...", rd.BackDialog),
            ("Re&placed...", rd.ReplacedDialog),
            ("Cos&t...", rd.CostDialog),
            ("C&lose...", rd.CloseCaseDialog),
        ):
            button = QPushButton(text, self)
            button.clicked.connect(lambda _c=False, f=form: self._case_action(f))
            self.case_buttons[text.replace("&", "").rstrip(".")] = button
            actions.addWidget(button)
        self.history_button = QPushButton("&History", self)
        self.history_button.clicked.connect(self.show_history)
        actions.addWidget(self.history_button)
        actions.addStretch(1)
        self.open_button = QPushButton("&Open case...", self)
        self.open_button.clicked.connect(self.open_case)
        self.test_button = QPushButton("Function &test...", self)
        self.test_button.clicked.connect(self.function_test)
        self.service_button = QPushButton("Back &in service...", self)
        self.service_button.clicked.connect(self.back_in_service)
        self.print_button = QPushButton("Print inspection lo&g...", self)
        self.print_button.clicked.connect(self.print_log)
        self.checklist_button = QPushButton("Chec&klist...", self)
        self.checklist_button.clicked.connect(self.edit_checklist)
        # Whoever is signed in now (the next person signs in on this window after the lock).
        self.gates = Gates(state, self)
        self.gates.add(self.checklist_button, Permission.SETTINGS, hide=True)
        self.gates.add(self.print_button, Permission.EXPORT, hide=True)
        for button in (self.open_button, self.test_button, self.service_button):
            self.gates.add(button, Permission.OUT_OF_SERVICE, hide=True)
        for name, button in self.case_buttons.items():
            self.gates.add(
                button, Permission.OUT_OF_SERVICE, partial(self._case_blocked, name), hide=True
            )
        others = QHBoxLayout()
        for button in (
            self.open_button,
            self.test_button,
            self.service_button,
            self.print_button,
            self.checklist_button,
        ):
            others.addWidget(button)
        others.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(others)
        layout.addWidget(self.out_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        self.live = LiveRows(
            state,
            self.table,
            # (Not "docks": bays reporting, twice a second; a dock or bay taken out of or
            # back into service is a "repairs" change.)
            topics=("repairs", "units"),
            read_all=self._read,
            read_some=lambda ctx, _keys, _change: self._read(ctx),
            affected=lambda _change: None,  # a few dozen cases: read them again
        )
        self.closed_box.toggled.connect(lambda _on: self.live.reload())
        self.live.shown.connect(lambda _full: self._read_out())
        self.table.selection_changed.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)
        self._update_buttons()

    def _read(self, ctx: Any) -> list[RepairCaseRow]:
        return repairs.list_cases(ctx, open_only=not self.closed_box.isChecked())

    def ensure_loaded(self) -> None:
        self.live.ensure_loaded()

    def selected(self) -> RepairCaseRow | None:
        rows = self.table.table.selectionModel().selectedRows()
        if not rows:
            return None
        row: RepairCaseRow = self.table.proxy.source_row(rows[0].row())
        return row

    def _case_blocked(self, name: str) -> str:
        """Why the case button ``name`` is of no use on the selection ('' when it is)."""
        case = self.selected()
        if case is None:
            return "Select a case first."
        if name == "Cost":
            return ""
        if not case.is_open:
            return "The case is closed."
        if name in ("Back", "Replaced") and case.unit_id is None:
            return "The case is about a dock or bay, not a camera."
        return ""

    def _update_buttons(self, *_args: Any) -> None:
        self.gates.update()
        self.history_button.setEnabled(self.selected() is not None)

    # --- actions --------------------------------------------------------------------------
    def _run(self, dialog: ServiceDialog, text: Callable[[Any], str]) -> None:
        if dialog.exec():
            message = text(dialog.result_value)
            self.state.message.emit(message, 8000)
            self.done.emit(message)

    def _case_action(self, form: CaseForm) -> None:
        case = self.selected()
        if case is None:
            self.state.message.emit("Select a case first.", 5000)
            return
        self._run(form(self.state, case, self), _case_text)

    def open_case(self) -> None:
        self._run(rd.OpenCaseDialog(self.state, self), _case_text)

    def function_test(self) -> None:
        case = self.selected()
        code = case.replacement_tag or case.asset_tag if case is not None else ""
        self._run(rd.FunctionTestDialog(self.state, code, self), str)

    def back_in_service(self) -> None:
        if not self.out:
            self.state.message.emit("No dock or bay is out of service.", 5000)
            return
        self._run(rd.BackInServiceDialog(self.state, self.out, self), lambda _r: "Back in service.")

    def edit_checklist(self) -> None:
        def show(items: list[inspections.ChecklistItem]) -> None:
            self._run(
                rd.ChecklistDialog(self.state, items, self),
                lambda new: f"The dock checklist has {len(new)} lines.",
            )

        self.state.read(inspections.checklist, show, parent=self)

    def show_history(self) -> None:
        case = self.selected()
        if case is None:
            return
        self.state.read(
            lambda ctx: repairs.case_events(ctx, case.id),
            lambda events: self._history(case, events),
            parent=self,
        )

    def _history(self, case: RepairCaseRow, events: list[RepairEventRow]) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle(f"Case #{case.id} - BWC Desk")
        text = QPlainTextEdit(dialog)
        text.setObjectName("case_history")
        text.setReadOnly(True)
        text.setPlainText(
            "\n".join(
                f"{e.at.astimezone():%Y-%m-%d %H:%M}  {e.kind:<22} {e.staff} at {e.station}"
                + (f"  {e.note}" if e.note else "")
                for e in events
            )
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel(f"{case.target}: {case.symptom}", dialog))
        layout.addWidget(text)
        layout.addWidget(buttons)
        dialog.resize(720, 360)
        dialog.open()
        self.history_dialog = dialog

    def print_log(self) -> None:
        choice = _LogRange(self)
        if not choice.exec():
            return
        first, last, pdf = choice.values()
        suffix = "pdf" if pdf else "csv"
        path = save_file(
            self,
            "Save the dock inspection log",
            f"dock-inspections-{first:%Y%m%d}-{last:%Y%m%d}.{suffix}",
            "PDF (*.pdf)" if pdf else "CSV (*.csv)",
        )
        if path:
            self.export_log(path, first, last, pdf)

    def export_log(self, path: str, first: date, last: date, pdf: bool) -> None:
        def done(n: int) -> None:
            message = f"Inspection log saved: {n} inspections in {path}."
            self.state.message.emit(message, 10_000)
            self.done.emit(message)

        self.state.export(
            lambda ctx: inspections.export_inspection_log(ctx, path, first, last, pdf=pdf),
            done,
            parent=self,
        )

    # --- out of service -------------------------------------------------------------------
    def _read_out(self) -> None:
        self.state.read(repairs.list_out_of_service, self._show_out, key=(self, "out"), parent=self)

    def _show_out(self, out: list[OutOfServiceRow]) -> None:
        self.out = out
        self.out_label.setText(
            "Out of service: " + "; ".join(f"{o.label} ({o.reason})" for o in out)
            if out
            else "Every dock and bay is in service."
        )
        self.service_button.setEnabled(bool(out))


def _case_text(row: RepairCaseRow) -> str:
    what = row.state if row.is_open else f"closed ({row.outcome})"
    return f"Repair case #{row.id} for {row.target}: {what}."


class _LogRange(QDialog):
    """Which days of the inspection log, and PDF or CSV."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Print the inspection log - BWC Desk")
        today = QDate.currentDate()
        self.first = QDateEdit(today.addDays(-6), self)
        self.last = QDateEdit(today, self)
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.kind = QComboBox(self)
        self.kind.addItems(["PDF (to print and file)", "CSV (a spreadsheet)"])
        form = QFormLayout(self)
        form.addRow("&From", self.first)
        form.addRow("&To", self.last)
        form.addRow("&As", self.kind)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[date, date, bool]:
        def py(q: QDate) -> date:
            return date(q.year(), q.month(), q.day())

        first, last = py(self.first.date()), py(self.last.date())
        return min(first, last), max(first, last), self.kind.currentIndex() == 0

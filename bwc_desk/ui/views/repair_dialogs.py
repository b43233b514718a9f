"""The forms of the Repairs view and of the dock inspection: each saves through its service
(ServiceDialog), a refusal stays in the dialog with what was typed."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QWidget,
)

from bwc_desk.domain.errors import ValidationError
from bwc_desk.services import inspections, repairs
from bwc_desk.services.inspections import InspectionForm, ItemResult
from bwc_desk.services.repairs import RepairCaseRow
from bwc_desk.ui.dialogs.function_checks import FunctionChecks
from bwc_desk.ui.dialogs.service_dialog import Request, ServiceDialog
from bwc_desk.ui.state import AppState


def _note_edit(parent: QWidget, placeholder: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setMaxLength(500)
    edit.setPlaceholderText(placeholder)
    return edit


class CaseDialog(ServiceDialog):
    """A form about one case: its heading names the case."""

    def __init__(
        self,
        state: AppState,
        title: str,
        case: RepairCaseRow,
        parent: QWidget | None,
        ok_text: str,
    ) -> None:
        super().__init__(state, title, parent, ok_text=ok_text)
        self.case = case
        self.heading.setText(f"Case #{case.id}: {case.target} - {case.symptom}")


class OpenCaseDialog(ServiceDialog):
    """A supervisor reports a camera faulty: it goes in repair with a new case."""

    def __init__(self, state: AppState, parent: QWidget | None = None, code: str = "") -> None:
        super().__init__(state, "Open a repair case", parent, ok_text="Open case")
        self.unit_edit = QLineEdit(code, self)
        self.unit_edit.setPlaceholderText("scan or type the asset tag or serial")
        self.symptom_edit = _note_edit(self, "what is wrong, as reported")
        self.form.addRow("&Camera", self.unit_edit)
        self.form.addRow("&Symptom", self.symptom_edit)

    def request(self) -> Request | None:
        code, symptom = self.unit_edit.text(), self.symptom_edit.text()
        return (lambda ctx: repairs.open_case(ctx, code, symptom)), "repairs"

    def refused(self, exc: BaseException) -> None:
        self.unit_edit.setFocus()


class SendToVendorDialog(CaseDialog):
    def __init__(self, state: AppState, case: RepairCaseRow, parent: QWidget | None = None):
        super().__init__(state, "Send to the vendor", case, parent, "Sent")
        self.vendor_edit = QLineEdit(case.vendor, self)
        self.vendor_edit.setMaxLength(80)
        self.rma_edit = QLineEdit(case.rma, self)
        self.rma_edit.setMaxLength(80)
        self.rma_edit.setPlaceholderText("the vendor's return authorisation number")
        today = state.ctx.now().astimezone(state.ctx.zone).date()
        self.sent_edit = QDateEdit(QDate(today.year, today.month, today.day), self)
        self.sent_edit.setCalendarPopup(True)
        self.sent_edit.setDisplayFormat("yyyy-MM-dd")
        self.form.addRow("&Vendor", self.vendor_edit)
        self.form.addRow("&RMA number", self.rma_edit)
        self.form.addRow("&Date sent", self.sent_edit)

    def request(self) -> Request | None:
        vendor, rma = self.vendor_edit.text(), self.rma_edit.text()
        q = self.sent_edit.date()
        sent = date(q.year(), q.month(), q.day())
        case_id = self.case.id
        return (lambda ctx: repairs.send_to_vendor(ctx, case_id, vendor, rma, sent)), "repairs"

    def refused(self, exc: BaseException) -> None:
        self.rma_edit.setFocus()


class BackDialog(CaseDialog):
    def __init__(self, state: AppState, case: RepairCaseRow, parent: QWidget | None = None):
        super().__init__(state, "Back from repair", case, parent, "Back in stock")
        self.note_edit = _note_edit(self, "what the vendor did (optional)")
        note = QLabel(
            f"{case.target} goes back on the shelf, but the counter will not issue it until "
            "it passes a function test.",
            self,
        )
        note.setWordWrap(True)
        self.form.addRow(note)
        self.form.addRow("&Note", self.note_edit)

    def request(self) -> Request | None:
        note, case_id = self.note_edit.text(), self.case.id
        return (lambda ctx: repairs.mark_back(ctx, case_id, note)), "repairs"


class ReplacedDialog(CaseDialog):
    def __init__(self, state: AppState, case: RepairCaseRow, parent: QWidget | None = None):
        super().__init__(state, "Replaced by the vendor", case, parent, "Replace")
        self.unit_edit = QLineEdit(self)
        self.unit_edit.setPlaceholderText("the replacement's asset tag (register it first)")
        self.note_edit = _note_edit(self, "note (optional)")
        note = QLabel(
            f"The replacement takes over the officer and pool of {case.target}, which is "
            "retired. It is function-tested before its first issue.",
            self,
        )
        note.setWordWrap(True)
        self.form.addRow(note)
        self.form.addRow("&Replacement", self.unit_edit)
        self.form.addRow("&Note", self.note_edit)

    def request(self) -> Request | None:
        code, note, case_id = self.unit_edit.text(), self.note_edit.text(), self.case.id
        return (lambda ctx: repairs.replace_unit(ctx, case_id, code, note)), "repairs"

    def refused(self, exc: BaseException) -> None:
        self.unit_edit.setFocus()
        self.unit_edit.selectAll()


class CostDialog(CaseDialog):
    def __init__(self, state: AppState, case: RepairCaseRow, parent: QWidget | None = None):
        super().__init__(state, "Repair cost", case, parent, "Record cost")
        self.cost_edit = QLineEdit(
            f"{case.cost_cents / 100:.2f}" if case.cost_cents is not None else "", self
        )
        self.cost_edit.setPlaceholderText("e.g. 125.50")
        self.currency_edit = QLineEdit(case.currency or "USD", self)
        self.currency_edit.setMaxLength(3)
        self.form.addRow("&Cost", self.cost_edit)
        self.form.addRow("C&urrency", self.currency_edit)

    def request(self) -> Request | None:
        cost, currency, case_id = self.cost_edit.text(), self.currency_edit.text(), self.case.id
        return (lambda ctx: repairs.record_cost(ctx, case_id, cost, currency)), "repairs"

    def refused(self, exc: BaseException) -> None:
        self.cost_edit.setFocus()
        self.cost_edit.selectAll()


class CloseCaseDialog(CaseDialog):
    """Written off (a camera is retired), or fixed (a dock or bay, back in service)."""

    def __init__(self, state: AppState, case: RepairCaseRow, parent: QWidget | None = None):
        super().__init__(state, "Close the case", case, parent, "Close case")
        self.outcome_box = QComboBox(self)
        self.outcome_box.addItems(
            ["written off"] if case.unit_id is not None else ["fixed", "written off"]
        )
        self.note_edit = _note_edit(self, "why (kept with the case)")
        self.form.addRow("&Outcome", self.outcome_box)
        self.form.addRow("&Note", self.note_edit)

    def request(self) -> Request | None:
        outcome, note, case_id = self.outcome_box.currentText(), self.note_edit.text(), self.case.id
        return (lambda ctx: repairs.close_case(ctx, case_id, outcome, note)), "repairs"

    def refused(self, exc: BaseException) -> None:
        self.note_edit.setFocus()


class FunctionTestDialog(ServiceDialog):
    """A function test at the bench, for a camera back from repair (or a replacement): the
    counter's checks (FunctionChecks), each ticked as it is done. Enter records a pass only
    once all four are; "Record failure" (a click or Alt+F, never Enter) records the checks
    left unticked as what failed, with the note."""

    def __init__(self, state: AppState, code: str = "", parent: QWidget | None = None):
        super().__init__(state, "Function test", parent, ok_text="All checks &passed")
        self.unit_edit = QLineEdit(code, self)
        self.unit_edit.setPlaceholderText("asset tag or serial")
        self.form.addRow("&Camera", self.unit_edit)
        self.checks = FunctionChecks(
            "Tick each check as it is done (Space, or Alt+1 to Alt+4).", self
        )
        self.boxes, self.note_edit = self.checks.boxes, self.checks.note_edit
        self.body.addWidget(self.checks)
        self.pass_button = self.ok_button
        self.fail_button = self.buttons.addButton(
            "Record &failure", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.checks.guard(self.pass_button, self.fail_button, self.cancel_button)
        self.fail_button.clicked.connect(self._failed)
        self._failing = False
        if code:
            self.boxes["powers_on"].setFocus()

    def _failed(self) -> None:
        if self.busy:
            return
        if self.checks.all_ticked():
            self.checks.no_failure_ticked()
            return
        self._failing = True
        self.submit()

    def request(self) -> Request | None:
        failing, self._failing = self._failing, False
        test = self.checks.test()
        if test.passed == failing:  # (the buttons allow neither: never a test presumed)
            return None
        note = (
            test.note
            if test.passed
            else "; ".join(test.failures()) + (f" - {test.note}" if test.note else "")
        )
        code, checks = self.unit_edit.text(), test.as_details()
        del checks["note"]
        return (
            lambda ctx: repairs.record_function_test(ctx, code, test.passed, note, checks)
        ), "repairs"

    def refused(self, exc: BaseException) -> None:
        self.checks.refresh()  # (its dialog enabled the pass button again)
        self.unit_edit.setFocus()
        self.unit_edit.selectAll()


class BackInServiceDialog(ServiceDialog):
    """A supervisor puts a dock or bay back in service before its case closes."""

    def __init__(
        self, state: AppState, out: list[repairs.OutOfServiceRow], parent: QWidget | None = None
    ):
        super().__init__(state, "Back in service", parent, ok_text="Back in service")
        self.out = out
        self.which_box = QComboBox(self)
        for row in out:
            self.which_box.addItem(f"{row.label}: {row.reason}")
        self.reason_edit = _note_edit(self, "why it may be used again")
        self.form.addRow("&Dock or bay", self.which_box)
        self.form.addRow("&Reason", self.reason_edit)

    def request(self) -> Request | None:
        if not self.out:
            raise ValidationError("No dock or bay is out of service.")
        row = self.out[self.which_box.currentIndex()]
        reason = self.reason_edit.text()
        return (lambda ctx: repairs.back_in_service(ctx, row.dock, row.bay_no, reason)), "docks"


class InspectLine(NamedTuple):
    """One line of the inspection form: a checklist item (for one bay, or the dock: 0),
    answered OK or Defect, neither until the supervisor says."""

    item_id: int
    bay: int
    text: str  # "Power and network lights" or "bay 3: Contacts ..."
    ok: QRadioButton
    failed: QRadioButton
    note: QLineEdit

    @property
    def answered(self) -> bool:
        return self.ok.isChecked() or self.failed.isChecked()


class InspectDialog(ServiceDialog):
    """The daily inspection of one dock: every checklist line answered OK or Defect (a note
    says what is wrong); "bay" lines once per bay. Nothing is presumed: every line starts
    unanswered, as the function test at the counter starts unticked, and the inspection is
    recorded only once each line is answered. A defect takes the bay or dock out of service
    and opens a repair case."""

    def __init__(self, state: AppState, form: InspectionForm, parent: QWidget | None = None):
        super().__init__(state, f"Inspect {form.dock}", parent, ok_text="Record inspection")
        self.inspection = form
        last = (
            f"Last inspected {form.last_at.astimezone():%Y-%m-%d %H:%M} by {form.last_by}."
            if form.last_at
            else "Not inspected before."
        )
        out = (
            " Out of service now: "
            + ", ".join("the dock" if b == 0 else f"bay {b}" for b in form.out_of_service)
            + "."
            if form.out_of_service
            else ""
        )
        self.heading.setText(
            f"{last}{out} Check each line and mark it <b>OK</b> or <b>Defect</b>; for a "
            "defect say what is wrong: it is taken out of service and a repair case is opened."
        )
        self.lines: list[InspectLine] = []
        host = QWidget(self)
        grid = QGridLayout(host)
        for row, item in enumerate(form.items):
            bays = range(1, form.bays + 1) if item.scope == "bay" else (0,)
            group = QGroupBox(item.label, host)
            inner = QGridLayout(group)
            for n, bay in enumerate(bays):
                if bay:
                    inner.addWidget(QLabel(f"Bay {bay}", group), n, 0)
                ok = QRadioButton("OK", group)
                failed = QRadioButton("Defect", group)
                answer = QButtonGroup(self)  # one answer per line; none at first
                answer.addButton(ok)
                answer.addButton(failed)
                note = QLineEdit(group)
                note.setMaxLength(500)
                note.setPlaceholderText("what is wrong")
                note.setEnabled(False)
                failed.toggled.connect(lambda bad, edit=note: edit.setEnabled(bad))
                inner.addWidget(ok, n, 1)
                inner.addWidget(failed, n, 2)
                inner.addWidget(note, n, 3)
                text = f"bay {bay}: {item.label}" if bay else item.label
                self.lines.append(InspectLine(item.id, bay, text, ok, failed, note))
            grid.addWidget(group, row, 0)
        self.lines_area = QScrollArea(self)
        self.lines_area.setWidget(host)
        self.lines_area.setWidgetResizable(True)
        self.lines_area.setMinimumHeight(min(480, 60 + 34 * len(self.lines)))
        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setPlaceholderText("a note for the log (optional)")
        self.note_edit.setMaximumHeight(60)
        self.body.addWidget(self.lines_area)
        self.body.addWidget(self.note_edit)
        self.setMinimumWidth(620)

    def results(self) -> list[ItemResult]:
        """The lines answered (an unanswered line is not sent: the service refuses it)."""
        return [
            ItemResult(line.item_id, line.ok.isChecked(), line.bay, line.note.text())
            for line in self.lines
            if line.answered
        ]

    def request(self) -> Request | None:
        waiting = [line for line in self.lines if not line.answered]
        if waiting:
            shown = ", ".join(line.text for line in waiting[:4])
            more = f" and {len(waiting) - 4} more" if len(waiting) > 4 else ""
            self.show_error(
                "Answer every line of the checklist: mark each OK or Defect as you check it "
                f"(nothing is presumed OK). Not yet: {shown}{more}."
            )
            self.lines_area.ensureWidgetVisible(waiting[0].ok)
            waiting[0].ok.setFocus()
            return None
        dock, results, note = self.inspection.dock, self.results(), self.note_edit.toPlainText()
        return (lambda ctx: inspections.record_inspection(ctx, dock, results, note)), "docks"

    def refused(self, exc: BaseException) -> None:
        for line in self.lines:
            if line.failed.isChecked() and not line.note.text().strip():
                self.lines_area.ensureWidgetVisible(line.note)
                line.note.setFocus()
                return

    def done_text(self) -> str:
        row: inspections.InspectionRow = self.result_value
        if row.passed:
            return f"{row.dock} inspected: all OK."
        return (
            f"{row.dock} inspected: {len(row.defects)} defect(s); out of service with repair "
            f"case {', '.join(f'#{c}' for c in row.cases)}."
        )


class ChecklistDialog(ServiceDialog):
    """The agency's dock checklist, one line each: "dock: Power ..." or "bay: Contacts ..."
    (administrators)."""

    def __init__(
        self,
        state: AppState,
        items: list[inspections.ChecklistItem],
        parent: QWidget | None = None,
    ):
        super().__init__(state, "Dock inspection checklist", parent, ok_text="Save checklist")
        self.heading.setText(
            "One line per check, in order. Start a line with <b>dock:</b> (checked once per "
            "dock) or <b>bay:</b> (checked for every bay). Past inspections keep the wording "
            "they were made with."
        )
        self.edit = QPlainTextEdit(self)
        self.edit.setPlainText("\n".join(f"{i.scope}: {i.label}" for i in items))
        self.body.addWidget(self.edit)

    def lines(self) -> list[tuple[str, str]]:
        out = []
        for n, raw in enumerate(self.edit.toPlainText().splitlines(), start=1):
            if not raw.strip():
                continue
            scope, sep, label = raw.partition(":")
            if not sep or scope.strip().lower() not in inspections.SCOPES:
                raise ValidationError(f"Line {n} does not start with 'dock:' or 'bay:'.")
            out.append((label.strip(), scope.strip().lower()))
        return out

    def request(self) -> Request | None:
        lines = self.lines()
        return (lambda ctx: inspections.set_checklist(ctx, lines)), "repairs"

"""Reports: pick a report, a period and (for compliance) a shift; Run computes it on a
worker (recorded in the audit log, like the command line), saying how long it has been at
it, with Cancel beside it (a year of a large agency's records takes a while); the charts
above, the tables below, both ledger heads at the foot; Export writes the report shown, as it
is, as PDF or CSV (recorded as an export)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.errors import CancelledError
from bwc_desk.domain.roles import Permission
from bwc_desk.services.reports import REPORTS, Stop, default_period, export_report, run_report
from bwc_desk.services.reports.model import ReportRequest, ReportResult
from bwc_desk.services.reports.output import made_at_text
from bwc_desk.services.settings import get_settings
from bwc_desk.ui.files import save_file
from bwc_desk.ui.gates import Gates
from bwc_desk.ui.models.report_table_model import table_model
from bwc_desk.ui.ops import ExportOp, QueryOp
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.report_chart import ChartView
from bwc_desk.ui.widgets import FilteredTable

ALL_SHIFTS = "(all shifts)"


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _date(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class ReportsTab(QWidget):
    report_shown = Signal(object)  # the ReportResult now on screen
    exported = Signal(object)  # the files written

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.result: ReportResult | None = None
        self._loaded = False
        self._running = False  # a report being computed: Run waits for it
        self._stop: Stop | None = None  # the running report's Cancel
        self._started = 0.0
        self._computing = ""
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self.report_box = QComboBox(self)
        for kind in REPORTS.values():
            self.report_box.addItem(kind.title, kind.name)
        self.from_edit = QDateEdit(self)
        self.to_edit = QDateEdit(self)
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.shift_box = QComboBox(self)
        self.shift_box.addItem(ALL_SHIFTS, None)
        self.run_button = QPushButton("&Run", self)
        self.cancel_button = QPushButton("Cance&l", self)
        self.cancel_button.setToolTip("Stop computing this report (nothing is recorded)")
        # Always there (enabled while a report is computed): shown only then, it moved the
        # buttons, and a double-click on Run landed its second click on Cancel.
        self.cancel_button.setEnabled(False)
        self._setting_dates = False
        self._dates_chosen = False  # the person set the period: kept when the report changes
        self.pdf_button = QPushButton("Export &PDF...", self)
        self.csv_button = QPushButton("Export CS&V...", self)
        self.batch_button = QPushButton("New purchase &batch...", self)
        self.status = QLabel("Pick a report and a period, then Run.", self)
        self.status.setWordWrap(True)
        bar = QHBoxLayout()
        for label, widget in (("Report", self.report_box), ("From", self.from_edit),
                              ("To", self.to_edit), ("Shift", self.shift_box)):
            text = QLabel(label, self)
            text.setBuddy(widget)
            bar.addWidget(text)
            bar.addWidget(widget)
        bar.addStretch(1)
        for button in (self.run_button, self.cancel_button, self.pdf_button, self.csv_button,
                       self.batch_button):
            bar.addWidget(button)
        self.charts = QWidget(self)
        self.charts_layout = QHBoxLayout(self.charts)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.charts)
        self.tables = QTabWidget(self)
        self.table_views: list[FilteredTable] = []
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(scroll)
        split.addWidget(self.tables)
        self.footer = QLabel(self)
        self.footer.setWordWrap(True)
        self.footer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        layout.addWidget(self.footer)
        self.report_box.currentIndexChanged.connect(self._report_picked)
        for edit in (self.from_edit, self.to_edit):
            edit.dateChanged.connect(self._dates_edited)
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        state.closing.connect(self._quit)
        state.actor_changed.connect(self._actor_changed)
        self._shown_for: int | None = None  # who was signed in when the report shown was made
        self._run_for: int | None = None  # who pressed Run
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        self.csv_button.clicked.connect(lambda: self.export("csv"))
        self.batch_button.clicked.connect(self.new_batch)
        # Whoever is signed in now (the next person signs in on this window after the lock):
        # Run needs reports, a purchase batch the units (the services refuse them too).
        self.gates = Gates(state, self)
        self.gates.add(self.run_button, Permission.REPORTS,
                       lambda: "A report is being computed." if self._running else "")
        self.gates.add(self.batch_button, Permission.MANAGE_UNITS,
                       tip="Record a purchase batch (cost, warranty) to assign cameras to")
        for button in (self.pdf_button, self.csv_button):
            # (Not while another is computed: the one shown would be filed under a name
            # that looks like the new one's, a tester found.)
            self.gates.add(button, Permission.REPORTS,
                           lambda: "A report is being computed; export once it is shown."
                           if self._running else
                           "" if self.result is not None else "Run a report first.")
        self._report_picked()
        self._set_result(None)

    def _permissions(self) -> None:
        self.gates.update()

    # --- choices ---------------------------------------------------------------------------
    def ensure_loaded(self) -> None:
        if self._loaded or self.state.actor is None:
            return
        self._loaded = True
        self.state.run(QueryOp(get_settings, self._settings, parent=self, key=(self, "s")))

    def _settings(self, settings: Any) -> None:
        current = self.shift_box.currentData()
        self.shift_box.clear()
        self.shift_box.addItem(ALL_SHIFTS, None)
        for shift in settings.shifts:
            self.shift_box.addItem(shift.label(), shift.name)
        index = self.shift_box.findData(current)
        self.shift_box.setCurrentIndex(max(index, 0))

    def _report_picked(self) -> None:
        """Another report: its usual period, unless the person chose one (a year set for
        one report went back to 30 days for the next, unseen: a tester)."""
        name = str(self.report_box.currentData())
        if not self._dates_chosen:
            first, last = default_period(name, date.today())
            self._setting_dates = True
            try:
                self.from_edit.setDate(_qdate(first))
                self.to_edit.setDate(_qdate(last))
            finally:
                self._setting_dates = False
        self.shift_box.setEnabled(REPORTS[name].uses_shift)

    def _dates_edited(self) -> None:
        if not self._setting_dates:
            self._dates_chosen = True

    def request(self) -> ReportRequest:
        name = str(self.report_box.currentData())
        shift = self.shift_box.currentData() if REPORTS[name].uses_shift else None
        return ReportRequest(name, _date(self.from_edit.date()), _date(self.to_edit.date()),
                             shift)

    # --- running ---------------------------------------------------------------------------
    def run(self) -> None:
        req = self.request()
        actor = self.state.actor
        self._run_for = actor.staff_id if actor is not None else None
        stop = Stop("The report")
        self._stop = stop
        self._running = True
        self._permissions()
        self._computing = (f"Computing {REPORTS[req.name].title.lower()}, "
                           f"{req.date_from} to {req.date_to}")
        self._started = time.monotonic()
        self.status.setText(f"{self._computing}...")
        self.cancel_button.setEnabled(True)
        self._ticker.start()
        # An ExportOp: the report is recorded in the audit log as the act of the person
        # signed in (refused while locked), on the bulk lane (scans never wait for it).
        self.state.run(ExportOp(lambda ctx: run_report(ctx, req, stop), self._set_result,
                                parent=self, on_error=self._failed))

    def _tick(self) -> None:
        if not self._running:
            return
        seconds = int(time.monotonic() - self._started)
        if self._stop is not None and self._stop.requested:
            self.status.setText(f"Cancelling the report... {seconds} s.")
            return
        self.status.setText(f"{self._computing}... {seconds} s. A long period of a large "
                            "agency takes a while; Cancel stops it (nothing is recorded).")

    def cancel(self) -> None:
        """Stop the report being computed: its reads end where they are, and nothing is
        recorded (a report that finished first is shown, as it was recorded)."""
        if self._stop is None or not self._running:
            return
        self._stop.request()
        self.cancel_button.setEnabled(False)
        self.status.setText("Cancelling the report...")

    def _actor_changed(self, actor: Any) -> None:
        """Another person signed in (after the lock): the report the previous one made is
        not left on the screen for them (nor exportable as theirs); the same person finds
        it as they left it."""
        if actor is None or self.result is None or self._running:
            return
        if getattr(actor, "staff_id", None) != self._shown_for:
            self._set_result(None)
            self.status.setText("Pick a report and a period, then Run.")

    def _quit(self) -> None:
        if self._stop is not None:
            self._stop.request()  # (the window closes: the runner does not wait for it)

    def _done_running(self) -> None:
        self._running = False
        self._stop = None
        self._ticker.stop()
        self.cancel_button.setEnabled(False)

    def _failed(self, exc: BaseException) -> None:
        self._done_running()
        shown = self.result
        if isinstance(exc, CancelledError):
            # The report shown before stays (the person stopped the new one: nothing of the
            # one on the screen was wrong), and the words say which it is.
            self._permissions()
            self.status.setText(
                "Cancelled: the new report was not made and nothing was recorded. "
                + (f"Still shown: {shown.title}, {shown.period}." if shown is not None else
                   "Pick a shorter period, or Run again and let it finish."))
            return
        # The report shown before is not the one asked for: it goes, and nothing of it can
        # be exported under the new period's name.
        self._set_result(None)
        self.status.setText(f"Not run: {exc}")

    def _set_result(self, result: ReportResult | None) -> None:
        self._done_running()
        actor = self.state.actor
        if result is not None and actor is not None and actor.staff_id != self._run_for:
            # (Made for the person before the lock, who ran it: not shown to the next one.)
            result = None
            self.status.setText("Pick a report and a period, then Run.")
        self.result = result
        self._shown_for = self._run_for if result is not None else None
        self._permissions()
        while self.charts_layout.count():
            item = self.charts_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.tables.clear()
        for view in self.table_views:
            view.deleteLater()
        self.table_views = []
        if result is None:
            self.footer.setText("")
            return
        for chart in result.charts:
            self.charts_layout.addWidget(ChartView(chart, self.charts))
        for table in result.tables:
            cls, rows = table_model(table)
            model = cls(self)
            view = FilteredTable(model, "Filter rows", self.tables)
            model.set_rows(rows)
            self.tables.addTab(view, f"{table.title} ({len(table.rows):,})")
            self.table_views.append(view)
        self.status.setText(f"{result.title}, {result.period}. Made by {result.made_by} at "
                            f"{result.station}, {made_at_text(result.made_at)}.")
        self.footer.setText(result.footer + "\n" + " ".join(result.notes))
        self.report_shown.emit(result)

    def export(self, kind: str) -> None:
        result = self.result
        if result is None:
            return
        name = f"{result.name}-{result.date_from}-{result.date_to}.{kind}"
        path = save_file(self, f"Export the report as {kind.upper()}", name,
                         "PDF files (*.pdf)" if kind == "pdf" else "CSV files (*.csv)")
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != f".{kind}":
            target = target.with_name(target.name + f".{kind}")
        # The report shown, as it is (not computed again): recorded as an export of it.
        self.state.run(ExportOp(lambda ctx: export_report(ctx, result, target),
                                lambda files: self._written(result, files),
                                parent=self, on_error=self._not_exported))

    def _not_exported(self, exc: BaseException) -> None:
        """The file could not be written: the report shown stays (it was thrown away, to
        be computed again, with "Not run" said of a report that had run)."""
        self.status.setText(f"Not exported: {exc}")

    def new_batch(self) -> None:
        from bwc_desk.ui.dialogs.batch_dialog import BatchDialog

        dialog = BatchDialog(self.state, self)
        dialog.written.connect(
            lambda row: self.state.message.emit(f"Added purchase batch {row.name}.", 8000))
        dialog.open()

    def _written(self, result: ReportResult, files: list[Path]) -> None:
        text = ", ".join(str(f) for f in files)
        what = f"{result.title} ({result.period})"
        self.status.setText(f"Exported {what} to {text}")
        self.state.message.emit(f"Exported {what} to {text}", 8000)
        self.exported.emit(files)

"""The per-shift line-up sheet: preview, print, save as PDF. It opens on the shift on duty
now (the one whose start is nearest), on the day that shift started.

Nothing slow runs on the main thread: the sheet is read and its preview rows prepared on a
worker (the preview is a table, instant at 13,000 officers), and the pages are painted on a
worker too, for the printer or the PDF file (QPainter on a printer needs no GUI thread; the
print dialog, a widget, stays here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, tzinfo

from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.values import plural
from bwc_desk.services import counter, shift_change
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter import Lineup
from bwc_desk.services.shift_change import ShiftChoices
from bwc_desk.ui.files import save_file
from bwc_desk.ui.models.lineup_model import LineupLine, LineupModel
from bwc_desk.ui.models.table_model import Prepared
from bwc_desk.ui.ops import ExportOp, Lane, QueryOp
from bwc_desk.ui.printing import (
    lineup_filename,
    lineup_officers,
    lineup_printer,
    lineup_tally,
    paint_lineup,
    save_lineup_pdf,
)
from bwc_desk.ui.state import AppState
from bwc_desk.ui.widgets import FilteredTable

# A change seen while the sheet is open: read again once changes have been quiet this long
# (a counter's scans come seconds apart; 13,000 officers are not read again for each).
STALE_MS = 2000

@dataclass(frozen=True)
class Built:
    """A sheet read on the worker, with its preview's rows and heading."""

    sheet: Lineup
    rows: Prepared[LineupLine]
    heading: str


def heading(sheet: Lineup, zone: tzinfo | None) -> str:
    starts = sheet.starts.astimezone(zone)
    title = f"{sheet.agency}: line-up, {sheet.shift}" if sheet.agency else f"Line-up, {sheet.shift}"
    return (
        f"{title}. {starts:%A %d %B %Y}, {starts:%H:%M} to "
        f"{sheet.ends.astimezone(zone):%H:%M}. {lineup_tally(sheet)}"
    )


def build(ctx: Ctx, shift: str, day: date, zone: tzinfo | None) -> Built:
    """The sheet and its preview (on a worker)."""
    sheet = counter.lineup(ctx, shift, day)
    return Built(sheet, LineupModel.prepare_sheet(sheet, zone), heading(sheet, zone))


def pages_text(pages: int) -> str:
    return f"{pages} page{'s' if pages != 1 else ''}"


class LineupDialog(QDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.sheet: Lineup | None = None
        self.setWindowTitle("Line-up sheet - BWC Desk")
        self.resize(900, 700)
        self.shift_box = QComboBox(self)
        self.date_edit = QDateEdit(QDate.currentDate(), self)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")  # (as every date in the app)
        self.date_edit.setCalendarPopup(True)
        self.summary = QLabel("Reading the shifts...", self)
        self.summary.setObjectName("lineup_summary")
        self.summary.setWordWrap(True)
        self.model = LineupModel(self)
        self.preview = FilteredTable(self.model, "Find an officer, badge or camera", self)
        self.print_button = QPushButton("&Print...")
        self.pdf_button = QPushButton("Save as P&DF...")
        for button in (self.print_button, self.pdf_button):
            # Enter in the search (a scanner ends with one) is no press of Print.
            button.setAutoDefault(False)
            button.setDefault(False)
        self.note = QLabel(self)
        self.note.setObjectName("lineup_note")
        self.note.setWordWrap(True)
        self.shift_box.setObjectName("lineup_shift")
        self.date_edit.setObjectName("lineup_date")
        top = QHBoxLayout()
        top.addWidget(QLabel("Shift"))
        top.addWidget(self.shift_box)
        top.addWidget(QLabel("Date"))
        top.addWidget(self.date_edit)
        top.addStretch(1)
        top.addWidget(self.print_button)
        top.addWidget(self.pdf_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.note)
        self.shift_box.currentTextChanged.connect(lambda _t: self.refresh())
        self.date_edit.dateChanged.connect(lambda _d: self.refresh())
        self.print_button.clicked.connect(self._print)
        self.pdf_button.clicked.connect(self._pdf)
        self._generation = 0
        self._writing = False  # pages being painted for the printer or a PDF
        self._stale = QTimer(self)  # a change seen: the sheet read again once changes settle
        self._stale.setSingleShot(True)
        self._stale.setInterval(STALE_MS)
        self._stale.timeout.connect(lambda: self.refresh(quiet=True))
        state.changed.connect(self._changed)
        self._closed = False  # closed by its person: deleted once nothing is being written
        self._buttons()
        # The search takes what is typed or scanned first (the shift's list had the focus: a
        # camera scanned at the open sheet went into it, unseen).
        self.preview.filter_edit.setFocus()
        state.run(
            QueryOp(
                shift_change.shift_choices, self._shifts, parent=self, on_error=self._read_failed
            )
        )

    @property
    def zone(self) -> tzinfo:
        return self.state.ctx.zone

    @property
    def building(self) -> bool:
        """A sheet is being read (the preview is empty until it comes)."""
        return self.sheet is None and bool(self.shift_box.currentText())

    def _buttons(self) -> None:
        ready = self.sheet is not None and not self._writing
        self.print_button.setEnabled(ready)
        self.pdf_button.setEnabled(ready)

    def _shifts(self, choices: ShiftChoices) -> None:
        self.shift_box.blockSignals(True)
        self.date_edit.blockSignals(True)
        self.shift_box.addItems(list(choices.names))
        if choices.incoming:
            self.shift_box.setCurrentText(choices.incoming)
        if choices.incoming_starts is not None:
            day = choices.incoming_starts.astimezone(self.zone).date()
            self.date_edit.setDate(QDate(day.year, day.month, day.day))
        self.shift_box.blockSignals(False)
        self.date_edit.blockSignals(False)
        if not choices.names:
            self.summary.setText("The agency has no shifts.")
        self.refresh()

    def _changed(self, change: ChangeSet) -> None:
        """Cameras issued or returned, officers changed, while the sheet is open (it is a
        window beside the counter): the sheet is read again, quietly, a moment after the
        last change (a printed sheet missed the issues made since it was opened)."""
        if change.topics & {"custody", "officers", "units"} and self.sheet is not None:
            self._stale.start()

    def refresh(self, quiet: bool = False) -> None:
        """The sheet of the shift and day picked. ``quiet``: the same sheet read again after
        a change; it stays on the screen (and printable) until the new one comes."""
        name = self.shift_box.currentText()
        if not name:
            return
        day: date = self.date_edit.date().toPython()  # type: ignore[assignment]
        self._generation += 1
        generation = self._generation
        if not quiet:
            # What is shown belongs to the shift or day picked before: it goes at once.
            self.sheet = None
            self.model.set_rows([])
            self._buttons()
            self.summary.setText(f"Building the line-up for {name}, {day:%Y-%m-%d}...")
            if not self._writing:  # (a PDF of the sheet before still says when it is saved)
                self.note.setText("")
        zone = self.zone
        self.state.run(
            QueryOp(
                lambda ctx: build(ctx, name, day, zone),
                lambda built: self._loaded(generation, built),
                parent=self,
                on_error=lambda exc: self._failed(generation, exc),
                key=(self, "lineup"),  # the newest shift or day picked wins
                lane=Lane.BULK,  # (13,000 officers: never ahead of a scan at the counter)
            )
        )

    def _loaded(self, generation: int, built: Built) -> None:
        if generation != self._generation:
            return  # another shift or day was picked since
        self.sheet = built.sheet
        self.model.set_rows(built.rows)
        self.summary.setText(built.heading)
        self._buttons()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.summary.setText("The line-up could not be made.")
        self._read_failed(exc)

    def _read_failed(self, exc: BaseException) -> None:
        if isinstance(exc, DomainError):
            self.note.setText(str(exc))
        else:
            self.note.setText("The line-up could not be read.")
            self.state.report(exc)

    # --- printing and PDF (painted on a worker) -----------------------------------------
    def _print(self) -> None:
        sheet, zone = self.sheet, self.zone
        if sheet is None:
            return
        printer = lineup_printer(self, sheet, zone)
        if printer is None:
            return
        self._write(
            lambda: paint_lineup(printer, sheet, zone),
            f"Printing the line-up ({plural(lineup_officers(sheet), 'officer')})...",
            lambda pages: f"Sent {pages_text(pages)} to the printer.",
            "Not printed",
        )

    def _pdf(self) -> None:
        if self.sheet is None:
            return
        path = save_file(
            self,
            "Save the line-up as PDF",
            lineup_filename(self.sheet, self.zone),
            "PDF files (*.pdf)",
        )
        if path:
            self.save_pdf(path)

    def save_pdf(self, path: str) -> None:
        """Write the sheet shown to ``path`` on a worker; the note says when it is saved."""
        sheet, zone = self.sheet, self.zone
        if sheet is None:
            return
        self._write(
            lambda: save_lineup_pdf(sheet, path, zone),
            f"Saving {path}...",
            lambda pages: f"Saved {path} ({pages_text(pages)}).",
            "Not saved",
        )

    def dispose_when_done(self) -> None:
        """Closed: deleted now, or once the PDF or print under way is written (deleted at
        once, its task was dropped unstarted and nothing said)."""
        self._closed = True
        self._disposed_if_closed()

    def _disposed_if_closed(self) -> None:
        if self._closed and not self._writing and not self.isVisible():
            self.deleteLater()

    def _write(
        self, work: Callable[[], int], busy: str, done: Callable[[int], str], refused: str
    ) -> None:
        self._writing = True
        self._buttons()
        self.note.setText(busy)

        def finished(pages: int) -> None:
            self._writing = False
            self._buttons()
            self.note.setText(done(pages))
            self.state.message.emit(done(pages), 8000)  # (the dialog may be closed by now)
            self._disposed_if_closed()

        def failed(exc: BaseException) -> None:
            self._writing = False
            self._buttons()
            if isinstance(exc, DomainError):
                self.note.setText(f"{refused}: {exc}")
            else:
                self.note.setText(f"{refused}: the sheet could not be painted.")
                self.state.report(exc)
            self.state.message.emit(f"Line-up: {self.note.text()}", 15000)
            self._disposed_if_closed()

        def run(_ctx: Ctx) -> int:
            try:
                return work()
            except OSError as exc:  # (a full disk, a folder it may not write: said, not logged)
                raise ValidationError(f"{exc} Pick another folder or file name.") from exc

        # An export: on the bulk lane (500 pages never hold up a scan), never coalesced, and
        # refused while the window is locked (it prints the name of the person signed in).
        self.state.run(ExportOp(run, finished, parent=self, on_error=failed))

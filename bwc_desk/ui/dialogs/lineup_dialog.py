"""The per-shift line-up sheet: preview, print, save as PDF. It opens on the shift on duty
now (the one whose start is nearest), on the day that shift started."""

from __future__ import annotations

from datetime import date, tzinfo

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.errors import DomainError
from bwc_desk.services import counter, shift_change
from bwc_desk.services.counter import Lineup
from bwc_desk.services.shift_change import ShiftChoices
from bwc_desk.ui.files import save_file
from bwc_desk.ui.printing import lineup_filename, lineup_html, print_lineup, save_lineup_pdf
from bwc_desk.ui.state import AppState


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
        self.preview = QTextBrowser(self)
        self.print_button = QPushButton("&Print...")
        self.pdf_button = QPushButton("Save as P&DF...")
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
        layout.addWidget(self.preview)
        layout.addWidget(self.note)
        self.shift_box.currentTextChanged.connect(lambda _t: self.refresh())
        self.date_edit.dateChanged.connect(lambda _d: self.refresh())
        self.print_button.clicked.connect(self._print)
        self.pdf_button.clicked.connect(self._pdf)
        self._generation = 0
        self.print_button.setEnabled(False)
        self.pdf_button.setEnabled(False)
        state.read(shift_change.shift_choices, self._shifts, self._failed)

    @property
    def zone(self) -> tzinfo:
        return self.state.ctx.zone

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
        self.refresh()

    def refresh(self) -> None:
        name = self.shift_box.currentText()
        if not name:
            return
        day: date = self.date_edit.date().toPython()  # type: ignore[assignment]
        self._generation += 1
        generation = self._generation
        self.state.read(
            lambda ctx: counter.lineup(ctx, name, day),
            lambda sheet: self._loaded(generation, sheet),
            self._failed,
        )

    def _loaded(self, generation: int, sheet: Lineup) -> None:
        if generation != self._generation:
            return  # another shift or day was picked since
        self.sheet = sheet
        self.preview.setHtml(lineup_html(sheet, self.zone))
        self.print_button.setEnabled(True)
        self.pdf_button.setEnabled(True)
        self.note.setText("")

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, DomainError):
            raise exc
        self.note.setText(str(exc))

    def _print(self) -> None:
        if self.sheet is not None:
            print_lineup(self, self.sheet, self.zone)

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
        if self.sheet is None:
            return
        try:
            pages = save_lineup_pdf(self.sheet, path, self.zone)
        except OSError as exc:
            self.note.setText(f"Not saved: {exc} Pick another folder or file name.")
            return
        self.note.setText(f"Saved {path} ({pages} page{'s' if pages != 1 else ''}).")

"""The per-shift line-up sheet: preview, print, save as PDF."""

from __future__ import annotations

from datetime import date

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

from bwc_desk.services import counter, settings
from bwc_desk.services.counter import Lineup
from bwc_desk.ui.files import save_file
from bwc_desk.ui.printing import lineup_html, print_html, save_pdf
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
        self.date_edit.setCalendarPopup(True)
        self.preview = QTextBrowser(self)
        self.print_button = QPushButton("&Print...")
        self.pdf_button = QPushButton("Save as P&DF...")
        self.note = QLabel(self)
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
        state.read(settings.list_shifts, self._shifts)

    def _shifts(self, shifts: list[object]) -> None:
        self.shift_box.addItems([s.name for s in shifts])  # type: ignore[attr-defined]

    def refresh(self) -> None:
        name = self.shift_box.currentText()
        if not name:
            return
        day: date = self.date_edit.date().toPython()  # type: ignore[assignment]
        self.state.read(lambda ctx: counter.lineup(ctx, name, day), self._loaded)

    def _loaded(self, sheet: Lineup) -> None:
        self.sheet = sheet
        self.preview.setHtml(lineup_html(sheet))

    def _print(self) -> None:
        if self.sheet is not None:
            print_html(self, lineup_html(self.sheet))

    def _pdf(self) -> None:
        if self.sheet is None:
            return
        path = save_file(
            self, "Save the line-up as PDF", "line-up.pdf", "PDF files (*.pdf)"
        )
        if path:
            save_pdf(lineup_html(self.sheet), path)
            self.note.setText(f"Saved {path}")

"""Print asset-tag labels for one unit or a selection: choose the stock, see the first page,
print or save a PDF. The drawing runs on a worker (a sheet of thousands takes a while)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.services.dto import UnitRow
from bwc_desk.ui import labels
from bwc_desk.ui.files import save_file
from bwc_desk.ui.labels import Label, LabelLayout
from bwc_desk.ui.ops import ExportOp
from bwc_desk.ui.state import AppState

CUSTOM = "Thermal label, custom size"


class LabelsDialog(QDialog):
    def __init__(
        self, state: AppState, units: Sequence[UnitRow], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.units = list(units)
        self.setWindowTitle("Print labels - BWC Desk")
        self.resize(760, 720)
        self.layout_box = QComboBox(self)
        self.layout_box.setObjectName("label_layout")
        for stock in labels.LAYOUTS:
            self.layout_box.addItem(stock.name, stock)
        self.layout_box.addItem(CUSTOM, None)
        self.width_box = QDoubleSpinBox(self)
        self.width_box.setObjectName("label_width")
        self.height_box = QDoubleSpinBox(self)
        self.height_box.setObjectName("label_height")
        for box, value in ((self.width_box, 2.0), (self.height_box, 1.0)):
            box.setRange(0.5, 8.0)
            box.setSingleStep(0.25)
            box.setDecimals(2)
            box.setSuffix(" in")
            box.setValue(value)
        self.start_box = QSpinBox(self)
        self.start_box.setObjectName("label_start")
        self.start_box.setRange(1, labels.AVERY_5160.per_page)
        self.start_box.setToolTip(
            "On a partly used sheet: the first free label, counted across then down."
        )
        self.copies_box = QSpinBox(self)
        self.copies_box.setObjectName("label_copies")
        self.copies_box.setRange(1, 10)
        self.summary = QLabel(self)
        self.summary.setObjectName("label_summary")
        self.summary.setWordWrap(True)
        self.preview = QLabel(self)
        self.preview.setObjectName("label_preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea(self)
        scroll.setWidget(self.preview)
        scroll.setWidgetResizable(True)
        self.print_button = QPushButton("&Print...", self)
        self.print_button.setObjectName("label_print")
        self.pdf_button = QPushButton("Save as P&DF...", self)
        self.pdf_button.setObjectName("label_pdf")
        self.pdf_button.setDefault(True)
        close = QPushButton("Close", self)
        self.note = QLabel(self)
        self.note.setObjectName("label_note")
        self.note.setWordWrap(True)

        size_row = QHBoxLayout()
        size_row.addWidget(self.width_box)
        size_row.addWidget(QLabel("x"))
        size_row.addWidget(self.height_box)
        size_row.addStretch(1)
        form = QFormLayout()
        form.addRow("&Labels", self.layout_box)
        form.addRow("Size", size_row)
        form.addRow("Start at &label", self.start_box)
        form.addRow("&Copies of each", self.copies_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

        for signal in (
            self.layout_box.currentIndexChanged,
            self.width_box.valueChanged,
            self.height_box.valueChanged,
            self.start_box.valueChanged,
            self.copies_box.valueChanged,
        ):
            signal.connect(lambda *_a: self.update_preview())
        self.print_button.clicked.connect(self.print_labels)
        self.pdf_button.clicked.connect(self.save_pdf)
        close.clicked.connect(self.accept)
        self.update_preview()

    # --- what will be printed --------------------------------------------------------------
    def chosen_layout(self) -> LabelLayout:
        layout: LabelLayout | None = self.layout_box.currentData()
        if layout is None:
            return labels.thermal(self.width_box.value(), self.height_box.value())
        return layout

    def label_list(self) -> list[Label]:
        copies = self.copies_box.value()
        return [Label(u.asset_tag, u.serial) for u in self.units for _ in range(copies)]

    def start(self) -> int:
        return self.start_box.value() - 1 if self.chosen_layout().sheet else 0

    def update_preview(self) -> None:
        layout = self.chosen_layout()
        custom = self.layout_box.currentData() is None
        for box in (self.width_box, self.height_box):
            box.setEnabled(custom)
        self.start_box.setEnabled(layout.sheet)
        items = self.label_list()
        pages = layout.pages_for(len(items), self.start())
        n, u = len(items), len(self.units)
        where = (
            f"on {pages:,} sheet{'s' if pages != 1 else ''}"
            if layout.sheet
            else "one per page (the thermal printer's page is the label)"
        )
        self.summary.setText(
            f"{n:,} label{'s' if n != 1 else ''} for {u:,} unit{'s' if u != 1 else ''}, "
            f"{where}. The QR code holds the asset tag, which the counter's scanner reads."
        )
        # The preview is small (one page at screen resolution): drawn here, it is instant.
        dpi = max(48, min(300, int(640 / max(layout.page_width, layout.page_height))))
        image = labels.preview_image(layout, items, self.start(), dpi)
        self.preview.setPixmap(QPixmap.fromImage(image))
        for button in (self.print_button, self.pdf_button):
            button.setEnabled(bool(items))

    # --- output -----------------------------------------------------------------------------
    def save_pdf(self) -> None:
        name = self.units[0].asset_tag if len(self.units) == 1 else "labels"
        path = save_file(
            self, "Save the labels as PDF", f"{name}-labels.pdf", "PDF files (*.pdf)"
        )
        if not path:
            return
        layout, items, start = self.chosen_layout(), self.label_list(), self.start()
        self._working(True, "Writing the PDF...")
        self.state.run(
            ExportOp(
                lambda _ctx: labels.save_labels_pdf(Path(path), layout, items, start),
                lambda pages: self._finished(
                    f"Saved {len(items):,} labels ({pages:,} pages) to {path}"
                ),
                parent=self,
                on_error=self._failed,
            )
        )

    def print_labels(self) -> None:
        layout, items, start = self.chosen_layout(), self.label_list(), self.start()
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(labels.page_size(layout))
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self._working(True, "Sending the labels to the printer...")
        self.state.run(
            ExportOp(
                lambda _ctx: labels.print_labels(printer, layout, items, start),
                lambda pages: self._finished(
                    f"Sent {len(items):,} labels ({pages:,} pages) to {printer.printerName()}"
                ),
                parent=self,
                on_error=self._failed,
            )
        )

    def _working(self, busy: bool, text: str = "") -> None:
        for button in (self.print_button, self.pdf_button):
            button.setEnabled(not busy)
        if text:
            self.note.setText(text)

    def _finished(self, text: str) -> None:
        self._working(False, text)
        self.state.message.emit(text, 8000)

    def _failed(self, exc: BaseException) -> None:
        self._working(False, f"Not printed: {exc}")

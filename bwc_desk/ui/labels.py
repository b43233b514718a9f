"""Asset-tag labels: a QR code of the tag (what the counter's scanner reads), the tag in large
text and the serial small, painted with QPainter on a PDF writer or a printer.

Two kinds of stock: thermal labels (one label per page: the printer's page *is* the label,
2 x 1 inch by default, any size allowed) and letter sheets of Avery 5160-style labels
(3 x 10 = 30 per page, 2.625 x 1 inch). Positions are computed in inches and turned into the
device's own pixels, so the same code draws a 600 dpi PDF, a 203 dpi thermal printer and the
preview on screen. Drawing touches no widget, so it may run on a worker thread (Qt allows
QPainter on QImage, QPrinter and QPdfWriter off the main thread).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import qrcode  # type: ignore[import-untyped]
from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)
from PySide6.QtPrintSupport import QPrinter
from qrcode.constants import ERROR_CORRECT_M  # type: ignore[import-untyped]


@dataclass(frozen=True)
class LabelLayout:
    """Where labels sit on a page, in inches. ``pitch_*`` is the distance from one label's
    left (top) edge to the next one's: the label's size plus the gap between labels."""

    name: str
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int = 1
    rows: int = 1
    left: float = 0.0
    top: float = 0.0
    pitch_x: float = 0.0
    pitch_y: float = 0.0
    padding: float = 0.06  # white space inside each label's edge (printers drift a little)

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def sheet(self) -> bool:
        return self.per_page > 1

    def label_rect(self, position: int, dpi: float) -> QRectF:
        """The rectangle of label ``position`` (0 = top left, across then down), in pixels
        of a device with ``dpi``."""
        col, row = position % self.columns, position // self.columns
        x = self.left + col * (self.pitch_x or self.label_width)
        y = self.top + row * (self.pitch_y or self.label_height)
        return QRectF(x * dpi, y * dpi, self.label_width * dpi, self.label_height * dpi)

    def pages_for(self, count: int, start: int = 0) -> int:
        return math.ceil((start + count) / self.per_page) if count else 0


THERMAL_2X1 = LabelLayout("Thermal label, 2 x 1 in (one per label)", 2.0, 1.0, 2.0, 1.0)
AVERY_5160 = LabelLayout(
    "Avery 5160-style letter sheet, 30 labels of 2.625 x 1 in",
    8.5,
    11.0,
    2.625,
    1.0,
    columns=3,
    rows=10,
    left=0.1875,
    top=0.5,
    pitch_x=2.75,
    pitch_y=1.0,
)
LAYOUTS = (THERMAL_2X1, AVERY_5160)


def thermal(width: float, height: float) -> LabelLayout:
    """A thermal label of any size (inches), one per page."""
    return replace(
        THERMAL_2X1,
        name=f"Thermal label, {width:g} x {height:g} in",
        page_width=width,
        page_height=height,
        label_width=width,
        label_height=height,
    )


@dataclass(frozen=True)
class Label:
    asset_tag: str
    serial: str = ""


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code's modules, row by row (True = dark), without the quiet zone: the label's
    padding is the quiet zone. Error correction M survives a scuffed label."""
    code = qrcode.QRCode(border=0, error_correction=ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    return [[bool(m) for m in row] for row in code.get_matrix()]


@dataclass(frozen=True)
class QrPlacement:
    x: float
    y: float
    module: float  # the side of one module, in device pixels
    size: int  # modules per side

    @property
    def side(self) -> float:
        return self.module * self.size


QUIET_ZONE = 4  # modules of blank around the code, as the QR standard (ISO/IEC 18004) asks


def qr_placement(rect: QRectF, padding: float, size: int) -> QrPlacement:
    """The QR code as a square at the label's left, as tall as the label allows with its quiet
    zone of ``QUIET_ZONE`` modules on every side (the label's padding counts towards it: the
    label's edge is blank too). Modules are whole device pixels where the device has enough
    of them, so that edges stay sharp."""
    inner = rect.adjusted(padding, padding, -padding, -padding)
    full = min(rect.height(), rect.width() / 2)
    module = min(full / (size + 2 * QUIET_ZONE), min(inner.height(), inner.width() / 2) / size)
    if module >= 2:
        module = float(math.floor(module))
    x = rect.left() + max(padding, QUIET_ZONE * module)
    y = rect.top() + (rect.height() - module * size) / 2
    return QrPlacement(x, y, module, size)


def paint_label(painter: QPainter, rect: QRectF, label: Label, dpi: float, padding: float) -> None:
    """One label inside ``rect`` (device pixels); ``padding`` in inches."""
    pad = padding * dpi
    matrix = qr_matrix(label.asset_tag)
    qr = qr_placement(rect, pad, len(matrix))
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            run = c
            while run < len(row) and row[run]:
                run += 1
            # One rectangle per run of dark modules: fewer shapes, no hairline seams.
            painter.drawRect(
                QRectF(qr.x + c * qr.module, qr.y + r * qr.module, (run - c) * qr.module, qr.module)
            )
            c = run
    painter.restore()

    left = qr.x + qr.side + max(pad, QUIET_ZONE * qr.module)
    text_rect = QRectF(left, rect.top() + pad, rect.right() - pad - left, rect.height() - 2 * pad)
    if text_rect.width() <= 0:
        return
    tag_font = _fitted_font(painter, label.asset_tag, text_rect.width(), text_rect.height() * 0.42)
    # The serial is small print: never more than 70 % of the tag's size, and never cut.
    serial_font = _fitted_font(
        painter,
        f"S/N {label.serial}",
        text_rect.width(),
        min(text_rect.height() * 0.16, tag_font.pixelSize() * 0.7),
        bold=False,
    )
    tag_metrics = QFontMetricsF(tag_font, painter.device())
    serial_metrics = QFontMetricsF(serial_font, painter.device())
    block = tag_metrics.height() + (serial_metrics.height() * 1.2 if label.serial else 0)
    y = text_rect.top() + (text_rect.height() - block) / 2
    painter.save()
    painter.setPen(QColor("black"))
    painter.setFont(tag_font)
    painter.drawText(QPointF(text_rect.left(), y + tag_metrics.ascent()), label.asset_tag)
    if label.serial:
        painter.setFont(serial_font)
        serial = f"S/N {label.serial}"
        y += tag_metrics.height() + serial_metrics.height() * 0.2
        painter.drawText(QPointF(text_rect.left(), y + serial_metrics.ascent()), serial)
    painter.restore()


def _fitted_font(
    painter: QPainter, text: str, width: float, height: float, bold: bool = True
) -> QFont:
    """The largest font, at most ``height`` pixels tall, in which ``text`` fits the width."""
    font = QFont("Sans Serif")
    font.setBold(bold)
    size = max(1, int(height))
    while size > 1:
        font.setPixelSize(size)
        if QFontMetricsF(font, painter.device()).horizontalAdvance(text) <= width:
            break
        size = max(1, int(size * 0.92))
    font.setPixelSize(size)
    return font


def paint_labels(
    painter: QPainter,
    layout: LabelLayout,
    labels: Sequence[Label],
    dpi: float,
    start: int = 0,
    new_page: QPagedPaintDevice | None = None,
    outlines: bool = False,
) -> int:
    """Every label, page after page, from position ``start`` of the first page (the rest of
    a partly used sheet). Returns the page count. ``outlines`` draws the label edges (the
    on-screen preview)."""
    if not labels:
        return 0
    position, pages = start % layout.per_page, 1
    for label in labels:
        if position == layout.per_page:
            if new_page is None:
                break  # a preview shows the first page only
            new_page.newPage()
            position, pages = 0, pages + 1
        rect = layout.label_rect(position, dpi)
        if outlines:
            painter.save()
            painter.setPen(QColor("#9ca3af"))
            painter.drawRoundedRect(rect, dpi * 0.06, dpi * 0.06)
            painter.restore()
        paint_label(painter, rect, label, dpi, layout.padding)
        position += 1
    return pages


def page_size(layout: LabelLayout) -> QPageSize:
    return QPageSize(
        QSizeF(layout.page_width, layout.page_height),
        QPageSize.Unit.Inch,
        layout.name,
        QPageSize.SizeMatchPolicy.ExactMatch,
    )


def _set_up(device: QPagedPaintDevice, layout: LabelLayout) -> None:
    # Orientation follows the stock's shape: a 2 x 1 label is wider than tall.
    landscape = layout.page_width > layout.page_height
    size = QPageSize(
        QSizeF(
            min(layout.page_width, layout.page_height), max(layout.page_width, layout.page_height)
        ),
        QPageSize.Unit.Inch,
        layout.name,
        QPageSize.SizeMatchPolicy.ExactMatch,
    )
    device.setPageLayout(
        QPageLayout(
            size,
            QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
            QPageLayout.Unit.Inch,
        )
    )


def save_labels_pdf(
    path: Path | str, layout: LabelLayout, labels: Sequence[Label], start: int = 0, dpi: int = 600
) -> int:
    """Write the labels to a PDF; returns the page count."""
    writer = QPdfWriter(str(path))
    writer.setTitle("Asset-tag labels")
    writer.setCreator("BWC Desk")
    writer.setResolution(dpi)
    _set_up(writer, layout)
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"Cannot write {path}")
    try:
        return paint_labels(painter, layout, labels, dpi, start, writer)
    finally:
        painter.end()


def print_labels(
    printer: QPrinter, layout: LabelLayout, labels: Sequence[Label], start: int = 0
) -> int:
    """Print on a printer chosen in the print dialog; returns the page count."""
    printer.setFullPage(True)  # positions are from the paper's edge, not the margins
    _set_up(printer, layout)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("The printer could not be opened.")
    try:
        return paint_labels(painter, layout, labels, printer.resolution(), start, printer)
    finally:
        painter.end()


def preview_image(
    layout: LabelLayout, labels: Sequence[Label], start: int = 0, dpi: int = 96
) -> QImage:
    """The first page as an image, with label outlines (for the dialog). For a roll (one
    label per page) the first ``ROLL_PREVIEW`` labels, one under the other as on the roll."""
    page_w = max(1, round(layout.page_width * dpi))
    page_h = max(1, round(layout.page_height * dpi))
    shown = 1 if layout.sheet else max(1, min(len(labels), ROLL_PREVIEW))
    gap = round(dpi * 0.08)
    image = QImage(page_w, page_h * shown + gap * (shown - 1), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if layout.sheet:
            for position in range(start % layout.per_page):
                painter.fillRect(layout.label_rect(position, dpi), QColor("#e5e7eb"))
            paint_labels(painter, layout, labels, dpi, start, None, outlines=True)
        else:
            for i in range(shown):
                painter.save()
                painter.translate(0, i * (page_h + gap))
                paint_labels(painter, layout, labels[i : i + 1], dpi, 0, None, outlines=True)
                painter.restore()
    finally:
        painter.end()
    return image


ROLL_PREVIEW = 6  # labels of a roll shown in the preview

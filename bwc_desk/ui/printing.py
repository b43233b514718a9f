"""Printing and PDF through Qt's print support: line-up sheets, histories, labels.

The line-up sheet is painted page by page (``paint_lineup``) rather than printed from HTML:
a rich-text document cannot repeat the sheet's header on every page or number the pages
"page 2 of 7", and a supervisor who drops page 3 at roll call must still know which shift
and day it belongs to.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime, tzinfo
from html import escape
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPen,
    QTextDocument,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from bwc_desk.services.counter import Lineup, LineupRow


def _document(html: str) -> QTextDocument:
    doc = QTextDocument()
    doc.setHtml(html)
    return doc


def save_pdf(html: str, path: Path | str, landscape: bool = False) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
    printer.setPageOrientation(
        QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    )
    printer.setPageMargins(QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter)
    _document(html).print_(printer)


def print_html(parent: QWidget, html: str, landscape: bool = False) -> bool:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageOrientation(
        QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    )
    dialog = QPrintDialog(printer, parent)
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    _document(html).print_(printer)
    return True


def page_size_mm(width: float, height: float) -> QPageSize:
    return QPageSize(QSizeF(width, height), QPageSize.Unit.Millimeter, "label")


def lineup_html(sheet: Lineup, zone: tzinfo | None = None) -> str:
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in cells)
        + "<td style='width:35%'>&nbsp;</td></tr>"
        for cells in lineup_cells(sheet, zone)
    )
    starts = sheet.starts.astimezone(zone)
    return (
        "<html><body style='font-family: sans-serif; font-size: 10pt'>"
        f"<h2>{escape(sheet.agency)}: line-up, {escape(sheet.shift)}</h2>"
        f"<p>{starts:%A %d %B %Y}, {starts:%H:%M} to {sheet.ends.astimezone(zone):%H:%M}. "
        f"Printed by {escape(sheet.printed_by)} at {escape(sheet.station)}. "
        f"{escape(lineup_tally(sheet))}</p>"
        "<table border='1' cellspacing='0' cellpadding='5' width='100%'>"
        "<tr><th align=left>Officer</th><th align=left>Badge</th><th align=left>Camera</th>"
        "<th align=left>Bay</th>"
        "<th align=left>Time out</th><th align=left>Expected back</th>"
        "<th align=left>Signature</th></tr>"
        f"{rows}</table></body></html>"
    )


# --- the line-up sheet, painted -------------------------------------------------------------

LINEUP_COLUMNS = ("Officer", "Badge", "Camera", "Bay", "Time out", "Expected back", "Signature")
SIGNATURE_MIN_INCHES = 2.0
MARGIN_MM = 12.7  # half an inch


def shift_name(sheet: Lineup) -> str:
    """The shift's name without its hours ('Night' of 'Night (23:00-07:00)')."""
    return sheet.shift.rsplit(" (", 1)[0] if sheet.shift.endswith(")") else sheet.shift


def lineup_filename(sheet: Lineup, zone: tzinfo | None = None) -> str:
    """'lineup-2026-11-30-Night.pdf': the day the shift starts, local time, and its name."""
    day = sheet.starts.astimezone(zone)
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", shift_name(sheet)).strip("-") or "shift"
    return f"lineup-{day:%Y-%m-%d}-{name}.pdf"


def lineup_cells(sheet: Lineup, zone: tzinfo | None) -> list[tuple[str, ...]]:
    """Each row's texts as the sheet prints them (officer, badge, camera, bay, time out,
    expected back; a time on a later day than the shift's start has its weekday). Pure
    Python: a worker prepares the on-screen preview from the same texts."""
    first_day = sheet.starts.astimezone(zone).date()

    def when(value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(zone)
        if local.date() == first_day:
            return f"{local:%H:%M}"
        if abs((local.date() - first_day).days) < 6:
            return f"{local:%a %H:%M}"
        return f"{local:%Y-%m-%d %H:%M}"  # (a weekday alone would be another week's too)

    def out(r: LineupRow) -> str:
        return f"{when(r.issued_at)}, earlier shift" if r.earlier else when(r.issued_at)

    def back(r: LineupRow) -> str:
        # (A camera lost or stolen while out is not expected back: the sheet says so.)
        return ENDED_TEXT.get(r.ended, r.ended) if r.ended else when(r.expected_return)

    return [
        (r.officer, r.badge, r.asset_tag, r.bay, out(r), back(r))
        for r in sheet.rows
    ]


def lineup_officers(sheet: Lineup) -> int:
    """The officers on the sheet (one with two cameras has two rows)."""
    return len({(r.officer_id, r.badge, r.officer) for r in sheet.rows})


ENDED_TEXT = {"marked lost": "reported lost", "marked stolen": "reported stolen"}


def lineup_tally(sheet: Lineup) -> str:
    """'1,200 officers, 830 cameras out (4 since an earlier shift), 12 returned, 1 reported
    lost or stolen.' (An officer with two cameras has two rows and counts once.)"""
    officers = lineup_officers(sheet)
    out = [r for r in sheet.rows if r.asset_tag and r.returned_at is None]
    earlier = sum(1 for r in out if r.earlier)
    ended = [r for r in sheet.rows if r.asset_tag and r.returned_at is not None]
    lost = sum(1 for r in ended if r.ended)
    returned = len(ended) - lost
    return (
        f"{officers:,} officer{'s' if officers != 1 else ''}, "
        f"{len(out):,} camera{'s' if len(out) != 1 else ''} out"
        + (f" ({earlier:,} since an earlier shift)" if earlier else "")
        + (f", {returned:,} returned" if returned else "")
        + (f", {lost:,} reported lost or stolen" if lost else "")
        + "."
    )


def lineup_column_widths(
    cells: Sequence[Sequence[str]],
    body: QFontMetricsF,
    head: QFontMetricsF,
    width: float,
    dpi: float,
) -> list[float]:
    """Each column as wide as its widest text (header included) plus padding; the signature
    column takes the rest and never less than two inches. Where that does not fit, the
    columns a roll call needs least give way first, their texts elided: the bay, then the
    time out (its "earlier shift"), then the expected return, down to their titles' width;
    the officer's name last (a tester's demo sheet printed "Gray, K..." for two officers
    while the bay and time columns kept their whole texts)."""
    pad = 0.16 * dpi
    widths: list[float] = []
    floors: list[float] = []
    for column, title in enumerate(LINEUP_COLUMNS[:-1]):
        texts = [row[column] for row in cells]
        widest = max([head.horizontalAdvance(title)] + [body.horizontalAdvance(t) for t in texts])
        widths.append(float(math.ceil(widest + pad)))
        floors.append(float(math.ceil(head.horizontalAdvance(title) + pad)))
    signature = SIGNATURE_MIN_INCHES * dpi
    for column in (3, 4, 5):  # bay, time out, expected back
        over = sum(widths) + signature - width
        if over <= 0:
            break
        widths[column] = max(widths[column] - over, floors[column])
    over = sum(widths) + signature - width
    if over > 0:
        widths[0] = max(widths[0] - over, 0.8 * dpi)  # (names elided past it)
    widths.append(max(width - sum(widths), signature))
    return widths


def paint_lineup(printer: QPrinter, sheet: Lineup, zone: tzinfo | None = None) -> int:
    """Paint the sheet on ``printer`` (a PDF file or a real printer): on every page the
    agency, the shift, its date and hours, the column titles, and "page N of M". Returns
    the number of pages."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("The printer or file could not be opened for writing.")
    try:
        return _paint(painter, printer, sheet, zone)
    finally:
        painter.end()


def _paint(painter: QPainter, printer: QPrinter, sheet: Lineup, zone: tzinfo | None) -> int:
    dpi = float(printer.resolution())
    page = printer.pageRect(QPrinter.Unit.DevicePixel)
    width, height = page.width(), page.height()
    title_font = QFont("Helvetica", 13, QFont.Weight.Bold)
    text_font = QFont("Helvetica", 9)
    head_font = QFont("Helvetica", 9, QFont.Weight.Bold)
    body_font = QFont("Helvetica", 10)
    small_font = QFont("Helvetica", 8)
    title_m = QFontMetricsF(title_font, printer)
    text_m = QFontMetricsF(text_font, printer)
    head_m = QFontMetricsF(head_font, printer)
    body_m = QFontMetricsF(body_font, printer)
    small_m = QFontMetricsF(small_font, printer)
    cells = lineup_cells(sheet, zone)
    widths = lineup_column_widths(cells, body_m, head_m, width, dpi)
    row_height = max(body_m.height() * 2.2, 0.36 * dpi)  # room for a signature
    head_height = head_m.height() * 1.8
    starts, ends = sheet.starts.astimezone(zone), sheet.ends.astimezone(zone)
    title = f"{sheet.agency}: line-up, {sheet.shift}" if sheet.agency else f"Line-up, {sheet.shift}"
    when = f"{starts:%A %d %B %Y}, {starts:%H:%M} to {ends:%H:%M}"
    printed = (
        f"Printed by {sheet.printed_by or 'unknown'} at {sheet.station}, "
        f"{datetime.now(zone):%Y-%m-%d %H:%M}. {lineup_tally(sheet)}"
    )
    header_height = title_m.height() * 1.3 + text_m.height() * 2.6
    footer_height = small_m.height() * 2
    per_page = max(1, int((height - header_height - head_height - footer_height) // row_height))
    pages = max(1, math.ceil(len(cells) / per_page))
    pad = 0.08 * dpi
    grid = QPen(QColor("#6b7280"))
    grid.setWidthF(max(1.0, dpi / 150))
    text_pen = QPen(QColor("black"))
    for number in range(pages):
        if number:
            printer.newPage()
        y = 0.0
        painter.setPen(QColor("black"))
        painter.setFont(title_font)
        painter.drawText(
            QPointF(0, y + title_m.ascent()),
            title_m.elidedText(title, Qt.TextElideMode.ElideRight, width),
        )
        y += title_m.height() * 1.3
        painter.setFont(text_font)
        painter.drawText(QPointF(0, y + text_m.ascent()), when)
        y += text_m.height() * 1.3
        painter.drawText(
            QPointF(0, y + text_m.ascent()),
            text_m.elidedText(printed, Qt.TextElideMode.ElideRight, width),
        )
        y += text_m.height() * 1.3
        # Column titles, on every page.
        painter.setPen(grid)
        painter.fillRect(QRectF(0, y, width, head_height), QColor("#e5e7eb"))
        x = 0.0
        painter.setFont(head_font)
        for column, title_text in enumerate(LINEUP_COLUMNS):
            box = QRectF(x, y, widths[column], head_height)
            painter.setPen(grid)
            painter.drawRect(box)
            painter.setPen(text_pen)
            painter.drawText(
                box.adjusted(pad, 0, -pad, 0),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                title_text,
            )
            x += widths[column]
        y += head_height
        painter.setFont(body_font)
        chunk = cells[number * per_page : (number + 1) * per_page]
        if not chunk:
            painter.setPen(text_pen)
            painter.drawText(
                QRectF(0, y, width, row_height),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                "  No active officer is on this shift.",
            )
        for row in chunk:
            x = 0.0
            for column in range(len(LINEUP_COLUMNS)):
                box = QRectF(x, y, widths[column], row_height)
                painter.setPen(grid)
                painter.drawRect(box)
                if column < len(row):
                    painter.setPen(text_pen)
                    painter.drawText(
                        box.adjusted(pad, 0, -pad, 0),
                        int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                        body_m.elidedText(
                            row[column], Qt.TextElideMode.ElideRight, widths[column] - 2 * pad
                        ),
                    )
                x += widths[column]
            y += row_height
        painter.setFont(small_font)
        painter.setPen(QColor("black"))
        base = height - small_m.descent()
        painter.drawText(QPointF(0, base), f"{shift_name(sheet)}, {starts:%a %d %b %Y}")
        label = f"page {number + 1} of {pages}"
        painter.drawText(QPointF(width - small_m.horizontalAdvance(label), base), label)
        heads = ledger_heads(sheet)
        painter.drawText(QPointF((width - small_m.horizontalAdvance(heads)) / 2, base), heads)
    return pages


def ledger_heads(sheet: Lineup) -> str:
    """The footer's anchor: both chains' heads when the sheet was made (seq and the first 16
    hex digits of the hash, enough to find a rewritten ledger; the full hashes are in
    `bwc-desk verify`)."""
    (c_seq, c_hash), (a_seq, a_hash) = sheet.custody_head, sheet.audit_head
    return f"Ledger: custody #{c_seq} {c_hash[:16]}, audit #{a_seq} {a_hash[:16]}"


def _lineup_printer(printer: QPrinter, sheet: Lineup, zone: tzinfo | None) -> None:
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setPageMargins(
        QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Unit.Millimeter
    )
    printer.setDocName(lineup_filename(sheet, zone).removesuffix(".pdf"))


def save_lineup_pdf(sheet: Lineup, path: Path | str, zone: tzinfo | None = None) -> int:
    """Write the sheet as a PDF (US Letter); the number of pages. Safe on a worker (QPainter
    on a PDF printer needs no GUI thread): 13,000 officers are some 670 pages.

    Painted to ``<name>.part`` beside ``path`` and moved in place only once whole: a full
    disk or a folder that cannot be written leaves no file at ``path`` (and no ``.part``),
    only an OSError that says why."""
    target = Path(path)
    part = target.with_name(target.name + ".part")
    try:  # a clear reason (a missing folder, no permission) instead of Qt's "begin failed"
        with open(part, "wb"):
            pass
    except OSError as exc:
        raise OSError(f"{target} cannot be written ({exc.strerror}).") from None
    try:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(part))
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
        _lineup_printer(printer, sheet, zone)
        pages = paint_lineup(printer, sheet, zone)
        del printer  # (closes the file)
        # Qt says nothing when a write fails half-way (a full disk): a PDF ends with its
        # trailer, so a file without one was cut short.
        if not _complete_pdf(part):
            raise OSError(f"{target} could not be written whole (is the disk full?).")
        try:
            os.replace(part, target)
        except OSError as exc:
            raise OSError(f"{target} cannot be written ({exc.strerror}).") from None
    finally:
        with suppress(OSError):
            part.unlink(missing_ok=True)
    return pages


def _complete_pdf(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64))
            return b"%%EOF" in fh.read()
    except OSError:
        return False


def lineup_printer(parent: QWidget, sheet: Lineup, zone: tzinfo | None = None) -> QPrinter | None:
    """Ask for the printer (the print dialog, on the main thread); None when cancelled.
    ``paint_lineup`` then paints on it, on a worker."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    _lineup_printer(printer, sheet, zone)
    dialog = QPrintDialog(printer, parent)
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return None
    return printer

"""Printing and PDF through Qt's print support: line-up sheets, histories, labels."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from bwc_desk.services.counter import Lineup


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


def lineup_html(sheet: Lineup) -> str:
    def t(value: object) -> str:
        if value is None:
            return ""
        from datetime import datetime

        if isinstance(value, datetime):
            return value.astimezone().strftime("%H:%M")
        return escape(str(value))

    rows = "".join(
        f"<tr><td>{escape(r.officer)}</td><td>{escape(r.badge)}</td><td>{escape(r.asset_tag)}"
        f"</td><td>{t(r.issued_at)}</td><td>{t(r.expected_return)}</td>"
        "<td style='width:35%'>&nbsp;</td></tr>"
        for r in sheet.rows
    )
    starts = sheet.starts.astimezone()
    return (
        "<html><body style='font-family: sans-serif; font-size: 10pt'>"
        f"<h2>{escape(sheet.agency)}: line-up, {escape(sheet.shift)}</h2>"
        f"<p>{starts:%A %d %B %Y}, {starts:%H:%M} to {sheet.ends.astimezone():%H:%M}. "
        f"Printed by {escape(sheet.printed_by)} at {escape(sheet.station)}. "
        f"{len(sheet.rows)} officers, {sum(1 for r in sheet.rows if r.asset_tag)} cameras "
        "out.</p>"
        "<table border='1' cellspacing='0' cellpadding='5' width='100%'>"
        "<tr><th align=left>Officer</th><th align=left>Badge</th><th align=left>Camera</th>"
        "<th align=left>Time out</th><th align=left>Expected back</th>"
        "<th align=left>Signature</th></tr>"
        f"{rows}</table></body></html>"
    )

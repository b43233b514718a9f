"""One unit in full: every field, its assignment, and its whole custody history, newest first.

The panel sits beside the Inventory table and follows the selected row; ``UnitDetailDialog``
shows the same panel on its own (the Docks view opens it when a bay is clicked). The history is
paged: the first page comes with the unit in one worker call, later pages when the list is
scrolled to the bottom, so a camera with ten thousand events opens as fast as a new one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QRect, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.roles import Permission
from bwc_desk.domain.values import plural
from bwc_desk.services import inventory
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.context import Ctx
from bwc_desk.services.dto import EventRow, UnitRow
from bwc_desk.ui.files import save_file
from bwc_desk.ui.models.event_table_model import describe_details
from bwc_desk.ui.models.history_table_model import HistoryTableModel
from bwc_desk.ui.models.table_model import Prepared, text_of
from bwc_desk.ui.models.unit_table_model import STATUS_COLORS
from bwc_desk.ui.state import AppState
from bwc_desk.ui.widgets import ColumnFitter

log = logging.getLogger(__name__)
PAGE = 200  # events per page: a screenful many times over, and one quick indexed query


@dataclass(frozen=True)
class Loaded:
    unit: UnitRow
    history: Prepared[EventRow]
    has_more: bool


def load_unit(ctx: Ctx, unit_id: int, page: int = PAGE) -> Loaded:
    """The unit and the first page of its history, ready to show (runs on a worker)."""
    unit = inventory.unit_detail(ctx, unit_id)
    events = inventory.unit_history(ctx, unit_id, limit=page)
    return Loaded(unit, HistoryTableModel.prepare(events), len(events) == page)


def load_page(ctx: Ctx, unit_id: int, before_seq: int, page: int = PAGE) -> Prepared[EventRow]:
    return HistoryTableModel.prepare(inventory.unit_history(ctx, unit_id, before_seq, page))


def unexpected(state: AppState, exc: BaseException) -> None:
    """Hand an error that is not a rule's refusal to the window's error dialog."""
    if state.error_handler is not None:
        state.error_handler(exc)
    else:  # pragma: no cover - the window always sets one
        log.error("unexpected error", exc_info=exc)


def _when(value: datetime | None) -> str:
    return text_of(value)


class UnitDetailPanel(QWidget):
    """Shows one unit. ``show_unit(id)`` loads it on a worker; ``history_loaded`` says how
    many history rows are on screen after each page (tests and the benchmark wait on it)."""

    unit_loaded = Signal(object)  # UnitRow
    history_loaded = Signal(int)
    close_requested = Signal()

    def __init__(
        self, state: AppState, parent: QWidget | None = None, closable: bool = True
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.unit: UnitRow | None = None
        self._unit_id: int | None = None
        self._generation = 0  # replies for a unit no longer shown are dropped
        self._stale = False  # changed while hidden
        self._exporting = False  # one export at a time: two would write the same file
        self.setObjectName("unit_detail")
        self.setMinimumWidth(380)

        self.title = QLabel(self)
        self.title.setObjectName("detail_title")
        self.title.setStyleSheet("font-size: 20px; font-weight: 600;")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_chip = QLabel(self)
        self.status_chip.setObjectName("detail_status")
        self.close_button = QPushButton("Close", self)
        self.close_button.setToolTip("Hide the details (Esc)")
        self.close_button.clicked.connect(self.close_requested.emit)
        self.close_button.setVisible(closable)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.status_chip)
        head.addStretch(1)
        head.addWidget(self.close_button)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QLabel] = {}
        for key, label in (
            ("reason", "Status reason"),
            ("serial", "Serial"),
            ("model", "Model"),
            ("firmware", "Firmware"),
            ("holder", "Out with"),
            ("issued", "Issued / due back"),
            ("primary", "Primary officer"),
            ("pool", "Pool"),
            ("bay", "Dock bay"),
            ("location", "Kept at"),
            ("repair", "Repair"),
            ("purchased", "Purchased"),
            ("warranty", "Warranty until"),
            ("last", "Last custody event"),
            ("notes", "Notes"),
        ):
            value = QLabel(self)
            value.setObjectName(f"detail_{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self.fields[key] = value
            self.form.addRow(label, value)

        self.history_model = HistoryTableModel(self)
        self.history_model.more_wanted.connect(self._more)
        self.history = QTableView(self)
        self.history.setObjectName("detail_history")
        self.history.setModel(self.history_model)
        # Newest first is the order; sorting a list that is still paging in would mislead.
        self.history.setSortingEnabled(False)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setAlternatingRowColors(True)
        self.history.verticalHeader().setVisible(False)
        self.history.verticalHeader().setDefaultSectionSize(22)
        self.history.setWordWrap(False)
        header = self.history.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        # Sized from the widest text of each column over every page loaded (see ColumnFitter).
        self.history_fitter = ColumnFitter(self.history, self.history_model)
        self.history_label = QLabel(self)
        self.history_label.setObjectName("history_count")
        self.csv_button = QPushButton("Export C&SV...", self)
        self.csv_button.setObjectName("history_csv")
        self.csv_button.clicked.connect(self.export_csv)
        self.pdf_button = QPushButton("Export &PDF...", self)
        self.pdf_button.setObjectName("history_pdf")
        self.pdf_button.clicked.connect(self.export_pdf)
        self.evidence_button = QPushButton("Export e&vidence...", self)
        self.evidence_button.setObjectName("history_evidence")
        self.evidence_button.clicked.connect(self.export_evidence)
        self.note = QLabel(self)
        self.note.setObjectName("detail_note")
        self.note.setWordWrap(True)
        history_bar = QHBoxLayout()
        # (Newest first: the table says so by its order.) The heading and its count on one
        # line, the three exports under them: side by side, a panel beside Inventory at
        # 1024x700 cut the heading and the buttons' words.
        heading = QLabel("<b>Custody history</b>", self)
        heading.setToolTip("Newest first")
        history_bar.addWidget(heading)
        history_bar.addWidget(self.history_label)
        history_bar.addStretch(1)
        exports_bar = QHBoxLayout()
        exports_bar.addWidget(self.csv_button)
        exports_bar.addWidget(self.pdf_button)
        exports_bar.addWidget(self.evidence_button)
        exports_bar.addStretch(1)

        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addLayout(head)
        layout.addLayout(self.form)
        layout.addWidget(line)
        layout.addLayout(history_bar)
        layout.addLayout(exports_bar)
        layout.addWidget(self.history, 1)
        layout.addWidget(self.note)
        self._show_empty()
        state.actor_changed.connect(lambda _a: self._permissions())
        state.changed.connect(self._changed)
        self._permissions()

    # --- loading --------------------------------------------------------------------------
    @property
    def unit_id(self) -> int | None:
        return self._unit_id

    def show_unit(self, unit_id: int) -> None:
        """Show this unit (the history's first page arrives with it). Showing the unit that
        is already shown refreshes it in place: new events go on top, the scroll stays."""
        same = unit_id == self._unit_id and self.unit is not None
        if not same:
            self.history_model.set_first_page(HistoryTableModel.prepare([]), False)
            self.note.clear()
        self._unit_id = unit_id
        self._generation += 1
        generation = self._generation
        self.state.read(
            lambda ctx: load_unit(ctx, unit_id),
            lambda loaded: self._loaded(generation, loaded, same),
            lambda exc: self._failed(generation, exc),
            key=(self, "unit"), bulk=True,
        )

    def reload(self) -> None:
        self._stale = False
        if self._unit_id is not None:
            self.show_unit(self._unit_id)

    def clear(self) -> None:
        self._generation += 1
        self._unit_id = None
        self.unit = None
        self.history_model.set_first_page(HistoryTableModel.prepare([]), False)
        self._show_empty()

    def _loaded(self, generation: int, loaded: Loaded, same: bool = False) -> None:
        if generation != self._generation:
            return
        self.unit = loaded.unit
        self._fill(loaded.unit)
        if same and self.history_model.rowCount():
            # A refresh (the dock reported, another station changed it) keeps the place of
            # someone reading far down the history.
            self.history_model.merge_newer(loaded.history, loaded.has_more)
        else:
            self.history_model.set_first_page(loaded.history, loaded.has_more)
            self.history.scrollToTop()
        self._count()
        self._permissions()
        self.unit_loaded.emit(loaded.unit)
        self.history_loaded.emit(self.history_model.rowCount())

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        from bwc_desk.domain.errors import DomainError

        if isinstance(exc, DomainError):
            self.clear()
            self.note.setText(str(exc))
        else:
            unexpected(self.state, exc)

    def _more(self, before_seq: int) -> None:
        unit_id, generation = self._unit_id, self._generation
        if unit_id is None:
            return

        def done(page: Prepared[EventRow]) -> None:
            if generation == self._generation:
                self.history_model.append_page(page, len(page.rows) == PAGE)
                self._count()
                self.history_loaded.emit(self.history_model.rowCount())
            elif unit_id == self._unit_id:
                # A refresh overtook the page: ask again from where the list now ends, at
                # once if the reader is still at the bottom.
                self.history_model.page_dropped()
                bar = self.history.verticalScrollBar()
                if bar.value() == bar.maximum():
                    self.history_model.fetchMore()

        def failed(exc: BaseException) -> None:
            if unit_id == self._unit_id:
                self.history_model.page_dropped()  # scrolling down again asks again
            unexpected(self.state, exc)

        self.state.read(lambda ctx: load_page(ctx, unit_id, before_seq), done, failed)

    def _changed(self, change: ChangeSet) -> None:
        # This unit named, or ids not known; an officer's change may be its holder's name.
        if self._unit_id is not None and change.touches("units", "custody", "officers") and (
            change.large() or self._unit_id in change.units or change.touches("officers")
        ):
            if self.isVisible():
                self.reload()
            else:
                self._stale = True  # hidden: read it again when it is shown, not on every change

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.reload()

    # --- showing --------------------------------------------------------------------------
    def _show_empty(self) -> None:
        self.title.setText("No unit selected")
        self.status_chip.clear()
        self.status_chip.setStyleSheet("")
        for value in self.fields.values():
            value.clear()
        self.history_label.clear()
        self._permissions()

    def _fill(self, u: UnitRow) -> None:
        self.title.setText(u.asset_tag)
        color = STATUS_COLORS.get(u.status) or "#15803d"
        self.status_chip.setText(f" {u.status.label} ")
        self.status_chip.setStyleSheet(
            f"color: white; background: {color}; border-radius: 4px; padding: 2px 6px;"
        )
        overdue = u.expected_return is not None and u.expected_return < datetime.now(UTC)
        values = {
            "reason": u.status_reason,
            "serial": u.serial,
            "model": u.model,
            "firmware": u.firmware,
            "holder": u.holder,
            "issued": (
                f"{_when(u.issued_at)} / {_when(u.expected_return)}"
                + (" (OVERDUE)" if overdue else "")
                if u.issued_at
                else ""
            ),
            "primary": u.primary_officer,
            "pool": u.pool,
            "bay": u.dock_bay,
            "location": u.location or "not recorded",
            "repair": ", ".join(
                p
                for p in (
                    u.repair_vendor,
                    f"ticket {u.repair_ticket}" if u.repair_ticket else "",
                    f"expected back {u.repair_expected.isoformat()}" if u.repair_expected else "",
                )
                if p
            ),
            "purchased": text_of(u.purchase_date),
            "warranty": text_of(u.warranty_until),
            "last": f"{u.last_event} {_when(u.last_event_at)}" if u.last_event else "",
            "notes": u.notes,
        }
        always = {"serial", "model", "firmware", "holder", "primary", "bay", "last"}
        for key, value in values.items():
            label = self.fields[key]
            label.setText(value or ("-" if key in always else ""))
            # Rows that do not apply to this unit (repair details of a unit on the shelf)
            # are hidden rather than shown empty.
            self.form.setRowVisible(label, bool(value) or key in always)

    def _count(self) -> None:
        n = self.history_model.rowCount()
        if self.history_model.has_more:
            self.history_label.setText(f"{n:,} shown; scroll down for older events")
        else:
            self.history_label.setText(plural(n, "event"))

    def _permissions(self) -> None:
        may = self.state.can(Permission.EXPORT)
        for button in (self.csv_button, self.pdf_button, self.evidence_button):
            button.setEnabled(may and self.unit is not None and not self._exporting)
            if not may:
                button.setToolTip(self.state.why_not(Permission.EXPORT))
            elif self.unit is None:
                button.setToolTip("Select a unit first.")
            else:
                button.setToolTip(
                    f"Every custody event of {self.unit.asset_tag}, with its ledger hash."
                )

    # --- exports --------------------------------------------------------------------------
    def export_csv(self) -> None:
        unit = self.unit
        if unit is None:
            return
        path = save_file(
            self,
            f"Export the custody history of {unit.asset_tag}",
            f"{unit.asset_tag}-custody.csv",
            "CSV files (*.csv)",
        )
        if not path:
            return
        self.note.setText(f"Exporting the history of {unit.asset_tag}...")
        self._set_exporting(True)
        self.state.export(
            lambda ctx: inventory.export_unit_history(ctx, unit.id, Path(path)),
            lambda n: self._exported(
                f"Exported {plural(n, 'event')} of {unit.asset_tag} to {path}"
            ),
            self._export_failed,
        )

    def export_pdf(self) -> None:
        unit = self.unit
        if unit is None:
            return
        path = save_file(
            self,
            f"Save the custody history of {unit.asset_tag} as PDF",
            f"{unit.asset_tag}-custody.pdf",
            "PDF files (*.pdf)",
        )
        if not path:
            return
        actor = self.state.actor
        printed_by = actor.describe() if actor else ""
        station = self.state.ctx.station

        def work(ctx: Ctx) -> int:
            # Drawn on the worker too: QPainter on a PDF writer is safe off the main thread.
            return inventory.export_unit_history_pdf(
                ctx,
                unit.id,
                path,
                lambda out, row, events, heads: write_history_pdf(
                    out, row, events, printed_by, station, heads
                ),
            )

        self.note.setText(f"Writing the history of {unit.asset_tag}...")
        self._set_exporting(True)
        self.state.export(
            work,
            lambda n: self._exported(f"Saved {plural(n, 'event')} of {unit.asset_tag} to {path}"),
            self._export_failed,
        )

    def export_evidence(self) -> None:
        """The court-ready export (folder and dates asked; written on the writer thread)."""
        from bwc_desk.ui.dialogs.evidence_dialog import EvidenceDialog

        if self.unit is None:
            return
        dialog = EvidenceDialog(self.state, f"camera {self.unit.asset_tag}",
                                unit_tag=self.unit.asset_tag, parent=self)
        dialog.written.connect(lambda result: self._exported(result.summary()))
        self.evidence_dialog: EvidenceDialog | None = dialog  # for tests
        dialog.exec()
        self.evidence_dialog = None

    def _set_exporting(self, busy: bool) -> None:
        self._exporting = busy
        self._permissions()

    def _exported(self, text: str) -> None:
        self._set_exporting(False)
        self.note.setText(text)
        self.state.message.emit(text, 8000)

    def _export_failed(self, exc: BaseException) -> None:
        from bwc_desk.domain.errors import DomainError

        self._set_exporting(False)
        if isinstance(exc, (DomainError, OSError)):
            self.note.setText(f"Not exported: {exc}")
        else:
            unexpected(self.state, exc)


class UnitDetailDialog(QDialog):
    """The detail panel on its own, for views that are not the Inventory (a dock bay)."""

    def __init__(self, state: AppState, unit_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unit - BWC Desk")
        self.resize(980, 720)
        self.panel = UnitDetailPanel(state, self, closable=False)
        self.panel.unit_loaded.connect(
            lambda u: self.setWindowTitle(f"{u.asset_tag} ({u.status.value}) - BWC Desk")
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel, 1)
        layout.addWidget(buttons)
        self.panel.show_unit(unit_id)


# --- the history as a PDF ---------------------------------------------------------------------

_PDF_COLUMNS = (  # title, share of the width: names and stations fit on one line
    ("#", 0.06),  # (eight digits on one line: 0.05 split "201167" / "2")
    ("When (local)", 0.10),
    ("What", 0.09),
    ("Officer", 0.16),
    ("Staff", 0.08),
    ("Station", 0.11),
    ("Reason", 0.12),
    ("Details", 0.16),
    ("Hash", 0.12),
)


def _pdf_cells(e: EventRow) -> tuple[str, ...]:
    reason = e.reason + (f" (corrects #{e.corrects_seq})" if e.corrects_seq else "")
    return (
        str(e.seq),
        text_of(e.at),
        e.kind.value,
        e.officer,
        e.staff_username,
        e.station,
        reason,
        describe_details(e),
        e.hash[:16],
    )


def write_history_pdf(
    path: Path | str,
    unit: UnitRow,
    events: list[EventRow],
    printed_by: str = "",
    station: str = "",
    heads: str = "",
) -> int:
    """A unit's custody history on US Letter, landscape, with the header repeated on each
    page and "page n of m"; long cells wrap instead of being cut. ``heads`` (both chains'
    heads, `heads_footer`) is printed in every page's footer. Returns the page count."""
    writer = QPdfWriter(str(path))
    writer.setTitle(f"Custody history of {unit.asset_tag}")
    writer.setCreator("BWC Desk")
    writer.setResolution(300)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
    writer.setPageOrientation(QPageLayout.Orientation.Landscape)
    writer.setPageMargins(QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter)
    page = writer.pageLayout().paintRectPixels(writer.resolution())
    width, height = page.width(), page.height()
    dpi = writer.resolution()
    pad = max(1, dpi // 30)

    body = QFont("Sans Serif")
    body.setPointSizeF(7.5)
    bold = QFont(body)
    bold.setBold(True)
    big = QFont(body)
    big.setPointSizeF(14)
    big.setBold(True)
    small = QFont(body)
    small.setPointSizeF(6.5)  # two full SHA-256 hashes fit on one landscape line

    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"Cannot write {path}")
    try:
        painter.setFont(body)
        fm = QFontMetrics(body, writer)
        lefts, widths = [], []
        x = 0
        for _title, share in _PDF_COLUMNS:
            w = int(width * share)
            lefts.append(x)
            widths.append(w)
            x += w
        words_only = int(Qt.TextFlag.TextWordWrap)
        anywhere = words_only | int(Qt.TextFlag.TextWrapAnywhere)

        def wrap(text: str, width: int) -> int:
            # Break between words; only a word wider than the column (a timestamp) is cut.
            widest = max((fm.horizontalAdvance(w) for w in text.split()), default=0)
            return anywhere if widest > width else words_only

        def row_height(cells: tuple[str, ...], metrics: QFontMetrics) -> int:
            tallest = metrics.height()
            for text, w in zip(cells, widths, strict=True):
                if text:
                    flags = wrap(text, w - 2 * pad)
                    r = metrics.boundingRect(QRect(0, 0, w - 2 * pad, 10**6), flags, text)
                    tallest = max(tallest, r.height())
            return tallest + 2 * pad

        rows = [_pdf_cells(e) for e in events]
        heights = [row_height(r, fm) for r in rows]
        header_cells = tuple(t for t, _s in _PDF_COLUMNS)
        header_h = row_height(header_cells, QFontMetrics(bold, writer))
        footer_h = fm.height() * 3
        intro_h = QFontMetrics(big, writer).height() + fm.height() * 4

        # Paginate first, so that each page can say "page n of m".
        pages: list[list[int]] = [[]]
        top = intro_h + header_h
        y = top
        for i, h in enumerate(heights):
            limit = height - footer_h
            if y + h > limit and pages[-1]:
                pages.append([])
                y = header_h + fm.height()
            pages[-1].append(i)
            y += h

        printed = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        for number, indices in enumerate(pages, 1):
            if number > 1:
                writer.newPage()
            y = 0
            if number == 1:
                painter.setFont(big)
                painter.drawText(
                    QRect(0, 0, width, QFontMetrics(big, writer).height()),
                    int(Qt.AlignmentFlag.AlignLeft),
                    f"Custody history: {unit.asset_tag}",
                )
                y = QFontMetrics(big, writer).height()
                painter.setFont(body)
                lines = [
                    f"Serial {unit.serial}    Model {unit.model or '-'}    Firmware "
                    f"{unit.firmware or '-'}    Status {unit.status.value}"
                    + (f" ({unit.status_reason})" if unit.status_reason else ""),
                    f"{plural(len(events), 'custody event')}, newest first. Printed {printed}"
                    + (f" by {printed_by}" if printed_by else "")
                    + (f" at {station}" if station else "")
                    + ".",
                    "Each hash links the event into the tamper-evident custody ledger; "
                    "Administration > Verify records checks the whole chain.",
                ]
                for text in lines:
                    painter.drawText(QRect(0, y, width, fm.height()), 0, text)
                    y += fm.height()
                y += fm.height()
            else:
                painter.drawText(
                    QRect(0, 0, width, fm.height()),
                    0,
                    f"Custody history: {unit.asset_tag} (continued)",
                )
                y = fm.height()
            painter.setFont(bold)
            painter.fillRect(QRect(0, y, width, header_h), Qt.GlobalColor.lightGray)
            for text, left, w in zip(header_cells, lefts, widths, strict=True):
                painter.drawText(
                    QRect(left + pad, y + pad, w - 2 * pad, header_h), wrap(text, w - 2 * pad), text
                )
            y += header_h
            painter.setFont(body)
            for i in indices:
                h = heights[i]
                for text, left, w in zip(rows[i], lefts, widths, strict=True):
                    painter.drawText(
                        QRect(left + pad, y + pad, w - 2 * pad, h), wrap(text, w - 2 * pad), text
                    )
                painter.drawLine(0, y + h, width, y + h)
                y += h
            painter.drawText(
                QRect(0, height - fm.height(), width, fm.height()),
                int(Qt.AlignmentFlag.AlignRight),
                f"{unit.asset_tag} - page {number} of {len(pages)}",
            )
            if heads:
                painter.setFont(small)
                painter.drawText(
                    QRect(0, height - 2 * fm.height(), width, fm.height()),
                    int(Qt.AlignmentFlag.AlignLeft),
                    heads,
                )
                painter.setFont(body)
    finally:
        painter.end()
    return len(pages)

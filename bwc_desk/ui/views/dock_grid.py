"""One dock drawn as a grid of bay tiles: state in words and colour (never colour alone),
camera, battery, upload progress, estimated time until ready, time in bay.

A dock is one widget that paints its tiles, not a widget per bay: with 100 docks of 12 bays
the view has 100 widgets, and only the visible ones are painted."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from bwc_desk.domain.docking import BayState, describe_duration
from bwc_desk.services.dock_board import BayRow, DockRow

# Fill, border, text: the word is always written; colour only helps.
COLOURS: dict[BayState, tuple[str, str, str]] = {
    BayState.READY: ("#dcfce7", "#16a34a", "#14532d"),
    BayState.CHARGING: ("#fef9c3", "#ca8a04", "#713f12"),
    BayState.UPLOADING: ("#dbeafe", "#2563eb", "#1e3a8a"),
    BayState.UPDATING: ("#ede9fe", "#7c3aed", "#4c1d95"),
    BayState.ERROR: ("#fee2e2", "#dc2626", "#7f1d1d"),
    BayState.OFFLINE: ("#e5e7eb", "#6b7280", "#374151"),
    BayState.UNKNOWN: ("#f3f4f6", "#9ca3af", "#374151"),
    BayState.NOT_REGISTERED: ("#fff7ed", "#dc2626", "#7c2d12"),
    BayState.EMPTY: ("#ffffff", "#d1d5db", "#6b7280"),
}
# A tile is wide enough for its usual lines whole ("Bay 12: NOT REGISTERED", an upload's
# files and bytes, "ready in under a minute"); a long error or name is cut (the tooltip has it).
TILE_W, TILE_H, GAP, COLUMNS, HEADER = 184, 104, 6, 4, 28
LINE_H = 16
TILE_LINES = (TILE_H - 8) // LINE_H  # the lines a tile has room for; the rest: "+N more"


def dock_width(columns: int) -> int:
    """The width of a dock drawn ``columns`` tiles a row."""
    return columns * (TILE_W + GAP) + GAP


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.0f} MB"


def _sizes(done: int, total: int) -> str:
    """``done`` of ``total`` bytes, the unit said once where both have it: "0.7/2.0 GB"."""
    first, second = _size(done), _size(total)
    if first[-3:] == second[-3:]:
        return f"{first[:-3]}/{second}"
    return f"{first}/{second}"


def tile_lines(bay: BayRow, now: datetime) -> list[str]:
    """The text of a tile, top to bottom (also its tooltip)."""
    head = f"Bay {bay.bay}: {bay.state.label.upper()}"
    lines = [f"{head} · ISSUED" if bay.issued else head]
    if bay.held and bay.serial and bay.state is not BayState.OFFLINE:
        # (stolen, in repair...: never "READY", never "ready in")
        lines = [f"Bay {bay.bay}: {bay.held.upper()}"]
    if bay.out_of_service:  # the daily inspection found a defect: no camera goes here
        lines = [f"Bay {bay.bay}: OUT OF SERVICE", bay.out_of_service, *lines[1:]]
    if not bay.serial:
        return lines
    if bay.asset_tag:
        lines.append(bay.asset_tag)
    elif bay.state is BayState.NOT_REGISTERED:  # (the first line says it)
        lines.append(f"serial {bay.serial}")
    else:
        lines.append(f"{bay.serial} (not registered)")
    if bay.issued:
        since = f" since {bay.issued_at.astimezone():%H:%M}" if bay.issued_at else ""
        lines.append(f"issued to {bay.issued_to}{since}")
    if bay.battery is not None:
        lines.append(f"battery {bay.battery} %" + (", charging" if bay.charging else ""))
    if bay.upload is not None and bay.upload.files_total:
        u = bay.upload
        if u.files_done >= u.files_total:
            lines.append(f"{u.files_total} files uploaded, {_size(u.bytes_total)}")
        else:
            sizes = _sizes(u.bytes_done, u.bytes_total)
            lines.append(f"{u.files_done}/{u.files_total} files, {sizes}")
    if bay.held:
        lines.append("not to hand out")
    if bay.error:
        lines.append(bay.error)
    elif bay.updating:
        lines.append("updating firmware")
    elif not bay.held and bay.state in (BayState.CHARGING, BayState.UPLOADING):
        lines.append(
            f"ready in {describe_duration(bay.eta)}"
            if bay.eta is not None
            else "ready in: estimating..."
        )
    if bay.occupied_since is not None:
        lines.append(f"in bay {describe_duration(max(now - bay.occupied_since, timedelta(0)))}")
    return lines


class DockWidget(QWidget):
    bay_clicked = Signal(object)  # BayRow

    def __init__(self, dock: DockRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dock = dock
        self.now = datetime.now().astimezone()
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.columns = COLUMNS  # tiles a row: fewer in a narrow window (set_columns)
        self.marked: int | None = None  # the bay outlined (a camera scanned: ``mark``)
        self._fonts = (QFont(self.font()), QFont(self.font()))
        self._fonts[0].setBold(True)
        self._metrics = (QFontMetrics(self._fonts[0]), QFontMetrics(self._fonts[1]))
        self.set_dock(dock, self.now)

    def set_dock(self, dock: DockRow, now: datetime) -> bool:
        """New data; repaints only if something a person can see changed."""
        changed = dock != self.dock or now.minute != self.now.minute
        rows = self._rows()
        self.dock, self.now = dock, now
        tip = self._dock_tip()
        if tip != self.toolTip():
            self.setToolTip(tip)
        if changed:
            if self._rows() != rows:  # (a new size: the grid of 100 docks is laid out again)
                self.updateGeometry()
            self.update()
        return changed

    def set_columns(self, columns: int) -> None:
        columns = max(1, min(COLUMNS, columns))
        if columns != self.columns:
            self.columns = columns
            self.updateGeometry()
            self.update()

    def mark(self, bay: int | None) -> None:
        """Outline ``bay``'s tile (None: no tile)."""
        if bay != self.marked:
            self.marked = bay
            self.update()

    def tile_of(self, bay: int) -> QRect | None:
        """Where ``bay``'s tile is drawn (None: that bay has not reported)."""
        for i, row in enumerate(self.dock.bay_rows):
            if row.bay == bay:
                return self.tile_rect(i)
        return None

    def header_text(self) -> str:
        d = self.dock
        status = "OFFLINE" if d.offline else "online"
        errors = f" · {d.error_count} refused lines" if d.error_count else ""
        out = f" · OUT OF SERVICE: {d.out_of_service}" if d.out_of_service else ""
        return f"{d.name}  ({len(d.bay_rows)} of {d.bays} bays reported, {status}{errors}){out}"

    def _dock_tip(self) -> str:
        d = self.dock
        seen = d.last_seen_at.astimezone().strftime("%H:%M:%S") if d.last_seen_at else "never"
        errors = f"; {d.error_count} refused lines, last: {d.last_error}" if d.error_count else ""
        return (f"{self.header_text()}\n{d.name}: last report {seen} "
                f"(station {d.station or '?'}){errors}")

    def _rows(self) -> int:
        return max(1, -(-max(self.dock.bays, len(self.dock.bay_rows)) // self.columns))

    def sizeHint(self) -> QSize:
        return QSize(dock_width(self.columns), HEADER + self._rows() * (TILE_H + GAP) + GAP)

    def tile_rect(self, index: int) -> QRect:
        row, col = divmod(index, self.columns)
        return QRect(
            GAP + col * (TILE_W + GAP), HEADER + GAP + row * (TILE_H + GAP), TILE_W, TILE_H
        )

    def bay_at(self, x: float, y: float) -> BayRow | None:
        for i, bay in enumerate(self.dock.bay_rows):
            if self.tile_rect(i).contains(int(x), int(y)):
                return bay
        return None

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        d = self.dock
        p.setFont(self._fonts[0])
        p.setPen(QColor("#b91c1c" if d.offline or d.out_of_service else "#0f172a"))
        # Elided like the tiles' lines; the whole text is in the tooltip.
        p.drawText(
            QRect(GAP, 4, self.width() - 2 * GAP, HEADER - 6),
            Qt.AlignmentFlag.AlignVCenter,
            p.fontMetrics().elidedText(
                self.header_text(), Qt.TextElideMode.ElideRight, self.width() - 2 * GAP
            ),
        )
        for i, bay in enumerate(d.bay_rows):
            rect = self.tile_rect(i)
            if not event.rect().intersects(rect):
                continue
            fill, border, text = COLOURS[bay.state]
            if bay.serial and (not bay.registered or bay.issued):
                border = "#dc2626"
            if bay.serial and bay.held:
                fill, border, text = COLOURS[BayState.ERROR]
            if bay.out_of_service:
                fill, border, text = COLOURS[BayState.OFFLINE][0], "#dc2626", "#7f1d1d"
            p.setPen(QPen(QColor(border), 2))
            p.setBrush(QColor(fill))
            p.drawRoundedRect(QRectF(rect), 6, 6)
            if bay.bay == self.marked:  # (the camera just scanned)
                p.setPen(QPen(QColor("#1d4ed8"), 4))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRoundedRect(QRectF(rect).adjusted(-2, -2, 2, 2), 7, 7)
            p.setPen(QColor(text))
            y = rect.top() + 4
            for n, line in enumerate(self.shown_lines(bay)):
                p.setFont(self._fonts[0] if n < 2 else self._fonts[1])
                p.drawText(
                    QRect(rect.left() + 6, y, rect.width() - 12, LINE_H),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    line,
                )
                y += LINE_H
        p.end()

    def shown_lines(self, bay: BayRow) -> list[str]:
        """A tile's lines as drawn: elided to its width, and past its room a last line that
        says how many more there are. Whatever is cut is whole in the tile's tooltip."""
        lines = tile_lines(bay, self.now)
        if len(lines) > TILE_LINES:
            more = len(lines) - TILE_LINES + 1
            lines = [*lines[: TILE_LINES - 1], f"+{more} more (hover to read)"]
        width = TILE_W - 12
        return [
            self._metrics[0 if n < 2 else 1].elidedText(line, Qt.TextElideMode.ElideRight, width)
            for n, line in enumerate(lines)
        ]

    def tip_at(self, x: float, y: float) -> str:
        """The tooltip where the mouse is: a bay's whole text, or the dock's."""
        bay = self.bay_at(x, y)
        return "\n".join(tile_lines(bay, self.now)) if bay is not None else self._dock_tip()

    def event(self, event: QEvent) -> bool:
        # Worked out where and when the mouse rests: the bay's whole text had been set by a
        # mouse move, and each refresh (once a second) put the dock's tooltip back over it,
        # so a tile's cut line could not be read anywhere.
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            QToolTip.showText(event.globalPos(), self.tip_at(event.x(), event.y()), self)
            return True
        return super().event(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        bay = self.bay_at(event.position().x(), event.position().y())
        self.setCursor(
            Qt.CursorShape.PointingHandCursor
            if bay is not None and bay.serial
            else Qt.CursorShape.ArrowCursor
        )

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        bay = self.bay_at(event.position().x(), event.position().y())
        if bay is not None and bay.serial:
            self.bay_clicked.emit(bay)

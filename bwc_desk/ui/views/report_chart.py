"""A report's chart on screen, drawn with QPainter from the same series the PDF draws
(docs/reports.md says why not QtCharts or pyqtgraph): lines for trends, bars per category,
a pie for shares."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from bwc_desk.adapters.pdfchart import PALETTE, nice_max, share_text
from bwc_desk.services.reports.model import Chart, ChartKind

COLOURS = [QColor.fromRgbF(r, g, b) for r, g, b in PALETTE]


class ChartView(QWidget):
    def __init__(self, chart: Chart, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chart = chart
        self.setMinimumSize(360, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(chart.title)
        self.setToolTip(self.describe())

    def sizeHint(self) -> QSize:
        return QSize(480, 260)

    def describe(self) -> str:
        """The chart in words (tooltip, screen readers)."""
        parts = []
        for s in self.chart.series:
            if self.chart.kind is ChartKind.SHARE:
                parts += [f"{label}: {v:g}" for label, v in zip(self.chart.labels, s.values,
                                                                 strict=False)]
            elif s.values:
                parts.append(f"{s.name}: total {sum(s.values):g}, highest {max(s.values):g}")
        return f"{self.chart.title}. " + "; ".join(parts)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.fillRect(self.rect(), self.palette().base())
            text = self.palette().text().color()
            p.setPen(text)
            font = p.font()
            font.setBold(True)
            p.setFont(font)
            p.drawText(QRectF(8, 4, self.width() - 16, 18), Qt.AlignmentFlag.AlignLeft,
                       self.chart.title)
            font.setBold(False)
            p.setFont(font)
            area = QRectF(48, 28, self.width() - 48 - 150, self.height() - 28 - 30)
            if self.chart.kind is ChartKind.SHARE:
                self._pie(p, area)
            else:
                self._xy(p, area, text)
        finally:
            p.end()

    def _legend(self, p: QPainter, x: float, y: float, names: list[str]) -> None:
        for i, name in enumerate(names):
            p.fillRect(QRectF(x, y + i * 16, 10, 10), COLOURS[i % len(COLOURS)])
            p.setPen(self.palette().text().color())
            p.drawText(QPointF(x + 14, y + i * 16 + 9), name)

    def _pie(self, p: QPainter, area: QRectF) -> None:
        values = list(self.chart.series[0].values) if self.chart.series else []
        total = sum(v for v in values if v > 0)
        if total <= 0:
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, "no data in the period")
            return
        side = min(area.width(), area.height())
        box = QRectF(area.left(), area.top(), side, side)
        angle = 90 * 16
        p.setPen(Qt.PenStyle.NoPen)
        for i, v in enumerate(values):
            if v <= 0:
                continue
            span = -round(360 * 16 * v / total)
            p.setBrush(COLOURS[i % len(COLOURS)])
            p.drawPie(box, angle, span)
            angle += span
        self._legend(p, box.right() + 16, area.top(), [
            f"{label}: {share_text(v, total)}"
            for label, v in zip(self.chart.labels, values, strict=False)
        ])

    def _xy(self, p: QPainter, area: QRectF, text: QColor) -> None:
        values = [list(s.values) for s in self.chart.series]
        flat = [v for vs in values for v in vs]
        n = len(self.chart.labels)
        if not flat or n == 0:
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, "no data in the period")
            return
        top = nice_max(max(flat))
        grid = QColor(text)
        grid.setAlpha(40)
        for i in range(5):
            y = area.bottom() - area.height() * i / 4
            p.setPen(grid)
            p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            p.setPen(text)
            label = f"{top * i / 4:g}"
            p.drawText(QRectF(0, y - 8, area.left() - 4, 16),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
        # as many labels as fit side by side (dates at a month's 30 points overlapped)
        widest = max(p.fontMetrics().horizontalAdvance(t[:16]) for t in self.chart.labels) + 16
        every = max(1, math.ceil(n / max(1, int(area.width() // widest))))
        for i in range(0, n, every):
            x = (area.left() + area.width() * (i + 0.5) / n if self.chart.kind is ChartKind.BAR
                 else area.left() + area.width() * i / max(n - 1, 1))
            p.drawText(QRectF(x - 50, area.bottom() + 4, 100, 16),
                       Qt.AlignmentFlag.AlignHCenter, self.chart.labels[i][:16])
        if self.chart.kind is ChartKind.LINE:
            for si, vs in enumerate(values):
                p.setPen(QPen(COLOURS[si % len(COLOURS)], 1.5))
                points = [QPointF(area.left() + area.width() * i / max(n - 1, 1),
                                  area.bottom() - area.height() * v / top)
                          for i, v in enumerate(vs)]
                p.drawPolyline(points)
        else:
            group = area.width() / n
            bar = group * 0.8 / max(len(values), 1)
            p.setPen(Qt.PenStyle.NoPen)
            for si, vs in enumerate(values):
                p.setBrush(COLOURS[si % len(COLOURS)])
                for i, v in enumerate(vs):
                    h = area.height() * v / top
                    p.drawRect(QRectF(area.left() + group * i + group * 0.1 + bar * si,
                                      area.bottom() - h, bar, h))
        if len(values) > 1 or self.chart.kind is ChartKind.LINE:
            self._legend(p, area.right() + 12, area.top(), [s.name for s in self.chart.series])

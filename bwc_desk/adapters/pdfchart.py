"""A PDF of text and vector charts (lines, bars, pies), no Qt: the reports the command line
writes carry the same charts as the screen, drawn from the same series.

Standard 14 fonts only (Courier for tables, Helvetica for chart labels), nothing embedded;
text outside Windows-1252 is written as '?'. Every page carries ``footer`` (the ledger heads)
and its page number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bwc_desk.adapters.pdftext import (
    CHARS_PER_LINE,
    FONT_SIZE,
    LEADING,
    MARGIN,
    PAGE_H,
    PAGE_W,
    escape,
    pdf_file,
)
from bwc_desk.adapters.pdftext import wrap as wrap_lines
from bwc_desk.adapters.staged import chosen
from bwc_desk.domain.errors import ValidationError

CHART_H = 230.0
PALETTE = (
    (0.12, 0.47, 0.71), (1.0, 0.5, 0.05), (0.17, 0.63, 0.17), (0.84, 0.15, 0.16),
    (0.58, 0.4, 0.74), (0.55, 0.34, 0.29), (0.89, 0.47, 0.76), (0.5, 0.5, 0.5),
)
BOTTOM = MARGIN + 20  # above the footer lines


@dataclass(frozen=True, slots=True)
class ChartSpec:
    kind: str  # "line", "bar" or "share"
    title: str
    labels: Sequence[str]
    series: Sequence[tuple[str, Sequence[float]]]
    y_label: str = ""


@dataclass(frozen=True, slots=True)
class TextBlock:
    lines: Sequence[str]
    heading: bool = False


Block = ChartSpec | TextBlock


def _text(x: float, y: float, text: str, font: str = "F2", size: float = 7.0) -> bytes:
    return b"BT /%s %.1f Tf %.2f %.2f Td (%s) Tj ET" % (font.encode(), size, x, y, escape(text))


def _width(text: str, size: float) -> float:
    return len(text) * size * 0.5  # Helvetica, roughly: for centring labels


def share_text(value: float, total: float) -> str:
    """'17 (0.4 %)': a share as people read it, with one decimal. Rounding never says
    "0 %" of something that is there, nor "100 %" when something else is there."""
    pct = 100 * value / total if total else 0.0
    if pct <= 0 or pct >= 100:
        shown = f"{pct:.0f}"
    elif pct < 0.05:
        shown = "<0.1"
    elif pct >= 99.95:
        shown = ">99.9"
    else:
        shown = f"{pct:.1f}"
    return f"{_fmt(value)} ({shown} %)"


def nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * exp >= value:
            return float(step * exp)
    return float(10 * exp)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _axes(x: float, y: float, w: float, h: float, top: float, y_label: str) -> list[bytes]:
    ops = [b"0.6 w 0 0 0 RG", b"%.2f %.2f m %.2f %.2f l S" % (x, y, x + w, y),
           b"%.2f %.2f m %.2f %.2f l S" % (x, y, x, y + h), b"0.85 0.85 0.85 RG 0.3 w"]
    for i in range(1, 5):
        yy = y + h * i / 4
        ops.append(b"%.2f %.2f m %.2f %.2f l S" % (x, yy, x + w, yy))
    for i in range(5):
        yy = y + h * i / 4
        label = _fmt(top * i / 4)
        ops.append(_text(x - 4 - _width(label, 6.5), yy - 2, label, size=6.5))
    if y_label:
        ops.append(_text(x - 30, y + h + 6, y_label, size=6.5))
    return ops


def _x_labels(x: float, y: float, w: float, labels: Sequence[str], centred: bool) -> list[bytes]:
    n = len(labels)
    if n == 0:
        return []
    every = max(1, math.ceil(n / 10))
    ops = []
    for i in range(0, n, every):
        pos = x + (w * (i + 0.5) / n if centred else (w * i / max(n - 1, 1)))
        text = labels[i][:18]
        ops.append(_text(pos - _width(text, 6.5) / 2, y - 10, text, size=6.5))
    return ops


def _legend(x: float, y: float, names: Sequence[str]) -> list[bytes]:
    ops = []
    for i, name in enumerate(names):
        r, g, b = PALETTE[i % len(PALETTE)]
        ops.append(b"%.2f %.2f %.2f rg %.2f %.2f 7 7 re f" % (r, g, b, x, y - i * 10))
        ops.append(b"0 0 0 rg")
        ops.append(_text(x + 10, y - i * 10 + 1, name[:30], size=6.5))
    return ops


def _arc(cx: float, cy: float, r: float, a0: float, a1: float) -> list[bytes]:
    """Bezier segments of at most 90 degrees from angle a0 to a1 (radians)."""
    ops = []
    n = max(1, math.ceil(abs(a1 - a0) / (math.pi / 2)))
    step = (a1 - a0) / n
    k = 4 / 3 * math.tan(step / 4)
    for i in range(n):
        s, e = a0 + i * step, a0 + (i + 1) * step
        p1 = (cx + r * (math.cos(s) - k * math.sin(s)), cy + r * (math.sin(s) + k * math.cos(s)))
        p2 = (cx + r * (math.cos(e) + k * math.sin(e)), cy + r * (math.sin(e) - k * math.cos(e)))
        p3 = (cx + r * math.cos(e), cy + r * math.sin(e))
        ops.append(b"%.2f %.2f %.2f %.2f %.2f %.2f c" % (*p1, *p2, *p3))
    return ops


def chart_ops(chart: ChartSpec, x: float, y: float, w: float, h: float) -> list[bytes]:
    """PDF drawing operators for ``chart`` in the box (x, y) to (x + w, y + h)."""
    ops = [_text(x, y + h - 10, chart.title, size=9)]
    plot_x, plot_y = x + 40, y + 20
    plot_w, plot_h = w - 40 - 130, h - 45
    names = [name for name, _ in chart.series]
    values = [list(v) for _, v in chart.series]
    if chart.kind == "share":
        parts = list(zip(chart.labels, values[0] if values else [], strict=False))
        total = sum(v for _, v in parts if v > 0)
        cx, cy, r = plot_x + plot_h / 2, plot_y + plot_h / 2, plot_h / 2
        if total <= 0:
            ops.append(_text(plot_x, cy, "no data in the period", size=8))
            return ops
        angle = math.pi / 2
        for i, (_label, v) in enumerate(parts):
            if v <= 0:
                continue
            sweep = -2 * math.pi * v / total
            rr, gg, bb = PALETTE[i % len(PALETTE)]
            start = (cx + r * math.cos(angle), cy + r * math.sin(angle))
            ops.append(b"%.2f %.2f %.2f rg %.2f %.2f m %.2f %.2f l"
                       % (rr, gg, bb, cx, cy, *start))
            ops += _arc(cx, cy, r, angle, angle + sweep)
            ops.append(b"h f")
            angle += sweep
        ops.append(b"0 0 0 rg")
        ops += _legend(cx + r + 20, y + h - 28,
                       [f"{label}: {share_text(v, total)}" for label, v in parts])
        return ops
    flat = [v for vs in values for v in vs]
    top = nice_max(max(flat, default=0.0))
    ops += _axes(plot_x, plot_y, plot_w, plot_h, top, chart.y_label)
    n = len(chart.labels)
    if n == 0 or not flat:
        ops.append(_text(plot_x + 10, plot_y + plot_h / 2, "no data in the period", size=8))
        return ops
    if chart.kind == "line":
        for si, vs in enumerate(values):
            r, g, b = PALETTE[si % len(PALETTE)]
            ops.append(b"%.2f %.2f %.2f RG 1 w" % (r, g, b))
            for i, v in enumerate(vs):
                px = plot_x + plot_w * i / max(n - 1, 1)
                py = plot_y + plot_h * v / top
                ops.append(b"%.2f %.2f %s" % (px, py, b"m" if i == 0 else b"l"))
            if len(vs) == 1:
                ops.append(b"%.2f %.2f l" % (plot_x + 2, plot_y + plot_h * vs[0] / top))
            ops.append(b"S")
        ops += _x_labels(plot_x, plot_y, plot_w, chart.labels, centred=False)
    else:
        group = plot_w / n
        bar = group * 0.8 / max(len(values), 1)
        for si, vs in enumerate(values):
            r, g, b = PALETTE[si % len(PALETTE)]
            ops.append(b"%.2f %.2f %.2f rg" % (r, g, b))
            for i, v in enumerate(vs):
                if v > 0:
                    ops.append(b"%.2f %.2f %.2f %.2f re f" % (
                        plot_x + group * i + group * 0.1 + bar * si, plot_y, bar,
                        plot_h * v / top))
        ops.append(b"0 0 0 rg")
        ops += _x_labels(plot_x, plot_y, plot_w, chart.labels, centred=True)
    ops.append(b"0 0 0 RG 0 0 0 rg")
    if len(names) > 1 or chart.kind == "line":
        ops += _legend(plot_x + plot_w + 15, y + h - 28, names)
    return ops


def document_bytes(title: str, blocks: Sequence[Block], footer: str = "",
                   subtitle: str = "") -> bytes:
    pages: list[list[bytes]] = [[]]
    cursor: float = PAGE_H - MARGIN

    def room(height: float) -> None:
        nonlocal cursor
        if cursor - height < BOTTOM:
            pages.append([])
            cursor = PAGE_H - MARGIN

    pages[0].append(_text(MARGIN, cursor - 12, title, font="F3", size=13))
    cursor -= 20
    if subtitle:
        pages[0].append(_text(MARGIN, cursor - 8, subtitle, size=8))
        cursor -= 14
    for block in blocks:
        if isinstance(block, ChartSpec):
            room(CHART_H)
            pages[-1] += chart_ops(block, MARGIN, cursor - CHART_H, PAGE_W - 2 * MARGIN,
                                   CHART_H)
            cursor -= CHART_H + 8
            continue
        if block.heading:
            room(LEADING * 3)
            cursor -= 6
            pages[-1].append(_text(MARGIN, cursor - 10, block.lines[0] if block.lines else "",
                                   font="F3", size=10))
            cursor -= 16
            continue
        for line in wrap_lines(block.lines, CHARS_PER_LINE):
            room(LEADING)
            pages[-1].append(_text(MARGIN, cursor - LEADING, line, font="F1", size=FONT_SIZE))
            cursor -= LEADING
    return _assemble(title, pages, footer)


def _assemble(title: str, pages: list[list[bytes]], footer: str) -> bytes:
    objects: list[bytes] = [b"", b""]  # 1 catalog, 2 pages
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier "
                   b"/Encoding /WinAnsiEncoding >>")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                   b"/Encoding /WinAnsiEncoding >>")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
                   b"/Encoding /WinAnsiEncoding >>")
    page_ids = []
    for number, ops in enumerate(pages, start=1):
        body = list(ops)
        body.append(_text(MARGIN, MARGIN / 2, f"{title}  page {number} of {len(pages)}",
                          font="F1", size=7))
        if footer:
            body.append(_text(MARGIN, MARGIN / 2 + 8, footer, font="F1", size=7))
        stream = b"\n".join(body)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R /F3 5 0 R >> >> >>"
            % (PAGE_W, PAGE_H, content)
        )
        page_ids.append(len(objects))
    return pdf_file(objects, page_ids, title)

def write_document(path: Path, title: str, blocks: Sequence[Block], footer: str = "",
                   subtitle: str = "") -> None:
    data = document_bytes(title, blocks, footer, subtitle)
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ValidationError(f"Cannot write {chosen(path)}: {exc.strerror}. Choose a folder "
                              "you may write to, on a disk with room.") from None

"""The PDF charts drawn without Qt: lines, bars and pies as vector drawing, text that a PDF
reader extracts, the footer on every page, and charts with nothing to draw."""

from __future__ import annotations

import pypdf

from bwc_desk.adapters.pdfchart import ChartSpec, TextBlock, chart_ops, document_bytes, nice_max


def _ops(chart: ChartSpec) -> list[bytes]:
    return chart_ops(chart, 36, 100, 770, 230)


def test_a_line_is_one_path_through_every_point():
    values = [float(i % 7) for i in range(365)]
    ops = _ops(ChartSpec("line", "Trend", [f"d{i}" for i in range(365)], [("a", values)]))
    assert sum(1 for op in ops if op.endswith(b" l") and b"m" not in op) >= 364
    assert any(b"(Trend) Tj" in op for op in ops)


def test_bars_side_by_side_and_a_pie_of_arcs():
    bars = _ops(ChartSpec("bar", "B", ["x", "y"], [("s1", [1.0, 2.0]), ("s2", [3.0, 0.0])]))
    # three bars (a zero draws none) and two legend keys
    assert sum(1 for op in bars if op.endswith(b" re f")) == 3 + 2
    pie = _ops(ChartSpec("share", "P", ["passed", "failed"], [("t", [3.0, 1.0])]))
    assert sum(1 for op in pie if op.endswith(b" c")) >= 4  # Bezier arcs
    assert any(b"(passed: 3 \\(75.0 %\\)) Tj" in op for op in pie)


def test_nothing_to_draw_says_so():
    for kind in ("line", "bar", "share"):
        ops = _ops(ChartSpec(kind, "E", [], [("s", [])]))
        assert any(b"no data in the period" in op for op in ops)


def test_nice_axis_tops():
    assert [nice_max(v) for v in (0, 3, 7, 12, 99, 101, 2400)] == [1, 5, 10, 20, 100, 200,
                                                                   2500]


def test_a_document_pages_the_text_and_carries_the_footer_everywhere(tmp_path):
    footer = "Ledger heads: custody #12 " + "a" * 64 + ", audit #3 " + "b" * 64
    blocks = [ChartSpec("line", "Trend", ["a", "b"], [("s", [1.0, 2.0])]),
              TextBlock(["Table"], heading=True),
              TextBlock([f"row {i}" for i in range(200)])]
    path = tmp_path / "d.pdf"
    path.write_bytes(document_bytes("Report title", blocks, footer, "subtitle"))
    pages = [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(path).pages]
    assert len(pages) >= 3
    assert all(footer in text for text in pages)
    assert "row 199" in pages[-1] and "Report title page 1 of" in pages[0]


def test_a_small_share_is_never_shown_as_nothing():
    from bwc_desk.adapters.pdfchart import share_text

    assert share_text(17, 4401) == "17 (0.4 %)"
    assert share_text(1, 5000) == "1 (<0.1 %)"
    assert share_text(0, 10) == "0 (0 %)" and share_text(3, 4) == "3 (75.0 %)"
    assert share_text(10, 10) == "10 (100 %)"


def test_shares_have_one_decimal_and_never_read_all_when_something_else_is_there():
    """The compliance pie said "passed 4,279 (100 %)" next to "failed 18 (0.4 %)"."""
    from bwc_desk.adapters.pdfchart import share_text

    assert share_text(4279, 4297) == "4,279 (99.6 %)"
    assert share_text(18, 4297) == "18 (0.4 %)"
    assert share_text(4384, 4401) == "4,384 (99.6 %)"
    assert share_text(4999, 5000) == "4,999 (>99.9 %)"  # 99.98 % is not all of them
    assert share_text(2, 3) == "2 (66.7 %)" and share_text(1, 8) == "1 (12.5 %)"

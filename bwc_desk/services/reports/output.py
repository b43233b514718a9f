"""A report on paper and in a spreadsheet: the PDF (tables, the same charts as the screen,
both ledger heads on every page) and the CSV (one file per table, formula-safe)."""

from __future__ import annotations

from pathlib import Path

from bwc_desk.adapters.csvfile import write_csv
from bwc_desk.adapters.pdfchart import ChartSpec, TextBlock, write_document
from bwc_desk.services.reports.model import Chart, ReportResult, Table

PDF_ROWS = 400  # a table longer than this is cut in the PDF (the CSV has every row)


def made_at_text(made_at: str) -> str:
    """'2026-12-02 15:55:29 UTC' of the stored form '2026-12-02T15:55:29.186556Z' (it was
    printed whole, with "UTC" after its "Z")."""
    day, _, clock = made_at.partition("T")
    return f"{day} {clock[:8]} UTC" if clock else made_at


def chart_spec(chart: Chart) -> ChartSpec:
    return ChartSpec(chart.kind.value, chart.title, chart.labels,
                     tuple((s.name, s.values) for s in chart.series), chart.y_label)


def table_lines(table: Table, limit: int = PDF_ROWS) -> list[str]:
    cells = [tuple(str(c) for c in table.columns)]
    cells += [tuple("" if v is None else str(v) for v in row) for row in table.rows[:limit]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(table.columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if len(table.rows) > limit:
        lines.append(f"... {len(table.rows) - limit} more rows in the CSV export")
    if not table.rows:
        lines.append("(none)")
    return lines


def write_pdf_file(result: ReportResult, path: Path) -> list[Path]:
    blocks: list[ChartSpec | TextBlock] = [chart_spec(c) for c in result.charts]
    for table in result.tables:
        blocks.append(TextBlock([table.title], heading=True))
        blocks.append(TextBlock(table_lines(table)))
    if result.notes:
        blocks.append(TextBlock(["Notes"], heading=True))
        blocks.append(TextBlock([f"- {n}" for n in result.notes]))
    subtitle = (f"{result.period}. Made by {result.made_by or 'unknown'} at {result.station}, "
                f"{made_at_text(result.made_at)}.")
    write_document(path, result.title, blocks, result.footer, subtitle)
    return [path]


def csv_paths(result: ReportResult, path: Path) -> list[Path]:
    return [path if i == 0 else path.with_name(f"{path.stem}-{t.key}{path.suffix}")
            for i, t in enumerate(result.tables)]


def write_csv_files(result: ReportResult, path: Path) -> list[Path]:
    paths = csv_paths(result, path)
    for table, out in zip(result.tables, paths, strict=True):
        write_csv(out, table.columns, table.rows)
    return paths

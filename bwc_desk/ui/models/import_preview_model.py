"""The import preview: one row per line of the CSV file with its verdict."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bwc_desk.services.dto import ImportReport
from bwc_desk.ui.models.table_model import Column, RowTableModel

VERDICT_COLORS = {
    "new": "#15803d",
    "update": "#1d4ed8",
    "unchanged": "#6b7280",
    "error": "#b91c1c",
}


@dataclass(frozen=True, slots=True)
class PreviewRow:
    line: int
    key: str
    verdict: str  # new, update, unchanged, error
    reason: str = ""


def preview_rows(report: ImportReport) -> list[PreviewRow]:
    """Verdicts in file order, each error with its reason (errors carry the line number)."""
    reasons: dict[int, list[str]] = {}
    for line, reason in report.errors:
        reasons.setdefault(line, []).append(reason)
    for line, what in report.changes:  # an update says what it changes, blanks included
        reasons.setdefault(line, []).append(what)
    rows = [
        PreviewRow(line, key, verdict, "; ".join(reasons.pop(line, [])))
        for line, key, verdict in report.verdicts
    ]
    # An error without a verdict of its own still shows (the reader's errors, say).
    rows += [PreviewRow(line, "", "error", "; ".join(r)) for line, r in reasons.items()]
    return sorted(rows, key=lambda r: r.line)


class ImportPreviewModel(RowTableModel[PreviewRow]):
    COL_LINE, COL_KEY, COL_VERDICT, COL_REASON = range(4)
    columns = (
        Column("Line", lambda r: r.line, "Line number in the file", align_right=True),
        Column("Key", lambda r: r.key, "Asset tag (units) or badge (officers)"),
        Column("Verdict", lambda r: r.verdict),
        Column("Reason / changes", lambda r: r.reason),
    )

    @staticmethod
    def key(row: Any) -> Any:
        return row.line

    def foreground(self, row: PreviewRow, column: int) -> str | None:
        if column in (self.COL_VERDICT, self.COL_REASON):
            return VERDICT_COLORS.get(row.verdict)
        return None

    def background(self, row: PreviewRow, column: int) -> str | None:
        return "#fef2f2" if row.verdict == "error" else None

    def tooltip(self, row: PreviewRow, column: int) -> str:
        # The whole reason (the cell is cut at its width), a line's problems one a line.
        if column == self.COL_REASON and row.reason:
            return _NEXT_PROBLEM.sub("\n", row.reason)
        return ""


_NEXT_PROBLEM = re.compile(r" (?=\(\d+\) )")  # "(1) ... (2) ..." (services.import_plans)

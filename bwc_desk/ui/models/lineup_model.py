"""The line-up sheet's preview: one row per officer, the printed sheet's columns and texts.

A table, not the sheet's HTML: a Day shift of 13,000 officers laid out as a rich-text table
froze the window for 10 s; a model shows only the rows in sight. The rows are prepared on
the worker (``LineupModel.prepare_sheet``) from the texts the printed sheet uses
(``printing.lineup_cells``), so the preview says what the paper will.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from bwc_desk.services.counter import Lineup
from bwc_desk.ui.models.table_model import Column, Prepared, RowTableModel
from bwc_desk.ui.printing import LINEUP_COLUMNS, lineup_cells


@dataclass(frozen=True, slots=True)
class LineupLine:
    """A row of the sheet as printed. ``id``: its place on the sheet (two officers may share
    a name); the times are kept for sorting ("Thu 07:30" comes after "23:10")."""

    id: int
    officer: str
    badge: str
    camera: str
    bay: str
    time_out: str
    expected_back: str
    issued_at: datetime | None
    expected_return: datetime | None


class LineupModel(RowTableModel[LineupLine]):
    (
        COL_OFFICER,
        COL_BADGE,
        COL_CAMERA,
        COL_BAY,
        COL_OUT,
        COL_BACK,
        COL_SIGNATURE,
    ) = range(7)
    columns = (
        Column(LINEUP_COLUMNS[0], lambda r: r.officer),
        Column(LINEUP_COLUMNS[1], lambda r: r.badge),
        Column(LINEUP_COLUMNS[2], lambda r: r.camera),
        Column(LINEUP_COLUMNS[3], lambda r: r.bay),
        Column(LINEUP_COLUMNS[4], lambda r: r.time_out, sort=lambda r: r.issued_at),
        Column(LINEUP_COLUMNS[5], lambda r: r.expected_back, sort=lambda r: r.expected_return),
        Column(LINEUP_COLUMNS[6], lambda r: "", tooltip="Signed on the printed sheet"),
    )

    @staticmethod
    def key(row: Any) -> Any:
        return row.id

    @classmethod
    def prepare_sheet(cls, sheet: Lineup, zone: tzinfo | None) -> Prepared[LineupLine]:
        """The sheet's rows, ready to show (pure Python: on the worker)."""
        lines = [
            LineupLine(i, c[0], c[1], c[2], c[3], c[4], c[5], r.issued_at, r.expected_return)
            for i, (c, r) in enumerate(zip(lineup_cells(sheet, zone), sheet.rows, strict=True))
        ]
        return cls.prepare(lines)

"""One table of a report: its columns come with the report, so the model class is made per
table (``table_model``), over rows that keep their place (``ReportRow.id``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bwc_desk.services.reports.model import Table
from bwc_desk.ui.models.table_model import Column, RowTableModel


@dataclass(frozen=True, slots=True)
class ReportRow:
    id: int
    values: tuple[object, ...]


class ReportTableModel(RowTableModel[ReportRow]):
    columns: Sequence[Column[ReportRow]] = ()


def _value(i: int) -> object:
    return lambda row: row.values[i]


def table_model(table: Table) -> tuple[type[ReportTableModel], list[ReportRow]]:
    """The model class for ``table``'s columns (numbers right-aligned, sorted as numbers),
    and its rows."""
    first = table.rows[0] if table.rows else ()
    columns: tuple[Column[ReportRow], ...] = tuple(
        Column(
            title.replace("_", " "),
            _value(i),  # type: ignore[arg-type]
            align_right=i < len(first) and isinstance(first[i], int | float),
        )
        for i, title in enumerate(table.columns)
    )
    cls = type(f"ReportTableModel_{table.key}", (ReportTableModel,), {"columns": columns})
    return cls, [ReportRow(i, tuple(r)) for i, r in enumerate(table.rows)]

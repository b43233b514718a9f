"""The roster table in Assignments: one row per officer. A deactivated officer who still holds
a camera is the one row a supervisor must act on, so it stands out in red everywhere."""

from __future__ import annotations

from bwc_desk.services.dto import OfficerRow
from bwc_desk.ui.models.table_model import Column, RowTableModel


def needs_attention(row: OfficerRow) -> bool:
    """Deactivated, yet a camera is still out with them."""
    return not row.active and bool(row.holding)


def _active(row: OfficerRow) -> str:
    if row.active:
        return "Yes"
    return "No - holding" if row.holding else "No"


class OfficerTableModel(RowTableModel[OfficerRow]):
    COL_BADGE, COL_NAME, COL_RANK, COL_DIVISION, COL_SHIFT, COL_ACTIVE, COL_PRIMARY, COL_HOLDING = (
        range(8)
    )
    columns = (
        Column("Badge", lambda o: o.badge),
        Column("Name", lambda o: o.name),
        Column("Rank", lambda o: o.rank),
        Column("Division", lambda o: o.division),
        Column("Shift", lambda o: o.shift),
        Column("Active", _active),
        Column("Primary camera", lambda o: o.primary_unit),
        Column("Holds now", lambda o: o.holding, "Cameras out with the officer now"),
    )

    def foreground(self, row: OfficerRow, column: int) -> str | None:
        if not row.active:
            return "#b91c1c" if row.holding else "#6b7280"
        if column == self.COL_HOLDING and row.overdue:
            return "#b91c1c"
        return None

    def background(self, row: OfficerRow, column: int) -> str | None:
        return "#fee2e2" if needs_attention(row) else None

    def tooltip(self, row: OfficerRow, column: int) -> str:
        if needs_attention(row):
            return (
                f"Deactivated but still holds {', '.join(row.holding)}: get it back at the counter."
            )
        if row.overdue:
            return f"Overdue: {', '.join(row.overdue)}"
        return ""

"""The roster table in Assignments: one row per officer."""

from __future__ import annotations

from bwc_desk.services.dto import OfficerRow
from bwc_desk.ui.models.table_model import Column, RowTableModel


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
        Column("Active", lambda o: o.active),
        Column("Primary camera", lambda o: o.primary_unit),
        Column("Holds now", lambda o: o.holding),
    )

    def foreground(self, row: OfficerRow, column: int) -> str | None:
        if not row.active:
            return "#b91c1c" if row.holding else "#6b7280"
        if column == self.COL_HOLDING and row.overdue:
            return "#b91c1c"
        return None

    def tooltip(self, row: OfficerRow, column: int) -> str:
        if not row.active and row.holding:
            return "Deactivated but still holds a camera: get it back."
        if row.overdue:
            return f"Overdue: {', '.join(row.overdue)}"
        return ""

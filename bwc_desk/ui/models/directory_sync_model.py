"""A directory sync's preview: one row per officer it would add, change (one row per field,
old and new) or deactivate (and the cameras that officer still holds), and each directory
entry it skips, with why."""

from __future__ import annotations

from typing import Any

from bwc_desk.services.directory_admin import PlanRow
from bwc_desk.ui.models.table_model import Column, RowTableModel

KIND_COLORS = {
    "added": "#15803d",
    "changed": "#1d4ed8",
    "deactivated": "#b91c1c",
    "skipped": "#6b7280",
}
KIND_ORDER = {"added": 0, "changed": 1, "deactivated": 2, "skipped": 3}


class SyncPreviewModel(RowTableModel[PlanRow]):
    COL_KIND, COL_BADGE, COL_NAME, COL_FIELD, COL_OLD, COL_NEW, COL_HOLDS = range(7)
    columns = (
        Column("Change", lambda r: r.kind, sort=lambda r: (KIND_ORDER.get(r.kind, 9), r.seq)),
        Column("Badge", lambda r: r.badge),
        Column("Officer", lambda r: r.name),
        Column("Field", lambda r: r.field, "Changed officers: one row per field"),
        Column("Now", lambda r: r.old, "What the roster has now"),
        Column("From the directory", lambda r: r.new),
        Column("Still holds", lambda r: r.holds,
               "A deactivated officer who still holds a camera: supervisors are told"),
    )

    @staticmethod
    def key(row: Any) -> Any:
        return row.seq

    def foreground(self, row: PlanRow, column: int) -> str | None:
        if column == self.COL_KIND:
            return KIND_COLORS.get(row.kind)
        if column == self.COL_HOLDS and row.holds:
            return "#b91c1c"
        return None

    def background(self, row: PlanRow, column: int) -> str | None:
        return "#fef2f2" if row.holds else None

"""The Cameras and pools page of Assignments: every unit with whose it is, and the pools."""

from __future__ import annotations

from bwc_desk.domain.units import UnitStatus
from bwc_desk.services.assignments import PoolRow
from bwc_desk.services.dto import UnitRow
from bwc_desk.ui.models.table_model import Column, RowTableModel

GONE = (UnitStatus.RETIRED, UnitStatus.LOST, UnitStatus.STOLEN)


def assignment_of(u: UnitRow) -> str:
    if u.primary_officer:
        return "Officer"
    if u.pool:
        return "Pool"
    return "" if u.status in GONE else "Spare"


class AssignmentUnitModel(RowTableModel[UnitRow]):
    COL_TAG, COL_MODEL, COL_STATUS, COL_KIND, COL_OFFICER, COL_POOL, COL_OUT, COL_BAY = range(8)
    columns = (
        Column("Camera", lambda u: u.asset_tag),
        Column("Model", lambda u: u.model),
        Column("Status", lambda u: u.status.value),
        Column("Assignment", assignment_of, "Officer's primary camera, in a pool, or a spare"),
        Column("Primary of", lambda u: u.primary_officer),
        Column("Pool", lambda u: u.pool),
        Column("Out with", lambda u: u.holder),
        Column("Dock bay", lambda u: u.dock_bay),
    )

    def foreground(self, row: UnitRow, column: int) -> str | None:
        if row.status in GONE:
            return "#6b7280"
        if column == self.COL_STATUS and row.status is UnitStatus.IN_REPAIR:
            return "#b45309"
        return None


class PoolTableModel(RowTableModel[PoolRow]):
    COL_NAME, COL_DIVISION, COL_SHIFT, COL_UNITS = range(4)
    columns = (
        Column("Pool", lambda p: p.name),
        Column("Division", lambda p: p.division or "any"),
        Column("Shift", lambda p: p.shift or "any"),
        Column("Cameras", lambda p: p.units, align_right=True),
    )

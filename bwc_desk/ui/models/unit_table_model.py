"""The Inventory table: one row per unit."""

from __future__ import annotations

from bwc_desk.domain.units import UnitStatus
from bwc_desk.services.dto import UnitRow
from bwc_desk.ui.models.table_model import Column, RowTableModel, text_of

STATUS_COLORS = {
    UnitStatus.AVAILABLE: None,
    UnitStatus.ISSUED: "#1d4ed8",
    UnitStatus.IN_REPAIR: "#b45309",
    UnitStatus.LOST: "#b91c1c",
    UnitStatus.STOLEN: "#b91c1c",
    UnitStatus.RETIRED: "#6b7280",
}


def _holder(u: UnitRow) -> str:
    if u.holder:
        return f"Out: {u.holder}"
    return u.assignee


def _last(u: UnitRow) -> str:
    if not u.last_event:
        return ""
    return f"{u.last_event} {text_of(u.last_event_at)}"


class UnitTableModel(RowTableModel[UnitRow]):
    (
        COL_TAG,
        COL_SERIAL,
        COL_MODEL,
        COL_FIRMWARE,
        COL_STATUS,
        COL_HOLDER,
        COL_BAY,
        COL_LOCATION,
        COL_LAST,
        COL_WARRANTY,
    ) = range(10)
    columns = (
        Column("Asset tag", lambda u: u.asset_tag),
        Column("Serial", lambda u: u.serial),
        Column("Model", lambda u: u.model),
        Column("Firmware", lambda u: u.firmware),
        Column("Status", lambda u: u.status.value),
        Column("Holder / assignee", _holder, "Who has it now (Out:), or whose camera it is"),
        Column("Dock bay", lambda u: u.dock_bay),
        Column("Kept at", lambda u: u.location,
               "Where the camera is kept when it is in (Move... changes it); where it is now: "
               "Holder and Dock bay"),
        Column("Last custody event", _last, sort=lambda u: u.last_event_at),
        Column("Warranty until", lambda u: u.warranty_until),
    )

    def foreground(self, row: UnitRow, column: int) -> str | None:
        if column == self.COL_STATUS:
            return STATUS_COLORS.get(row.status)
        return None

    def tooltip(self, row: UnitRow, column: int) -> str:
        if column == self.COL_STATUS and row.status_reason:
            return row.status_reason
        return ""


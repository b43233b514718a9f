"""The lists of the shift-change board. Units are dragged from the ready list and dropped on
an incoming officer; the drag carries the unit ids under a mime type of our own, so nothing
else (text from another program, a file) can be dropped by mistake."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QMimeData, QModelIndex, Qt, Signal

from bwc_desk.services.dto import OfficerRow
from bwc_desk.services.shift_change import ReadyUnit
from bwc_desk.ui.models.table_model import Column, Index, RowTableModel

UNIT_MIME = "application/x-bwc-desk-unit-ids"


def encode_unit_ids(unit_ids: Sequence[int], tags: Sequence[str] = ()) -> QMimeData:
    mime = QMimeData()
    mime.setData(UNIT_MIME, json.dumps([int(i) for i in unit_ids]).encode())
    if tags:  # dropped in a text editor or an e-mail, the tags are what a person wants
        mime.setText("\n".join(tags))
    return mime


def decode_unit_ids(mime: QMimeData | None) -> list[int]:
    """The unit ids a drag carries; [] for anything that is not one of ours."""
    if mime is None or not mime.hasFormat(UNIT_MIME):
        return []
    try:
        value = json.loads(bytes(mime.data(UNIT_MIME).data()).decode())
    except (ValueError, UnicodeDecodeError):
        return []
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in value
    ):
        return []
    return value


def _readiness(u: ReadyUnit) -> str:
    return "Ready" if u.ready else f"Not ready: {u.not_ready}"


class ReadyUnitModel(RowTableModel[ReadyUnit]):
    """Cameras that could go out with the incoming shift; rows can be dragged."""

    COL_TAG, COL_MODEL, COL_FOR, COL_READY = range(4)
    columns = (
        Column("Camera", lambda u: u.asset_tag),
        Column("Model", lambda u: u.model),
        Column("Assigned", lambda u: u.assignee, "Whose camera it is now: an officer, a pool"),
        Column("Readiness", _readiness, "From the dock: charged, uploaded, up to date"),
    )

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid():
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def mimeTypes(self) -> list[str]:
        return [UNIT_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        units = [self.row_at(r) for r in rows]
        return encode_unit_ids([u.id for u in units], [u.asset_tag for u in units])

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def foreground(self, row: ReadyUnit, column: int) -> str | None:
        return None if row.ready else "#6b7280"

    def tooltip(self, row: ReadyUnit, column: int) -> str:
        if not row.ready:
            return f"The dock holds it back: {row.not_ready}"
        return "Drag it onto an incoming officer to make it their primary camera."


class IncomingOfficerModel(RowTableModel[OfficerRow]):
    """The incoming shift's officers; a camera dropped on a row is offered to that officer
    (``units_dropped``). The model only reports the drop: the view asks for confirmation and
    the service does the assigning."""

    units_dropped = Signal(list, object)  # unit ids, the OfficerRow dropped on

    COL_BADGE, COL_NAME, COL_DIVISION, COL_PRIMARY, COL_HOLDING = range(5)
    columns = (
        Column("Badge", lambda o: o.badge),
        Column("Name", lambda o: o.name),
        Column("Division", lambda o: o.division),
        Column("Primary camera", lambda o: o.primary_unit or "none"),
        Column("Holds now", lambda o: o.holding),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.drops_enabled = True

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and self.drops_enabled:
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        return flags

    def mimeTypes(self) -> list[str]:
        return [UNIT_MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        # Copy only: the ready list keeps its row until the assignment is written and the
        # board refreshed, whatever the drag's source would like to do with it.
        return Qt.DropAction.CopyAction

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        target = self._target(row, parent)
        return self.drops_enabled and target is not None and bool(decode_unit_ids(data))

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        if action == Qt.DropAction.IgnoreAction:
            return True
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        target = self._target(row, parent)
        assert target is not None
        self.units_dropped.emit(decode_unit_ids(data), target)
        return True

    def _target(self, row: int, parent: Index) -> OfficerRow | None:
        """The officer row dropped on: the parent index for a drop on an item (what the view
        gives), or the row for a drop between rows of a flat table."""
        if parent.isValid() and 0 <= parent.row() < self.rowCount():
            return self.row_at(parent.row())
        if 0 <= row < self.rowCount() and not parent.isValid():
            return self.row_at(row)
        return None

    def foreground(self, row: OfficerRow, column: int) -> str | None:
        if column == self.COL_PRIMARY and not row.primary_unit:
            return "#b45309"
        return None

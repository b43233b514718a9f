"""Every Qt model of the UI through qtmodeltester, then what it shows: the text of the cells,
the colours, tooltips and alignment where the model sets them, the sort order. The last test
finds every model class in bwc_desk.ui and fails when one has no test here."""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
from datetime import UTC, date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

from bwc_desk.domain.events import EventKind
from bwc_desk.domain.units import UnitStatus
from bwc_desk.services.assignments import PoolRow
from bwc_desk.services.counter import NotDockedRow
from bwc_desk.services.dto import EventRow, OfficerRow, UnitRow
from bwc_desk.ui.models.assignment_models import AssignmentUnitModel, PoolTableModel
from bwc_desk.ui.models.filter_proxy import FilterProxy
from bwc_desk.ui.models.history_table_model import HistoryTableModel
from bwc_desk.ui.models.not_docked_model import NotDockedModel
from bwc_desk.ui.models.table_model import ROW_ROLE, Column, RowTableModel, text_of
from bwc_desk.ui.widgets import FilteredTable

DISPLAY = Qt.ItemDataRole.DisplayRole
FG = Qt.ItemDataRole.ForegroundRole
BG = Qt.ItemDataRole.BackgroundRole
TIP = Qt.ItemDataRole.ToolTipRole
ALIGN = Qt.ItemDataRole.TextAlignmentRole
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
T0 = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)


def cell(model: QAbstractItemModel, row: int, column: int, role: Any = DISPLAY) -> Any:
    return model.index(row, column).data(role)


def colour(model: QAbstractItemModel, row: int, column: int, role: Any = FG) -> str | None:
    brush = cell(model, row, column, role)
    return None if brush is None else brush.color().name()


def column_texts(model: QAbstractItemModel, column: int) -> list[str]:
    return [cell(model, r, column) for r in range(model.rowCount())]


def headers(model: QAbstractItemModel) -> list[str]:
    return [
        model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())
    ]


ASC = Qt.SortOrder.AscendingOrder
DESC = Qt.SortOrder.DescendingOrder


def view_of(qtbot: Any, qtmodeltester: Any, model: RowTableModel[Any]) -> FilteredTable:
    """The model in the table every view shows it in: a FilterProxy under a sortable
    QTableView. qtmodeltester stays attached to the proxy and checks every change after."""
    table = FilteredTable(model)
    qtbot.addWidget(table)
    qtmodeltester.check(table.proxy)
    return table


def shown(table: FilteredTable, column: int = 0) -> list[str]:
    """A column's texts in the order the user sees them."""
    return column_texts(table.proxy, column)


def sort_view(table: FilteredTable, column: int, order: Qt.SortOrder = ASC,
              shown_column: int = 0) -> list[str]:
    """A click on a column's header (ascending, or a second click: descending), then what
    the table shows."""
    table.table.sortByColumn(column, order)
    assert table.proxy.sortColumn() == column and table.proxy.sortOrder() == order
    return shown(table, shown_column)


# --- the base model, with a table of its own ----------------------------------------------------
class _Thing:
    def __init__(self, id: int, name: str, count: int | None, flag: bool) -> None:
        self.id, self.name, self.count, self.flag = id, name, count, flag


class _ThingModel(RowTableModel[_Thing]):
    columns = (
        Column("Name", lambda t: t.name, "What it is called"),
        Column("Count", lambda t: t.count, align_right=True),
        Column("Flag", lambda t: t.flag),
    )


def test_row_table_model_texts_sort_and_persistent_rows(qtbot, qtmodeltester):
    model = _ThingModel()
    model.set_rows(_ThingModel.prepare([_Thing(1, "bravo", 10, True),
                                        _Thing(2, "Alpha", None, False),
                                        _Thing(3, "charlie", 9, True)]))
    qtmodeltester.check(model)
    assert headers(model) == ["Name", "Count", "Flag"]
    assert model.headerData(0, Qt.Orientation.Horizontal, TIP) == "What it is called"
    assert model.headerData(1, Qt.Orientation.Horizontal, TIP) is None
    assert [cell(model, 0, c) for c in range(3)] == ["bravo", "10", "Yes"]
    assert cell(model, 1, 1) == "" and cell(model, 1, 2) == "No"
    assert cell(model, 0, 1, ALIGN) == RIGHT and cell(model, 0, 0, ALIGN) is None
    # Sorting is the view's (its proxy's): the model keeps the rows in the order they came.
    table = view_of(qtbot, qtmodeltester, model)
    assert sort_view(table, -1) == ["bravo", "Alpha", "charlie"]
    # "Alpha", selected in the view: the selection stays on it through a sort.
    persistent = QPersistentModelIndex(table.proxy.index(1, 0))
    assert sort_view(table, 1) == ["charlie", "bravo", "Alpha"]  # 9 before 10, blanks last
    assert persistent.data() == "Alpha" and persistent.row() == 2
    assert sort_view(table, 0, DESC) == ["charlie", "bravo", "Alpha"]  # without regard to case
    assert sort_view(table, 0) == ["Alpha", "bravo", "charlie"]
    assert column_texts(model, 0) == ["bravo", "Alpha", "charlie"]
    model.upsert([_Thing(4, "delta", 1, False)])  # a new row: at the end of the model,
    model.upsert([_Thing(1, "bravo two", 11, True)])  # shown at its place in the sort
    model.upsert([_Thing(5, "aaron", 2, False)])
    assert shown(table) == ["aaron", "Alpha", "bravo two", "charlie", "delta"]
    assert column_texts(model, 0) == ["bravo two", "Alpha", "charlie", "delta", "aaron"]
    assert [cell(table.proxy, 2, c) for c in range(3)] == ["bravo two", "11", "Yes"]
    assert cell(table.proxy, 2, 1, ALIGN) == RIGHT and cell(table.proxy, 2, 0, ALIGN) is None
    assert model.widest(0)[0] == "bravo two"
    qtmodeltester.check(model)
    assert text_of(date(2026, 11, 24)) == "2026-11-24" and text_of(("a", "b")) == "a, b"


def test_blank_cells_sort_last_both_ways_and_ties_keep_the_models_order(qtbot, qtmodeltester):
    """Newest first on "Last custody event" puts the cameras used last on top, not the ones
    that never had an event; rows that tie stay in the order they came, whichever way."""
    things = [_Thing(1, "a", None, True), _Thing(2, "b", 5, True), _Thing(3, "c", 7, True),
              _Thing(4, "d", None, False), _Thing(5, "e", 5, False)]
    for column in (-1, 1):  # sorted here, or in the order the worker computed
        model = _ThingModel()
        model.set_rows(_ThingModel.prepare(things, sort_column=column))
        table = view_of(qtbot, qtmodeltester, model)
        assert sort_view(table, 1, DESC) == ["c", "b", "e", "a", "d"]
        assert sort_view(table, 1) == ["b", "e", "c", "a", "d"]
        assert sort_view(table, 1, DESC) == ["c", "b", "e", "a", "d"]
    # Patched rows find their place among them, blanks still last (in the model's order).
    model.patch(_ThingModel.prepare([_Thing(6, "f", None, True), _Thing(2, "b", None, True),
                                     _Thing(7, "g", 5, True)]))
    assert shown(table) == ["c", "e", "g", "a", "b", "d", "f"]
    model.upsert([_Thing(4, "d", 9, False)])  # a first value: from the bottom to the top
    assert shown(table) == ["d", "c", "e", "g", "a", "b", "f"]
    model.remove([3, 1])
    assert shown(table) == ["d", "e", "g", "b", "f"]
    table.proxy.set_text("g")  # filtered, then widened again: the same order
    assert shown(table) == ["g"]
    table.proxy.set_text("")
    assert shown(table) == ["d", "e", "g", "b", "f"]
    qtmodeltester.check(table.proxy)


# --- Inventory ----------------------------------------------------------------------------------
def _units() -> list[UnitRow]:
    return [
        UnitRow(1, "HPD-BWC-0002", "X60A0002", "Axon Body 3", "1.4.2", UnitStatus.ISSUED,
                primary_officer="Smith, John (0412)", holder="Smith, John (0412)",
                last_event="issued", last_event_at=T0, warranty_until=date(2028, 1, 31)),
        UnitRow(2, "HPD-BWC-0001", "X60A0001", "Axon Body 3", "1.4.2", UnitStatus.AVAILABLE,
                pool="Patrol North", dock_bay="Dock 1 / bay 4", last_event="docked",
                last_event_at=T0 + timedelta(hours=2), location="Dock room"),
        UnitRow(3, "HPD-BWC-0010", "WG-000310", "WatchGuard V300", "3.0", UnitStatus.IN_REPAIR,
                status_reason="cracked lens, sent to the vendor", location="Cage B, shelf 3"),
        UnitRow(4, "HPD-BWC-0003", "X60A0003", "Axon Body 3", "1.3.9", UnitStatus.RETIRED),
    ]


def test_unit_model_shows_holder_status_and_last_event(qtbot, qtmodeltester):
    from bwc_desk.ui.models.unit_table_model import UnitTableModel

    model = UnitTableModel()
    model.set_rows(UnitTableModel.prepare(_units()))
    qtmodeltester.check(model)
    assert headers(model)[:2] == ["Asset tag", "Serial"]
    assert [cell(model, 0, c) for c in range(model.columnCount())] == [
        "HPD-BWC-0002", "X60A0002", "Axon Body 3", "1.4.2", "issued", "Out: Smith, John (0412)",
        "", "", f"issued {text_of(T0)}", "2028-01-31",
    ]
    assert cell(model, 1, UnitTableModel.COL_HOLDER) == "Pool: Patrol North"
    assert cell(model, 1, UnitTableModel.COL_BAY) == "Dock 1 / bay 4"
    assert headers(model)[UnitTableModel.COL_LOCATION] == "Kept at"
    assert cell(model, 1, UnitTableModel.COL_LOCATION) == "Dock room"
    assert cell(model, 2, UnitTableModel.COL_LOCATION) == "Cage B, shelf 3"
    assert colour(model, 0, UnitTableModel.COL_STATUS) == "#1d4ed8"
    assert colour(model, 0, UnitTableModel.COL_TAG) is None
    assert colour(model, 2, UnitTableModel.COL_STATUS) == "#b45309"
    assert cell(model, 2, UnitTableModel.COL_STATUS, TIP) == "cracked lens, sent to the vendor"
    assert cell(model, 0, UnitTableModel.COL_STATUS, TIP) is None
    assert cell(model, 3, 0, ROW_ROLE).status is UnitStatus.RETIRED
    table = view_of(qtbot, qtmodeltester, model)
    assert sort_view(table, UnitTableModel.COL_TAG) == [
        "HPD-BWC-0001", "HPD-BWC-0002", "HPD-BWC-0003", "HPD-BWC-0010"]
    # On the time itself, blanks last: oldest first, then newest first (the cameras used
    # last on top, never-used ones at the bottom either way).
    assert sort_view(table, UnitTableModel.COL_LAST) == [
        "HPD-BWC-0002", "HPD-BWC-0001", "HPD-BWC-0010", "HPD-BWC-0003"]
    assert sort_view(table, UnitTableModel.COL_LAST, DESC) == [
        "HPD-BWC-0001", "HPD-BWC-0002", "HPD-BWC-0010", "HPD-BWC-0003"]
    assert colour(table.proxy, 1, UnitTableModel.COL_STATUS) == "#1d4ed8"  # follows its row
    # By place: the cage's shelves, then the dock room (cameras with no place after them).
    assert sort_view(table, UnitTableModel.COL_LOCATION)[:2] == ["HPD-BWC-0010", "HPD-BWC-0001"]
    qtmodeltester.check(model)


def test_filter_proxy_filters_on_every_column_and_sorts_on_prepared_keys(qtbot, qtmodeltester):
    from bwc_desk.ui.models.unit_table_model import UnitTableModel

    model = UnitTableModel()
    model.set_rows(UnitTableModel.prepare(_units()))
    proxy = model_class("FilterProxy")()
    assert isinstance(proxy, FilterProxy)
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == 4
    proxy.set_text("axon 1.4")  # every word somewhere in the row, any case
    assert sorted(column_texts(proxy, 0)) == ["HPD-BWC-0001", "HPD-BWC-0002"]
    proxy.set_text("smith")  # the holder column
    assert column_texts(proxy, 0) == ["HPD-BWC-0002"]
    assert proxy.source_row(0).serial == "X60A0002"
    proxy.set_text("cage b")  # the location column
    assert column_texts(proxy, 0) == ["HPD-BWC-0010"]
    # A letter after a word goes with that word, not with the B of every "BWC" tag.
    proxy.set_text("cage a")
    assert column_texts(proxy, 0) == []
    proxy.set_text("axon b")  # on the way to "axon body"
    assert sorted(column_texts(proxy, 0)) == ["HPD-BWC-0001", "HPD-BWC-0002", "HPD-BWC-0003"]
    proxy.set_text("b")  # alone, as the first key typed, it matches anywhere
    assert proxy.rowCount() == 4
    proxy.set_text("")
    proxy.set_predicate(lambda u: u.status is not UnitStatus.RETIRED)
    assert proxy.rowCount() == 3
    proxy.sort(UnitTableModel.COL_TAG, DESC)
    assert column_texts(proxy, 0) == ["HPD-BWC-0010", "HPD-BWC-0002", "HPD-BWC-0001"]
    # Sorted in the proxy, on the keys prepared with the rows: the model keeps its order.
    assert column_texts(model, 0) == ["HPD-BWC-0002", "HPD-BWC-0001", "HPD-BWC-0010",
                                      "HPD-BWC-0003"]
    assert cell(proxy, 0, UnitTableModel.COL_STATUS, TIP) == "cracked lens, sent to the vendor"
    assert colour(proxy, 0, UnitTableModel.COL_STATUS) == "#b45309"
    assert cell(proxy, 1, 0, ROW_ROLE).asset_tag == "HPD-BWC-0002"
    model.upsert([UnitRow(5, "HPD-BWC-0020", "X60A0020", "Axon Body 3", "1.4.2",
                          UnitStatus.AVAILABLE)])
    # A new row passes the filter it meets, and is shown at its place in the sort.
    assert column_texts(proxy, 0) == ["HPD-BWC-0020", "HPD-BWC-0010", "HPD-BWC-0002",
                                      "HPD-BWC-0001"]
    model.remove([5])
    assert "HPD-BWC-0020" not in column_texts(proxy, 0)
    # In a table: the rows a view shows go through the same proxy.
    table = view_of(qtbot, qtmodeltester, model)
    assert isinstance(table.proxy, FilterProxy)
    qtmodeltester.check(proxy)


def test_a_row_changed_out_of_the_filter_leaves_the_proxy(qtbot, qtmodeltester):
    """Views patch rows in place instead of reloading: a camera issued while the Inventory
    shows "available" ones only must leave the list, and one returned join it, at its place
    in the sort; the same for a row that stops (or starts) matching the filter text."""
    from bwc_desk.ui.models.unit_table_model import UnitTableModel

    model = UnitTableModel()
    model.set_rows(UnitTableModel.prepare(_units()))
    table = view_of(qtbot, qtmodeltester, model)
    sort_view(table, UnitTableModel.COL_TAG)
    table.proxy.set_predicate(lambda u: u.status is UnitStatus.AVAILABLE)
    assert shown(table) == ["HPD-BWC-0001"]
    # As the views' reads bring them: prepared, then patched in (LiveRows).
    model.patch(UnitTableModel.prepare([UnitRow(2, "HPD-BWC-0001", "X60A0001", "Axon Body 3",
                                                "1.4.2", UnitStatus.ISSUED,
                                                holder="Smith, John (0412)")]))
    model.patch(UnitTableModel.prepare([UnitRow(1, "HPD-BWC-0002", "X60A0002", "Axon Body 3",
                                                "1.4.2", UnitStatus.AVAILABLE)]))
    assert shown(table) == ["HPD-BWC-0002"]
    model.upsert([UnitRow(4, "HPD-BWC-0003", "X60A0003", "Axon Body 3", "1.3.9",
                          UnitStatus.AVAILABLE)])  # back from retirement: shown in its place
    assert shown(table) == ["HPD-BWC-0002", "HPD-BWC-0003"]
    table.proxy.set_predicate(None)
    table.proxy.set_text("smith")
    assert shown(table) == ["HPD-BWC-0001"]
    model.patch(UnitTableModel.prepare([UnitRow(2, "HPD-BWC-0001", "X60A0001", "Axon Body 3",
                                                "1.4.2", UnitStatus.AVAILABLE)]))
    assert shown(table) == []  # returned: Smith no longer holds it
    model.patch(UnitTableModel.prepare([UnitRow(3, "HPD-BWC-0010", "WG-000310",
                                                "WatchGuard V300", "3.0", UnitStatus.ISSUED,
                                                holder="Smith, John (0412)")]))
    assert shown(table) == ["HPD-BWC-0010"]
    assert table.count_label.text() == "1 of 4"
    qtmodeltester.check(table.proxy)


# --- Assignments: the roster, cameras and pools ---------------------------------------------------
def _officers() -> list[OfficerRow]:
    return [
        OfficerRow(1, "0412", "Smith", "John", "Officer", "Patrol North", "Day", True, "B0412",
                   primary_unit="HPD-BWC-0002", holding=("HPD-BWC-0002",)),
        OfficerRow(2, "0007", "Jones", "Ann", "Sergeant", "Traffic", "Evening", False, "B0007",
                   holding=("HPD-BWC-0044",)),
        OfficerRow(3, "1203", "Garcia", "Luis", "Officer", "Patrol North", "Night", True,
                   "B1203", holding=("HPD-BWC-0031",), overdue=("HPD-BWC-0031",)),
        OfficerRow(4, "0950", "Brown", "Kim", "Detective", "Investigations", "Day", False,
                   "B0950"),
    ]


def test_officer_model_marks_who_must_be_acted_on(qtbot, qtmodeltester):
    from bwc_desk.ui.models.officer_table_model import OfficerTableModel

    model = OfficerTableModel()
    model.set_rows(OfficerTableModel.prepare(_officers()))
    qtmodeltester.check(model)
    assert [cell(model, 0, c) for c in range(model.columnCount())] == [
        "0412", "Smith, John", "Officer", "Patrol North", "Day", "Yes", "HPD-BWC-0002",
        "HPD-BWC-0002",
    ]
    col = OfficerTableModel
    assert column_texts(model, col.COL_ACTIVE) == ["Yes", "No - holding", "Yes", "No"]
    # Deactivated and still holding a camera: red on red, with what to do.
    assert colour(model, 1, col.COL_NAME) == "#b91c1c"
    assert colour(model, 1, col.COL_NAME, BG) == "#fee2e2"
    assert "get it back at the counter" in cell(model, 1, col.COL_BADGE, TIP)
    # Overdue: the holding column in red, the reason in the tooltip.
    assert colour(model, 2, col.COL_HOLDING) == "#b91c1c"
    assert colour(model, 2, col.COL_NAME) is None
    assert cell(model, 2, col.COL_NAME, TIP) == "Overdue: HPD-BWC-0031"
    # Deactivated, nothing out: grey, no background, no tooltip.
    assert colour(model, 3, col.COL_NAME) == "#6b7280"
    assert cell(model, 3, col.COL_NAME, BG) is None and cell(model, 3, 0, TIP) is None
    assert colour(model, 0, col.COL_NAME) is None and cell(model, 0, 0, BG) is None
    table = view_of(qtbot, qtmodeltester, model)
    assert sort_view(table, col.COL_NAME, shown_column=col.COL_NAME) == [
        "Brown, Kim", "Garcia, Luis", "Jones, Ann", "Smith, John"]
    assert colour(table.proxy, 0, col.COL_NAME) == "#6b7280"  # the colours follow the rows
    assert colour(table.proxy, 2, col.COL_NAME, BG) == "#fee2e2"
    assert sort_view(table, col.COL_BADGE, DESC, col.COL_BADGE) == [
        "1203", "0950", "0412", "0007"]
    assert cell(table.proxy, 0, col.COL_NAME, TIP) == "Overdue: HPD-BWC-0031"


def test_assignment_unit_model_says_whose_camera_it_is(qtbot, qtmodeltester):
    model = AssignmentUnitModel()
    model.set_rows(AssignmentUnitModel.prepare(_units()))
    qtmodeltester.check(model)
    col = AssignmentUnitModel
    assert column_texts(model, col.COL_KIND) == ["Officer", "Pool", "Spare", ""]
    assert cell(model, 0, col.COL_OFFICER) == "Smith, John (0412)"
    assert cell(model, 0, col.COL_OUT) == "Smith, John (0412)"
    assert cell(model, 1, col.COL_POOL) == "Patrol North"
    assert model.headerData(col.COL_KIND, Qt.Orientation.Horizontal, TIP) == (
        "Officer's primary camera, in a pool, or a spare")
    assert colour(model, 3, col.COL_TAG) == "#6b7280"  # retired: grey all along
    assert colour(model, 2, col.COL_STATUS) == "#b45309"  # in repair: the status stands out
    assert colour(model, 2, col.COL_TAG) is None
    table = view_of(qtbot, qtmodeltester, model)
    assert sort_view(table, col.COL_KIND, shown_column=col.COL_KIND) == [
        "Officer", "Pool", "Spare", ""]
    assert sort_view(table, col.COL_KIND, DESC, col.COL_KIND) == [
        "Spare", "Pool", "Officer", ""]  # a retired camera is no one's: last either way
    assert sort_view(table, col.COL_TAG, DESC) == [
        "HPD-BWC-0010", "HPD-BWC-0003", "HPD-BWC-0002", "HPD-BWC-0001"]
    assert colour(table.proxy, 1, col.COL_TAG) == "#6b7280"


def test_pool_model_shows_any_for_an_open_pool(qtbot, qtmodeltester):
    model = PoolTableModel()
    model.set_rows([PoolRow(1, "Patrol North", "Patrol North", "Day", 12),
                    PoolRow(2, "Spares", "", "", 3)])
    qtmodeltester.check(model)
    assert headers(model) == ["Pool", "Division", "Shift", "Cameras"]
    assert [cell(model, 1, c) for c in range(4)] == ["Spares", "any", "any", "3"]
    assert cell(model, 0, PoolTableModel.COL_UNITS, ALIGN) == RIGHT
    # (The Cameras page lists pools in the service's order; in a sortable table, the count
    # sorts as a number: 3 before 12.)
    table = view_of(qtbot, qtmodeltester, model)
    assert sort_view(table, PoolTableModel.COL_UNITS) == ["Spares", "Patrol North"]


# --- the counter -------------------------------------------------------------------------------
def test_not_docked_model_counts_the_wait_in_words(qtbot, qtmodeltester):
    rows = [
        NotDockedRow(7, "HPD-BWC-0007", "Smith, John (0412)", T0, "quinn", minutes=95),
        NotDockedRow(8, "HPD-BWC-0008", "Jones, Ann (0007)", T0, "quinn", minutes=12),
        NotDockedRow(9, "HPD-BWC-0009", "Garcia, Luis (1203)", T0, "sam", minutes=1600),
    ]
    model = NotDockedModel()
    model.set_rows(rows)  # (as the counter does: few rows, prepared here)
    qtmodeltester.check(model)
    col = NotDockedModel
    assert column_texts(model, col.COL_WAITING) == ["1 h 35 min", "12 min", "1 d 2 h"]
    assert cell(model, 0, col.COL_WAITING, ALIGN) == RIGHT
    assert cell(model, 0, col.COL_RETURNED) == text_of(T0)
    assert cell(model, 2, col.COL_BY) == "sam"
    table = view_of(qtbot, qtmodeltester, model)
    # On the minutes, not the text ("1 d 2 h" < "12 min" as text): the longest wait on top.
    assert sort_view(table, col.COL_WAITING, DESC) == [
        "HPD-BWC-0009", "HPD-BWC-0007", "HPD-BWC-0008"]
    assert cell(table.proxy, 0, col.COL_WAITING) == "1 d 2 h"
    model.remove([7])  # keyed on the unit: the row goes when the camera is docked
    assert shown(table) == ["HPD-BWC-0009", "HPD-BWC-0008"]
    assert column_texts(model, col.COL_TAG) == ["HPD-BWC-0008", "HPD-BWC-0009"]
    qtmodeltester.check(model)


def test_checkout_model_shows_overdue_rows_and_sorts_on_the_due_time(qtbot, qtmodeltester,
                                                                     monkeypatch):
    from bwc_desk.services.dto import CheckoutRow
    from bwc_desk.ui.models.checkout_table_model import CheckoutTableModel

    now = T0 + timedelta(hours=14)
    monkeypatch.setattr(CheckoutTableModel, "clock", staticmethod(lambda: now))
    rows = [
        CheckoutRow(1, 1, "HPD-BWC-0002", 1, "Smith, John", "0412", "Day", T0,
                    T0 + timedelta(hours=10), "quinn", "DESK-1"),
        CheckoutRow(2, 2, "HPD-BWC-0044", 2, "Jones, Ann", "0007", "Evening", now,
                    now + timedelta(hours=10), "sam", "DESK-2"),
        CheckoutRow(3, 3, "HPD-BWC-0031", 3, "Garcia, Luis", "1203", "Day", T0,
                    T0 + timedelta(hours=8), "quinn", "DESK-1"),
    ]
    model = CheckoutTableModel()
    model.set_rows(CheckoutTableModel.prepare(rows))
    qtmodeltester.check(model)
    col = CheckoutTableModel
    assert [cell(model, 0, c) for c in range(model.columnCount())] == [
        "HPD-BWC-0002", "Smith, John", "0412", text_of(T0), text_of(T0 + timedelta(hours=10)),
        "overdue 4 h 00 min", "quinn at DESK-1",
    ]
    assert column_texts(model, col.COL_OVERDUE) == ["overdue 4 h 00 min", "",
                                                    "overdue 6 h 00 min"]
    assert colour(model, 0, col.COL_TAG, BG) == "#fee2e2"
    assert colour(model, 0, col.COL_OFFICER) == "#991b1b"
    assert colour(model, 1, col.COL_TAG, BG) is None and colour(model, 1, col.COL_TAG) is None
    assert model.overdue_count() == 2
    table = view_of(qtbot, qtmodeltester, model)
    # On the due time, not the text: the longest overdue first.
    assert sort_view(table, col.COL_OVERDUE) == ["HPD-BWC-0031", "HPD-BWC-0002", "HPD-BWC-0044"]
    assert [colour(table.proxy, r, col.COL_TAG, BG) for r in range(3)] == [
        "#fee2e2", "#fee2e2", None]


# --- custody history ----------------------------------------------------------------------------
def _events() -> list[EventRow]:
    return [
        EventRow(41, T0, EventKind.ISSUED, 1, "HPD-BWC-0002", 1, "Smith, John (0412)", "quinn",
                 "DESK-1", "", {"officer_id": 1, "officer": "Smith, John (0412)",
                                "function_test": {"powers_on": True, "records": False,
                                                  "note": "no audio"},
                                "signature": "data:image/png;base64,..."}),
        EventRow(42, T0 + timedelta(hours=9), EventKind.RETURNED, 1, "HPD-BWC-0002", 1,
                 "Smith, John (0412)", "quinn", "DESK-2", "", {"late": True}),
        EventRow(43, T0 + timedelta(hours=10), EventKind.CORRECTION, 1, "HPD-BWC-0002", None, "",
                 "sam", "DESK-1", "scanned the wrong camera", {"changes": {"status": ["issued",
                                                                                     "available"]}},
                 corrects_seq=41),
    ]


def test_event_model_describes_each_record(qtbot, qtmodeltester):
    from bwc_desk.ui.models.event_table_model import EventTableModel

    model = EventTableModel()
    model.set_rows(EventTableModel.prepare(_events()))
    qtmodeltester.check(model)
    col = EventTableModel
    assert headers(model)[:4] == ["#", "When", "What", "Camera"]
    assert [cell(model, 0, c) for c in range(col.COL_REASON)] == [
        "41", text_of(T0), "issued", "HPD-BWC-0002", "Smith, John (0412)", "quinn", "DESK-1",
    ]
    assert cell(model, 0, col.COL_DETAILS) == (
        "officer: Smith, John (0412); function test FAILED; signature captured")
    assert cell(model, 1, col.COL_DETAILS) == "late: True"
    assert cell(model, 2, col.COL_REASON) == "scanned the wrong camera (corrects #41)"
    assert cell(model, 2, col.COL_DETAILS) == "status: issued -> available"
    assert colour(model, 2, col.COL_KIND) == "#7c3aed"  # corrections stand out
    assert colour(model, 0, col.COL_KIND) is None
    assert cell(model, 0, col.COL_SEQ, ALIGN) == RIGHT
    assert model.headerData(col.COL_SEQ, Qt.Orientation.Horizontal, TIP) == (
        "Position in the custody ledger")
    table = view_of(qtbot, qtmodeltester, model)
    assert sort_view(table, col.COL_SEQ, DESC, col.COL_SEQ) == ["43", "42", "41"]
    assert colour(table.proxy, 0, col.COL_KIND) == "#7c3aed"
    assert model.position(41) == 0 and model.position(43) == 2  # keyed on the ledger position
    model.remove([42])
    assert shown(table, col.COL_SEQ) == ["43", "41"]


def test_history_model_pages_back_and_merges_newer_events(qtbot, qtmodeltester):
    events = _events()
    newest_first = list(reversed(events))
    model = HistoryTableModel()
    assert "Camera" not in headers(model)  # one camera's history: no camera column
    model.set_first_page(HistoryTableModel.prepare(newest_first[:2]), has_more=True)
    assert column_texts(model, HistoryTableModel.COL_SEQ) == ["43", "42"]
    assert cell(model, 0, HistoryTableModel.COL_REASON) == "scanned the wrong camera (corrects #41)"
    assert model.canFetchMore(QModelIndex())
    with qtbot.waitSignal(model.more_wanted) as asked:
        model.fetchMore(QModelIndex())
    assert asked.args == [42]  # page back from the oldest row shown
    assert not model.canFetchMore(QModelIndex())  # asked once, not on every scroll
    model.append_page(HistoryTableModel.prepare(newest_first[1:]), has_more=False)
    assert column_texts(model, HistoryTableModel.COL_SEQ) == ["43", "42", "41"]  # no duplicate
    assert not model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)
    later = EventRow(44, T0 + timedelta(days=1), EventKind.DOCKED, 1, "HPD-BWC-0002", None, "",
                     "", "DESK-1", "", {"bay": "Dock 1 / bay 4"})
    added = model.merge_newer(HistoryTableModel.prepare([later, *newest_first[:2]]), True)
    assert added == 1
    assert column_texts(model, HistoryTableModel.COL_SEQ) == ["44", "43", "42", "41"]
    assert cell(model, 0, HistoryTableModel.COL_DETAILS) == "bay: Dock 1 / bay 4"
    qtmodeltester.check(model)


# --- every model has a test ---------------------------------------------------------------------
def _case(id: int, target: str, age: int, closed: bool = False, **kw: Any) -> Any:
    from bwc_desk.services.repairs import RepairCaseRow

    fields: dict[str, Any] = dict(
        id=id, target=target, unit_id=id, asset_tag=target, model="Axon Body 3", dock="",
        bay_no=None, source="damaged return", symptom="cracked lens", reported_by="sam",
        reported_at=T0, station="DESK-1", state="closed" if closed else "open", vendor="",
        rma="", sent_on=None, outcome="back" if closed else "", replacement_tag="",
        cost_cents=None, currency="USD", closed_at=T0 + timedelta(days=age) if closed else None,
        closed_by="sam" if closed else "", age_days=age, awaiting_test=closed,
    )
    fields.update(kw)
    return RepairCaseRow(**fields)


def test_repair_case_model_shows_age_state_and_cost(qtbot, qtmodeltester):
    from bwc_desk.ui.models.repair_models import RepairCaseModel as M

    model = M()
    model.set_rows(M.prepare([
        _case(1, "HPD-1", 45, cost_cents=12550),
        _case(2, "DOCK-A bay 2", 3, unit_id=None, source="inspection", state="at vendor",
              rma="RMA-9"),
        _case(3, "HPD-3", 12, closed=True),
    ]))
    qtmodeltester.check(model)
    assert cell(model, 0, M.COL_TARGET) == "HPD-1" and cell(model, 0, M.COL_AGE) == "45"
    assert cell(model, 0, M.COL_COST) == "USD 125.50"
    assert colour(model, 0, M.COL_AGE) == "#b91c1c"  # a month and more: in red
    assert colour(model, 1, M.COL_AGE) is None
    assert cell(model, 1, M.COL_STATE) == "at vendor" and cell(model, 1, M.COL_RMA) == "RMA-9"
    assert cell(model, 2, M.COL_STATE) == "closed: back (function test due)"
    assert colour(model, 2, M.COL_TARGET) == "#6b7280"
    assert "Reported by sam at DESK-1" in cell(model, 0, M.COL_TARGET, TIP)
    table = view_of(qtbot, qtmodeltester, model)
    assert sort_view(table, M.COL_AGE, shown_column=M.COL_TARGET) == [
        "DOCK-A bay 2", "HPD-3", "HPD-1"
    ]
    assert sort_view(table, M.COL_COST, shown_column=M.COL_TARGET)[0] == "HPD-1"
    table.filter_edit.setText("rma-9")
    table.apply_filter()
    assert shown(table, M.COL_TARGET) == ["DOCK-A bay 2"]


# Model class -> the test (here or in TEST_MODULES) that puts it through qtmodeltester and checks
# what it shows. A model added to the UI fails the last test until it has one.
TEST_MODULES = (
    "tests.test_ui_models_all",
    "tests.test_ui_models_more",
    "tests.test_ui_audit",
    "tests.test_ui_staff_locked_names",
    "tests.test_ui_lineup_preview",
)
COVERED = {
    "LineupModel": "test_the_preview_model_has_the_printed_columns_and_texts",
    "RowTableModel": "test_row_table_model_texts_sort_and_persistent_rows",
    "UnitTableModel": "test_unit_model_shows_holder_status_and_last_event",
    "FilterProxy": "test_filter_proxy_filters_on_every_column_and_sorts_on_prepared_keys",
    "OfficerTableModel": "test_officer_model_marks_who_must_be_acted_on",
    "AssignmentUnitModel": "test_assignment_unit_model_says_whose_camera_it_is",
    "PoolTableModel": "test_pool_model_shows_any_for_an_open_pool",
    "NotDockedModel": "test_not_docked_model_counts_the_wait_in_words",
    "CheckoutTableModel": "test_checkout_model_shows_overdue_rows_and_sorts_on_the_due_time",
    "EventTableModel": "test_event_model_describes_each_record",
    "HistoryTableModel": "test_history_model_pages_back_and_merges_newer_events",
    "AuditTableModel": "test_audit_model_shows_refusals_in_red",
    "StaffTableModel": "test_staff_model_shows_locked_and_disabled_accounts",
    "LockedNameTableModel": "test_locked_name_model_shows_the_name_or_why_not",
    "ImportPreviewModel": "test_import_preview_model_gives_each_line_its_verdict",
    "ReadyUnitModel": "test_ready_unit_model_drags_unit_ids_and_says_why_not_ready",
    "IncomingOfficerModel": "test_incoming_officer_model_takes_only_our_drops",
    "ProposalModel": "test_proposal_model_edits_the_incoming_officer_and_flags_doubles",
    "SyncPreviewModel": "test_sync_preview_model_shows_each_change_field_by_field",
    "AuditLineModel": "test_audit_line_model_shows_where_and_how_each_camera_was_seen",
    "CaseTableModel": "test_case_model_says_how_each_case_ended",
    "RepairCaseModel": "test_repair_case_model_shows_age_state_and_cost",
    "ReportTableModel": "test_report_table_model_takes_its_columns_from_the_report",
}


def model_class(name: str) -> Any:
    """A model class of the UI by its name, wherever it lives (models move between modules)."""
    return {path.rsplit(".", 1)[1]: cls for path, cls in ui_model_classes().items()}[name]


@functools.cache
def ui_model_classes() -> dict[str, type]:
    """Every QAbstractItemModel subclass (proxies included) defined in bwc_desk.ui."""
    import bwc_desk.ui

    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(bwc_desk.ui.__path__, "bwc_desk.ui."):
        module = importlib.import_module(info.name)
        for name, value in inspect.getmembers(module, inspect.isclass):
            if value.__module__ == module.__name__ and issubclass(value, QAbstractItemModel):
                found[f"{module.__name__}.{name}"] = value
    return found


def test_every_model_in_the_ui_is_covered_here():
    classes = ui_model_classes()
    names = {path.rsplit(".", 1)[1] for path in classes}
    assert len(names) == len(classes), "two models share a name: COVERED is keyed on names"
    missing = sorted(p for p in classes if p.rsplit(".", 1)[1] not in COVERED)
    assert not missing, f"models without a test in {TEST_MODULES}: {missing}"
    gone = sorted(set(COVERED) - names)
    assert not gone, f"COVERED names models that no longer exist: {gone}"
    tests = {}
    for module_name in TEST_MODULES:
        module = importlib.import_module(module_name)
        tests.update({n: f for n, f in vars(module).items() if n.startswith("test_")})
    for model, test in COVERED.items():
        assert test in tests, f"{model}: no test named {test} in {TEST_MODULES}"
        source = inspect.getsource(tests[test])
        assert "qtmodeltester.check(" in source and "assert " in source, (model, test)


def test_report_table_model_takes_its_columns_from_the_report(qtbot, qtmodeltester):
    from bwc_desk.services.reports.model import Table
    from bwc_desk.ui.models.report_table_model import table_model

    table = Table("days", "Per day", ("day", "shift", "late_returns"), (
        ("2026-11-24", "Day", 12), ("2026-11-24", "Night", 3), ("2026-11-25", "Day", 100)))
    cls, rows = table_model(table)
    model = cls()
    qtmodeltester.check(model)
    view = view_of(qtbot, qtmodeltester, model)
    model.set_rows(rows)
    assert headers(model) == ["day", "shift", "late returns"]
    assert column_texts(model, 2) == ["12", "3", "100"]
    assert cell(model, 0, 2, ALIGN) == RIGHT and cell(model, 0, 1, ALIGN) != RIGHT
    assert sort_view(view, 2, ASC, 2) == ["3", "12", "100"]  # numbers sort as numbers
    assert sort_view(view, 2, DESC, 1) == ["Day", "Day", "Night"]

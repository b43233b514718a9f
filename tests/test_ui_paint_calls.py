"""A table's paint asks its model for every role of every visible cell. Each question is a
call from Qt's C++ into Python, which must first take the GIL; while a worker prepares rows
it holds the GIL for up to the interpreter's switch interval each time, so the number of
calls a paint makes is what the main thread waits for. The model and the proxy answer all of
a cell's roles in one call (``multiData``), with the same answers as ``data()``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from PySide6.QtCore import QModelRoleData, QModelRoleDataSpan, Qt
from PySide6.QtWidgets import QTableView

from bwc_desk.ui.models.filter_proxy import FilterProxy
from bwc_desk.ui.models.table_model import ROW_ROLE, SORT_ROLE, Column, RowTableModel

ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.TextAlignmentRole,
    Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.CheckStateRole,
    SORT_ROLE,
    ROW_ROLE,
]


@dataclass(frozen=True)
class Item:
    id: int
    name: str
    n: int


class ItemModel(RowTableModel[Item]):
    columns = (Column("Name", lambda i: i.name), Column("N", lambda i: i.n, align_right=True))
    asked: Counter[str]

    def __init__(self) -> None:
        super().__init__()
        self.asked = Counter()

    def foreground(self, row: Item, column: int) -> str | None:
        return "#991b1b" if row.n % 2 else None

    def background(self, row: Item, column: int) -> str | None:
        return "#fee2e2" if row.n % 3 == 0 else None

    def tooltip(self, row: Item, column: int) -> str:
        return f"item {row.id}" if column == 0 else ""


class CountingProxy(FilterProxy):
    def __init__(self) -> None:
        super().__init__()
        self.asked: Counter[str] = Counter()

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
        self.asked["data"] += 1
        return super().data(index, role)

    def multiData(self, index, span):  # type: ignore[no-untyped-def]
        self.asked["multiData"] += 1
        super().multiData(index, span)


def _setup(qtmodeltester):  # type: ignore[no-untyped-def]
    model = ItemModel()
    model.set_rows(ItemModel.prepare([Item(i, f"name {i:03}", i) for i in range(1, 61)]))
    proxy = CountingProxy()
    proxy.setSourceModel(model)
    proxy.sort(0, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)
    return model, proxy


def _one(model, index, role):  # type: ignore[no-untyped-def]
    role_data = QModelRoleData(int(role))
    model.multiData(index, QModelRoleDataSpan(role_data))
    return role_data.data()


def _same(a, b) -> bool:  # type: ignore[no-untyped-def]
    if hasattr(a, "color") and hasattr(b, "color"):  # brushes: the same colour
        return bool(a.color() == b.color())
    return bool(a == b)


def test_multidata_answers_every_role_as_data_does(qtmodeltester):  # type: ignore[no-untyped-def]
    model, proxy = _setup(qtmodeltester)
    proxy.set_text("name 0")  # (a filter: the proxy's rows are not the model's)
    assert proxy.rowCount() == 60 and proxy.index(0, 0).data() == "name 060"
    proxy.set_text("5")
    assert proxy.rowCount() == 15
    for source in (model, proxy):
        for r in range(source.rowCount()):
            for c in range(source.columnCount()):
                index = source.index(r, c)
                for role in ROLES:
                    want, got = source.data(index, role), _one(source, index, role)
                    assert _same(got, want), (source, r, c, role, got, want)
    # Coloured cells: the colours a person sees.
    odd = proxy.index(0, 1)  # "name 059": n odd and not a multiple of 3
    assert _one(proxy, odd, Qt.ItemDataRole.DisplayRole) == "59"
    assert _one(proxy, odd, Qt.ItemDataRole.ForegroundRole).color().name() == "#991b1b"
    assert _one(proxy, odd, Qt.ItemDataRole.BackgroundRole) is None


def test_a_paint_asks_each_cell_once(qtbot, qtmodeltester):  # type: ignore[no-untyped-def]
    _model, proxy = _setup(qtmodeltester)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.resize(500, 300)
    view.show()
    qtbot.waitExposed(view)
    proxy.asked.clear()
    view.viewport().grab()  # one paint of the visible cells
    assert proxy.asked["multiData"] > 0
    assert proxy.asked["data"] == 0  # (not seven calls per cell, one per role)


class CallCounting(FilterProxy):
    """Counts every call Qt makes into the proxy's Python during a paint."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()

    def index(self, row, column, parent=None):  # type: ignore[no-untyped-def]
        self.calls["index"] += 1
        return super().index(row, column) if parent is None else super().index(row, column, parent)

    def flags(self, index):  # type: ignore[no-untyped-def]
        self.calls["flags"] += 1
        return super().flags(index)

    def mapToSource(self, proxy_index):  # type: ignore[no-untyped-def]
        self.calls["mapToSource"] += 1
        return super().mapToSource(proxy_index)

    def multiData(self, index, span):  # type: ignore[no-untyped-def]
        self.calls["multiData"] += 1
        super().multiData(index, span)


def test_a_paint_asks_the_proxy_three_times_a_cell(qtbot):  # type: ignore[no-untyped-def]
    """The index, the flags and every role at once: the flags of a plain model come from the
    proxy without mapping each cell to the source (which called back into Python twice)."""
    model = ItemModel()
    model.set_rows(ItemModel.prepare([Item(i, f"name {i:03}", i) for i in range(1, 61)]))
    proxy = CallCounting()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.resize(500, 300)
    view.show()
    qtbot.waitExposed(view)
    proxy.calls.clear()
    view.viewport().grab()
    cells = proxy.calls["multiData"]
    assert cells > 0
    assert proxy.calls["flags"] <= cells and proxy.calls["index"] <= 2 * cells
    assert proxy.calls["mapToSource"] == 0
    # The flags are the model's own.
    index = proxy.index(0, 0)
    assert proxy.flags(index) == model.flags(proxy.mapToSource(index))
    assert proxy.flags(proxy.index(0, 5)) == Qt.ItemFlag.NoItemFlags  # (no such column)


class Checkable(ItemModel):
    """A model with its own ``data`` and ``flags`` (as the shift change's proposal)."""

    def flags(self, index):  # type: ignore[no-untyped-def]
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else flags

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == 0:
            return Qt.CheckState.Checked if index.row() % 2 else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole and index.column() == 1:
            return f"#{super().data(index, role)}"
        return super().data(index, role)


def test_a_models_own_data_and_flags_reach_the_view_through_the_proxy(
    qtmodeltester,
):  # type: ignore[no-untyped-def]
    model = Checkable()
    model.set_rows(Checkable.prepare([Item(i, f"name {i:03}", i) for i in range(1, 11)]))
    proxy = FilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(0, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy)
    top = proxy.index(0, 0)  # "name 010": the model's row 9
    assert proxy.mapToSource(top).row() == 9
    assert proxy.flags(top) & Qt.ItemFlag.ItemIsUserCheckable
    assert not proxy.flags(proxy.index(0, 1)) & Qt.ItemFlag.ItemIsUserCheckable
    assert _one(proxy, top, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert _one(proxy, proxy.index(0, 1), Qt.ItemDataRole.DisplayRole) == "#10"
    assert _one(proxy, proxy.index(1, 1), Qt.ItemDataRole.DisplayRole) == "#9"
    assert _one(proxy, proxy.index(1, 0), Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked


def test_the_big_lists_answer_a_paint_in_one_pass(qtbot):  # type: ignore[no-untyped-def]
    """Inventory (25,000 units) and the roster (40,000 officers) repaint on every key typed
    in their filter box. Their models keep ``RowTableModel``'s own ``data``, so a paint takes
    ``fill_cell``'s one pass per cell; a model's own ``data`` costs a call per role (seven
    per cell): Inventory's old one made its full repaint take 35 ms instead of 20."""
    from bwc_desk.ui.models.officer_table_model import OfficerTableModel
    from bwc_desk.ui.models.unit_table_model import UnitTableModel
    from tests.test_ui_models_all import _units

    for big in (UnitTableModel, OfficerTableModel):
        assert big.data is RowTableModel.data, big
    # ... and Inventory's cells as a paint asks them: the colours and tips it always had.
    model = UnitTableModel()
    model.set_rows(UnitTableModel.prepare(_units()))
    proxy = FilterProxy()
    proxy.setSourceModel(model)
    status = UnitTableModel.COL_STATUS
    for r in range(proxy.rowCount()):
        for c in range(proxy.columnCount()):
            index = proxy.index(r, c)
            for role in ROLES:
                want, got = model.data(proxy.mapToSource(index), role), _one(proxy, index, role)
                assert _same(got, want), (r, c, role, got, want)
    issued = proxy.index(0, status)
    assert _one(proxy, issued, Qt.ItemDataRole.DisplayRole) == "issued"
    assert _one(proxy, issued, Qt.ItemDataRole.ForegroundRole).color().name() == "#1d4ed8"
    repair = proxy.index(2, status)
    assert _one(proxy, repair, Qt.ItemDataRole.ToolTipRole) == "cracked lens, sent to the vendor"

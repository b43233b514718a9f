"""Columns are sized from the widest text over the whole model, not from the first rows."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from bwc_desk.ui.models.table_model import Column, RowTableModel, widest_texts
from bwc_desk.ui.widgets import CELL_PADDING, ColumnFitter, FilteredTable


@dataclass(frozen=True)
class Tag:
    id: int
    tag: str
    note: str = ""


class TagModel(RowTableModel[Tag]):
    columns = (Column("Tag", lambda r: r.tag), Column("Note", lambda r: r.note))


LONG = "HPD-BWC-NORTH-PRECINCT-SPARE-000123"


def needed(view: QTableView, text: str) -> int:
    return view.fontMetrics().horizontalAdvance(text) + CELL_PADDING


def rows(n: int, long_at: int) -> list[Tag]:
    return [Tag(i, LONG if i == long_at else f"H{i % 10}") for i in range(n)]


def test_widest_texts_keeps_the_longest_of_every_column():
    texts = [("a", "xx"), ("abcd", "x"), ("ab", "xxx"), ("abcd", "")]
    widest = widest_texts(texts, 2, kept=2)
    assert widest[0] == ("abcd", "ab")
    assert widest[1][0] == "xxx"


def test_a_long_tag_far_down_the_list_widens_the_column(qtbot, qtmodeltester):
    model = TagModel()
    # 2,001 rows: a sample of every n-th row (the old way) skips the odd row the long one is in.
    model.set_rows(rows(2001, long_at=1337))
    qtmodeltester.check(model)
    table = FilteredTable(model)
    qtbot.addWidget(table)
    table.resize(1280, 600)
    table.fit_columns()
    view = table.table
    assert model.index(0, 0).data() == "H0"
    assert view.columnWidth(0) >= needed(view, LONG)


def test_the_column_grows_when_a_longer_row_arrives_later(qtbot, qtmodeltester):
    """A picker or a new agency's list fitted on one short row, then the rows change."""
    model = TagModel()
    model.set_rows([Tag(1, "HPD-1")])
    table = FilteredTable(model)
    qtbot.addWidget(table)
    table.fit_columns()
    view = table.table
    assert view.columnWidth(0) < needed(view, LONG)

    model.upsert([Tag(2, LONG)])  # a row added (another station's new camera)
    qtmodeltester.check(model)
    qtbot.waitUntil(lambda: view.columnWidth(0) >= needed(view, LONG))

    model.set_rows([Tag(1, "HPD-1"), Tag(3, "x"), Tag(4, LONG + "-B")])  # a reload
    qtbot.waitUntil(lambda: view.columnWidth(0) >= needed(view, LONG + "-B"))


def test_a_changed_row_widens_its_column(qtbot):
    model = TagModel()
    model.set_rows([Tag(1, "A"), Tag(2, "B")])
    table = FilteredTable(model)
    qtbot.addWidget(table)
    table.fit_columns()
    model.upsert([Tag(2, LONG)])  # replaced in place: dataChanged
    view = table.table
    qtbot.waitUntil(lambda: view.columnWidth(0) >= needed(view, LONG))


def test_a_column_the_user_resized_stays_as_the_user_set_it(qtbot):
    model = TagModel()
    model.set_rows([Tag(1, "A")])
    table = FilteredTable(model)
    qtbot.addWidget(table)
    table.fit_columns()
    header = table.table.horizontalHeader()
    header.resizeSection(0, 31)  # as a drag of the header's edge does
    model.upsert([Tag(2, LONG)])
    qtbot.waitUntil(lambda: not table.fitter._timer.isActive())
    assert header.sectionSize(0) == 31


def test_a_plain_view_over_a_row_model(qtbot):
    """The unit panel's history and the pools list are plain views with their own fitter."""
    model = TagModel()
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    fitter = ColumnFitter(view, model)
    model.set_rows([Tag(1, "A", "short"), Tag(2, "B", LONG)])
    qtbot.waitUntil(lambda: view.columnWidth(1) >= needed(view, LONG))
    title = view.horizontalHeader().fontMetrics().horizontalAdvance("Tag")
    assert view.columnWidth(0) >= title
    assert fitter.widths()[0] == view.columnWidth(0)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Tag"


def test_the_pools_list_is_wide_enough_for_its_columns(qtbot, admin_ctx):
    from bwc_desk.services import assignments
    from bwc_desk.ui.state import AppState
    from bwc_desk.ui.views.assignments_tab import AssignmentsTab

    assignments.create_pool(admin_ctx, "Community Services pool", "Community Services")
    tab = AssignmentsTab(AppState(admin_ctx))
    qtbot.addWidget(tab)
    tab.resize(1280, 680)
    tab.show()
    qtbot.waitExposed(tab)
    tab.pages.setCurrentWidget(tab.cameras)
    page = tab.cameras
    qtbot.waitUntil(lambda: page._pools_sized, timeout=10_000)
    view = page.pool_view
    qtbot.waitUntil(lambda: view.horizontalScrollBar().maximum() == 0, timeout=5_000)
    assert view.columnWidth(0) >= needed(view, "Community Services pool")
    tab.state.runner.shutdown()

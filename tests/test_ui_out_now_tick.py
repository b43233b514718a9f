"""The counter's minute tick re-reads Out now whole (the overdue texts move with the clock):
rows whose identity and order stayed are updated in place, so the quartermaster's selection,
current row and scroll position stay, whatever share of the rows changed. Only a reload whose
order really changed resets the model, and then the rows still there are selected again."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from bwc_desk.services import counter
from bwc_desk.services.dto import CheckoutRow
from bwc_desk.ui.models.checkout_table_model import CheckoutTableModel
from bwc_desk.ui.widgets import FilteredTable
from tests.test_ui_counter import desk  # noqa: F401 (the counter's fixture)

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
N = 500


def _rows(n: int = N) -> list[CheckoutRow]:
    """``n`` checkouts out now, every one overdue (by 1 to n minutes and some hours)."""
    return [
        CheckoutRow(
            id=i, unit_id=1000 + i, asset_tag=f"HPD-BWC-{i:04d}", officer_id=2000 + i,
            officer=f"Officer {i:04d}", badge=f"{i:04d}", shift="Day",
            issued_at=START - timedelta(hours=12, minutes=i),
            expected_return=START - timedelta(hours=i % 5, minutes=i),
            issued_by="quinn", station="COUNTER-1",
        )
        for i in range(1, n + 1)
    ]


@pytest.fixture
def now(monkeypatch):  # type: ignore[no-untyped-def]
    """The clock the Out now texts are prepared with, moved by the test."""
    at = [START]
    monkeypatch.setattr(CheckoutTableModel, "clock", staticmethod(lambda: at[0]))
    return at


def _table(qtbot, rows: list[CheckoutRow]) -> FilteredTable:  # type: ignore[no-untyped-def]
    model = CheckoutTableModel()
    model.set_rows(CheckoutTableModel.prepare(rows))
    table = FilteredTable(model, "Filter")
    qtbot.addWidget(table)
    table.resize(900, 300)
    table.show()
    qtbot.waitExposed(table)
    return table


def _select(table: FilteredTable, proxy_row: int) -> Any:
    """Select one row and make it current, as a click does; its key."""
    index = table.proxy.index(proxy_row, 0)
    table.table.selectionModel().setCurrentIndex(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    table.table.scrollTo(index)
    return table.model.key(table.proxy.source_row(proxy_row))


def _selected(table: FilteredTable) -> list[Any]:
    return sorted(r.id for r in table.selected_rows())


def _shown(table: FilteredTable) -> list[tuple[str, ...]]:
    proxy = table.proxy
    return [
        tuple(proxy.index(r, c).data() for c in range(proxy.columnCount()))
        for r in range(proxy.rowCount())
    ]


def _reloaded(qtbot, rows: list[CheckoutRow], sort: tuple[int, Qt.SortOrder]):  # type: ignore[no-untyped-def]
    table = _table(qtbot, rows)
    table.proxy.sort(*sort)
    return _shown(table)


@pytest.mark.parametrize("sort", [(-1, Qt.SortOrder.AscendingOrder),
                                  (CheckoutTableModel.COL_OVERDUE, Qt.SortOrder.DescendingOrder),
                                  (CheckoutTableModel.COL_OFFICER, Qt.SortOrder.AscendingOrder)])
def test_the_minute_tick_keeps_the_selection_and_updates_in_place(qtbot, qtmodeltester, now, sort):  # type: ignore[no-untyped-def]
    rows = _rows()
    table = _table(qtbot, rows)
    model, proxy = table.model, table.proxy
    proxy.sort(*sort)
    key = _select(table, 250)
    scroll = table.table.verticalScrollBar().value()
    assert scroll > 0  # (the row is far down: the list had to scroll)
    before = model.texts_at(model.position(key))
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    proxy.modelReset.connect(lambda: resets.append(2))
    told: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, *_: told.append((a.row(), b.row())))

    now[0] = START + timedelta(minutes=1)  # the tick: every row's overdue text moves
    diff = model.snapshot().diff(CheckoutTableModel.prepare(rows))
    assert len(diff.changed) == N  # (every row changed)
    assert diff.patchable  # same rows, same order: patched in place, however many changed
    assert model.apply(diff)

    assert resets == []
    assert 0 < len(told) <= 4  # a few ranged signals, not one per row
    assert _selected(table) == [key]
    assert table.current_row().id == key
    assert table.table.verticalScrollBar().value() == scroll
    after = model.texts_at(model.position(key))
    assert after != before and after[CheckoutTableModel.COL_OVERDUE].startswith("overdue ")
    assert _shown(table) == _reloaded(qtbot, rows, sort)  # row for row what a reload shows
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)


def test_a_tick_that_reorders_the_sort_column_keeps_the_selection(qtbot, qtmodeltester, now):  # type: ignore[no-untyped-def]
    """Sorted on a column whose values all move (the officer's name, changed everywhere):
    the proxy sorts again after the in-place update; the selected row follows its key."""
    rows = _rows()
    table = _table(qtbot, rows)
    model, proxy = table.model, table.proxy
    proxy.sort(CheckoutTableModel.COL_OFFICER, Qt.SortOrder.AscendingOrder)
    key = _select(table, 10)
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    renamed = [
        CheckoutRow(**{**{f: getattr(r, f) for f in r.__dataclass_fields__},
                       "officer": f"Officer {N - r.id:04d}"})
        for r in rows
    ]
    assert model.apply(model.snapshot().diff(CheckoutTableModel.prepare(renamed)))
    assert resets == []
    assert _selected(table) == [key] and table.current_row().id == key
    assert proxy.source_row(proxy.rowCount() - 1 - 10).id == key  # it moved with its name
    assert _shown(table) == _reloaded(
        qtbot, renamed, (CheckoutTableModel.COL_OFFICER, Qt.SortOrder.AscendingOrder))
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)


def test_out_now_keeps_the_selection_across_the_counters_tick(qtbot, desk, monkeypatch, now):  # type: ignore[no-untyped-def]  # noqa: F811
    """The counter itself: its tick (``refresh(texts=True)``) on 500 rows out."""
    tab = desk["tab"]
    lists, model, table = tab.lists, tab.model, tab.lists.out_table
    rows = _rows()
    monkeypatch.setattr(counter, "out_now", lambda ctx: list(rows))
    lists.refresh()
    qtbot.waitUntil(lambda: not lists._reading and model.rowCount() == N, timeout=10_000)
    key = _select(table, 300)
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))

    now[0] = START + timedelta(minutes=1)
    lists.refresh(texts=True)
    qtbot.waitUntil(lambda: not lists._reading, timeout=10_000)
    assert resets == []
    assert _selected(table) == [key] and table.current_row().id == key
    row = model.position(key)
    assert model.texts_at(row) == CheckoutTableModel.prepare([rows[key - 1]]).texts[0]

    # The order really changed (the list read in reverse): set whole, the selected row
    # selected again by its key, the content the new content.
    rows.reverse()
    lists.refresh(texts=True)
    qtbot.waitUntil(lambda: not lists._reading and bool(resets), timeout=10_000)
    assert [r.id for r in model.rows()] == [r.id for r in rows]
    assert _selected(table) == [key] and table.current_row().id == key
    assert model.texts_at(model.position(key)) == CheckoutTableModel.prepare(
        [r for r in rows if r.id == key]).texts[0]


def test_a_tick_with_rows_coming_and_going_patches_row_for_row(qtbot, qtmodeltester, now):  # type: ignore[no-untyped-def]
    """Every text moves and a few checkouts end or begin in the same read: patched (rows
    removed and inserted, the rest updated in place), row for row what a reload shows,
    sorted and filtered; the selected row, still out, stays selected."""
    rng = random.Random(5)
    rows = _rows()
    table = _table(qtbot, rows)
    model, proxy = table.model, table.proxy
    proxy.sort(CheckoutTableModel.COL_OVERDUE, Qt.SortOrder.DescendingOrder)
    # (Rows whose overdue text begins with 1: some come and go as the minutes pass.)
    table.filter_edit.setText("overdue 1")
    table.apply_filter()
    key = 1  # overdue 1 h 01 min, and 1 h for the minutes of the test
    _select(table, proxy.proxy_rows([model.position(key)])[0])
    shown_before = {proxy.source_row(r).id for r in range(proxy.rowCount())}
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    next_id = N + 1
    for minute in range(1, 6):
        now[0] = START + timedelta(minutes=minute)
        rows = [r for r in rows if r.id == key or rng.random() > 0.02]
        for _ in range(rng.randrange(1, 6)):
            rows.insert(rng.randrange(len(rows) + 1), _rows(next_id)[-1])
            next_id += 1
        diff = model.snapshot().diff(CheckoutTableModel.prepare(rows))
        assert diff.patchable and model.apply(diff)
        assert [r.id for r in model.rows()] == [r.id for r in rows]
        assert _shown(table) == _reloaded_filtered(qtbot, rows)
        assert _selected(table) == [key] and table.current_row().id == key
    assert resets == []
    shown_after = {proxy.source_row(r).id for r in range(proxy.rowCount())}
    kept = {r.id for r in rows}
    assert shown_after - shown_before and (shown_before & kept) - shown_after  # (by the tick)
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)


def _reloaded_filtered(qtbot, rows: list[CheckoutRow]):  # type: ignore[no-untyped-def]
    table = _table(qtbot, rows)
    table.proxy.sort(CheckoutTableModel.COL_OVERDUE, Qt.SortOrder.DescendingOrder)
    table.proxy.set_text("overdue 1")
    return _shown(table)

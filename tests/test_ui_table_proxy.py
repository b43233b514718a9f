"""The one table model and proxy: rows prepared off the main thread, patched a few at a time,
sorted and filtered on what was prepared. Every change runs under qtmodeltester (Qt's own
QAbstractItemModelTester stays attached and fails the test on a wrong begin/end signal),
then the content is checked."""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt

from bwc_desk.ui.models import rows as rows_module
from bwc_desk.ui.models.filter_proxy import BULK, FilterProxy
from bwc_desk.ui.models.rows import prepare
from bwc_desk.ui.models.table_model import Column, RowTableModel


@dataclass(frozen=True)
class Item:
    id: int
    name: str
    n: int | None = None


class ItemModel(RowTableModel[Item]):
    COL_NAME, COL_N = range(2)
    columns = (Column("Name", lambda i: i.name), Column("N", lambda i: i.n, align_right=True))


def items(*names: str) -> list[Item]:
    return [Item(i + 1, name, i) for i, name in enumerate(names)]


def shown(proxy: FilterProxy) -> list[str]:
    return [proxy.index(r, 0).data() for r in range(proxy.rowCount())]


def setup(qtmodeltester, rows, column=ItemModel.COL_NAME, order=Qt.SortOrder.AscendingOrder):
    model = ItemModel()
    model.set_rows(ItemModel.prepare(rows))
    proxy = FilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(column, order)
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)  # stays attached: checks every change below
    return model, proxy


def test_preparing_is_pure_and_computes_texts_filter_text_and_sort_keys():
    tree = ast.parse(Path(rows_module.__file__).read_text())
    imported = {
        name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for name in (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        )
    }
    assert not any(name.startswith("PySide6") for name in imported)
    columns = ItemModel.columns
    prepared = prepare(columns, [Item(1, "Bravo", 10), Item(2, "alpha", None), Item(3, "", 2)], 0)
    assert prepared.texts == [("Bravo", "10"), ("alpha", ""), ("", "2")]
    assert prepared.hay == ["bravo\x1f10", "alpha\x1f", "\x1f2"]
    assert prepared.keys[1] == [(0, 10), (2, ""), (0, 2)]  # numbers as numbers, blanks last
    assert prepared.sorted_by == 0 and prepared.order == [1, 0, 2]  # case-insensitive, blank last


def test_sorts_on_prepared_keys_and_uses_the_workers_order(qtmodeltester):
    rows = items("delta", "Alpha", "charlie", "bravo")
    model = ItemModel()
    prepared = ItemModel.prepare(rows, sort_column=ItemModel.COL_NAME)
    # An order the worker computed is taken as it is (not sorted again on the main thread).
    fake = prepared.__class__(**{**prepared.__dict__, "order": [3, 2, 1, 0]})
    model.set_rows(fake)
    proxy = FilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(ItemModel.COL_NAME)
    assert shown(proxy) == ["bravo", "charlie", "Alpha", "delta"]
    proxy.sort(ItemModel.COL_N, Qt.SortOrder.DescendingOrder)  # a click: sorted here
    assert shown(proxy) == ["bravo", "charlie", "Alpha", "delta"]
    proxy.sort(ItemModel.COL_NAME)  # the rows are still the ones the worker sorted
    assert shown(proxy) == ["bravo", "charlie", "Alpha", "delta"]
    model.upsert([rows[0]])  # a patch: the worker's order is no longer the rows' order
    proxy.sort(ItemModel.COL_N)
    proxy.sort(ItemModel.COL_NAME)
    assert shown(proxy) == ["Alpha", "bravo", "charlie", "delta"]
    proxy.sort(-1)  # the model's own order
    assert shown(proxy) == ["delta", "Alpha", "charlie", "bravo"]
    qtmodeltester.check(proxy)


def test_patch_updates_inserts_and_removes_in_sort_order(qtmodeltester):
    model, proxy = setup(qtmodeltester, items("alpha", "charlie", "echo", "golf"))
    model.patch(
        ItemModel.prepare([Item(2, "charlie", 99), Item(9, "delta", 5), Item(10, "aardvark")]),
        removed=[4],
    )
    assert shown(proxy) == ["aardvark", "alpha", "charlie", "delta", "echo"]
    assert proxy.index(2, ItemModel.COL_N).data() == "99"  # updated in place
    assert model.rowCount() == 5 and [r.name for r in model.rows()][-2:] == ["delta", "aardvark"]
    # A changed key moves the row to its new place.
    model.patch(ItemModel.prepare([Item(1, "zulu", 0)]))
    assert shown(proxy) == ["aardvark", "charlie", "delta", "echo", "zulu"]
    model.upsert([Item(3, "beta", 2)])  # prepared here: few rows at hand
    assert shown(proxy) == ["aardvark", "beta", "charlie", "delta", "zulu"]
    model.remove([10, 12345])  # an unknown key is nothing to remove
    assert shown(proxy) == ["beta", "charlie", "delta", "zulu"]


def test_patch_in_descending_order(qtmodeltester):
    model, proxy = setup(
        qtmodeltester, items("alpha", "charlie", "echo"), order=Qt.SortOrder.DescendingOrder
    )
    assert shown(proxy) == ["echo", "charlie", "alpha"]
    model.patch(ItemModel.prepare([Item(7, "delta"), Item(1, "foxtrot", 0)]), removed=[2])
    assert shown(proxy) == ["foxtrot", "echo", "delta"]


def test_the_filter_applies_to_patched_rows(qtmodeltester):
    model, proxy = setup(qtmodeltester, items("issued one", "available two", "issued three"))
    proxy.set_text("issued")
    assert shown(proxy) == ["issued one", "issued three"]
    model.patch(
        ItemModel.prepare([
            Item(1, "available one", 0),  # no longer matches: hidden
            Item(2, "issued two", 1),  # matches now: shown, in its place
            Item(8, "available eight"),  # new, not matching: in the model, not shown
            Item(9, "issued nine"),  # new, matching
        ])
    )
    assert shown(proxy) == ["issued nine", "issued three", "issued two"]
    assert model.rowCount() == 5
    proxy.set_predicate(lambda item: item.id != 9)
    assert shown(proxy) == ["issued three", "issued two"]
    model.upsert([Item(3, "issued three", 42)])  # stays: data changed in place
    assert proxy.index(0, ItemModel.COL_N).data() == "42"
    proxy.set_predicate(None)
    proxy.set_text("")
    assert len(shown(proxy)) == 5


def test_typing_narrows_from_the_rows_shown_and_widening_finds_the_rest(qtmodeltester):
    _model, proxy = setup(qtmodeltester, items("HPD-1", "HPD-12", "HPD-2", "NH-12"))
    proxy.set_text("hpd")
    assert shown(proxy) == ["HPD-1", "HPD-12", "HPD-2"]
    proxy.set_text("hpd-1")
    assert shown(proxy) == ["HPD-1", "HPD-12"]
    proxy.set_text("hpd-12")
    assert shown(proxy) == ["HPD-12"]
    proxy.set_text("12")
    assert shown(proxy) == ["HPD-12", "NH-12"]
    proxy.set_text("12 nh")  # every word, anywhere in the row
    assert shown(proxy) == ["NH-12"]


def test_selection_survives_a_patch_and_follows_a_moved_row(qtmodeltester):
    model, proxy = setup(qtmodeltester, items("alpha", "bravo", "charlie", "delta", "echo"))
    selection = QItemSelectionModel(proxy)
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.select(proxy.index(1, 0), flags)  # bravo
    selection.setCurrentIndex(proxy.index(3, 0), QItemSelectionModel.SelectionFlag.NoUpdate)

    def selected() -> list[str]:
        return sorted(proxy.source_row(i.row()).name for i in selection.selectedRows())

    model.patch(ItemModel.prepare([Item(9, "aaron"), Item(3, "charlie", 7)]), removed=[5])
    assert selected() == ["bravo"]
    assert proxy.source_row(selection.currentIndex().row()).name == "delta"
    model.patch(ItemModel.prepare([Item(2, "zebra", 1)]))  # the selected row moves
    assert selected() == ["zebra"]
    assert shown(proxy)[-1] == "zebra"
    assert proxy.source_row(selection.currentIndex().row()).name == "delta"


def test_many_changes_at_once_and_random_patches_keep_order(qtmodeltester):
    rng = random.Random(13)
    names = [f"unit-{rng.randrange(10_000):05d}" for _ in range(120)]
    model, proxy = setup(qtmodeltester, items(*names))
    proxy.set_text("unit-0")
    for step in range(20):
        count = BULK + 10 if step % 10 == 0 else rng.randrange(1, 20)
        ids = rng.sample([r.id for r in model.rows()], count)
        changed = [Item(i, f"unit-{rng.randrange(10_000):05d}", step) for i in ids[:-1]]
        new = [Item(1000 + step, f"unit-{rng.randrange(10_000):05d}")]
        model.patch(ItemModel.prepare(changed + new), removed=ids[-1:])
        expected = sorted(
            (r.name.lower(), model.position(r.id), r.name)
            for r in model.rows()
            if "unit-0" in r.name
        )
        assert shown(proxy) == [name for *_k, name in expected]
    # A multi-row dataChanged from elsewhere (a model refreshing a column) is followed too.
    top, bottom = model.index(0, 0), model.index(model.rowCount() - 1, 1)
    model.dataChanged.emit(top, bottom)
    assert len(shown(proxy)) == len(expected)


def test_descending_keeps_blanks_last_and_ties_in_the_models_order_through_patches(
    qtmodeltester,
):
    """Many ties and blanks, sorted on a number newest first, patched at random (one by one
    and in bulk, rows inserted at the front too): every step shows the values descending,
    ties in the model's order, the blank cells last (in the model's order too)."""
    rng = random.Random(7)

    def value() -> int | None:
        return None if rng.random() < 0.3 else rng.randrange(6)

    rows = [Item(i, f"item-{i}", value()) for i in range(1, 101)]
    model, proxy = setup(qtmodeltester, rows, ItemModel.COL_N, Qt.SortOrder.DescendingOrder)
    proxy.set_text("item-1")  # a filter too: item-1, item-10..19, item-100..

    def expected() -> list[str]:
        ranked = sorted(
            (r.n is None, -(r.n or 0), model.position(r.id), r.name)
            for r in model.rows()
            if "item-1" in r.name
        )
        return [name for *_k, name in ranked]

    assert shown(proxy) == expected()
    next_id = 1000
    for step in range(24):
        count = BULK + 10 if step % 8 == 0 else rng.randrange(1, 12)
        ids = rng.sample([r.id for r in model.rows()], count)
        changed = [Item(i, f"item-{i}", value()) for i in ids[:-1]]
        new = [Item(next_id + k, f"item-1{next_id + k}", value()) for k in range(2)]
        next_id += 2
        if step % 5 == 4:
            model.insert_front(ItemModel.prepare(new))
            model.patch(ItemModel.prepare(changed), removed=ids[-1:])
        else:
            model.patch(ItemModel.prepare(changed + new), removed=ids[-1:])
        assert shown(proxy) == expected(), step
    proxy.sort(ItemModel.COL_N)  # and ascending, from the same rows: blanks still last
    ranked = sorted(
        (r.n is None, r.n or 0, model.position(r.id), r.name)
        for r in model.rows()
        if "item-1" in r.name
    )
    assert shown(proxy) == [name for *_k, name in ranked]


def test_a_filtered_table_says_when_typed_text_is_applied(qtbot):
    """``filter_applied`` (what the benchmarks time a keystroke to): emitted with the text
    once the rows shown follow it, and the count label says so."""
    from bwc_desk.ui.widgets import FilteredTable

    model = ItemModel()
    model.set_rows(ItemModel.prepare(items("alpha", "bravo", "alfred")))
    table = FilteredTable(model, filter_delay_ms=0)
    qtbot.addWidget(table)
    applied: list[str] = []
    table.filter_applied.connect(applied.append)
    with qtbot.waitSignal(table.filter_applied, timeout=5000):
        qtbot.keyClicks(table.filter_edit, "al")
    qtbot.waitUntil(lambda: applied[-1:] == ["al"], timeout=5000)
    assert sorted(shown(table.proxy)) == ["alfred", "alpha"]
    assert table.count_label.text() == "2 of 3"


def test_a_key_that_shows_the_same_rows_changes_nothing(qtmodeltester):
    """The first letters typed often match every row (the "b" of "BWC-", the agency's tag
    prefix): the rows shown stay the same, and the proxy says nothing, so the table is not
    laid out and repainted for 25,000 rows on that key. A key that changes them says so."""
    _model, proxy = setup(qtmodeltester, items("bwc-1", "bwc-2", "bwc-13", "cage"))
    said: list[str] = []
    proxy.layoutChanged.connect(lambda *_a: said.append("layout"))
    proxy.modelReset.connect(lambda: said.append("reset"))
    proxy.set_text("bwc")
    assert shown(proxy) == ["bwc-1", "bwc-13", "bwc-2"] and said == ["layout"]
    said.clear()
    proxy.set_text("bwc-")  # (the same three rows)
    proxy.set_text("bw")  # (wider, the same three)
    assert shown(proxy) == ["bwc-1", "bwc-13", "bwc-2"] and said == []
    proxy.set_text("bwc-1")
    assert shown(proxy) == ["bwc-1", "bwc-13"] and said == ["layout"]
    said.clear()
    proxy.set_text("")
    assert shown(proxy) == ["bwc-1", "bwc-13", "bwc-2", "cage"] and said == ["layout"]

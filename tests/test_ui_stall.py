"""What keeps the main thread free with every view open (the counter's banner paints within
100 ms while the docks, another station and the views' lists all move): a reload applied as a
patch of the rows that changed (the same rows as a reload, row for row), the counter's lists
refreshed once for a burst of changes, and hidden views that do not read on every change."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import pytest
from PySide6.QtCore import Qt

from bwc_desk.services import counter, dock_board, dock_registry, inventory
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.ui.models.filter_proxy import FilterProxy
from bwc_desk.ui.models.rows import Snapshot
from bwc_desk.ui.models.table_model import Column, RowTableModel
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.docks_tab import DocksTab
from tests.test_ui_counter import desk  # noqa: F401 (the counter's fixture)


@dataclass(frozen=True)
class Item:
    id: int
    name: str
    n: int


class ItemModel(RowTableModel[Item]):
    columns = (Column("Name", lambda i: i.name), Column("N", lambda i: i.n, align_right=True))


def _contents(model: ItemModel) -> list[tuple[Item, tuple[str, ...]]]:
    return [(model.row_at(r), model.texts_at(r)) for r in range(model.rowCount())]


def _shown(proxy: FilterProxy) -> list[tuple[str, str]]:
    return [(proxy.index(r, 0).data(), proxy.index(r, 1).data())
            for r in range(proxy.rowCount())]


def _pair(qtmodeltester, rows: list[Item]):  # type: ignore[no-untyped-def]
    """The model patched from diffs, and a proxy over it (sorted, filtered) under test."""
    model = ItemModel()
    model.set_rows(ItemModel.prepare(rows))
    proxy = FilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(1, Qt.SortOrder.DescendingOrder)
    proxy.set_text("a")
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)
    return model, proxy


def _reloaded(rows: list[Item]) -> tuple[ItemModel, FilterProxy]:
    model = ItemModel()
    model.set_rows(ItemModel.prepare(rows))
    proxy = FilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(1, Qt.SortOrder.DescendingOrder)
    proxy.set_text("a")
    return model, proxy


def test_a_reload_applied_as_a_patch_ends_identical_to_the_reload(qtmodeltester):  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    rows = [Item(i, rng.choice(["alpha", "beta", "gamma", "delta"]) + f" {i}", rng.randrange(50))
            for i in range(1, 401)]
    model, proxy = _pair(qtmodeltester, rows)
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    next_id = 401
    for _trial in range(30):
        new = [r for r in rows if rng.random() > 0.01]  # some go
        new = [replace(r, n=rng.randrange(50)) if rng.random() < 0.02 else r for r in new]
        for _ in range(rng.randrange(4)):  # some come, anywhere (where the read lists them)
            new.insert(rng.randrange(len(new) + 1),
                       Item(next_id, f"alpha new {next_id}", rng.randrange(50)))
            next_id += 1
        diff = model.snapshot().diff(ItemModel.prepare(new))
        assert diff.patchable
        assert model.apply(diff)
        rows = new
        want_model, want_proxy = _reloaded(rows)
        assert _contents(model) == _contents(want_model)
        assert _shown(proxy) == _shown(want_proxy)
    assert resets == []  # never reset: a selection and the scroll position stay


def test_only_the_rows_that_changed_are_told_to_views(qtmodeltester):  # type: ignore[no-untyped-def]
    rows = [Item(i, f"alpha {i}", i) for i in range(1, 101)]
    model, _proxy = _pair(qtmodeltester, rows)
    told: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, *_: told.append((a.row(), b.row())))
    rows[41] = replace(rows[41], name="alpha changed")
    diff = model.snapshot().diff(ItemModel.prepare(rows))
    assert diff.changed == [41] and diff.removed == []
    assert model.apply(diff)
    assert told == [(41, 41)]
    same = model.snapshot().diff(ItemModel.prepare(rows))
    assert same.changed == [] and model.apply(same)
    assert told == [(41, 41)]  # nothing changed: nothing repaints


def test_a_reordered_or_stale_reload_is_set_whole(qtmodeltester):  # type: ignore[no-untyped-def]
    rows = [Item(i, f"alpha {i}", i) for i in range(1, 101)]
    model, proxy = _pair(qtmodeltester, rows)
    # The order changed (a row moved up): a patch could not give the reload's order.
    moved = [rows[50], *rows[:50], *rows[51:]]
    diff = model.snapshot().diff(ItemModel.prepare(moved))
    assert not diff.patchable
    assert not model.apply(diff)
    assert _contents(model) == _contents(_reloaded(moved)[0])
    # The model changed after the snapshot (a scan's own patch): the read is set whole.
    snapshot = model.snapshot()
    model.upsert([Item(500, "alpha late", 1)])
    later = [*moved[:-1], replace(moved[-1], n=7)]
    assert not model.apply(snapshot.diff(ItemModel.prepare(later)))
    assert _contents(model) == _contents(_reloaded(later)[0])
    assert _shown(proxy) == _shown(_reloaded(later)[1])
    # Every row changed in place (same rows, same order): patched, never reset, and the
    # proxy sorted on the column that changed shows what a reload shows.
    many = [replace(r, n=1000 - r.n) for r in later]
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    assert model.apply(model.snapshot().diff(ItemModel.prepare(many)))
    assert resets == []
    assert _contents(model) == _contents(_reloaded(many)[0])
    assert _shown(proxy) == _shown(_reloaded(many)[1])
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)
    # Too many rows come and go to be worth a patch: set whole.
    others = [Item(r.id + 10_000, r.name, r.n) for r in many]
    assert not model.snapshot().diff(ItemModel.prepare(others)).patchable
    half = many[: len(many) // 2] + others[: len(many) // 2]
    assert not model.snapshot().diff(ItemModel.prepare(half)).patchable


def test_rows_diffed_before_preparing_prepare_only_what_changed(qtmodeltester):  # type: ignore[no-untyped-def]
    rng = random.Random(11)
    rows = [Item(i, f"alpha {i}", rng.randrange(50)) for i in range(1, 301)]
    model, proxy = _pair(qtmodeltester, rows)
    prepared: list[int] = []

    def prepare(some):  # type: ignore[no-untyped-def]
        prepared.append(len(some))
        return ItemModel.prepare(some)

    for trial in range(10):
        new = [replace(r, n=r.n + 1) if rng.random() < 0.02 else r for r in rows
               if rng.random() > 0.01]
        new.insert(rng.randrange(len(new) + 1), Item(1000 + trial, f"alpha late {trial}", 3))
        prepared.clear()
        diff = model.snapshot().diff_rows(new, prepare)
        assert diff.patchable and prepared == [len(diff.changed)] and prepared[0] < 20
        assert model.apply(diff)
        rows = new
        want_model, want_proxy = _reloaded(rows)
        assert _contents(model) == _contents(want_model)
        assert _shown(proxy) == _shown(want_proxy)
    # The model moved after the snapshot: only the changed rows were prepared, so the
    # diff cannot be set whole; it says so, and the caller reads again.
    snapshot = model.snapshot()
    model.upsert([Item(5000, "alpha meanwhile", 1)])
    partial = snapshot.diff_rows([*rows, Item(5001, "alpha read", 2)], prepare)
    assert not model.current(partial)
    with pytest.raises(ValueError, match="read again"):
        model.apply(partial)
    assert model.position(5000) is not None and model.position(5001) is None
    rows = [*rows, Item(5000, "alpha meanwhile", 1)]
    # Not patchable (the order moved): every row prepared, set whole.
    moved = rows[::-1]
    prepared.clear()
    assert not model.apply(model.snapshot().diff_rows(moved, prepare))
    assert prepared == [len(moved)]
    assert _contents(model) == _contents(_reloaded(moved)[0])


def test_a_snapshot_is_a_copy(qtmodeltester):  # type: ignore[no-untyped-def]
    model, _proxy = _pair(qtmodeltester, [Item(1, "alpha", 1)])
    snapshot: Snapshot[Item] = model.snapshot()
    model.upsert([Item(2, "alpha two", 2)])
    assert [r.id for r in snapshot.rows] == [1]


def test_the_counter_refreshes_once_for_a_burst_and_patches_out_now(qtbot, desk, monkeypatch):  # type: ignore[no-untyped-def]  # noqa: F811
    tab, admin, smith = desk["tab"], desk["admin"], desk["smith"]
    model = tab.model
    reads: list[int] = []
    out_now = counter.out_now

    def counted(ctx):  # type: ignore[no-untyped-def]
        reads.append(1)
        return out_now(ctx)

    monkeypatch.setattr(counter, "out_now", counted)
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    before = model.rowCount()
    # Another station issues a camera: its change arrives in several sets, as it does.
    counter.issue_unit(admin, smith.id, "HPD-BWC-0001", function_test=FunctionTest())
    for _ in range(5):
        desk["state"].announce(ChangeSet.of({"units", "custody"}, local=False))
    qtbot.waitUntil(lambda: model.rowCount() == before + 1, timeout=10_000)
    qtbot.waitUntil(lambda: not tab.lists._reading, timeout=10_000)
    assert reads == [1]  # one read for the five
    assert resets == []  # patched in: the rows shown before were not reset
    assert [r.asset_tag for r in model.rows()][-1] == "HPD-BWC-0001"


def test_a_refresh_that_crosses_a_scans_own_patch_reads_again(qtbot, desk):  # type: ignore[no-untyped-def]  # noqa: F811
    tab, admin, smith = desk["tab"], desk["admin"], desk["smith"]
    lists, model = tab.lists, tab.model
    counter.issue_unit(admin, smith.id, "HPD-BWC-0001", function_test=FunctionTest())
    lists.refresh()  # (the read sees the new checkout: one row to patch in)
    assert lists._reading
    stray = replace(counter.out_now(admin)[0], id=99_999, asset_tag="HPD-STRAY")
    lists.issued(stray)  # the model moves before the read comes back
    qtbot.waitUntil(lambda: not lists._reading and not lists._again, timeout=10_000)
    qtbot.waitUntil(lambda: [r.id for r in model.rows()]
                    == [r.id for r in counter.out_now(admin)], timeout=10_000)
    assert model.position(99_999) is None


@pytest.fixture
def hidden_docks(qtbot, admin_ctx):  # type: ignore[no-untyped-def]
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "X60A0001"))
    dock_registry.add_dock(admin_ctx, "DOCK-H", 4)
    state = AppState(admin_ctx)
    tab = DocksTab(state)
    qtbot.addWidget(tab)  # (never shown)
    with qtbot.waitSignal(tab.alerts_changed, timeout=10_000):
        tab.ensure_loaded()
    yield tab, state
    state.runner.shutdown()


def test_hidden_docks_read_the_board_once_for_a_burst_of_changes(qtbot, hidden_docks, monkeypatch):  # type: ignore[no-untyped-def]
    tab, state = hidden_docks
    tab._hidden_soon.setInterval(50)
    reads: list[int] = []
    board = dock_board.board

    def counted(ctx):  # type: ignore[no-untyped-def]
        reads.append(1)
        return board(ctx)

    monkeypatch.setattr(dock_board, "board", counted)
    with qtbot.waitSignal(tab.alerts_changed, timeout=10_000):
        for _ in range(6):
            state.announce(ChangeSet.of({"units", "docks"}, local=False))
        assert reads == []  # not one read of every bay per change
    assert reads == [1]  # the alerts (status bar) follow, once for the burst
    # Shown, each change set reads it (and the second's timer repaints).
    tab.show()
    qtbot.waitExposed(tab)
    qtbot.waitUntil(lambda: not tab._loading, timeout=10_000)
    count = len(reads)
    with qtbot.waitSignal(tab.board_shown, timeout=10_000):
        state.announce(ChangeSet.of({"docks"}, local=False))
    assert len(reads) > count


def test_the_counters_alerts_take_the_docks_alerts_without_reading_every_bay(  # type: ignore[no-untyped-def]
    qtbot, admin_ctx, monkeypatch
):
    from bwc_desk.services.dock_board import ISSUED_IN_DOCK, Alert
    from bwc_desk.ui.views.counter_parts import AlertList

    state = AppState(admin_ctx)
    alerts = AlertList(state)
    qtbot.addWidget(alerts)
    reads: list[int] = []
    real = dock_board.alerts

    def counted(ctx):  # type: ignore[no-untyped-def]
        reads.append(1)
        return real(ctx)

    monkeypatch.setattr(dock_board, "alerts", counted)

    def shown() -> list[str]:
        return [alerts.item(i).text() for i in range(alerts.count())]

    # Nobody read the board lately: the list reads it itself.
    alerts.refresh()
    qtbot.waitUntil(lambda: not alerts._reading, timeout=10_000)
    assert reads == [1] and shown() == []
    # The Docks view read it: its alerts of cameras that are out are shown at once ...
    issued = Alert(ISSUED_IN_DOCK, "HPD-7 is issued to Smith, John but sits in DOCK-1 bay 2",
                   "DOCK-1", 2, "HPD-7")
    state.publish_dock_alerts((Alert("offline", "DOCK-2 is offline", "DOCK-2"), issued))
    assert shown() == [f"\u26a0 {issued.text}"]
    # ... and a refresh (the counter's own alerts) does not read every bay again.
    alerts.refresh()
    qtbot.waitUntil(lambda: not alerts._reading, timeout=10_000)
    assert reads == [1]
    assert shown() == [f"\u26a0 {issued.text}"]
    state.publish_dock_alerts(())
    assert shown() == [] and not alerts.isVisible()
    state.runner.shutdown()


def test_a_dock_repaints_on_new_data_but_lays_the_grid_out_only_when_its_size_changes(qtbot):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from bwc_desk.services.dock_board import DockRow
    from bwc_desk.ui.views.dock_grid import DockWidget

    at = datetime(2026, 11, 30, 10, 0, 5, tzinfo=UTC)
    dock = DockRow("DOCK-1", 12, "DESK-1", at, False, 0, "")
    widget = DockWidget(dock)
    qtbot.addWidget(widget)
    calls: list[str] = []
    widget.updateGeometry = lambda: calls.append("layout")  # type: ignore[method-assign]
    widget.update = lambda *a: calls.append("paint")  # type: ignore[method-assign]
    size = widget.sizeHint()
    widget.set_dock(replace(dock, last_seen_at=at.replace(second=6)), at.replace(second=6))
    assert calls == ["paint"] and widget.sizeHint() == size  # a report: repainted, same size
    calls.clear()
    widget.set_dock(replace(dock, last_seen_at=at.replace(second=6)), at.replace(second=7))
    assert calls == []  # nothing a person sees changed
    widget.set_dock(replace(dock, bays=24), at.replace(second=8))
    assert calls == ["layout", "paint"] and widget.sizeHint().height() > size.height()


def test_the_scanner_watch_sees_keys_of_focusable_widgets_not_every_paint(qtbot):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

    from bwc_desk.ui.views.counter_parts import ScannerKeys

    view = QWidget()
    qtbot.addWidget(view)
    scan_edit, note, label = QLineEdit(view), QLineEdit(view), QLabel("banner", view)
    layout = QVBoxLayout(view)
    for w in (scan_edit, label, note):
        layout.addWidget(w)
    seen: list[tuple[QWidget, QEvent.Type]] = []
    scans: list[str] = []

    class Watch(ScannerKeys):
        def eventFilter(self, watched, event):  # type: ignore[no-untyped-def]
            seen.append((watched, event.type()))
            return super().eventFilter(watched, event)

    watch = Watch(view, scan_edit, scans.append)
    view.show()
    qtbot.waitExposed(view)
    painted: list[int] = []

    class Paints(QObject):
        def eventFilter(self, watched, event):  # type: ignore[no-untyped-def]
            if event.type() == QEvent.Type.Paint:
                painted.append(1)
            return False

    paints = Paints()
    label.installEventFilter(paints)
    seen.clear()
    label.setText("the banner says something else")
    qtbot.waitUntil(lambda: bool(painted), timeout=5000)
    assert not [w for w, _t in seen if w is label]  # a label's paint: no call into Python
    note.setFocus()
    qtbot.waitUntil(note.hasFocus, timeout=5000)
    qtbot.keyClicks(note, "HPD-BWC-0001")
    qtbot.keyClick(note, Qt.Key.Key_Return)
    assert (note, QEvent.Type.KeyPress) in seen
    assert scans == ["HPD-BWC-0001"] and note.text() == ""  # a scan, not a note
    del watch


def test_the_scanner_watch_sees_only_the_widget_with_the_focus(qtbot):  # type: ignore[no-untyped-def]
    """Its keys are the focus widget's only, so it watches that one of its widgets: the
    counter's answer repainted some forty buttons, boxes and lists a scan, and each paint
    of a watched widget was a call into Python waiting for the interpreter. The keys of
    whichever widget takes the focus next are still watched; a widget given up is not."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QLineEdit, QPushButton, QVBoxLayout, QWidget

    from bwc_desk.ui.views.counter_parts import ScannerKeys

    view = QWidget()
    qtbot.addWidget(view)
    scan_edit, note, button = QLineEdit(view), QLineEdit(view), QPushButton("Undo", view)
    layout = QVBoxLayout(view)
    for w in (scan_edit, button, note):
        layout.addWidget(w)
    seen: list[tuple[QWidget, QEvent.Type]] = []
    scans: list[str] = []

    class Watch(ScannerKeys):
        def eventFilter(self, watched, event):  # type: ignore[no-untyped-def]
            seen.append((watched, event.type()))
            return super().eventFilter(watched, event)

    watch = Watch(view, scan_edit, scans.append)
    view.show()
    qtbot.waitExposed(view)
    scan_edit.setFocus()
    qtbot.waitUntil(scan_edit.hasFocus, timeout=5000)
    assert watch.watching() is None  # (the scan field reads its own keys)
    seen.clear()
    button.setText("Undo the issue")
    button.repaint()
    note.repaint()
    assert seen == []  # neither paint called into Python
    note.setFocus()
    qtbot.waitUntil(note.hasFocus, timeout=5000)
    assert watch.watching() is note
    qtbot.keyClicks(note, "HPD-BWC-0002")
    qtbot.keyClick(note, Qt.Key.Key_Return)
    assert scans == ["HPD-BWC-0002"] and note.text() == ""  # a scan, not a note
    button.setFocus()
    qtbot.waitUntil(button.hasFocus, timeout=5000)
    assert watch.watching() is button
    seen.clear()
    note.repaint()
    assert not [w for w, _t in seen if w is note]  # given up with the focus
    qtbot.keyClicks(button, "HPD-BWC-0003")
    qtbot.keyClick(button, Qt.Key.Key_Return)
    assert scans == ["HPD-BWC-0002", "HPD-BWC-0003"]


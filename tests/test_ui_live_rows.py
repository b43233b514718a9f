"""Views follow what changed: a visible list re-reads only the rows a change names and patches
them in; a hidden one reads nothing until it is shown again; unknown changes reload, one read
at a time. The service functions are counted (monkeypatched), never timed."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QTabWidget, QWidget

from bwc_desk.domain.roles import Role
from bwc_desk.services import counter, inventory, officers
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.assignments_tab import AssignmentsTab
from bwc_desk.ui.views.inventory_tab import InventoryTab
from tests.conftest import make_actor


class Calls:
    """Counts the calls of service functions (from worker threads)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.log: dict[str, list[tuple[int, ...]]] = {}
        self._lock = threading.Lock()

    def count(self, module: object, name: str) -> None:
        real = getattr(module, name)
        self.log[name] = []

        def counted(ctx, *args, **kwargs):  # type: ignore[no-untyped-def]
            with self._lock:
                first = args[0] if args else ()
                self.log[name].append(tuple(sorted(first)))
            return real(ctx, *args, **kwargs)

        self.monkeypatch.setattr(module, name, counted)

    def __getitem__(self, name: str) -> list[tuple[int, ...]]:
        return self.log[name]


@pytest.fixture
def room(qtbot, admin_ctx, clock, monkeypatch):
    """Twenty cameras and three officers; Inventory loaded in a window of two tabs."""
    people = [
        officers.add_officer(admin_ctx, OfficerInput(f"{i:04d}", f"Last{i}", "Pat", shift="Day"))
        for i in range(1, 4)
    ]
    for i in range(1, 21):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-{i:04d}", f"SER{i:04d}"))
    ids = {u.asset_tag: u.id for u in inventory.list_units(admin_ctx)}
    sup = make_actor(admin_ctx, Role.SUPERVISOR, "sam")
    qm = make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    state = AppState(sup)
    errors: list[BaseException] = []
    state.error_handler = errors.append
    tabs = QTabWidget()
    inv = InventoryTab(state)
    other = QWidget()
    tabs.addTab(inv, "Inventory")
    tabs.addTab(other, "Other")
    tabs.resize(1200, 500)  # a few rows on screen: the list scrolls
    qtbot.addWidget(tabs)
    tabs.show()
    qtbot.waitExposed(tabs)
    with qtbot.waitSignal(inv.rows_loaded, timeout=10_000):
        inv.ensure_loaded()
    calls = Calls(monkeypatch)
    calls.count(inventory, "list_units")
    calls.count(inventory, "units_by_id")
    yield {"tabs": tabs, "inv": inv, "other": other, "state": state, "ids": ids, "sup": sup,
           "qm": qm, "people": people, "calls": calls, "errors": errors, "clock": clock}
    state.runner.shutdown()


def status_of(inv: InventoryTab, tag: str) -> str:
    row = next(r for r in inv.model.rows() if r.asset_tag == tag)
    return row.status.value


def test_hidden_inventory_reads_nothing_until_shown_then_patches_once(qtbot, room):
    tabs, inv, state, ids = room["tabs"], room["inv"], room["state"], room["ids"]
    calls = room["calls"]
    tabs.setCurrentWidget(room["other"])
    assert not inv.isVisible()
    inventory.send_to_repair(room["sup"], "HPD-BWC-0003", "lens cracked")
    state.announce(ChangeSet.of({"units"}, units=[ids["HPD-BWC-0003"]]))
    inventory.retire(room["sup"], "HPD-BWC-0007", "cracked housing")
    state.announce(ChangeSet.of({"units"}, units=[ids["HPD-BWC-0007"]]))
    # Nothing read, nothing queued: the hidden view only remembers.
    assert not state.runner.busy
    assert calls["list_units"] == [] and calls["units_by_id"] == []
    assert status_of(inv, "HPD-BWC-0003") == "available" and inv.live.stale
    with qtbot.waitSignal(inv.rows_loaded, timeout=10_000):
        tabs.setCurrentWidget(inv)
    # One read of the two units the changes named; not the whole list.
    assert calls["units_by_id"] == [tuple(sorted((ids["HPD-BWC-0003"], ids["HPD-BWC-0007"])))]
    assert calls["list_units"] == []
    assert status_of(inv, "HPD-BWC-0003") == "in repair"
    assert status_of(inv, "HPD-BWC-0007") == "retired"
    assert not inv.live.stale and not room["errors"]
    # Shown again with nothing new: nothing read.
    tabs.setCurrentWidget(room["other"])
    tabs.setCurrentWidget(inv)
    assert not state.runner.busy and len(calls["units_by_id"]) == 1


def test_hidden_inventory_reloads_once_for_changes_without_ids(qtbot, room):
    tabs, inv, state, calls = room["tabs"], room["inv"], room["state"], room["calls"]
    tabs.setCurrentWidget(room["other"])
    inventory.send_to_repair(room["sup"], "HPD-BWC-0004", "lens cracked")
    for topic in ("custody", "units", "officers"):  # another station: ids unknown
        state.announce(ChangeSet.of({topic}, complete=False, local=False))
    state.announce(ChangeSet.of({"docks", "settings"}, complete=False))  # not Inventory's
    assert not state.runner.busy and calls["list_units"] == []
    with qtbot.waitSignal(inv.rows_loaded, timeout=10_000):
        tabs.setCurrentWidget(inv)
    qtbot.waitUntil(lambda: not state.runner.busy, timeout=10_000)
    assert len(calls["list_units"]) == 1 and calls["units_by_id"] == []
    assert status_of(inv, "HPD-BWC-0004") == "in repair"


def test_visible_inventory_reads_the_three_rows_named_and_keeps_the_place(qtbot, room):
    inv, state, ids, calls = room["inv"], room["state"], room["ids"], room["calls"]
    view, proxy = inv.table.table, inv.table.proxy
    row = next(
        r for r in range(proxy.rowCount()) if proxy.source_row(r).asset_tag == "HPD-BWC-0015"
    )
    view.selectionModel().setCurrentIndex(
        proxy.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    view.scrollToBottom()
    scrolled = view.verticalScrollBar().value()
    assert scrolled > 0
    changed = ("HPD-BWC-0002", "HPD-BWC-0009", "HPD-BWC-0016")
    for tag in changed:
        inventory.send_to_repair(room["sup"], tag, "battery swollen")
    with qtbot.waitSignal(inv.live.shown, timeout=10_000) as shown:
        state.announce(ChangeSet.of({"units"}, units=[ids[t] for t in changed]))
    assert shown.args == [False]  # a patch, not a reload
    assert calls["units_by_id"] == [tuple(sorted(ids[t] for t in changed))]
    assert calls["list_units"] == []
    assert all(status_of(inv, t) == "in repair" for t in changed)
    assert [u.asset_tag for u in inv.selected_units()] == ["HPD-BWC-0015"]
    assert inv.table.current_row().asset_tag == "HPD-BWC-0015"
    assert view.verticalScrollBar().value() == scrolled
    assert inv.model.rowCount() == 20


def test_an_officer_renamed_patches_the_cameras_that_name_them(qtbot, room):
    inv, state, calls, people = room["inv"], room["state"], room["calls"], room["people"]
    counter.issue_unit(room["qm"], people[0].id, "HPD-BWC-0005", function_test=FunctionTest())
    with qtbot.waitSignal(inv.live.shown, timeout=10_000):
        state.announce(
            ChangeSet.of({"custody"}, units=[room["ids"]["HPD-BWC-0005"]], officers=[people[0].id])
        )
    assert next(r for r in inv.model.rows() if r.asset_tag == "HPD-BWC-0005").holder.startswith(
        "Last1"
    )
    data = OfficerInput(people[0].badge, "Renamed", "Pat", shift="Day")
    officers.edit_officer(room["sup"], people[0].id, data)
    with qtbot.waitSignal(inv.live.shown, timeout=10_000):
        state.announce(ChangeSet.of({"officers"}, officers=[people[0].id]))
    # Only the camera out with the officer is read again.
    assert calls["units_by_id"][-1] == (room["ids"]["HPD-BWC-0005"],)
    assert calls["list_units"] == []
    holder = next(r for r in inv.model.rows() if r.asset_tag == "HPD-BWC-0005").holder
    assert holder.startswith("Renamed")


def test_changes_while_a_reload_runs_cost_one_more_reload(qtbot, room):
    state, calls = room["state"], room["calls"]
    for _ in range(4):
        state.announce(ChangeSet.of({"units"}, complete=False))
    qtbot.waitUntil(lambda: not state.runner.busy and not room["inv"].live.stale, timeout=10_000)
    assert len(calls["list_units"]) == 2  # the one in flight, then one for the rest


def test_roster_patches_officers_and_the_hidden_cameras_page_waits(qtbot, admin_ctx, monkeypatch):
    people = [
        officers.add_officer(admin_ctx, OfficerInput(f"{i:04d}", f"Last{i}", "Pat", shift="Day"))
        for i in range(1, 7)
    ]
    for i in range(1, 4):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-{i:04d}", f"SER{i:04d}"))
    sup = make_actor(admin_ctx, Role.SUPERVISOR, "sam")
    state = AppState(sup)
    tab = AssignmentsTab(state)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    tab.pages.setCurrentWidget(tab.cameras)
    qtbot.waitUntil(lambda: tab.cameras.loaded, timeout=10_000)
    tab.pages.setCurrentWidget(tab.roster)
    qtbot.waitUntil(lambda: tab.roster.loaded and not state.runner.busy, timeout=10_000)
    calls = Calls(monkeypatch)
    for module, name in ((officers, "list_officers"), (officers, "officers_by_id"),
                         (inventory, "list_units"), (inventory, "units_by_id")):
        calls.count(module, name)
    renamed = people[1:4]
    for o in renamed:
        data = OfficerInput(o.badge, f"New{o.last_name}", "Pat", shift="Night")
        officers.edit_officer(sup, o.id, data)
    with qtbot.waitSignal(tab.roster.live.shown, timeout=10_000):
        state.announce(ChangeSet.of({"officers"}, officers=[o.id for o in renamed]))
    assert calls["officers_by_id"] == [tuple(sorted(o.id for o in renamed))]
    assert calls["list_officers"] == []
    names = {r.last_name for r in tab.roster.model.rows()}
    assert {"NewLast2", "NewLast3", "NewLast4", "Last1"} <= names
    # The cameras page (hidden) has read nothing; shown, it catches up with no camera named.
    assert calls["list_units"] == [] and calls["units_by_id"] == []
    state.announce(ChangeSet.of({"units"}, complete=False))
    assert calls["list_units"] == [] and tab.cameras.live.stale
    with qtbot.waitSignal(tab.cameras.live.shown, timeout=10_000):
        tab.pages.setCurrentWidget(tab.cameras)
    assert len(calls["list_units"]) == 1
    qtbot.waitUntil(lambda: not state.runner.busy, timeout=10_000)
    state.runner.shutdown()


def test_a_reload_keeps_the_selection_and_the_scroll_position(qtbot, room):
    inv, state, calls = room["inv"], room["state"], room["calls"]
    view, proxy = inv.table.table, inv.table.proxy
    tags = {"HPD-BWC-0014", "HPD-BWC-0017"}
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for r in range(proxy.rowCount()):
        if proxy.source_row(r).asset_tag in tags:
            view.selectionModel().select(proxy.index(r, 0), flags)
    view.scrollToBottom()
    scrolled = view.verticalScrollBar().value()
    assert scrolled > 0
    inventory.send_to_repair(room["sup"], "HPD-BWC-0001", "lens cracked")
    with qtbot.waitSignal(inv.live.shown, timeout=10_000) as shown:
        state.announce(ChangeSet.everything())  # ids unknown: the whole list again
    assert shown.args == [True] and len(calls["list_units"]) == 1
    assert status_of(inv, "HPD-BWC-0001") == "in repair"
    assert {u.asset_tag for u in inv.selected_units()} == tags
    assert view.verticalScrollBar().value() == scrolled

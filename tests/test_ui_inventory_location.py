"""Where cameras are kept, in the Inventory: the Kept at column, the filter finding a place,
the detail panel, and Move... driven as a supervisor does it (select, right click, type the
place, Enter)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Role
from bwc_desk.services import inventory, unit_location
from bwc_desk.services.inventory import UnitInput
from bwc_desk.store.models import CustodyEvent, Unit
from bwc_desk.ui.dialogs.move_dialog import MoveDialog, where_now
from bwc_desk.ui.models.unit_table_model import UnitTableModel
from bwc_desk.ui.views.inventory_tab import InventoryTab
from tests.conftest import answer, make_actor
from tests.test_ui_inventory import open_tab


@pytest.fixture
def cage(qtbot, admin_ctx):
    """Six cameras: two on Cage A's shelf, one on Cage B's, three with no recorded place."""
    ids = [
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-{i:04d}", f"X60A{i:04d}")).id
        for i in range(1, 7)
    ]
    unit_location.move_units(admin_ctx, ids[:2], "Cage A, shelf 1")
    unit_location.set_location(admin_ctx, ids[2], "Cage B, shelf 3")
    sup = make_actor(admin_ctx, Role.SUPERVISOR, "sam")
    tab = open_tab(qtbot, sup)
    yield {"tab": tab, "sup": sup, "admin": admin_ctx, "ids": ids}
    tab.state.runner.shutdown()


def shown(tab: InventoryTab, column: int = 0) -> list[str]:
    proxy = tab.table.proxy
    return [proxy.index(r, column).data() for r in range(proxy.rowCount())]


def select_tags(qtbot, tab: InventoryTab, *tags: str) -> None:
    """Click the first row, Ctrl+click the others, as a person selects."""
    view = tab.table.table
    for i, tag in enumerate(tags):
        index = tab.table.proxy.index(shown(tab).index(tag), 0)
        view.scrollTo(index)
        modifier = Qt.KeyboardModifier.ControlModifier if i else Qt.KeyboardModifier.NoModifier
        qtbot.mouseClick(
            view.viewport(), Qt.MouseButton.LeftButton, modifier, view.visualRect(index).center()
        )
    assert {u.asset_tag for u in tab.selected_units()} == set(tags)


def state_of(ctx) -> tuple[int, tuple[tuple[str, str], ...]]:
    with ctx.db.read() as s:
        events = len(list(s.execute(select(CustodyEvent.seq)).scalars()))
        places = s.execute(select(Unit.asset_tag, Unit.location).order_by(Unit.asset_tag)).all()
    return events, tuple((a, b) for a, b in places)


def test_the_location_column_the_filter_and_the_detail_panel(qtbot, qtmodeltester, cage):
    tab = cage["tab"]
    qtmodeltester.check(tab.model)
    column = UnitTableModel.COL_LOCATION
    assert tab.model.headerData(column, Qt.Orientation.Horizontal) == "Kept at"
    assert shown(tab, column) == ["Cage A, shelf 1", "Cage A, shelf 1", "Cage B, shelf 3", "",
                                  "", ""]
    # Typing a place finds the cameras kept there, as any other column's text does.
    # (A letter after other words is a word of its own: "B" is not the B of every "BWC".)
    qtbot.keyClicks(tab.table.filter_edit, "Cage B")
    qtbot.waitUntil(lambda: shown(tab) == ["HPD-BWC-0003"], timeout=5000)
    tab.table.filter_edit.clear()
    qtbot.keyClicks(tab.table.filter_edit, "shelf")
    qtbot.waitUntil(
        lambda: shown(tab) == ["HPD-BWC-0001", "HPD-BWC-0002", "HPD-BWC-0003"], timeout=5000
    )
    # The detail panel says where the camera is kept, or that no place is recorded.
    select_tags(qtbot, tab, "HPD-BWC-0003")
    with qtbot.waitSignal(tab.detail.unit_loaded, timeout=5000):
        tab.details_action.trigger()
    assert tab.detail.fields["location"].text() == "Cage B, shelf 3"
    tab.table.filter_edit.clear()
    qtbot.waitUntil(lambda: len(shown(tab)) == 6, timeout=5000)
    with qtbot.waitSignal(tab.detail.unit_loaded, timeout=5000):
        select_tags(qtbot, tab, "HPD-BWC-0005")
    assert tab.detail.fields["location"].text() == "not recorded"
    qtmodeltester.check(tab.table.proxy)


def test_move_from_the_context_menu_refuses_a_bad_place_then_moves_all(qtbot, cage):
    tab, sup = cage["tab"], cage["sup"]
    select_tags(qtbot, tab, "HPD-BWC-0002", "HPD-BWC-0003", "HPD-BWC-0004")
    menu = tab.build_context_menu()
    move = next(a for a in menu.actions() if a.text() == "&Move...")
    assert move.isEnabled()
    before = state_of(sup)
    refusals: list[str] = []

    def bad_then_good(dialog: MoveDialog) -> None:
        assert dialog.ok_button.text() == "&Move (3 cameras)"
        assert dialog.now_label.text() == (
            "Cage A, shelf 1 (1), Cage B, shelf 3 (1), no recorded place (1)"
        )
        qtbot.waitUntil(lambda: dialog.location_box.count() == 2, timeout=5000)  # known places
        # Nothing typed: Enter is refused inside the dialog, in the service's words.
        qtbot.keyClick(dialog.location_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(dialog.error_label.isVisible, timeout=5000)
        refusals.append(dialog.error_label.text())
        assert state_of(sup) == before
        # Pasted, far too long: refused too, saying what to do.
        dialog.location_edit.insert("Evidence room " * 10)
        qtbot.keyClick(dialog.location_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: len(dialog.error_label.text()) and
                        dialog.error_label.text() != refusals[0], timeout=5000)
        refusals.append(dialog.error_label.text())
        assert dialog.isVisible() and dialog.location_edit.hasFocus()
        assert state_of(sup) == before
        dialog.location_edit.clear()
        qtbot.keyClicks(dialog.location_edit, "Cage C, shelf 1")
        qtbot.keyClicks(dialog.reason_edit, "re-shelved after inventory")
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)

    messages: list[str] = []
    tab.state.message.connect(lambda text, _ms: messages.append(text))
    answer(qtbot, bad_then_good, MoveDialog)
    with qtbot.waitSignal(tab.rows_loaded, timeout=10_000):
        move.trigger()
    assert refusals[0].startswith("Say where the camera is")
    assert "at most 120 characters" in refusals[1] and "shorten it" in refusals[1]
    assert messages[-1] == "3 cameras moved to Cage C, shelf 1."
    places = dict(state_of(sup)[1])
    assert [places[f"HPD-BWC-000{i}"] for i in (1, 2, 3, 4)] == [
        "Cage A, shelf 1", "Cage C, shelf 1", "Cage C, shelf 1", "Cage C, shelf 1"]
    assert state_of(sup)[0] == before[0] + 3  # one custody record per camera
    rows = {u.asset_tag: u for u in tab.model.rows()}
    assert rows["HPD-BWC-0004"].location == "Cage C, shelf 1"  # the table shows it
    for tag, was in (("HPD-BWC-0002", "Cage A, shelf 1"), ("HPD-BWC-0004", "")):
        last = inventory.unit_history(sup, rows[tag].id)[0]
        assert last.kind is EventKind.RELOCATED and last.staff_username == "sam"
        assert last.station == "DESK-1" and last.reason == "re-shelved after inventory"
        assert last.details == {"from": was, "to": "Cage C, shelf 1"}
    assert len(tab.selected_units()) == 3  # still selected for the next step


def test_only_a_role_that_may_edit_units_moves_them(qtbot, cage):
    qm = make_actor(cage["admin"], Role.QUARTERMASTER, "quinn")
    tab = open_tab(qtbot, qm)
    select_tags(qtbot, tab, "HPD-BWC-0001")
    assert not tab.move_action.isEnabled()
    assert tab.move_action.toolTip() == "Move: Only supervisor or admin may do this."
    tab.state.runner.shutdown()


def test_where_now_names_the_places_of_a_selection():
    from bwc_desk.domain.units import UnitStatus
    from bwc_desk.services.dto import UnitRow

    def at(i: int, place: str) -> UnitRow:
        return UnitRow(i, f"T{i}", f"S{i}", "", "", UnitStatus.AVAILABLE, location=place)

    assert where_now([at(1, "Cage A")]) == "Cage A"
    assert where_now([at(1, ""), at(2, "")]) == "no recorded place"
    many = [at(i, f"Shelf {i % 5}") for i in range(10)] + [at(99, "Shelf 1")]
    assert where_now(many) == "Shelf 1 (3), Shelf 0 (2), Shelf 2 (2) and 2 more places"


def test_the_move_dialog_names_what_it_moves(qtbot, cage):
    tab = cage["tab"]
    rows = sorted(tab.model.rows(), key=lambda u: u.asset_tag)
    one = MoveDialog(tab.state, rows[2:3])
    qtbot.addWidget(one)
    assert one.heading.text().startswith("Record where HPD-BWC-0003 (serial X60A0003, available)")
    assert one.ok_button.text() == "&Move" and one.now_label.text() == "Cage B, shelf 3"
    many = MoveDialog(tab.state, rows)
    qtbot.addWidget(many)
    assert many.heading.text().startswith(
        "Record where the 6 selected cameras (HPD-BWC-0001, HPD-BWC-0002, HPD-BWC-0003, "
        "HPD-BWC-0004 and more) are kept now."
    )
    assert many.heading.text().endswith("all in one transaction.")
    # Places listed once they come, without replacing what was typed meanwhile.
    qtbot.keyClicks(many.location_edit, "Dock room")
    qtbot.waitUntil(lambda: many.location_box.count() == 2, timeout=5000)
    assert many.location_edit.text() == "Dock room"
    assert [many.location_box.itemText(i) for i in range(2)] == [
        "Cage A, shelf 1", "Cage B, shelf 3"]

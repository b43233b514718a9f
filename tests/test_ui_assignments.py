"""Assignments driven the way a supervisor does: the roster's dialogs, cameras and pools, and
the shift change with drag and drop and the proposal. Every model goes through qtmodeltester;
refusals are checked to leave the database as it was."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QMessageBox
from sqlalchemy import func, select

from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Role
from bwc_desk.services import assignments, counter, inventory, officers, settings, shift_change
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store.models import Checkout, CustodyEvent, Officer, Unit
from bwc_desk.ui.dialogs.officer_dialogs import (
    CameraPickerDialog,
    DeactivateDialog,
    HandoverPinDialog,
    OfficerDialog,
    ReasonDialog,
)
from bwc_desk.ui.dialogs.pool_dialogs import NewPoolDialog, PoolPickerDialog
from bwc_desk.ui.models.assignment_models import AssignmentUnitModel, PoolTableModel
from bwc_desk.ui.models.officer_table_model import OfficerTableModel
from bwc_desk.ui.models.proposal_model import ProposalModel
from bwc_desk.ui.models.shift_change_models import (
    UNIT_MIME,
    IncomingOfficerModel,
    ReadyUnitModel,
    decode_unit_ids,
    encode_unit_ids,
)
from bwc_desk.ui.models.table_model import FilterProxy
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.assignments_tab import AssignmentsTab
from tests.conftest import activate, answer, make_actor


def press(key: Qt.Key) -> Callable[[QDialog], None]:
    def act(dialog: QDialog) -> None:
        from PySide6.QtTest import QTest

        QTest.keyClick(dialog, key)
    return act


def snapshot(ctx):
    with ctx.db.read() as s:
        return (
            s.execute(select(func.count()).select_from(CustodyEvent)).scalar_one(),
            s.execute(select(func.count()).select_from(Checkout)).scalar_one(),
            tuple(s.execute(select(Unit.asset_tag, Unit.status, Unit.primary_officer_id,
                                   Unit.pool_id).order_by(Unit.id)).all()),
            tuple(s.execute(select(Officer.badge, Officer.last_name, Officer.active,
                                   Officer.shift, Officer.pin_hash).order_by(Officer.id)).all()),
        )


@pytest.fixture
def desk(qtbot, admin_ctx, clock):
    add = lambda badge, last, division, shift: officers.add_officer(  # noqa: E731
        admin_ctx, OfficerInput(badge, last, "Pat", "Officer", division, shift,
                                scan_code=f"ID-{badge}"))
    o = {
        "d1": add("1001", "Adams", "Patrol", "Day"),
        "d2": add("1002", "Baker", "Traffic", "Day"),
        "d3": add("1003", "Clark", "Patrol", "Day"),
        "e1": add("2001", "Evans", "Traffic", "Evening"),
        "e2": add("2002", "Ford", "Patrol", "Evening"),
        "e3": add("2003", "Gray", "Patrol", "Evening"),
    }
    for i in range(1, 9):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-{i:04d}", f"SER{i:04d}"))
    for tag, key in (("0001", "d1"), ("0002", "d2"), ("0003", "d3"), ("0005", "e3")):
        assignments.assign_primary(admin_ctx, f"HPD-BWC-{tag}", o[key].id)
    ids = {u.asset_tag: u.id for u in inventory.list_units(admin_ctx)}
    sup = make_actor(admin_ctx, Role.SUPERVISOR, "sam")
    qm = make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    counter.issue_unit(qm, o["d3"].id, "HPD-BWC-0003", function_test=FunctionTest())
    state = AppState(sup)
    tab = AssignmentsTab(state)
    tab.resize(1400, 800)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    tab.ensure_loaded()
    qtbot.waitUntil(lambda: tab.roster.loaded and tab.model.rowCount() == 6, timeout=10_000)
    yield {"tab": tab, "sup": sup, "qm": qm, "admin": admin_ctx, "o": o, "ids": ids,
           "state": state, "clock": clock}
    state.runner.shutdown()


def row_of(table, predicate) -> int:
    """The proxy row a person would click for the first row matching ``predicate``."""
    for r in range(table.proxy.rowCount()):
        if predicate(table.proxy.source_row(r)):
            return r
    raise AssertionError("no such row in the table")


def click_row(qtbot, table, predicate, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    view = table.table
    index = table.proxy.index(row_of(table, predicate), 0)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier,
                     view.visualRect(index).center())


def open_page(qtbot, tab, page) -> None:
    tab.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.loaded, timeout=10_000)


# --- models -------------------------------------------------------------------------------


def test_every_model_is_sound(qtmodeltester, desk):
    sup, tab = desk["sup"], desk["tab"]
    qtmodeltester.check(tab.model)
    units = AssignmentUnitModel()
    units.set_rows(inventory.list_units(sup))
    qtmodeltester.check(units)
    pools = PoolTableModel()
    assignments.create_pool(sup, "Traffic pool", "Traffic")
    pools.set_rows(assignments.list_pools(sup))
    qtmodeltester.check(pools)
    board = shift_change.board(sup, "Day", "Evening")
    ready, incoming = ReadyUnitModel(), IncomingOfficerModel()
    ready.set_rows(board.units)
    incoming.set_rows(board.incoming_officers)
    qtmodeltester.check(ready)
    qtmodeltester.check(incoming)
    proposal = ProposalModel()
    proposal.set_proposal(shift_change.propose_reassignment(sup, "Day", "Evening"))
    qtmodeltester.check(proposal)
    for model in (ready, incoming, proposal):
        proxy = FilterProxy()
        proxy.setSourceModel(model)
        qtmodeltester.check(proxy)
    assert [ready.index(r, 0).data() for r in range(ready.rowCount())] == [
        "HPD-BWC-0004", "HPD-BWC-0005", "HPD-BWC-0006", "HPD-BWC-0007", "HPD-BWC-0008"]
    assert incoming.index(0, IncomingOfficerModel.COL_PRIMARY).data() == "none"


def test_unit_ids_travel_in_our_own_mime_type(desk):
    sup, o, ids = desk["sup"], desk["o"], desk["ids"]
    board = shift_change.board(sup, "Day", "Evening")
    ready, incoming = ReadyUnitModel(), IncomingOfficerModel()
    ready.set_rows(board.units)
    incoming.set_rows(board.incoming_officers)
    row = ready.position(ids["HPD-BWC-0006"])
    mime = ready.mimeData([ready.index(row, 0), ready.index(row, 2)])  # one row, two cells
    assert mime.formats()[0] == UNIT_MIME and mime.text() == "HPD-BWC-0006"
    assert decode_unit_ids(mime) == [ids["HPD-BWC-0006"]]
    assert ready.flags(ready.index(row, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    dropped = []
    incoming.units_dropped.connect(lambda unit_ids, officer: dropped.append((unit_ids, officer)))
    ford = incoming.index(incoming.position(o["e2"].id), 0)
    assert incoming.canDropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, ford)
    assert incoming.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, ford)
    assert dropped == [([ids["HPD-BWC-0006"]], incoming.row_at(ford.row()))]
    # Not onto nothing, not text from elsewhere, not when the role may not reassign.
    assert not incoming.canDropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, QModelIndex())
    text = QMimeData()
    text.setText("HPD-BWC-0006")
    assert not incoming.canDropMimeData(text, Qt.DropAction.CopyAction, -1, -1, ford)
    bad = QMimeData()
    bad.setData(UNIT_MIME, b'["1"]')
    assert decode_unit_ids(bad) == [] and decode_unit_ids(encode_unit_ids([3, 4])) == [3, 4]
    incoming.drops_enabled = False
    assert not incoming.canDropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, ford)
    assert not incoming.flags(ford) & Qt.ItemFlag.ItemIsDropEnabled
    assert len(dropped) == 1


# --- the roster -----------------------------------------------------------------------------


def test_new_officer_refused_for_a_duplicate_badge_then_saved(qtbot, desk):
    tab, sup = desk["tab"], desk["sup"]
    roster = tab.roster
    activate(qtbot, tab)
    seen = {}

    def fill(dialog: OfficerDialog) -> None:
        qtbot.keyClicks(dialog.badge_edit, "1001")  # Adams's badge
        qtbot.keyClicks(dialog.last_edit, "Nolan")
        qtbot.keyClicks(dialog.first_edit, "Rita")
        dialog.division_box.setCurrentText("Traffic")
        dialog.shift_box.setCurrentIndex(dialog.shift_box.findText("Night"))
        seen["shifts"] = [dialog.shift_box.itemText(i) for i in range(dialog.shift_box.count())]
        before = snapshot(sup)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "already belongs" in dialog.error_label.text(), timeout=5000)
        seen["error"] = dialog.error_label.text()
        seen["unchanged"] = snapshot(sup) == before
        seen["focus"] = dialog.focusWidget() is dialog.badge_edit
        qtbot.keyClicks(dialog.badge_edit, "00042")  # the whole badge was selected: replaced
        qtbot.keyClicks(dialog.scan_edit, "ID-1002")  # Baker's ID badge: refused too
        qtbot.keyClick(dialog.scan_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "scan code" in dialog.error_label.text(), timeout=5000)
        seen["scan"] = dialog.error_label.text()
        dialog.scan_edit.clear()
        qtbot.keyClick(dialog.scan_edit, Qt.Key.Key_Return)

    answer(qtbot, fill, OfficerDialog)
    qtbot.keyClick(roster.table.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert seen["shifts"] == ["(no shift)", "Day", "Evening", "Night"]
    assert seen["error"].startswith("Badge 1001 already belongs to ")
    assert seen["unchanged"] and seen["focus"]
    assert "ID-1002 already belongs to" in seen["scan"] and "(1002)" in seen["scan"]
    qtbot.waitUntil(lambda: roster.model.rowCount() == 7, timeout=5000)
    row = next(r for r in roster.model.rows() if r.badge == "00042")
    assert (row.name, row.division, row.shift, row.scan_code) == ("Nolan, Rita", "Traffic",
                                                                  "Night", "00042")
    assert "Added Nolan, Rita (00042)" in roster.message.text()


def test_edit_an_officer_with_enter(qtbot, desk):
    roster = desk["tab"].roster
    click_row(qtbot, roster.table, lambda o: o.badge == "2002")

    def edit(dialog: OfficerDialog) -> None:
        assert dialog.badge_edit.text() == "2002" and dialog.shift_box.currentText() == "Evening"
        dialog.shift_box.setCurrentIndex(dialog.shift_box.findText("Day"))
        qtbot.keyClick(dialog.badge_edit, Qt.Key.Key_Return)

    answer(qtbot, edit, OfficerDialog)
    qtbot.keyClick(roster.table.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Saved Ford, Pat (2002)" in roster.message.text(), timeout=5000)
    assert officers.officer_by_id(desk["sup"], desk["o"]["e2"].id).shift == "Day"


def test_deactivating_an_officer_who_holds_a_camera_asks_why_and_flags_them(qtbot, desk):
    tab, sup = desk["tab"], desk["sup"]
    roster = tab.roster
    click_row(qtbot, roster.table, lambda o: o.badge == "1003")  # Clark holds HPD-BWC-0003
    seen = {}

    def deactivate(dialog: DeactivateDialog) -> None:
        before = snapshot(sup)
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)  # no reason: refused in place
        seen["error"] = dialog.error_label.text()
        seen["open"] = dialog.isVisible() and snapshot(sup) == before
        assert dialog.release_box.isChecked()  # his camera goes back to the spares
        qtbot.keyClicks(dialog.reason_edit, "resigned, camera to be collected")
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)

    answer(qtbot, deactivate, DeactivateDialog)
    qtbot.mouseClick(roster.deactivate_button, Qt.MouseButton.LeftButton)
    assert "still holds HPD-BWC-0003: give the reason" in seen["error"] and seen["open"]
    qtbot.waitUntil(lambda: roster.attention.isVisible(), timeout=5000)
    assert "1 deactivated officer still holds a camera: Clark, Pat (1003)" in (
        roster.attention.text())
    row = roster.table.proxy.index(row_of(roster.table, lambda o: o.badge == "1003"),
                                   OfficerTableModel.COL_ACTIVE)
    assert row.data() == "No - holding"
    assert row.data(Qt.ItemDataRole.BackgroundRole).color().name() == "#fee2e2"
    qtbot.mouseClick(roster.attention, Qt.MouseButton.LeftButton)
    assert roster.table.proxy.rowCount() == 1
    events = inventory.unit_history(sup, desk["ids"]["HPD-BWC-0003"])
    assert events[0].kind is EventKind.UNASSIGNED and events[0].staff_username == "sam"
    assert "resigned" in events[0].reason


def test_swap_two_officers_cameras(qtbot, desk):
    roster, sup = desk["tab"].roster, desk["sup"]
    click_row(qtbot, roster.table, lambda o: o.badge == "1001")
    assert not roster.swap_button.isEnabled()
    assert "Select two officers" in roster.swap_button.toolTip()
    click_row(qtbot, roster.table, lambda o: o.badge == "2003",
              Qt.KeyboardModifier.ControlModifier)
    assert roster.swap_button.isEnabled()

    def reason(dialog: ReasonDialog) -> None:
        qtbot.keyClicks(dialog.reason_edit, "Gray to day patrol")
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)

    answer(qtbot, reason, ReasonDialog)
    qtbot.mouseClick(roster.swap_button, Qt.MouseButton.LeftButton)
    assert inventory.unit_detail(sup, "HPD-BWC-0001").primary_officer_id == desk["o"]["e3"].id
    assert inventory.unit_detail(sup, "HPD-BWC-0005").primary_officer_id == desk["o"]["d1"].id
    assert "Swapped" in roster.message.text()
    qtbot.waitUntil(lambda: any(r.primary_unit == "HPD-BWC-0005" and r.badge == "1001"
                                for r in roster.model.rows()), timeout=5000)


def test_assign_a_camera_by_scanning_its_tag_then_unassign(qtbot, desk):
    roster, sup = desk["tab"].roster, desk["sup"]
    click_row(qtbot, roster.table, lambda o: o.badge == "2001")

    def pick(dialog: CameraPickerDialog) -> None:
        qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
        # Others' primary cameras are not offered unless asked for.
        tags = {dialog.table.proxy.source_row(r).asset_tag
                for r in range(dialog.table.proxy.rowCount())}
        assert tags == {"HPD-BWC-0004", "HPD-BWC-0006", "HPD-BWC-0007", "HPD-BWC-0008"}
        qtbot.keyClicks(dialog.table.filter_edit, "hpd-bwc-0007")  # a scanner types, Enter
        qtbot.keyClick(dialog.table.filter_edit, Qt.Key.Key_Return)

    answer(qtbot, pick, CameraPickerDialog)
    qtbot.mouseClick(roster.assign_button, Qt.MouseButton.LeftButton)
    assert "HPD-BWC-0007 is now the primary camera of Evans, Pat (2001)" in roster.message.text()
    qtbot.waitUntil(lambda: any(r.badge == "2001" and r.primary_unit == "HPD-BWC-0007"
                                for r in roster.model.rows()), timeout=5000)
    click_row(qtbot, roster.table, lambda o: o.badge == "2001")
    answer(qtbot, press(Qt.Key.Key_Return), ReasonDialog)
    qtbot.mouseClick(roster.unassign_button, Qt.MouseButton.LeftButton)
    assert inventory.unit_detail(sup, "HPD-BWC-0007").primary_officer_id is None


def test_a_scan_after_an_ambiguous_search_takes_the_scanned_camera_only(qtbot, desk):
    roster, sup = desk["tab"].roster, desk["sup"]
    click_row(qtbot, roster.table, lambda o: o.badge == "2001")
    seen: dict[str, object] = {}

    def pick(dialog: CameraPickerDialog) -> None:
        qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
        qtbot.keyClicks(dialog.table.filter_edit, "00")  # matches several
        qtbot.keyClick(dialog.table.filter_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=5000)
        seen["ambiguous"] = dialog.error_label.text()
        seen["focus"] = dialog.table.filter_edit.hasFocus()
        # Keys typed while the list has the focus go to the search, not to a row.
        dialog.table.table.setFocus()
        qtbot.keyClicks(dialog.table.table, "hpd-bwc-0008")
        seen["search"] = dialog.table.filter_edit.text()
        qtbot.keyClick(dialog.table.filter_edit, Qt.Key.Key_Return)

    answer(qtbot, pick, CameraPickerDialog)
    qtbot.mouseClick(roster.assign_button, Qt.MouseButton.LeftButton)
    assert "cameras match '00'" in str(seen["ambiguous"]) and seen["focus"]
    assert seen["search"] == "hpd-bwc-0008"
    qtbot.waitUntil(lambda: inventory.unit_detail(sup, "HPD-BWC-0008").primary_officer_id
                    is not None, timeout=5000)
    assert inventory.unit_detail(sup, "HPD-BWC-0007").primary_officer_id is None


def test_handover_pin_typed_twice(qtbot, desk):
    roster, sup = desk["tab"].roster, desk["sup"]
    click_row(qtbot, roster.table, lambda o: o.badge == "2002")
    seen = {}

    def pin(dialog: HandoverPinDialog) -> None:
        qtbot.keyClicks(dialog.pin_edit, "480271")
        qtbot.keyClicks(dialog.repeat_edit, "480272")
        qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)
        seen["differ"] = dialog.error_label.text()
        qtbot.keyClicks(dialog.pin_edit, "111111")
        qtbot.keyClicks(dialog.repeat_edit, "111111")
        qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "too easy" in dialog.error_label.text(), timeout=5000)
        qtbot.keyClicks(dialog.pin_edit, "480271")
        qtbot.keyClicks(dialog.repeat_edit, "480271")
        qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)

    before = snapshot(sup)
    answer(qtbot, pin, HandoverPinDialog)
    qtbot.mouseClick(roster.pin_button, Qt.MouseButton.LeftButton)
    assert seen["differ"] == "The two PINs differ; type them again."
    assert snapshot(sup) != before
    with sup.db.read() as s:
        assert s.get(Officer, desk["o"]["e2"].id).pin_hash
    assert roster.message.text().startswith("Handover PIN set for")
    # Clear the PIN: said as such.
    answer(qtbot, lambda dialog: dialog.clear_button.click(), HandoverPinDialog)
    qtbot.mouseClick(roster.pin_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cleared" in roster.message.text(), timeout=5000)
    assert roster.message.text().startswith("Handover PIN cleared for")
    with sup.db.read() as s:
        assert not s.get(Officer, desk["o"]["e2"].id).pin_hash


def test_quartermasters_see_why_they_cannot(qtbot, desk):
    state = AppState(desk["qm"])
    tab = AssignmentsTab(state)
    qtbot.addWidget(tab)
    tab.show()
    tab.ensure_loaded()
    qtbot.waitUntil(lambda: tab.roster.loaded, timeout=5000)
    roster = tab.roster
    for button in (roster.new_button, roster.deactivate_button, roster.swap_button,
                   tab.cameras.pool_button):
        assert not button.isEnabled()
        assert button.toolTip() == "Only supervisor or admin may do this."
    tab.pages.setCurrentWidget(tab.shift_change)
    qtbot.waitUntil(lambda: tab.shift_change.loaded, timeout=5000)
    panel = tab.shift_change
    assert not panel.propose_button.isEnabled() and not panel.officer_model.drops_enabled
    assert panel.propose_button.toolTip() == "Only supervisor or admin may do this."
    state.runner.shutdown()


# --- cameras and pools ----------------------------------------------------------------------


def test_a_camera_scanned_with_the_focus_on_the_pools_is_found(qtbot, desk):
    tab = desk["tab"]
    page = tab.cameras
    open_page(qtbot, tab, page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 8, timeout=5000)
    page.pool_view.setFocus()
    assert QApplication.focusWidget() is page.pool_view
    _scan_into_focus(qtbot, "HPD-BWC-0006")
    assert [u.asset_tag for u in page.selected()] == ["HPD-BWC-0006"]
    assert page.table.filter_edit.text() == "HPD-BWC-0006"


def test_buttons_follow_a_selection_the_list_hides(qtbot, desk):
    """Found by its scan, then the List changed to one without it: the camera is no longer
    selected, and the buttons that act on a selection say so (they stayed enabled and did
    nothing)."""
    tab = desk["tab"]
    page = tab.cameras
    open_page(qtbot, tab, page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 8, timeout=5000)
    page.table.table.setFocus()
    _scan_into_focus(qtbot, "HPD-BWC-0006")
    assert [u.asset_tag for u in page.selected()] == ["HPD-BWC-0006"]
    assert page.assign_button.isEnabled()
    page.show_box.setCurrentText("In a pool")  # (none is)
    assert page.table.proxy.rowCount() == 0 and page.selected() == []
    assert not page.assign_button.isEnabled() and not page.unpool_button.isEnabled()


def test_pools_create_put_in_take_out(qtbot, desk):
    tab, sup = desk["tab"], desk["sup"]
    page = tab.cameras
    open_page(qtbot, tab, page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 8, timeout=5000)
    assert not page.pool_button.isEnabled() and page.pool_button.toolTip() == (
        "Select the cameras first (Ctrl+click, Shift+click).")
    seen = {}

    def create(dialog: NewPoolDialog) -> None:
        qtbot.keyClicks(dialog.name_edit, "Evening pool")
        dialog.shift_box.setCurrentIndex(dialog.shift_box.findText("Evening"))
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)

    answer(qtbot, create, NewPoolDialog)
    qtbot.mouseClick(page.new_pool_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.pool_model.rowCount() == 1, timeout=5000)

    def duplicate(dialog: NewPoolDialog) -> None:
        qtbot.keyClicks(dialog.name_edit, "evening POOL")
        qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "already a pool" in dialog.error_label.text(), timeout=5000)
        seen["duplicate"] = dialog.error_label.text()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    answer(qtbot, duplicate, NewPoolDialog)
    qtbot.mouseClick(page.new_pool_button, Qt.MouseButton.LeftButton)
    assert seen["duplicate"] == "There is already a pool called 'evening POOL'."
    click_row(qtbot, page.table, lambda u: u.asset_tag == "HPD-BWC-0006")
    click_row(qtbot, page.table, lambda u: u.asset_tag == "HPD-BWC-0007",
              Qt.KeyboardModifier.ControlModifier)

    def put(dialog: PoolPickerDialog) -> None:
        qtbot.keyClicks(dialog.reason_edit, "shared for evening")
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)

    answer(qtbot, put, PoolPickerDialog)
    qtbot.mouseClick(page.pool_button, Qt.MouseButton.LeftButton)
    assert "2 cameras put in the pool" in page.message.text()
    qtbot.waitUntil(lambda: page.pool_model.rowCount() == 1
                    and page.pool_model.row_at(0).units == 2, timeout=5000)
    qtbot.mouseClick(page.pool_view.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.pool_view.visualRect(page.pool_model.index(0, 0)).center())
    assert page.show_box.currentText() == "Pool: Evening pool"
    # The camera list reloads on its own after the change (it may come after the pools').
    qtbot.waitUntil(lambda: page.table.proxy.rowCount() == 2, timeout=5000)
    page.table.table.selectAll()
    answer(qtbot, press(Qt.Key.Key_Return), ReasonDialog)
    qtbot.mouseClick(page.unpool_button, Qt.MouseButton.LeftButton)
    assert inventory.unit_detail(sup, "HPD-BWC-0006").pool_id is None
    event = inventory.unit_history(sup, desk["ids"]["HPD-BWC-0006"])[0]
    assert event.kind is EventKind.UNPOOLED and event.staff_username == "sam"


def test_agency_mode_disables_what_does_not_apply(qtbot, desk):
    tab = desk["tab"]
    settings.change_settings(desk["admin"], {"assignment_mode": "pooled"})
    desk["state"].announce(ChangeSet.of({"settings"}))
    roster = tab.roster
    qtbot.waitUntil(lambda: roster.mode == "pooled", timeout=5000)
    click_row(qtbot, roster.table, lambda o: o.badge == "2001")
    assert not roster.assign_button.isEnabled() and "pooled" in roster.assign_button.toolTip()
    assert not tab.shift_change.propose_button.isEnabled()


def test_assign_a_spare_to_an_officer_from_the_cameras_page(qtbot, desk):
    tab, sup = desk["tab"], desk["sup"]
    page = tab.cameras
    open_page(qtbot, tab, page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 8, timeout=5000)
    page.show_box.setCurrentText("Spares (nobody's, no pool)")
    assert {page.table.proxy.source_row(r).asset_tag for r in range(page.table.proxy.rowCount())
            } == {"HPD-BWC-0004", "HPD-BWC-0006", "HPD-BWC-0007", "HPD-BWC-0008"}
    click_row(qtbot, page.table, lambda u: u.asset_tag == "HPD-BWC-0004")

    def pick(dialog) -> None:
        qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
        qtbot.keyClicks(dialog.table.filter_edit, "evans")
        qtbot.keyClick(dialog.table.filter_edit, Qt.Key.Key_Return)  # the only match, taken

    from bwc_desk.ui.dialogs.officer_dialogs import OfficerPickerDialog

    answer(qtbot, pick, OfficerPickerDialog)
    qtbot.mouseClick(page.assign_button, Qt.MouseButton.LeftButton)
    assert "HPD-BWC-0004 is now the primary camera of Evans, Pat (2001)" in page.message.text()
    assert inventory.unit_detail(sup, "HPD-BWC-0004").primary_officer_id == desk["o"]["e1"].id


# --- shift change ---------------------------------------------------------------------------


@pytest.fixture
def board(qtbot, desk):
    tab = desk["tab"]
    panel = tab.shift_change
    tab.pages.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.loaded, timeout=10_000)
    # The test clock stands at the Evening -> Night handover; this test is about Day -> Evening.
    with qtbot.waitSignal(panel.board_loaded, timeout=10_000):
        panel.outgoing_box.setCurrentText("Day")
    with qtbot.waitSignal(panel.board_loaded, timeout=10_000):
        panel.incoming_box.setCurrentText("Evening")
    return panel


def test_the_board_lists_the_handover(qtbot, board, desk):
    assert [r.asset_tag for r in board.out_model.rows()] == ["HPD-BWC-0003"]
    assert board.out_group.title() == "Day: still holding a camera (1)"
    assert [u.asset_tag for u in board.ready_model.rows()] == [
        "HPD-BWC-0004", "HPD-BWC-0005", "HPD-BWC-0006", "HPD-BWC-0007", "HPD-BWC-0008"]
    assert [o.badge for o in board.officer_model.rows()] == ["2001", "2002", "2003"]
    assert "3, 2 without a camera" in board.officer_group.title()
    board.incoming_box.setCurrentText("Day")
    assert board.message.text().startswith("Pick two different shifts")
    with qtbot.waitSignal(board.board_loaded, timeout=10_000):
        board.incoming_box.setCurrentText("Night")
    assert board.message.text() == "" and board.officer_group.title().startswith("Night")


def drop(qtbot, view, mime: QMimeData, index) -> None:
    """What the window system delivers when a person lets go of a drag over ``index``."""
    pos = view.visualRect(index).center()
    actions = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    port = view.viewport()
    QApplication.sendEvent(port, QDragEnterEvent(pos, actions, mime, buttons, mods))
    move = QDragMoveEvent(pos, actions, mime, buttons, mods)
    QApplication.sendEvent(port, move)
    assert move.isAccepted(), "the view refused the drag over the officer"
    QApplication.sendEvent(port, QDropEvent(QPointF(pos), actions, mime, buttons, mods))


def test_drag_a_camera_onto_an_officer(qtbot, board, desk):
    sup, o, ids = desk["sup"], desk["o"], desk["ids"]
    ready_view = board.ready_table.table
    source = board.ready_table.proxy.index(
        row_of(board.ready_table, lambda u: u.asset_tag == "HPD-BWC-0006"), 0)
    mime = ready_view.model().mimeData([source])  # what the view packs when a drag starts
    target = board.officer_table.proxy.index(
        row_of(board.officer_table, lambda x: x.badge == "2002"), 1)
    seen = {}

    def confirm(box: QMessageBox) -> None:
        seen["text"] = box.text()
        press(Qt.Key.Key_Return)(box)  # Yes is the default

    answer(qtbot, confirm, QMessageBox)
    with qtbot.waitSignal(board.assigned, timeout=10_000):
        drop(qtbot, board.officer_table.table, mime, target)
    assert "Make <b>HPD-BWC-0006</b> the primary camera of <b>Ford, Pat (2002)</b>?" in (
        seen["text"])
    assert "HPD-BWC-0006 is now the primary camera of Ford, Pat (2002)" in board.message.text()
    assert inventory.unit_detail(sup, "HPD-BWC-0006").primary_officer_id == o["e2"].id
    event = inventory.unit_history(sup, ids["HPD-BWC-0006"])[0]
    assert (event.kind, event.staff_username, event.reason) == (
        EventKind.ASSIGNED, "sam", "shift change Day -> Evening")
    # The board reloads after the change.
    qtbot.waitUntil(lambda: any(x.badge == "2002" and x.primary_unit == "HPD-BWC-0006"
                                for x in board.officer_model.rows()), timeout=10_000)


def test_select_and_assign_from_the_keyboard_and_say_no(qtbot, board, desk):
    sup = desk["sup"]
    assert not board.assign_button.isEnabled()
    click_row(qtbot, board.ready_table, lambda u: u.asset_tag == "HPD-BWC-0007")
    click_row(qtbot, board.officer_table, lambda x: x.badge == "2001")
    assert board.assign_button.isEnabled()
    before = snapshot(sup)
    answer(qtbot, press(Qt.Key.Key_Escape), QMessageBox)  # changed their mind
    qtbot.keyClick(board.officer_table.table, Qt.Key.Key_Return,
                   Qt.KeyboardModifier.ControlModifier)
    assert board.message.text() == "HPD-BWC-0007 was not assigned."
    assert snapshot(sup) == before
    answer(qtbot, press(Qt.Key.Key_Return), QMessageBox)
    with qtbot.waitSignal(board.assigned, timeout=10_000):
        qtbot.mouseClick(board.assign_button, Qt.MouseButton.LeftButton)
    assert inventory.unit_detail(sup, "HPD-BWC-0007").primary_officer_id == desk["o"]["e1"].id


def test_a_reload_keeps_the_supervisors_selection(qtbot, board, desk):
    click_row(qtbot, board.ready_table, lambda u: u.asset_tag == "HPD-BWC-0007")
    click_row(qtbot, board.officer_table, lambda x: x.badge == "2001")
    # The dock feed reports: one reload, later.
    desk["state"].announce(ChangeSet.of({"docks"}, complete=False, local=False))
    assert board._dock_timer.isActive()
    with qtbot.waitSignal(board.board_loaded, timeout=10_000):
        board._dock_timer.timeout.emit()
    assert [u.asset_tag for u in board.ready_table.selected_rows()] == ["HPD-BWC-0007"]
    assert [x.badge for x in board.officer_table.selected_rows()] == ["2001"]
    assert board.assign_button.isEnabled()


def test_dropping_two_cameras_on_one_officer_is_refused(qtbot, board, desk):
    before = snapshot(desk["sup"])
    two = encode_unit_ids([desk["ids"]["HPD-BWC-0006"], desk["ids"]["HPD-BWC-0007"]])
    target = board.officer_table.proxy.index(0, 0)
    drop(qtbot, board.officer_table.table, two, target)
    qtbot.waitUntil(lambda: "Drop one camera on one officer" in board.message.text(),
                    timeout=5000)
    assert snapshot(desk["sup"]) == before


def test_the_proposal_is_reviewed_edited_and_committed(qtbot, board, desk):
    sup, o = desk["sup"], desk["o"]
    tab = desk["tab"]
    before = snapshot(sup)
    with qtbot.waitSignal(board.proposal_ready, timeout=10_000):
        qtbot.mouseClick(board.propose_button, Qt.MouseButton.LeftButton)
    assert snapshot(sup) == before  # a proposal writes nothing
    model = board.proposal_model
    rows = [(m.asset_tag, m.to_officer) for m in model.rows()]
    assert rows == [("HPD-BWC-0001", "Ford, Pat (2002)"), ("HPD-BWC-0002", "Evans, Pat (2001)")]
    assert "HPD-BWC-0003 (Clark, Pat (1003))" in board.proposal_notes.text()
    assert board.reason_edit.text() == "shift change Day -> Evening"
    assert board.commit_button.text() == "&Commit 2 moves"
    # Row 1 goes to Evans instead: F2 on the "To" cell opens the combo of officers.
    view = board.proposal_table.table
    view.setCurrentIndex(board.proposal_table.proxy.index(0, ProposalModel.COL_TO))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    combo = view.findChild(QComboBox, "candidate_editor")
    assert combo is not None and combo.isVisible()
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels == ["Evans, Pat (2001) - Traffic (gets HPD-BWC-0002 in another row)",
                      "Ford, Pat (2002) - Patrol"]
    combo.setCurrentIndex(0)
    qtbot.keyClick(combo, Qt.Key.Key_Return)  # the view commits the editor's choice queued
    qtbot.waitUntil(lambda: model.row_at(0).to_officer == "Evans, Pat (2001)", timeout=5000)
    assert "gets more than one camera" in model.index(0, ProposalModel.COL_NOTE).data()
    # ... and row 2 is removed with Delete.
    activate(qtbot, tab)
    view.setFocus()
    view.selectRow(1)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert [m.asset_tag for m in model.rows()] == ["HPD-BWC-0001"]
    assert model.index(0, ProposalModel.COL_NOTE).data() == "other division"
    board.reason_edit.setText("shift change Day -> Evening, Traffic short")
    answer(qtbot, press(Qt.Key.Key_Return), QMessageBox)
    with qtbot.waitSignal(board.committed, timeout=10_000) as blocker:
        qtbot.mouseClick(board.commit_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].moved == 1
    assert board.stack.currentWidget() is board.board_page
    assert "1 camera reassigned" in board.message.text()
    assert inventory.unit_detail(sup, "HPD-BWC-0001").primary_officer_id == o["e1"].id
    assert inventory.unit_detail(sup, "HPD-BWC-0002").primary_officer_id == o["d2"].id
    assigned, unassigned = inventory.unit_history(sup, desk["ids"]["HPD-BWC-0001"])[:2]
    assert (assigned.kind, unassigned.kind) == (EventKind.ASSIGNED, EventKind.UNASSIGNED)
    assert assigned.reason == "shift change Day -> Evening, Traffic short"
    assert assigned.staff_username == unassigned.staff_username == "sam"


def test_a_stale_proposal_is_refused_whole_and_the_rows_marked(qtbot, board, desk):
    sup, qm, o = desk["sup"], desk["qm"], desk["o"]
    with qtbot.waitSignal(board.proposal_ready, timeout=10_000):
        qtbot.mouseClick(board.propose_button, Qt.MouseButton.LeftButton)
    # Meanwhile at the counter, Baker takes his camera out.
    desk["clock"].advance(minutes=1)
    counter.issue_unit(qm, o["d2"].id, "HPD-BWC-0002", function_test=FunctionTest())
    before = snapshot(sup)
    answer(qtbot, press(Qt.Key.Key_Return), QMessageBox)
    qtbot.mouseClick(board.commit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Nothing was changed" in board.proposal_message.text(),
                    timeout=10_000)
    assert snapshot(sup) == before
    assert ("HPD-BWC-0002 was issued to Baker, Pat (1002) at DESK-1 at 01:46 since this "
            "proposal was made") in board.proposal_message.text()
    model = board.proposal_model
    assert board.stack.currentWidget() is board.proposal_page
    assert "issued to Baker" in model.index(1, ProposalModel.COL_NOTE).data()
    assert model.index(1, 0).data(Qt.ItemDataRole.BackgroundRole).color().name() == "#fee2e2"
    assert model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    # Remove the bad row, commit the rest.
    model.removeRows(1, 1)
    answer(qtbot, press(Qt.Key.Key_Return), QMessageBox)
    with qtbot.waitSignal(board.committed, timeout=10_000):
        qtbot.mouseClick(board.commit_button, Qt.MouseButton.LeftButton)
    assert inventory.unit_detail(sup, "HPD-BWC-0001").primary_officer_id == o["e2"].id


def test_back_to_the_board_writes_nothing(qtbot, board, desk):
    before = snapshot(desk["sup"])
    with qtbot.waitSignal(board.proposal_ready, timeout=10_000):
        qtbot.mouseClick(board.propose_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(board.back_button, Qt.MouseButton.LeftButton)
    assert board.stack.currentWidget() is board.board_page
    assert snapshot(desk["sup"]) == before


def test_a_pool_camera_scanned_for_an_officer_asks_before_it_leaves_its_pool(qtbot, desk):
    roster, sup = desk["tab"].roster, desk["sup"]
    pool = assignments.create_pool(sup, "Traffic pool", "Traffic")
    assignments.put_in_pool(sup, [desk["ids"]["HPD-BWC-0007"]], pool.id)
    click_row(qtbot, roster.table, lambda o: o.badge == "2001")
    asked: list[str] = []

    def scan_then(reply: QMessageBox.StandardButton) -> Callable[[QDialog], None]:
        def pick(dialog: QDialog) -> None:
            assert isinstance(dialog, CameraPickerDialog)
            qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)

            def decide(box: QDialog) -> None:
                assert isinstance(box, QMessageBox)
                asked.append(box.text())
                box.button(reply).click()

            qtbot.keyClicks(dialog.table.filter_edit, "hpd-bwc-0007")  # a scanner types, Enter
            qtbot.keyClick(dialog.table.filter_edit, Qt.Key.Key_Return)
            # The reason can be typed before the question (it came first: a tester).
            assert dialog.focusWidget() is dialog.reason_edit and not asked[1:]
            assert "leaves the pool Traffic pool" in dialog.note.text()
            assert "Type the reason" in dialog.note.text()
            answer(qtbot, decide, QMessageBox)
            qtbot.keyClicks(dialog.reason_edit, "traffic detail this week")
            qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)
            if reply == QMessageBox.StandardButton.No:
                qtbot.waitUntil(lambda: len(asked) == 1, timeout=5000)
                assert dialog.isVisible()  # (still open: another camera may be picked)
                dialog.reject()
        return pick

    answer(qtbot, scan_then(QMessageBox.StandardButton.No), CameraPickerDialog)
    qtbot.mouseClick(roster.assign_button, Qt.MouseButton.LeftButton)
    assert asked and "Traffic pool" in asked[0] and "Evans" in asked[0]
    unit = inventory.unit_detail(sup, "HPD-BWC-0007")
    assert unit.pool_id == pool.id and unit.primary_officer_id is None
    answer(qtbot, scan_then(QMessageBox.StandardButton.Yes), CameraPickerDialog)
    qtbot.mouseClick(roster.assign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: inventory.unit_detail(sup, "HPD-BWC-0007").primary_officer_id
                    == desk["o"]["e1"].id, timeout=5000)
    assert inventory.unit_detail(sup, "HPD-BWC-0007").pool_id is None and len(asked) == 2


def test_another_officers_camera_scanned_asks_after_the_reason_and_no_goes_back(qtbot, desk):
    """A tester: Enter on another officer's camera asked at once, before a reason could be
    typed. Now the reason comes first, then the question; No puts the cursor back in the
    search (the next scan replaces the code, it does not land in Reason)."""
    roster, sup = desk["tab"].roster, desk["sup"]
    click_row(qtbot, roster.table, lambda o: o.badge == "2001")
    asked: list[str] = []
    seen: dict[str, object] = {}

    def pick(dialog: QDialog) -> None:
        assert isinstance(dialog, CameraPickerDialog)
        qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
        dialog.every_box.setChecked(True)
        dialog.table.filter_edit.setFocus()
        qtbot.keyClicks(dialog.table.filter_edit, "hpd-bwc-0001")  # Adams's camera
        qtbot.keyClick(dialog.table.filter_edit, Qt.Key.Key_Return)
        dialog.table.filter_edit.setFocus()  # (back in the search, Enter again)
        qtbot.keyClick(dialog.table.filter_edit, Qt.Key.Key_Return)
        seen["focus"] = dialog.focusWidget() is dialog.reason_edit
        seen["note"] = dialog.note.text()

        def no(box: QDialog) -> None:
            assert isinstance(box, QMessageBox)
            asked.append(box.text())
            box.button(QMessageBox.StandardButton.No).click()

        answer(qtbot, no, QMessageBox)
        qtbot.keyClicks(dialog.reason_edit, "Adams on leave")
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: len(asked) == 1, timeout=5000)
        seen["back"] = dialog.focusWidget() is dialog.table.filter_edit
        seen["selected"] = dialog.table.filter_edit.selectedText()
        qtbot.keyClicks(dialog.table.filter_edit, "hpd-bwc-0004")  # a spare: taken at once
        qtbot.keyClick(dialog.table.filter_edit, Qt.Key.Key_Return)

    answer(qtbot, pick, CameraPickerDialog)
    qtbot.mouseClick(roster.assign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: inventory.unit_detail(sup, "HPD-BWC-0004").primary_officer_id
                    == desk["o"]["e1"].id, timeout=5000)
    assert seen["focus"] and seen["back"] and seen["selected"] == "hpd-bwc-0001"
    note = str(seen["note"])
    assert note.count("Type the reason") == 1 and "primary camera of Adams" in note
    assert "Adams" in asked[0] and len(asked) == 1
    assert inventory.unit_detail(sup, "HPD-BWC-0001").primary_officer_id == desk["o"]["d1"].id


def test_an_id_badge_scanned_on_the_roster_selects_that_officer(qtbot, desk):
    """A badge scanned while the roster's table has the focus: the code goes to the filter,
    Enter selects that officer (no Edit dialog for whoever the table's type-ahead reached),
    and the next scan replaces the code."""
    roster = desk["tab"].roster
    click_row(qtbot, roster.table, lambda o: o.badge == "1001")
    qtbot.keyClicks(roster.table.table, "ID-2002")
    qtbot.keyClick(roster.table.filter_edit, Qt.Key.Key_Return)
    assert [o.badge for o in roster.selected()] == ["2002"]
    # (The card's code is not a column: the filter shows the badge it belongs to.)
    assert roster.table.filter_edit.text() == "2002"
    assert roster.table.filter_edit.selectedText() == "2002"  # (the next scan replaces it)
    qtbot.keyClicks(roster.table.filter_edit, "1003")
    qtbot.keyClick(roster.table.filter_edit, Qt.Key.Key_Return)
    assert [o.badge for o in roster.selected()] == ["1003"]


def _scan_into_focus(qtbot, code: str) -> None:
    """A scanner's keys and Enter, into whatever has the keyboard's focus."""
    for char in code:
        qtbot.keyClick(QApplication.focusWidget(), char)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)


def test_a_badge_scanned_with_the_focus_on_a_button_or_the_list_box_is_found(qtbot, desk):
    """Anywhere on the roster page: a scan with the focus on a button or on the List box
    selects the officer as from the filter, and the List box keeps its choice (its keys
    would have chosen another list)."""
    roster = desk["tab"].roster
    click_row(qtbot, roster.table, lambda o: o.badge == "1001")
    roster.edit_button.setFocus()
    assert QApplication.focusWidget() is roster.edit_button
    _scan_into_focus(qtbot, "ID-2002")
    assert [o.badge for o in roster.selected()] == ["2002"]
    assert roster.table.filter_edit.hasFocus() and roster.table.filter_edit.text() == "2002"
    shown = roster.show_box.currentText()
    roster.show_box.setFocus()
    _scan_into_focus(qtbot, "ID-1003")
    assert [o.badge for o in roster.selected()] == ["1003"]
    assert roster.show_box.currentText() == shown


def test_after_a_dialog_and_a_view_switch_the_next_scan_is_found_on_its_own(qtbot, desk):
    """A hands-on tester's findings: after a dialog (New officer..., Escape) a scan was lost;
    after another view and back, the box's last code was not selected and the next scan
    was added to it ("99900102"); a miss's red note stayed after the next scan found its
    officer."""
    tab = desk["tab"]
    roster = tab.roster
    activate(qtbot, tab)
    _scan_into_focus_of(qtbot, roster.table.table, "ID-9999")
    assert roster.message.text() == "No officer has the badge or ID card ID-9999."
    answer(qtbot, press(Qt.Key.Key_Escape), OfficerDialog)
    qtbot.mouseClick(roster.new_button, Qt.MouseButton.LeftButton)
    activate(qtbot, tab)  # (the window system gives the window back its activation)
    assert QApplication.focusWidget() is roster.table.table  # (the list: scans work there)
    _scan_into_focus(qtbot, "ID-2002")
    assert [o.badge for o in roster.selected()] == ["2002"]
    assert roster.message.text() == ""  # (the miss's note went with the next code)
    # Away (another widget takes the focus) and back, as a view switch does.
    roster.new_button.setFocus()
    roster.table.filter_edit.setFocus(Qt.FocusReason.OtherFocusReason)
    assert roster.table.filter_edit.selectedText() == "2002"
    _scan_into_focus(qtbot, "1003")
    assert [o.badge for o in roster.selected()] == ["1003"]
    assert roster.table.filter_edit.text() == "1003"
    # A click in the box places the cursor: nothing is selected for the person.
    roster.new_button.setFocus()
    qtbot.mouseClick(roster.table.filter_edit, Qt.MouseButton.LeftButton)
    assert roster.table.filter_edit.selectedText() == ""


def _scan_into_focus_of(qtbot, widget, code: str) -> None:  # type: ignore[no-untyped-def]
    widget.setFocus()
    _scan_into_focus(qtbot, code)


def test_a_badge_scan_on_the_roster_shows_a_hidden_officer_and_says_when_none(qtbot, desk):
    roster = desk["tab"].roster
    roster.show_box.setCurrentText("Inactive")
    assert roster.table.proxy.rowCount() == 0
    roster.table.table.setFocus()
    qtbot.keyClicks(roster.table.table, "ID-1002")
    qtbot.keyClick(roster.table.filter_edit, Qt.Key.Key_Return)
    assert roster.show_box.currentText() == "All officers"
    assert [o.badge for o in roster.selected()] == ["1002"]
    assert "Baker, Pat (1002) was not in the list 'Inactive'" in roster.message.text()
    assert roster.edit_button.isEnabled()
    qtbot.keyClicks(roster.table.filter_edit, "ID-9999")
    qtbot.keyClick(roster.table.filter_edit, Qt.Key.Key_Return)
    assert roster.selected() == [] and not roster.edit_button.isEnabled()
    assert roster.message.text() == "No officer has the badge or ID card ID-9999."


def test_a_commit_with_no_reason_is_refused_before_the_question(qtbot, board, desk):
    """A tester's proposal lost its reason (another person had signed in) and Commit asked
    "...with the reason ''?" before refusing after Yes. A blank reason is said at once, and
    nothing is asked."""
    from PySide6.QtWidgets import QApplication

    before = snapshot(desk["sup"])
    with qtbot.waitSignal(board.proposal_ready, timeout=10_000):
        qtbot.mouseClick(board.propose_button, Qt.MouseButton.LeftButton)
    board.reason_edit.setText("   ")
    asked: list[object] = []
    answer(qtbot, lambda box: (asked.append(box), box.reject()), QMessageBox, tries=25)
    qtbot.mouseClick(board.commit_button, Qt.MouseButton.LeftButton)
    qtbot.wait(600)  # (what the answer's polling would have caught)
    assert asked == [] and QApplication.activeModalWidget() is None
    assert "Give a reason" in board.proposal_message.text()
    assert board.reason_edit.hasFocus() or QApplication.focusWidget() is board.reason_edit
    assert snapshot(desk["sup"]) == before

"""The Inventory view driven the way evidence-room staff use it: typing in the filter,
Enter on a row, the toolbar and context menu, dialogs answered with the keyboard."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog

from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Role
from bwc_desk.domain.units import UnitAction, UnitStatus
from bwc_desk.services import assignments, counter, inventory, officers
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.dto import UnitRow
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store.ledger import append_custody
from bwc_desk.ui.models.history_table_model import HistoryTableModel
from bwc_desk.ui.models.unit_table_model import UnitTableModel
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views import unit_detail
from bwc_desk.ui.views.inventory_tab import InventoryTab
from bwc_desk.ui.views.unit_detail import UnitDetailDialog
from tests.conftest import answer, make_actor

# --- fixtures ------------------------------------------------------------------------------


def snapshot(ctx):
    """What a refusal must leave unchanged: every custody event and every unit's state."""
    units = tuple(
        (u.asset_tag, u.serial, u.status, u.pool_id, u.primary_officer_id, u.status_reason)
        for u in inventory.list_units(ctx)
    )
    return len(inventory_events(ctx)), units


def inventory_events(ctx):
    from sqlalchemy import select

    from bwc_desk.store.models import CustodyEvent

    with ctx.db.read() as s:
        return list(s.execute(select(CustodyEvent.seq)).scalars())


def open_tab(qtbot, ctx) -> InventoryTab:
    state = AppState(ctx)
    errors: list[BaseException] = []
    state.error_handler = errors.append
    tab = InventoryTab(state)
    tab.errors = errors  # type: ignore[attr-defined]
    qtbot.addWidget(tab)
    tab.resize(1400, 800)
    tab.show()
    qtbot.waitExposed(tab)
    with qtbot.waitSignal(tab.rows_loaded, timeout=10_000):
        tab.ensure_loaded()
    return tab


@pytest.fixture
def room(qtbot, admin_ctx):
    """Twelve cameras, an officer with one of them out, a supervisor at the desk."""
    smith = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John", shift="Day"))
    for i in range(1, 13):
        model = "Axon Body 3" if i <= 8 else "Axon Body 4"
        inventory.add_unit(
            admin_ctx,
            UnitInput(f"HPD-BWC-{i:04d}", f"X60A{i:04d}", model, warranty_until=date(2027, 1, i)),
        )
    assignments.assign_primary(admin_ctx, "HPD-BWC-0001", smith.id)
    qm = make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=FunctionTest())
    sup = make_actor(admin_ctx, Role.SUPERVISOR, "sam")
    tab = open_tab(qtbot, sup)
    yield {"tab": tab, "sup": sup, "admin": admin_ctx, "qm": qm, "smith": smith}
    tab.state.runner.shutdown()


def row_of(tab: InventoryTab, tag: str) -> int:
    proxy = tab.table.proxy
    for r in range(proxy.rowCount()):
        if proxy.index(r, 0).data() == tag:
            return r
    raise AssertionError(f"{tag} is not shown")


def select_tags(qtbot, tab: InventoryTab, *tags: str) -> None:
    """Click the first row, Ctrl+click the others, as a person selects."""
    view = tab.table.table
    for i, tag in enumerate(tags):
        index = tab.table.proxy.index(row_of(tab, tag), 0)
        view.scrollTo(index)
        rect = view.visualRect(index)
        modifier = Qt.KeyboardModifier.ControlModifier if i else Qt.KeyboardModifier.NoModifier
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())
    assert {u.asset_tag for u in tab.selected_units()} == set(tags)


def unit(ctx, tag: str) -> UnitRow:
    return next(u for u in inventory.list_units(ctx) if u.asset_tag == tag)


# --- models --------------------------------------------------------------------------------


def test_models_pass_the_model_tester(qtmodeltester, room):
    tab = room["tab"]
    qtmodeltester.check(tab.model)
    qtmodeltester.check(tab.table.proxy)
    history = HistoryTableModel()
    events = inventory.unit_history(room["sup"], unit(room["sup"], "HPD-BWC-0001").id)
    asked: list[int] = []
    history.more_wanted.connect(asked.append)
    history.set_first_page(HistoryTableModel.prepare(events[:2]), True)
    assert history.canFetchMore()
    qtmodeltester.check(history)  # the tester calls fetchMore(), as a view scrolled down does
    assert asked == [events[1].seq] and not history.canFetchMore()  # one request at a time
    history.append_page(HistoryTableModel.prepare(events[1:]), False)  # overlap is dropped
    assert [history.row_at(i).seq for i in range(history.rowCount())] == [e.seq for e in events]
    qtmodeltester.check(history)
    assert history.columnCount() == 8
    assert history.headerData(3, Qt.Orientation.Horizontal) == "Officer"


# --- the table at 25,000 units ---------------------------------------------------------------


def many_units(n: int) -> list[UnitRow]:
    rng = random.Random(7)
    statuses = list(UnitStatus)
    models = ("Axon Body 3", "Axon Body 4", "Motorola V300")
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    rows = []
    for i in range(1, n + 1):
        status = rng.choice(statuses)
        rows.append(
            UnitRow(
                id=i,
                asset_tag=f"BWC-{i:05d}",
                serial=f"SN{i * 7919 % 10**8:08d}",
                model=models[i % 3],
                firmware=f"1.{i % 7}.0",
                status=status,
                holder=f"Officer{i % 4000}, Pat ({i % 4000:05d})"
                if status is UnitStatus.ISSUED
                else "",
                last_event="issued" if status is UnitStatus.ISSUED else "returned",
                last_event_at=now - timedelta(minutes=i),
                warranty_until=date(2027, 1, 1) + timedelta(days=i % 365),
            )
        )
    return rows


def test_last_custody_event_sorts_by_time_not_by_kind(room):
    # HPD-BWC-0001 was issued last; the others were only registered ("issued" < "registered").
    model = room["tab"].model
    model.sort(UnitTableModel.COL_LAST, Qt.SortOrder.DescendingOrder)
    times = [r.last_event_at for r in model.rows()]
    assert times == sorted(times, reverse=True)
    assert model.rows()[0].asset_tag == "HPD-BWC-0001"


def test_the_filter_through_the_proxy_at_25000_units(qtbot, qtmodeltester, admin_ctx, monkeypatch):
    rows = many_units(25_000)
    monkeypatch.setattr(inventory, "list_units", lambda ctx: rows)
    tab = open_tab(qtbot, admin_ctx)
    table = tab.table
    assert tab.model.rowCount() == 25_000 and table.count_label.text() == "25,000"

    def shown() -> list[str]:
        return [table.proxy.index(r, 0).data() for r in range(table.proxy.rowCount())]

    qtbot.keyClicks(table.filter_edit, "bwc-0123")
    expected = [r.asset_tag for r in rows if "bwc-0123" in r.asset_tag.lower()]
    qtbot.waitUntil(lambda: shown() == expected, timeout=5000)
    assert len(expected) == 10 and table.count_label.text() == "10 of 25,000"

    # Two words: both must appear somewhere in the row, in any column, any case.
    table.filter_edit.clear()
    qtbot.keyClicks(table.filter_edit, "Officer12 AXON")
    want = {
        r.asset_tag for r in rows if "officer12" in r.holder.lower() and "axon" in r.model.lower()
    }
    qtbot.waitUntil(lambda: set(shown()) == want, timeout=5000)
    assert len(want) > 20

    # Quick filters narrow what the words found.
    tab.status_box.setCurrentText("issued")
    tab.model_box.setCurrentText("Axon Body 4")
    narrower = {
        r.asset_tag
        for r in rows
        if "officer12" in r.holder.lower()
        and r.model == "Axon Body 4"
        and r.status is UnitStatus.ISSUED
    }
    qtbot.waitUntil(lambda: set(shown()) == narrower, timeout=5000)
    assert 0 < len(narrower) < len(want)

    # Every column sorts, through the header, on all 25,000 rows.
    table.filter_edit.clear()
    tab.status_box.setCurrentText("All")
    tab.model_box.setCurrentText("All")
    qtbot.waitUntil(lambda: table.proxy.rowCount() == 25_000, timeout=5000)
    header = table.table.horizontalHeader()
    for column in range(tab.model.columnCount()):
        table.table.scrollTo(table.proxy.index(0, column))
        for _ in range(2):  # a click sorts, a second click reverses
            x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
            qtbot.mouseClick(
                header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
            )
            assert header.sortIndicatorSection() == column
            descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
            texts = [table.proxy.index(r, column).data() for r in range(3000)]
            filled = [t.lower() for t in texts if t]
            if column != UnitTableModel.COL_LAST:  # "issued 2026-..." sorts by its time
                assert filled == sorted(filled, reverse=descending), column
    # Last: the tester stays attached and checks every later change, row range by row range.
    qtbot.keyClicks(table.filter_edit, "bwc-0123")
    qtbot.waitUntil(lambda: table.proxy.rowCount() == 10, timeout=5000)
    qtmodeltester.check(table.proxy)


# --- the detail panel ------------------------------------------------------------------------


def test_enter_opens_the_panel_which_follows_the_selection(qtbot, room):
    tab, sup = room["tab"], room["sup"]
    view = tab.table.table
    assert not tab.detail.isVisible()
    view.setFocus()
    view.setCurrentIndex(tab.table.proxy.index(row_of(tab, "HPD-BWC-0001"), 0))
    with qtbot.waitSignal(tab.detail.history_loaded, timeout=5000):
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert tab.detail.isVisible() and tab.detail.title.text() == "HPD-BWC-0001"
    fields = tab.detail.fields
    assert fields["holder"].text() == "Smith, John (0412)"
    assert fields["primary"].text() == "Smith, John (0412)"
    assert fields["warranty"].text() == "2027-01-01"
    kinds = [tab.detail.history_model.row_at(i).kind for i in range(3)]
    assert kinds == [EventKind.ISSUED, EventKind.ASSIGNED, EventKind.REGISTERED]  # newest first
    assert tab.detail.history_label.text() == "3 events"

    with qtbot.waitSignal(tab.detail.unit_loaded, timeout=5000) as loaded:
        qtbot.keyClick(view, Qt.Key.Key_Down)
    assert loaded.args[0].asset_tag == "HPD-BWC-0002"
    assert tab.detail.title.text() == "HPD-BWC-0002" and fields["holder"].text() == "-"

    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not tab.detail.isVisible()
    # Double-click opens it again (a view takes a double-click after the press of a click).
    index = tab.table.proxy.index(row_of(tab, "HPD-BWC-0005"), 0)
    center = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    with qtbot.waitSignal(tab.detail.unit_loaded, timeout=5000):
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    assert tab.detail.title.text() == "HPD-BWC-0005"
    assert sup.actor is not None


def add_events(ctx, unit_id: int, n: int) -> None:
    with ctx.db.write() as session:
        at = ctx.now()
        for i in range(n):
            append_custody(
                session,
                at=at + timedelta(seconds=i),
                kind=EventKind.UPDATED.value,
                unit_id=unit_id,
                officer_id=None,
                staff_id=None,
                staff_username="test",
                station="DESK-1",
                reason=f"note {i}",
            )


def test_history_pages_in_as_it_is_scrolled(qtbot, room):
    tab, admin = room["tab"], room["admin"]
    target = unit(admin, "HPD-BWC-0003")
    add_events(admin, target.id, 450)  # plus "registered": 451 in all
    tab.table.table.setCurrentIndex(tab.table.proxy.index(row_of(tab, "HPD-BWC-0003"), 0))
    with qtbot.waitSignal(tab.detail.history_loaded, timeout=5000):
        tab.open_details()
    model, view = tab.detail.history_model, tab.detail.history
    assert model.rowCount() == unit_detail.PAGE and model.has_more
    assert "scroll down for older" in tab.detail.history_label.text()
    for expected in (2 * unit_detail.PAGE, 451):
        with qtbot.waitSignal(tab.detail.history_loaded, timeout=5000):
            view.scrollToBottom()
        assert model.rowCount() == expected
    seqs = [model.row_at(i).seq for i in range(model.rowCount())]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == 451
    assert model.row_at(450).kind is EventKind.REGISTERED
    assert not model.has_more and tab.detail.history_label.text() == "451 events"

    # Another station records an event meanwhile: it goes on top, the reader keeps the place.
    scrolled = view.verticalScrollBar().value()
    assert scrolled > 0
    inventory.send_to_repair(room["sup"], "HPD-BWC-0003", "lens cracked")
    with qtbot.waitSignal(tab.detail.history_loaded, timeout=5000):
        tab.state.announce(ChangeSet.of({"units"}, complete=False, local=False))  # as the watcher
    assert model.rowCount() == 452 and model.row_at(0).kind is EventKind.SENT_TO_REPAIR
    assert model.row_at(451).kind is EventKind.REGISTERED
    assert view.verticalScrollBar().value() >= scrolled
    assert tab.detail.status_chip.text().strip() == "In repair"


def test_a_refresh_during_a_page_load_does_not_stop_the_paging(qtbot, room):
    tab, admin = room["tab"], room["admin"]
    target = unit(admin, "HPD-BWC-0003")
    add_events(admin, target.id, 450)
    tab.table.table.setCurrentIndex(tab.table.proxy.index(row_of(tab, "HPD-BWC-0003"), 0))
    with qtbot.waitSignal(tab.detail.history_loaded, timeout=5000):
        tab.open_details()
    model, view = tab.detail.history_model, tab.detail.history
    view.scrollToBottom()  # asks for the next page...
    assert not model.canFetchMore()
    # ...and a dock report overtakes it.
    tab.state.announce(ChangeSet.of({"custody"}, complete=False, local=False))
    # The overtaken page is asked for again by itself: the reader is still at the bottom.
    qtbot.waitUntil(lambda: model.rowCount() >= 2 * unit_detail.PAGE, timeout=5000)
    view.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() == 451, timeout=5000)
    assert not model.has_more


def test_history_model_asks_again_after_a_dropped_page(qtbot):
    model = HistoryTableModel()
    model.set_first_page(HistoryTableModel.prepare([]), True)
    assert model.canFetchMore()
    model._asked = True  # as fetchMore leaves it while the page is on its way
    assert not model.canFetchMore()
    model.page_dropped()
    assert model.canFetchMore()


def test_unit_detail_dialog_on_its_own(qtbot, room):
    target = unit(room["sup"], "HPD-BWC-0001")
    dialog = UnitDetailDialog(room["tab"].state, target.id)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.panel.history_loaded, timeout=5000):
        dialog.show()
    assert dialog.windowTitle().startswith("HPD-BWC-0001 (issued)")
    assert dialog.panel.history_model.rowCount() == 3
    assert not dialog.panel.close_button.isVisible()


def test_history_exports_to_csv_and_pdf(qtbot, room, tmp_path, monkeypatch):
    tab = room["tab"]
    tab.table.table.setCurrentIndex(tab.table.proxy.index(row_of(tab, "HPD-BWC-0001"), 0))
    with qtbot.waitSignal(tab.detail.history_loaded, timeout=5000):
        tab.open_details()
    for name, button in (("h.csv", tab.detail.csv_button), ("h.pdf", tab.detail.pdf_button)):
        path = tmp_path / name
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", staticmethod(lambda *a, p=path, **k: (str(p), ""))
        )
        assert button.isEnabled()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda p=path: p.name in tab.detail.note.text(), timeout=10_000)
        assert "3 events of HPD-BWC-0001" in tab.detail.note.text()
    assert (tmp_path / "h.csv").read_text(encoding="utf-8-sig").count("\n") == 4
    assert (tmp_path / "h.pdf").read_bytes().startswith(b"%PDF")


def test_a_long_history_pdf_paginates(qtbot, room, tmp_path):
    from PySide6.QtGui import QGuiApplication  # noqa: F401 - the app exists (qtbot)

    sup = room["sup"]
    target = unit(sup, "HPD-BWC-0002")
    add_events(room["admin"], target.id, 120)
    row, events = inventory.full_unit_history(sup, target.id)
    assert len(events) >= 120
    pages = unit_detail.write_history_pdf(tmp_path / "h.pdf", row, events, "Sam", "DESK-1")
    data = (tmp_path / "h.pdf").read_bytes()
    # 120 events at about 30 lines a landscape Letter page: at least four pages, all in the file.
    assert pages >= 4
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") == pages


# --- changing units ---------------------------------------------------------------------------


def test_add_unit_refuses_a_duplicate_serial_then_adds(qtbot, room):
    from bwc_desk.ui.dialogs.unit_dialogs import UnitDialog

    tab, sup = room["tab"], room["sup"]
    before = snapshot(sup)
    seen: list[str] = []

    def fill(dialog: UnitDialog) -> None:
        qtbot.keyClicks(dialog.tag_edit, "hpd-bwc-0100")
        qtbot.keyClicks(dialog.serial_edit, "x60a0002")  # HPD-BWC-0002's serial
        dialog.model_box.setCurrentText("Axon Body 4")
        qtbot.keyClicks(dialog.warranty_edit, "10/5/2028")
        qtbot.keyClick(dialog.serial_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=5000)
        seen.append(dialog.error_label.text())
        assert dialog.isVisible()  # the dialog stays open for a fix
        seen.append(str(snapshot(sup) == before))
        assert dialog.serial_edit.hasFocus()  # the field to correct
        dialog.serial_edit.clear()
        qtbot.keyClicks(dialog.serial_edit, "X61B0100")
        qtbot.keyClick(dialog.serial_edit, Qt.Key.Key_Return)

    answer(qtbot, fill, UnitDialog)
    with qtbot.waitSignal(tab.rows_loaded, timeout=10_000):
        tab.add_action.trigger()
    assert "The serial X60A0002 is already used by HPD-BWC-0002" in seen[0]
    assert seen[1] == "True"
    added = unit(sup, "HPD-BWC-0100")
    assert added.serial == "X61B0100" and added.warranty_until == date(2028, 10, 5)
    assert row_of(tab, "HPD-BWC-0100") >= 0
    assert [u.asset_tag for u in tab.selected_units()] == ["HPD-BWC-0100"]  # selected for labels


def test_edit_records_the_change(qtbot, room):
    from bwc_desk.ui.dialogs.unit_dialogs import UnitDialog

    tab, sup = room["tab"], room["sup"]
    select_tags(qtbot, tab, "HPD-BWC-0004")

    def fill(dialog: UnitDialog) -> None:
        dialog.firmware_edit.setText("1.30.0")
        dialog.reason_edit.setText("firmware update")
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)

    answer(qtbot, fill, UnitDialog)
    with qtbot.waitSignal(tab.rows_loaded, timeout=10_000):
        qtbot.keyClick(tab.table.table, Qt.Key.Key_F2)
    event = inventory.unit_history(sup, unit(sup, "HPD-BWC-0004").id)[0]
    assert event.kind is EventKind.UPDATED and event.reason == "firmware update"
    assert event.details["changes"] == {"firmware": ["", "1.30.0"]}
    assert tab.selected_units()[0].asset_tag == "HPD-BWC-0004"  # the selection is kept


def test_an_edit_does_not_undo_another_stations_change(qtbot, room):
    from bwc_desk.ui.dialogs.unit_dialogs import UnitDialog

    tab, sup, admin = room["tab"], room["sup"], room["admin"]
    row = unit(sup, "HPD-BWC-0005")
    dialog = UnitDialog(tab.state, row, parent=tab)
    dialog.show()
    # Meanwhile another station updates the firmware.
    changed = UnitInput(row.asset_tag, row.serial, row.model, "1.31.0")
    inventory.edit_unit(admin, row.id, changed, "fleet update")
    before = snapshot(sup)
    dialog.notes_edit.setPlainText("scratched lens")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.error_label.isVisible() and not dialog._busy, timeout=5000)
    assert "changed at another station" in dialog.error_label.text()
    assert "firmware is now 1.31.0" in dialog.error_label.text()
    assert snapshot(sup) == before and unit(sup, "HPD-BWC-0005").firmware == "1.31.0"
    dialog.reject()


def test_cancel_while_saving_waits_for_the_answer(qtbot, room):
    from bwc_desk.ui.dialogs.unit_dialogs import UnitDialog

    tab, sup = room["tab"], room["sup"]
    dialog = UnitDialog(tab.state, parent=tab)
    dialog.show()
    qtbot.keyClicks(dialog.tag_edit, "HPD-BWC-0200")
    qtbot.keyClicks(dialog.serial_edit, "X60A0200")
    dialog.submit()
    cancel = dialog.buttons.button(dialog.buttons.StandardButton.Cancel)
    assert not cancel.isEnabled() and dialog.ok_button.text() == "Saving..."
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # ignored until the answer is in
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert unit(sup, "HPD-BWC-0200").serial == "X60A0200"


def test_the_lock_screen_closes_a_saving_dialog_and_the_outcome_still_shows(qtbot, room):
    from bwc_desk.ui.dialogs.unit_dialogs import UnitDialog

    tab, sup = room["tab"], room["sup"]
    said: list[str] = []
    tab.state.message.connect(lambda text, _ms: said.append(text))
    dialog = UnitDialog(tab.state, parent=tab)
    dialog.show()
    qtbot.keyClicks(dialog.tag_edit, "HPD-BWC-0300")
    qtbot.keyClicks(dialog.serial_edit, "X60A0300")
    dialog.submit()
    assert not dialog.close()  # the window's close button waits for the answer...
    dialog.reject()  # ...but locking the station hides the dialog at once
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: any("saved" in s for s in said), timeout=5000)
    assert unit(sup, "HPD-BWC-0300").serial == "X60A0300"


def test_send_one_unit_to_repair_with_vendor_ticket_and_date(qtbot, room):
    from bwc_desk.ui.dialogs.unit_dialogs import OutOfServiceDialog

    tab, sup = room["tab"], room["sup"]
    select_tags(qtbot, tab, "HPD-BWC-0005")

    def fill(dialog: OutOfServiceDialog) -> None:
        assert dialog.vendor_edit.isEnabled()
        qtbot.keyClicks(dialog.vendor_edit, "Axon RMA")
        qtbot.keyClicks(dialog.ticket_edit, "RMA-4411")
        qtbot.keyClicks(dialog.expected_edit, "2026-12-20")
        qtbot.keyClicks(dialog.reason_edit, "cracked lens")
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)

    answer(qtbot, fill, OutOfServiceDialog)
    with qtbot.waitSignal(tab.rows_loaded, timeout=10_000):
        tab.out_action.trigger()
    u = unit(sup, "HPD-BWC-0005")
    assert u.status is UnitStatus.IN_REPAIR and u.repair_ticket == "RMA-4411"
    assert u.repair_expected == date(2026, 12, 20) and u.status_reason == "cracked lens"

    # And back to service.
    from bwc_desk.ui.dialogs.unit_dialogs import StatusDialog

    def back(dialog: StatusDialog) -> None:
        qtbot.keyClicks(dialog.reason_edit, "lens replaced")
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)

    select_tags(qtbot, tab, "HPD-BWC-0005")
    answer(qtbot, back, StatusDialog)
    with qtbot.waitSignal(tab.rows_loaded, timeout=10_000):
        tab.back_action.trigger()
    assert unit(sup, "HPD-BWC-0005").status is UnitStatus.AVAILABLE


def test_stolen_needs_a_reason_and_a_refusal_changes_nothing(qtbot, room):
    from bwc_desk.ui.dialogs.unit_dialogs import OutOfServiceDialog

    tab, sup = room["tab"], room["sup"]
    select_tags(qtbot, tab, "HPD-BWC-0006")
    before = snapshot(sup)
    messages: list[str] = []

    def fill(dialog: OutOfServiceDialog) -> None:
        stolen = dialog.buttons_by_action[UnitAction.MARK_STOLEN]
        qtbot.mouseClick(stolen, Qt.MouseButton.LeftButton, pos=QPoint(8, stolen.height() // 2))
        assert dialog.action() is UnitAction.MARK_STOLEN
        assert not dialog.vendor_edit.isEnabled()
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)  # no reason given
        qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=5000)
        messages.append(dialog.error_label.text())
        messages.append(str(snapshot(sup) == before))
        qtbot.keyClicks(dialog.reason_edit, "vehicle break-in, report 26-1234")
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)

    answer(qtbot, fill, OutOfServiceDialog)
    with qtbot.waitSignal(tab.rows_loaded, timeout=10_000):
        tab.out_action.trigger()
    assert messages == ["Give a reason; it is kept with the record.", "True"]
    assert unit(sup, "HPD-BWC-0006").status is UnitStatus.STOLEN


def test_bulk_retire_is_all_or_nothing(qtbot, room):
    from bwc_desk.ui.dialogs.unit_dialogs import StatusDialog

    tab, sup = room["tab"], room["sup"]
    select_tags(qtbot, tab, "HPD-BWC-0001", "HPD-BWC-0007", "HPD-BWC-0008")  # 0001 is out
    assert tab.selected_label.text() == "3 selected"
    before = snapshot(sup)
    outcome: list[str] = []

    def refuse(dialog: StatusDialog) -> None:
        assert dialog.ok_button.text() == "Retire (3 units)"
        qtbot.keyClicks(dialog.reason_edit, "end of life")
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=5000)
        outcome.append(dialog.error_label.text())
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    answer(qtbot, refuse, StatusDialog)
    tab.retire_action.trigger()
    assert "Nothing was changed: 1 of the 3 selected units cannot be retired" in outcome[0]
    assert "HPD-BWC-0001 is issued" in outcome[0]
    assert snapshot(sup) == before

    select_tags(qtbot, tab, "HPD-BWC-0007", "HPD-BWC-0008", "HPD-BWC-0009")

    def retire(dialog: StatusDialog) -> None:
        qtbot.keyClicks(dialog.reason_edit, "end of life")
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)

    answer(qtbot, retire, StatusDialog)
    with qtbot.waitSignal(tab.rows_loaded, timeout=10_000):
        tab.retire_action.trigger()
    assert snapshot(sup)[0] == before[0] + 3
    statuses = {u.asset_tag: u.status for u in inventory.list_units(sup)}
    assert all(statuses[f"HPD-BWC-000{i}"] is UnitStatus.RETIRED for i in (7, 8, 9))
    assert len(tab.selected_units()) == 3  # still selected for the next step


def test_bulk_put_in_pool_from_the_context_menu(qtbot, room):
    from bwc_desk.ui.dialogs.unit_dialogs import PoolDialog

    tab, sup = room["tab"], room["sup"]
    assignments.create_pool(room["admin"], "Traffic", "Traffic", "Day")
    select_tags(qtbot, tab, "HPD-BWC-0010", "HPD-BWC-0011")

    # The context menu (right click, or the Menu key) holds the toolbar's own actions.
    menu = tab.build_context_menu()
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == [
        "&Details",
        "&Edit...",
        "&Move...",
        "&Out of service...",
        "Return to &service...",
        "&Retire...",
        "Put in &pool...",
        "Print &labels...",
    ]
    by_text = {a.text(): a for a in menu.actions()}
    assert by_text["Put in &pool..."].isEnabled() and not by_text["&Edit..."].isEnabled()
    # None of the selection is out of service: nothing to return.
    assert not by_text["Return to &service..."].isEnabled()

    def choose(dialog: PoolDialog) -> None:
        assert dialog.pool_box.currentText().startswith("Traffic")
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return)

    answer(qtbot, choose, PoolDialog)
    with qtbot.waitSignal(tab.rows_loaded, timeout=10_000):
        tab.pool_action.trigger()
    pools = {u.asset_tag: u.pool for u in inventory.list_units(sup)}
    assert pools["HPD-BWC-0010"] == pools["HPD-BWC-0011"] == "Traffic"


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "enabled", "why"),
    [
        (Role.AUDITOR, {"details", "labels"}, "Only supervisor or admin may do this."),
        (Role.QUARTERMASTER, {"details", "labels"}, "Only supervisor or admin may do this."),
        (
            Role.SUPERVISOR,
            {"details", "labels", "add", "edit", "move", "out", "retire", "pool"},
            "",
        ),
        (
            Role.ADMIN,
            {"details", "labels", "add", "edit", "move", "out", "retire", "pool", "import"},
            "",
        ),
    ],
)
def test_actions_mirror_the_roles_with_tooltips(qtbot, admin_ctx, role, enabled, why):
    inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0001", "X60A0001"))
    ctx = admin_ctx if role is Role.ADMIN else make_actor(admin_ctx, role, "someone")
    tab = open_tab(qtbot, ctx)
    select_tags(qtbot, tab, "HPD-BWC-0001")
    names = {
        "details": tab.details_action,
        "labels": tab.labels_action,
        "add": tab.add_action,
        "edit": tab.edit_action,
        "move": tab.move_action,
        "out": tab.out_action,
        "return": tab.back_action,
        "retire": tab.retire_action,
        "pool": tab.pool_action,
        "import": tab.import_action,
    }
    assert {n for n, a in names.items() if a.isEnabled()} == enabled
    if why:
        assert tab.retire_action.toolTip() == f"Retire: {why}"
    if role is not Role.ADMIN:
        assert tab.import_action.toolTip() == "Import CSV: Only admin may do this."
    with qtbot.waitSignal(tab.detail.history_loaded, timeout=5000):
        tab.details_action.trigger()
    may_export = role is not Role.QUARTERMASTER
    assert tab.detail.csv_button.isEnabled() is may_export
    if not may_export:
        assert tab.detail.pdf_button.toolTip() == "Only supervisor, admin or auditor may do this."
    tab.state.runner.shutdown()


def test_nothing_selected_disables_the_selection_actions(room):
    tab = room["tab"]
    tab.table.table.clearSelection()
    assert not tab.retire_action.isEnabled()
    assert tab.retire_action.toolTip() == "Retire: Select one or more units first."
    assert tab.add_action.isEnabled()
    tab.table.table.selectionModel().select(
        tab.table.proxy.index(row_of(tab, "HPD-BWC-0002"), 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert tab.retire_action.isEnabled()


def test_times_inside_details_read_as_local_time_to_the_second():
    from bwc_desk.ui.models.event_table_model import _readable

    at = datetime(2026, 11, 21, 6, 35, 11, 320864, tzinfo=UTC)
    assert _readable(at.isoformat()) == at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert _readable("2026-11-21T06:35:11Z") == at.replace(microsecond=0).astimezone().strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    assert _readable("DOCK-A") == "DOCK-A" and _readable(3) == 3


def test_actions_no_selected_camera_can_take_are_greyed_with_why(qtbot, room):
    tab, sup = room["tab"], room["sup"]
    inventory.retire(sup, "HPD-BWC-0010", "cracked housing")
    with qtbot.waitSignal(tab.rows_loaded, timeout=10_000):
        tab.state.announce(ChangeSet.of({"units"}, complete=False))
    select_tags(qtbot, tab, "HPD-BWC-0010")
    for action in (tab.out_action, tab.back_action, tab.retire_action, tab.pool_action):
        assert not action.isEnabled(), action.text()
        assert "retired" in action.toolTip().lower()
    assert tab.edit_action.isEnabled() and tab.labels_action.isEnabled()
    # With an available camera in the selection too, the dialog decides (and names 0010).
    select_tags(qtbot, tab, "HPD-BWC-0010", "HPD-BWC-0011")
    assert tab.out_action.isEnabled() and tab.retire_action.isEnabled()
    select_tags(qtbot, tab, "HPD-BWC-0011")
    assert tab.out_action.isEnabled() and not tab.back_action.isEnabled()


def test_a_camera_scanned_on_the_table_is_found_and_shown(qtbot, room):
    """A scanner's keys while the table has the focus: the code goes to the filter (not
    the table's jump-to-row), Enter selects that camera and shows it, and the next scan
    replaces the code; a code that matches no camera selects nothing (no first row)."""
    tab = room["tab"]
    view = tab.table.table
    view.setFocus()
    view.setCurrentIndex(tab.table.proxy.index(0, 0))
    with qtbot.waitSignal(tab.detail.unit_loaded, timeout=5000) as loaded:
        qtbot.keyClicks(view, "X60A0003")  # the serial on the camera's label
        qtbot.keyClick(tab.table.filter_edit, Qt.Key.Key_Return)
    assert loaded.args[0].asset_tag == "HPD-BWC-0003"
    assert tab.table.filter_edit.text() == "X60A0003"
    assert [u.asset_tag for u in tab.selected_units()] == ["HPD-BWC-0003"]
    assert tab.detail.isVisible() and tab.detail.title.text() == "HPD-BWC-0003"
    # The next scan, wherever the focus went, replaces the last code.
    with qtbot.waitSignal(tab.detail.unit_loaded, timeout=5000) as loaded:
        qtbot.keyClicks(tab.table.filter_edit, "HPD-BWC-0011")
        qtbot.keyClick(tab.table.filter_edit, Qt.Key.Key_Return)
    assert loaded.args[0].asset_tag == "HPD-BWC-0011"
    assert tab.table.filter_edit.text() == "HPD-BWC-0011"
    # Nothing of that code: nothing selected, the panel still on the last camera found.
    qtbot.keyClicks(tab.table.filter_edit, "HPD-BWC-9999")
    qtbot.keyClick(tab.table.filter_edit, Qt.Key.Key_Return)
    assert tab.selected_units() == []
    assert tab.table.proxy.rowCount() == 0
    assert tab.detail.title.text() == "HPD-BWC-0011"


def scan_into_focus(qtbot, code: str) -> None:
    """A scanner's keys and Enter, into whatever has the keyboard's focus."""
    from PySide6.QtWidgets import QApplication

    for char in code:
        qtbot.keyClick(QApplication.focusWidget(), char)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)


def test_a_scan_that_finds_nothing_after_a_find_leaves_nothing_to_act_on(qtbot, room):
    """After a camera was found, a code of no camera: nothing selected, the toolbar's
    camera actions greyed, the details closed, and the status bar says so."""
    tab = room["tab"]
    said: list[str] = []
    tab.state.message.connect(lambda text, _ms: said.append(text))
    view = tab.table.table
    view.setFocus()
    with qtbot.waitSignal(tab.detail.unit_loaded, timeout=5000):
        qtbot.keyClicks(view, "HPD-BWC-0004")
        qtbot.keyClick(tab.table.filter_edit, Qt.Key.Key_Return)
    assert tab.edit_action.isEnabled()
    scan_into_focus(qtbot, "QQ-NOPE-2")
    assert tab.selected_units() == [] and tab.table.current_row() is None
    assert not tab.edit_action.isEnabled() and not tab.move_action.isEnabled()
    assert not tab.detail.isVisible()
    assert said[-1] == "No camera has the tag or serial QQ-NOPE-2."
    # The code stays in the box, selected, for the next scan to replace.
    assert tab.table.filter_edit.hasFocus()
    assert tab.table.filter_edit.selectedText() == "QQ-NOPE-2"
    # Part of many tags: the count of what matches, nothing chosen for the person.
    scan_into_focus(qtbot, "HPD-BWC-00")
    assert tab.selected_units() == []
    assert said[-1] == "12 cameras match HPD-BWC-00: choose one in the list."


def test_a_scanned_camera_hidden_by_the_status_filter_is_shown_all_the_same(qtbot, room):
    tab = room["tab"]
    said: list[str] = []
    tab.state.message.connect(lambda text, _ms: said.append(text))
    tab.status_box.setCurrentText("issued")
    assert tab.table.proxy.rowCount() == 1  # (HPD-BWC-0001 only)
    view = tab.table.table
    view.setFocus()
    with qtbot.waitSignal(tab.detail.unit_loaded, timeout=5000) as loaded:
        qtbot.keyClicks(view, "HPD-BWC-0009")
        qtbot.keyClick(tab.table.filter_edit, Qt.Key.Key_Return)
    assert loaded.args[0].asset_tag == "HPD-BWC-0009"
    assert tab.status_box.currentText() == "All"
    assert [u.asset_tag for u in tab.selected_units()] == ["HPD-BWC-0009"]
    assert said[-1] == "HPD-BWC-0009 is available: Status (issued) set back to All to show it."


def test_a_camera_scanned_anywhere_in_the_view_is_found(qtbot, room):
    """A scan while the focus is in the details' history or on a quick filter (Status,
    Model) is not lost: the camera is found as from the filter box, and what the burst's
    keys did where they fell is put back (the Status chosen, the history's row)."""
    tab = room["tab"]
    view = tab.table.table
    view.setFocus()
    with qtbot.waitSignal(tab.detail.unit_loaded, timeout=5000):
        qtbot.keyClicks(view, "HPD-BWC-0004")
        qtbot.keyClick(tab.table.filter_edit, Qt.Key.Key_Return)
    history = tab.detail.history
    history.setFocus()
    assert QApplication.focusWidget() is history
    with qtbot.waitSignal(tab.detail.unit_loaded, timeout=5000) as loaded:
        scan_into_focus(qtbot, "X60A0003")
    assert loaded.args[0].asset_tag == "HPD-BWC-0003"
    assert tab.table.filter_edit.text() == "X60A0003"
    assert tab.table.filter_edit.hasFocus() and tab.table.filter_edit.selectedText() == "X60A0003"
    assert [u.asset_tag for u in tab.selected_units()] == ["HPD-BWC-0003"]
    # On the Status quick filter: its keys would choose "issued" (the I of X60A0011 ...).
    tab.status_box.setFocus()
    assert tab.status_box.currentText() == "All"
    with qtbot.waitSignal(tab.detail.unit_loaded, timeout=5000) as loaded:
        scan_into_focus(qtbot, "HPD-BWC-0011")
    assert loaded.args[0].asset_tag == "HPD-BWC-0011"
    assert tab.status_box.currentText() == "All"
    assert [u.asset_tag for u in tab.selected_units()] == ["HPD-BWC-0011"]


@pytest.mark.qt_log_ignore(  # (a drop-down's list, on the offscreen platform)
    "This plugin does not support raise", "This plugin does not support grabbing"
)
def test_a_scan_into_an_open_drop_down_list_is_found_and_the_miss_said_goes(qtbot, room):
    """The Status list open (clicked): a scan went to the list, closed it and was lost. Now
    it is found, the list closes on the choice it had; and the status bar's "No camera
    has..." of the code before goes once the next code is found."""
    tab = room["tab"]
    said: list[str] = []
    tab.state.message.connect(lambda text, _ms: said.append(text))
    tab.table.table.setFocus()
    scan_into_focus(qtbot, "QQ-NOPE-3")
    assert said[-1] == "No camera has the tag or serial QQ-NOPE-3."
    tab.status_box.showPopup()
    qtbot.waitUntil(lambda: tab.status_box.view().isVisible(), timeout=5000)
    with qtbot.waitSignal(tab.detail.unit_loaded, timeout=5000) as loaded:
        for char in "HPD-BWC-0005":
            qtbot.keyClick(tab.status_box.view(), char)
        qtbot.keyClick(tab.status_box.view(), Qt.Key.Key_Return)
    assert loaded.args[0].asset_tag == "HPD-BWC-0005"
    assert tab.status_box.currentText() == "All" and not tab.status_box.view().isVisible()
    assert "" in said[said.index("No camera has the tag or serial QQ-NOPE-3."):]


def test_a_scan_while_the_list_is_still_loading_is_found_once_it_is_in(
        qtbot, admin_ctx, monkeypatch):
    """A hands-on tester at 25,000 cameras scanned a tag into Inventory a second after
    opening it: "No camera has the tag or serial ..." while the list was still loading,
    and the row then appeared under that wrong message. Now the code waits for the list
    (the count says it is loading, not 0) and is found once the rows are in."""
    import threading

    for i in range(1, 6):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-{i:04d}", f"X60A{i:04d}"))
    hold = threading.Event()
    real = inventory.list_units

    def slow_list(ctx):  # type: ignore[no-untyped-def]
        assert hold.wait(30)
        return real(ctx)

    monkeypatch.setattr(inventory, "list_units", slow_list)
    state = AppState(admin_ctx)
    said: list[str] = []
    state.message.connect(lambda text, _ms: said.append(text))
    tab = InventoryTab(state)
    qtbot.addWidget(tab)
    tab.resize(1400, 800)
    tab.show()
    qtbot.waitExposed(tab)
    try:
        tab.ensure_loaded()
        assert tab.table.count_label.text() != "0"
        assert "loading" in tab.table.count_label.text().lower()
        tab.activateWindow()
        tab.table.table.setFocus()
        qtbot.waitUntil(tab.table.table.hasFocus, timeout=5000)
        with qtbot.waitSignal(tab.detail.unit_loaded, timeout=10_000) as loaded:
            scan_into_focus(qtbot, "HPD-BWC-0003")
            assert not [t for t in said if "No camera has" in t]
            hold.set()
        assert loaded.args[0].asset_tag == "HPD-BWC-0003"
        assert [u.asset_tag for u in tab.selected_units()] == ["HPD-BWC-0003"]
        assert not [t for t in said if "No camera has" in t]
        assert tab.table.count_label.text() == "1 of 5"  # (as after any scan: its row shown)
    finally:
        hold.set()
        state.runner.shutdown()


def test_a_scan_while_the_first_read_fails_is_not_said_to_match_nothing(
        qtbot, admin_ctx, monkeypatch):
    import threading

    from bwc_desk.domain.errors import UnavailableError

    hold = threading.Event()

    def failing_list(ctx):  # type: ignore[no-untyped-def]
        assert hold.wait(30)
        raise UnavailableError("The database server cannot be reached.")

    monkeypatch.setattr(inventory, "list_units", failing_list)
    state = AppState(admin_ctx)
    errors: list[BaseException] = []
    state.error_handler = errors.append
    said: list[str] = []
    state.message.connect(lambda text, _ms: said.append(text))
    tab = InventoryTab(state)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    try:
        tab.ensure_loaded()
        tab.activateWindow()
        tab.table.table.setFocus()
        qtbot.waitUntil(tab.table.table.hasFocus, timeout=5000)
        scan_into_focus(qtbot, "HPD-BWC-0003")
        hold.set()
        qtbot.waitUntil(lambda: "loading" not in tab.table.count_label.text(), timeout=10_000)
        assert not [t for t in said if "No camera has" in t]
    finally:
        hold.set()
        state.runner.shutdown()


def test_the_camera_found_stays_in_sight_when_the_filter_is_cleared(qtbot, admin_ctx):
    """Found by its scan, then the filter cleared to see every camera: the list shows the
    camera found, not the top of the list."""
    for i in range(1, 301):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-{i:04d}", f"X60A{i:04d}"))
    tab = open_tab(qtbot, make_actor(admin_ctx, Role.SUPERVISOR, "sam"))
    view = tab.table.table
    view.setFocus()
    qtbot.keyClicks(view, "HPD-BWC-0250")
    with qtbot.waitSignal(tab.detail.unit_loaded, timeout=5000):
        qtbot.keyClick(tab.table.filter_edit, Qt.Key.Key_Return)
    tab.table.filter_edit.clear()
    qtbot.waitUntil(lambda: tab.table.proxy.rowCount() == 300, timeout=5000)
    current = view.currentIndex()
    assert tab.table.proxy.source_row(current.row()).asset_tag == "HPD-BWC-0250"
    qtbot.waitUntil(lambda: view.viewport().rect().intersects(view.visualRect(current)))
    # A Status chosen that hides the 150 cameras above it: still in sight.
    sup = make_actor(admin_ctx, Role.SUPERVISOR, "sue")
    for i in range(1, 151):
        inventory.retire(sup, f"HPD-BWC-{i:04d}", "end of life")
    with qtbot.waitSignal(tab.rows_loaded, timeout=10_000):
        tab.state.announce(ChangeSet.of({"units"}, complete=False))
    tab.status_box.setCurrentText("available")
    assert tab.table.proxy.rowCount() == 150
    current = view.currentIndex()
    assert tab.table.proxy.source_row(current.row()).asset_tag == "HPD-BWC-0250"
    qtbot.waitUntil(lambda: view.viewport().rect().intersects(view.visualRect(current)))
    tab.state.runner.shutdown()


def test_taking_an_officers_camera_out_of_service_says_what_else_it_changes(qtbot, room):
    """Lost, stolen or retired, a camera is nobody's any more and an issue of it ends: the
    dialog says so before OK (it was done silently: a supervisor found the officer without
    a camera afterwards), and only for the choices that do it."""
    from bwc_desk.ui.dialogs.unit_dialogs import OutOfServiceDialog, StatusDialog

    tab, admin = room["tab"], room["admin"]
    jones = officers.add_officer(admin, OfficerInput("0413", "Jones", "Ann", shift="Day"))
    assignments.assign_primary(admin, "HPD-BWC-0002", jones.id)
    with qtbot.waitSignal(tab.rows_loaded, timeout=10_000):
        tab.refresh()
    said: dict[str, str] = {}

    def look(dialog: OutOfServiceDialog) -> None:
        shown = dialog.consequence_label.isVisible()
        said["repair"] = dialog.consequence_label.text() if shown else ""
        stolen = dialog.buttons_by_action[UnitAction.MARK_STOLEN]
        qtbot.mouseClick(stolen, Qt.MouseButton.LeftButton, pos=QPoint(8, stolen.height() // 2))
        assert dialog.consequence_label.isVisible()
        said["stolen"] = dialog.consequence_label.text()
        dialog.reject()  # (only looked at)

    select_tags(qtbot, tab, "HPD-BWC-0001")  # Smith's own camera, out with him
    answer(qtbot, look, OutOfServiceDialog)
    tab.out_action.trigger()
    assert said["repair"] == ""
    assert "out with Smith, John (0412)" in said["stolen"]
    assert "that issue ends" in said["stolen"]
    assert "Smith, John (0412)'s own camera" in said["stolen"]
    assert "no longer assigned" in said["stolen"]

    def retire_look(dialog: StatusDialog) -> None:
        said["retire"] = dialog.consequence_label.text()
        dialog.reject()  # (only looked at)

    select_tags(qtbot, tab, "HPD-BWC-0002", "HPD-BWC-0003")  # one assigned, on the shelf
    answer(qtbot, retire_look, StatusDialog)
    tab.retire_action.trigger()
    assert "HPD-BWC-0002 is Jones, Ann (0413)'s own camera" in said["retire"]
    assert "out with" not in said["retire"]

    select_tags(qtbot, tab, "HPD-BWC-0004")  # nobody's: nothing more to say
    answer(qtbot, retire_look, StatusDialog)
    tab.retire_action.trigger()
    assert said["retire"] == ""

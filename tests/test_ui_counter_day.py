# ruff: noqa: F811  (the desk fixture is imported from test_ui_counter)
"""A day at the desk, at the counter: the scanner owns the view, the officer is let go after
an issue, cameras that cannot go out are refused at their first scan, dialogs that guess
only what the app knows, overrides checked before the function test."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from bwc_desk.domain.units import UnitStatus
from bwc_desk.services import audit, counter, inventory, settings
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.counter import FunctionTest, SwapReason
from bwc_desk.ui.dialogs.counter_dialogs import FunctionTestDialog, GateDialog, SwapReasonDialog
from tests.conftest import answer
from tests.test_services_counter import put_in_bay
from tests.test_ui_counter import banner, desk, pass_test, press_enter, scan  # noqa: F401

OK = FunctionTest()


PERSON, SCANNER = 0.25, 0.004  # seconds between two keys (the desk's key clock's step)


def out_for_a_shift(qtbot, desk, tag="HPD-BWC-0001"):
    tab = desk["tab"]
    counter.issue_unit(desk["qm"], desk["smith"].id, tag, function_test=OK)
    desk["clock"].advance(hours=8)
    tab.refresh()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)


def test_a_scan_while_the_note_has_focus_returns_the_camera_and_uses_the_note(qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    out_for_a_shift(qtbot, desk)
    qtbot.mouseClick(tab.damaged_box, Qt.MouseButton.LeftButton)
    tab.note_edit.setFocus()
    tab.keys.clock.step = PERSON  # a person types the note, and presses Enter by habit
    qtbot.keyClicks(tab.note_edit, "lens cracked")
    qtbot.keyClick(tab.note_edit, Qt.Key.Key_Return)
    assert tab.note_edit.text() == "lens cracked" and tab.model.rowCount() == 1
    tab.keys.clock.t += 1.0  # a pause, then the scanner
    tab.keys.clock.step = SCANNER
    with qtbot.waitSignal(tab.scan_handled, timeout=10_000):  # the scanner, focus unchanged
        qtbot.keyClicks(tab.note_edit, "HPD-BWC-0001")
        qtbot.keyClick(tab.note_edit, Qt.Key.Key_Return)
    _kind, text = banner(tab)
    assert "HPD-BWC-0001 returned by Smith, John (0412)" in text, text
    assert "Returned damaged: lens cracked" in text
    assert tab.note_edit.text() == "" and not tab.damaged_box.isChecked()
    assert "HPD-BWC-0001" in tab.applied_label.text() and "lens cracked" in (
        tab.applied_label.text())
    assert any("lens cracked" in tab.session_list.item(i).text()
               and "HPD-BWC-0001" in tab.session_list.item(i).text()
               for i in range(tab.session_list.count()))
    assert inventory.unit_detail(qm, "HPD-BWC-0001").status is UnitStatus.IN_REPAIR
    assert tab.focusWidget() is tab.scan_edit


def test_a_scan_while_a_tick_box_or_the_out_now_filter_has_focus(qtbot, desk):
    tab = desk["tab"]
    out_for_a_shift(qtbot, desk)
    tab.out_table.filter_edit.setFocus()
    tab.keys.clock.step = PERSON
    qtbot.keyClicks(tab.out_table.filter_edit, "smi")  # a person filtering the list
    tab.keys.clock.t += 1.0  # a pause, then the scanner
    tab.keys.clock.step = SCANNER
    with qtbot.waitSignal(tab.scan_handled, timeout=10_000):
        qtbot.keyClicks(tab.out_table.filter_edit, "HPD-BWC-0001")
        qtbot.keyClick(tab.out_table.filter_edit, Qt.Key.Key_Return)
    assert "returned by Smith" in banner(tab)[1]
    assert tab.out_table.filter_edit.text() == "smi"  # the scan did not land in the filter


def test_after_an_issue_the_officer_is_let_go_and_the_next_camera_first_scan_works(
        qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    scan(qtbot, tab, "ID-0412")
    answer(qtbot, pass_test, FunctionTestDialog)
    scan(qtbot, tab, "HPD-BWC-0001")
    assert banner(tab)[0] == "ok"
    assert tab.officer is None
    assert "Smith, John" in tab.card.text() and not tab.card.isEnabled()  # dimmed
    scan(qtbot, tab, "HPD-BWC-0003")  # the next officer hands over a camera first
    assert "now scan the officer" in banner(tab)[1]
    scan(qtbot, tab, "HPD-BWC-0004")  # another camera: said, not silently swapped
    _kind, text = banner(tab)
    assert "HPD-BWC-0004" in text and "instead of HPD-BWC-0003" in text
    answer(qtbot, pass_test, FunctionTestDialog)
    scan(qtbot, tab, "ID-0007")
    assert banner(tab)[0] == "ok"
    assert {r.asset_tag for r in counter.out_now(qm)} == {"HPD-BWC-0001", "HPD-BWC-0004"}


def test_a_refusal_is_not_left_on_the_banner_behind_the_issues_dialogs(qtbot, desk):
    """A hands-on tester's finding: after a red answer, the next camera's function test
    opened with the old refusal still in red behind it. The banner says what is under way
    as the issue's first dialog opens."""
    tab = desk["tab"]
    scan(qtbot, tab, "ID-0412")
    scan(qtbot, tab, "NO-SUCH-CODE-7")
    assert banner(tab)[0] == "error"
    behind: list[tuple[str, str]] = []

    def look_then_pass(dialog: FunctionTestDialog) -> None:
        behind.append(banner(tab))
        pass_test(dialog)

    answer(qtbot, look_then_pass, FunctionTestDialog)
    scan(qtbot, tab, "HPD-BWC-0001")
    assert behind and behind[0][0] != "error"
    assert "HPD-BWC-0001" in behind[0][1] and "Smith" in behind[0][1]
    assert banner(tab)[0] == "ok"


def test_a_camera_waiting_for_a_badge_is_named_again_when_a_badge_is_refused(qtbot, desk):
    """A camera scanned first waited through two refused badge scans with no word of it,
    then went to the next badge: each refusal now says it still waits."""
    tab = desk["tab"]
    scan(qtbot, tab, "HPD-BWC-0003")
    assert tab.pending_unit == "HPD-BWC-0003"
    scan(qtbot, tab, "ID-99999")
    kind, text = banner(tab)
    assert kind == "error" and "HPD-BWC-0003 still waits for a badge" in text
    assert tab.pending_unit == "HPD-BWC-0003"


def test_a_return_by_camera_alone_leaves_no_other_officer_on_the_card(qtbot, desk):
    """A hands-on tester: Smith served (dimmed on the card), then Jones's camera returned by
    its scan alone: the card still said Smith while the banner named Jones."""
    tab, qm = desk["tab"], desk["qm"]
    counter.issue_unit(qm, desk["jones"].id, "HPD-BWC-0002", function_test=FunctionTest())
    desk["clock"].advance(hours=8)  # (the end of Jones's shift)
    scan(qtbot, tab, "ID-0412")
    answer(qtbot, pass_test, FunctionTestDialog)
    scan(qtbot, tab, "HPD-BWC-0001")
    assert tab.officer is None and "Smith, John" in tab.card.text()  # (done: dimmed)
    scan(qtbot, tab, "HPD-BWC-0002")
    assert "returned by Jones" in banner(tab)[1]
    assert "Smith" not in tab.card.text()


def test_a_camera_that_cannot_go_out_is_red_at_its_first_scan(qtbot, desk):
    tab, admin = desk["tab"], desk["admin"]
    inventory.send_to_repair(admin, "HPD-BWC-0011", "lens")
    inventory.mark_lost(admin, "HPD-BWC-0010", "left in a cruiser")
    scan(qtbot, tab, "HPD-BWC-0011")
    kind, text = banner(tab)
    assert kind == "error" and "HPD-BWC-0011 is in repair" in text
    assert tab.pending_unit is None and "badge" not in text
    scan(qtbot, tab, "HPD-BWC-0010")
    kind, text = banner(tab)
    assert kind == "error" and "HPD-BWC-0010 is lost" in text and "supervisor" in text
    qtbot.waitUntil(lambda: tab.alert_list.count() == 1, timeout=5000)
    assert "HPD-BWC-0010 (lost) was scanned" in tab.alert_list.item(0).text()
    assert audit.list_audit(admin, event="lost camera scanned")


def test_issued_camera_in_a_dock_is_shown_at_the_counter(qtbot, desk, monkeypatch):
    from bwc_desk.services import dock_board
    from bwc_desk.services.dock_board import Alert

    tab = desk["tab"]
    line = "HPD-BWC-0226 is in DOCK-F bay 1 but is issued to Mendoza since 07:02"
    monkeypatch.setattr(dock_board, "alerts", lambda ctx: (
        Alert("offline", "DOCK-Z is offline", "DOCK-Z"),
        Alert("issued in dock", line, "DOCK-F", 1)))
    tab.state.announce(ChangeSet.of({"docks"}, complete=False, local=False))
    qtbot.waitUntil(lambda: tab.alert_list.count() == 1, timeout=5000)
    assert tab.alert_list.item(0).text().endswith(line)  # not the dock's own alerts


def test_swap_reason_preselected_only_when_known_and_digits_choose(qtbot):
    unknown = SwapReasonDialog("HPD-BWC-0002", "Smith, John (0412)", "HPD-BWC-0001")
    qtbot.addWidget(unknown)
    unknown.show()
    assert not any(b.isChecked() for b in unknown.buttons.values())
    press_enter(unknown)
    assert unknown.result() != QDialog.DialogCode.Accepted and unknown.isVisible()
    assert "Choose" in unknown.error.text()
    from PySide6.QtTest import QTest

    QTest.keyClick(unknown, Qt.Key.Key_3)
    assert unknown.buttons[SwapReason.FORGOTTEN].isChecked()
    QTest.keyClick(unknown, Qt.Key.Key_2)
    assert unknown.buttons[SwapReason.BATTERY_DEAD].isChecked()
    press_enter(unknown)
    assert unknown.result() == QDialog.DialogCode.Accepted
    assert unknown.reason() == "battery dead"
    known = SwapReasonDialog("HPD-BWC-0002", "Smith, John (0412)", "HPD-BWC-0001",
                             hint=SwapReason.PRIMARY_IN_REPAIR)
    qtbot.addWidget(known)
    known.show()
    assert known.buttons[SwapReason.PRIMARY_IN_REPAIR].isChecked()
    press_enter(known)
    assert known.result() == QDialog.DialogCode.Accepted


def test_the_swap_dialog_at_the_counter_preselects_primary_in_repair(qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    inventory.send_to_repair(desk["admin"], "HPD-BWC-0001", "cracked housing")
    scan(qtbot, tab, "ID-0412")
    answer(qtbot, lambda d: (answer(qtbot, pass_test, FunctionTestDialog), press_enter(d)),
           SwapReasonDialog)
    scan(qtbot, tab, "HPD-BWC-0005")
    assert banner(tab)[0] == "ok"
    assert counter.out_now(qm)[0].swap_reason == "primary in repair"


def test_override_reasons_stay_visible_and_credentials_are_checked_first(qtbot, desk):
    tab, qm, admin = desk["tab"], desk["qm"], desk["admin"]
    put_in_bay(qm, "HPD-BWC-0006", 40, uploading=True)
    scan(qtbot, tab, "ID-0007")
    seen = []

    def wrong(dialog):
        dialog.override_button.click()
        seen.append(dialog.reasons_label.isVisible())
        seen.append(dialog.reasons_label.text())
        dialog.user_edit.setText("sam")
        dialog.password_edit.setText("not-the-password")
        dialog.reason_edit.setText("call-out")
        answer(qtbot, give_up, GateDialog)  # it comes back, saying why
        dialog.override_button.click()

    def give_up(dialog):
        seen.append(dialog.error.text())
        seen.append(QApplication.activeModalWidget() is dialog)
        dialog.pick_button.click()

    answer(qtbot, wrong, GateDialog)
    scan(qtbot, tab, "HPD-BWC-0006")
    assert seen[0] is True and "battery 40 %" in seen[1] and "uploading" in seen[1]
    assert "password is wrong" in seen[2]
    assert counter.out_now(qm) == []  # and no function test was ever asked
    assert [r.outcome for r in audit.list_audit(admin, event="readiness override")] == [
        "refused"]


def test_durations_in_days_and_hours(qtbot, desk, monkeypatch):
    from bwc_desk.ui.models.checkout_table_model import CheckoutTableModel

    tab, qm = desk["tab"], desk["qm"]
    issued = counter.issue_unit(qm, desk["smith"].id, "HPD-BWC-0001", function_test=OK)
    late = issued.checkout.expected_return + timedelta(hours=27)
    monkeypatch.setattr(CheckoutTableModel, "clock", staticmethod(lambda: late))
    tab.refresh()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    index = tab.model.index(0, CheckoutTableModel.COL_OVERDUE)
    assert tab.model.data(index) == "overdue 1 d 3 h"


def test_the_undo_window_is_the_agency_setting(qtbot, desk):
    tab = desk["tab"]
    settings.change_settings(desk["admin"], {"undo_window_seconds": 30})
    scan(qtbot, tab, "ID-0412")
    answer(qtbot, pass_test, FunctionTestDialog)
    scan(qtbot, tab, "HPD-BWC-0001")
    desk["clock"].advance(seconds=45)
    qtbot.keyClick(tab.scan_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "within 30 seconds" in banner(tab)[1], timeout=5000)
    assert not tab.undo_button.isEnabled()
    assert len(counter.out_now(desk["qm"])) == 1
    settings.change_settings(desk["admin"], {"undo_window_seconds": 0})
    scan(qtbot, tab, "HPD-BWC-0001")  # issued 45 s ago: its return is asked for once more
    assert "scan it again" in banner(tab)[1] and "Ctrl+Z" not in banner(tab)[1]
    assert len(counter.out_now(desk["qm"])) == 1
    scan(qtbot, tab, "HPD-BWC-0001")  # returned
    assert "returned" in banner(tab)[1] and not tab.undo_button.isEnabled()


def test_a_camera_scanned_again_just_after_its_issue_stays_out_until_scanned_once_more(
    qtbot, desk
):
    tab, qm = desk["tab"], desk["qm"]
    scan(qtbot, tab, "ID-0412")
    answer(qtbot, pass_test, FunctionTestDialog)
    scan(qtbot, tab, "HPD-BWC-0001")
    qtbot.waitUntil(lambda: "Holds now: <b>HPD-BWC-0001" in tab.officer_card.label.text(),
                    timeout=5000)
    desk["clock"].advance(seconds=8)  # past the double-scan window (5 s)
    scan(qtbot, tab, "HPD-BWC-0001")  # a stray scan as Smith walks off with it
    _kind, text = banner(tab)
    assert "issued to Smith, John 8 s ago at this counter" in text, text
    assert "scan it again" in text and "Ctrl+Z" in text
    assert [c.asset_tag for c in counter.out_now(qm)] == ["HPD-BWC-0001"]
    scan(qtbot, tab, "HPD-BWC-0001")  # meant: it comes back
    assert "returned by Smith" in banner(tab)[1]
    assert counter.out_now(qm) == []
    # The card of the officer just served follows the return.
    qtbot.waitUntil(lambda: "Holds now: <b>nothing" in tab.officer_card.label.text(),
                    timeout=5000)


def test_the_overdue_column_moves_with_the_clock(qtbot, desk, monkeypatch):
    from bwc_desk.ui.models.checkout_table_model import CheckoutTableModel

    tab, qm = desk["tab"], desk["qm"]
    issued = counter.issue_unit(qm, desk["smith"].id, "HPD-BWC-0001", function_test=OK)
    due = issued.checkout.expected_return
    monkeypatch.setattr(CheckoutTableModel, "clock", staticmethod(lambda: due))
    tab.refresh()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    index = tab.model.index(0, CheckoutTableModel.COL_OVERDUE)
    assert tab.model.data(index) == ""
    monkeypatch.setattr(CheckoutTableModel, "clock",
                        staticmethod(lambda: due + timedelta(hours=2, minutes=5)))
    tab._tick()  # the view's minute timer
    qtbot.waitUntil(lambda: tab.model.data(tab.model.index(0, CheckoutTableModel.COL_OVERDUE))
                    == "overdue 2 h 05 min", timeout=5000)
    assert "1 overdue" in tab.lists.tabText(0)


def test_a_dialogs_scan_watch_goes_when_the_dialog_is_done(qtbot, desk):
    """Issue dialogs are kept after they close; their scan watch follows the focus through
    the application's focusChanged, and each one kept would be called on every focus
    change of the shift (a reviewer's finding): the watch goes with the dialog's run."""
    from bwc_desk.ui.views.counter_dialog_scans import DialogScans

    tab = desk["tab"]
    scan(qtbot, tab, "ID-0412")
    answer(qtbot, pass_test, FunctionTestDialog)
    scan(qtbot, tab, "HPD-BWC-0001")
    dialogs = tab.findChildren(FunctionTestDialog)
    assert dialogs
    watches = [w for d in dialogs for w in d.findChildren(DialogScans)]
    assert watches and all(w.watching() is None and not w._widgets for w in watches)


def test_a_very_long_refused_code_is_shortened_in_this_session(qtbot, desk):
    """A 300-character scan (a tester's attack) made This session scroll sideways: the line
    shows the code shortened, the whole line is in its tooltip."""
    tab = desk["tab"]
    code = "X" * 150 + "Y" * 150
    scan(qtbot, tab, code)
    item = tab.lists.session_list.item(0)
    assert "NOT DONE" in item.text() and code not in item.text()
    assert code in item.toolTip()
    assert tab.lists.session_list.wordWrap()  # (a long answer wraps, never scrolls sideways)


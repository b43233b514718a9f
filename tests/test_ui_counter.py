"""The counter driven the way a quartermaster does: a scanner types a code and presses Enter
(qtbot.keyClicks + Return), dialogs are answered with Enter."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Role
from bwc_desk.domain.units import UnitStatus
from bwc_desk.services import assignments, counter, inventory, officers, settings
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.ui.dialogs.counter_dialogs import FunctionTestDialog
from bwc_desk.ui.feedback import Sound
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.counter_parts import READY
from bwc_desk.ui.views.counter_tab import CounterTab
from tests.conftest import PASSWORD, answer, make_actor
from tests.test_scan_keys import Ticks
from tests.test_services_counter import put_in_bay, snapshot


@pytest.fixture
def desk(qtbot, admin_ctx, clock):
    smith = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John", shift="Day",
                                                         scan_code="ID-0412"))
    jones = officers.add_officer(admin_ctx, OfficerInput("0007", "Jones", "Ann", shift="Night",
                                                         scan_code="ID-0007"))
    for i in range(1, 36):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-{i:04d}", f"X60A{i:04d}"))
    assignments.assign_primary(admin_ctx, "HPD-BWC-0001", smith.id)
    make_actor(admin_ctx, Role.SUPERVISOR, "sam")
    qm = make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    state = AppState(qm)
    tab = CounterTab(state)
    tab.feedback.enabled = False
    # The keys are read 4 ms apart, as a scanner types, whatever the machine's speed (the
    # view's dialogs read the same clock); a test sets its ``step`` for a person typing.
    tab.keys.clock = Ticks(0.004)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    tab.ensure_loaded()
    qtbot.waitUntil(lambda: tab._loaded, timeout=5000)
    yield {"tab": tab, "qm": qm, "admin": admin_ctx, "smith": smith, "jones": jones,
           "clock": clock, "state": state}
    state.runner.shutdown()


def scan(qtbot, tab: CounterTab, code: str, wait: bool = True) -> None:
    """What a USB scanner does: types the code, presses Enter."""
    assert tab.scan_edit.hasFocus() or tab.focusWidget() is tab.scan_edit
    if wait:
        with qtbot.waitSignal(tab.scan_handled, timeout=10_000):
            qtbot.keyClicks(tab.scan_edit, code)
            qtbot.keyClick(tab.scan_edit, Qt.Key.Key_Return)
    else:
        qtbot.keyClicks(tab.scan_edit, code)
        qtbot.keyClick(tab.scan_edit, Qt.Key.Key_Return)




def press_enter(dialog: QDialog) -> None:
    from PySide6.QtTest import QTest

    QTest.keyClick(dialog, Qt.Key.Key_Return)


def pass_test(dialog: FunctionTestDialog) -> None:
    """The officer does the function test: each check ticked by hand, then Enter."""
    for box in dialog.boxes.values():
        box.click()
    press_enter(dialog)


def banner(tab: CounterTab) -> tuple[str, str]:
    return tab.banner.property("kind"), tab.banner.text()


def test_the_scan_field_has_the_focus(desk):
    tab = desk["tab"]
    assert tab.focusWidget() is tab.scan_edit


def test_officer_then_camera_with_the_function_test_taken_by_enter(qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    scan(qtbot, tab, "ID-0412")
    assert "Smith, John" in tab.card.text() and "HPD-BWC-0001" in tab.card.text()
    answer(qtbot, pass_test, FunctionTestDialog)  # each check ticked, then Enter
    scan(qtbot, tab, "HPD-BWC-0001")
    kind, text = banner(tab)
    assert kind == "ok" and "HPD-BWC-0001 issued to Smith, John (0412)" in text
    assert [r.asset_tag for r in tab.model.rows()] == ["HPD-BWC-0001"]
    assert tab.feedback.played[-1] is Sound.OK
    assert tab.focusWidget() is tab.scan_edit
    event = inventory.unit_history(qm, tab.model.rows()[0].unit_id)[0]
    assert event.kind is EventKind.ISSUED and event.staff_username == "quinn"


def test_camera_then_officer_works_too(qtbot, desk):
    tab = desk["tab"]
    scan(qtbot, tab, "x60a0001")  # the serial, lower case
    assert "now scan the officer" in banner(tab)[1]
    answer(qtbot, pass_test, FunctionTestDialog)
    scan(qtbot, tab, "0412")  # the badge number, typed by hand
    assert banner(tab)[0] == "ok"
    assert counter.out_now(desk["qm"])[0].asset_tag == "HPD-BWC-0001"


def test_a_scan_that_matches_nothing_is_red_and_changes_nothing(qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    before = snapshot(qm)
    scan(qtbot, tab, "NO-SUCH-THING")
    kind, text = banner(tab)
    assert kind == "error" and "Nothing matches 'NO-SUCH-THING'" in text
    assert "font-size: 22px" in tab.banner.styleSheet()
    assert tab.feedback.played[-1] is Sound.ERROR
    assert snapshot(qm) == before


def test_refusals_name_unit_and_officer_and_change_nothing(qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    counter.issue_unit(qm, desk["jones"].id, "HPD-BWC-0002", function_test=FunctionTest())
    desk["clock"].advance(minutes=5)
    before = snapshot(qm)
    scan(qtbot, tab, "ID-0412")
    scan(qtbot, tab, "HPD-BWC-0002")
    # HPD-BWC-0002 is out with Jones: scanning it is a return, not an issue to Smith.
    assert "returned by Jones, Ann (0007)" in banner(tab)[1]
    assert snapshot(qm) != before
    inventory.retire(desk["admin"], "HPD-BWC-0003", "broken")
    before = snapshot(qm)
    scan(qtbot, tab, "HPD-BWC-0003")
    kind, text = banner(tab)
    assert kind == "error" and "HPD-BWC-0003 is retired" in text and "Smith, John" in text
    assert snapshot(qm) == before


def test_spare_swap_asks_a_reason_and_records_it(qtbot, desk):
    from bwc_desk.ui.dialogs.counter_dialogs import SwapReasonDialog

    tab, qm = desk["tab"], desk["qm"]
    scan(qtbot, tab, "ID-0412")

    def choose(dialog):
        from bwc_desk.services.counter import SwapReason

        dialog.buttons[SwapReason.BATTERY_DEAD].setChecked(True)
        answer(qtbot, pass_test, FunctionTestDialog)  # then the function test
        press_enter(dialog)

    answer(qtbot, choose, SwapReasonDialog)
    scan(qtbot, tab, "HPD-BWC-0005")
    assert banner(tab)[0] == "ok"
    assert counter.out_now(qm)[0].swap_reason == "battery dead"


def test_not_ready_pick_another_or_supervisor_override(qtbot, desk):
    from bwc_desk.ui.dialogs.counter_dialogs import GateDialog

    tab, qm = desk["tab"], desk["qm"]
    put_in_bay(qm, "HPD-BWC-0006", 40)
    scan(qtbot, tab, "ID-0007")
    before = snapshot(qm)
    answer(qtbot, press_enter, GateDialog)  # Enter = pick another camera
    scan(qtbot, tab, "HPD-BWC-0006")
    assert "not issued" in banner(tab)[1] and snapshot(qm) == before

    def override(dialog):
        dialog.override_button.click()  # shows the supervisor's fields
        dialog.user_edit.setText("sam")
        dialog.password_edit.setText(PASSWORD)
        dialog.reason_edit.setText("call-out, nothing else charged")
        answer(qtbot, pass_test, FunctionTestDialog)  # the function test after
        dialog.override_button.click()

    answer(qtbot, override, GateDialog)
    scan(qtbot, tab, "HPD-BWC-0006")
    assert banner(tab)[0] == "ok"
    kinds = [e.kind for e in inventory.unit_history(qm, counter.out_now(qm)[0].unit_id)]
    assert EventKind.READINESS_OVERRIDE in kinds


def test_failed_function_test_offers_the_next_spare(qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    scan(qtbot, tab, "ID-0007")

    def fail(dialog):
        for key, box in dialog.boxes.items():
            if key != "records":
                box.click()  # these passed; "records" stays unticked
        dialog.note_edit.setText("no record LED")
        dialog.fail_button.click()  # a deliberate act: Enter is not "Record failure"

    answer(qtbot, fail, FunctionTestDialog)
    scan(qtbot, tab, "HPD-BWC-0007")
    kind, text = banner(tab)
    assert kind == "error" and "failed the function test" in text
    assert inventory.unit_detail(qm, "HPD-BWC-0007").status is UnitStatus.IN_REPAIR
    assert tab.spare_button.isVisible() and "HPD-BWC-0002" in tab.spare_button.text()


def test_return_in_one_step_with_condition_flags(qtbot, desk):
    tab, qm, clock = desk["tab"], desk["qm"], desk["clock"]
    counter.issue_unit(qm, desk["smith"].id, "HPD-BWC-0001", function_test=FunctionTest())
    tab.refresh()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    clock.advance(hours=8)
    qtbot.mouseClick(tab.damaged_box, Qt.MouseButton.LeftButton)
    tab.note_edit.setText("cracked lens")
    tab.focus_scan()
    scan(qtbot, tab, "HPD-BWC-0001")
    kind, text = banner(tab)
    assert "returned by Smith, John (0412), out since" in text and "in repair" in text
    assert kind == "notice" and tab.model.rowCount() == 0
    assert not tab.damaged_box.isChecked() and tab.note_edit.text() == ""
    assert inventory.unit_detail(qm, "HPD-BWC-0001").status is UnitStatus.IN_REPAIR


def test_end_of_shift_thirty_cameras_in_a_row(qtbot, desk):
    tab, qm, clock = desk["tab"], desk["qm"], desk["clock"]
    settings.change_settings(desk["admin"], {"max_cameras_per_officer": 2,
                                             "function_test_required": False})
    for i in range(2, 32):
        badge = f"9{i:03d}"
        officer = officers.add_officer(desk["admin"], OfficerInput(badge, f"Officer{i}"))
        counter.issue_unit(qm, officer.id, f"HPD-BWC-{i:04d}")
    clock.advance(hours=9)
    tab.refresh()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 30, timeout=5000)
    tab.end_of_shift.setChecked(True)
    tab.focus_scan()
    for i in range(2, 32):  # the scanner does not wait for the screen
        scan(qtbot, tab, f"HPD-BWC-{i:04d}", wait=False)
    qtbot.waitUntil(lambda: tab.session_list.count() == 30 and not tab._busy, timeout=30_000)
    assert tab.model.rowCount() == 0 and counter.out_now(qm) == []
    assert tab.feedback.played.count(Sound.OK) == 30
    assert QApplication.activeModalWidget() is None  # no dialog at all
    assert "HPD-BWC-0031" in tab.session_list.item(0).text()


def test_end_of_shift_mode_flags_a_camera_that_is_not_out(qtbot, desk):
    tab = desk["tab"]
    tab.end_of_shift.setChecked(True)
    tab.focus_scan()
    scan(qtbot, tab, "HPD-BWC-0010")
    assert banner(tab)[0] == "error" and "not out with an officer" in banner(tab)[1]


def test_end_of_shift_refusals_stay_in_this_session_marked_not_done(qtbot, desk):
    """The banner says each refusal until the next scan; This session keeps every one."""
    tab, qm, clock = desk["tab"], desk["qm"], desk["clock"]
    counter.issue_unit(qm, desk["smith"].id, "HPD-BWC-0001", function_test=FunctionTest())
    clock.advance(hours=9)
    tab.end_of_shift.setChecked(True)
    tab.focus_scan()
    for code in ("HPD-BWC-0001", "HPD-BWC-0001", "ID-0007", "HPD-BWC-0010", "NO-SUCH-THING"):
        scan(qtbot, tab, code)  # a return, the same camera again, a badge, not out, nothing
    lines = [tab.session_list.item(i) for i in range(tab.session_list.count())][::-1]
    texts = [item.text() for item in lines]
    assert len(texts) == 5, texts
    assert "returned by Smith" in texts[0] and "not done" not in texts[0].lower()
    assert "HPD-BWC-0001" in texts[1] and "scanned twice" in texts[1]
    assert "Jones, Ann (0007)" in texts[2] and "cameras only" in texts[2]
    assert "HPD-BWC-0010" in texts[3] and "nothing to return" in texts[3]
    assert "NO-SUCH-THING" in texts[4]
    for item in lines[1:]:
        assert item.text().split("  ", 1)[1].startswith("NOT DONE")
        assert item.foreground().color().red() > 150 and item.foreground().color().green() < 100
    assert lines[0].foreground().color() != lines[1].foreground().color()


def test_double_scan_does_nothing_twice(qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    scan(qtbot, tab, "ID-0412")
    answer(qtbot, pass_test, FunctionTestDialog)
    scan(qtbot, tab, "HPD-BWC-0001")
    before = snapshot(qm)
    scan(qtbot, tab, "HPD-BWC-0001")  # the scanner fired twice
    assert "scanned twice" in banner(tab)[1] and snapshot(qm) == before


def test_ctrl_z_undoes_the_last_transaction(qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    scan(qtbot, tab, "ID-0412")
    answer(qtbot, pass_test, FunctionTestDialog)
    scan(qtbot, tab, "HPD-BWC-0001")
    assert tab.undo_button.isEnabled()
    qtbot.keyClick(tab.scan_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Undone" in banner(tab)[1], timeout=5000)
    assert counter.out_now(qm) == []
    kinds = [e.kind for e in inventory.unit_history(qm, inventory.unit_detail(
        qm, "HPD-BWC-0001").id)]
    assert kinds[:2] == [EventKind.CORRECTION, EventKind.ISSUED]
    qtbot.waitUntil(lambda: tab.model.rowCount() == 0, timeout=5000)


def test_search_as_you_type_picks_an_officer(qtbot, desk):
    tab = desk["tab"]
    qtbot.keyClicks(tab.scan_edit, "smi")
    qtbot.waitUntil(lambda: tab.picker.isVisible() and tab.picker.count() >= 1, timeout=5000)
    assert "Smith" in tab.picker.item(0).text()
    qtbot.keyClick(tab.scan_edit, Qt.Key.Key_Down)
    with qtbot.waitSignal(tab.scan_handled, timeout=5000):
        qtbot.keyClick(tab.picker, Qt.Key.Key_Return)
    assert tab.officer is not None and tab.officer.badge == "0412"


def test_the_picker_goes_once_the_text_is_too_short_to_search(qtbot, desk):
    """Typed down to one letter, the list of matches goes once the typing pauses; a name
    typed again finds them again."""
    tab = desk["tab"]
    qtbot.keyClicks(tab.scan_edit, "smi")
    qtbot.waitUntil(lambda: tab.picker.isVisible() and tab.picker.count() >= 1, timeout=5000)
    qtbot.keyClick(tab.scan_edit, Qt.Key.Key_Backspace)
    qtbot.keyClick(tab.scan_edit, Qt.Key.Key_Backspace)
    assert tab.scan_edit.text() == "s"
    qtbot.waitUntil(lambda: not tab.picker.isVisible(), timeout=5000)
    qtbot.keyClicks(tab.scan_edit, "m")
    qtbot.waitUntil(lambda: tab.picker.isVisible() and tab.picker.count() >= 1, timeout=5000)
    assert "Smith" in tab.picker.item(0).text()


def test_a_search_typed_by_hand_takes_the_banner_from_the_last_refused_scan(qtbot, desk):
    """A hands-on tester's finding: a refused scan's red banner stayed on for minutes while
    the clerk searched by hand, as if it spoke of the new search. Once the matches are
    listed the banner says what they are and how to pick; when they go (Escape, or the text
    typed away) it says the counter is ready, not the old refusal."""
    tab = desk["tab"]
    scan(qtbot, tab, "NO-SUCH-CODE-1")
    assert banner(tab)[0] == "error"
    tab.keys.clock.step = 0.2  # (typed by hand, not at a scanner's speed)
    qtbot.keyClicks(tab.scan_edit, "smi")
    qtbot.waitUntil(lambda: tab.picker.isVisible() and tab.picker.count() >= 1, timeout=5000)
    kind, text = banner(tab)
    assert kind == "idle" and "'smi'" in text and "Enter" in text
    qtbot.keyClick(tab.scan_edit, Qt.Key.Key_Escape)
    assert not tab.picker.isVisible()
    assert banner(tab) == ("idle", READY)
    scan(qtbot, tab, "NO-SUCH-CODE-2")  # a scan's answer is never taken away by the list
    assert banner(tab)[0] == "error"
    qtbot.wait(400)  # (past the list's typing pause: no list for a scan's keys)
    assert banner(tab)[0] == "error" and not tab.picker.isVisible()


def test_enter_on_a_typed_name_takes_its_one_match_or_asks_to_pick_one(qtbot, desk):
    """A name typed by hand and Enter (the field invites it): with one officer or camera
    listed, that one is taken; with several, the text and the list stay and the banner says
    to pick one (not "Nothing matches" while matches are listed). A name as the app shows
    it ("Smith, John") finds its officer too."""
    from bwc_desk.services.counter import search

    tab = desk["tab"]
    assert [r.badge for r in search(desk["qm"], "Smith, John")] == ["0412"]
    tab.keys.clock.step = 0.2  # (typed by hand, not at a scanner's speed)
    qtbot.keyClicks(tab.scan_edit, "Smith, J")
    qtbot.waitUntil(lambda: tab.picker.isVisible() and tab.picker.count() == 1, timeout=5000)
    qtbot.keyClick(tab.scan_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tab.officer is not None and tab.officer.badge == "0412",
                    timeout=5000)
    qtbot.waitUntil(lambda: not tab._busy, timeout=5000)
    assert banner(tab)[0] != "error"
    qtbot.keyClicks(tab.scan_edit, "X60A000")
    qtbot.waitUntil(lambda: tab.picker.isVisible() and tab.picker.count() == 9, timeout=5000)
    with qtbot.waitSignal(tab.scan_handled, timeout=5000):
        qtbot.keyClick(tab.scan_edit, Qt.Key.Key_Return)
    kind, text = banner(tab)
    assert kind == "notice" and "9 match" in text and "pick one" in text
    assert tab.scan_edit.text() == "X60A000" and tab.picker.isVisible()
    qtbot.keyClick(tab.scan_edit, Qt.Key.Key_Escape)
    assert tab.scan_edit.text() == "" and not tab.picker.isVisible()


def test_handover_pin(qtbot, desk):
    from bwc_desk.ui.dialogs.counter_dialogs import PinDialog

    tab, qm = desk["tab"], desk["qm"]
    settings.change_settings(desk["admin"], {"handover_ack": "pin",
                                             "function_test_required": False})
    officers.set_handover_pin(desk["admin"], desk["jones"].id, "480271")
    scan(qtbot, tab, "ID-0007")

    def type_pin(dialog):
        dialog.pin_edit.setText("480271")
        press_enter(dialog)

    answer(qtbot, type_pin, PinDialog)
    scan(qtbot, tab, "HPD-BWC-0003")
    assert banner(tab)[0] == "ok"
    assert counter.out_now(qm)[0].asset_tag == "HPD-BWC-0003"


def test_auditors_see_the_lists_but_cannot_scan(qtbot, admin_ctx, auditor_ctx):
    state = AppState(auditor_ctx)
    tab = CounterTab(state)
    qtbot.addWidget(tab)
    assert not tab.scan_edit.isEnabled() and "Read only" in banner(tab)[1]
    state.runner.shutdown()


def test_line_up_sheet_to_pdf(qtbot, desk, tmp_path):
    from bwc_desk.ui.printing import lineup_html, save_pdf

    qm = desk["qm"]
    counter.issue_unit(qm, desk["smith"].id, "HPD-BWC-0001", function_test=FunctionTest())
    sheet = counter.lineup(qm, "Day", desk["clock"].now.astimezone(qm.zone).date())
    html = lineup_html(sheet)
    assert "Smith, John" in html and "HPD-BWC-0001" in html and "Signature" in html
    save_pdf(html, tmp_path / "lineup.pdf")
    assert (tmp_path / "lineup.pdf").read_bytes()[:4] == b"%PDF"


def test_model_is_sound(qtmodeltester, desk):
    qtmodeltester.check(desk["tab"].model)
    qtmodeltester.check(desk["tab"].not_docked_model)
    _: Any = None


def test_a_camera_another_station_just_issued_is_not_returned_here(qtbot, desk, admin_ctx):
    """Two counters reach for one camera: station DESK-A issued it to Jones seconds ago; here
    Smith is waiting and the same camera is scanned. It is refused, naming Jones and DESK-A,
    not returned."""
    from dataclasses import replace

    tab, qm = desk["tab"], desk["qm"]
    other = replace(qm, station="DESK-A")
    counter.issue_unit(other, desk["jones"].id, "HPD-BWC-0005", function_test=FunctionTest())
    desk["clock"].advance(seconds=10)
    before = snapshot(qm)
    scan(qtbot, tab, "ID-0412")
    scan(qtbot, tab, "HPD-BWC-0005")
    kind, text = banner(tab)
    assert kind == "error" and "just issued to Jones, Ann (0007) at DESK-A" in text, text
    assert snapshot(qm) == before
    # With nobody waiting, a scan seconds after the other station's issue is refused too...
    tab.clear_officer()
    desk["clock"].advance(seconds=-8)  # within the double-scan window of the issue
    scan(qtbot, tab, "HPD-BWC-0005")
    kind, text = banner(tab)
    assert kind == "error" and "at DESK-A" in text and snapshot(qm) == before
    # ...and a minute later it is simply a return.
    desk["clock"].advance(minutes=2)
    scan(qtbot, tab, "HPD-BWC-0005")
    assert "returned by Jones, Ann (0007)" in banner(tab)[1]


def test_the_officer_card_follows_changes_and_is_forgotten_at_a_new_sign_in(qtbot, desk):
    from dataclasses import replace

    tab, qm = desk["tab"], desk["qm"]
    scan(qtbot, tab, "ID-0412")
    assert "Holds now: <b>HPD-BWC-0001" not in tab.card.text()
    other = replace(qm, station="DESK-A")
    counter.issue_unit(other, desk["smith"].id, "HPD-BWC-0001", function_test=FunctionTest())
    tab.state.announce(ChangeSet.of({"units"}, complete=False, local=False))  # as the watcher
    qtbot.waitUntil(lambda: "Holds now: <b>HPD-BWC-0001" in tab.card.text(), timeout=5000)
    tab.state.set_actor(qm.actor)  # someone signs in at the lock screen
    assert tab.officer is None and "No officer selected" in tab.card.text()


def _from_another_station(qm, fn):
    """Run ``fn`` as station DESK-A and return what the watcher would announce for it."""
    from dataclasses import replace

    from bwc_desk.services.changes import collect

    _result, change = collect(replace(qm, station="DESK-A"), fn)
    assert change is not None and change.complete
    return replace(change, local=False)


def test_out_now_patches_the_rows_another_station_changed(qtbot, desk, monkeypatch):
    """Another station's issue and return reach Out now by the ids their change sets name:
    only those checkouts are read, not the whole list (2,500 rows at a large agency), and the
    officer card at the counter follows."""
    from bwc_desk.services.counter import ReturnCondition

    tab, qm, lists = desk["tab"], desk["qm"], desk["tab"].lists
    scan(qtbot, tab, "ID-0007")  # Jones at this counter
    whole = []
    monkeypatch.setattr(counter, "out_now", lambda ctx: whole.append(1) or [])
    issued = _from_another_station(qm, lambda ctx: counter.issue_unit(
        ctx, desk["jones"].id, "HPD-BWC-0005", function_test=FunctionTest()))
    tab.state.announce(issued)
    qtbot.waitUntil(lambda: [r.asset_tag for r in lists.model.rows()] == ["HPD-BWC-0005"],
                    timeout=5000)
    assert lists.tabText(0).startswith("Out now (1")
    assert lists.model.rows()[0].station == "DESK-A"
    qtbot.waitUntil(lambda: "Holds now: <b>HPD-BWC-0005" in tab.card.text(), timeout=5000)
    desk["clock"].advance(minutes=5)
    returned = _from_another_station(
        qm, lambda ctx: counter.return_unit(ctx, "HPD-BWC-0005", ReturnCondition()))
    tab.state.announce(returned)
    qtbot.waitUntil(lambda: lists.model.rowCount() == 0, timeout=5000)
    assert lists.tabText(0) == "Out now (0)"
    qtbot.waitUntil(lambda: "HPD-BWC-0005" not in tab.card.text(), timeout=5000)
    assert whole == []  # never read whole
    # A change of unknown ids still reads the list whole.
    tab.state.announce(ChangeSet.of({"units"}, complete=False, local=False))
    qtbot.waitUntil(lambda: whole == [1], timeout=5000)


def test_a_patch_read_that_raced_a_scan_is_read_again(qtbot, desk):
    """A read of the rows a change names, answered after this counter patched Out now
    itself, is not applied over the newer rows: the same rows are read again."""
    qm, lists = desk["qm"], desk["tab"].lists
    issued = _from_another_station(qm, lambda ctx: counter.issue_unit(
        ctx, desk["jones"].id, "HPD-BWC-0005", function_test=FunctionTest()))
    calls = []
    real = counter.out_now_touching

    def spy(ctx, **named):
        calls.append(named)
        return real(ctx, **named)

    counter.out_now_touching = spy
    try:
        lists.changed(issued)
        # Before the answer arrives, this counter patches the list (a row it just issued).
        stale = counter.out_now(qm)[0]
        lists.issued(stale)
        qtbot.waitUntil(lambda: len(calls) == 2 and not lists._reading, timeout=5000)
    finally:
        counter.out_now_touching = real
    assert [r.asset_tag for r in lists.model.rows()] == ["HPD-BWC-0005"]


def test_a_change_that_names_no_row_reads_out_now_whole_even_merged(qtbot, desk, monkeypatch):
    """A set with its topics but no ids (nothing says which rows) cannot be patched: taken
    in one refresh with a set that names rows, Out now is still read whole."""
    tab, qm = desk["tab"], desk["qm"]
    whole = []
    real = counter.out_now
    monkeypatch.setattr(counter, "out_now", lambda ctx: whole.append(1) or real(ctx))
    issued = _from_another_station(qm, lambda ctx: counter.issue_unit(
        ctx, desk["jones"].id, "HPD-BWC-0005", function_test=FunctionTest()))
    tab.state.announce(issued)
    tab.state.announce(ChangeSet.of({"units", "custody"}, local=False))
    qtbot.waitUntil(lambda: whole == [1] and not tab.lists._reading, timeout=5000)
    assert [r.asset_tag for r in tab.lists.model.rows()] == ["HPD-BWC-0005"]


def test_the_line_up_is_a_window_beside_the_counter_not_in_its_way(qtbot, desk):
    """Open at roll call, the line-up held up every scan at the counter (a modal sheet).
    Now it is a window of its own: the counter takes scans while it is open, the button
    brings the one window back instead of a second, and a scan typed into the line-up
    is the sheet's own search, never a custody transaction; the open sheet catches up
    with what the counter does."""
    from PySide6.QtCore import QDate
    from PySide6.QtTest import QTest

    from bwc_desk.ui.dialogs.lineup_dialog import LineupDialog

    tab = desk["tab"]
    tab.lineup_button.click()
    windows = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, LineupDialog) and w.isVisible()]
    assert len(windows) == 1
    lineup = windows[0]
    assert lineup.focusWidget() is lineup.preview.filter_edit  # what is scanned: a search
    qtbot.waitUntil(lambda: lineup.shift_box.count() > 0, timeout=10_000)
    day = desk["clock"].now.astimezone(desk["qm"].zone).date()
    lineup.date_edit.setDate(QDate(day.year, day.month, day.day))
    lineup.shift_box.setCurrentText("Day")  # (Smith's shift)
    qtbot.waitUntil(lambda: lineup.sheet is not None and "Day" in lineup.sheet.shift,
                    timeout=10_000)
    assert QApplication.activeModalWidget() is None
    assert lineup.windowModality() == Qt.WindowModality.NonModal

    tab.scan_edit.setFocus()
    scan(qtbot, tab, "ID-0412")  # the counter serves while the sheet is open
    assert tab.officer is not None and tab.officer.badge == "0412"

    tab.lineup_button.click()  # the same window, not a second
    assert [w for w in QApplication.topLevelWidgets()
            if isinstance(w, LineupDialog) and w.isVisible()] == [lineup]

    # A camera scanned into the line-up's search finds its row there: never a custody
    # transaction (a camera issued minutes ago, scanned twice, would have been returned).
    search = lineup.preview.filter_edit
    lineup.activateWindow()
    search.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is search, timeout=5000)
    before = snapshot(desk["qm"])
    handled: list[str] = []
    tab.scan_handled.connect(handled.append)
    QTest.keyClicks(search, "0412")
    QTest.keyClick(search, Qt.Key.Key_Return)
    qtbot.wait(200)
    assert search.text() == "0412" and handled == []
    assert lineup.preview.proxy.rowCount() == 1
    assert snapshot(desk["qm"]) == before

    # Smith's camera issued at the counter meanwhile: the open sheet catches up by itself.
    counter.issue_unit(desk["qm"], desk["smith"].id, "HPD-BWC-0001",
                       function_test=FunctionTest())
    tab.state.announce(ChangeSet.of({"custody"}, local=True))
    qtbot.waitUntil(lambda: lineup.sheet is not None and any(
        r.asset_tag == "HPD-BWC-0001" for r in lineup.sheet.rows), timeout=10_000)
    lineup.close()
    qtbot.waitUntil(lambda: tab._lineup_window is None, timeout=5000)

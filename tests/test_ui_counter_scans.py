"""The counter as the tester drove it: scans typed at scanner speed into the real CounterTab.
A camera returned a moment ago and scanned again after a badge is an issue to that officer,
and the readiness check refuses it (not docked since its return). A scan typed while a
counter dialog is open never answers it, and a function test is passed only by ticking its
checks."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from bwc_desk.services import counter, dock_registry
from bwc_desk.services.counter import FunctionTest
from bwc_desk.ui.dialogs.counter_dialogs import (
    FunctionTestDialog,
    GateDialog,
    PinDialog,
    SwapReasonDialog,
)
from bwc_desk.ui.feedback import Sound
from tests.conftest import answer
from tests.test_services_counter import put_in_bay, snapshot
from tests.test_ui_counter import banner, desk, press_enter, scan

__all__ = ["desk"]  # the fixture, shared with test_ui_counter


def out_with_smith(desk, tag="HPD-BWC-0009"):
    """The agency uses docks; ``tag`` went out with Smith for a shift and is back now."""
    dock_registry.add_dock(desk["admin"], "DOCK-A", 8)
    counter.issue_unit(desk["qm"], desk["smith"].id, tag, function_test=FunctionTest(),
                       swap_reason="other: test")
    desk["clock"].advance(hours=8)


def test_a_camera_returned_then_scanned_after_a_badge_is_checked_for_readiness(qtbot, desk):
    tab, qm, clock = desk["tab"], desk["qm"], desk["clock"]
    out_with_smith(desk)
    scan(qtbot, tab, "HPD-BWC-0009")  # the return
    assert "returned by Smith" in banner(tab)[1]
    clock.advance(seconds=1)  # well within the double-scan window (5 s)
    scan(qtbot, tab, "ID-0007")  # Jones steps up
    before = snapshot(qm)
    seen = []

    def read_and_pick_another(dialog):
        seen.append(dialog.reasons_label.text())
        press_enter(dialog)  # Enter = pick another camera

    answer(qtbot, read_and_pick_another, GateDialog)
    scan(qtbot, tab, "HPD-BWC-0009")
    assert seen and "not been in a dock since" in seen[0]
    assert "scanned twice" not in banner(tab)[1]
    assert "HPD-BWC-0009 was not issued" in banner(tab)[1]
    assert snapshot(qm) == before


def test_the_same_camera_twice_in_a_row_is_still_a_double_scan(qtbot, desk):
    tab, qm, clock = desk["tab"], desk["qm"], desk["clock"]
    out_with_smith(desk)
    scan(qtbot, tab, "ID-0007")  # an officer at the counter before the return ...
    scan(qtbot, tab, "HPD-BWC-0009")  # ... the return
    before = snapshot(qm)
    clock.advance(seconds=1)
    scan(qtbot, tab, "HPD-BWC-0009")  # the scanner read it twice
    assert "HPD-BWC-0009 was just returned by you at" in banner(tab)[1]
    assert "(scanned twice)" in banner(tab)[1]
    assert snapshot(qm) == before


def test_end_of_shift_a_camera_returned_a_moment_ago_is_a_double_scan_in_amber(qtbot, desk):
    """Cameras come back one after another: one of them scanned again a few seconds later,
    another camera between, is said as the issue's double scan (amber, who and when,
    nothing recorded), not as a red "nothing to return"; past the window it is that."""
    tab, qm, clock = desk["tab"], desk["qm"], desk["clock"]
    for tag in ("HPD-BWC-0009", "HPD-BWC-0010"):
        counter.issue_unit(qm, desk["smith" if tag.endswith("9") else "jones"].id, tag,
                           function_test=FunctionTest(), swap_reason="other: test")
    clock.advance(hours=8)
    tab.end_of_shift.setChecked(True)
    tab.focus_scan()
    scan(qtbot, tab, "HPD-BWC-0009")
    at = f"{clock.now.astimezone(qm.zone):%H:%M}"
    scan(qtbot, tab, "HPD-BWC-0010")
    clock.advance(seconds=3)  # within the double-scan window (5 s)
    before, sounds = snapshot(qm), len(tab.feedback.played)
    scan(qtbot, tab, "HPD-BWC-0009")
    kind, text = banner(tab)
    assert kind == "notice", text
    assert f"HPD-BWC-0009 was just returned by you at {at} (scanned twice)" in text
    assert tab.feedback.played[sounds:] == [Sound.NOTICE]
    assert snapshot(qm) == before
    assert "scanned twice" in tab.session_list.item(0).text()
    clock.advance(seconds=10)  # past it: the camera is simply not out
    scan(qtbot, tab, "HPD-BWC-0009")
    kind, text = banner(tab)
    assert kind == "error" and "nothing to return" in text


def test_a_camera_returned_and_scanned_after_a_badge_later_still_needs_a_dock(qtbot, desk):
    tab, clock = desk["tab"], desk["clock"]
    out_with_smith(desk)
    scan(qtbot, tab, "HPD-BWC-0009")
    clock.advance(seconds=5)
    scan(qtbot, tab, "ID-0007")
    seen = []

    def read_and_pick_another(dialog):
        seen.append(dialog.reasons_label.text())
        press_enter(dialog)

    answer(qtbot, read_and_pick_another, GateDialog)
    scan(qtbot, tab, "HPD-BWC-0009")
    assert seen and "returned under a minute ago" in seen[0]
    assert counter.out_now(desk["qm"]) == []


# --- scans into an open counter dialog ---------------------------------------------------------
def scanner_types(qtbot, dialog, code: str) -> None:
    """What a USB scanner does with a dialog open: types the code into whatever has the
    focus, at scanner speed, and presses Enter. (Once the dialog has the focus: a dialog
    just opened may not have it yet on a busy machine, and the keys went to the counter.)"""
    qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()), timeout=5000)
    target = QApplication.focusWidget() or dialog
    QTest.keyClicks(target, code)
    QTest.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Return)


def test_the_function_test_starts_unticked_and_enter_alone_records_nothing(qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    scan(qtbot, tab, "ID-0007")
    before = snapshot(qm)
    seen = {}

    def enter_then_cancel(dialog):
        seen["ticked"] = [b.isChecked() for b in dialog.boxes.values()]
        press_enter(dialog)  # nothing ticked: Enter neither passes nor fails the test
        seen["open"], seen["test"] = dialog.isVisible(), dialog.test
        dialog.reject()

    answer(qtbot, enter_then_cancel, FunctionTestDialog)
    scan(qtbot, tab, "HPD-BWC-0015")
    assert seen == {"ticked": [False] * 4, "open": True, "test": None}
    assert "HPD-BWC-0015 was not issued (cancelled)" in banner(tab)[1]
    assert snapshot(qm) == before


def test_a_scan_into_the_function_test_is_not_an_answer(qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    scan(qtbot, tab, "ID-0007")
    seen = {}

    def scan_into_it_then_do_the_test(dialog):
        dialog.boxes["powers_on"].click()
        dialog.boxes["records"].click()  # two checks done ...
        scanner_types(qtbot, dialog, "HPD-BWC-0015")  # ... and the scanner fires
        seen["open"], seen["test"] = dialog.isVisible(), dialog.test
        seen["ticked"] = [b.isChecked() for b in dialog.boxes.values()]
        seen["note"] = dialog.note_edit.text()
        seen["notice"] = dialog.findChild(QLabel, "scan_not_used").text()
        for key in ("battery_indicator", "mount_and_lens"):
            dialog.boxes[key].click()
        press_enter(dialog)  # all four ticked by hand: now Enter = all checks passed

    answer(qtbot, scan_into_it_then_do_the_test, FunctionTestDialog)
    scan(qtbot, tab, "HPD-BWC-0014")
    assert seen["open"] and seen["test"] is None
    assert seen["ticked"] == [True, True, False, False] and seen["note"] == ""
    assert "HPD-BWC-0015" in seen["notice"] and "not used" in seen["notice"]
    assert banner(tab)[0] == "ok" and "HPD-BWC-0014 issued to Jones" in banner(tab)[1]
    assert [c.asset_tag for c in counter.out_now(qm)] == ["HPD-BWC-0014"]
    assert tab.session_list.count() and any(
        "HPD-BWC-0015" in tab.session_list.item(i).text() and "not used" in
        tab.session_list.item(i).text() for i in range(tab.session_list.count()))
    assert Sound.ERROR in tab.feedback.played


def test_a_scan_into_the_note_of_the_function_test_leaves_the_note_as_it_was(qtbot, desk):
    tab = desk["tab"]
    scan(qtbot, tab, "ID-0007")
    seen = {}

    def type_a_note_then_scan(dialog):
        dialog.note_edit.setFocus()
        dialog.note_edit.setText("lens scratched")
        scanner_types(qtbot, dialog, "HPD-BWC-0015")
        seen["note"], seen["open"] = dialog.note_edit.text(), dialog.isVisible()
        dialog.reject()

    answer(qtbot, type_a_note_then_scan, FunctionTestDialog)
    scan(qtbot, tab, "HPD-BWC-0014")
    assert seen == {"note": "lens scratched", "open": True}


def test_a_scan_into_the_not_ready_dialog_is_not_pick_another(qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    put_in_bay(qm, "HPD-BWC-0006", 40)
    scan(qtbot, tab, "ID-0007")
    before = snapshot(qm)
    seen = {}

    def scan_into_it(dialog):
        scanner_types(qtbot, dialog, "HPD-BWC-0015")
        seen["open"] = dialog.isVisible()
        seen["notice"] = dialog.findChild(QLabel, "scan_not_used").text()
        press_enter(dialog)  # a person's Enter: pick another camera

    answer(qtbot, scan_into_it, GateDialog)
    scan(qtbot, tab, "HPD-BWC-0006")
    # (It has a password field: its notice names no code, nor does This session.)
    assert seen["open"] and "scan came in" in seen["notice"]
    assert "HPD-BWC-0015" not in seen["notice"]
    assert not any("HPD-BWC-0015" in tab.session_list.item(i).text()
                   for i in range(tab.session_list.count()))
    assert "HPD-BWC-0006 was not issued" in banner(tab)[1]
    assert snapshot(qm) == before


def test_a_scan_into_the_swap_reason_dialog_chooses_no_reason(qtbot, desk):
    tab = desk["tab"]
    scan(qtbot, tab, "ID-0412")  # Smith, whose primary is HPD-BWC-0001
    seen = {}

    def scan_into_it(dialog):
        scanner_types(qtbot, dialog, "HPD-BWC-0041")  # its "1" would choose the first reason
        seen["open"] = dialog.isVisible()
        seen["chosen"] = [b.isChecked() for b in dialog.buttons.values()]
        dialog.reject()

    answer(qtbot, scan_into_it, SwapReasonDialog)
    scan(qtbot, tab, "HPD-BWC-0005")
    assert seen == {"open": True, "chosen": [False] * 4}


# --- the handover PIN, typed quickly ------------------------------------------------------------
def pin_handover(desk):
    """The agency asks for the officer's PIN at handover; Jones's is 480271."""
    from bwc_desk.services import officers, settings

    settings.change_settings(desk["admin"], {"handover_ack": "pin",
                                             "function_test_required": False})
    officers.set_handover_pin(desk["admin"], desk["jones"].id, "480271")


def test_a_pin_typed_at_speed_then_enter_is_the_pin(qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    pin_handover(desk)
    scan(qtbot, tab, "ID-0007")
    seen = {}

    def type_pin_quickly(dialog):
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.pin_edit, timeout=5000)
        scanner_types(qtbot, dialog, "480271")  # as fast as a scanner, and Enter
        seen["notice"] = dialog.findChild(QLabel, "scan_not_used")
        seen["open"] = dialog.isVisible()
        if seen["open"]:
            dialog.reject()

    answer(qtbot, type_pin_quickly, PinDialog)
    scan(qtbot, tab, "HPD-BWC-0003")
    assert seen == {"notice": None, "open": False}
    assert banner(tab)[0] == "ok" and "HPD-BWC-0003 issued to Jones" in banner(tab)[1]
    assert [c.asset_tag for c in counter.out_now(qm)] == ["HPD-BWC-0003"]


def test_a_scan_into_the_pin_field_is_still_not_an_answer(qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    pin_handover(desk)
    scan(qtbot, tab, "ID-0007")
    seen = []

    def scan_into_it(dialog):
        for code in ("HPD-BWC-0015", "4802714802714802"):  # a tag; digits too long for a PIN
            dialog.pin_edit.setText("48")
            dialog.pin_edit.end(False)
            scanner_types(qtbot, dialog, code)
            notice = dialog.findChild(QLabel, "scan_not_used")
            text = notice.text() if notice else ""
            # Refused, and never shown: what is typed into a PIN field is not echoed.
            seen.append((dialog.isVisible(), dialog.pin_edit.text(),
                         "scan came in" in text, code in text))
        dialog.reject()

    answer(qtbot, scan_into_it, PinDialog)
    scan(qtbot, tab, "HPD-BWC-0003")
    assert seen == [(True, "48", True, False), (True, "48", True, False)]
    assert "HPD-BWC-0003 was not issued (cancelled)" in banner(tab)[1]
    assert counter.out_now(qm) == []


# --- a camera waiting for a badge, then another camera ----------------------------------------
def no_dialog_expected(qtbot) -> list[str]:
    """Any dialog that opens is recorded and closed (the test fails on it instead of hanging)."""
    seen: list[str] = []

    def record(dialog):
        seen.append(type(dialog).__name__)
        dialog.reject()

    answer(qtbot, record)
    return seen


def jones_has_0008(desk, seconds_ago: float) -> None:
    counter.issue_unit(desk["qm"], desk["jones"].id, "HPD-BWC-0008", function_test=FunctionTest())
    desk["clock"].advance(seconds=seconds_ago)


def test_a_camera_out_asked_to_confirm_lets_the_waiting_spare_go(qtbot, desk):
    """The tester's steps: Esc, a spare scanned (it waits for a badge), a camera that is out
    scanned (the counter asks to scan it again), a badge: that officer is at the counter and
    is asked for a camera; the spare is not offered to them."""
    tab, qm = desk["tab"], desk["qm"]
    jones_has_0008(desk, seconds_ago=6)  # past the double scan (5 s), within undo (2 min)
    QTest.keyClick(tab.scan_edit, Qt.Key.Key_Escape)
    scan(qtbot, tab, "HPD-BWC-0028")
    assert "now scan the officer's ID badge" in banner(tab)[1]
    scan(qtbot, tab, "HPD-BWC-0008")
    text = banner(tab)[1]
    assert "To take it back now, scan it again." in text
    assert "HPD-BWC-0028 no longer waits for a badge" in text
    assert tab.pending_unit is None
    before = snapshot(qm)
    seen = no_dialog_expected(qtbot)
    scan(qtbot, tab, "ID-0412")
    assert seen == []
    assert "Smith, John (0412): now scan the camera." in banner(tab)[1]
    assert snapshot(qm) == before
    lines = [tab.session_list.item(i).text() for i in range(tab.session_list.count())]
    assert any("HPD-BWC-0028: no longer waits for a badge" in line for line in lines)


def test_a_return_lets_the_waiting_spare_go_and_a_badge_a_minute_later_pairs_nothing(qtbot, desk):
    tab, qm, clock = desk["tab"], desk["qm"], desk["clock"]
    jones_has_0008(desk, seconds_ago=3600)
    scan(qtbot, tab, "HPD-BWC-0028")
    scan(qtbot, tab, "HPD-BWC-0008")  # out an hour: returned at once
    text = banner(tab)[1]
    assert "returned by Jones, Ann (0007)" in text
    assert "HPD-BWC-0028 no longer waits for a badge" in text
    clock.advance(seconds=60)
    before = snapshot(qm)
    seen = no_dialog_expected(qtbot)
    scan(qtbot, tab, "ID-0412")
    assert seen == []
    assert "now scan the camera" in banner(tab)[1]
    assert snapshot(qm) == before
    assert [r.asset_tag for r in counter.out_now(qm)] == []


def test_another_available_camera_waits_instead(qtbot, desk):
    tab = desk["tab"]
    scan(qtbot, tab, "HPD-BWC-0028")
    scan(qtbot, tab, "HPD-BWC-0029")
    assert "HPD-BWC-0029 is waiting for a badge now, instead of HPD-BWC-0028" in banner(tab)[1]
    assert tab.pending_unit == "HPD-BWC-0029"


def test_a_waiting_camera_is_let_go_at_the_lock_like_the_officer(qtbot, desk):
    """No setting lets a waiting officer go after a time; the lock (idle or Ctrl+L) or a new
    sign-in does, and the waiting camera with them."""
    tab, qm = desk["tab"], desk["qm"]
    scan(qtbot, tab, "HPD-BWC-0028")
    tab.state.set_actor(qm.actor)  # what the lock and the next sign-in do
    assert tab.pending_unit is None and banner(tab)[0] == "idle"
    seen = no_dialog_expected(qtbot)
    scan(qtbot, tab, "ID-0412")
    assert seen == [] and "now scan the camera" in banner(tab)[1]

"""The real CounterTab keeps the agency's timing rules (Administration > Settings), not its
own: the undo window (0-600 s, 0 = no undo at the counter) and the double-scan window. The
clock is the test's; nothing here waits on real time."""

from __future__ import annotations

from PySide6.QtCore import Qt

from bwc_desk.services import counter, settings
from bwc_desk.ui.dialogs.counter_dialogs import FunctionTestDialog
from tests.conftest import answer
from tests.test_services_counter import snapshot
from tests.test_ui_counter import banner, desk, pass_test, scan

__all__ = ["desk"]  # the fixture, shared with test_ui_counter


def issue_smiths_camera(qtbot, tab) -> None:
    scan(qtbot, tab, "ID-0412")
    answer(qtbot, pass_test, FunctionTestDialog)  # the function test: all checks passed
    scan(qtbot, tab, "HPD-BWC-0001")
    assert banner(tab)[0] == "ok"


def ctrl_z(qtbot, tab) -> None:
    qtbot.keyClick(tab.scan_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def test_an_undo_window_of_30_seconds_is_honoured(qtbot, desk):
    tab, qm, clock = desk["tab"], desk["qm"], desk["clock"]
    settings.change_settings(desk["admin"], {"undo_window_seconds": 30})
    issue_smiths_camera(qtbot, tab)
    assert tab.undo_button.isEnabled()
    clock.advance(seconds=31)
    before = snapshot(qm)
    ctrl_z(qtbot, tab)
    kind, text = banner(tab)
    assert kind == "error" and "only possible within 30 seconds" in text
    assert not tab.undo_button.isEnabled()
    assert snapshot(qm) == before and [r.asset_tag for r in counter.out_now(qm)] == [
        "HPD-BWC-0001"
    ]

    # Within the 30 seconds, the same keys undo it (the 2 minutes of old are not the rule).
    scan(qtbot, tab, "HPD-BWC-0001")  # its return, now undoable for 30 s
    assert counter.out_now(qm) == []
    clock.advance(seconds=29)
    assert tab.undo_button.isEnabled()
    ctrl_z(qtbot, tab)
    qtbot.waitUntil(lambda: "Undone" in banner(tab)[1], timeout=5000)
    assert [r.asset_tag for r in counter.out_now(qm)] == ["HPD-BWC-0001"]
    assert not tab.undo_button.isEnabled()


def test_an_undo_window_of_0_means_no_undo_at_the_counter(qtbot, desk):
    tab, qm = desk["tab"], desk["qm"]
    settings.change_settings(desk["admin"], {"undo_window_seconds": 0})
    issue_smiths_camera(qtbot, tab)
    assert not tab.undo_button.isEnabled()
    before = snapshot(qm)
    ctrl_z(qtbot, tab)
    kind, text = banner(tab)
    assert kind == "error" and "turned off" in text
    assert snapshot(qm) == before


def test_the_undo_button_greys_out_when_the_window_closes(qtbot, desk):
    tab, clock = desk["tab"], desk["clock"]
    settings.change_settings(desk["admin"], {"undo_window_seconds": 30})
    issue_smiths_camera(qtbot, tab)
    assert tab.undo_control.timer.isActive() and tab.undo_control.timer.interval() <= 31_000
    clock.advance(seconds=31)
    tab.undo_control.timer.timeout.emit()  # the timer's moment, without waiting 30 real seconds
    assert not tab.undo_button.isEnabled()


def test_the_double_scan_window_is_the_agencys(qtbot, desk):
    tab, qm, clock = desk["tab"], desk["qm"], desk["clock"]
    settings.change_settings(desk["admin"], {"double_scan_seconds": 30})
    issue_smiths_camera(qtbot, tab)
    clock.advance(seconds=10)  # past the old 5 s, within the agency's 30 s
    before = snapshot(qm)
    scan(qtbot, tab, "HPD-BWC-0001")
    assert "scanned twice" in banner(tab)[1] and snapshot(qm) == before
    clock.advance(seconds=25)
    scan(qtbot, tab, "HPD-BWC-0001")  # past it: within the undo window, asked once more
    assert "scan it again" in banner(tab)[1] and snapshot(qm) == before
    scan(qtbot, tab, "HPD-BWC-0001")  # now it is a return
    assert counter.out_now(qm) == [] and banner(tab)[0] == "ok"


def test_the_services_keep_the_double_scan_window_too(desk):
    qm, clock = desk["qm"], desk["clock"]
    settings.change_settings(desk["admin"], {"double_scan_seconds": 30})
    issued = counter.issue_unit(
        qm, desk["smith"].id, "HPD-BWC-0001", function_test=counter.FunctionTest()
    )
    clock.advance(seconds=10)
    again = counter.issue_unit(
        qm, desk["smith"].id, "HPD-BWC-0001", function_test=counter.FunctionTest()
    )
    assert issued.issued and again.duplicate
    returned = counter.return_unit(qm, "HPD-BWC-0001")
    assert returned.duplicate and counter.out_now(qm)  # issued a moment ago: not returned
    match = counter.identify(qm, "HPD-BWC-0001")
    assert match.recent and match.rules.double_scan_seconds == 30

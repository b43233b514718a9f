"""The counter as the tester drove it: scans typed at scanner speed into the real CounterTab.
A camera returned a moment ago and scanned again after a badge is an issue to that officer,
and the readiness check refuses it (not docked since its return)."""

from __future__ import annotations

from bwc_desk.services import counter, dock_registry
from bwc_desk.services.counter import FunctionTest
from bwc_desk.ui.dialogs.counter_dialogs import GateDialog
from tests.conftest import answer
from tests.test_services_counter import snapshot
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
    assert "returned a moment ago (scanned twice)" in banner(tab)[1]
    assert snapshot(qm) == before


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

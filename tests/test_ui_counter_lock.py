"""The counter across a lock, in the real window: what belongs to the clerk who locked (end-of-
shift mode, the transaction Undo offers) stays for that clerk and is let go for the next one; an
issue the lock cut short (its dialog closed by the lock) is said after the sign-in, never
dropped without a trace. Sign-ins are the lock screen's ``unlocked`` signal (the password
check itself is the lock screen's tests')."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from bwc_desk.domain.roles import Role
from bwc_desk.services import assignments, counter, inventory, officers
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.ui.dialogs.counter_dialogs import FunctionTestDialog
from bwc_desk.ui.main_window import MainWindow
from bwc_desk.ui.state import AppState
from tests.conftest import activate, answer, make_actor
from tests.test_scan_keys import Ticks
from tests.test_ui_counter import banner, pass_test, scan


@pytest.fixture
def window(qtbot, admin_ctx):
    smith = officers.add_officer(
        admin_ctx, OfficerInput("0412", "Smith", "John", shift="Day", scan_code="ID-0412")
    )
    officers.add_officer(
        admin_ctx, OfficerInput("0007", "Jones", "Ann", shift="Night", scan_code="ID-0007")
    )
    for i in range(1, 6):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-{i:04d}", f"X60A{i:04d}"))
    assignments.assign_primary(admin_ctx, "HPD-BWC-0001", smith.id)
    quinn = make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    jordan = make_actor(admin_ctx, Role.QUARTERMASTER, "jordan")
    state = AppState(quinn, log_dir="/tmp/logs")
    win = MainWindow(state, "Test PD")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.tabs.setCurrentIndex(win.pages.index_of("counter_tab"))
    tab = win.counter_tab
    tab.feedback.enabled = False
    tab.keys.clock = Ticks(0.004)
    tab.ensure_loaded()
    qtbot.waitUntil(lambda: tab._loaded, timeout=10_000)
    activate(qtbot, win)
    yield {"win": win, "tab": tab, "quinn": quinn, "jordan": jordan, "state": state}
    state.runner.shutdown()


def lock_and_sign_in(qtbot, win, who) -> None:
    win.lock(idle=True)
    assert win.locked
    win.lock_screen.unlocked.emit(who.actor)
    assert not win.locked
    tab = win.counter_tab
    tab.focus_scan()
    qtbot.waitUntil(lambda: tab.scan_edit.isEnabled(), timeout=5000)


def session_lines(tab) -> list[str]:
    return [tab.session_list.item(i).text() for i in range(tab.session_list.count())]


def test_end_of_shift_mode_stays_for_the_same_clerk_and_ends_for_the_next(qtbot, window):
    win, tab = window["win"], window["tab"]
    tab.end_of_shift.setChecked(True)
    lock_and_sign_in(qtbot, win, window["quinn"])
    assert tab.end_of_shift.isChecked()  # quinn unlocked: quinn's mode
    kind, text = banner(tab)
    assert kind == "notice" and text.startswith("End-of-shift mode: scan the cameras"), text
    lock_and_sign_in(qtbot, win, window["jordan"])
    assert not tab.end_of_shift.isChecked()
    kind, text = banner(tab)
    assert kind == "notice" and "End-of-shift mode is off" in text and "Jordan" in text, text
    # Jordan's badge scans select the officer again.
    scan(qtbot, tab, "ID-0007")
    kind, text = banner(tab)
    assert kind == "ok" and "Jones, Ann" in text and "end-of-shift" not in text


def issue(qtbot, tab) -> None:
    scan(qtbot, tab, "ID-0412")
    answer(qtbot, pass_test, FunctionTestDialog)
    scan(qtbot, tab, "HPD-BWC-0001")
    assert banner(tab)[0] == "ok", banner(tab)


def ctrl_z(qtbot, tab) -> None:
    qtbot.keyClick(tab.scan_edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def test_undo_is_the_clerks_own_across_a_lock(qtbot, window):
    win, tab = window["win"], window["tab"]
    issue(qtbot, tab)
    assert tab.undo_button.isEnabled()
    lock_and_sign_in(qtbot, win, window["quinn"])
    assert tab.undo_button.isEnabled()  # the same person: still theirs to undo
    lock_and_sign_in(qtbot, win, window["jordan"])
    assert not tab.undo_button.isEnabled()
    before, sounds = tab.session_list.count(), len(tab.feedback.played)
    ctrl_z(qtbot, tab)
    kind, text = banner(tab)
    assert kind == "notice" and text.startswith("Nothing to undo"), text
    assert "no issue or return of yours" in text
    assert len(tab.feedback.played) == sounds  # (said, not sounded: no beep per press)
    assert tab.session_list.count() == before  # (a press that did nothing: not a record)
    assert [r.asset_tag for r in counter.out_now(window["quinn"])] == ["HPD-BWC-0001"]


def test_ctrl_z_after_an_undo_says_there_is_nothing_left(qtbot, window):
    tab = window["tab"]
    issue(qtbot, tab)
    ctrl_z(qtbot, tab)
    qtbot.waitUntil(lambda: "undone" in banner(tab)[1].lower(), timeout=10_000)
    assert not tab.undo_button.isEnabled()
    ctrl_z(qtbot, tab)
    kind, text = banner(tab)
    assert kind == "notice" and text.startswith("Nothing to undo"), text
    assert "HPD-BWC-0001" in text and "already undone" in text


def test_an_issue_cut_short_by_the_lock_is_said_after_the_sign_in(qtbot, window):
    win, tab = window["win"], window["tab"]
    scan(qtbot, tab, "ID-0412")
    # The function test is open when the station locks (idle): the lock closes it.
    answer(qtbot, lambda _d: win.lock(idle=True), FunctionTestDialog)
    scan(qtbot, tab, "HPD-BWC-0001")
    assert win.locked
    assert counter.out_now(window["quinn"]) == []  # nothing was issued
    win.lock_screen.unlocked.emit(window["jordan"].actor)
    qtbot.waitUntil(lambda: tab.scan_edit.isEnabled(), timeout=5000)
    expected = (
        "Not issued: HPD-BWC-0001 to Smith, John (0412), the station locked during the "
        "function test; scan again to issue"
    )
    kind, text = banner(tab)
    assert kind == "notice" and expected in text, text
    assert any(expected in line for line in session_lines(tab)), session_lines(tab)
    # Said once: the next lock and sign-in do not repeat it.
    lock_and_sign_in(qtbot, win, window["jordan"])
    assert expected not in banner(tab)[1]


def test_after_a_sign_out_even_the_same_clerk_starts_clean(qtbot, window):
    """A sign-out is not a lock: whoever signs in next, the same person too, finds no Undo
    of the last transaction and end-of-shift mode off (they chose to end their session)."""
    win, tab, quinn = window["win"], window["tab"], window["quinn"]
    issue(qtbot, tab)
    tab.end_of_shift.setChecked(True)
    assert tab.undo_button.isEnabled()
    win.sign_out()
    assert win.locked
    win.lock_screen.unlocked.emit(quinn.actor)
    tab.focus_scan()
    qtbot.waitUntil(lambda: tab.scan_edit.isEnabled(), timeout=5000)
    assert not tab.end_of_shift.isChecked()
    kind, text = banner(tab)
    assert kind == "notice" and "End-of-shift mode was switched off at the sign-out" in text
    assert not tab.undo_button.isEnabled()
    assert win.lock_screen.heading.text() == "<h2>Signed out: sign in to use BWC Desk</h2>"
    ctrl_z(qtbot, tab)
    kind, text = banner(tab)
    assert kind == "notice" and text.startswith("Nothing to undo"), text
    assert [r.asset_tag for r in counter.out_now(quinn)] == ["HPD-BWC-0001"]  # not undone

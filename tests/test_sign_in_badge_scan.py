"""A staff badge scanned into the sign-in form's User name field, as quartermasters do it
(scan first, look after): it is a badge, not a user name. The form turns to Badge and PIN with
the code in the badge field and the PIN field focused; nothing is sent, so no failed sign-in
is counted for a user that does not exist. A name typed by hand stays a name. Keys carry the
window system's times (as a scanner's and a person's keys do), or the watch reads a fake
clock: no sleeps, no timed assertions."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from bwc_desk.ui.dialogs.sign_in_dialog import BADGE_SCANNED, NOT_A_NAME, SignInDialog
from tests.test_scan_keys import Ticks

SCANNER_MS = 4  # a USB scanner: a key every few milliseconds
PERSON_MS = 150  # a person typing fast
_now_ms = [5_000_000]  # the window system's clock (ms), for every key these tests send


def _key(widget: QWidget, key: Qt.Key, text: str, ms: int) -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text)
        event.setTimestamp(ms)
        QApplication.sendEvent(widget, event)


def keys_at(widget: QWidget, text: str, gap_ms: int, *, enter: bool = True) -> None:
    """``text`` (then Enter) as the window system delivers it: each key with its own time,
    ``gap_ms`` apart, after a pause (so that it never joins keys sent before)."""
    _now_ms[0] += 2000
    for char in text:
        _now_ms[0] += gap_ms
        _key(widget, Qt.Key(ord(char.upper())), char, _now_ms[0])
    if enter:
        _now_ms[0] += gap_ms
        _key(widget, Qt.Key.Key_Return, "\r", _now_ms[0])


def scan(widget: QWidget, code: str) -> None:
    """A USB scanner: the code at its speed, then Enter."""
    keys_at(widget, code, SCANNER_MS)


def type_by_hand(widget: QWidget, text: str, *, enter: bool = True) -> None:
    """A person typing ``text`` (then Enter) into ``widget``."""
    keys_at(widget, text, PERSON_MS, enter=enter)


class Calls:
    """The form's sign-in calls: what was sent, and nothing checked."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def password(self, user: str, password: str, *_a: Any, **_k: Any) -> None:
        self.sent.append(("password", user, password))

    def badge(self, badge: str, pin: str, *_a: Any, **_k: Any) -> None:
        self.sent.append(("badge", badge, pin))


def shown(qtbot, calls: Calls, badge: bool = True) -> SignInDialog:  # type: ignore[no-untyped-def]
    dialog = SignInDialog(calls.password, agency="Test PD", station="DESK-1",
                          sign_in_badge=calls.badge if badge else None)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.user_edit, timeout=5000)
    return dialog


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def test_a_badge_scanned_into_the_user_name_field_turns_to_badge_and_pin(qtbot):
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    scan(form.user_edit, "STAFF-0042")
    assert calls.sent == []  # nothing sent: no failed sign-in for a user "STAFF-0042"
    assert form.tabs.currentIndex() == 1
    assert form.badge_edit.text() == "STAFF-0042" and form.pin_edit.text() == ""
    assert focused() is form.pin_edit
    assert form.user_edit.text() == ""  # as it was before the scan
    assert form.error_label.text() == BADGE_SCANNED
    assert dialog.isVisible()
    # The person types the PIN and presses Enter: the badge and PIN are sent.
    type_by_hand(form.pin_edit, "480271")
    assert calls.sent == [("badge", "STAFF-0042", "480271")]


def test_what_the_user_name_field_held_is_put_back(qtbot):
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    type_by_hand(form.user_edit, "qu", enter=False)  # someone began, the next one scans
    scan(form.user_edit, "STAFF-0042")
    assert form.user_edit.text() == "qu"
    assert form.badge_edit.text() == "STAFF-0042" and focused() is form.pin_edit
    assert calls.sent == []


def test_a_scan_on_the_fake_clock_without_the_keys_own_times(qtbot):
    # (Keys with no time of their own, such as synthetic ones: the watch reads its clock.)
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    form.scans.burst.clock = Ticks(SCANNER_MS / 1000)
    QTest.keyClicks(form.user_edit, "STAFF-0042")
    QTest.keyClick(form.user_edit, Qt.Key.Key_Return)
    assert form.tabs.currentIndex() == 1 and form.badge_edit.text() == "STAFF-0042"
    assert focused() is form.pin_edit and calls.sent == []


def test_a_name_typed_by_hand_stays_a_name_and_enter_moves_to_the_password(qtbot):
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    type_by_hand(form.user_edit, "qm.jordan")
    assert form.tabs.currentIndex() == 0 and form.user_edit.text() == "qm.jordan"
    assert focused() is form.password_edit and form.error_label.text() == ""
    assert form.badge_edit.text() == "" and calls.sent == []
    type_by_hand(form.password_edit, "demo-counter-2026")
    assert calls.sent == [("password", "qm.jordan", "demo-counter-2026")]


def test_a_name_typed_by_hand_on_the_fake_clock(qtbot):
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    form.scans.burst.clock = Ticks(PERSON_MS / 1000)
    QTest.keyClicks(form.user_edit, "qm.jordan")
    QTest.keyClick(form.user_edit, Qt.Key.Key_Return)
    assert form.tabs.currentIndex() == 0 and form.user_edit.text() == "qm.jordan"
    assert focused() is form.password_edit and calls.sent == []


def test_a_password_manager_name_tab_password_enter_signs_in_with_the_password(qtbot):
    # Auto-type at scanner speed: Tab ends the name's burst, and a burst typed into the
    # password field is never a badge.
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    keys_at(form.user_edit, "qm.jordan", SCANNER_MS, enter=False)
    _now_ms[0] += SCANNER_MS
    _key(form.user_edit, Qt.Key.Key_Tab, "\t", _now_ms[0])
    assert focused() is form.password_edit
    keys_at(form.password_edit, "demo-counter-2026", SCANNER_MS)
    assert calls.sent == [("password", "qm.jordan", "demo-counter-2026")]
    assert form.tabs.currentIndex() == 0


def test_without_badge_sign_in_a_scan_is_said_and_not_sent(qtbot):
    calls = Calls()
    dialog = shown(qtbot, calls, badge=False)
    form = dialog.form
    assert form.tabs.count() == 1
    scan(form.user_edit, "STAFF-0042")
    assert calls.sent == []
    assert form.error_label.text() == NOT_A_NAME
    assert form.tabs.currentIndex() == 0 and focused() is form.user_edit
    # Kept and selected: the person types their name over it ...
    assert form.user_edit.text() == "STAFF-0042" and form.user_edit.selectedText() == "STAFF-0042"
    type_by_hand(form.user_edit, "qm.jordan")
    assert form.user_edit.text() == "qm.jordan" and focused() is form.password_edit
    assert calls.sent == []


def test_without_badge_sign_in_a_persons_enter_keeps_what_was_typed_fast(qtbot):
    # (A name that a tool typed at speed, then Enter: the person's own Enter goes on.)
    calls = Calls()
    dialog = shown(qtbot, calls, badge=False)
    form = dialog.form
    scan(form.user_edit, "qm.jordan")
    assert form.error_label.text() == NOT_A_NAME and focused() is form.user_edit
    _now_ms[0] += 900
    _key(form.user_edit, Qt.Key.Key_Return, "\r", _now_ms[0])
    assert form.user_edit.text() == "qm.jordan" and focused() is form.password_edit
    assert calls.sent == []


def test_a_scan_at_the_lock_screen_turns_to_badge_and_pin(qtbot):
    from bwc_desk.ui.lock_screen import LOCKED_BADGE_NOTE, LockScreen

    calls = Calls()
    screen = LockScreen(calls.password, calls.badge)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    screen.show_locked("Dana Lee", idle=False)
    form = screen.form
    scan(form.user_edit, "STAFF-0042")
    assert form.tabs.currentIndex() == 1 and form.badge_edit.text() == "STAFF-0042"
    # (At a locked counter it may be an officer's badge: the form says who may sign in.)
    assert form.error_label.text() == f"{BADGE_SCANNED} {LOCKED_BADGE_NOTE}"
    assert calls.sent == []
    type_by_hand(form.pin_edit, "480271")
    assert calls.sent == [("badge", "STAFF-0042", "480271")]


def test_a_scan_while_a_check_runs_is_not_used(qtbot):
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    type_by_hand(form.user_edit, "quinn")
    type_by_hand(form.password_edit, "a password")  # sent; the check has not answered
    assert calls.sent == [("password", "quinn", "a password")]
    assert not form.sign_in_button.isEnabled()
    form.user_edit.setFocus()
    scan(form.user_edit, "STAFF-0042")
    assert form.tabs.currentIndex() == 0 and form.user_edit.text() == "quinn"
    assert form.badge_edit.text() == "" and len(calls.sent) == 1


def test_a_scanned_badge_signs_in_and_no_failed_sign_in_is_recorded(qtbot, admin_ctx):
    """With the real services: the badge's code never reaches them as a user name."""
    from bwc_desk.domain.roles import Role
    from bwc_desk.services import audit, auth
    from bwc_desk.ui.tasks import TaskRunner
    from tests.conftest import PASSWORD, add_own

    row = add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    auth.set_badge_and_pin(admin_ctx, row.id, "STAFF-0042", "480271")
    runner = TaskRunner()
    anyone = admin_ctx.as_actor(None)

    def password(user, secret, on_done, on_error, **more):  # type: ignore[no-untyped-def]
        runner.run(lambda: auth.sign_in(anyone, user, secret, **more), on_done, on_error,
                   write=True)

    def badge(code, pin, on_done, on_error):  # type: ignore[no-untyped-def]
        runner.run(lambda: auth.sign_in_badge(anyone, code, pin), on_done, on_error,
                   write=True)

    dialog = SignInDialog(password, agency="Test PD", station="DESK-1", sign_in_badge=badge)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: focused() is dialog.user_edit, timeout=5000)

    def not_ok() -> list[tuple[str, str]]:
        return [(r.event, r.staff_username) for r in audit.list_audit(admin_ctx)
                if r.outcome != "ok"]

    before = not_ok()
    scan(dialog.user_edit, "STAFF-0042")
    assert focused() is dialog.form.pin_edit and dialog.form.badge_edit.text() == "STAFF-0042"
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        type_by_hand(dialog.form.pin_edit, "480271")
    assert dialog.actor is not None and dialog.actor.username == "quinn"
    assert not_ok() == before  # (no failed sign-in, for "STAFF-0042" nor anyone)
    runner.shutdown()


def test_a_fast_typist_s_own_user_name_stays_a_name(qtbot):
    """60 ms a key is scanner speed at the counter (80 ms), not at the sign-in form: a
    person typing their own user name can be that quick; a scanner is 1-20 ms a key."""
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    keys_at(form.user_edit, "quartermaster", 60)
    assert form.tabs.currentIndex() == 0
    assert form.user_edit.text() == "quartermaster"
    assert focused() is form.password_edit
    assert calls.sent == []

"""A code scanned while the keyboard focus is on the Badge and PIN page (the lock screen opens
there after a badge sign-in; officers queueing at a locked counter scan their own badge and
camera): a burst at scanner speed that ends in Enter is never a PIN (a person types a PIN; a
scanner types codes). It is a (new) staff badge: the Staff badge field gets the code, the PIN
is cleared and focused, nothing is sent (no failed sign-in), and the form says so. A PIN typed
by a person still signs in. Guidance is said in a neutral colour, refusals in red; guidance
about one page goes when the person turns to the other. Keys carry the window system's times
(no sleeps, no timed assertions)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from bwc_desk.ui.dialogs.sign_in_dialog import (
    BADGE_IN_PASSWORD,
    BADGE_IN_PIN,
    BADGE_SCANNED,
    ERROR_STYLE,
    SignInForm,
)
from bwc_desk.ui.lock_screen import LOCKED_BADGE_NOTE, LockScreen
from tests.test_sign_in_badge_scan import Calls, scan, shown, type_by_hand


def focused():  # type: ignore[no-untyped-def]
    return QApplication.focusWidget()


def red(form: SignInForm) -> bool:
    return "#b91c1c" in form.error_label.styleSheet()


def locked(qtbot, calls: Calls) -> LockScreen:  # type: ignore[no-untyped-def]
    screen = LockScreen(calls.password, calls.badge)
    qtbot.addWidget(screen)
    screen.show()
    screen.activateWindow()
    qtbot.waitExposed(screen)
    screen.show_locked("Dana Lee", idle=False)
    qtbot.waitUntil(lambda: focused() is screen.form.user_edit, timeout=5000)
    return screen


def on_badge_page(qtbot, form: SignInForm) -> None:  # type: ignore[no-untyped-def]
    """As after a badge sign-in: the lock screen opens on Badge and PIN, the badge focused."""
    form.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: focused() is form.badge_edit, timeout=5000)


def test_a_badge_scanned_into_the_pin_field_is_the_badge_not_a_pin(qtbot):
    # (Tester's finding 1: "Scan your staff badge first.", 8 hidden characters kept, then
    # sent with the badge as its PIN: a failed sign-in.)
    calls = Calls()
    screen = locked(qtbot, calls)
    form = screen.form
    on_badge_page(qtbot, form)
    form.pin_edit.setFocus()
    qtbot.waitUntil(lambda: focused() is form.pin_edit, timeout=5000)
    scan(form.pin_edit, "00417731")
    assert calls.sent == []
    assert form.badge_edit.text() == "00417731" and form.pin_edit.text() == ""
    assert focused() is form.pin_edit
    assert form.error_label.text().startswith(BADGE_IN_PIN)
    assert not red(form)
    type_by_hand(form.pin_edit, "582947")
    assert calls.sent == [("badge", "00417731", "582947")]


def test_an_officer_badge_then_a_camera_at_a_locked_counter_sends_nothing(qtbot):
    # (Tester's finding 2: the officer's badge went to Staff badge, the camera's tag into
    # PIN and was sent: "badge or PIN is wrong", a sign_in_failures row for the badge.)
    calls = Calls()
    screen = locked(qtbot, calls)
    form = screen.form
    scan(form.user_edit, "HCPD02931")  # the officer's own badge
    assert form.tabs.currentIndex() == 1 and focused() is form.pin_edit
    assert form.error_label.text() == f"{BADGE_SCANNED} {LOCKED_BADGE_NOTE}"
    assert not red(form)
    scan(form.pin_edit, "HPD-BWC-0068")  # then the camera
    assert calls.sent == []
    assert form.badge_edit.text() == "HPD-BWC-0068" and form.pin_edit.text() == ""
    assert focused() is form.pin_edit
    assert form.error_label.text() == f"{BADGE_IN_PIN} {LOCKED_BADGE_NOTE}"
    # A staff member comes, scans their own badge (the focus still in PIN) and types the PIN.
    scan(form.pin_edit, "STAFF-0042")
    assert form.badge_edit.text() == "STAFF-0042" and form.pin_edit.text() == ""
    type_by_hand(form.pin_edit, "739164")
    assert calls.sent == [("badge", "STAFF-0042", "739164")]


def test_a_scan_into_the_staff_badge_field_replaces_it_and_clears_a_stale_pin(qtbot):
    calls = Calls()
    screen = locked(qtbot, calls)
    form = screen.form
    on_badge_page(qtbot, form)
    type_by_hand(form.badge_edit, "OLD-1234", enter=False)
    type_by_hand(form.pin_edit, "11111111", enter=False)  # someone's PIN, left behind
    form.badge_edit.setFocus()
    qtbot.waitUntil(lambda: focused() is form.badge_edit, timeout=5000)
    form.badge_edit.end(False)  # (the cursor after the old badge: the scan would append)
    scan(form.badge_edit, "00417731")
    assert calls.sent == []  # not sent with the stale PIN
    assert form.badge_edit.text() == "00417731" and form.pin_edit.text() == ""
    assert focused() is form.pin_edit
    assert form.error_label.text() == f"{BADGE_SCANNED} {LOCKED_BADGE_NOTE}"


def test_a_pin_typed_by_hand_signs_in(qtbot):
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    scan(form.user_edit, "STAFF-0042")
    assert focused() is form.pin_edit and form.error_label.text() == BADGE_SCANNED
    type_by_hand(form.pin_edit, "48027153")
    assert calls.sent == [("badge", "STAFF-0042", "48027153")]


def test_a_pin_whose_last_digits_come_fast_is_still_the_pin(qtbot):
    # The first digits by hand, the last ones rolled at speed: the field holds more than
    # the burst, and the burst is digits, so it is the end of a PIN.
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    scan(form.user_edit, "STAFF-0042")
    type_by_hand(form.pin_edit, "48", enter=False)
    scan(form.pin_edit, "0271")
    assert calls.sent == [("badge", "STAFF-0042", "480271")]


def test_a_badge_scanned_over_a_pin_typed_part_way_is_the_badge(qtbot):
    # Someone typed a few digits and went; the next person scans their badge (digits, a
    # whole PIN's length at scanner speed): a badge, and the digits before it go.
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    scan(form.user_edit, "STAFF-0042")
    type_by_hand(form.pin_edit, "12", enter=False)
    scan(form.pin_edit, "00417731")
    assert calls.sent == []
    assert form.badge_edit.text() == "00417731" and form.pin_edit.text() == ""
    assert form.error_label.text() == BADGE_IN_PIN


def test_on_the_start_up_form_the_message_has_no_lock_note(qtbot):
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    scan(form.user_edit, "STAFF-0042")
    scan(form.pin_edit, "HPD-BWC-0068")
    assert form.error_label.text() == BADGE_IN_PIN and calls.sent == []


def test_guidance_goes_when_the_person_turns_back_to_the_password_page(qtbot):
    # (Tester's finding 10: the "scanned into the Password field" line stayed.)
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    type_by_hand(form.user_edit, "qm.jordan")
    scan(form.password_edit, "STAFF-0042")
    assert form.error_label.text() == BADGE_IN_PASSWORD and not red(form)
    form.tabs.setCurrentIndex(0)
    assert form.error_label.text() == ""


def test_a_refusal_is_red_and_guidance_after_it_is_not(qtbot):
    calls = Calls()
    dialog = shown(qtbot, calls)
    form = dialog.form
    type_by_hand(form.user_edit, "qm.jordan")
    type_by_hand(form.password_edit, "wrong-one")
    from bwc_desk.domain.errors import DomainError

    form._failed(DomainError("The user name or password is wrong."))
    assert red(form) and form.error_label.styleSheet() == ERROR_STYLE
    scan(form.user_edit, "STAFF-0042")
    assert form.error_label.text() == BADGE_SCANNED and not red(form)


def test_with_the_real_services_no_failed_sign_in_is_recorded(qtbot, admin_ctx):
    """The tester's queue at a locked counter, against the services: the officer's badge and
    the camera reach no sign-in check, and the staff member's badge and PIN sign in."""
    from sqlalchemy import select

    from bwc_desk.domain.roles import Role
    from bwc_desk.services import audit, auth
    from bwc_desk.store.models import SignInFailure
    from bwc_desk.ui.tasks import TaskRunner
    from tests.conftest import PASSWORD, add_own

    row = add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    auth.set_badge_and_pin(admin_ctx, row.id, "STAFF-0042", "739164")
    runner = TaskRunner()
    anyone = admin_ctx.as_actor(None)

    def password(user, secret, on_done, on_error, **more):  # type: ignore[no-untyped-def]
        runner.run(lambda: auth.sign_in(anyone, user, secret, **more), on_done, on_error,
                   write=True)

    def badge(code, pin, on_done, on_error):  # type: ignore[no-untyped-def]
        runner.run(lambda: auth.sign_in_badge(anyone, code, pin), on_done, on_error,
                   write=True)

    screen = LockScreen(password, badge)
    qtbot.addWidget(screen)
    screen.show()
    screen.activateWindow()
    qtbot.waitExposed(screen)
    screen.show_locked("Dana Lee", idle=True)
    form = screen.form
    qtbot.waitUntil(lambda: focused() is form.user_edit, timeout=5000)

    def not_ok() -> list[tuple[str, str]]:
        return [(r.event, r.staff_username) for r in audit.list_audit(admin_ctx)
                if r.outcome != "ok"]

    def failures() -> int:
        with admin_ctx.db.read() as session:
            return len(session.execute(select(SignInFailure)).scalars().all())

    before, failed_before = not_ok(), failures()
    scan(form.user_edit, "HCPD02931")
    scan(form.pin_edit, "HPD-BWC-0068")
    scan(form.pin_edit, "STAFF-0042")
    assert form.badge_edit.text() == "STAFF-0042" and form.pin_edit.text() == ""
    with qtbot.waitSignal(screen.unlocked, timeout=10_000) as signal:
        type_by_hand(form.pin_edit, "739164")
    assert signal.args[0].username == "quinn"
    assert not_ok() == before and failures() == failed_before
    runner.shutdown()


def test_on_the_early_form_a_code_scanned_into_the_pin_is_never_held_as_a_pin(qtbot):
    """The form shown before the database is open holds what is submitted until the
    launcher connects: a scan into its PIN field is never among it."""
    from bwc_desk.ui.early_sign_in import EarlySignIn

    early = EarlySignIn("DESK-1")
    dialog = early.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    early.show()
    form = dialog.form
    scan(form.user_edit, "HCPD02931")
    scan(form.pin_edit, "HPD-BWC-0068")
    scan(form.pin_edit, "STAFF-0042")
    type_by_hand(form.pin_edit, "739164")
    sent: list[tuple[str, ...]] = []
    early.connect(lambda user, password, *_a, **_k: sent.append(("password", user, password)),
                  lambda badge, pin, *_a, **_k: sent.append(("badge", badge, pin)),
                  "Hartford Police")
    qtbot.waitUntil(lambda: sent == [("badge", "STAFF-0042", "739164")], timeout=5000)

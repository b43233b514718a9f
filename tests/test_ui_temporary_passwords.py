"""A temporary password (set by an administrator) at the lock screen and in Staff accounts,
driven as a person would: the sign-in asks for a new password twice; Reset asks twice; the
list says which passwords are temporary."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from bwc_desk.domain.errors import PasswordChangeRequired
from bwc_desk.domain.roles import Role
from bwc_desk.services import audit, auth
from bwc_desk.ui.main_window import MainWindow
from bwc_desk.ui.state import AppState
from tests.conftest import PASSWORD, answer
from tests.test_sign_in_badge_scan import type_by_hand

TEMPORARY = "yellow canoe harbor 42"
OWN = "quiet violin meadow 93"


@pytest.fixture
def window(qtbot, admin_ctx):
    state = AppState(admin_ctx, log_dir="/tmp/logs")
    win = MainWindow(state, "Test PD")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    state.runner.shutdown()


def _type_and_enter(qtbot, edit, text):
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_the_lock_screen_asks_a_temporary_password_to_be_replaced(qtbot, window, admin_ctx):
    auth.add_staff(admin_ctx, "quinn", Role.QUARTERMASTER, TEMPORARY, display_name="Quinn")
    window.lock(idle=False)
    form = window.lock_screen.form
    assert not form.new_edit.isVisible()
    type_by_hand(form.user_edit, "quinn")  # (by hand: a name and Enter at speed is a badge)
    _type_and_enter(qtbot, form.password_edit, TEMPORARY)
    qtbot.waitUntil(lambda: form.new_edit.isVisible(), timeout=10_000)
    assert window.locked and window.state.actor is None  # nobody is signed in yet
    assert "temporary" in form.error_label.text()
    assert form.new_edit.hasFocus() and form.password_edit.isReadOnly()
    # The same password again: refused by the service, still choosing.
    _type_and_enter(qtbot, form.new_edit, TEMPORARY)
    _type_and_enter(qtbot, form.confirm_edit, TEMPORARY)
    qtbot.waitUntil(lambda: "differ from the temporary" in form.error_label.text(), timeout=10_000)
    assert window.locked and form.new_edit.isVisible() and form.new_edit.text() == ""
    # A typo in the second entry: said at once, nothing sent.
    _type_and_enter(qtbot, form.new_edit, OWN)
    _type_and_enter(qtbot, form.confirm_edit, OWN + "x")
    assert "differ" in form.error_label.text() and window.locked
    # Typed twice the same: the password is changed and quinn is signed in.
    _type_and_enter(qtbot, form.new_edit, OWN)
    qtbot.keyClicks(form.confirm_edit, OWN)
    with qtbot.waitSignal(window.lock_screen.unlocked, timeout=10_000):
        qtbot.keyClick(form.confirm_edit, Qt.Key.Key_Return)
    assert not window.locked and window.state.actor.username == "quinn"
    assert not form.new_edit.isVisibleTo(form) and form.sign_in_button.text() == "Sign in"
    assert auth.sign_in(admin_ctx.as_actor(None), "quinn", OWN).username == "quinn"
    assert audit.list_audit(admin_ctx, event="password changed at first sign-in")


def test_reset_password_asks_twice_and_the_list_says_temporary(qtbot, admin_ctx):
    from bwc_desk.ui.dialogs import staff_dialog

    row = auth.add_staff(admin_ctx, "quinn", Role.QUARTERMASTER, TEMPORARY)
    auth.sign_in(admin_ctx.as_actor(None), "quinn", TEMPORARY, new_password=OWN)
    state = AppState(admin_ctx)
    dialog = staff_dialog.StaffDialog(state)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=5000)
    col = dialog.model.columns.index(
        next(c for c in dialog.model.columns if c.title == "Password")
    )

    def shown(name: str) -> str:
        i = next(i for i, r in enumerate(dialog.model.rows()) if r.username == name)
        return str(dialog.model.index(i, col).data())

    assert shown("quinn") == "own" and shown("admin") == "own"
    i = next(i for i, r in enumerate(dialog.model.rows()) if r.username == "quinn")
    dialog.table.table.selectRow(dialog.table.proxy.mapFromSource(dialog.model.index(i, 0)).row())
    seen: list[str] = []

    def fill(reset):
        assert reset.row.id == row.id
        qtbot.keyClicks(reset.password_edit, "green lantern river 18")
        qtbot.keyClicks(reset.confirm_edit, "green lantern river 81")  # a typo
        qtbot.mouseClick(reset.ok_button, Qt.MouseButton.LeftButton)
        seen.append(reset.error_label.text())
        assert reset.isVisible()
        reset.confirm_edit.clear()
        qtbot.keyClicks(reset.confirm_edit, "green lantern river 18")
        qtbot.mouseClick(reset.ok_button, Qt.MouseButton.LeftButton)

    answer(qtbot, fill, staff_dialog.ResetPasswordDialog)
    qtbot.mouseClick(dialog.reset_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown("quinn") == "temporary (must change)", timeout=10_000)
    assert "differ" in seen[0]
    assert "temporary" in dialog.message.text()
    with pytest.raises(PasswordChangeRequired):
        auth.sign_in(admin_ctx.as_actor(None), "quinn", "green lantern river 18")
    assert PASSWORD  # (the administrator's own is untouched)
    state.runner.shutdown()


def test_the_sign_in_dialog_before_the_window_asks_for_a_new_password(qtbot, admin_ctx):
    """The first sign-in of the day (before the main window): the same form, the same call
    as the launcher makes (auth.sign_in with new_password)."""
    from bwc_desk.ui.dialogs.sign_in_dialog import SignInDialog

    auth.add_staff(admin_ctx, "quinn", Role.QUARTERMASTER, TEMPORARY)
    anyone = admin_ctx.as_actor(None)
    calls: list[dict[str, str]] = []

    def submit(user, password, on_done, on_error, new_password=""):
        calls.append({"new_password": new_password})
        try:
            actor = auth.sign_in(anyone, user, password, new_password=new_password)
        except Exception as exc:  # (handed to the form, as the worker does)
            on_error(exc)
        else:
            on_done(actor)

    dialog = SignInDialog(submit, agency="Test PD", station="DESK-1")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    form = dialog.form
    type_by_hand(form.user_edit, "quinn")  # (by hand: a name and Enter at speed is a badge)
    _type_and_enter(qtbot, form.password_edit, TEMPORARY)
    assert dialog.isVisible() and dialog.actor is None and form.new_edit.isVisible()
    assert form.sign_in_button.text() == "Set password and sign in"
    _type_and_enter(qtbot, form.new_edit, OWN)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        _type_and_enter(qtbot, form.confirm_edit, OWN)
    assert dialog.actor is not None and dialog.actor.username == "quinn"
    assert calls == [{"new_password": ""}, {"new_password": OWN}]


def test_badge_and_pin_asks_the_pin_twice_and_keeps_the_badge_on_a_refusal(qtbot, admin_ctx):
    """A weak PIN closed the form (the badge scanned again) and a PIN asked once let a typo
    through unnoticed."""
    from bwc_desk.ui.dialogs import staff_dialog

    row = auth.add_staff(admin_ctx, "quinn", Role.QUARTERMASTER, TEMPORARY)
    auth.sign_in(admin_ctx.as_actor(None), "quinn", TEMPORARY, new_password=OWN)
    state = AppState(admin_ctx)
    dialog = staff_dialog.StaffDialog(state)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=5000)
    i = next(i for i, r in enumerate(dialog.model.rows()) if r.username == "quinn")
    dialog.table.table.selectRow(dialog.table.proxy.mapFromSource(dialog.model.index(i, 0)).row())
    seen: list[str] = []

    def fill(form):
        assert form.row.id == row.id
        _type_and_enter(qtbot, form.badge_edit, "STAFF-0007")  # (a scanner ends with Enter)
        assert form.focusWidget() is form.pin_edit and form.isVisible()
        assert form.error_label.text() == ""  # (the scan's Enter did not Save)
        qtbot.keyClicks(form.pin_edit, "123456")
        qtbot.keyClicks(form.confirm_edit, "123456")
        qtbot.mouseClick(form.ok_button, Qt.MouseButton.LeftButton)
        seen.append(form.error_label.text())  # too easy: said here, the badge kept
        assert form.isVisible() and form.badge_edit.text() == "STAFF-0007"
        qtbot.keyClicks(form.pin_edit, "428193")
        qtbot.keyClicks(form.confirm_edit, "428139")  # a typo
        qtbot.mouseClick(form.ok_button, Qt.MouseButton.LeftButton)
        seen.append(form.error_label.text())
        qtbot.keyClicks(form.confirm_edit, "428193")
        qtbot.mouseClick(form.ok_button, Qt.MouseButton.LeftButton)

    answer(qtbot, fill, staff_dialog.BadgePinDialog)
    qtbot.mouseClick(dialog.badge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Badge sign-in for quinn is on" in dialog.message.text(),
                    timeout=10_000)
    assert "too easy" in seen[0] and "differ" in seen[1]
    assert auth.sign_in_badge(admin_ctx.as_actor(None), "STAFF-0007", "428193")
    state.runner.shutdown()

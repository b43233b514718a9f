"""File > Change my password..., driven as a person would: the current password, the new one
twice, then OK (or Enter). Every role has it; the check runs on the writer thread; what is
wrong is said in the dialog, which stays open."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Role
from bwc_desk.services import audit, auth
from bwc_desk.ui.dialogs.password_dialog import ChangePasswordDialog
from bwc_desk.ui.main_window import MainWindow
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.counter_tab import CounterTab
from tests.conftest import PASSWORD, activate, answer, make_actor

NEW = "quiet violin meadow 93"


@pytest.fixture
def window(qtbot, qm_ctx):
    state = AppState(qm_ctx, log_dir="/tmp/logs")
    win = MainWindow(state, "Test PD")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    state.runner.shutdown()


def open_dialog(qtbot, window) -> ChangePasswordDialog:
    dialog = ChangePasswordDialog(window.state, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    activate(qtbot, dialog)
    return dialog


def fill(qtbot, dialog, current, new, repeat):
    for edit, text in (
        (dialog.current_edit, current),
        (dialog.new_edit, new),
        (dialog.confirm_edit, repeat),
    ):
        edit.clear()
        qtbot.keyClicks(edit, text)


def signs_in_with(ctx, password) -> bool:
    try:
        auth.sign_in(ctx.as_actor(None), "quinn", password)
    except DomainError:
        return False
    return True


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_it_in_the_file_menu(qtbot, admin_ctx, role):
    ctx = admin_ctx if role is Role.ADMIN else make_actor(admin_ctx, role, "pat")
    state = AppState(ctx, log_dir="/tmp/logs")
    win = MainWindow(state, "Test PD")
    qtbot.addWidget(win)
    try:
        assert win.password_action in win.file_menu.actions()
        assert win.password_action.isEnabled()
        opened = []
        answer(qtbot, lambda d: (opened.append(d), d.reject()), ChangePasswordDialog)
        win.password_action.trigger()
        assert opened and opened[0].username == ctx.actor.username
        win.lock(idle=False)
        assert not win.password_action.isEnabled()  # nothing of it on the lock screen
    finally:
        state.runner.shutdown()


def test_a_changed_password_works_and_is_audited(qtbot, window, admin_ctx, qm_ctx):
    counter = window.counter_tab
    assert isinstance(counter, CounterTab)  # (built: its scanner watch is running)
    scans: list[str] = []
    counter.scan_handled.connect(scans.append)
    dialog = open_dialog(qtbot, window)
    assert all(
        e.echoMode() == e.EchoMode.Password
        for e in (dialog.current_edit, dialog.new_edit, dialog.confirm_edit)
    )
    assert QApplication.focusWidget() is dialog.current_edit
    # Typed as fast as a scanner (a password manager), Enter at the end: a password, not a scan.
    fill(qtbot, dialog, PASSWORD, NEW, NEW)
    with qtbot.waitSignal(dialog.written, timeout=20_000):
        qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert scans == []
    assert signs_in_with(qm_ctx, NEW) and not signs_in_with(qm_ctx, PASSWORD)
    (row,) = audit.list_audit(admin_ctx, event="password changed")
    assert (row.staff_username, row.station) == ("quinn", "DESK-1")


def test_a_wrong_current_password_is_said_in_the_dialog(qtbot, window, qm_ctx):
    dialog = open_dialog(qtbot, window)
    fill(qtbot, dialog, "not my password", NEW, NEW)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=20_000)
    assert "current password is wrong" in dialog.error_label.text()
    assert dialog.isVisible() and dialog.current_edit.text() == ""
    assert dialog.focusWidget() is dialog.current_edit and dialog.new_edit.text() == NEW
    assert signs_in_with(qm_ctx, PASSWORD)
    # Typed again, right this time: changed.
    qtbot.keyClicks(dialog.current_edit, PASSWORD)
    with qtbot.waitSignal(dialog.written, timeout=20_000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert signs_in_with(qm_ctx, NEW)


@pytest.mark.parametrize(
    ("new", "repeat", "said", "field"),
    [
        (NEW, NEW + "x", "differ", "confirm_edit"),
        ("short", "short", "too short", "new_edit"),
        (PASSWORD, PASSWORD, "same as your current", "new_edit"),
    ],
)
def test_what_the_form_knows_is_said_at_once(qtbot, window, qm_ctx, new, repeat, said, field):
    dialog = open_dialog(qtbot, window)
    fill(qtbot, dialog, PASSWORD, new, repeat)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert said in dialog.error_label.text() and dialog.error_label.isVisible()
    assert not dialog.busy and dialog.isVisible()  # nothing sent
    assert dialog.focusWidget() is getattr(dialog, field) and getattr(dialog, field).text() == ""
    assert signs_in_with(qm_ctx, PASSWORD)


def test_a_leaked_password_is_the_services_answer(qtbot, window, qm_ctx):
    dialog = open_dialog(qtbot, window)
    fill(qtbot, dialog, PASSWORD, "password123", "password123")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "leaked" in dialog.error_label.text(), timeout=20_000)
    assert dialog.focusWidget() is dialog.new_edit and dialog.new_edit.text() == ""
    assert signs_in_with(qm_ctx, PASSWORD)

"""Administration > Directory, driven as an administrator does: fill the fields, Test
connection against a real OpenLDAP server, Save (the bind password write-only), Sync now:
the preview, then Apply or Cancel."""

from __future__ import annotations

import socket

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from bwc_desk.services import directory_settings
from bwc_desk.services.directory_admin import load_config
from bwc_desk.ui.dialogs.directory_dialog import PASSWORD_NOT_SET, PASSWORD_SET, DirectoryDialog
from bwc_desk.ui.state import AppState


def _set(edit, text: str, qtbot) -> None:  # type: ignore[no-untyped-def]
    edit.clear()
    qtbot.keyClicks(edit, text)


def open_dialog(qtbot, admin_ctx) -> DirectoryDialog:  # type: ignore[no-untyped-def]
    state = AppState(admin_ctx)
    dialog = DirectoryDialog(state, load_config(admin_ctx))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def fill(dialog: DirectoryDialog, directory, qtbot) -> None:  # type: ignore[no-untyped-def]
    settings = directory.settings()
    _set(dialog.url_edit, settings.url, qtbot)
    _set(dialog.bind_dn_edit, settings.bind_dn, qtbot)
    _set(dialog.base_dn_edit, settings.base_dn, qtbot)
    _set(dialog.filter_edit, settings.filter, qtbot)
    _set(dialog.ca_edit, settings.ca_file, qtbot)
    _set(dialog.attribute_edits["shift"], "extensionAttribute2", qtbot)
    _set(dialog.attribute_edits["scan_code"], "extensionAttribute1", qtbot)


def test_the_admin_fills_tests_and_saves_the_directory(qtbot, admin_ctx, directory):
    directory.add_person("o.ruiz", "2001", "Ruiz", "Olga", password="Olga-Pass-123")
    directory.add_person("o.chen", "2002", "Chen", "Wei")
    dialog = open_dialog(qtbot, admin_ctx)
    assert dialog.password_state.text() == PASSWORD_NOT_SET
    assert dialog.group_edits["admin"].text() == "BWC-Admins"
    fill(dialog, directory, qtbot)
    # Test connection without a password: says what to do.
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=20_000)
    assert "type the service account's password" in dialog.status_label.text()
    _set(dialog.password_edit, "wrong secret", qtbot)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=20_000)
    assert "Connected" not in dialog.status_label.text() and dialog.status_label.text()
    _set(dialog.password_edit, directory.server.password, qtbot)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=20_000)
    assert dialog.status_label.text().startswith("Connected to ldaps://")
    assert "2 entries" in dialog.status_label.text()
    dialog.schedule_spin.setValue(30)
    dialog.threshold_spin.setValue(5)
    _set(dialog.group_edits["supervisor"], "BWC-Sergeants", qtbot)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.keyClick(dialog.url_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    config = load_config(admin_ctx)
    assert config.settings.url == directory.settings().url and config.password_set
    assert (config.settings.schedule_minutes, config.settings.max_deactivate_pct) == (30, 5)
    assert config.settings.group("supervisor") == "BWC-Sergeants"
    assert config.settings.attribute("shift") == "extensionAttribute2"
    assert directory_settings.bind_password() == directory.server.password
    # Opened again: the password is not shown, only that one is kept.
    again = open_dialog(qtbot, admin_ctx)
    assert again.password_state.text() == PASSWORD_SET and again.password_edit.text() == ""
    assert again.url_edit.text() == directory.settings().url


def test_a_bad_setting_stays_in_the_dialog_and_nothing_is_saved(qtbot, admin_ctx):
    dialog = open_dialog(qtbot, admin_ctx)
    _set(dialog.url_edit, "http://dc1", qtbot)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=10_000)
    assert "ldaps://" in dialog.error_label.text() and dialog.isVisible()
    assert not load_config(admin_ctx).settings.configured


def test_test_connection_to_a_closed_port_says_it_cannot_be_reached(qtbot, admin_ctx, directory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dialog = open_dialog(qtbot, admin_ctx)
    fill(dialog, directory, qtbot)
    _set(dialog.url_edit, f"ldaps://127.0.0.1:{port}", qtbot)
    _set(dialog.password_edit, directory.server.password, qtbot)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=30_000)
    assert "Connected" not in dialog.status_label.text()
    assert "127.0.0.1" in dialog.status_label.text() or "reach" in dialog.status_label.text()


def test_administration_directory_opens_for_admins_only(qtbot, admin_ctx):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from bwc_desk.domain.roles import Role
    from bwc_desk.ui.main_window import MainWindow
    from tests.conftest import make_actor

    opened: list[DirectoryDialog] = []

    def close_it() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, DirectoryDialog):
            opened.append(dialog)
            dialog.reject()
        else:
            QTimer.singleShot(50, close_it)

    for ctx, allowed in ((admin_ctx, True), (make_actor(admin_ctx, Role.SUPERVISOR, "sgt"), False)):
        state = AppState(ctx, log_dir="/tmp/logs")
        win = MainWindow(state, "Test PD")
        qtbot.addWidget(win)
        assert win.directory_action.isEnabled() is allowed
        if allowed:
            QTimer.singleShot(50, close_it)
            win.directory_action.trigger()
            qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
            assert opened[0].url_edit.text() == ""
        else:
            assert win.directory_action.toolTip().startswith("Only ")
        state.runner.shutdown()

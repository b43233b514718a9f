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


# --- Sync now: the preview, then Apply or Cancel ---------------------------------------------


def configured(admin_ctx, directory, **changes):  # type: ignore[no-untyped-def]
    values = directory.settings().as_dict()
    values.update(changes)
    directory_settings.set_directory(admin_ctx, values, password=directory.server.password)


def preview_of(qtbot, dialog: DirectoryDialog):  # type: ignore[no-untyped-def]
    dialog.sync_button.click()
    qtbot.waitUntil(lambda: dialog.preview_dialog is not None
                    and dialog.preview_dialog.isVisible(), timeout=30_000)
    preview = dialog.preview_dialog
    dialog.preview_dialog = None
    return preview


def rows_of(preview) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    model = preview.model
    return [tuple(model.index(r, c).data() for c in range(model.columnCount()))
            for r in range(model.rowCount())]


def apply_and_wait(qtbot, preview) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(preview.accepted, timeout=30_000):
        preview.apply_button.click()


def test_sync_now_previews_then_applies_and_asks_past_the_threshold(
    qtbot, admin_ctx, directory, monkeypatch
):
    from bwc_desk.services import counter, inventory, officers
    from bwc_desk.services.counter import FunctionTest
    from bwc_desk.services.inventory import UnitInput
    from bwc_desk.ui.dialogs.directory_dialog import SyncPreviewDialog

    ruiz = directory.add_person("o.ruiz", "2001", "Ruiz", "Olga", rank="Officer")
    directory.add_person("o.chen", "2002", "Chen", "Wei", rank="Officer")
    configured(admin_ctx, directory, max_deactivate_pct=10)
    dialog = open_dialog(qtbot, admin_ctx)
    _set(dialog.base_dn_edit, "ou=elsewhere,dc=bwc,dc=test", qtbot)  # typed, not saved
    dialog.sync_button.click()
    assert dialog.status_label.text().startswith("Save the changes first")
    assert dialog.preview_dialog is None
    _set(dialog.base_dn_edit, directory.base_dn, qtbot)
    # The first sync: two officers to add; Cancel changes nothing.
    preview = preview_of(qtbot, dialog)
    assert sorted(r[:3] for r in rows_of(preview)) == [
        ("added", "2001", "Ruiz, Olga"), ("added", "2002", "Chen, Wei")]
    assert "first_name: Olga, rank: Officer" in next(r[5] for r in rows_of(preview)
                                                     if r[1] == "2001")
    assert "2 to add" in preview.summary.text() and not preview.warning.isVisibleTo(preview)
    preview.cancel_button.click()
    assert officers.list_officers(admin_ctx) == []
    preview = preview_of(qtbot, dialog)
    apply_and_wait(qtbot, preview)
    assert sorted(o.badge for o in officers.list_officers(admin_ctx)) == ["2001", "2002"]
    # Ruiz is promoted in the directory; Chen leaves holding a camera.
    chen = next(o for o in officers.list_officers(admin_ctx) if o.badge == "2002")
    inventory.add_unit(admin_ctx, UnitInput("HPD-7", "S-7"))
    counter.issue_unit(admin_ctx, chen.id, "HPD-7", function_test=FunctionTest())
    directory.modify(ruiz, title="Sergeant")
    directory.delete(f"cn=o.chen,{directory.base_dn}")
    preview = preview_of(qtbot, dialog)
    rows = {(r[0], r[1]): r for r in rows_of(preview)}
    changed = rows[("changed", "2001")]
    assert (changed[3], changed[4], changed[5]) == ("rank", "Officer", "Sergeant")
    gone = rows[("deactivated", "2002")]
    assert gone[5].startswith("no longer in the directory") and gone[6] == "HPD-7"  # flagged
    assert preview.warning.isVisibleTo(preview) and "1 of 2" in preview.warning.text()
    # The threshold trips (50 % > 10 %): Apply asks first; No changes nothing.
    monkeypatch.setattr(SyncPreviewDialog, "confirm_threshold", lambda self: False)
    preview.apply_button.click()
    assert preview.error_label.text() == "Not applied: nothing was changed."
    assert all(o.active for o in officers.list_officers(admin_ctx))
    monkeypatch.setattr(SyncPreviewDialog, "confirm_threshold", lambda self: True)
    apply_and_wait(qtbot, preview)
    after = {o.badge: o for o in officers.list_officers(admin_ctx)}
    assert not after["2002"].active and after["2001"].rank == "Sergeant"


def test_the_schedule_runs_on_one_station_at_a_time(qtbot, admin_ctx, directory):
    """Every station's maintenance ticks; the lease lets one run the sync, and not again
    before the period is over."""
    from bwc_desk.services import officers
    from bwc_desk.services.context import Ctx
    from bwc_desk.ui.maintenance import Maintenance

    directory.add_person("o.ruiz", "2001", "Ruiz", "Olga")
    configured(admin_ctx, directory, schedule_minutes=15)
    desk1 = Maintenance(Ctx(admin_ctx.db, "DESK-1", clock=admin_ctx.clock), delay_ms=60_000)
    desk2 = Maintenance(Ctx(admin_ctx.db, "DESK-2", clock=admin_ctx.clock), delay_ms=60_000)
    ran: list[tuple[str, str]] = []
    desk1.directory_synced.connect(lambda text: ran.append(("DESK-1", text)))
    desk2.directory_synced.connect(lambda text: ran.append(("DESK-2", text)))
    with qtbot.waitSignal(desk1.directory_synced, timeout=30_000):
        desk1.directory_tick()
    assert ran == [("DESK-1", ran[0][1])] and "1 to add" in ran[0][1]
    assert [o.badge for o in officers.list_officers(admin_ctx)] == ["2001"]
    for jobs in (desk2, desk1):  # another station, and the same one before its time
        jobs.directory_tick()
        qtbot.waitUntil(lambda j=jobs: not j.runner.busy, timeout=30_000)
    assert len(ran) == 1
    admin_ctx.clock.advance(minutes=30)  # the period is over, and the lease has expired
    with qtbot.waitSignal(desk2.directory_synced, timeout=30_000):
        desk2.directory_tick()
    assert [r[0] for r in ran] == ["DESK-1", "DESK-2"]
    desk1.stop()
    desk2.stop()


def test_supervisors_see_inactive_officers_who_hold_a_camera(qtbot, admin_ctx):
    from bwc_desk.domain.roles import Role
    from bwc_desk.services import counter, inventory, officers
    from bwc_desk.services.changeset import ChangeSet
    from bwc_desk.services.counter import FunctionTest
    from bwc_desk.services.inventory import UnitInput
    from bwc_desk.services.officers import OfficerInput
    from bwc_desk.ui.directory_alerts import HolderAlerts
    from tests.conftest import make_actor

    officer = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    counter.issue_unit(admin_ctx, officer.id, "HPD-1", function_test=FunctionTest())
    officers.deactivate_officer(admin_ctx, officer.id, "left the agency")
    sup = AppState(make_actor(admin_ctx, Role.SUPERVISOR, "sgt"))
    alerts = HolderAlerts(sup)
    qtbot.addWidget(alerts)
    with qtbot.waitSignal(alerts.holders_changed, timeout=10_000):
        alerts.refresh()
    assert not alerts.isHidden()
    assert alerts.text() == "\u26a0 1 inactive officer still holds a camera"
    assert "Smith" in alerts.toolTip() and "HPD-1" in alerts.toolTip()
    sup.set_locked(True)
    assert alerts.isHidden()
    sup.set_locked(False)
    qm = AppState(make_actor(admin_ctx, Role.QUARTERMASTER, "qm"))
    qm_alerts = HolderAlerts(qm)
    qtbot.addWidget(qm_alerts)
    qm_alerts.refresh()
    assert qm_alerts.isHidden() and qm_alerts.holders == []
    admin_ctx.clock.advance(hours=9)  # (a return just after the issue is a repeated scan)
    counter.return_unit(admin_ctx, "HPD-1")
    with qtbot.waitSignal(alerts.holders_changed, timeout=10_000):
        sup.announce(ChangeSet.of({"custody"}))
    assert alerts.holders == [] and alerts.isHidden()
    sup.runner.shutdown()
    qm.runner.shutdown()

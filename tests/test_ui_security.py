"""The lock screen, idle lock, role-mirroring menus and the administration windows, driven
as a person would."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bwc_desk.domain.errors import PasswordChangeRequired
from bwc_desk.domain.roles import Role
from bwc_desk.services import audit, auth
from bwc_desk.ui.main_window import MainWindow
from bwc_desk.ui.state import AppState
from tests.conftest import PASSWORD, activate, add_own, answer, make_actor
from tests.test_sign_in_badge_scan import type_by_hand


@pytest.fixture
def make_window(qtbot):
    made = []

    def build(ctx):
        state = AppState(ctx, log_dir="/tmp/logs")
        win = MainWindow(state, "Test PD")
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        made.append(state)
        return win

    yield build
    for state in made:
        state.runner.shutdown()


def sign_in_at_lock_screen(qtbot, win, user, password):
    form = win.lock_screen.form
    # (Typed by hand: a name and Enter at a scanner's speed would be a badge.)
    type_by_hand(form.user_edit, user)  # Enter moves on to the password
    qtbot.keyClicks(form.password_edit, password)
    with qtbot.waitSignal(win.lock_screen.unlocked, timeout=10_000):
        qtbot.keyClick(form.password_edit, Qt.Key.Key_Return)


def test_ctrl_l_locks_hides_data_and_another_person_takes_over(qtbot, make_window, admin_ctx):
    qm = make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    win = make_window(admin_ctx)
    activate(qtbot, win)
    qtbot.keyClick(win.tabs, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert win.locked and win.stack.currentWidget() is win.lock_screen
    assert not win.tabs.isVisible()
    assert win.state.actor is None
    assert "LOCKED" in win.staff_label.text()
    assert not any(a.isEnabled() for a, _p in win.permission_actions)
    sign_in_at_lock_screen(qtbot, win, "quinn", PASSWORD)
    assert not win.locked and win.tabs.isVisible()
    assert win.state.actor.username == "quinn"
    assert win.staff_label.text() == "Signed in: Quinn (quartermaster)"
    qtbot.waitUntil(lambda: any(r.event == "locked by user" for r in audit.list_audit(
        admin_ctx)), timeout=5000)
    _ = qm


def test_the_first_view_has_the_keyboard_focus_after_the_start(qtbot, make_window, admin_ctx):
    """A hands-on tester signed in as an administrator and scanned a tag straight away:
    nothing happened at all, until a click in the window (no widget had the keyboard's
    focus, so the keys went nowhere). The view shown takes the focus."""
    win = make_window(admin_ctx)
    activate(qtbot, win)
    view = win.tabs.currentWidget()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None
                    and view.isAncestorOf(QApplication.focusWidget()), timeout=5000)


def test_inventory_shown_first_has_its_search_box_focused(qtbot, make_window, admin_ctx):
    from bwc_desk.services import inventory
    from bwc_desk.services.inventory import UnitInput

    inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0001", "X60A0001"))
    win = make_window(admin_ctx)  # (an agency with cameras: Inventory's list, not first steps)
    activate(qtbot, win)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.tabs.currentWidget().table
                    .filter_edit, timeout=5000)


def test_ctrl_l_locks_while_a_modal_dialog_is_open(qtbot, make_window, admin_ctx):
    """A hands-on tester pressed Ctrl+L with a counter dialog open: nothing happened (a
    modal dialog shadows the window's shortcuts); only the idle lock closed it, minutes
    later. The lock key works in every modal dialog of the window."""
    from PySide6.QtWidgets import QDialog, QLineEdit, QVBoxLayout

    win = make_window(admin_ctx)
    activate(qtbot, win)
    dialog = QDialog(win)
    edit = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(edit)
    dialog.setModal(True)
    dialog.open()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=5000)
    qtbot.keyClick(edit, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert win.locked and win.stack.currentWidget() is win.lock_screen
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: any(r.event == "locked by user" for r in audit.list_audit(
        admin_ctx)), timeout=5000)


def test_the_line_up_window_takes_the_lock_key_and_the_lock_closes_it(
    qtbot, make_window, admin_ctx
):
    """The line-up sheet is a window beside the counter (not modal): Ctrl+L typed in it
    locks the station (the window's application-wide lock key; a second one of the sheet's
    own would make the key ambiguous: neither fires), and the sheet, which names every
    officer of a shift, goes."""
    from bwc_desk.ui.dialogs.lineup_dialog import LineupDialog

    win = make_window(admin_ctx)
    activate(qtbot, win)
    win.tabs.setCurrentWidget(win.view("counter_tab"))
    win.counter_tab.lineup_button.click()
    lineup = win.counter_tab._lineup_window
    assert isinstance(lineup, LineupDialog) and lineup.isVisible()
    qtbot.waitExposed(lineup)
    lineup.activateWindow()
    search = lineup.preview.filter_edit
    search.setFocus()
    qtbot.waitUntil(search.hasFocus, timeout=5000)
    qtbot.keyClick(search, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert win.locked and win.stack.currentWidget() is win.lock_screen
    qtbot.waitUntil(lambda: win.counter_tab._lineup_window is None, timeout=5000)
    assert not any(isinstance(w, LineupDialog) and w.isVisible()
                   for w in QApplication.topLevelWidgets())


def test_after_the_lock_the_person_is_told_which_open_form_it_closed(
    qtbot, make_window, admin_ctx
):
    """A tester filled in Add staff account, locked, signed in again: the form was gone and
    nothing said so. The person signing back in is told which forms the lock closed."""
    from PySide6.QtWidgets import QDialog

    win = make_window(admin_ctx)
    activate(qtbot, win)
    said: list[str] = []
    win.state.message.connect(lambda text, _ms: said.append(text))
    form = QDialog(win)
    form.setWindowTitle("Add staff account - BWC Desk")
    form.open()
    qtbot.waitExposed(form)
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, "BWC Desk", "A refusal", parent=win)
    box.show()  # (a message, not a form: not named)
    win.lock(idle=True)
    assert not form.isVisible()
    sign_in_at_lock_screen(qtbot, win, "admin", PASSWORD)
    assert any("The lock closed Add staff account:" in text and "not kept" in text
               for text in said), said


def test_another_person_signing_in_does_not_inherit_a_shift_change_proposal(
    qtbot, make_window, admin_ctx
):
    """A tester's proposal of 5,834 moves, made by admin, waited for the supervisor who
    signed in next, its reason blanked: the next person starts from the board."""
    make_actor(admin_ctx, Role.SUPERVISOR, "zoe")
    win = make_window(admin_ctx)
    activate(qtbot, win)
    panel = win.assignments_tab.shift_change
    panel.proposal_model.set_rows([])
    panel.stack.setCurrentWidget(panel.proposal_page)
    panel.reason_edit.setText("shift change Evening -> Night")
    win.lock(idle=False)
    sign_in_at_lock_screen(qtbot, win, "zoe", PASSWORD)
    assert panel.stack.currentWidget() is panel.board_page
    assert panel.proposal is None


def test_wrong_password_at_the_lock_screen_stays_locked(qtbot, make_window, admin_ctx):
    win = make_window(admin_ctx)
    win.lock(idle=False)
    form = win.lock_screen.form
    qtbot.keyClicks(form.user_edit, "admin")
    qtbot.keyClicks(form.password_edit, "nope nope nope")
    qtbot.keyClick(form.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "wrong" in form.error_label.text(), timeout=10_000)
    assert win.locked and win.state.actor is None


def test_idle_lock(qtbot, make_window, admin_ctx):
    win = make_window(admin_ctx)
    assert win.idle.interval_ms() == 15 * 60_000  # the agency default
    win.idle._timer.setInterval(200)  # a test cannot wait 15 minutes
    win.idle.poke()
    qtbot.waitUntil(lambda: win.locked, timeout=5000)
    assert "no activity" in win.lock_screen.detail.text()
    qtbot.waitUntil(lambda: any(r.event == "idle lock" for r in audit.list_audit(admin_ctx)),
                    timeout=5000)


def test_activity_postpones_the_idle_lock(qtbot, make_window, admin_ctx):
    win = make_window(admin_ctx)
    win.idle._timer.setInterval(600)
    win.idle.poke()
    for _ in range(6):
        qtbot.wait(200)
        # Through the window, as a keyboard's (or a scanner's) keys arrive.
        QTest.keyClick(win.windowHandle(), Qt.Key.Key_A)
    assert not win.locked


def test_activity_in_a_dialog_postpones_the_idle_lock(qtbot, make_window, admin_ctx):
    """A person typing in a dialog is not idle either (its window is watched once it has
    the focus)."""
    from PySide6.QtWidgets import QDialog, QLineEdit, QVBoxLayout

    win = make_window(admin_ctx)
    dialog = QDialog(win)
    edit = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(edit)
    dialog.show()
    qtbot.waitExposed(dialog)
    win.idle.watch(dialog.windowHandle())  # (what the focus change does on a real screen)
    win.idle._timer.setInterval(600)
    win.idle.poke()
    for _ in range(6):
        qtbot.wait(200)
        QTest.keyClick(dialog.windowHandle(), Qt.Key.Key_B)
    assert not win.locked
    dialog.close()


def test_the_idle_lock_does_not_filter_every_event_of_the_application(make_window, admin_ctx):
    """Only windows are watched: an application-wide filter is called from Qt for every
    event of every object (timers, paints, queued signals), each a call into Python."""
    win = make_window(admin_ctx)
    assert win.idle.parent() is win
    probe = QObject()
    calls = []

    class Spy(QObject):
        def eventFilter(self, watched, event):
            calls.append(watched)
            return False

    spy = Spy()
    probe.installEventFilter(spy)
    QCoreApplication.sendEvent(probe, QEvent(QEvent.Type.User))
    assert calls == [probe]  # (the spy works)
    win.idle._timer.setInterval(60_000)
    win.idle.poke()
    QTest.qWait(100)
    before = win.idle._timer.remainingTime()
    QCoreApplication.sendEvent(probe, QEvent(QEvent.Type.MouseMove))
    assert win.idle._timer.remainingTime() <= before  # not poked by an object's event


def test_badge_and_pin_at_the_lock_screen(qtbot, make_window, admin_ctx):
    row = add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    auth.set_badge_and_pin(admin_ctx, row.id, "STAFF-0042", "480271")
    win = make_window(admin_ctx)
    win.lock(idle=False)
    form = win.lock_screen.form
    form.tabs.setCurrentIndex(1)
    qtbot.keyClicks(form.badge_edit, "STAFF-0042")
    qtbot.keyClick(form.badge_edit, Qt.Key.Key_Return)  # the scanner's Enter
    assert form.pin_edit.hasFocus() or form.focusWidget() is form.pin_edit
    # (Typed by a person: a PIN arriving at machine speed would be taken for a scan.)
    with qtbot.waitSignal(win.lock_screen.unlocked, timeout=10_000):
        type_by_hand(form.pin_edit, "480271")
    assert win.state.actor.username == "quinn"


@pytest.mark.parametrize(("role", "enabled", "disabled"), [
    (Role.QUARTERMASTER, [], ["staff_action", "audit_action", "backup_action", "verify_action"]),
    (Role.AUDITOR, ["audit_action", "verify_action"], ["staff_action", "backup_action",
                                                       "settings_action"]),
    (Role.ADMIN, ["staff_action", "audit_action", "backup_action", "settings_action"], []),
])
def test_menus_mirror_the_roles_with_tooltips(make_window, admin_ctx, role, enabled, disabled):
    ctx = admin_ctx if role is Role.ADMIN else make_actor(admin_ctx, role, "someone")
    win = make_window(ctx)
    for name in enabled:
        assert getattr(win, name).isEnabled(), name
    for name in disabled:
        action = getattr(win, name)
        assert not action.isEnabled(), name
        assert action.toolTip().startswith("Only "), name


def test_a_supervisor_may_export_data_but_not_the_audit_log(make_window, admin_ctx):
    """The audit log's export is refused to a supervisor (VIEW_AUDIT, not EXPORT): the menu
    item was enabled and the refusal came after the file was chosen."""
    win = make_window(make_actor(admin_ctx, Role.SUPERVISOR, "sam"))
    *data, audit_log = win.export_actions
    assert "audit log" in audit_log.text()
    assert all(a.isEnabled() for a in data)
    assert not audit_log.isEnabled()
    assert audit_log.toolTip() == "Only admin or auditor may do this."
    for role in (Role.AUDITOR, Role.ADMIN):
        ctx = admin_ctx if role is Role.ADMIN else make_actor(admin_ctx, role, "audrey")
        assert all(a.isEnabled() for a in make_window(ctx).export_actions), role


def test_staff_dialog_adds_and_unlocks(qtbot, admin_ctx):
    from bwc_desk.ui.dialogs import staff_dialog

    state = AppState(admin_ctx)
    dialog = staff_dialog.StaffDialog(state)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5000)

    def fill(new):
        qtbot.keyClicks(new.user_edit, "quinn")
        new.role_box.setCurrentText("quartermaster")
        qtbot.keyClicks(new.password_edit, PASSWORD)
        qtbot.keyClicks(new.confirm_edit, PASSWORD)
        qtbot.mouseClick(new.ok_button, Qt.MouseButton.LeftButton)

    answer(qtbot, fill, staff_dialog.NewStaffDialog)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=10_000)
    assert "Added quinn (quartermaster)" in dialog.message.text()
    for _ in range(5):
        with pytest.raises(Exception):  # noqa: B017 - wrong passwords, up to the lockout
            auth.sign_in(admin_ctx.as_actor(None), "quinn", "wrong")
    dialog.refresh()
    qtbot.waitUntil(lambda: any(r.locked for r in dialog.model.rows()), timeout=5000)
    locked_row = next(i for i, r in enumerate(dialog.model.rows()) if r.locked)
    dialog.table.table.selectRow(dialog.table.proxy.mapFromSource(
        dialog.model.index(locked_row, 0)).row())
    assert dialog.unlock_button.isEnabled()
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not any(r.locked for r in dialog.model.rows()), timeout=5000)
    # Unlocked: the password is taken; added by an administrator, it is still temporary.
    with pytest.raises(PasswordChangeRequired):
        auth.sign_in(admin_ctx.as_actor(None), "quinn", PASSWORD)
    state.runner.shutdown()


def test_add_staff_says_what_is_wrong_inline_and_keeps_what_was_typed(
    qtbot, admin_ctx, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    from bwc_desk.ui.dialogs.staff_dialog import NewStaffDialog

    boxes: list[str] = []
    for kind in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, kind, lambda *a, _k=kind, **kw: boxes.append(_k))
    state = AppState(admin_ctx)
    state.error_handler = lambda exc: boxes.append(f"error handler: {exc}")
    dialog = NewStaffDialog(state)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    # Too short: said as it is typed, and again on Add; nothing is sent.
    qtbot.keyClicks(dialog.user_edit, "quinn")
    qtbot.keyClicks(dialog.name_edit, "Quinn Q")
    qtbot.keyClicks(dialog.password_edit, "short")
    assert "3 more" in dialog.policy_label.text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "too short" in dialog.error_label.text()
    assert dialog.focusWidget() is dialog.password_edit
    # Long enough, but the confirmation differs.
    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    qtbot.keyClicks(dialog.confirm_edit, PASSWORD + "x")
    assert "differ" in dialog.policy_label.text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "differ" in dialog.error_label.text()
    # A leaked password: the service refuses it; said in the dialog, which stays open.
    leaked = "shelby123"
    for edit in (dialog.password_edit, dialog.confirm_edit):
        edit.clear()
        qtbot.keyClicks(edit, leaked)
    assert "\u2713 The two passwords match" in dialog.policy_label.text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "leaked" in dialog.error_label.text(), timeout=10_000)
    assert dialog.isVisible() and dialog.ok_button.isEnabled()
    assert (dialog.user_edit.text(), dialog.name_edit.text()) == ("quinn", "Quinn Q")
    assert dialog.focusWidget() is dialog.password_edit
    # A user name that is taken.
    add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    for edit in (dialog.password_edit, dialog.confirm_edit):
        edit.clear()
        qtbot.keyClicks(edit, PASSWORD)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "already" in dialog.error_label.text(), timeout=10_000)
    assert dialog.isVisible() and dialog.focusWidget() is dialog.user_edit
    # Put right: added, and the dialog closes.
    dialog.user_edit.clear()
    qtbot.keyClicks(dialog.user_edit, "quinn2")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)
    assert dialog.added is not None and dialog.added.username == "quinn2"
    assert boxes == []
    state.runner.shutdown()


def test_verify_dialog_reports_ok_and_offers_the_heads(qtbot, admin_ctx):
    from bwc_desk.ui.dialogs.verify_dialog import VerifyDialog

    state = AppState(admin_ctx)
    dialog = VerifyDialog(state)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.copy_button.isEnabled(), timeout=10_000)
    assert "OK" in dialog.status.text()
    assert "Custody ledger: record #" in dialog.text.toPlainText()
    state.runner.shutdown()


def test_audit_dialog_lists_and_filters(qtbot, admin_ctx, qtmodeltester):
    from bwc_desk.ui.dialogs.audit_dialog import AuditDialog

    state = AppState(admin_ctx)
    dialog = AuditDialog(state)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() >= 2, timeout=5000)
    qtmodeltester.check(dialog.model)
    # Newest first on screen, as the heading says.
    shown = [dialog.table.proxy.source_row(r).seq for r in range(dialog.table.proxy.rowCount())]
    assert shown == sorted(shown, reverse=True)
    dialog.event_box.setCurrentText("sign-in")
    dialog.refresh()
    qtbot.waitUntil(lambda: all(r.event == "sign-in" for r in dialog.model.rows()), timeout=5000)
    state.runner.shutdown()


def test_settings_dialog_changes_only_what_was_edited(qtbot, admin_ctx):
    from PySide6.QtWidgets import QSpinBox

    from bwc_desk.services.settings import get_settings
    from bwc_desk.ui.dialogs.settings_dialog import SettingsDialog

    dialog = SettingsDialog(AppState(admin_ctx), get_settings(admin_ctx))
    qtbot.addWidget(dialog)
    spin = dialog.findChild(QSpinBox, "idle_lock_minutes")
    assert spin.maximum() == 30
    spin.setValue(10)
    assert dialog.changes() == {"idle_lock_minutes": 10}


# --- the next person starts clean; quitting signs out ------------------------------------------
@pytest.fixture
def counter_desk(admin_ctx):
    from bwc_desk.services import inventory, officers
    from bwc_desk.services.inventory import UnitInput
    from bwc_desk.services.officers import OfficerInput

    for n in (1, 2, 3):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-000{n}", f"SN-{n}"))
    officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    make_actor(admin_ctx, Role.SUPERVISOR, "sam")
    return make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")


def leave_traces(qtbot, win):
    """What one person leaves behind: a filter and a selection in the inventory, an officer
    at the counter, a filter and half-typed text there, a status bar message."""
    win.tabs.setCurrentWidget(win.inventory_tab)
    inv = win.inventory_tab.table
    qtbot.waitUntil(lambda: inv.model.rowCount() == 3, timeout=10_000)
    qtbot.keyClicks(inv.filter_edit, "HPD-BWC-0002")
    qtbot.waitUntil(lambda: inv.proxy.rowCount() == 1, timeout=5000)
    inv.table.selectRow(0)
    assert inv.selected_rows()
    win.tabs.setCurrentWidget(win.counter_tab)
    counter = win.counter_tab
    qtbot.waitUntil(lambda: counter._loaded, timeout=10_000)
    with qtbot.waitSignal(counter.scan_handled, timeout=10_000):
        qtbot.keyClicks(counter.scan_edit, "0412")
        qtbot.keyClick(counter.scan_edit, Qt.Key.Key_Return)
    assert counter.officer is not None and "Smith" in counter.card.text()
    qtbot.keyClicks(counter.out_table.filter_edit, "smith")
    qtbot.keyClicks(counter.scan_edit, "HPD-BW")
    qtbot.waitUntil(lambda: counter.picker.isVisible(), timeout=10_000)  # what matches
    win.state.message.emit("Exported 3 units rows to /tmp/quinn.csv", 0)


def assert_clean(win):
    inv = win.inventory_tab.table
    assert inv.filter_edit.text() == "" and inv.proxy.rowCount() == 3
    assert not inv.selected_rows() and inv.current_row() is None
    counter = win.counter_tab
    assert counter.officer is None and "No officer selected" in counter.card.text()
    assert counter.scan_edit.text() == "" and counter.out_table.filter_edit.text() == ""
    assert counter.picker.isHidden()
    assert counter.session_list.count() == 0
    assert "quinn.csv" not in win.status_line.text()


def test_after_a_sign_out_the_next_person_starts_clean(qtbot, make_window, counter_desk,
                                                       admin_ctx):
    win = make_window(counter_desk)
    leave_traces(qtbot, win)
    win.sign_out_action.trigger()
    assert win.locked
    assert win.lock_screen.focusWidget() is win.lock_screen.form.user_edit
    sign_in_at_lock_screen(qtbot, win, "sam", PASSWORD)
    assert win.state.actor.username == "sam"
    assert_clean(win)
    assert any(r.event == "sign-out" and r.staff_username == "quinn"
               for r in audit.list_audit(admin_ctx))


def test_someone_else_at_the_lock_screen_starts_clean_the_same_person_resumes(
    qtbot, make_window, counter_desk
):
    win = make_window(counter_desk)
    leave_traces(qtbot, win)
    win.lock(idle=True)
    sign_in_at_lock_screen(qtbot, win, "quinn", PASSWORD)  # back from the coffee machine
    assert win.inventory_tab.table.filter_edit.text() == "HPD-BWC-0002"
    win.lock(idle=False)
    sign_in_at_lock_screen(qtbot, win, "sam", PASSWORD)
    win.tabs.setCurrentWidget(win.inventory_tab)
    qtbot.waitUntil(lambda: win.inventory_tab.model.rowCount() == 3, timeout=10_000)
    assert_clean(win)


def test_closing_the_window_signed_in_writes_a_sign_out_record(qtbot, make_window,
                                                               counter_desk, admin_ctx):
    win = make_window(counter_desk)
    win.close()  # (Quit, Ctrl+Q and the window's close button all come here)
    records = [r for r in audit.list_audit(admin_ctx) if r.event == "sign-out"]
    assert [(r.staff_username, r.station) for r in records] == [
        ("quinn", counter_desk.station)
    ]


def test_closing_the_locked_window_writes_no_second_sign_out(qtbot, make_window, counter_desk,
                                                             admin_ctx):
    win = make_window(counter_desk)
    win.sign_out()
    assert "signed out at" in win.lock_screen.detail.text()
    assert "on request" not in win.lock_screen.detail.text()
    win.close()
    assert len([r for r in audit.list_audit(admin_ctx) if r.event == "sign-out"]) == 1


def test_an_idle_limit_changed_at_another_station_applies_here(qtbot, make_window, admin_ctx):
    """Agency settings are the agency's: a shorter idle lock set at another station (or by
    the command line) applies to this window as soon as the change is heard, not at its
    next start."""
    from bwc_desk.services import settings
    from bwc_desk.services.changeset import ChangeSet

    win = make_window(admin_ctx)
    assert win.idle.interval_ms() == 15 * 60_000
    settings.change_settings(admin_ctx, {"idle_lock_minutes": 3})
    win.state.announce(ChangeSet.of({"settings"}, local=False))
    qtbot.waitUntil(lambda: win.idle.interval_ms() == 3 * 60_000, timeout=5000)


def test_a_burst_of_keys_calls_the_idle_watcher_once(qtbot):
    """A scanner's ten keys restart the idle timer once: after a key press or a click the
    windows are not watched for a moment (each event of a watched window is a call into
    Python, which waits for the interpreter while the workers read), then watched again,
    dialogs opened meanwhile too."""
    from PySide6.QtWidgets import QLineEdit

    from bwc_desk.ui import lock_screen

    calls: list[QEvent.Type] = []

    class Counting(lock_screen.IdleWatcher):
        def eventFilter(self, watched, event):
            calls.append(event.type())
            return super().eventFilter(watched, event)

    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    qtbot.waitExposed(edit)
    watcher = Counting(15)
    watcher.watch(edit.windowHandle())
    watcher._timer.setTimerType(Qt.TimerType.PreciseTimer)  # (its remaining time exact)
    watcher._timer.setInterval(60_000)
    watcher.poke()
    QTest.qWait(150)
    calls.clear()
    before = watcher._timer.remainingTime()
    for key in "BWC-00123":
        QTest.keyClick(edit.windowHandle(), key)
    assert edit.text() == "BWC-00123"
    assert 0 < len(calls) <= 3  # (the first key's events until the watch paused)
    assert watcher._timer.remainingTime() > before  # (restarted by the first key)
    qtbot.waitUntil(lambda: watcher._listening, timeout=2000)
    other = QLineEdit()  # a window that takes the focus while the watch is paused
    qtbot.addWidget(other)
    watcher._pause()
    other.show()
    qtbot.waitExposed(other)
    watcher.watch(other.windowHandle())
    qtbot.waitUntil(lambda: watcher._listening, timeout=2000)
    calls.clear()
    QTest.qWait(150)
    before = watcher._timer.remainingTime()
    QTest.keyClick(other.windowHandle(), Qt.Key.Key_B)
    assert calls and watcher._timer.remainingTime() > before
    watcher.stop()  # locked: keys at the lock screen do not count, nor pause the watch
    qtbot.waitUntil(lambda: watcher._listening, timeout=2000)
    QTest.keyClick(edit.windowHandle(), Qt.Key.Key_C)
    assert watcher._listening and not watcher._timer.isActive()


def test_someone_else_signing_in_lands_on_their_own_first_view(qtbot, make_window, admin_ctx):
    """The quartermaster's counter locked, an auditor signs in: Inventory (the counter is
    read-only for them), not the counter; the quartermaster back after a lock finds the
    view they left; after a sign-out, even the same person starts from their first view."""
    qm = make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    make_actor(admin_ctx, Role.AUDITOR, "audrey")
    win = make_window(qm)
    assert win.tabs.currentWidget() is win.counter_tab
    win.lock(idle=False)
    sign_in_at_lock_screen(qtbot, win, "audrey", PASSWORD)
    assert win.tabs.currentWidget() is win.inventory_tab
    win.lock(idle=False)
    sign_in_at_lock_screen(qtbot, win, "quinn", PASSWORD)
    assert win.tabs.currentWidget() is win.counter_tab
    win.tabs.setCurrentWidget(win.inventory_tab)  # quinn looks something up; a lock
    win.lock(idle=False)
    sign_in_at_lock_screen(qtbot, win, "quinn", PASSWORD)
    assert win.tabs.currentWidget() is win.inventory_tab  # (where quinn left it)
    win.sign_out()
    sign_in_at_lock_screen(qtbot, win, "quinn", PASSWORD)
    assert win.tabs.currentWidget() is win.counter_tab

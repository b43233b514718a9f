"""One ServiceDialog under every form that saves through a service, driven as a person does:
typed fields and Enter. A refusal stays in the dialog, Enter while saving writes once, and
locking the station closes even a dialog that is saving, its outcome going to the status bar
instead of a late pop-up."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from bwc_desk.domain.roles import Role
from bwc_desk.services import dock_registry, officers
from bwc_desk.services.officers import OfficerInput
from bwc_desk.ui.dialogs import officer_dialogs, service_dialog, staff_dialog, unit_dialogs
from bwc_desk.ui.dialogs.officer_dialogs import OfficerDialog
from bwc_desk.ui.dialogs.service_dialog import ServiceDialog
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.dock_dialogs import AddDockDialog, RegisterDialog, RemoveDockDialog
from tests.conftest import make_actor


@pytest.fixture
def desk(qtbot, admin_ctx):
    state = AppState(admin_ctx)
    said: list[str] = []
    state.message.connect(lambda text, _ms: said.append(text))
    yield {"state": state, "admin": admin_ctx, "said": said}
    state.runner.shutdown()


def shown(qtbot, dialog: QDialog) -> QDialog:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def new_officer(qtbot, state: AppState, admin) -> OfficerDialog:
    dialog = OfficerDialog(state, officers.roster_choices(admin))
    shown(qtbot, dialog)
    qtbot.keyClicks(dialog.badge_edit, "0412")
    qtbot.keyClicks(dialog.last_edit, "Smith")
    return dialog


def test_there_is_one_service_dialog_base():
    assert officer_dialogs.ServiceDialog is service_dialog.ServiceDialog
    assert unit_dialogs.ServiceDialog is service_dialog.ServiceDialog
    for form in (
        unit_dialogs.UnitDialog, unit_dialogs.OutOfServiceDialog, unit_dialogs.StatusDialog,
        unit_dialogs.PoolDialog, officer_dialogs.OfficerDialog, officer_dialogs.ReasonDialog,
        officer_dialogs.HandoverPinDialog, officer_dialogs.CameraPickerDialog,
        staff_dialog.NewStaffDialog, AddDockDialog, RemoveDockDialog, RegisterDialog,
    ):  # fmt: skip
        assert issubclass(form, ServiceDialog), form


def test_a_refusal_stays_in_the_dialog_and_enter_again_saves_once_fixed(qtbot, desk):
    state, admin = desk["state"], desk["admin"]
    officers.add_officer(admin, OfficerInput("0412", "Jones", "Ann"))
    dialog = new_officer(qtbot, state, admin)
    qtbot.keyClick(dialog.last_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=10_000)
    assert dialog.isVisible() and "0412" in dialog.error_label.text()
    assert dialog.ok_button.isEnabled() and dialog.last_edit.text() == "Smith"
    dialog.badge_edit.setText("0413")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.keyClick(dialog.last_edit, Qt.Key.Key_Return)
        # Enter again while saving: nothing more is sent, nothing is refused as a duplicate.
        assert dialog.ok_button.text() == "Saving..." and not dialog.ok_button.isEnabled()
        qtbot.keyClick(dialog.last_edit, Qt.Key.Key_Return)
    assert sorted(o.badge for o in officers.list_officers(admin)) == ["0412", "0413"]
    assert dialog.result_value.badge == "0413"


def test_esc_and_the_close_button_wait_for_the_answer(qtbot, desk):
    dialog = new_officer(qtbot, desk["state"], desk["admin"])
    dialog.submit()
    assert not dialog.cancel_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.close() and dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_the_lock_closes_a_saving_officer_form_and_the_outcome_goes_to_the_status_bar(
    qtbot, desk
):
    state, admin, said = desk["state"], desk["admin"], desk["said"]
    dialog = new_officer(qtbot, state, admin)
    written: list[object] = []
    dialog.written.connect(written.append)
    dialog.submit()
    dialog.reject()  # what MainWindow.lock does to every open dialog
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: any("saved" in s for s in said), timeout=10_000)
    assert said[-1] == "New officer: saved." and written
    assert [o.badge for o in officers.list_officers(admin)] == ["0412"]
    assert dialog.result() == QDialog.DialogCode.Rejected  # no late accept


def test_a_refusal_after_the_lock_is_a_status_line_not_a_pop_up(qtbot, desk):
    state, admin, said = desk["state"], desk["admin"], desk["said"]
    officers.add_officer(admin, OfficerInput("0412", "Jones", "Ann"))
    errors: list[BaseException] = []
    state.error_handler = errors.append
    dialog = new_officer(qtbot, state, admin)
    dialog.submit()
    dialog.reject()
    qtbot.waitUntil(lambda: any("not saved" in s for s in said), timeout=10_000)
    assert "0412" in said[-1] and errors == [] and not dialog.error_label.isVisible()


def test_dock_forms_save_themselves_and_keep_a_refusal(qtbot, desk):
    state, admin = desk["state"], desk["admin"]
    add = AddDockDialog(state)
    shown(qtbot, add)
    qtbot.keyClicks(add.name_edit, "DOCK-G")
    with qtbot.waitSignal(add.accepted, timeout=10_000):
        qtbot.keyClick(add.name_edit, Qt.Key.Key_Return)
    assert add.done_text() == "Registered DOCK-G (8 bays)."
    again = AddDockDialog(state)
    shown(qtbot, again)
    qtbot.keyClicks(again.name_edit, "DOCK-G")
    qtbot.keyClick(again.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: again.error_label.isVisible(), timeout=10_000)
    assert again.isVisible() and "DOCK-G" in again.error_label.text()
    assert again.focusWidget() is again.name_edit
    remove = RemoveDockDialog(state, ["DOCK-G"])
    shown(qtbot, remove)
    with qtbot.waitSignal(remove.accepted, timeout=10_000):
        qtbot.keyClick(remove, Qt.Key.Key_Return)
    assert remove.done_text() == "Removed DOCK-G." and dock_registry.list_docks(admin) == []


def test_a_clerk_is_refused_inline(qtbot, admin_ctx):
    clerk = AppState(make_actor(admin_ctx, Role.QUARTERMASTER, "quinn"))
    dialog = AddDockDialog(clerk)
    shown(qtbot, dialog)
    qtbot.keyClicks(dialog.name_edit, "DOCK-H")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=10_000)
    assert dialog.isVisible() and "register docks" in dialog.error_label.text()
    clerk.runner.shutdown()


@pytest.mark.parametrize("form", ["officer", "dock", "revoke"])
def test_a_form_opens_with_its_first_field_focused_not_its_save_button(qtbot, desk, form):
    """A person who opens a form and types (or a scanner that does) types into its first
    field: the save button, made before the fields, used to have the focus, so the typed
    text went nowhere and a space pressed Save."""
    from PySide6.QtWidgets import QAbstractButton, QApplication

    from bwc_desk.ui.dialogs.revoke_key_dialog import RevokeKeyDialog

    state, admin = desk["state"], desk["admin"]
    dialog: ServiceDialog = {
        "officer": lambda: OfficerDialog(state, officers.roster_choices(admin)),
        "dock": lambda: AddDockDialog(state),
        "revoke": lambda: RevokeKeyDialog(state),
    }[form]()
    shown(qtbot, dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    focused = dialog.focusWidget()
    assert focused is not None and not isinstance(focused, QAbstractButton), focused
    assert dialog.body.indexOf(focused) >= 0 or dialog.isAncestorOf(focused)
    qtbot.keyClicks(focused, "x")  # (a space opens a combo box's list: not offscreen)
    assert dialog.error_label.text() == "" and dialog.isVisible()  # nothing was submitted


def test_a_refusal_that_names_a_field_puts_the_focus_there(qtbot, desk):
    """"serial is required": the cursor goes to Serial, where the person types it (it
    stayed in the field they had left)."""
    from PySide6.QtWidgets import QApplication

    from bwc_desk.ui.dialogs.unit_dialogs import UnitDialog

    dialog = shown(qtbot, UnitDialog(desk["state"]))
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.tag_edit, timeout=5000)
    qtbot.keyClicks(dialog.tag_edit, "HCS-BWC-0001")
    qtbot.keyClick(dialog.tag_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "serial is required" in dialog.error_label.text(), timeout=5000)
    assert dialog.focusWidget() is dialog.serial_edit
    qtbot.keyClicks(dialog.serial_edit, "X60A0001")
    with qtbot.waitSignal(dialog.written, timeout=5000):
        qtbot.keyClick(dialog.serial_edit, Qt.Key.Key_Return)


def test_the_officer_form_holds_no_more_than_the_roster_keeps(qtbot, desk):
    """A tester pasted 5,000 characters into every field of New officer: refused one field at
    a time, by internal names ("scan_code is longer than 64 characters"). The fields hold
    what the roster keeps."""
    from PySide6.QtGui import QGuiApplication

    state, admin = desk["state"], desk["admin"]
    dialog = OfficerDialog(state, officers.roster_choices(admin))
    shown(qtbot, dialog)
    QGuiApplication.clipboard().setText("x" * 5000)
    for edit, most in ((dialog.badge_edit, 32), (dialog.last_edit, 80),
                       (dialog.first_edit, 80), (dialog.rank_box.lineEdit(), 40),
                       (dialog.division_box.lineEdit(), 80)):
        edit.setFocus()
        edit.paste()
        assert len(edit.text()) == most
    dialog.reject()

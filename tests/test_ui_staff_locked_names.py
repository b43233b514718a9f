"""Administration > Staff accounts: the locked user names with no account (a directory user
locked out before their first sign-in) are listed under the accounts, and Unlock works the
way an administrator expects."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Role
from bwc_desk.services import audit, auth
from bwc_desk.services.sign_in_attempts import LockedName
from bwc_desk.ui.models.locked_name_table_model import HIDDEN_NAME, LockedNameTableModel
from bwc_desk.ui.state import AppState
from tests.test_directory_signin import fake_dir  # noqa: F401 (a fixture)

ERIN = "erin directory pass"


def _lock(ctx, name, clock):  # type: ignore[no-untyped-def]
    for _ in range(5):
        with pytest.raises(DomainError):
            auth.sign_in(ctx.as_actor(None), name, "Wrong-Password-9")
        clock.advance(seconds=30)


def test_locked_name_model_shows_the_name_or_why_not(qtmodeltester):
    at = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    model = LockedNameTableModel()
    model.set_rows([LockedName(1, "erin", at, "DESK-1"), LockedName(2, "", at, "DESK-2")])
    qtmodeltester.check(model)
    names = [model.index(r, LockedNameTableModel.COL_NAME).data() for r in range(2)]
    assert names == ["erin", HIDDEN_NAME]
    assert model.index(1, LockedNameTableModel.COL_STATION).data() == "DESK-2"
    assert model.index(0, LockedNameTableModel.COL_LOCKED_AT).data() == (
        at.astimezone().strftime("%Y-%m-%d %H:%M")
    )
    colour = model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole)
    assert colour is not None and colour.color().name() == "#b91c1c"


def test_staff_dialog_lists_and_unlocks_a_directory_name_with_no_account(
    qtbot, admin_ctx, fake_dir, clock  # noqa: F811
):
    from bwc_desk.ui.dialogs.staff_dialog import StaffDialog

    fake_dir.people["erin"] = (ERIN, ["BWC-Quartermasters"])
    _lock(admin_ctx, "erin", clock)
    state = AppState(admin_ctx)
    dialog = StaffDialog(state)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.names_model.rowCount() == 1, timeout=10_000)
    assert dialog.names_model.rows()[0].name == "erin"
    assert "(1)" in dialog.names_label.text()
    assert not dialog.unlock_name_button.isEnabled()  # nothing selected yet
    dialog.names_table.table.selectRow(0)
    qtbot.waitUntil(dialog.unlock_name_button.isEnabled, timeout=5000)
    qtbot.mouseClick(dialog.unlock_name_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.names_model.rowCount() == 0, timeout=10_000)
    assert "erin is unlocked" in dialog.message.text()
    assert "none" in dialog.names_label.text()
    record = audit.list_audit(admin_ctx, event="account unlocked")[0]
    assert record.staff_username == "admin" and record.details["account"] == "erin"
    assert record.station == "DESK-1"
    assert auth.sign_in(admin_ctx.as_actor(None), "erin", ERIN).role is Role.QUARTERMASTER
    state.runner.shutdown()


def test_staff_dialog_unlocks_a_typed_name(qtbot, admin_ctx, clock, monkeypatch):
    from bwc_desk.ui.dialogs.staff_dialog import StaffDialog

    _lock(admin_ctx, "Hunter-Two-22", clock)  # looked like a password: listed without it
    state = AppState(admin_ctx)
    dialog = StaffDialog(state)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.names_model.rowCount() == 1, timeout=10_000)
    assert dialog.names_model.index(0, 0).data() == HIDDEN_NAME

    def typed(parent, title, label, *args, **kwargs):  # type: ignore[no-untyped-def]
        assert title == "Unlock a user name"
        return "Hunter-Two-22", True

    monkeypatch.setattr(QInputDialog, "getText", typed)
    qtbot.mouseClick(dialog.type_name_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.names_model.rowCount() == 0, timeout=10_000)
    assert "is unlocked" in dialog.message.text()
    # A name that is not locked: said under the list, nothing changes.
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("nobody", True))
    qtbot.mouseClick(dialog.type_name_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not locked" in dialog.message.text(), timeout=10_000)
    state.runner.shutdown()


def test_staff_accounts_says_nothing_up_front_and_forgets_an_old_refusal(
    qtbot, admin_ctx, monkeypatch
):
    """SQLite (the station owns its database): Add and Reset are there. A refusal ('the last
    active administrator') is said, then cleared by the next action, even one cancelled."""
    from bwc_desk.ui.dialogs.staff_dialog import NewStaffDialog, StaffDialog
    from tests.conftest import answer

    state = AppState(admin_ctx)
    dialog = StaffDialog(state)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5000)
    assert dialog.add_button.isEnabled() and dialog.station_note.isHidden()
    dialog.table.table.selectRow(0)
    assert dialog.reset_button.isEnabled() and dialog.role_button.isEnabled()
    monkeypatch.setattr(QInputDialog, "getItem", lambda *_a, **_k: ("auditor", True))
    qtbot.mouseClick(dialog.role_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "last active administrator" in dialog.message.text(), timeout=5000)
    answer(qtbot, lambda new: new.reject(), NewStaffDialog)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)  # then Cancel
    assert dialog.message.text() == ""
    state.runner.shutdown()

"""Signing in while the database server is away (a PostgreSQL outage, faked as the outage
tests fake it: UnavailableError). The form says the server cannot be reached and that nothing
was recorded, keeps the user name (or the badge), clears the password (or the PIN) as every
refused sign-in does (a shared station: a secret left in the form would sign in whoever
presses Enter next), and offers to try again: the password typed again and Enter, or the
button, goes to the server again and signs in once it answers."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from bwc_desk.domain.errors import UnavailableError
from bwc_desk.ui.dialogs.sign_in_dialog import SERVER_AWAY, SIGN_IN, TRY_AGAIN, SignInDialog
from tests.test_sign_in_badge_scan import scan, shown, type_by_hand

AWAY = (
    "The database server (db.example) cannot be reached: nothing was written. BWC Desk "
    "keeps trying; check the network or ask the administrator."
)


class Server:
    """The sign-in calls, answering as a server that is away until ``back``."""

    def __init__(self) -> None:
        self.away = True
        self.sent: list[tuple[str, str, str]] = []

    def _answer(self, on_done: Any, on_error: Any, who: str) -> None:
        if self.away:
            on_error(UnavailableError(AWAY))
        else:
            on_done(who)

    def password(self, user: str, password: str, on_done: Any, on_error: Any, **_k: Any) -> None:
        self.sent.append(("password", user, password))
        self._answer(on_done, on_error, user)

    def badge(self, badge: str, pin: str, on_done: Any, on_error: Any) -> None:
        self.sent.append(("badge", badge, pin))
        self._answer(on_done, on_error, badge)


def focused():  # type: ignore[no-untyped-def]
    return QApplication.focusWidget()


def test_the_form_says_the_server_is_away_keeps_the_name_and_tries_again(qtbot):
    server = Server()
    dialog = shown(qtbot, server)  # type: ignore[arg-type]
    form = dialog.form
    type_by_hand(form.user_edit, "qm.jordan")
    type_by_hand(form.password_edit, "demo-counter-2026")
    assert server.sent == [("password", "qm.jordan", "demo-counter-2026")]
    assert form.error_label.text() == SERVER_AWAY
    assert "cannot be reached" in SERVER_AWAY and "try again" in SERVER_AWAY.lower()
    assert form.user_edit.text() == "qm.jordan"
    assert form.password_edit.text() == "" and focused() is form.password_edit
    assert form.sign_in_button.isEnabled() and form.sign_in_button.text() == TRY_AGAIN
    # Still away: tried again, said again.
    type_by_hand(form.password_edit, "demo-counter-2026")
    assert len(server.sent) == 2 and form.error_label.text() == SERVER_AWAY
    # The server answers: the password again and the button.
    server.away = False
    type_by_hand(form.password_edit, "demo-counter-2026", enter=False)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        form.sign_in_button.click()
    assert dialog.actor == "qm.jordan" and len(server.sent) == 3


def test_a_wrong_password_after_the_outage_is_said_as_such(qtbot):
    server = Server()
    dialog = shown(qtbot, server)  # type: ignore[arg-type]
    form = dialog.form
    type_by_hand(form.user_edit, "qm.jordan")
    type_by_hand(form.password_edit, "demo-counter-2026")
    assert form.sign_in_button.text() == TRY_AGAIN
    form._failed(ValueError("wrong"))  # (any other refusal)
    assert form.sign_in_button.text() == SIGN_IN and form.error_label.text() != SERVER_AWAY


def test_badge_and_pin_keep_the_badge_and_try_again(qtbot):
    server = Server()
    dialog = shown(qtbot, server)  # type: ignore[arg-type]
    form = dialog.form
    scan(form.user_edit, "STAFF-0042")
    type_by_hand(form.pin_edit, "480271")
    assert server.sent == [("badge", "STAFF-0042", "480271")]
    assert form.error_label.text() == SERVER_AWAY
    assert form.badge_edit.text() == "STAFF-0042" and form.pin_edit.text() == ""
    assert focused() is form.pin_edit  # (the badge is kept: the PIN again)
    server.away = False
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        type_by_hand(form.pin_edit, "480271")


def test_at_the_lock_screen(qtbot):
    from bwc_desk.ui.lock_screen import LockScreen

    server = Server()
    screen = LockScreen(server.password, server.badge)  # type: ignore[arg-type]
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    screen.show_locked("Dana Lee", idle=False)
    form = screen.form
    type_by_hand(form.user_edit, "dana.lee")
    type_by_hand(form.password_edit, "a password of hers")
    assert form.error_label.text() == SERVER_AWAY and form.user_edit.text() == "dana.lee"
    server.away = False
    with qtbot.waitSignal(screen.unlocked, timeout=5000):
        type_by_hand(form.password_edit, "a password of hers")


@pytest.fixture
def runner():  # type: ignore[no-untyped-def]
    from bwc_desk.ui.tasks import TaskRunner

    made = TaskRunner()
    yield made
    made.shutdown()


def test_with_the_real_services_nothing_is_counted_and_the_retry_signs_in(
    qtbot, admin_ctx, runner, monkeypatch
):
    from bwc_desk.domain.roles import Role
    from bwc_desk.services import audit, auth
    from tests.conftest import PASSWORD, add_own

    add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    anyone = admin_ctx.as_actor(None)
    db = admin_ctx.db
    real_write = type(db).write

    def away(self, *a: Any, **k: Any) -> Any:  # type: ignore[no-untyped-def]
        raise UnavailableError(AWAY)

    monkeypatch.setattr(type(db), "write", away)

    def password(user, secret, on_done, on_error, **more):  # type: ignore[no-untyped-def]
        runner.run(lambda: auth.sign_in(anyone, user, secret, **more), on_done, on_error,
                   write=True)

    dialog = SignInDialog(password, agency="Test PD", station="DESK-1")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: focused() is dialog.user_edit, timeout=5000)
    form = dialog.form
    type_by_hand(form.user_edit, "quinn")
    type_by_hand(form.password_edit, PASSWORD)
    qtbot.waitUntil(lambda: form.error_label.text() == SERVER_AWAY, timeout=10_000)
    assert form.user_edit.text() == "quinn" and form.sign_in_button.text() == TRY_AGAIN
    monkeypatch.setattr(type(db), "write", real_write)  # the server is back
    failed_before = [r for r in audit.list_audit(admin_ctx) if r.outcome != "ok"]
    assert not [r for r in failed_before if r.staff_username == "quinn"]
    type_by_hand(form.password_edit, PASSWORD)
    qtbot.waitUntil(lambda: dialog.actor is not None, timeout=10_000)
    assert dialog.actor.username == "quinn"
    assert [r for r in audit.list_audit(admin_ctx) if r.outcome != "ok"] == failed_before

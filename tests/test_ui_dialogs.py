"""Sign-in and first-run dialogs, typed into as a person does."""

from __future__ import annotations

from PySide6.QtCore import Qt

from bwc_desk.services import auth
from bwc_desk.services.context import Ctx
from bwc_desk.ui.dialogs.first_run_dialog import FirstRunDialog
from bwc_desk.ui.dialogs.sign_in_dialog import SignInDialog
from bwc_desk.ui.tasks import TaskRunner
from tests.conftest import PASSWORD


def submitter(ctx: Ctx, runner: TaskRunner):
    def submit(user, password, on_done, on_error):
        runner.run(lambda: auth.sign_in(ctx, user, password), on_done, on_error, write=True)

    return submit


def test_sign_in_with_tab_and_enter(qtbot, admin_ctx):
    runner = TaskRunner()
    dialog = SignInDialog(
        submitter(admin_ctx.as_actor(None), runner), agency="Test PD", station="DESK-1"
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.focusWidget() is dialog.user_edit
    qtbot.keyClicks(dialog.user_edit, "admin")
    qtbot.keyClick(dialog.user_edit, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.password_edit
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.actor is not None and dialog.actor.username == "admin"


def test_wrong_password_says_so_and_stays_open(qtbot, admin_ctx):
    runner = TaskRunner()
    dialog = SignInDialog(
        submitter(admin_ctx.as_actor(None), runner), agency="Test PD", station="DESK-1"
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.user_edit, "admin")
    qtbot.keyClicks(dialog.password_edit, "not the password")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "wrong" in dialog.error_label.text(), timeout=10_000)
    assert dialog.isVisible() and dialog.password_edit.text() == ""
    assert dialog.actor is None


def test_demo_accounts_are_shown_only_when_given(qtbot, admin_ctx):
    plain = SignInDialog(lambda *a: None, agency="A", station="S")
    qtbot.addWidget(plain)
    assert plain.findChild(object, "demo_accounts") is None
    demo = SignInDialog(
        lambda *a: None,
        agency="A",
        station="S",
        demo_accounts=[("qm.jordan", "demo-counter-2026", "quartermaster")],
    )
    qtbot.addWidget(demo)
    assert "demo-counter-2026" in demo.findChild(object, "demo_accounts").text()


def test_first_run_creates_the_administrator(qtbot, db):
    runner = TaskRunner()

    def setup(agency, station, user, name, password, on_done, on_error):
        runner.run(
            lambda: auth.first_run(
                db,
                agency_name=agency,
                station=station,
                username=user,
                password=password,
                display_name=name,
            ),
            on_done,
            on_error,
        )

    dialog = FirstRunDialog(setup, "PC-17", str(db.path))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.station_edit.text() == "PC-17"
    qtbot.keyClicks(dialog.agency_edit, "Test PD")
    qtbot.keyClicks(dialog.user_edit, "chief")
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    qtbot.keyClicks(dialog.confirm_edit, "different password")
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "differ" in dialog.error_label.text() and auth.needs_setup(db)
    qtbot.keyClicks(dialog.password_edit, "password")
    qtbot.keyClicks(dialog.confirm_edit, "password")
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "common" in dialog.error_label.text(), timeout=5000)
    dialog.password_edit.clear()
    dialog.confirm_edit.clear()
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    qtbot.keyClicks(dialog.confirm_edit, PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.choice == FirstRunDialog.START_EMPTY and dialog.station == "PC-17"
    assert not auth.needs_setup(db)


def test_first_run_offers_the_demo(qtbot, db):
    dialog = FirstRunDialog(lambda *a: None, "PC-17", str(db.path))
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    assert dialog.choice == FirstRunDialog.LOAD_DEMO and auth.needs_setup(db)


def test_the_sign_in_form_says_once_that_it_is_on_the_screen(qtbot, admin_ctx):
    """The launcher loads the window's modules while the person types, once the form is
    painted (before its first paint, that work kept the form from the screen)."""
    from PySide6.QtGui import QPaintEvent

    dialog = SignInDialog(lambda *a: None, agency="Test PD", station="DESK-1")
    qtbot.addWidget(dialog)
    told: list[bool] = []
    real_paint = dialog.paintEvent
    painted: list[bool] = []

    def paint(event: QPaintEvent) -> None:
        painted.append(True)
        real_paint(event)

    dialog.paintEvent = paint  # type: ignore[method-assign]
    dialog.first_painted.connect(lambda: told.append(bool(painted)))
    assert told == []
    dialog.show()
    qtbot.waitUntil(lambda: told == [True], timeout=10_000)  # after the paint, not before
    dialog.repaint()
    dialog.update()
    qtbot.wait(50)
    assert told == [True]  # once



def test_a_long_refusal_on_the_lock_screen_is_not_drawn_over_the_form(qtbot):
    """The refusal wraps to two or three lines: the form makes room for it (it was drawn
    across the frame of the tabs above, and read as struck through)."""
    from bwc_desk.domain.errors import DomainError
    from bwc_desk.services.sign_in_attempts import locked_text
    from bwc_desk.ui.lock_screen import LockScreen

    said = locked_text("qm.jordan")  # the longest refusal the lock screen shows

    def refuse(_first, _secret, _done, failed):  # type: ignore[no-untyped-def]
        failed(DomainError(said))

    screen = LockScreen(refuse, refuse)
    qtbot.addWidget(screen)
    screen.resize(1000, 560)
    screen.show()
    qtbot.waitExposed(screen)
    screen.show_locked("Dana Lee", idle=False)
    form = screen.form
    qtbot.keyClicks(form.user_edit, "qm.jordan")
    qtbot.keyClicks(form.password_edit, "wrong password")
    qtbot.keyClick(form.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.error_label.text() == said)
    label = form.error_label
    qtbot.wait(50)  # (the layouts settle)
    assert label.height() >= label.heightForWidth(label.width())
    assert form.height() >= form.minimumSizeHint().height()  # (not squeezed by the panel)
    assert label.geometry().top() > form.tabs.geometry().bottom()
    assert label.geometry().bottom() < form.sign_in_button.geometry().top()
    assert screen.detail.height() >= screen.detail.heightForWidth(screen.detail.width())

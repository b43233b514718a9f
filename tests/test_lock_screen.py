"""While the window is locked nothing runs in the background and nothing pops up over the lock
screen: the next person's typed password must reach the password field (the issue "A day at
the desk": "Sign in first." boxes over the lock screen on 5 of 8 locks)."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from bwc_desk.domain.errors import DomainError, PermissionDenied
from bwc_desk.domain.roles import Permission
from bwc_desk.services import inventory
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.context import Ctx
from bwc_desk.services.demo import DEMO_ACCOUNTS
from bwc_desk.services.inventory import UnitInput
from bwc_desk.store.db import Database
from bwc_desk.ui import change_watcher
from bwc_desk.ui.change_watcher import ChangeWatcher
from bwc_desk.ui.main_window import MainWindow
from bwc_desk.ui.state import AppState
from tests.conftest import activate, demo_ctx
from tests.test_sign_in_badge_scan import type_by_hand

PASSWORDS = {u: p for u, p, _r in DEMO_ACCOUNTS}


class DialogSpy(QObject):
    """Records every dialog that is shown and closes it at once, so that a test that finds
    one fails instead of hanging in its exec()."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []
        QApplication.instance().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QDialog):
            text = watched.text() if isinstance(watched, QMessageBox) else ""
            self.seen.append(f"{type(watched).__name__}: {watched.windowTitle()} {text}")
            QTimer.singleShot(0, watched, watched.reject)
        return False

    def stop(self) -> None:
        QApplication.instance().removeEventFilter(self)


@pytest.fixture
def spy():
    watcher = DialogSpy()
    yield watcher
    watcher.stop()


@pytest.fixture
def desk(qtbot, demo_db, monkeypatch):
    """The real window on the demo agency, every view loaded, the change watcher polling,
    and a second station writing to the same database."""
    monkeypatch.setattr(change_watcher, "SQLITE_POLL_MS", 200)
    state = AppState(demo_ctx(demo_db, "admin"), demo=True, log_dir="/tmp/logs")
    win = MainWindow(state, "Harbor City Police Department (demo)")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    for index in range(win.tabs.count()):
        win.tabs.setCurrentIndex(index)
    qtbot.waitUntil(lambda: win.inventory_tab.model.rowCount() == 475, timeout=20_000)
    qtbot.waitUntil(lambda: win.assignments_tab.model.rowCount() > 0, timeout=20_000)
    qtbot.waitUntil(lambda: win.counter_tab.model.rowCount() > 0, timeout=20_000)
    qtbot.waitUntil(lambda: win.docks_tab._loaded, timeout=20_000)
    win.assignments_tab.pages.setCurrentWidget(win.assignments_tab.shift_change)
    win.tabs.setCurrentIndex(1)
    win.tabs.setCurrentIndex(3)
    watcher = ChangeWatcher(state, win)
    watcher.start()
    qtbot.waitUntil(lambda: watcher._marks is not None, timeout=10_000)
    other_db = Database(demo_db.url.render_as_string(hide_password=False))
    other = demo_ctx(other_db, "admin")
    other = Ctx(other_db, "EVIDENCE-DESK-2", other.actor)
    yield win, watcher, other
    watcher.stop()
    state.runner.shutdown()
    other_db.dispose()


def type_at_focus(qtbot, text: str) -> None:
    """Keys go where the focus is, as a person's typing does (not to a chosen widget)."""
    for char in text:
        target = QApplication.focusWidget()
        assert target is not None
        qtbot.keyClicks(target, char)


def fire_every_timer(win: MainWindow, watcher: ChangeWatcher) -> int:
    timers = [*win.findChildren(QTimer), *watcher.findChildren(QTimer)]
    for timer in timers:
        timer.timeout.emit()
    return len(timers)


def test_nothing_pops_up_while_locked_and_the_password_unlocks(qtbot, desk, spy):
    win, watcher, other = desk
    state = win.state
    activate(qtbot, win)
    # Work started before the lock whose results arrive after it: a read that fails, a
    # write that is refused.
    release = threading.Event()

    def slow_failure(_ctx: Ctx) -> None:
        release.wait(10)
        raise DomainError("HPD-BWC-0412 is retired; it cannot be issued.")

    state.read(slow_failure)
    state.write(slow_failure)
    qtbot.keyClick(win.tabs, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert win.locked
    release.set()
    # Every timer of every view fires; another station issues a camera and adds one; its
    # notices arrive (as PostgreSQL delivers them) and so does a refresh request (F5).
    unit = inventory.add_unit(other, UnitInput("HPD-LOCK-1", "SN-LOCK-1"))
    watcher._arrived.emit(ChangeSet.of({"units", "custody", "officers", "docks", "settings"},
                                        units={unit.id}, local=False))
    state.announce(ChangeSet.everything())
    assert fire_every_timer(win, watcher) > 10
    state.read(lambda ctx: ctx.require(Permission.READ))  # a refresh asked for while locked
    for _ in range(3):  # the change watcher's own timer runs on while locked
        with qtbot.waitSignal(watcher._poll.timeout, timeout=5000):
            pass
    fire_every_timer(win, watcher)
    qtbot.waitUntil(lambda: not state.runner.busy, timeout=10_000)
    assert spy.seen == []
    assert QApplication.activeModalWidget() is None
    # The next person types at the lock screen: user name, Enter, password, Enter.
    assert win.lock_screen.form.user_edit.hasFocus()
    # (At a person's pace: a name and Enter at a scanner's speed is a staff badge.)
    type_by_hand(QApplication.focusWidget(), "sgt.reyes")
    assert win.lock_screen.form.password_edit.hasFocus()
    type_at_focus(qtbot, PASSWORDS["sgt.reyes"])
    with qtbot.waitSignal(win.lock_screen.unlocked, timeout=15_000):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert not win.locked and not state.locked
    assert state.actor is not None and state.actor.username == "sgt.reyes"
    # The views catch up with what changed while locked.
    win.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: win.inventory_tab.model.rowCount() == 476, timeout=15_000)
    qtbot.waitUntil(lambda: not state.runner.busy, timeout=10_000)
    assert spy.seen == []
    assert QApplication.activeModalWidget() is None
    assert not [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()
    ]
    assert unit.asset_tag in {r.asset_tag for r in win.inventory_tab.model.rows()}


def test_a_read_while_locked_waits_for_the_sign_in(qtbot, demo_db):
    state = AppState(demo_ctx(demo_db, "admin"))
    got: list[object] = []
    state.set_locked(True)
    state.set_actor(None)
    state.read(lambda ctx: ctx.require(Permission.READ).username, got.append)
    qtbot.wait(200)
    assert got == [] and not state.runner.busy  # nothing ran
    state.set_actor(demo_ctx(demo_db, "admin").actor)
    state.set_locked(False)
    qtbot.waitUntil(lambda: got == ["admin"], timeout=5000)
    state.runner.shutdown()


def test_many_refreshes_while_locked_are_one_read_after(qtbot, demo_db):
    state = AppState(demo_ctx(demo_db, "admin"))
    calls: list[int] = []

    class View(QObject):
        def refresh(self) -> None:
            state.read(lambda _ctx: calls.append(1), self.done)

        def done(self, _result: object) -> None:
            pass

    view = View()
    state.set_locked(True)
    for _ in range(50):  # a one-second timer over a long lock
        view.refresh()
    state.set_locked(False)
    qtbot.waitUntil(lambda: not state.runner.busy, timeout=5000)
    assert calls == [1]
    state.runner.shutdown()


def test_a_write_while_locked_is_refused_silently(qtbot, demo_db, monkeypatch):
    state = AppState(demo_ctx(demo_db, "admin"))
    shown: list[BaseException] = []
    state.error_handler = shown.append
    errors: list[BaseException] = []
    state.set_locked(True)
    state.set_actor(None)
    state.write(lambda ctx: pytest.fail("must not run"), None, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], PermissionDenied)
    state.write(lambda ctx: pytest.fail("must not run"))
    qtbot.waitUntil(lambda: not state.runner.busy, timeout=5000)
    assert shown == []  # the default handler says nothing about a refusal by the lock
    state.runner.shutdown()


def test_a_dialog_opened_while_locked_never_shows_and_the_password_field_keeps_the_focus(
    qtbot, demo_db
):
    """The last line of defence: a late result that opens a message box anyway."""
    state = AppState(demo_ctx(demo_db, "admin"))
    win = MainWindow(state, "Test PD")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    activate(qtbot, win)
    win.lock(idle=False)
    form = win.lock_screen.form
    qtbot.keyClicks(form.user_edit, "adm")
    answers: list[object] = []
    QTimer.singleShot(
        0, lambda: answers.append(QMessageBox.question(win, "Restore", "Replace everything?"))
    )
    qtbot.waitUntil(lambda: bool(answers), timeout=5000)
    assert answers[0] != QMessageBox.StandardButton.Yes  # closed as if answered No
    assert win.popup_guard.closed == ["Restore: Replace everything?"]
    assert QApplication.activeModalWidget() is None
    assert QApplication.focusWidget() is form.user_edit
    type_at_focus(qtbot, "in")
    assert form.user_edit.text() == "admin"
    win.close()
    state.runner.shutdown()


def test_the_status_bar_shows_no_agency_data_while_locked(qtbot, demo_db):
    class Alert:
        text = "DOCK-C bay 4: camera V3C0009921 is not in the inventory."

    state = AppState(demo_ctx(demo_db, "admin"))
    win = MainWindow(state, "Test PD")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win._dock_alerts((Alert(),))
    assert win.alerts_button.isVisible() and win.ledger_label.isVisible()
    win.lock(idle=True)
    assert not win.alerts_button.isVisible() and not win.ledger_label.isVisible()
    win._dock_alerts((Alert(), Alert()))  # a board read that was under way at the lock
    state.message.emit("Exported 475 units rows to /home/pat/units.csv", 0)  # an export's
    assert not win.alerts_button.isVisible()
    assert win.status_line.text() == ""
    form = win.lock_screen.form
    qtbot.keyClicks(form.user_edit, "admin")
    qtbot.keyClicks(form.password_edit, PASSWORDS["admin"])
    with qtbot.waitSignal(win.lock_screen.unlocked, timeout=15_000):
        qtbot.keyClick(form.password_edit, Qt.Key.Key_Return)
    assert win.alerts_button.isVisible() and "2 dock alerts" in win.alerts_button.text()
    assert win.ledger_label.isVisible()
    win.close()
    state.runner.shutdown()


def test_an_unreachable_directory_is_said_on_the_lock_screen_without_a_box(
    qtbot, demo_db, spy, monkeypatch
):
    """A directory user at the lock screen while the directory is down: the form says so
    and a line stays; nothing pops up; a local account still signs in."""
    from bwc_desk.services import directory_signin
    from bwc_desk.services.directory_signin import UNREACHABLE, DirectoryDown

    class Down:
        group_roles = {"BWC-Admins": directory_signin.Role.ADMIN}

        def bind(self, username: str, password: str) -> directory_signin.DirectoryAccount:
            raise DirectoryDown("connection refused")

    monkeypatch.setattr(directory_signin, "configured_gate", lambda ctx: Down())
    state = AppState(demo_ctx(demo_db, "admin"))
    win = MainWindow(state, "Harbor City Police Department (demo)")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.lock(idle=False)
    form = win.lock_screen.form
    qtbot.keyClicks(form.user_edit, "dana.directory")
    qtbot.keyClicks(form.password_edit, "her directory password")
    qtbot.keyClick(form.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.sign_in_button.isEnabled(), timeout=15_000)
    assert form.error_label.text() == UNREACHABLE
    note = win.lock_screen.directory_note
    assert note.isVisibleTo(win.lock_screen) and "local accounts still sign in" in note.text()
    assert spy.seen == [] and QApplication.activeModalWidget() is None
    assert form.password_edit.hasFocus() and form.password_edit.text() == ""
    form.user_edit.setText("sgt.reyes")
    qtbot.keyClicks(form.password_edit, PASSWORDS["sgt.reyes"])
    with qtbot.waitSignal(win.lock_screen.unlocked, timeout=15_000):
        qtbot.keyClick(form.password_edit, Qt.Key.Key_Return)
    assert not win.locked and not note.isVisibleTo(win.lock_screen)
    assert spy.seen == []
    state.runner.shutdown()

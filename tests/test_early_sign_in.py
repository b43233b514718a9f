"""The sign-in form on the screen before the database is opened (ui/early_sign_in.py,
app.sign_in_form_first): only where the database has been set up, nothing typed sent before
the launcher connects the form, and the form gone before the start says anything else."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QLockFile, Qt
from PySide6.QtWidgets import QMessageBox

from bwc_desk.app import sign_in_form_first
from bwc_desk.store import config, paths
from bwc_desk.ui.early_sign_in import EarlySignIn
from tests.conftest import PASSWORD
from tests.test_sign_in_badge_scan import BADGE_SCANNED, scan, type_by_hand

ROOT = Path(__file__).resolve().parents[1]


def args(**given: object) -> argparse.Namespace:
    return argparse.Namespace(**given)


def test_only_a_database_already_set_up_gets_the_form_first(tmp_path, monkeypatch):
    monkeypatch.delenv("BWC_DESK_DATABASE_URL", raising=False)
    file = tmp_path / "agency.sqlite3"
    assert not config.set_up_database_named(str(file))  # (none yet: the first-run dialog)
    file.write_bytes(b"")
    assert not config.set_up_database_named(str(file))  # (0 bytes: never an agency)
    file.write_bytes(b"SQLite format 3\0" + b"\0" * 100)
    assert config.set_up_database_named(str(file))
    assert config.set_up_database_named(f"sqlite+pysqlite:///{file}")
    assert config.set_up_database_named("postgresql+psycopg://desk@db.example/bwc")
    assert not config.set_up_database_named("sqlite://")  # (in memory)
    # Without --database: the environment, then station.json, then the user data folder.
    assert not config.set_up_database_named(None)
    paths.default_db_path().parent.mkdir(parents=True, exist_ok=True)
    paths.default_db_path().write_bytes(b"SQLite format 3\0")
    assert config.set_up_database_named(None)
    monkeypatch.setenv("BWC_DESK_DATABASE_URL", str(tmp_path / "elsewhere.sqlite3"))
    assert not config.set_up_database_named(None)


def test_neither_the_demo_nor_a_sign_in_on_stdin_shows_the_form_first(tmp_path):
    file = tmp_path / "agency.sqlite3"
    file.write_bytes(b"SQLite format 3\0")
    assert sign_in_form_first(args(database=str(file)))
    assert not sign_in_form_first(args(database=str(file), demo=True))
    assert not sign_in_form_first(args(database=str(file), sign_in_stdin=True))
    # A new station (no file yet): the first-run dialog, no form first.
    assert not sign_in_form_first(args(database=str(tmp_path / "new.sqlite3")))


def test_a_sign_in_typed_before_the_database_is_open_is_sent_once_connected(qtbot):
    early = EarlySignIn("DESK-1")
    dialog = early.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    early.show()
    assert dialog.isVisible() and "BWC Desk" in dialog.heading.text()
    assert "opening the database" in dialog.heading.text()  # (what it waits for)
    qtbot.keyClicks(dialog.user_edit, "quinn")
    qtbot.keyClicks(dialog.password_edit, "a password")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    sent: list[tuple[str, str]] = []
    connected = early.connect(lambda user, password, *_a, **_k: sent.append((user, password)),
                              lambda *_a, **_k: None, "Hartford Police")
    assert connected is dialog
    assert "Hartford Police" in dialog.heading.text() and "DESK-1" in dialog.heading.text()
    assert "opening" not in dialog.heading.text()
    qtbot.waitUntil(lambda: sent == [("quinn", "a password")], timeout=5000)


def test_a_badge_scanned_before_the_database_is_open_is_a_badge(qtbot):
    """A quartermaster scans their badge and types their PIN while the database opens: the
    keys wait in the window system's queue and reach the form together, each with its own
    time, so the scan is still a scan: the form turns to Badge and PIN, and the PIN and
    Enter typed after it are sent with the badge once the launcher connects the form."""
    early = EarlySignIn("DESK-1")
    dialog = early.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    early.show()
    form = dialog.form
    scan(form.user_edit, "STAFF-0042")
    assert form.tabs.currentIndex() == 1 and form.badge_edit.text() == "STAFF-0042"
    assert form.user_edit.text() == "" and form.error_label.text() == BADGE_SCANNED
    type_by_hand(form.pin_edit, "480271")
    sent: list[tuple[str, ...]] = []
    early.connect(lambda user, password, *_a, **_k: sent.append(("password", user, password)),
                  lambda badge, pin, *_a, **_k: sent.append(("badge", badge, pin)),
                  "Hartford Police")
    qtbot.waitUntil(lambda: sent == [("badge", "STAFF-0042", "480271")], timeout=5000)


def test_a_dropped_form_sends_nothing(qtbot):
    early = EarlySignIn("DESK-1")
    dialog = early.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    early.show()
    type_by_hand(dialog.user_edit, "quinn")
    early.drop()
    assert not dialog.isVisible() and early.dialog is None


def test_the_launcher_drops_the_form_before_it_says_the_database_is_in_use(
    qtbot, tmp_path, monkeypatch
):
    from bwc_desk.launcher import Launcher

    database = tmp_path / "agency.sqlite3"
    database.write_bytes(b"SQLite format 3\0")
    other = QLockFile(f"{database.resolve()}.lock")  # (another BWC Desk on this file)
    assert other.tryLock(100)
    early = EarlySignIn("DESK-1")
    dialog = early.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    early.show()
    seen: list[bool] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda *_a, **_k: seen.append(dialog.isVisible()))
    monkeypatch.setattr(QLockFile, "removeStaleLockFile", lambda _self: False)
    from PySide6.QtWidgets import QApplication

    launcher = Launcher(QApplication.instance(), args(), str(tmp_path), early=early)
    try:
        assert launcher._lock(database) is False
    finally:
        other.unlock()
    assert seen == [False]  # (the message came, and the form had gone before it)
    assert launcher.early is None


def test_a_person_signs_in_on_the_form_shown_before_sqlalchemy_is_loaded(tmp_path):
    # The whole start as a process, the form driven as the window system would (the
    # person-path benchmark's driver): painted before SQLAlchemy was imported, then signed
    # in through it to the first view's rows.
    env = dict(os.environ, BWC_DESK_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    db = tmp_path / "station.sqlite3"
    subprocess.run(
        [sys.executable, "-m", "bwc_desk", "users", "add", "admin", "--role", "admin",
         "--password-stdin", "--database", str(db)],
        input=PASSWORD + "\n", check=True, capture_output=True, text=True, env=env,
        timeout=120,
    )
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.sign_in_path", str(db), "admin", PASSWORD, "0.5"],
        capture_output=True, text=True, env=env, timeout=120, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "BWC-SIGN-IN-SHOWN stack_loaded=False" in result.stdout
    assert "BWC-DESK-DATA" in result.stdout and "BWC-SIGN-IN-PATH" in result.stdout


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_keys_still_being_typed_when_the_form_goes_reach_nothing(qtbot):
    # Someone typing their password as the form gives way to a message (or to the first-run
    # dialog): the rest of their typing, Enter included, must not dismiss the message unread
    # nor land in clear in a name field. Keys count again once the keyboard was quiet.
    from PySide6.QtWidgets import QLineEdit

    from bwc_desk.ui.early_sign_in import TypingAhead

    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    entered: list[str] = []
    field.returnPressed.connect(lambda: entered.append(field.text()))
    clock = Clock()
    guard = TypingAhead(quiet_s=0.8, clock=clock)
    guard.start()
    try:
        for char in "pass-99":
            clock.now += 0.15  # (a person's pace: never a pause of 0.8 s)
            qtbot.keyClick(field, char)
        qtbot.keyClick(field, Qt.Key.Key_Return)
        assert field.text() == "" and entered == []
        assert guard.thrown == len("pass-99") + 1
        clock.now += 1.0  # (they stopped, and read what the screen says)
        qtbot.keyClicks(field, "ok")
        qtbot.keyClick(field, Qt.Key.Key_Return)
    finally:
        guard.stop()
    assert entered == ["ok"]


def test_dropping_the_form_guards_against_typing_ahead(qtbot):
    early = EarlySignIn("DESK-1")
    assert early.dialog is not None
    qtbot.addWidget(early.dialog)
    early.show()
    early.drop()
    guard = early.typing_ahead
    assert guard is not None
    guard.stop()

"""Every test gets its own database file and its own app folders."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bwc_desk.domain.roles import Role
from bwc_desk.services import auth
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.dto import StaffRow
from bwc_desk.services.startup import open_database
from bwc_desk.store.db import Database, sqlite_url
from tests.ldap import directory, ldap_server  # noqa: F401  (fixtures: a real OpenLDAP server)

PASSWORD = "correct horse battery"


class FakeClock:
    """A clock the test moves by hand; starts on a Tuesday morning."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 24, 6, 45, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture(autouse=True)
def _app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("BWC_DESK_HOME", str(home))
    monkeypatch.delenv("BWC_DESK_DATABASE_URL", raising=False)
    return home


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# Store and service tests run on SQLite and on PostgreSQL, the rest on SQLite only. A module
# asks for both with one line under its imports:
#     pytestmark = pytest.mark.both_backends
# Its tests that take the ``backend`` fixture (through ``db``, ``admin_ctx``...) then run twice;
# the PostgreSQL run is also marked ``pg`` (``-m "not pg"`` leaves it out).
BOTH_BACKENDS_MARK = "both_backends"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: the test is about SQLite itself")


@pytest.fixture(autouse=True)
def _qt_garbage_on_the_main_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """As in the application (ui/garbage.py): while a Qt test runs, Python does not collect
    cycles by itself, or a worker thread that happens to run a collection frees the test's
    dialogs there (Qt: "QBasicTimer::stop: Failed. Possibly trying to stop from a different
    thread", then a segmentation fault that ended a whole run). They are collected after the
    test, on the main thread. Tests without Qt keep Python's collection (a flood of bad dock
    messages makes cycles by the hundred thousand)."""
    qt = "qtbot" in request.fixturenames or "qapp" in request.fixturenames
    if qt:
        gc.disable()
    try:
        yield
    finally:
        if qt:
            gc.collect(1)
            gc.enable()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    definition = metafunc.definition
    if (
        "backend" in metafunc.fixturenames
        and definition.get_closest_marker(BOTH_BACKENDS_MARK) is not None
        and definition.get_closest_marker("sqlite_only") is None
    ):
        metafunc.parametrize(
            "backend",
            ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)],
            indirect=True,
        )


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def db_url(tmp_path: Path, backend: str) -> Iterator[str]:
    if backend == "sqlite":
        yield sqlite_url(tmp_path / "test.sqlite3")
        return
    from tests import pg

    admin = pg.admin_url()  # fails instead when PostgreSQL is required (make test)
    if admin is None:
        pytest.skip(pg.skip_reason())
    url = pg.new_database(admin)
    yield url
    pg.drop_database(admin, url)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    opened = open_database(db_url)
    yield opened.db
    opened.db.dispose()


@pytest.fixture
def admin_ctx(db: Database, clock: FakeClock) -> Ctx:
    actor = auth.first_run(
        db,
        agency_name="Test PD",
        station="DESK-1",
        username="admin",
        password=PASSWORD,
        display_name="Ada Admin",
        clock=clock,
    )
    import zoneinfo

    from bwc_desk.services.context import utc_now  # noqa: F401

    return Ctx(db, "DESK-1", actor, clock, zoneinfo.ZoneInfo("America/New_York"))


def own_password(ctx: Ctx, staff_id: int) -> None:
    """As if the account had chosen its password at its first sign-in (an administrator's is
    temporary): for tests whose subject is not that."""
    auth.mark_password_own(ctx.db, staff_id)


def add_own(ctx: Ctx, *args: Any, **kwargs: Any) -> StaffRow:
    """auth.add_staff, with the password then the account's own (tests about something else
    than temporary passwords: tests/test_temporary_passwords.py)."""
    row = auth.add_staff(ctx, *args, **kwargs)
    auth.mark_password_own(ctx.db, row.id)
    return row


def make_actor(ctx: Ctx, role: Role, name: str) -> Ctx:
    row = auth.add_staff(ctx, name, role, PASSWORD, display_name=name.title())
    own_password(ctx, row.id)
    return ctx.as_actor(Actor(row.id, row.username, row.display_name, row.role))


@pytest.fixture
def qm_ctx(admin_ctx: Ctx) -> Ctx:
    return make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")


@pytest.fixture
def sup_ctx(admin_ctx: Ctx) -> Ctx:
    return make_actor(admin_ctx, Role.SUPERVISOR, "sam")


@pytest.fixture
def auditor_ctx(admin_ctx: Ctx) -> Ctx:
    return make_actor(admin_ctx, Role.AUDITOR, "audrey")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo agency with two days of history, built once per test run (the services
    take a few seconds for it); tests get their own copy."""
    from bwc_desk.services.demo import seed_demo

    folder = tmp_path_factory.mktemp("demo-template")
    path = folder / "demo.sqlite3"
    # (Built before any test's own home is set: its station key goes to a home of its own,
    # not to the home of whoever runs the tests.)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BWC_DESK_HOME", str(folder / "home"))
        opened = open_database(sqlite_url(path))
        seed_demo(opened.db, days=2)
        opened.db.dispose()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Iterator[Database]:
    import shutil

    path = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, path)
    database = open_database(sqlite_url(path)).db
    yield database
    database.dispose()


def demo_ctx(database: Database, username: str = "qm.jordan") -> Ctx:
    from bwc_desk.services.demo import DEMO_ACCOUNTS

    password = {u: p for u, p, _r in DEMO_ACCOUNTS}[username]
    ctx = Ctx(database, "EVIDENCE-DESK-1")
    return ctx.as_actor(auth.sign_in(ctx, username, password))


def activate(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Make the window the active one, as a click on it would: shortcuts need that."""
    from PySide6.QtWidgets import QApplication

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)


# --- answering modal dialogs ------------------------------------------------------------------
_answer_generation = [0]


@pytest.fixture(autouse=True)
def _no_stale_answers() -> Iterator[None]:
    yield
    _answer_generation[0] += 1  # polls of a finished test stop instead of answering the next
    # A dialog a failed test left open goes with it: left, it answered (or crashed) the next
    # test's dialog flow once its view was gone.
    import sys

    if "PySide6.QtWidgets" in sys.modules:
        from PySide6.QtWidgets import QApplication, QDialog

        if QApplication.instance() is not None:
            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, QDialog) and widget.isVisible():
                    widget.reject()


def answer(qtbot, action, kind: type | None = None, tries: int = 3000) -> None:  # type: ignore[no-untyped-def]
    """Answer the next modal dialog when it opens (dialogs block until answered), polling for
    up to a minute (a password check behind it takes seconds on a loaded machine). A failed
    check in ``action`` rejects the dialog, so that the test fails instead of hanging."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog

    generation = _answer_generation[0]

    def poll(left: int) -> None:
        if generation != _answer_generation[0] or left == 0:
            return
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog) and (kind is None or isinstance(dialog, kind)):
            try:
                action(dialog)
            except BaseException:
                dialog.reject()
                raise
        else:
            QTimer.singleShot(20, lambda: poll(left - 1))

    QTimer.singleShot(0, lambda: poll(tries))

"""The files BWC Desk keeps are private (Linux): 0600 files in 0700 folders; a read-only
folder and a full disk are said as such, never as damage or a traceback."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import event

from bwc_desk.__main__ import main
from bwc_desk.domain.errors import DomainError
from bwc_desk.services import auth, backups, inventory
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.startup import open_database
from bwc_desk.store import paths
from bwc_desk.store.db import Database, DiskFullError, ReadOnlyError, sqlite_url

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are for Linux/macOS")
FULL = "the disk holding the database is full; nothing was written"


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def _usual_umask() -> Iterator[None]:
    old = os.umask(0o022)  # what a desktop session has: files readable by everyone
    yield
    os.umask(old)


def test_database_wal_and_backups_are_private(clock):
    path = paths.default_db_path()
    db = open_database(sqlite_url(path)).db
    actor = auth.first_run(db, agency_name="X", station="D", username="admin",
                           password="correct horse battery", display_name="A", clock=clock)
    from bwc_desk.services.context import Ctx

    ctx = Ctx(db, "D", actor, clock)
    inventory.add_unit(ctx, UnitInput("HPD-1", "S-1"))
    made = backups.backup_now(ctx)
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), made.path):
        assert mode(file) == 0o600, file
    for folder in (paths.data_dir(), made.path.parent):
        assert mode(folder) == 0o700, folder
    db.dispose()


def test_files_left_open_by_an_older_version_are_tightened(admin_ctx):
    made = backups.backup_now(admin_ctx)
    path = admin_ctx.db.path
    admin_ctx.db.dispose()
    for file, wide in ((path, 0o644), (made.path, 0o644), (made.path.parent, 0o755)):
        file.chmod(wide)
    db = open_database(sqlite_url(path)).db
    backups.backup_now(replace(admin_ctx, db=db))
    assert mode(path) == 0o600 and mode(made.path) == 0o600
    assert mode(made.path.parent) == 0o700
    db.dispose()


def test_logs_are_private_also_after_rotation():
    from bwc_desk import app

    folder = paths.log_dir()
    handler = app.private_log_handler(folder)
    crash = app.open_crash_log(folder)
    try:
        handler.emit(logging.makeLogRecord({"msg": "Officer 0412 signed out HPD-1"}))
        handler.doRollover()
        handler.emit(logging.makeLogRecord({"msg": "after rotation"}))
        for file in (folder / "bwc-desk.log", folder / "bwc-desk.log.1", folder / "crash.log"):
            assert mode(file) == 0o600, file
        assert mode(folder) == 0o700
    finally:
        handler.close()
        crash.close()


def test_station_file_is_written_privately_and_whole():
    target = paths.config_file()
    paths.private_write(target, '{"database_url": "postgresql://desk:secret@db/bwc"}')
    assert mode(target) == 0o600 and mode(target.parent) == 0o700
    assert not list(target.parent.glob("*.tmp"))


# --- a read-only place -------------------------------------------------------------------
# The tests run as root, who may write anywhere: chmod cannot make a folder read-only for
# them, and mounting needs privileges a test should not take. So the errors the operating
# system and SQLite give a normal account are injected where they arise, and the real
# SQLITE_READONLY is produced with PRAGMA query_only.
def test_a_read_only_folder_is_said_as_such_not_damage(tmp_path, monkeypatch):
    def refuse(path: Path) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(paths, "create_private_file", refuse)
    path = tmp_path / "locked" / "bwc.sqlite3"
    with pytest.raises(ReadOnlyError, match="read-only") as err:
        open_database(sqlite_url(path))
    assert "damaged" not in str(err.value)


def test_an_existing_database_in_a_read_only_place_is_said_as_such(admin_ctx, monkeypatch):
    import bwc_desk.store.db as store_db

    monkeypatch.setattr(store_db.os, "access", lambda *_a, **_k: False)
    event.listen(admin_ctx.db.engine, "connect",
                 lambda conn, _r: conn.execute("PRAGMA query_only=ON"))
    admin_ctx.db.engine.dispose()
    with pytest.raises(ReadOnlyError, match="read-only for this account"):
        inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))


def test_cannot_open_in_a_read_only_folder_is_not_damage(tmp_path, monkeypatch):
    import bwc_desk.store.db as store_db

    path = tmp_path / "bwc.sqlite3"
    open_database(sqlite_url(path)).db.dispose()
    error = sqlite3.OperationalError("unable to open database file")
    error.sqlite_errorcode = 14  # type: ignore[attr-defined]

    def cannot_open(*_a, **_k):
        raise error

    monkeypatch.setattr(store_db.os, "access", lambda *_a, **_k: False)
    monkeypatch.setattr(store_db.sqlite3, "connect", cannot_open)
    with pytest.raises(ReadOnlyError):
        open_database(sqlite_url(path))


# --- a full disk ----------------------------------------------------------------------------
def fill_up(db: Database) -> None:
    """SQLITE_FULL for real: no page may be added to the file (PRAGMA max_page_count)."""
    def limit(conn, _record):
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count={pages}")

    event.listen(db.engine, "connect", limit)
    db.engine.dispose()


def test_a_full_disk_is_said_and_nothing_is_written(admin_ctx):
    fill_up(admin_ctx.db)
    with pytest.raises(DiskFullError, match="(?i)" + FULL):
        for i in range(2000):
            inventory.add_unit(admin_ctx, UnitInput(f"HPD-{i}", f"S-{i}", notes="x" * 500))
    added = len(inventory.list_units(admin_ctx))
    assert added < 2000
    from bwc_desk.services.verify import check_database

    assert check_database(admin_ctx.db).ok  # the failed transaction left no trace


def _full_error() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = 13  # type: ignore[attr-defined]  # SQLITE_FULL
    return error


class _FullCursor(sqlite3.Cursor):
    def execute(self, sql, *args):  # type: ignore[no-untyped-def, override]
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            raise _full_error()
        return super().execute(sql, *args)

    def executemany(self, sql, *args):  # type: ignore[no-untyped-def, override]
        raise _full_error()


class _FullConnection(sqlite3.Connection):
    def cursor(self, factory=_FullCursor):  # type: ignore[no-untyped-def, override]
        return super().cursor(factory)


@pytest.fixture
def full_disk(monkeypatch):
    """Every write of the commands below gets SQLite's own "database or disk is full"
    (SQLITE_FULL). Injected at the connection: a small write (one staff row) fits into a
    page that still has room, so a page limit alone would not stop it."""
    import bwc_desk.store.db as store_db

    def creator(path: Path):
        return lambda: sqlite3.connect(path, timeout=15, check_same_thread=False,
                                       factory=_FullConnection)

    return lambda: monkeypatch.setattr(store_db, "_private_creator", creator)


@pytest.mark.parametrize(
    "command",
    [
        ["import", "units", "{csv}"],
        ["users", "add", "chief", "--role", "admin", "--password-stdin"],  # the first admin
        ["backup", "{backups}"],
        ["self-test"],
    ],
)
def test_every_command_says_the_disk_is_full(command, tmp_path, capsys, full_disk, monkeypatch):
    import io

    db_path = tmp_path / "bwc.sqlite3"
    opened = open_database(sqlite_url(db_path))
    if command[0] in ("import", "backup"):  # changes by an administrator, signed in (--as)
        auth.first_run(opened.db, agency_name="Test PD", station="DESK-1", username="chief",
                       password="a long enough password 1")
        command = [*command, "--as", "chief", "--password-stdin"]
    opened.db.dispose()
    csv = tmp_path / "units.csv"
    csv.write_text("asset_tag,serial,notes\n" + "".join(
        f"HPD-{i},S-{i},{'n' * 300}\n" for i in range(3000)), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password 1\n"))
    args = [a.format(csv=csv, backups=tmp_path / "b") for a in command]
    full_disk()
    code = main([*args, "--database", str(db_path)])
    captured = capsys.readouterr()
    assert code == 1
    assert FULL in (captured.out + captured.err).lower()
    assert "Traceback" not in captured.err


def test_a_backup_to_a_full_disk_says_so(admin_ctx, tmp_path, monkeypatch):
    import bwc_desk.services.backups as service

    def no_room(_source, _dest):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(service, "backup_sqlite", no_room)
    with pytest.raises(DomainError, match="disk holding the backup folder is full"):
        backups.backup_now(admin_ctx, tmp_path / "b")


def test_verify_of_a_file_that_cannot_be_opened_is_a_message(admin_ctx, monkeypatch, capsys):
    import bwc_desk.services.startup as startup

    path = admin_ctx.db.path
    admin_ctx.db.dispose()

    def cannot_open(*_a, **_k):  # what a normal account gets where the -shm cannot be made
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(startup, "sqlite_schema_problem", cannot_open)
    assert main(["verify", "--database", str(path)]) == 1
    err = capsys.readouterr().err
    assert "cannot be opened to be checked" in err and "Traceback" not in err

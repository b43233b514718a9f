"""Nothing lost: a damaged file where the database should be is refused, never a fresh start,
and the newest good backup comes back (command line and app), the damaged file kept aside."""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
from pathlib import Path

import pytest

from bwc_desk.__main__ import main
from bwc_desk.domain.roles import Role
from bwc_desk.services import audit, auth, backups, inventory, settings
from bwc_desk.services.context import Ctx
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.startup import DamagedDatabase, open_database
from bwc_desk.store.backup import read_database_id, sha256_file
from bwc_desk.store.db import sqlite_url
from tests.conftest import PASSWORD, make_actor

DAMAGE = ["zero-bytes", "garbage-header", "torn-page", "truncated", "foreign"]
# What is cheap to see at any open (the header and sizes); a torn page takes quick_check.
SEEN_AT_OPEN = ["zero-bytes", "garbage-header", "truncated", "foreign"]


def close(ctx: Ctx) -> Path:
    path = ctx.db.path
    assert path is not None
    ctx.db.dispose()  # the last connection checkpoints and removes the WAL
    assert not Path(f"{path}-wal").exists()
    return path


def damage(path: Path, kind: str) -> bytes:
    """Damage the closed database file as a disk, a crash or a person would."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    if kind == "zero-bytes":  # a sync tool or a full disk wrote nothing
        data = bytearray()
    elif kind == "garbage-header":
        data[0:16] = b"garbage garbage!"
    elif kind == "torn-page":
        # Half of the custody ledger's page holds another write (a power cut mid-write).
        raw = sqlite3.connect(path)
        (root,) = raw.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'custody_events'"
        ).fetchone()
        raw.close()
        start = (root - 1) * page
        data[start : start + page // 2] = bytes((i * 37 + 11) % 251 for i in range(page // 2))
    elif kind == "truncated":  # a copy cut short
        data = data[: (len(data) // page // 2) * page]
    elif kind == "foreign":  # another program's SQLite file at our path
        path.unlink()
        other = sqlite3.connect(path)
        other.execute("CREATE TABLE notes (x TEXT)")
        other.execute("INSERT INTO notes VALUES ('hello')")
        other.commit()
        other.close()
        return path.read_bytes()
    path.write_bytes(bytes(data))
    return bytes(data)


@pytest.fixture
def saved(admin_ctx):
    """A database with one camera and a backup of it; then a second camera, not backed up."""
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    made = backups.backup_now(admin_ctx)
    inventory.add_unit(admin_ctx, UnitInput("HPD-2", "S-2"))
    return made


def tags(ctx: Ctx) -> list[str]:
    return [u.asset_tag for u in inventory.list_units(ctx)]


def aside_files(path: Path) -> list[Path]:
    """The damaged database files kept aside (their -wal and -shm go with them)."""
    return sorted(p for p in path.parent.glob(f"{path.name}.damaged-*")
                  if not p.name.endswith(("-wal", "-shm")))


@pytest.mark.parametrize("kind", SEEN_AT_OPEN)
def test_a_damaged_file_is_refused_at_open_and_left_alone(admin_ctx, saved, kind):
    path = close(admin_ctx)
    before = damage(path, kind)
    with pytest.raises(DamagedDatabase) as err:
        open_database(sqlite_url(path))
    assert err.value.backup == saved.path
    assert "bwc-desk restore" in str(err.value)
    assert path.read_bytes() == before  # never "repaired" into an empty database


def test_a_torn_page_is_refused_when_the_pages_are_checked(admin_ctx, saved):
    path = close(admin_ctx)
    damage(path, "torn-page")
    with pytest.raises(DamagedDatabase, match="quick_check") as err:
        open_database(sqlite_url(path), quick_check_up_to=1 << 30)
    assert err.value.backup == saved.path


def test_first_run_only_when_no_file_exists(tmp_path):
    path = tmp_path / "new" / "bwc.sqlite3"
    opened = open_database(sqlite_url(path))
    assert auth.needs_setup(opened.db)
    opened.db.dispose()
    # The new file appears complete, under its own name, or not at all.
    assert not list(path.parent.glob("*.new*"))
    path.write_bytes(b"")
    with pytest.raises(DamagedDatabase, match="empty"):
        open_database(sqlite_url(path))


def test_a_crash_while_creating_leaves_no_empty_database(tmp_path, monkeypatch):
    from bwc_desk.store import migrate

    def crash(*_a, **_k):
        raise RuntimeError("power cut")

    monkeypatch.setattr(migrate, "upgrade", crash)
    path = tmp_path / "bwc.sqlite3"
    with pytest.raises(RuntimeError):
        open_database(sqlite_url(path))
    assert not path.exists()
    monkeypatch.undo()
    assert open_database(sqlite_url(path)).migrated_from is None  # a clean first run


@pytest.mark.parametrize("kind", ["zero-bytes", "garbage-header"])
def test_verify_and_self_test_fail_on_a_damaged_file(admin_ctx, saved, kind, capsys):
    path = close(admin_ctx)
    before = damage(path, kind)
    assert main(["verify", "--database", str(path)]) == 1
    assert main(["self-test", "--database", str(path)]) == 1
    captured = capsys.readouterr()
    assert "OK, 0 records" not in captured.out
    assert "damaged" in captured.err and "self-test FAILED" in captured.out
    assert path.read_bytes() == before


@pytest.mark.parametrize("kind", DAMAGE)
def test_restore_command_brings_back_the_newest_good_backup(admin_ctx, saved, kind, capsys):
    path = close(admin_ctx)
    before = damage(path, kind)
    assert main(["restore", str(saved.path), "--database", str(path)]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    kept = aside_files(path)
    assert len(kept) == 1 and kept[0].read_bytes() == before  # moved aside, not deleted
    assert re.fullmatch(r".*\.damaged-\d{8}-\d{6}", kept[0].name)
    assert str(kept[0]) in out
    assert tags(admin_ctx) == ["HPD-1"]
    assert main(["verify", "--database", str(path)]) == 0


def test_restore_without_a_file_takes_the_newest_good_backup(admin_ctx, saved, capsys):
    path = close(admin_ctx)
    damage(path, "zero-bytes")
    assert main(["restore", "--database", str(path)]) == 0
    assert str(saved.path) in capsys.readouterr().out
    assert tags(admin_ctx) == ["HPD-1"]


def test_the_newest_good_backup_skips_one_that_does_not_verify(admin_ctx, saved, clock):
    clock.advance(minutes=5)
    newer = backups.backup_now(admin_ctx)
    raw = sqlite3.connect(newer.path)
    raw.execute("DROP TRIGGER custody_events_no_update")
    raw.execute("UPDATE custody_events SET staff_username = 'mallory'")
    raw.commit()
    raw.close()
    path = close(admin_ctx)
    damage(path, "zero-bytes")
    with pytest.raises(DamagedDatabase) as err:
        open_database(sqlite_url(path))
    assert err.value.backup == saved.path


def test_a_failed_restore_is_summed_up_in_a_line(admin_ctx, saved, capsys):
    # An index that no longer matches its table: integrity_check lists every row (100).
    raw = sqlite3.connect(saved.path)
    (name,) = raw.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                          "tbl_name = 'audit_log' AND sql IS NOT NULL").fetchone()
    raw.execute("PRAGMA writable_schema=ON")
    raw.execute("UPDATE sqlite_master SET sql = ? WHERE name = ?",
                (f"CREATE INDEX {name} ON audit_log(hash)", name))
    raw.commit()
    raw.close()
    path = close(admin_ctx)
    assert as_admin("restore", str(saved.path), "--database", str(path)) == 1
    err = capsys.readouterr().err
    assert "was not restored" in err and "problems" in err
    assert len(err.strip().splitlines()) <= 2 and len(err) < 800
    assert tags(admin_ctx) == ["HPD-1", "HPD-2"]  # the database is as it was


# --- the app ----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", DAMAGE)
def test_the_app_offers_the_backup_and_opens_on_the_restored_data(
    qtbot, qapp, admin_ctx, saved, kind, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox
    from sqlalchemy import select

    from bwc_desk.launcher import Launcher
    from bwc_desk.services import stations
    from bwc_desk.store.models import AuditRecord
    from tests.conftest import answer

    # The restore is recorded under this PC's station name, as the command line names it.
    monkeypatch.setattr(stations, "configured_name", lambda: "DESK-7")
    path = close(admin_ctx)
    before = damage(path, kind)
    shown: list[str] = []

    def accept_restore(box: QMessageBox) -> None:
        shown.append(box.text() + box.informativeText())
        [button] = [b for b in box.buttons() if b.text() == "Restore this backup"]
        button.click()
        answer(qtbot, confirm_done, QMessageBox)

    def confirm_done(box: QMessageBox) -> None:
        shown.append(box.text())
        box.accept()

    launcher = Launcher(qapp, argparse.Namespace(database=str(path)), "/tmp/logs")
    answer(qtbot, accept_restore, QMessageBox)
    db = launcher._open(sqlite_url(path))
    assert db is not None
    try:
        assert "damaged" in shown[0] and str(saved.path) in shown[0]
        [kept] = aside_files(path)
        assert kept.read_bytes() == before and str(kept) in shown[1]
        ctx = admin_ctx.as_actor(admin_ctx.actor)
        from dataclasses import replace

        ctx = replace(ctx, db=db)
        assert tags(ctx) == ["HPD-1"]
        assert not auth.needs_setup(db)  # sign-in, not the first-run dialog
        with db.read() as session:
            restored = session.execute(
                select(AuditRecord.station).where(AuditRecord.event == "restore")
            ).scalars().all()
        assert restored[-1:] == ["DESK-7"]
    finally:
        db.dispose()


def test_the_app_quits_without_touching_the_file_when_the_restore_is_declined(
    qtbot, qapp, admin_ctx, saved
):
    from PySide6.QtWidgets import QMessageBox

    from bwc_desk.launcher import Launcher
    from tests.conftest import answer

    path = close(admin_ctx)
    before = damage(path, "zero-bytes")

    def quit_(box: QMessageBox) -> None:
        [button] = [b for b in box.buttons() if b.text() == "Quit"]
        button.click()

    launcher = Launcher(qapp, argparse.Namespace(database=str(path)), "/tmp/logs")
    answer(qtbot, quit_, QMessageBox)
    assert launcher._open(sqlite_url(path)) is None
    assert path.read_bytes() == before and not aside_files(path)


# --- backups are kept per database ------------------------------------------------------
def test_each_database_has_an_id_that_its_backups_carry(admin_ctx, saved):
    from bwc_desk.store.checks import database_id

    own = database_id(admin_ctx.db)
    assert own and read_database_id(saved.path) == own


def test_backups_of_an_empty_database_never_rotate_away_the_good_ones(admin_ctx, saved, clock):
    settings.change_settings(admin_ctx, {"backup_keep": 3})
    good = sorted(saved.path.parent.glob("*.sqlite3"))
    path = close(admin_ctx)
    path.unlink()  # someone starts over at the same path: another database
    fresh = open_database(sqlite_url(path)).db
    actor = auth.first_run(fresh, agency_name="X", station="DESK-1", username="admin",
                           password="correct horse battery", display_name="A", clock=clock)
    ctx = Ctx(fresh, "DESK-1", actor, clock)
    settings.change_settings(ctx, {"backup_keep": 3})
    for _ in range(6):
        clock.advance(minutes=1)
        backups.backup_now(ctx)
    fresh.dispose()
    names = {p.name for p in saved.path.parent.glob("*.sqlite3")}
    assert {p.name for p in good} <= names
    assert len(names) == len(good) + 3


def test_rotation_keeps_the_newest_backup_that_verifies(admin_ctx, saved, clock):
    settings.change_settings(admin_ctx, {"backup_keep": 2})
    raw = sqlite3.connect(admin_ctx.db.path)  # the live records are tampered with
    raw.execute("DROP TRIGGER custody_events_no_update")
    raw.execute("UPDATE custody_events SET staff_username = 'mallory'")
    raw.commit()
    raw.close()
    for _ in range(4):
        clock.advance(minutes=1)
        backups.backup_now(admin_ctx)
    left = sorted(p.name for p in saved.path.parent.glob("*.sqlite3"))
    assert saved.path.name in left and len(left) == 3
    assert sha256_file(saved.path) == saved.sha256


def test_restore_of_a_healthy_database_still_keeps_it_as_a_backup(admin_ctx, saved, capsys):
    path = close(admin_ctx)
    assert as_admin("restore", str(saved.path), "--database", str(path)) == 0
    assert "before-restore" in capsys.readouterr().out
    assert not aside_files(path)
    assert tags(admin_ctx) == ["HPD-1"]
    restored = audit.list_audit(admin_ctx, event="restore")[0]
    assert restored.staff_username == "admin" and restored.station


def test_restore_of_a_healthy_database_names_the_administrator(admin_ctx, saved, capsys):
    """A sound database is signed in to (--as, an administrator); a damaged one cannot be
    (above: it is not read at all), so its restore needs no --as."""
    make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    path = close(admin_ctx)
    assert main(["restore", str(saved.path), "--database", str(path)]) == 1
    assert "--as USERNAME" in capsys.readouterr().err
    assert as_admin("restore", str(saved.path), "--database", str(path), user="quinn") == 1
    assert "only admin may restore backups" in capsys.readouterr().err
    assert as_admin("restore", str(saved.path), "--database", str(path),
                    password="not the password") == 1
    assert "wrong" in capsys.readouterr().err.lower()
    assert tags(admin_ctx) == ["HPD-1", "HPD-2"]  # as it was
    assert audit.list_audit(admin_ctx, event="action refused")[0].staff_username == "quinn"
    assert audit.list_audit(admin_ctx, event="sign-in failed")[0].staff_username == "admin"


def as_admin(*args: str, user: str = "admin", password: str = PASSWORD) -> int:
    import io
    import sys

    old, sys.stdin = sys.stdin, io.StringIO(password + "\n")
    try:
        return main([*args, "--as", user, "--password-stdin"])
    finally:
        sys.stdin = old


def test_damaged_file_names_are_dated_and_unique(admin_ctx, saved):
    path = close(admin_ctx)
    damage(path, "zero-bytes")
    first = backups.restore_damaged(path, saved.path, "DESK-1")
    damage(path, "zero-bytes")
    second = backups.restore_damaged(path, saved.path, "DESK-1")
    assert first != second and first is not None and first.exists()
    assert second is not None and second.exists()
    assert os.stat(second).st_mode & 0o077 == 0


def test_the_verify_dialog_walks_on_a_reader_and_records_the_run_on_the_writer(
    qtbot, admin_ctx
):
    from bwc_desk.domain.audit import AuditEvent
    from bwc_desk.services import audit, verify
    from bwc_desk.ui.dialogs.verify_dialog import VerifyDialog
    from bwc_desk.ui.state import AppState

    calls: list[str] = []
    state = AppState(admin_ctx)
    real_read, real_write = state.read, state.write
    state.read = lambda fn, *a, **k: (calls.append(f"read {fn.__name__}"),  # type: ignore
                                      real_read(fn, *a, **k))[1]
    state.write = lambda fn, *a, **k: (calls.append("write"), real_write(fn, *a, **k))[1]  # type: ignore
    dialog = VerifyDialog(state)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.copy_button.isEnabled(), timeout=10_000)
    recorded = lambda: bool(audit.list_audit(admin_ctx, event=AuditEvent.VERIFY.value))  # noqa: E731
    qtbot.waitUntil(recorded, timeout=10_000)
    # (The dialog also reads when the last automatic verification ran: not the walk.)
    walk = [c for c in calls if c != "read last_automatic"]
    assert walk[:2] == [f"read {verify.check_records.__name__}", "write"]
    state.runner.shutdown()


def test_restore_from_the_app_on_a_live_database_found_damaged(admin_ctx, saved):
    """File > Restore after the background quick_check found damage in a large file: the
    damaged database cannot be backed up first, so it is moved aside instead."""
    from dataclasses import replace

    from bwc_desk.store.db import Database

    path = close(admin_ctx)
    before = damage(path, "torn-page")
    ctx = replace(admin_ctx, db=Database(sqlite_url(path)))  # the app had it open
    check, kept = backups.restore_as(ctx, saved.path)
    assert check.ok and kept.reason == "damaged"
    assert aside_files(path) == [kept.path] and kept.path.read_bytes() == before
    assert tags(ctx) == ["HPD-1"]
    ctx.db.dispose()


def test_damage_found_in_the_background_is_restored_from_the_app(
    qtbot, qapp, admin_ctx, saved, monkeypatch
):
    """A file too large to check before opening: quick_check finds a torn page once the
    window is up; the app offers the newest good backup, restores it and closes."""
    from dataclasses import replace

    from PySide6.QtWidgets import QMessageBox

    from bwc_desk.launcher import Launcher
    from bwc_desk.store.db import Database
    from tests.conftest import answer

    path = close(admin_ctx)
    before = damage(path, "torn-page")
    ctx = replace(admin_ctx, db=Database(sqlite_url(path)))
    quits: list[bool] = []
    monkeypatch.setattr(qapp, "quit", lambda: quits.append(True))
    texts: list[str] = []

    def accept_restore(box: QMessageBox) -> None:
        texts.append(box.text() + box.informativeText())
        [button] = [b for b in box.buttons() if b.text() == "Restore this backup and close"]
        button.click()
        answer(qtbot, lambda done: (texts.append(done.text()), done.accept()), QMessageBox)

    launcher = Launcher(qapp, argparse.Namespace(), "/tmp/logs")
    answer(qtbot, accept_restore, QMessageBox)
    launcher._damage_found(ctx, "quick_check: Page 7: btreeInitPage() returns error code 11")
    qtbot.waitUntil(lambda: bool(quits), timeout=30_000)
    assert str(saved.path) in texts[0] and "will now close" in texts[1]
    [kept] = aside_files(path)
    assert kept.read_bytes() == before
    assert tags(ctx) == ["HPD-1"]
    ctx.db.dispose()


def test_a_database_whose_accounts_were_removed_is_not_a_first_run(
    qtbot, qapp, admin_ctx, saved
):
    """Deleting the staff rows (the file is at hand) must not make the first-run dialog
    appear, where anyone could make themselves administrator."""
    from PySide6.QtWidgets import QMessageBox

    from bwc_desk.launcher import Launcher
    from bwc_desk.services.startup import accounts_removed
    from tests.conftest import answer

    path = close(admin_ctx)
    raw = sqlite3.connect(path)
    raw.execute("DELETE FROM staff")
    raw.commit()
    raw.close()
    db = open_database(sqlite_url(path)).db
    assert auth.needs_setup(db) and "no staff account" in (accounts_removed(db) or "")
    texts: list[str] = []

    def quit_(box: QMessageBox) -> None:
        texts.append(box.text())
        [button] = [b for b in box.buttons() if b.text() == "Quit"]
        button.click()

    launcher = Launcher(qapp, argparse.Namespace(), "/tmp/logs")
    answer(qtbot, quit_, QMessageBox)
    assert launcher._refuse_removed_accounts(sqlite_url(path), db) is None
    assert "removed outside BWC Desk" in texts[0]


def test_a_new_database_is_a_first_run(tmp_path):
    from bwc_desk.services.startup import accounts_removed

    db = open_database(sqlite_url(tmp_path / "new.sqlite3")).db
    assert auth.needs_setup(db) and accounts_removed(db) is None
    db.dispose()


def test_restore_onto_a_station_with_no_database_yet(admin_ctx, saved, tmp_path, capsys):
    path = tmp_path / "new-pc" / "bwc.sqlite3"
    assert main(["restore", str(saved.path), "--database", str(path)]) == 0
    assert "restored" in capsys.readouterr().out
    from dataclasses import replace

    db = open_database(sqlite_url(path)).db
    assert tags(replace(admin_ctx, db=db)) == ["HPD-1"]
    db.dispose()


def test_a_cancelled_first_run_leaves_no_database_behind(qapp, tmp_path, monkeypatch):
    """Cancelling the set-up dialog left a schema-only file: every later start then showed
    the sign-in form (a database "set up") that gave way to the set-up dialog."""
    from bwc_desk.launcher import Launcher
    from bwc_desk.ui.dialogs.first_run_dialog import FirstRunDialog

    monkeypatch.setattr(FirstRunDialog, "exec", lambda _self: 0)  # (Cancel)
    path = tmp_path / "agency.sqlite3"
    launcher = Launcher(qapp, argparse.Namespace(database=str(path)), str(tmp_path / "logs"))
    assert launcher.start() == 0
    assert not path.exists() and not list(tmp_path.glob("agency.sqlite3*"))


def test_only_a_new_and_unused_database_is_discarded(tmp_path, admin_ctx):
    from bwc_desk.services.startup import discard_unused_new_database

    new = tmp_path / "new.sqlite3"
    db = open_database(sqlite_url(new)).db
    assert not discard_unused_new_database(db, existed_before=True)  # (not made by this start)
    assert new.exists()
    db = open_database(sqlite_url(new)).db
    assert discard_unused_new_database(db, existed_before=False) and not new.exists()
    used = close(admin_ctx)  # (accounts and records: never removed)
    db = open_database(sqlite_url(used)).db
    assert not discard_unused_new_database(db, existed_before=False) and used.exists()


def test_a_database_server_that_refuses_is_named_in_words(tmp_path):
    """A PostgreSQL server down or unreachable: the driver's reason and what to check, not
    SQLAlchemy's wrapping (its statement, its background link)."""
    from bwc_desk.domain.errors import DomainError

    with pytest.raises(DomainError) as refused:
        open_database("postgresql+psycopg://desk@127.0.0.1:1/bwc")
    text = str(refused.value)
    assert "127.0.0.1:1" in text and "Check that the server is running" in text
    assert "sqlalche.me" not in text and "Background on this error" not in text


def test_a_damaged_file_is_refused_with_its_permissions_as_they_were(tmp_path):
    # ("Nothing was changed", the message says: its mode neither, in a shared folder too.)
    from bwc_desk.services.startup import DamagedDatabase

    path = tmp_path / "agency.sqlite3"
    path.write_bytes(os.urandom(4096))
    path.chmod(0o644)
    with pytest.raises(DamagedDatabase):
        open_database(sqlite_url(path))
    assert path.stat().st_mode & 0o777 == 0o644

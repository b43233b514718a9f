"""Backups bring everything back; a damaged or foreign file is never used silently."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from bwc_desk.__main__ import main
from bwc_desk.domain.errors import DomainError, PermissionDenied
from bwc_desk.services import backups, inventory, settings
from bwc_desk.services.context import SYSTEM
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.startup import DamagedDatabase, NetworkPathRefused, open_database
from bwc_desk.store import migrate
from bwc_desk.store.backup import sha256_file
from bwc_desk.store.db import Database, sqlite_url
from bwc_desk.store.netpath import network_kind
from tests.conftest import PASSWORD


def test_backup_is_checked_recorded_and_pruned(admin_ctx, clock):
    settings.change_settings(admin_ctx, {"backup_keep": 3})
    made = []
    for i in range(5):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-{i}", f"S-{i}"))
        made.append(backups.backup_now(admin_ctx))
        clock.advance(minutes=1)
    last = made[-1]
    assert last.integrity == "ok" and last.sha256 == sha256_file(last.path)
    folder = last.path.parent
    assert folder == admin_ctx.db.path.parent / "backups"
    assert sorted(p.name for p in folder.glob("*.sqlite3")) == sorted(
        m.path.name for m in made[-3:]
    )
    assert [b.reason for b in backups.list_backups(admin_ctx)][:5] == ["manual"] * 5


def test_backup_to_a_folder_that_cannot_be_written(admin_ctx, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(DomainError, match=r"backup to .* failed"):
        backups.backup_now(admin_ctx, blocker)


def test_only_admins_back_up(sup_ctx):
    with pytest.raises(PermissionDenied):
        backups.backup_now(sup_ctx)


def test_startup_backup_at_most_once_a_day(admin_ctx, clock):
    assert backups.startup_backup(admin_ctx.as_actor(SYSTEM)) is not None
    clock.advance(hours=5)
    assert backups.startup_backup(admin_ctx) is None
    clock.advance(hours=20)
    assert backups.startup_backup(admin_ctx) is not None


def test_restore_brings_everything_back_and_keeps_the_current_db(admin_ctx, tmp_path, capsys,
                                                                 monkeypatch):
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    saved = backups.backup_now(admin_ctx)
    inventory.add_unit(admin_ctx, UnitInput("HPD-2", "S-2"))
    path = str(admin_ctx.db.path)
    admin_ctx.db.dispose()
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["restore", str(saved.path), "--database", path, "--as", "admin",
                 "--password-stdin"]) == 0
    out = capsys.readouterr().out
    assert "integrity ok; custody: OK" in out and "kept as" in out
    assert [u.asset_tag for u in inventory.list_units(admin_ctx)] == ["HPD-1"]
    kept = [b for b in backups.list_backups(admin_ctx) if b.reason == "before-restore"]
    assert kept and kept[0].path.exists()
    assert main(["verify", "--database", path]) == 0


def test_a_backup_whose_records_do_not_verify_is_refused(admin_ctx):
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    saved = backups.backup_now(admin_ctx)
    raw = sqlite3.connect(saved.path)
    raw.execute("DROP TRIGGER custody_events_no_update")
    raw.execute("UPDATE custody_events SET staff_username = 'mallory'")
    raw.commit()
    raw.close()
    with pytest.raises(DomainError, match="was not restored"):
        backups.restore_as(admin_ctx, saved.path)
    assert [u.asset_tag for u in inventory.list_units(admin_ctx)] == ["HPD-1"]


def test_a_damaged_or_foreign_file_is_refused(admin_ctx, tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DomainError, match="was not restored"):
        backups.restore_as(admin_ctx, junk)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(DomainError, match="not a BWC Desk database"):
        backups.restore_as(admin_ctx, other)


def test_damaged_database_at_start_names_the_latest_good_backup(admin_ctx):
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    saved = backups.backup_now(admin_ctx)
    path = admin_ctx.db.path
    admin_ctx.db.dispose()
    for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        extra.unlink(missing_ok=True)
    data = bytearray(path.read_bytes())
    data[0:16] = b"garbage garbage!"  # the header: not a database any more
    path.write_bytes(bytes(data))
    with pytest.raises(DamagedDatabase) as err:
        open_database(sqlite_url(path))
    assert err.value.backup == saved.path
    assert "bwc-desk restore" in str(err.value)


def test_migration_is_preceded_by_a_backup_and_keeps_data(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = Database(sqlite_url(path))
    migrate.upgrade(db, "0001")
    with db.write() as s:
        from sqlalchemy import text

        s.execute(
            text(
                "INSERT INTO staff (username, display_name, role, password_hash, active,"
                " created_at, created_by) VALUES ('old', 'Old', 'admin', 'x', 1,"
                " '2025-01-01 00:00:00.000000', 'x')"
            )
        )
        s.execute(
            text(
                "INSERT INTO units (asset_tag, serial, model, firmware, status, notes,"
                " repair_vendor, repair_ticket, status_reason, created_at, updated_at)"
                " VALUES ('HPD-1', 'S-1', 'Axon Body 3', '1.0', 'in repair', 'n', 'v',"
                " 't', 'r', '2025-01-01 00:00:00.000000', '2025-01-01 00:00:00.000000')"
            )
        )
    db.dispose()
    opened = open_database(sqlite_url(path))
    assert opened.migrated_from == "0001"
    assert opened.pre_migration_backup is not None
    assert opened.pre_migration_backup.path.exists()
    with opened.db.read() as s:
        from sqlalchemy import text

        assert s.execute(text("SELECT asset_tag, status, notes FROM units")).all() == [
            ("HPD-1", "in repair", "n")
        ]
        assert s.execute(text("SELECT username, lock_reason FROM staff")).all() == [("old", "")]
        assert s.execute(text("SELECT reason FROM backups")).scalars().all() == ["migration"]
    opened.db.dispose()


MOUNTS = """/dev/vda / ext4 rw 0 0
server:/export /mnt/evidence nfs4 rw 0 0
//nas/share /media/share cifs rw 0 0
tmpfs /tmp tmpfs rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/mnt/evidence/bwc.sqlite3", "nfs4"),
        ("/media/share/x/bwc.sqlite3", "cifs"),
        ("/home/desk/bwc.sqlite3", None),
        ("/tmp/bwc.sqlite3", None),
        ("//nas/share/bwc.sqlite3", "UNC path"),
        ("\\\\nas\\share\\bwc.sqlite3", "UNC path"),
    ],
)
def test_network_paths_are_recognised(path, kind):
    assert network_kind(Path(path), MOUNTS) == kind


def test_sqlite_on_a_network_share_is_refused(monkeypatch, tmp_path):
    import bwc_desk.services.startup as startup

    monkeypatch.setattr(startup, "network_kind", lambda _p: "nfs4")
    with pytest.raises(NetworkPathRefused, match="PostgreSQL"):
        open_database(sqlite_url(tmp_path / "x.sqlite3"))


# --- verify is read-only ----------------------------------------------------------------
def test_verify_does_not_change_the_backup_it_checks(admin_ctx, capsys):
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    saved = backups.backup_now(admin_ctx)
    assert main(["verify", "--database", str(saved.path)]) == 0
    assert "custody: OK" in capsys.readouterr().out
    assert sha256_file(saved.path) == saved.sha256  # no audit record appended to it
    assert not Path(f"{saved.path}-wal").exists()


def test_verify_refuses_a_missing_file_and_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "typo.sqlite3"
    assert main(["verify", "--database", str(missing)]) == 1
    assert "no database file" in capsys.readouterr().err
    assert not missing.exists()

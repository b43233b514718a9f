"""Opening a database for use: the pre-migration backup, migrations, and the station record."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import DatabaseError

from bwc_desk.domain.errors import DomainError
from bwc_desk.store import migrate
from bwc_desk.store.backup import BackupFile, backup_sqlite, integrity_check
from bwc_desk.store.db import Database
from bwc_desk.store.netpath import network_kind

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OpenedDatabase:
    db: Database
    migrated_from: str | None
    pre_migration_backup: BackupFile | None


def default_backup_dir(db: Database) -> Path:
    assert db.path is not None
    return db.path.parent / "backups"


def backup_name(db_path: Path, reason: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{db_path.stem}-{now:%Y%m%d-%H%M%S}-{reason}.sqlite3"


class NetworkPathRefused(DomainError):
    pass


class DamagedDatabase(DomainError):
    """The database file cannot be used as it is. ``backup`` is the newest good backup."""

    def __init__(self, path: Path, detail: str, backup: Path | None) -> None:
        self.path, self.detail, self.backup = path, detail, backup
        advice = (
            f'The newest good backup is {backup}; restore it with `bwc-desk restore "{backup}"`.'
            if backup
            else "No good backup was found beside it; look for one in the agency's backup folder."
        )
        super().__init__(
            f"The database {path} is damaged ({detail}). Nothing was changed. {advice}"
        )


def refuse_network_path(db: Database) -> None:
    if db.path is None:
        return
    kind = network_kind(db.path)
    if kind:
        raise NetworkPathRefused(
            f"{db.path} is on a network file system ({kind}). SQLite databases get corrupted "
            "when they are used over a network share. Keep this station's database on a local "
            "disk, or, for several stations, use a PostgreSQL server "
            "(docs/deploy-multi-station.md). Backups may go to a network share."
        )


def damaged(db_path: Path, detail: str) -> DamagedDatabase:
    from bwc_desk.services.backups import latest_good_backup

    return DamagedDatabase(db_path, detail, latest_good_backup(db_path))


def quick_check(db: Database) -> str:
    """'ok' or SQLite's first complaints (slow on a large file: run it off the main thread)."""
    if db.path is None or not db.path.exists():
        return "ok"
    return integrity_check(db.path, quick=True)


def open_database(url: str, backup_dir: Path | None = None) -> OpenedDatabase:
    """Open (creating if new) and migrate to the current schema.

    A SQLite file on a network share is refused. A file that is not a readable database
    raises DamagedDatabase, naming the newest good backup: never a silent fresh start. An
    existing database is copied with the online backup API before any migration, so a
    failed or unwanted upgrade can always be undone by restoring that copy.
    """
    db = Database(url)
    refuse_network_path(db)
    try:
        current = migrate.current_revision(db)
    except DatabaseError as exc:
        db.dispose()
        assert db.path is not None or not db.is_sqlite
        if db.path is not None:
            raise damaged(db.path, str(exc.orig)) from None
        raise
    saved: BackupFile | None = None

    def before(current_rev: str | None, target: str) -> None:
        nonlocal saved
        if db.path is None or current_rev is None:
            return  # a new database has nothing to lose
        folder = backup_dir or default_backup_dir(db)
        dest = folder / backup_name(db.path, f"before-{target}")
        saved = backup_sqlite(db.path, dest)
        log.info("backed up %s to %s before migrating", db.path, dest)

    try:
        migrate.upgrade(db, before=before)
    except DomainError:  # a database from a newer BWC Desk: refused, untouched
        db.dispose()
        raise
    except DatabaseError as exc:
        db.dispose()
        if db.path is not None and "malformed" in str(exc.orig):
            raise damaged(db.path, str(exc.orig)) from None
        if db.is_postgresql and ("permission denied" in str(exc.orig)
                                 or "must be owner" in str(exc.orig)):
            raise DomainError(
                f"The database schema is at {current or 'nothing'}; this BWC Desk needs "
                f"{migrate.head_revision()}, and this station's database role may not change "
                "the schema. The administrator upgrades it once for the agency: back it up "
                "with pg_dump, run `bwc-desk self-test --database <owner URL>`, then "
                "`bwc-desk grant-app-role <station role> --database <owner URL>` "
                "(docs/deploy-multi-station.md)."
            ) from None
        raise
    if saved is not None:
        _record_migration_backup(db, saved, current)
    return OpenedDatabase(db, current, saved)


def _record_migration_backup(db: Database, saved: BackupFile, current: str | None) -> None:
    from datetime import UTC, datetime

    from bwc_desk.store.models import Backup

    with db.write() as session:
        session.add(
            Backup(
                at=datetime.now(UTC),
                path=str(saved.path),
                sha256=saved.sha256,
                size_bytes=saved.size,
                reason="migration",
                integrity=saved.integrity,
                made_by="system",
                station=f"schema {current}",
            )
        )


def resolve_url(database: str | None, demo: bool = False) -> str:
    """--database, else BWC_DESK_DATABASE_URL, else the station's config, else the embedded
    SQLite file in the user data folder. The demo always has its own file."""
    import os

    from bwc_desk.store import config, paths
    from bwc_desk.store.db import sqlite_url

    if demo:
        return sqlite_url(paths.demo_db_path())
    if database:
        return _as_url(database)
    env = os.environ.get("BWC_DESK_DATABASE_URL", "").strip()
    if env:
        return _as_url(env)
    configured = config.load().database_url.strip()
    if configured:
        return _as_url(configured)
    return sqlite_url(paths.default_db_path())


def _as_url(value: str) -> str:
    """A URL as given, or a plain file path taken as a SQLite database."""
    from bwc_desk.store.db import sqlite_url

    if "://" in value:
        return value
    return sqlite_url(Path(value).expanduser().resolve())

"""Opening a database for use: the pre-migration backup, migrations, and the station record."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bwc_desk.store import migrate
from bwc_desk.store.backup import BackupFile, backup_sqlite
from bwc_desk.store.db import Database

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


def open_database(url: str, backup_dir: Path | None = None) -> OpenedDatabase:
    """Open (creating if new) and migrate to the current schema.

    An existing SQLite database is copied with the online backup API before any migration,
    so a failed or unwanted upgrade can always be undone by restoring that copy.
    """
    db = Database(url)
    current = migrate.current_revision(db)
    saved: BackupFile | None = None

    def before(current_rev: str | None, target: str) -> None:
        nonlocal saved
        if db.path is None or current_rev is None:
            return  # a new database has nothing to lose
        folder = backup_dir or default_backup_dir(db)
        dest = folder / backup_name(db.path, f"before-{target}")
        saved = backup_sqlite(db.path, dest)
        log.info("backed up %s to %s before migrating", db.path, dest)

    migrate.upgrade(db, before=before)
    return OpenedDatabase(db, current, saved)


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

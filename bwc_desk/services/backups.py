"""Backups with SQLite's online backup API, and restoring one.

Every backup is checked with integrity_check and recorded with its SHA-256; the newest N are
kept (agency setting, 14 by default). A restore checks the file's integrity and both hash chains
before anything is replaced, and keeps the current database as a backup first.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Permission
from bwc_desk.services import audit
from bwc_desk.services.backup_check import (
    RestoreCheck,
    backup_files,
    check_backup,
    latest_good_backup,
)
from bwc_desk.services.context import SYSTEM, Actor, Ctx
from bwc_desk.services.settings import read_settings
from bwc_desk.services.startup import backup_name, default_backup_dir, file_damage
from bwc_desk.store import config, migrate, paths
from bwc_desk.store.backup import (
    BackupFile,
    backup_sqlite,
    read_database_id,
    sha256_file,
)
from bwc_desk.store.checks import database_id
from bwc_desk.store.db import Database, DiskFullError, sqlite_url, storage_error
from bwc_desk.store.models import Backup

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    at: datetime
    sha256: str
    size: int
    reason: str
    integrity: str


def _require_sqlite(db: Database) -> Path:
    if db.path is None:
        raise DomainError(
            "This station uses a PostgreSQL server: back it up on the server with pg_dump "
            "(docs/deploy-multi-station.md), not from a station."
        )
    return db.path


def backup_folder(ctx: Ctx) -> Path:
    """This PC's folder from IT's station configuration, else the agency setting, else the
    backups folder beside the database."""
    _require_sqlite(ctx.db)
    chosen = config.load().backup_folder.strip()
    if not chosen:
        with ctx.db.read() as session:
            chosen = read_settings(session).backup_folder.strip()
    return Path(chosen).expanduser() if chosen else default_backup_dir(ctx.db)


def _make(ctx: Ctx, actor: Actor, reason: str, folder: Path | None) -> BackupInfo:
    db_path = _require_sqlite(ctx.db)
    folder = folder or backup_folder(ctx)
    now = ctx.now()
    dest = folder / backup_name(db_path, reason, now)
    if folder == default_backup_dir(ctx.db) and folder.is_dir():
        # Ours: backups made by older versions were readable by every account on the PC.
        paths.ensure_private_dir(folder, tighten=True)
        for older in backup_files(folder, db_path.stem):
            paths.tighten_file(older)
    try:
        made: BackupFile = backup_sqlite(db_path, dest)
    except (OSError, sqlite3.Error) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if isinstance(storage_error(exc), DiskFullError):
            why = "the disk holding the backup folder is full"
        audit.record(
            ctx,
            AuditEvent.BACKUP,
            Outcome.FAILED,
            {"reason": reason, "folder": str(folder), "error": str(exc)},
            actor=actor,
        )
        raise DomainError(
            f"The backup to {folder} failed: {why}. Check that the folder "
            "exists, is writable and has free space; the database itself is unchanged."
        ) from None
    with ctx.db.write() as session:
        session.add(
            Backup(
                at=now,
                path=str(made.path),
                sha256=made.sha256,
                size_bytes=made.size,
                reason=reason,
                integrity=made.integrity,
                made_by=actor.username,
                station=ctx.station,
            )
        )
        audit.write(
            session,
            station=ctx.station,
            at=now,
            event=AuditEvent.BACKUP,
            actor=actor,
            details={
                "reason": reason,
                "file": str(made.path),
                "sha256": made.sha256,
                "bytes": made.size,
            },
        )
        keep = read_settings(session).backup_keep
    _prune(folder, db_path.stem, keep, database_id(ctx.db))
    return BackupInfo(made.path, now, made.sha256, made.size, reason, made.integrity)


def _prune(folder: Path, stem: str, keep: int, own_id: str | None) -> None:
    """Keep the newest `keep` backups of this database (by the id inside each file: an empty
    or other database made at the same path has another, and its backups never count
    against these). The newest backup that verifies is never removed, whatever was backed
    up since; files without an id (older versions) are left to the administrator."""
    if own_id is None:
        return
    mine = [p for p in backup_files(folder, stem) if read_database_id(p) == own_id]
    if len(mine) <= keep:
        return
    good = next((p for p in mine if check_backup(p).ok), None)
    for old in mine[keep:]:
        if old == good:
            log.warning("kept %s beyond the %d to keep: it is the newest that verifies",
                        old, keep)
            continue
        try:
            old.unlink()
            log.info("removed old backup %s", old)
        except OSError as exc:
            log.warning("could not remove old backup %s: %s", old, exc)


def backup_now(ctx: Ctx, folder: Path | None = None) -> BackupInfo:
    """File > Back up now, and `bwc-desk backup [DEST]`."""
    actor = ctx.require(Permission.BACKUP, "make backups")
    return _make(ctx, actor, "manual", folder)


def startup_backup(ctx: Ctx) -> BackupInfo | None:
    """At start-up, at most once a day."""
    if ctx.db.path is None:
        return None
    with ctx.db.read() as session:
        last = (
            session.execute(
                select(Backup.at).where(Backup.reason == "start-up").order_by(Backup.at.desc())
            )
            .scalars()
            .first()
        )
    if last is not None and ctx.now() - last < timedelta(days=1):
        return None
    return _make(ctx, SYSTEM, "start-up", None)


def list_backups(ctx: Ctx) -> list[BackupInfo]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        rows = session.execute(select(Backup).order_by(Backup.at.desc())).scalars()
        return [
            BackupInfo(Path(r.path), r.at, r.sha256, r.size_bytes, r.reason, r.integrity)
            for r in rows
        ]


def _checked(backup: Path) -> RestoreCheck:
    check = check_backup(backup)
    if not check.ok:
        raise DomainError(f"{backup.name} was not restored: {check.problem()}. "
                          "Nothing was changed; pick another backup.")
    if not _known_revision(check.revision):
        raise DomainError(
            f"{backup.name} comes from a newer BWC Desk (schema "
            f"{check.revision}); install that version to restore it."
        )
    return check


def _known_revision(revision: str | None) -> bool:
    if revision == migrate.head_revision():
        return True
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(migrate.MIGRATIONS))
    return any(s.revision == revision for s in scripts.walk_revisions())


def restore(
    db: Database, backup: Path, station: str, actor: Actor
) -> tuple[RestoreCheck, BackupInfo]:
    """Replace the database's contents with the backup's, after checking the backup and
    keeping the current contents as a backup. Run only while no app uses the database.

    A current database that is itself damaged (its own backup would fail its check, and
    its settings cannot be read) is moved aside instead, under a dated name."""
    db_path = _require_sqlite(db)
    check = _checked(backup)
    damage = file_damage(db_path) if db_path.exists() else "there is no database file"
    if damage is not None:
        db.dispose()
        aside = restore_damaged(db_path, backup, station, actor=actor, check=check)
        if aside is None:
            return check, BackupInfo(db_path, datetime.now(UTC), "", 0, "none", damage)
        return check, BackupInfo(
            aside, datetime.now(UTC), sha256_file(aside), aside.stat().st_size, "damaged",
            damage,
        )
    ctx = Ctx(db, station, actor)
    kept = _make(ctx, actor, "before-restore", None)
    db.dispose()
    src = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    dest = sqlite3.connect(db_path, timeout=30)
    try:
        # The backup API writes through the live database's own pager: WAL and locks are
        # handled by SQLite, unlike copying files over an open database.
        src.backup(dest)
    finally:
        src.close()
        dest.close()
    migrate.upgrade(db)
    with db.write() as session:
        # The restored file does not know the copy made just before it: record it again.
        session.add(
            Backup(
                at=kept.at,
                path=str(kept.path),
                sha256=kept.sha256,
                size_bytes=kept.size,
                reason=kept.reason,
                integrity=kept.integrity,
                made_by=actor.username,
                station=station,
            )
        )
        audit.write(
            session,
            station=station,
            at=ctx.now(),
            event=AuditEvent.RESTORE,
            actor=actor,
            details={
                "file": str(backup),
                "sha256": check.sha256,
                "kept_previous_as": str(kept.path),
            },
        )
    return check, kept


def restore_as(ctx: Ctx, backup: Path) -> tuple[RestoreCheck, BackupInfo]:
    """The admin's restore action."""
    actor = ctx.require(Permission.RESTORE, "restore backups")
    return restore(ctx.db, backup, ctx.station, actor)


def restore_at(
    url: str, backup: Path | None, station: str, actor: Actor
) -> tuple[RestoreCheck, BackupInfo, str]:
    """`bwc-desk restore [FILE]`: the backup (else the newest that verifies beside the
    database) restored into the SQLite database at ``url``; returns the check, what became
    of the current database, and where the backup went. Nothing is read from the current
    database before it is known to be sound: a damaged one is moved aside, never opened for
    its settings."""
    db = Database(url)
    try:
        if db.path is None:
            raise DomainError("restore is for a station's SQLite database; a PostgreSQL "
                              "server is restored with pg_restore (docs/deploy-multi-station.md).")
        backup = backup or latest_good_backup(db.path)
        if backup is None:
            raise DomainError(f"No backup that verifies was found in {db.path.parent / 'backups'}"
                              "; give the backup file: bwc-desk restore FILE.")
        check, kept = restore(db, backup, station, actor)
    finally:
        db.dispose()
    return check, kept, db.display


def restore_damaged(
    db_path: Path,
    backup: Path,
    station: str,
    *,
    actor: Actor = SYSTEM,
    check: RestoreCheck | None = None,
) -> Path | None:
    """Put a good backup in place of a database that cannot be used. The damaged file (and
    its -wal and -shm) is moved aside under a dated name, never deleted; returns where it
    went (None when there was no file). Nothing is read from the damaged file."""
    check = check or _checked(backup)
    aside: Path | None = None
    if db_path.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        aside = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = db_path.with_name(f"{db_path.name}.damaged-{stamp}-{n}")
        os.replace(db_path, aside)
        for suffix in ("-wal", "-shm"):
            extra = Path(f"{db_path}{suffix}")
            if extra.exists():
                os.replace(extra, Path(f"{aside}{suffix}"))
        log.warning("moved the damaged database %s aside to %s", db_path, aside)
    backup_sqlite(backup, db_path)
    db = Database(sqlite_url(db_path))
    try:
        migrate.upgrade(db)
        with db.write() as session:
            audit.write(
                session,
                station=station,
                at=datetime.now(UTC),
                event=AuditEvent.RESTORE,
                actor=actor,
                details={
                    "file": str(backup),
                    "sha256": check.sha256,
                    "damaged_file_kept_as": str(aside) if aside else None,
                },
            )
    finally:
        db.dispose()
    return aside

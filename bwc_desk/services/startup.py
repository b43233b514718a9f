"""Opening a database for use: the pre-migration backup, migrations, and the station record."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import DatabaseError, OperationalError

from bwc_desk.domain.errors import DomainError, UnavailableError
from bwc_desk.services.backup_check import latest_good_backup
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.verify import VerifyResult, check_database
from bwc_desk.store import migrate, paths
from bwc_desk.store.backup import BackupFile, backup_sqlite, integrity_check
from bwc_desk.store.checks import sqlite_file_problem, sqlite_schema_problem
from bwc_desk.store.db import (
    Database,
    DiskFullError,
    disk_full,
    server_unreachable,
    sqlite_url,
    storage_error,
)
from bwc_desk.store.netpath import network_kind

log = logging.getLogger(__name__)
# The demo agency's own station: the demo is built at it (services/demo.py) and the window
# and every command run with --demo work as it (``station_name``).
DEMO_STATION = "EVIDENCE-DESK-1"


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


LOW_SPACE = 1 << 20  # bytes: less than this free on the database's disk is a full disk


def lock_file_problem(db_path: Path) -> DomainError | None:
    """Why a file cannot be made beside the database (the app's lock file: Qt says only
    that it failed): a full disk or a read-only place, said as such and what to do; None if
    neither is found. Checks the free space, then writes and removes a small probe file."""
    folder = db_path.parent
    try:
        if shutil.disk_usage(folder).free < LOW_SPACE:
            return disk_full(f" ({folder})")
        fd, probe = tempfile.mkstemp(prefix=".bwc-desk-probe-", dir=folder)
        try:
            os.write(fd, bytes(4096))
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        problem = storage_error(exc, db_path)
        return disk_full(f" ({folder})") if isinstance(problem, DiskFullError) else problem
    return None


def damaged(db_path: Path, detail: str) -> DamagedDatabase:
    return DamagedDatabase(db_path, detail, latest_good_backup(db_path))


def quick_check(db: Database) -> str:
    """'ok' or SQLite's first complaints (slow on a large file: run it off the main thread)."""
    if db.path is None or not db.path.exists():
        return "ok"
    return integrity_check(db.path, quick=True)


def open_database(
    url: str, backup_dir: Path | None = None, *, quick_check_up_to: int = 0
) -> OpenedDatabase:
    """Open (creating if new) and migrate to the current schema.

    A SQLite file on a network share is refused. A file where the database should be that is
    empty, not SQLite, truncated or not BWC Desk's raises DamagedDatabase, naming the newest
    good backup: never a fresh start. A new database is made under a temporary name and put
    in place once its schema is complete, so a crash during the first start never leaves an
    empty file behind. With ``quick_check_up_to`` (bytes), an existing file up to that size
    is also checked page by page (quick_check) before it is used. An existing database is
    copied with the online backup API before any migration, so a failed or unwanted upgrade
    can always be undone by restoring that copy. A full disk or a read-only folder raises
    DiskFullError or ReadOnlyError, saying so.
    """
    db = Database(url)
    refuse_network_path(db)
    try:
        path = db.path
        if path is not None:
            if not path.exists():
                db.dispose()
                _create_sqlite(path)
                db = Database(url)
                return OpenedDatabase(_open_existing(db, backup_dir).db, None, None)
            if path.parent == paths.data_dir():  # ours: made private if an older version
                paths.ensure_private_dir(path.parent, tighten=True)  # left it open
            refuse_damaged_file(path, quick_check_up_to)
        return _open_existing(db, backup_dir)
    except (OperationalError, OSError, sqlite3.Error) as exc:
        db.dispose()
        problem = storage_error(exc, db.path)
        if problem is not None:
            raise problem from None
        if db.path is None and isinstance(exc, OperationalError):
            # (A server that cannot be reached is said as such: the launcher offers Retry.)
            kind = UnavailableError if server_unreachable(exc) else DomainError
            raise kind(server_problem(db, exc)) from None
        raise


def server_problem(db: Database, exc: OperationalError) -> str:
    """What a PostgreSQL server's refusal comes to, in words (the driver's first line, not
    SQLAlchemy's wrapping with its statement and link)."""
    url = db.url
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    lines = [line.strip() for line in str(exc.orig or exc).splitlines() if line.strip()]
    reason = lines[0] if lines else type(exc).__name__
    return (
        f"BWC Desk could not open its database {url.database or ''} on the server {where}: "
        f"{reason}. Check that the server is running and that this PC can reach it "
        "(network, firewall, the address in station.json or BWC_DESK_DATABASE_URL), or ask "
        "your administrator. Nothing was changed."
    )


def refuse_damaged_file(path: Path, quick_check_up_to: int = 0) -> None:
    """DamagedDatabase if the existing file at `path` cannot be used as it is."""
    problem = sqlite_file_problem(path) or sqlite_schema_problem(path)
    if problem is None and path.stat().st_size <= quick_check_up_to:
        result = integrity_check(path, quick=True)
        problem = None if result == "ok" else f"quick_check: {result}"
    if problem is not None:
        raise damaged(path, problem)  # ("Nothing was changed": its permissions neither)
    for own in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        paths.tighten_file(own)  # files made by older versions were readable by all


def file_damage(path: Path) -> str | None:
    """What is wrong with the existing database file, checked thoroughly (the header, every
    page with integrity_check, BWC Desk's schema), or None if it is sound. For restore."""
    problem = sqlite_file_problem(path)
    if problem is not None:
        return problem
    result = integrity_check(path)
    if result != "ok":
        return f"integrity_check: {result}"
    return sqlite_schema_problem(path)


def _create_sqlite(path: Path) -> None:
    """A new, fully migrated database at `path`, or nothing there at all."""
    paths.ensure_private_dir(path.parent, tighten=path.parent == paths.data_dir())
    tmp = path.with_name(path.name + ".new")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    fresh = Database(sqlite_url(tmp))
    try:
        migrate.upgrade(fresh)
    finally:
        fresh.dispose()
    Path(f"{tmp}-shm").unlink(missing_ok=True)
    if Path(f"{tmp}-wal").exists():  # left when another process still had it open
        os.replace(f"{tmp}-wal", f"{path}-wal")
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    log.info("created the database %s", path)


def _open_existing(db: Database, backup_dir: Path | None) -> OpenedDatabase:
    try:
        current = migrate.current_revision(db)
    except DatabaseError as exc:
        db.dispose()
        problem = storage_error(exc, db.path)
        if problem is not None:
            raise problem from None
        if db.path is not None:
            raise damaged(db.path, str(exc.orig)) from None
        raise
    if current is None and db.path is not None:
        db.dispose()
        raise damaged(db.path, "it is not a BWC Desk database (it has no schema version)")
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
        problem = storage_error(exc, db.path)
        if problem is not None:
            raise problem from None
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


def open_ctx(url: str, station: str, actor: Actor | None = None) -> Ctx:
    """The database at ``url`` opened as at start-up (created or migrated, a damaged file
    refused), for one command of the command line; ``ctx.close()`` when it is done."""
    return Ctx(open_database(url).db, station, actor)


def sqlite_file(url: str) -> Path | None:
    """The SQLite file a database URL names (None for a server); nothing is opened."""
    db = Database(url)
    try:
        return db.path
    finally:
        db.dispose()


def open_read_only(url: str) -> Database:
    """A database opened to be looked at and never changed (verify, checking a backup):
    nothing is created, migrated or written. A missing SQLite file is refused."""
    db = Database(url, readonly=True, pool=False)
    if db.path is None:
        return db
    if not db.path.exists():
        raise DomainError(
            f"There is no database file {db.path}; nothing was created. Check the path."
        )
    try:
        problem = sqlite_file_problem(db.path) or sqlite_schema_problem(db.path)
    except (OSError, sqlite3.Error) as exc:  # unreadable, or its -shm cannot be made here
        raise DomainError(
            f"The database {db.path} cannot be opened to be checked: {exc}. Nothing was "
            "changed; copy it to a folder this account may write, and check the copy."
        ) from None
    if problem is not None:
        raise damaged(db.path, problem)
    return db


def verify_database(
    url: str,
    expect_custody: tuple[int, str] | None = None,
    expect_audit: tuple[int, str] | None = None,
    anchors: Path | None = None,
) -> VerifyResult:
    """`bwc-desk verify`: the database (or a backup, or a copy) is opened read-only and
    nothing is written to it, not even the record of this run. A missing file is refused,
    not created; an empty or damaged one is reported as damaged."""
    db = open_read_only(url)
    try:
        return check_database(db, expect_custody, expect_audit, anchors)
    finally:
        db.dispose()


def accounts_removed(db: Database) -> str | None:
    """Why a database without staff accounts is not a first run, or None if it is one.

    Every first run is written to the append-only audit log. A database with no account but
    with audit or custody records had its accounts removed outside BWC Desk (someone with the
    file, or a database login); offering the first-run dialog there would let anyone make
    themselves administrator."""
    from sqlalchemy import func, select

    from bwc_desk.store.models import AuditRecord, CustodyEvent

    with db.read() as session:
        audits = session.execute(select(func.count()).select_from(AuditRecord)).scalar_one()
        events = session.execute(select(func.count()).select_from(CustodyEvent)).scalar_one()
    if not audits and not events:
        return None
    return (f"it has {audits:,} audit and {events:,} custody records but no staff account: "
            "the accounts were removed outside BWC Desk")


def discard_unused_new_database(db: Database, existed_before: bool) -> bool:
    """The first-run dialog was cancelled: a SQLite file this start created (it was not
    there before), still without an account or a record, is removed with its journal files
    and the lock beside it, so that the next start is a first start again (not a sign-in
    form that gives way to the set-up dialog). Disposes ``db``; True when removed."""
    from sqlalchemy import func, select

    from bwc_desk.store.models import Staff

    path = db.path
    if existed_before or path is None:
        db.dispose()
        return False
    try:
        with db.read() as session:
            staff = session.execute(select(func.count()).select_from(Staff)).scalar_one()
        unused = not staff and accounts_removed(db) is None
    except Exception:  # (then it stays: never remove what could not be looked at)
        unused = False
    db.dispose()
    if not unused:
        return False
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            leftover.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove %s: %s", leftover, exc)
            return False
    log.info("first run cancelled: removed the new, unused %s", path)
    return True


def shown_url(url: str) -> str:
    """``url`` as it may be shown or logged: a password in it replaced by ***."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "the database named by --database or BWC_DESK_DATABASE_URL"


def sqlite_file_exists(url: str) -> bool:
    """Whether ``url`` names a SQLite file that is already there (False for a server)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return False
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return False
    return Path(parsed.database).exists()


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


def demo_built() -> bool:
    """The demo agency's database is there and holds its accounts. (A file without them is
    not the demo: older versions made one when a command ran with --demo before the demo
    was built.)"""
    path = paths.demo_db_path()
    if not path.is_file():
        return False
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            return bool(conn.execute("SELECT count(*) FROM staff").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def require_demo_built() -> None:
    """For the commands: --demo works on the demo once the window has built it."""
    if not demo_built():
        raise DomainError(
            "The demo agency is not built yet: start the application once with "
            "`bwc-desk --demo` (it builds the demo in a minute or two), then run this "
            "command again. Nothing was changed."
        )


def set_aside_empty_demo() -> Path | None:
    """A file where the demo lives that is not the demo (``demo_built``): renamed with its
    time (never deleted), so the demo is built again. Where it went, or None."""
    path = paths.demo_db_path()
    if not path.exists() or demo_built():
        return None
    aside = path.with_name(f"{path.stem}-not-built-{datetime.now(UTC):%Y%m%dT%H%M%SZ}{path.suffix}")
    path.rename(aside)
    for extra in ("-wal", "-shm"):
        companion = Path(f"{path}{extra}")
        if companion.exists():
            companion.rename(Path(f"{aside}{extra}"))
    log.warning("the demo's file held no accounts (not the demo): set aside as %s", aside)
    return aside


def station_name(demo: bool = False) -> str:
    """The station the window or a command works as: with --demo the demo agency's desk
    (``DEMO_STATION``, whose key signed the demo's records when it was built), never this
    PC's configured name; else this PC's configured station name."""
    from bwc_desk.services import stations

    return DEMO_STATION if demo else stations.configured_name()


def resolve_url(database: str | None, demo: bool = False) -> str:
    """--database, else BWC_DESK_DATABASE_URL, else the station's config, else the embedded
    SQLite file in the user data folder. The demo always has its own file."""
    import os

    from bwc_desk.store import config

    if demo:
        return sqlite_url(paths.demo_db_path())
    if database:
        return _as_url(database)
    env = os.environ.get("BWC_DESK_DATABASE_URL", "").strip()
    if env:
        return _as_url(env)
    configured = config.load().database_url.strip()
    if configured:
        refuse_a_password_in_station_json(configured)
        return _as_url(configured)
    return sqlite_url(paths.default_db_path())


def refuse_a_password_in_station_json(url: str) -> None:
    """station.json is a plain file every user of the PC may read: the database password goes
    in a libpq password file (~/.pgpass, mode 0600) or a service file, never in it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from bwc_desk.store import paths

    try:
        password = make_url(url).password if "://" in url else None
    except ArgumentError:
        return
    if password:
        raise DomainError(
            f"{paths.config_file()} holds the database password in its database_url. Remove it "
            "from there: put the password in a libpq password file (~/.pgpass on Linux, "
            "%APPDATA%\\postgresql\\pgpass.conf on Windows, readable by this user only) or "
            "use a libpq service (postgresql+psycopg://?service=bwc_station); see "
            "docs/deploy-multi-station.md."
        )


def _as_url(value: str) -> str:
    """A URL as given, or a plain file path taken as a SQLite database."""
    if "://" in value:
        return value
    return sqlite_url(Path(value).expanduser().resolve())

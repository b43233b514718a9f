"""Opening the database: engine, SQLite pragmas, and the unit of work for one user action."""

from __future__ import annotations

import errno
import logging
import os
import re
import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from bwc_desk.domain.errors import BusyError, DomainError, UnavailableError
from bwc_desk.store import paths, touched
from bwc_desk.store.touched import Change, OwnWrites, Touched
from bwc_desk.store.write_turns import WriteTurns

log = logging.getLogger(__name__)

# Applied to every new SQLite connection. WAL lets readers work while one writer commits;
# synchronous=FULL makes an acknowledged commit survive power loss; foreign keys are off in
# SQLite unless asked for, on every connection.
SQLITE_PRAGMAS = (
    ("journal_mode", "WAL"),
    ("synchronous", "FULL"),
    ("foreign_keys", "ON"),
    ("busy_timeout", "15000"),
    # Commits would otherwise pay for a checkpoint every 1,000 pages (a 250 ms pause on a large
    # file); the app checkpoints from a background thread instead (Database.checkpoint), and
    # this larger limit is only the safety net for processes that never do.
    ("wal_autocheckpoint", "4000"),
    # A WAL that grew while a long read held its snapshot (a quick_check, a backup, a reload
    # of every row) is cut back to this size once it has been checkpointed, instead of
    # staying at its largest (120 MB was seen) until the last connection closes.
    ("journal_size_limit", str(32 * 1024 * 1024)),
)
SQLITE_PRAGMA_EXPECTED = {
    "journal_mode": "wal",
    "synchronous": 2,
    "foreign_keys": 1,
    "busy_timeout": 15000,
    "wal_autocheckpoint": 4000,
    "journal_size_limit": 32 * 1024 * 1024,
}
WAL_LIMIT = int(dict(SQLITE_PRAGMAS)["journal_size_limit"])
# How long a writer waits for another's transaction before it is told the database is busy.
SQLITE_BUSY_MS = int(dict(SQLITE_PRAGMAS)["busy_timeout"])
_READ_ONLY = "bwc_read_only"
_WRITTEN = "bwc_written_tables"
CHANNEL = "bwc_changes"
TOPICS = touched.TOPICS  # tables written -> what the views call the change
_WRITE_SQL = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.I)


class DiskFullError(DomainError):
    """The disk (or the server's disk) has no room: the transaction was rolled back."""


class ReadOnlyError(DomainError):
    """The database's folder or disk may not be written by this account."""


# SQLite's primary result codes (sqlite3.h); the extended code's low byte is the primary one.
SQLITE_PERM, SQLITE_READONLY, SQLITE_FULL, SQLITE_CANTOPEN = 3, 8, 13, 14
SQLITE_BUSY, SQLITE_LOCKED = 5, 6


def disk_full(where: str = "") -> DiskFullError:
    return DiskFullError(
        f"The disk holding the database{where} is full; nothing was written. Free some space "
        "on it (or ask the administrator to) and try again."
    )


def read_only(path: Path | None) -> ReadOnlyError:
    folder = f" {path.parent}" if path is not None else ""
    return ReadOnlyError(
        f"The database folder{folder} is read-only for this account (or its disk is mounted "
        "read-only): BWC Desk cannot write there. Nothing was changed. Give this account "
        "write access to the folder, or move the database to a folder it may write."
    )


def storage_error(exc: BaseException, path: Path | None = None) -> DomainError | None:
    """A full disk or a read-only place, said as such, or None for anything else.

    ``exc`` is a SQLAlchemy error, a sqlite3 or psycopg error, or an OSError; ``path`` is the
    SQLite file, to tell "cannot open" in a read-only folder from other causes."""
    orig: object = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, OSError):
        if orig.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            return disk_full()
        if orig.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return read_only(path or (Path(orig.filename) if orig.filename else None))
        return None
    if isinstance(orig, sqlite3.Error):
        code = (getattr(orig, "sqlite_errorcode", 0) or 0) & 0xFF
        message = str(orig).lower()
        if code == SQLITE_FULL or "database or disk is full" in message:
            return disk_full()
        if code in (SQLITE_READONLY, SQLITE_PERM) or "readonly database" in message:
            return read_only(path)
        if (code == SQLITE_CANTOPEN or "unable to open database file" in message) and (
            path is not None and not _writable_folder(path)
        ):
            return read_only(path)
        return None
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate == "53100":  # disk_full
        return disk_full(" (on the database server)")
    return None


def _writable_folder(path: Path) -> bool:
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return os.access(folder, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def sqlite_url(path: Path) -> str:
    return URL.create("sqlite+pysqlite", database=str(path)).render_as_string()


class Database:
    """One database (a SQLite file or a PostgreSQL server) and its sessions.

    ``write()`` is the scope of one user action: one transaction, begun with BEGIN IMMEDIATE on
    SQLite so that two writers queue at the start instead of failing halfway; ``read()`` is a
    plain transaction for queries. Sessions are never shared across threads.
    """

    def __init__(
        self, url: str, *, echo: bool = False, pool: bool = True, readonly: bool = False
    ) -> None:
        self.url = make_url(url)
        self.readonly = readonly
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_postgresql = self.url.get_backend_name() == "postgresql"
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 15, "check_same_thread": False}
            if readonly and self.path is not None:
                # A file that must not change (a backup being checked): opened read-only.
                kwargs["creator"] = _read_only_creator(self.path)
            elif self.path is not None:
                kwargs["creator"] = _private_creator(self.path)
        else:
            kwargs["pool_pre_ping"] = True
            # A dead server or a dropped network path is noticed in about a minute.
            kwargs["connect_args"] = {
                "keepalives": 1,
                "keepalives_idle": 30,
                "keepalives_interval": 10,
                "keepalives_count": 3,
                "connect_timeout": 10,
                # Which PC a server connection belongs to, in pg_stat_activity.
                "application_name": f"bwc-desk@{socket.gethostname()}"[:63],
            }
            if readonly:
                # Checking a database changes nothing in it, whoever the login is.
                kwargs["connect_args"]["options"] = "-c default_transaction_read_only=on"
        if not pool:
            kwargs["poolclass"] = NullPool
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(
                self.engine, "connect", _sqlite_on_connect_ro if readonly else _sqlite_on_connect
            )
            event.listen(
                self.engine, "begin", _sqlite_on_begin_ro if readonly else _sqlite_on_begin
            )
        # One snapshot per read transaction on PostgreSQL too (its default, READ COMMITTED,
        # lets two queries of one read see different states while other stations write).
        read_options: dict[str, Any] = {_READ_ONLY: True}
        if self.is_postgresql:
            read_options["isolation_level"] = "REPEATABLE READ"
        self._reader = self.engine.execution_options(**read_options)
        # Who we are in change notifications, so that a station skips its own.
        self.origin = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        # What this process announced itself (skipped by a poll), and, per thread, the
        # changes committed while a caller collects them (``collecting``).
        self.own = OwnWrites()
        self._collectors = threading.local()
        event.listen(self.engine, "before_cursor_execute", _note_written)
        event.listen(self.engine, "begin", _forget_written)
        if self.is_postgresql:
            event.listen(self.engine, "connect", _pg_on_connect)
            from bwc_desk.store.models import postgresql_index_options

            postgresql_index_options()  # (the partial indexes' WHERE: see store.models)
        self._write_sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._turns = WriteTurns() if self.is_sqlite and not readonly else None
        event.listen(self._write_sessions, "after_flush", touched.after_flush)
        event.listen(self._write_sessions, "do_orm_execute", touched.on_execute)
        self._read_sessions = sessionmaker(self._reader, expire_on_commit=False)

    @property
    def path(self) -> Path | None:
        if not self.is_sqlite or not self.url.database or self.url.database == ":memory:":
            return None
        return Path(self.url.database)

    @property
    def display(self) -> str:
        """Where the data is, without a password."""
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction. What it changed (a ``Change``) is told at commit: to the
        other stations (NOTIFY on PostgreSQL) and to whoever is ``collecting`` on this
        thread; a transaction that rolls back tells nothing. On SQLite the writers of this
        process take the write lock in turn, a person's before the background threads'
        (store/write_turns.py)."""
        if self._turns is None:
            with self._write() as session:
                yield session
        else:
            with self._turns.turn(), self._write() as session:
                yield session

    def mark_background_writer(self) -> None:
        """This thread's writes (the dock feed, housekeeping) wait for the person's."""
        if self._turns is not None:
            self._turns.mark_background()

    @contextmanager
    def _write(self) -> Iterator[Session]:
        session = self._write_sessions()
        collected = Touched()
        session.info[touched.KEY] = collected
        collecting: list[Change] | None = getattr(self._collectors, "changes", None)
        change: Change | None = None
        footprint = False
        try:
            with session.begin():
                if self.is_postgresql:
                    _one_writer_at_a_time(session)
                yield session
                transaction = session.get_transaction()
                if transaction is not None and transaction.is_active:
                    session.flush()  # changes still pending would be missing otherwise
                    written: set[str] = session.connection().info.pop(_WRITTEN, set())
                    change = collected.result(written)
                    if collecting is not None and (
                        change is not None or collected.seqs or collected.stamps
                    ):
                        # Known as ours before the commit is visible to any poll (an audit
                        # record alone included: no view is told of it, nor told again).
                        self.own.add(collected)
                        footprint = True
                    if change is not None and self.is_postgresql:
                        self._notify(session, change, collecting is not None)
        except OperationalError as exc:
            if footprint:
                self.own.discard(collected)
            self._storage(exc)
            if self.is_sqlite and _sqlite_busy(exc):
                raise BusyError(
                    "The database is busy: another station (or a long task on this one) kept "
                    f"it locked for {SQLITE_BUSY_MS // 1000} seconds. Nothing was written; try "
                    "again in a moment."
                ) from exc
            if _pgcode(exc) == "55P03":  # lock_not_available: lock_timeout ran out
                raise BusyError(
                    "The shared database is busy: another station has been writing for "
                    f"{WRITE_WAIT_S} seconds (a large import, perhaps). Nothing was written; "
                    "try again in a moment."
                ) from exc
            self._unreachable(exc)
            raise
        except OSError as exc:  # creating the file or its folder
            if footprint:
                self.own.discard(collected)
            self._storage(exc)
            raise
        except BaseException:
            if footprint:
                self.own.discard(collected)
            raise
        finally:
            session.info.pop(touched.KEY, None)
            session.close()
        if change is not None and collecting is not None:
            collecting.append(change)

    @contextmanager
    def collecting(self) -> Iterator[list[Change]]:
        """The changes this thread's write transactions commit meanwhile, in order. They
        are the caller's to announce: notifications and polls skip them."""
        outer = getattr(self._collectors, "changes", None)
        changes: list[Change] = []
        self._collectors.changes = changes
        try:
            yield changes
        finally:
            self._collectors.changes = outer
            if outer is not None:
                outer.extend(changes)

    def _storage(self, exc: BaseException) -> None:
        problem = storage_error(exc, self.path)
        if isinstance(problem, ReadOnlyError) and self.readonly:
            return  # opened read-only on purpose (checking a backup): not the folder's fault
        if problem is not None:
            raise problem from exc

    def _unreachable(self, exc: OperationalError) -> None:
        """A lost or refused connection to the server, said as such (not as a crash)."""
        if self.is_postgresql and server_unreachable(exc):
            host = self.url.host or "the server"
            raise UnavailableError(
                f"The database server ({host}) cannot be reached: nothing was written. "
                "BWC Desk keeps trying; check the network or ask the administrator."
            ) from exc

    def _notify(self, session: Session, change: Change, announced: bool) -> None:
        """Tell the other stations what this transaction changed, in one notification.
        NOTIFY is transactional: delivered at commit, and not at all on a rollback. The
        sender is named only when it announces the change itself: its own listener skips
        that one, and hears any other (a write no view announced) like another station's."""
        session.execute(text("SELECT pg_notify(:channel, :payload)"), {
            "channel": CHANNEL, "payload": change.payload(self.origin if announced else ""),
        })

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self._read_sessions()
        try:
            with session.begin():
                yield session
        except OperationalError as exc:
            self._storage(exc)
            self._unreachable(exc)
            raise
        except OSError as exc:  # creating the file or its folder
            self._storage(exc)
            raise
        finally:
            session.close()

    def raw_sqlite(self) -> sqlite3.Connection:
        """A plain sqlite3 connection to the same file, for checks and backups."""
        assert self.path is not None
        conn = sqlite3.connect(self.path, timeout=15, isolation_level=None)
        for name, value in sqlite_pragmas():
            conn.execute(f"PRAGMA {name}={value}")
        return conn

    def checkpoint(self) -> tuple[int, int, int] | None:
        """A passive WAL checkpoint: copies committed pages into the database file without
        waiting for, or blocking, readers and writers. Run from a background thread.

        When it copied everything and the WAL file is still larger than
        ``journal_size_limit`` (it grew while a long read held its snapshot), the file is
        truncated too, but only if that can be done at once: the checkpoint never waits
        (a waiting RESTART or TRUNCATE checkpoint holds off every writer, on every station,
        for as long as it waits). Returns the passive checkpoint's (busy, log, copied)."""
        if not self.is_sqlite or self.path is None or self.readonly:
            return None
        conn = self.raw_sqlite()
        try:
            row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if row and not row[0] and row[1] == row[2] and self._wal_bytes() > WAL_LIMIT:
                conn.execute("PRAGMA busy_timeout=0")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.close()
        return (int(row[0]), int(row[1]), int(row[2])) if row else None

    def wal_bytes(self) -> int:
        """The size of the SQLite file's WAL now (0 without one)."""
        return self._wal_bytes()

    def _wal_bytes(self) -> int:
        if self.path is None:
            return 0
        try:
            return Path(f"{self.path}-wal").stat().st_size
        except OSError:
            return 0

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own BEGIN handling is off; we begin transactions ourselves (SQLAlchemy's
    # documented recipe), so BEGIN IMMEDIATE can be used for writes.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for name, value in sqlite_pragmas():
            cursor.execute(f"PRAGMA {name}={value}")
    finally:
        cursor.close()


def sqlite_pragmas() -> list[tuple[str, str]]:
    """SQLITE_PRAGMAS with the busy timeout and the WAL size limit as set now (tests
    shorten them)."""
    now = {"busy_timeout": str(SQLITE_BUSY_MS), "journal_size_limit": str(WAL_LIMIT)}
    return [(name, now.get(name, value)) for name, value in SQLITE_PRAGMAS]


def _sqlite_busy(exc: OperationalError) -> bool:
    """SQLite's busy timeout ran out (SQLITE_BUSY, or SQLITE_LOCKED)."""
    code = (getattr(exc.orig, "sqlite_errorcode", 0) or 0) & 0xFF
    return code in (SQLITE_BUSY, SQLITE_LOCKED) or "database is locked" in str(exc.orig)


def _private_creator(path: Path) -> Any:
    """Connections that create the file, when it is missing, readable by its owner only."""

    def connect() -> sqlite3.Connection:
        paths.ensure_private_dir(path.parent)
        paths.create_private_file(path)
        return sqlite3.connect(path, timeout=15, check_same_thread=False)

    return connect


def _read_only_creator(path: Path) -> Any:
    def connect() -> sqlite3.Connection:
        return sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=15, check_same_thread=False
        )

    return connect


def _sqlite_on_connect_ro(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA query_only=ON")


# Writers on PostgreSQL queue here, one at a time, as BEGIN IMMEDIATE makes them on SQLite.
# Without it, two transactions that lock the same rows in different orders (a unit, then the
# chain head; the chain head, then a unit) deadlock; with it, every check a service makes in
# its write transaction still holds when it writes. Readers are not affected.
WRITER_LOCK_KEY = 0x42574344  # "BWCD"
WRITE_WAIT_S = 20


def _one_writer_at_a_time(session: Session) -> None:
    # One round trip: the wait limit for this transaction (SET LOCAL), then the lock.
    session.execute(
        text("SELECT set_config('lock_timeout', :wait, true), pg_advisory_xact_lock(:key)"),
        {"wait": f"{WRITE_WAIT_S}s", "key": WRITER_LOCK_KEY},
    )


def _pgcode(exc: OperationalError) -> str | None:
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)


def server_unreachable(exc: OperationalError) -> bool:
    """A PostgreSQL error that says the server cannot be reached (down, restarting, the
    network: connection failures, an invalidated connection, no SQLSTATE at all), not one
    that answers and refuses (a wrong password, no such database)."""
    code = _pgcode(exc) or ""
    return bool(exc.connection_invalidated) or not code or code.startswith(("08", "57P"))


def _pg_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # A station that dies in the middle of a transaction (power cut, cable pulled) must not
    # hold the writers' lock until TCP notices hours later.
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET idle_in_transaction_session_timeout = '60s'")
    dbapi_connection.commit()


def _note_written(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    # Every table written, whatever wrote it: a write no session event explained still
    # announces its topics (with its ids unknown).
    match = _WRITE_SQL.match(statement)
    if match:
        conn.info.setdefault(_WRITTEN, set()).add(match.group(1).lower())


def _forget_written(conn: Any) -> None:
    conn.info.pop(_WRITTEN, None)  # (left over by a transaction that rolled back)


def _sqlite_on_begin_ro(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def _sqlite_on_begin(conn: Any) -> None:
    if conn.get_execution_options().get(_READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

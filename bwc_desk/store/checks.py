"""Database health checks for self-test and start-up."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, insert, select, text

from bwc_desk.store.db import SQLITE_PRAGMA_EXPECTED, Database
from bwc_desk.store.models import Setting

PROBE_KEY = "__self_test_probe__"


def sqlite_integrity(db: Database, quick: bool = False) -> str:
    with db.engine.connect() as conn:
        pragma = "quick_check" if quick else "integrity_check"
        rows = conn.exec_driver_sql(f"PRAGMA {pragma}").fetchall()
    return summarize_integrity([str(r[0]) for r in rows])


def sqlite_foreign_keys(db: Database) -> str:
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if not rows:
        return "ok"
    return f"{len(rows)} broken references, first: table {rows[0][0]} row {rows[0][1]}"


def sqlite_pragmas(db: Database) -> dict[str, object]:
    """The pragmas in force on a new connection from the pool."""
    found: dict[str, object] = {}
    with db.engine.connect() as conn:
        for name in SQLITE_PRAGMA_EXPECTED:
            value = conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            found[name] = value.lower() if isinstance(value, str) else value
    return found


def probe_write(db: Database) -> str:
    """Write a row and roll it back; then check it is gone. 'ok' or what went wrong."""
    from datetime import UTC, datetime

    session = db._write_sessions()
    try:
        session.begin()
        session.execute(
            insert(Setting).values(
                key=PROBE_KEY, value="1", updated_at=datetime.now(UTC), updated_by="self-test"
            )
        )
        found = session.execute(select(Setting.key).where(Setting.key == PROBE_KEY)).first()
        session.rollback()
    finally:
        session.close()
    if found is None:
        return "the probe row could not be read back inside its transaction"
    with db.read() as s:
        if s.execute(select(Setting.key).where(Setting.key == PROBE_KEY)).first():
            with db.write() as w:
                w.execute(delete(Setting).where(Setting.key == PROBE_KEY))
            return "the probe row survived a rollback"
    return "ok"


def server_version(db: Database) -> str:
    with db.engine.connect() as conn:
        if db.is_sqlite:
            return "SQLite " + str(conn.exec_driver_sql("select sqlite_version()").scalar())
        return str(conn.execute(text("select version()")).scalar())


# --- is the file where the database should be a database at all? --------------------------
SQLITE_MAGIC = b"SQLite format 3\x00"
_WAL_HEADER_BYTES = 32


def sqlite_file_problem(path: Path) -> str | None:
    """Why the existing file at `path` cannot be a SQLite database as it is (empty, not
    SQLite, truncated), or None. Reads the 100-byte header and the sizes only: instant on
    any file. (Damage inside the pages takes quick_check.)"""
    size = path.stat().st_size
    if size == 0:
        return "the file is empty (0 bytes)"
    with path.open("rb") as fh:
        header = fh.read(100)
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        if not header:
            return "the file is not a SQLite database: it is empty"
        shown = " ".join(f"{b:02x}" for b in header[:8])
        text = header[:16].decode("ascii", "replace")
        if text.isprintable():  # (a text file, a page of HTML saved under the name)
            return f"the file is not a SQLite database: it begins with {text!r}"
        return f"the file is not a SQLite database (its first bytes are {shown})"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return f"its header is damaged (page size {page_size})"
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > _WAL_HEADER_BYTES:
        # Pages not yet copied into the file live in the WAL; SQLite puts them back.
        return None
    if size % page_size:
        return (f"the file is truncated: {size:,} bytes is not a whole number of "
                f"{page_size:,}-byte pages")
    pages = int.from_bytes(header[28:32], "big")
    # The page count in the header is valid when the change counter matches "valid-for".
    if pages and header[24:28] == header[92:96] and size < pages * page_size:
        return (f"the file is truncated: {size:,} bytes, where its header says "
                f"{pages * page_size:,}")
    return None


def summarize_integrity(rows: list[str]) -> str:
    """integrity_check's answer in one line: 'ok', or how many problems and the first two
    (it can list a hundred, some spanning several lines)."""
    problems = [
        line.strip()
        for row in rows
        for line in str(row).splitlines()
        if line.strip() and not line.startswith("***")
    ]
    if not problems or problems == ["ok"]:
        return "ok"
    shown = "; ".join(p[:160] for p in problems[:2])
    more = len(problems) - 2
    count = f"{len(problems)}{'+' if len(problems) >= 100 else ''} problems"
    return f"{count}, first: {shown}" + (f" (and {more} more)" if more > 0 else "")


def database_id(db: Database) -> str | None:
    """This database's id (schema 'dbid' on), which its backups carry."""
    from bwc_desk.store.models import DatabaseIdentity

    with db.read() as session:
        return session.execute(select(DatabaseIdentity.database_id)).scalar_one_or_none()


def sqlite_schema_problem(path: Path) -> str | None:
    """None if the file (opened read-only: a foreign file is not touched) carries BWC Desk's
    schema version, else why not. A file that cannot be opened at all raises."""
    import sqlite3

    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=15)
    try:
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
    except sqlite3.OperationalError:
        raise  # locked, unreadable folder...: not damage
    except sqlite3.DatabaseError as exc:  # not a database, malformed
        return str(exc)
    finally:
        conn.close()
    return None if found else "it is not a BWC Desk database (it has no schema version)"

"""Database health checks for self-test and start-up."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, text

from bwc_desk.store.db import SQLITE_PRAGMA_EXPECTED, Database
from bwc_desk.store.models import Setting

PROBE_KEY = "__self_test_probe__"


def sqlite_integrity(db: Database, quick: bool = False) -> str:
    with db.engine.connect() as conn:
        pragma = "quick_check" if quick else "integrity_check"
        rows = conn.exec_driver_sql(f"PRAGMA {pragma}").fetchall()
    return "ok" if rows == [("ok",)] else "; ".join(str(r[0]) for r in rows[:5])


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

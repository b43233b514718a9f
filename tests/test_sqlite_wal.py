"""SQLite under load, on a real file: a long read (a reload of every row, a quick_check, a
backup) while two stations write. Every write goes through, the WAL is cut back once the
long read is over, and a backup finishes however often the others write. (A station kept
waiting too long is told so: tests/test_races.py, on both backends.)"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from bwc_desk.domain.roles import Role
from bwc_desk.services import auth, counter, housekeeping, inventory, officers
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store import backup as store_backup
from bwc_desk.store import db as store_db
from bwc_desk.store.db import Database
from bwc_desk.store.models import Checkout, Unit
from tests.conftest import PASSWORD, add_own

WAL_LIMIT = 256 * 1024  # bytes: small, so that a few dozen scans outgrow it


@pytest.fixture
def agency(admin_ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> Ctx:
    monkeypatch.setattr(store_db, "WAL_LIMIT", WAL_LIMIT)
    add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    for i in range(30):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-{i:02d}", f"SN{i:02d}"))
        officers.add_officer(admin_ctx, OfficerInput(f"{i + 1:04d}", f"Officer{i}"))
    return admin_ctx


def station(ctx: Ctx, name: str) -> Ctx:
    """Another station PC: its own engine and pool, its own name."""
    db = Database(ctx.db.url.render_as_string(hide_password=False))
    actor = auth.sign_in(Ctx(db, name), "quinn", PASSWORD)
    return Ctx(db, name, actor, ctx.clock, ctx.zone)


def _scans(ctx: Ctx, clock: Any, officer_ids: list[int], tags: list[str]) -> None:
    """Issues then returns, as a counter does (past the double-scan window each time)."""
    for officer_id, tag in zip(officer_ids, tags, strict=True):
        clock.advance(seconds=11)
        assert counter.issue_unit(ctx, officer_id, tag, function_test=FunctionTest()).issued
    for tag in tags:
        clock.advance(seconds=11)
        assert counter.return_unit(ctx, tag).seq is not None


def _officer_ids(ctx: Ctx) -> list[int]:
    return [o.id for o in officers.list_officers(ctx)]


def test_the_wal_is_cut_back_once_a_long_read_is_over(agency: Ctx, clock: Any) -> None:
    a, b = station(agency, "DESK-A"), station(agency, "DESK-B")
    ids = _officer_ids(agency)
    reader = Database(agency.db.url.render_as_string(hide_password=False))
    try:
        with reader.read() as session:
            # An Inventory reload: its snapshot is held while the rows are built.
            assert session.execute(select(func.count()).select_from(Unit)).scalar_one() == 30
            threads = [
                threading.Thread(target=_scans, args=(a, clock, ids[:10], [
                    f"HPD-{i:02d}" for i in range(10)])),
                threading.Thread(target=_scans, args=(b, clock, ids[10:20], [
                    f"HPD-{i:02d}" for i in range(10, 20)])),
            ]
            errors: list[BaseException] = []
            for t in threads:
                t.run = _catching(t.run, errors)  # type: ignore[method-assign]
                t.start()
            for t in threads:
                t.join(120)
            assert errors == []
            # The maintenance lane's checkpoint cannot get past the reader's snapshot.
            busy, log, copied = housekeeping.checkpoint(agency) or (0, 0, 0)
            assert copied < log
            grown = _wal(agency.db)
            assert grown > WAL_LIMIT
        # The reload is over: the next checkpoint copies everything and cuts the WAL back.
        busy, log, copied = housekeeping.checkpoint(agency) or (1, 0, 0)
        assert busy == 0 and copied == log
        assert _wal(agency.db) <= WAL_LIMIT
        _scans(b, clock, ids[20:21], ["HPD-20"])  # and the stations carry on
        assert _wal(agency.db) < grown
        with agency.db.read() as session:
            assert session.execute(select(func.count()).select_from(Checkout)).scalar_one() == 21
    finally:
        reader.dispose()
        for ctx in (a, b):
            ctx.db.dispose()


def _wal(db: Database) -> int:
    path = Path(f"{db.path}-wal")
    return path.stat().st_size if path.exists() else 0


def _catching(run: Any, errors: list[BaseException]) -> Any:
    def wrapped() -> None:
        try:
            run()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    return wrapped


def test_a_backup_finishes_while_other_stations_write(
    agency: Ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = agency.db.path
    assert path is not None
    with agency.db.write() as s:  # larger than one old backup step (4,096 pages)
        s.execute(text("CREATE TABLE ballast (b BLOB)"))
        s.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 80) "
                "INSERT INTO ballast SELECT zeroblob(262144) FROM n"
            )
        )
    other = station(agency, "DESK-B")
    steps: list[int] = []
    real_connect = sqlite3.connect

    class Source(sqlite3.Connection):
        def backup(self, target: sqlite3.Connection, **kw: Any) -> None:
            def progress(status: int, remaining: int, total: int) -> None:
                steps.append(remaining)
                if len(steps) > 50:
                    raise RuntimeError("the backup keeps starting over")
                # Another station writes between two steps of the copy.
                with other.db.write() as s:
                    s.execute(text("UPDATE units SET notes = notes || '.' WHERE id = 1"))

            super().backup(target, progress=progress, **kw)

    def connect(database: Any, *args: Any, **kw: Any) -> sqlite3.Connection:
        if Path(database) == path:
            kw["factory"] = Source
        return real_connect(database, *args, **kw)

    monkeypatch.setattr(store_backup.sqlite3, "connect", connect)
    made = store_backup.backup_sqlite(path, tmp_path / "copy.sqlite3")
    assert made.integrity == "ok"
    assert steps and steps[-1] == 0
    copy = real_connect(made.path)
    try:
        assert copy.execute("SELECT count(*) FROM ballast").fetchone() == (80,)
    finally:
        copy.close()
    other.db.dispose()

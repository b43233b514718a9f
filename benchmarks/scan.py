"""scan_service_p50_ms / scan_service_p99_ms: one scan at the counter through the service
only (the custody record and its hash, the checkout, the unit) plus a bare model's update, on
a copy of the agency's database, called directly on this thread: no window, no view, no task
runner (what a person at the counter waits for is scan_to_banner_*, benchmarks/counter_load.py).
The copy gets the evidence room's docks as they are on a working day (``seed_docks``): 100
docks of 12 bays reporting, most bays taken, a last reading for every camera; so each return
is told a free bay and holds it (the holds of the last ten minutes stand in its way);
next to raw_commit_p50_ms / raw_commit_p99_ms, a raw SQLite insert and commit with the same
durability settings (WAL, synchronous=FULL), in the same run."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks.agency import PASSWORD, Agency
from benchmarks.harness import Figure, percentile
from bwc_desk.services import auth, counter
from bwc_desk.services.context import Ctx, utc_now
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.startup import open_database
from bwc_desk.store.db import SQLITE_PRAGMAS


class _Clock:
    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now

    def tick(self) -> None:
        self.now += timedelta(seconds=11)  # past the double-scan window


def raw_commits(path: Path, n: int) -> list[float]:
    conn = sqlite3.connect(path, isolation_level=None)
    for name, value in SQLITE_PRAGMAS:
        conn.execute(f"PRAGMA {name}={value}")
    conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, v TEXT)")
    times = []
    for i in range(n):
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO bench_raw (v) VALUES (?)", (f"scan {i}",))
        conn.execute("COMMIT")
        times.append((time.perf_counter() - started) * 1000)
    conn.close()
    return times


def seed_docks(path: Path, docks: int = 100, bays: int = 12, free_every: int = 4) -> None:
    """Docks, bays and the cameras' last readings, written straight into the copy (the cached
    agency has none): every ``free_every``-th bay is free, the others hold a camera that is
    on the shelf; every camera has a last reading (it was docked at some point)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    if conn.execute("SELECT count(*) FROM docks").fetchone()[0]:
        conn.execute("ROLLBACK")
        conn.close()
        return
    seen = "2000-01-01 00:00:00.000000"  # refreshed before each scan (_docks_report)
    units = [
        (uid, serial)
        for uid, serial in conn.execute(
            "SELECT id, serial FROM units WHERE status = 'available' ORDER BY id"
        )
    ]
    docked = iter(units[len(units) // 2:])  # the officers' own cameras come first
    for d in range(docks):
        name = f"BENCH-DOCK-{d + 1:03d}"
        dock_id = conn.execute(
            "INSERT INTO docks (name, bays, location, last_seen_at, station, error_count, "
            "last_error) VALUES (?, ?, '', ?, '', 0, '')",
            (name, bays, seen),
        ).lastrowid
        for b in range(1, bays + 1):
            unit = None if (d * bays + b) % free_every == 0 else next(docked, None)
            conn.execute(
                "INSERT INTO bays (dock_id, bay_no, serial, unit_id, reported_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (dock_id, b, unit[1] if unit else None, unit[0] if unit else None, seen),
            )
    conn.execute(
        "INSERT INTO unit_readings (unit_id, dock, bay_no, in_bay, battery, reported_at) "
        "SELECT id, printf('BENCH-DOCK-%03d', 1 + id % ?), 1 + id % ?, 0, 100, ? FROM units",
        (docks, bays, seen),
    )
    conn.execute("COMMIT")
    conn.close()


def _docks_report(feed: sqlite3.Connection, now: datetime) -> None:
    """What the dock feed does every second: the docks were seen now (not timed)."""
    stamp = now.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    feed.execute("UPDATE docks SET last_seen_at = ?", (stamp,))


def run(agency: Agency, work: Path, scans: int = 400) -> list[Figure]:
    copy = agency.copy(work / "agency.sqlite3")
    seed_docks(copy.path)
    times = measure(copy.url, scans)
    raw = raw_commits(work / "raw.sqlite3", len(times))
    return [
        Figure("raw_commit_p50_ms", percentile(raw, 50), "ms",
               "Raw SQLite insert + commit (WAL, synchronous=FULL), p50"),
        Figure("raw_commit_p99_ms", percentile(raw, 99), "ms", "... p99"),
        Figure("scan_service_p50_ms", percentile(times, 50), "ms",
               f"Scan, the service only: rules + ledger + commit + a bare model, p50 "
               f"({agency.size})", baseline="raw_commit_p50_ms"),
        Figure("scan_service_p99_ms", percentile(times, 99), "ms",
               f"... p99 over {len(times)} issues and returns", baseline="raw_commit_p99_ms",
               goal="< 5"),
    ]


def measure(url: str, scans: int = 400) -> list[float]:
    """Milliseconds per scan: issues then returns of officers' own cameras."""
    from PySide6.QtWidgets import QApplication

    from bwc_desk.ui.models.checkout_table_model import CheckoutTableModel

    app = QApplication.instance() or QApplication([])
    opened = open_database(url)
    db = opened.db
    feed = sqlite3.connect(str(make_url(url).database), isolation_level=None, timeout=15)
    clock = _Clock()
    ctx = Ctx(db, "BENCH-1")
    ctx = Ctx(db, "BENCH-1", auth.sign_in(ctx, "quinn", PASSWORD), clock)
    model = CheckoutTableModel()
    model.set_rows(counter.out_now(ctx))
    from sqlalchemy import text

    with db.read() as s:  # officers with an available primary camera and nothing out
        pairs = s.execute(
            text(
                "SELECT o.id, u.asset_tag FROM officers o"
                " JOIN units u ON u.primary_officer_id = o.id"
                " WHERE u.status = 'available' AND o.active AND NOT EXISTS (SELECT 1 FROM "
                "checkouts c WHERE c.officer_id = o.id AND c.returned_at IS NULL) LIMIT :n"
            ),
            {"n": scans // 2},
        ).all()
    import gc

    # As the app does once its window is up: the start-up garbage is frozen, and WAL
    # checkpoints run on a background thread (here: before the timed scans).
    gc.collect()
    gc.freeze()
    db.checkpoint()
    times: list[float] = []
    test = FunctionTest()
    for officer_id, tag in pairs:
        clock.tick()
        started = time.perf_counter()
        result = counter.issue_unit(ctx, officer_id, tag, function_test=test)
        assert result.issued and result.checkout is not None, result.message
        model.upsert([result.checkout])
        app.processEvents()
        times.append((time.perf_counter() - started) * 1000)
    for _officer_id, tag in pairs:
        clock.tick()
        _docks_report(feed, clock.now)
        started = time.perf_counter()
        returned = counter.return_unit(ctx, tag)
        assert returned.suggested_bay, returned.message
        model.remove([r.id for r in model.rows() if r.unit_id == returned.unit.id])
        app.processEvents()
        times.append((time.perf_counter() - started) * 1000)
    db.dispose()
    feed.close()
    return times

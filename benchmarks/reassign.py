"""reassign_500_s: a supervisor commits a shift-change proposal of 500 reassignments through
the service (500 units change officer, 1,000 custody records appended to the hash chain, one
transaction), on a copy of the agency's database; next to raw_reassign_500_s, the same 500
unit updates and 1,000 inserted rows done with plain sqlite3 executemany in one transaction
with the same pragmas, in the same run and on the same file. Each is the median of three
rounds, every round with its own 500 units and officers."""

from __future__ import annotations

import sqlite3
import statistics
import time
from pathlib import Path

from benchmarks.agency import PASSWORD, Agency
from benchmarks.harness import Figure
from bwc_desk.services import auth, shift_change
from bwc_desk.services.context import Ctx
from bwc_desk.services.shift_change import Move
from bwc_desk.services.startup import open_database
from bwc_desk.store.db import SQLITE_PRAGMAS

BATCH = 500
ROUNDS = 3


def raw_reassign(path: Path, moves: list[Move]) -> float:
    """What the hardware and SQLite need for the same writes, without the app: two
    executemany UPDATEs of the units (old links, then new) and 1,000 rows of custody-record
    size into a table of their own (the real ledger refuses rows without a valid chain)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for name, value in SQLITE_PRAGMAS:
        conn.execute(f"PRAGMA {name}={value}")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, seq INTEGER, at TEXT,"
        " kind TEXT, unit_id INTEGER, officer_id INTEGER, staff_username TEXT, station TEXT,"
        " reason TEXT, prev_hash TEXT, hash TEXT)"
    )
    rows = []
    for i, m in enumerate(moves):
        for k, (kind, officer) in enumerate(
            (("unassigned", m.from_officer_id), ("assigned", m.to_officer_id))
        ):
            rows.append(
                (
                    2 * i + k,
                    "2026-11-24 06:45:00.000000",
                    kind,
                    m.unit_id,
                    officer,
                    "bench",
                    "BENCH-1",
                    "shift change Day -> Evening",
                    "0" * 64,
                    "f" * 64,
                )
            )
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "UPDATE units SET primary_officer_id = NULL WHERE id = ?", [(m.unit_id,) for m in moves]
    )
    conn.executemany(
        "UPDATE units SET primary_officer_id = ? WHERE id = ?",
        [(m.to_officer_id, m.unit_id) for m in moves],
    )
    conn.executemany(
        "INSERT INTO bench_raw (seq, at, kind, unit_id, officer_id, staff_username, station,"
        " reason, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def run(agency: Agency, work: Path) -> list[Figure]:
    import gc

    copy = agency.copy(work / "x.sqlite3")
    opened = open_database(copy.url)
    db = opened.db
    ctx = Ctx(db, "BENCH-1")
    ctx = ctx.as_actor(auth.sign_in(ctx, "admin", PASSWORD))
    started = time.perf_counter()
    proposal = shift_change.propose_reassignment(ctx, "Day", "Evening")
    propose_s = time.perf_counter() - started
    moves = [p.move() for p in proposal.moves]
    # The small agency has few officers without a camera: fewer, smaller rounds, said so.
    rounds = ROUNDS if len(moves) >= 2 * ROUNDS * BATCH else 1
    batch = min(BATCH, len(moves) // (2 * rounds))
    if batch == 0:
        raise RuntimeError(f"the {agency.size} agency gives no moves to commit")
    note = "" if batch == BATCH else f"only {batch} moves per round at this size"
    gc.collect()
    db.checkpoint()  # as the app does in the background, so no round pays for it
    service: list[float] = []
    for r in range(rounds):
        chunk = moves[r * batch : (r + 1) * batch]
        started = time.perf_counter()
        result = shift_change.commit_reassignment(ctx, chunk, proposal.reason)
        service.append(time.perf_counter() - started)
        assert result.moved == batch
        db.checkpoint()
    db.dispose()
    raw: list[float] = []
    for r in range(rounds, 2 * rounds):
        raw.append(raw_reassign(copy.path, moves[r * batch : (r + 1) * batch]))
        checkpoint = sqlite3.connect(copy.path, isolation_level=None)
        checkpoint.execute("PRAGMA wal_checkpoint(PASSIVE)")
        checkpoint.close()
    return [
        Figure(
            "raw_reassign_500_s",
            statistics.median(raw),
            "s",
            "Raw SQLite: 500 unit updates + 1,000 inserts, one transaction (executemany)",
            note=note,
        ),
        Figure(
            "reassign_500_s",
            statistics.median(service),
            "s",
            f"Shift change: commit 500 reassignments, 1,000 custody records ({agency.size})",
            baseline="raw_reassign_500_s",
            goal="< 1",
            note=note,
        ),
        Figure(
            "propose_reassign_s",
            propose_s,
            "s",
            f"... building the proposal ({len(proposal.moves):,} moves) for review",
        ),
    ]

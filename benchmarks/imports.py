"""import_200k_officers_s: importing a roster of 200,000 officers into an empty database, next
to import_20k_officers_s, the same import of 20,000 rows in the same run. A linear import
takes about 10x as long for 10x the rows; the quadratic one this replaced took 117 s for
20,000 rows and did not finish 200,000 in 580 s."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.harness import Figure
from bwc_desk.services import auth, imports
from bwc_desk.services.context import Ctx
from bwc_desk.services.startup import open_database
from bwc_desk.store.db import sqlite_url

PASSWORD = "benchmark imports 2026"
SHIFTS = ("Day", "Evening", "Night")


def roster(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("badge,last_name,first_name,rank,division,shift,active,scan_code\r\n")
        for i in range(rows):
            fh.write(
                f"{i:07d},Last{i},First{i},Officer,Division {i % 40},{SHIFTS[i % 3]},yes,"
                f"{'ID-' + str(i) if i % 2 else ''}\r\n"
            )
    return path


def timed_import(work: Path, rows: int) -> float:
    work.mkdir(parents=True, exist_ok=True)
    opened = open_database(sqlite_url(work / f"officers-{rows}.sqlite3"))
    try:
        actor = auth.first_run(
            opened.db, agency_name="Bench PD", station="BENCH", username="admin",
            password=PASSWORD,
        )
        ctx = Ctx(opened.db, "BENCH", actor)
        csv = roster(work / f"officers-{rows}.csv", rows)
        started = time.perf_counter()
        report = imports.import_officers(ctx, csv)
        elapsed = time.perf_counter() - started
    finally:
        opened.db.dispose()
    if not report.committed or report.added != rows:
        raise RuntimeError(f"the import did not add {rows} officers: {report.errors[:3]}")
    return elapsed


def run(work: Path, small: int = 20_000, large: int = 200_000) -> list[Figure]:
    small_s = timed_import(work, small)
    large_s = timed_import(work, large)
    return [
        Figure("import_20k_officers_s", small_s, "s", f"Import {small:,} officers (CSV)"),
        Figure(
            "import_200k_officers_s",
            large_s,
            "s",
            f"Import {large:,} officers (CSV), all or nothing",
            baseline="import_20k_officers_s",
            goal="< 60",
            note=f"linear: about {large // small}x the baseline",
        ),
    ]

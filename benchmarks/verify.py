"""verify_2m_s: walking the custody chain of the agency (2,000,000 events at --size large),
next to raw_scan_s, reading the same rows with plain sqlite3 and hashing each: the floor."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

from benchmarks.agency import Agency
from benchmarks.harness import Figure
from bwc_desk.services.startup import open_database
from bwc_desk.services.verify import check_database


def run(agency: Agency, work: Path) -> list[Figure]:
    opened = open_database(agency.url)
    try:
        started = time.perf_counter()
        result = check_database(opened.db)
        verify_s = time.perf_counter() - started
    finally:
        opened.db.dispose()
    if not result.ok:
        raise RuntimeError(f"the benchmark agency does not verify: {result.lines()}")
    raw = sqlite3.connect(agency.path)
    started = time.perf_counter()
    for row in raw.execute(
        "SELECT seq, prev_hash, hash, at, kind, unit_id, officer_id, staff_id, "
        "staff_username, station, reason, details, corrects_seq FROM custody_events "
        "ORDER BY seq"
    ):
        hashlib.sha256(repr(row).encode()).digest()
    raw_s = time.perf_counter() - started
    raw.close()
    label = f"{result.custody.count:,} custody events"
    return [
        Figure("raw_scan_s", raw_s, "s", f"Raw sqlite3 read + SHA-256 of {label}"),
        Figure(
            "verify_2m_s",
            verify_s,
            "s",
            f"Verify records: both chains, {label}",
            baseline="raw_scan_s",
            goal="< 10",
        ),
    ]

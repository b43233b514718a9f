"""Crash safety at length: hundreds of SIGKILLs of a process issuing and returning cameras,
every one followed by the four checks of tests/crash_harness.py (integrity_check, both hash
chains, every acknowledged transaction present, consistent state). A failed check stops the
run with an AssertionError naming the kill and the seed: that is a bug, not a slow figure.

BWC_CRASH_KILLS sets the number of kills (default 300), BWC_CRASH_SEED the seed. The loop
uses its own small agency whatever the size: what is measured is surviving kills, and a
bigger file only makes each check slower.
"""

from __future__ import annotations

import os
from pathlib import Path

from benchmarks.harness import Figure
from tests.crash_harness import run_kills

DEFAULT_KILLS = 300
DEFAULT_SEED = 2026


def run(size: str, work: Path) -> list[Figure]:
    kills = int(os.environ.get("BWC_CRASH_KILLS", DEFAULT_KILLS))
    seed = int(os.environ.get("BWC_CRASH_SEED", DEFAULT_SEED))
    report = run_kills(work, kills, seed, min_delay=0.0, max_delay=0.5, log=lambda _m: None)
    note = f"seed {seed}; kill 0-0.5 s after the first acknowledgement of each run"
    return [
        Figure(
            "crash_kills_survived",
            report.kills,
            "kills",
            f"SIGKILLs survived, all four checks passing (of {kills})",
            note=note,
        ),
        Figure(
            "crash_transactions_acknowledged",
            report.acknowledged,
            "transactions",
            "Issues and returns acknowledged after COMMIT, all found after every kill",
        ),
        Figure(
            "crash_commits_unacknowledged",
            report.unacknowledged,
            "transactions",
            "... committed but killed before the acknowledgement (allowed)",
        ),
        Figure("crash_seconds", report.seconds, "s", "Crash loop, start to end"),
    ]

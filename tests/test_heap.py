"""Freed memory goes back to the system: fewer glibc arenas, and a trim now and then from the
maintenance pool (never the main thread)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from bwc_desk.adapters import heap
from bwc_desk.services import housekeeping
from bwc_desk.services.context import Ctx
from bwc_desk.services.startup import open_database
from bwc_desk.store.db import sqlite_url
from bwc_desk.ui.maintenance import Maintenance


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's knobs")
def test_glibc_knobs_are_found_and_taken() -> None:
    assert heap.available()
    assert heap.limit_arenas(2) is True
    heap.trim()  # True or False (nothing to release), never an error


def test_without_glibc_both_are_no_ops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_libc", lambda: None)
    assert not heap.available()
    assert heap.limit_arenas() is False
    assert heap.trim() is False


def test_maintenance_trims_on_its_own_thread(
    qtbot: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(housekeeping, "can_release_memory", lambda: True)
    threads: list[threading.Thread] = []

    def fake_trim() -> bool:
        threads.append(threading.current_thread())
        return True

    monkeypatch.setattr(housekeeping, "release_memory", fake_trim)
    db = open_database(sqlite_url(tmp_path / "t.sqlite3")).db
    jobs = Maintenance(Ctx(db, "T-1"), delay_ms=60_000, checkpoint_ms=60_000, trim_ms=20)
    try:
        jobs.start()
        qtbot.waitUntil(lambda: len(threads) >= 2)  # type: ignore[attr-defined]
        assert all(t is not threading.main_thread() for t in threads)
    finally:
        jobs.stop()
        db.dispose()
    seen = len(threads)
    qtbot.wait(100)  # type: ignore[attr-defined]
    assert len(threads) == seen  # stopped means stopped

"""The PostgreSQL server stops mid-feed: cameras are docked and undocked meanwhile, over the
real socket and the real flusher thread; once the server is started again every move is in
the ledger with its own time, once. Runs its own throwaway cluster (it stops it), so it
needs PostgreSQL's server binaries, not BWC_TEST_PG_URL."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import zoneinfo
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bwc_desk.services import auth, dock_registry, inventory
from bwc_desk.services.context import Ctx
from bwc_desk.services.dockfeed import DockFeed
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.startup import open_database
from tests.conftest import PASSWORD, FakeClock
from tests.test_dock_journal import expected, history

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pg_cluster.py"


def cluster(command: str, folder: Path, *more: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), command, str(folder), *more],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture
def server(tmp_path):
    folder = tmp_path / "pg"
    # durable: a server stopped as a crash keeps every transaction it acknowledged (the
    # test servers' synchronous_commit=off would lose the last ones, as a real one would)
    started = cluster("start", folder, "--durable")
    if started.returncode == 3:
        pytest.skip("no PostgreSQL server binary (pg_ctl) is installed")
    assert started.returncode == 0, started.stderr
    yield folder, started.stdout.strip()
    cluster("stop", folder)


def until(what, seconds=120.0):
    """Wait for a condition another thread brings about (no timing is asserted: the limit
    only stops a hung test)."""
    deadline = time.monotonic() + seconds
    while not what():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


def test_the_server_stops_mid_feed_and_every_move_arrives_with_its_time_once(server, tmp_path):
    folder, url = server
    opened = open_database(url)
    db = opened.db
    clock = FakeClock()
    actor = auth.first_run(
        db,
        agency_name="Test PD",
        station="DESK-1",
        username="admin",
        password=PASSWORD,
        display_name="Ada Admin",
        clock=clock,
    )
    ctx = Ctx(db, "DESK-1", actor, clock, zoneinfo.ZoneInfo("America/New_York"))
    for i in range(1, 4):
        inventory.add_unit(ctx, UnitInput(f"HPD-{i}", f"X60A000{i}"))
    dock_registry.add_dock(ctx, "DOCK-A", 8)
    feed = DockFeed(ctx, "127.0.0.1", 0, flush_seconds=0.05, journal=tmp_path / "j.jsonl")
    feed.start()
    conn = socket.create_connection(feed.address, timeout=10)
    try:

        def send(message: dict) -> None:
            seen = feed.board.messages
            conn.sendall(
                json.dumps({"v": 1, "ts": "2026-11-24T06:45:00Z", **message}).encode() + b"\n"
            )
            until(lambda: feed.board.messages > seen)  # received (and journaled) at clock()

        def bay(n: int, serial: str | None) -> dict:
            return {"type": "bay", "dock": "DOCK-A", "bay": n, "serial": serial, "battery": 50}

        send({"type": "hello", "dock": "DOCK-A", "bays": 8})
        t0 = clock()
        send(bay(1, "X60A0001"))
        until(lambda: len(history(ctx)) == 1)

        assert cluster("pause", folder).returncode == 0  # the server goes down
        times = {}
        for name, seconds, message in (
            ("hpd1 leaves bay 1", 10, bay(1, None)),
            ("hpd2 docks in bay 2", 20, bay(2, "X60A0002")),
            ("hpd1 docks in bay 3", 30, bay(3, "X60A0001")),
            ("hpd2 leaves bay 2", 120, bay(2, None)),
        ):
            times[name] = clock.advance(seconds=seconds)
            send(message)
        until(lambda: feed.last_error != "")  # the flusher found the server gone
        clock.advance(minutes=5)

        assert cluster("resume", folder).returncode == 0  # and back five minutes later
        until(lambda: feed.last_error == "" and feed.replayed >= 5)
        until(lambda: len(history(ctx)) >= 5)
        assert history(ctx) == expected(t0, times)
        assert inventory.unit_detail(ctx, "HPD-1").dock_bay == "DOCK-A / bay 3"
    finally:
        conn.close()
        feed.stop()
        db.dispose()
    assert datetime.now(UTC) > t0  # the times above are the fake clock's, not the replay's

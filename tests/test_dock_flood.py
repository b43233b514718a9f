"""A flood on the real dock feed (server, board, flusher, database): another dock's reply
still arrives, the process memory stays bounded, nothing is written for the flood. Waits have
generous bounds; nothing here is a timing assertion."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from pathlib import Path

import pytest

from bwc_desk.services import dock_board, dock_registry
from bwc_desk.services.dockfeed import DockFeed

TOKEN = "flood-test-token"
LINES = 200_000


def rss_mib() -> float:
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    pytest.skip("no /proc/self/status here")
    raise AssertionError


def flood_bytes() -> bytes:
    hellos = (
        json.dumps({"v": 1, "type": "hello", "dock": f"FAKE-{i}", "bays": 8, "token": TOKEN})
        for i in range(LINES // 2)
    )
    bays = json.dumps({"v": 1, "type": "bay", "dock": "DOCK-A", "bay": 1, "serial": "X",
                       "ts": "2026-11-26T22:00:00Z"})
    return ("\n".join(hellos) + "\n" + (bays + "\n") * (LINES // 2)).encode()


def test_a_flood_on_one_connection_starves_nobody(admin_ctx):
    dock_registry.add_dock(admin_ctx, "DOCK-A", 8)
    feed = DockFeed(admin_ctx, "127.0.0.1", 0, token=TOKEN, flush_seconds=0.2)
    feed.start()
    data = flood_bytes()
    before = rss_mib()
    flooder = socket.create_connection(feed.address, timeout=60)
    sent = threading.Event()

    def flood() -> None:
        with contextlib.suppress(OSError):
            flooder.sendall(data)  # never reads its replies
        sent.set()

    thread = threading.Thread(target=flood, daemon=True)
    try:
        thread.start()
        with socket.create_connection(feed.address, timeout=60) as dock:
            dock.sendall(json.dumps({"v": 1, "type": "hello", "dock": "DOCK-A", "bays": 8,
                                     "token": TOKEN}).encode() + b"\n[]\n")
            reply = json.loads(dock.makefile("rb").readline())  # 60 s bound: not a timing test
            assert reply["line"] == 2
        assert sent.wait(120), "the flood was not taken in"
        assert rss_mib() - before < 100
    finally:
        flooder.close()
        feed.stop()
    assert [d.name for d in dock_registry.list_docks(admin_ctx)] == ["DOCK-A"]
    assert dock_board.board(admin_ctx).docks[0].error_count <= 1

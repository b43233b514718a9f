"""Two connections saying they are one dock: the first, while open, speaks for it; the
second is not believed and the dock's error says so (its bays used to take turns)."""

from __future__ import annotations

from datetime import UTC, datetime

from bwc_desk.adapters.dockfeed.protocol import BayReport, Hello
from bwc_desk.services.dockfeed import DockBoard

T = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
PRESENT = frozenset({"battery", "charging", "upload", "updating", "error"})


def report(serial: str | None, battery: int | None = 90) -> BayReport:
    return BayReport("DOCK-F", 1, serial, battery, bool(serial), None, False, None, T, PRESENT)


def test_a_second_connection_as_a_connected_dock_is_ignored_and_named():
    board = DockBoard(lambda: T)
    board.on_connection("10.0.0.5:4001", True)
    board.on_message("10.0.0.5:4001", Hello("DOCK-F", 8))
    board.on_message("10.0.0.5:4001", report("X60A0001"))
    board.on_connection("10.0.0.99:5000", True)
    board.on_message("10.0.0.99:5000", Hello("DOCK-F", 8))
    board.on_message("10.0.0.99:5000", report("X60A0005", 100))  # a spoofed reading
    changes = board.take_changes()
    (bay,) = changes.bays
    assert bay.serial == "X60A0001"  # the spoofed reading went nowhere
    dock = changes.docks["DOCK-F"]
    assert dock.errors == 1 and "10.0.0.99:5000" in dock.last_error
    assert "10.0.0.5:4001" in dock.last_error and "dock token" in dock.last_error
    assert dock.peer == "10.0.0.5:4001"


def test_once_the_first_connection_closes_the_new_one_speaks_for_the_dock():
    """A dock that restarted: its old connection closes (at the latest when quiet), and its
    new one is the dock's from then on."""
    board = DockBoard(lambda: T)
    board.on_connection("a:1", True)
    board.on_message("a:1", Hello("DOCK-F", 8))
    board.on_connection("a:2", True)
    board.on_message("a:2", Hello("DOCK-F", 8))  # refused while a:1 is open
    board.on_connection("a:1", False)
    board.on_message("a:2", report("X60A0002"))
    changes = board.take_changes()
    assert [b.serial for b in changes.bays] == ["X60A0002"]
    assert changes.docks["DOCK-F"].peer == "a:2"


def test_without_a_server_telling_connections_every_peer_counts_as_before():
    board = DockBoard(lambda: T)  # (the demo and the benchmarks drive the board directly)
    board.on_message("demo", Hello("DOCK-F", 8))
    board.on_message("demo", report("X60A0001"))
    assert [b.serial for b in board.take_changes().bays] == ["X60A0001"]

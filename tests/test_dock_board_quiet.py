"""The dock board hands a bay to the flusher when its report says something new, and a bay
that keeps saying the same only every RESTATE_EVERY (the database writes nothing new more
often anyway). Nothing is lost: a hand-over that could not be written is handed over again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bwc_desk.adapters.dockfeed.protocol import BayReport, Hello
from bwc_desk.domain.docking import Upload
from bwc_desk.services.dockfeed import DockBoard
from bwc_desk.services.docks import RESTATE_EVERY

PRESENT = frozenset({"battery", "charging", "upload", "updating", "error"})


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 6, 45, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 1) -> None:
        self.now += timedelta(seconds=seconds)


def report(board: DockBoard, clock: Clock, bay: int, serial: str | None, battery: int = 90,
           upload: Upload | None = None) -> None:
    board.on_message("peer", BayReport("DOCK-A", bay, serial, battery, True, upload, False,
                                       None, clock.now, PRESENT))


def handed(board: DockBoard) -> list[tuple[int, int | None]]:
    return sorted((b.bay, b.battery) for b in board.take_changes().bays)


def test_a_bay_that_says_the_same_is_handed_over_every_few_seconds():
    clock = Clock()
    board = DockBoard(clock)
    board.on_message("peer", Hello("DOCK-A", 8))
    report(board, clock, 1, "X1")
    assert handed(board) == [(1, 90)]
    for _ in range(int(RESTATE_EVERY.total_seconds()) - 1):
        clock.tick()
        report(board, clock, 1, "X1")
        assert handed(board) == []  # nothing new
    clock.tick()
    report(board, clock, 1, "X1")
    assert handed(board) == [(1, 90)]  # again, to say it is still there


def test_anything_new_is_handed_over_at_once():
    clock = Clock()
    board = DockBoard(clock)
    board.on_message("peer", Hello("DOCK-A", 8))
    report(board, clock, 1, "X1", upload=Upload(1, 5, 10, 50))
    report(board, clock, 2, "X2")
    assert handed(board) == [(1, 90), (2, 90)]
    clock.tick()
    report(board, clock, 1, "X1", upload=Upload(2, 5, 20, 50))  # the upload moved
    report(board, clock, 2, "X2", battery=91)
    assert handed(board) == [(1, 90), (2, 91)]
    clock.tick()
    report(board, clock, 1, None)  # the camera left
    report(board, clock, 2, "X2", battery=91)
    assert handed(board) == [(1, 90)]


def test_a_hand_over_that_was_not_written_is_handed_over_again():
    clock = Clock()
    board = DockBoard(clock)
    board.on_message("peer", Hello("DOCK-A", 8))
    report(board, clock, 1, "X1")
    board.give_back(board.take_changes())  # the database was away
    clock.tick()
    report(board, clock, 1, "X1")  # says nothing new, but was never written
    assert handed(board) == [(1, 90)]

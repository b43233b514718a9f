"""Writers of one process take SQLite's one write lock in turn, a person's first: a scan at the
counter waits for the transaction that holds the lock, not behind every dock-feed flush queued
after it, and never in SQLite's busy-handler sleeps (up to 100 ms each) while threads of its
own process write back to back."""

from __future__ import annotations

import threading

from bwc_desk.store.write_turns import WriteTurns


def test_a_persons_write_goes_before_queued_background_writes():
    turns = WriteTurns()
    order: list[str] = []
    holding = threading.Event()
    release = threading.Event()

    def first() -> None:
        with turns.turn(background=True):
            holding.set()
            release.wait(10)
            order.append("first")

    def background(name: str) -> None:
        with turns.turn(background=True):
            order.append(name)

    def person() -> None:
        with turns.turn(background=False):
            order.append("person")

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert holding.wait(10)
    for name in ("feed-1", "feed-2"):
        t = threading.Thread(target=background, args=(name,))
        t.start()
        threads.append(t)
    while turns.waiting() < 2:
        threading.Event().wait(0.001)
    t = threading.Thread(target=person)
    t.start()
    threads.append(t)
    while turns.waiting() < 3:
        threading.Event().wait(0.001)
    release.set()
    for t in threads:
        t.join(10)
    assert order[0] == "first" and order[1] == "person"
    assert sorted(order[2:]) == ["feed-1", "feed-2"]


def test_a_turn_is_reentrant_on_its_thread_and_released_on_error():
    turns = WriteTurns()
    try:
        # a nested write on the same thread
        with turns.turn(background=False), turns.turn(background=True):
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    done = threading.Event()

    def other() -> None:
        with turns.turn(background=True):
            done.set()

    threading.Thread(target=other).start()
    assert done.wait(10), "the turn was not given back after an error"


def test_background_is_a_property_of_the_thread():
    turns = WriteTurns()
    assert not turns.is_background()
    seen: list[bool] = []

    def feed() -> None:
        turns.mark_background()
        seen.append(turns.is_background())

    t = threading.Thread(target=feed)
    t.start()
    t.join(10)
    assert seen == [True] and not turns.is_background()

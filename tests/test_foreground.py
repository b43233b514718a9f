"""A person's work before the background's (services/foreground.py): the dock feed's flusher
and the bulk lane wait while a scan is under way, never for long, and never for a step that
was lost. No timing: blocked work is held by an Event, and the tests assert what has and has
not happened while it is held."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject

from bwc_desk.services import dockfeed, docks, foreground
from bwc_desk.services.context import Ctx
from bwc_desk.services.foreground import Pacer, PersonAtWork, WayBudget
from bwc_desk.ui import tasks
from bwc_desk.ui.ops import Lane, QueryOp
from bwc_desk.ui.state import AppState


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def waiter(person: PersonAtWork, limit_s: float) -> tuple[threading.Thread, list[float]]:
    waited: list[float] = []
    thread = threading.Thread(target=lambda: waited.append(person.give_way(limit_s)))
    thread.start()
    return thread, waited


def test_nobody_at_work_holds_nobody_up():
    clock = Clock()
    person = PersonAtWork(clock)
    assert not person.busy()
    assert person.give_way(30) == 0


def test_background_work_waits_until_the_persons_step_is_over():
    person = PersonAtWork()
    step = person.begin()
    assert person.busy()
    thread, waited = waiter(person, 60)
    thread.join(0.3)
    assert thread.is_alive(), "gave way for less than the step"
    person.end(step)
    thread.join(30)
    assert not thread.is_alive() and waited


def test_a_wait_is_bounded_by_what_the_caller_gives():
    person = PersonAtWork()
    person.begin()  # never ended
    thread, waited = waiter(person, 0.05)
    thread.join(30)
    assert not thread.is_alive() and waited


def test_a_lost_step_holds_nobody_up_for_long():
    clock = Clock()
    person = PersonAtWork(clock)
    person.begin()  # a reply that never comes
    assert person.busy()
    clock.now += foreground.STALE_S
    assert not person.busy()
    assert person.give_way(30) == 0


def test_the_answer_is_painted_before_the_background_goes_on():
    clock = Clock()
    person = PersonAtWork(clock)
    person.end(person.begin())
    assert person.busy()  # (the window paints the answer)
    clock.now += foreground.LINGER_S + 0.001
    assert not person.busy()


def test_a_key_press_counts_as_work_under_way():
    clock = Clock()
    person = PersonAtWork(clock)
    person.touch()
    assert person.busy()
    clock.now += foreground.LINGER_S + 0.001
    assert not person.busy()


def test_a_budget_runs_out_and_then_never_waits(monkeypatch):
    person = PersonAtWork()
    monkeypatch.setattr(foreground, "PERSON", person)
    person.begin()  # never ended
    budget = WayBudget(0.06, 0.03)
    for _ in range(4):
        budget.give_way()
    assert budget.left <= 0
    thread = threading.Thread(target=budget.give_way)
    thread.start()
    thread.join(30)
    assert not thread.is_alive()


def test_a_pacer_waits_for_the_person_within_its_share_of_each_window(monkeypatch):
    person = PersonAtWork()
    monkeypatch.setattr(foreground, "PERSON", person)
    window = Clock()
    pacer = Pacer(each_s=0.03, share=0.05, window_s=1.0, clock=window)
    assert pacer() < 0.01  # nobody at work: on at once
    person.begin()  # a step that never ends
    waited = [pacer() for _ in range(4)]
    assert 0.025 <= waited[0] <= 10 and sum(waited) <= 10
    assert waited[2:] == [0.0, 0.0], "waited beyond its share of the window"
    window.now += 1.0  # the next window: it gives way again
    thread = threading.Thread(target=lambda: waited.append(pacer()))
    thread.start()
    thread.join(30)
    assert not thread.is_alive() and waited[-1] > 0


def test_the_dock_feed_reader_is_paced_for_the_person(admin_ctx):
    feed = dockfeed.DockFeed(admin_ctx, "127.0.0.1", 0, token="t" * 32, flush_seconds=60)
    pace = feed.server._pace
    assert isinstance(pace, Pacer)
    assert (pace.each, pace.allowed) == (dockfeed.READ_WAY_EACH_S, dockfeed.READ_WAY_SHARE)


# --- the task runner marks a person's steps -----------------------------------------------------
@pytest.fixture
def state(admin_ctx: Ctx, monkeypatch):  # type: ignore[no-untyped-def]
    person = PersonAtWork()
    monkeypatch.setattr(tasks, "PERSON", person)
    app_state = AppState(admin_ctx)
    app_state.error_handler = lambda exc: None
    app_state.person = person  # type: ignore[attr-defined]
    yield app_state
    app_state.runner.shutdown()


@pytest.fixture
def release():  # type: ignore[no-untyped-def]
    event = threading.Event()
    yield event
    event.set()


def test_an_interactive_read_is_a_persons_step_until_delivered(qtbot, state, release):
    view = QObject()
    got: list[object] = []
    state.run(QueryOp(lambda _ctx: release.wait(30) and "answer", got.append, parent=view))
    assert state.person._open
    release.set()
    qtbot.waitUntil(lambda: got == ["answer"], timeout=30_000)
    assert not state.person._open


def test_a_bulk_read_is_not_a_persons_step(qtbot, state, release):
    view = QObject()
    got: list[object] = []
    state.run(QueryOp(lambda _ctx: release.wait(30) and "rows", got.append, parent=view,
                      lane=Lane.BULK))
    assert not state.person._open
    release.set()
    qtbot.waitUntil(lambda: got == ["rows"], timeout=30_000)


def test_a_write_is_a_persons_step_and_a_dropped_result_ends_it_too(qtbot, state, release):
    view = QObject()
    state.write(lambda _ctx: release.wait(30), lambda _r: None, parent=view)
    assert state.person._open
    view.deleteLater()
    qtbot.wait(10)
    release.set()
    qtbot.waitUntil(lambda: not state.runner.busy, timeout=30_000)
    assert not state.person._open


def test_a_bulk_job_waits_to_start_while_a_scan_is_under_way(qtbot, state, release, monkeypatch):
    monkeypatch.setattr(tasks, "BULK_GIVES_WAY_S", 60.0)
    view = QObject()
    scan_started = threading.Event()
    reload_started = threading.Event()

    def scan(_ctx: Ctx) -> str:
        scan_started.set()
        assert release.wait(30)
        return "answer"

    def reload(_ctx: Ctx) -> str:
        reload_started.set()
        return "rows"

    got: list[object] = []
    state.run(QueryOp(scan, got.append, parent=view))
    assert scan_started.wait(30)
    state.run(QueryOp(reload, got.append, parent=view, lane=Lane.BULK))
    assert not reload_started.wait(0.3), "the reload started during the scan"
    release.set()
    qtbot.waitUntil(lambda: got == ["answer", "rows"], timeout=30_000)


# --- the dock feed gives way between its transactions -------------------------------------------
def test_a_flush_gives_way_before_each_of_its_transactions(admin_ctx, monkeypatch):
    from datetime import UTC, datetime

    from bwc_desk.adapters.dockfeed.protocol import BayReport, Hello
    from bwc_desk.services import dock_registry
    from bwc_desk.services.dockfeed import DockBoard

    monkeypatch.setattr(docks, "PART_BAYS", 2)  # a part per dock of two bays
    board = DockBoard(lambda: datetime(2026, 11, 30, 6, 45, tzinfo=UTC))
    present = frozenset({"battery", "charging", "upload", "updating", "error"})
    for n in range(3):
        dock_registry.add_dock(admin_ctx, f"DOCK-{n}", 2)
        board.on_message("peer", Hello(f"DOCK-{n}", 2))
        for b in (1, 2):
            board.on_message("peer", BayReport(f"DOCK-{n}", b, None, None, None, None, None,
                                               None, datetime.now(UTC), present))
    changes = board.take_changes()
    calls: list[str] = []
    docks.apply_changes(admin_ctx.as_actor(None), changes, between=lambda: calls.append("way"))
    assert len(docks.parts(changes)) == 3
    assert calls == ["way"] * 3


def test_the_flusher_waits_for_the_person_within_its_budget(admin_ctx, monkeypatch):
    person = PersonAtWork()
    monkeypatch.setattr(foreground, "PERSON", person)
    monkeypatch.setattr(dockfeed, "GIVE_WAY_S", 60.0)
    monkeypatch.setattr(dockfeed, "GIVE_WAY_EACH_S", 60.0)
    feed = dockfeed.DockFeed(admin_ctx, "127.0.0.1", 0, token="t" * 32, flush_seconds=60)
    step = person.begin()
    done = threading.Event()
    thread = threading.Thread(target=lambda: (feed.flush(), done.set()))
    thread.start()
    assert not done.wait(0.3), "the flush went on during the person's step"
    person.end(step)
    assert done.wait(30)
    thread.join(30)

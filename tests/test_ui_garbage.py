"""The cycle collector's keeper: full collections at quiet moments (at the latest after a
while however busy), big lists frozen out of the walk, a reset now and then; Python's own
thresholds back after stop."""

from __future__ import annotations

import gc

import pytest

from bwc_desk.ui import garbage
from bwc_desk.ui.garbage import (
    FULL_EVERY_S,
    FULL_LATEST_S,
    RESET_EVERY_S,
    RESET_LATEST_S,
    GarbageKeeper,
)
from bwc_desk.ui.lock_screen import IdleWatcher


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.enabled = True
        self.count = (0, 0, 0)

    def collect(self, generation: int = 2) -> int:
        self.calls.append(f"collect{generation}")
        return 0

    def freeze(self) -> None:
        self.calls.append("freeze")

    def unfreeze(self) -> None:
        self.calls.append("unfreeze")

    def enable(self) -> None:
        self.enabled = True
        self.calls.append("enable")

    def disable(self) -> None:
        self.enabled = False
        self.calls.append("disable")

    def isenabled(self) -> bool:
        return self.enabled

    def get_count(self) -> tuple[int, int, int]:
        return self.count

    def take(self) -> list[str]:
        calls, self.calls = self.calls, []
        return calls


@pytest.fixture
def keeper(qtbot):
    state = {"now": 1000.0, "quiet": 0.0}
    rec = Recorder()
    keeper = GarbageKeeper(lambda: state["quiet"], collector=rec, clock=lambda: state["now"])
    keeper.start()
    yield keeper, rec, state
    keeper.stop()
    garbage._loaded = False


def test_start_turns_pythons_own_collection_off_collects_once_and_freezes(keeper):
    keeper_, rec, _state = keeper
    assert rec.take() == ["disable", "collect2", "freeze"] and not rec.enabled
    keeper_.stop()
    assert rec.take() == ["unfreeze", "enable"] and rec.enabled  # (as it was before)


def test_the_young_generations_are_collected_on_the_main_thread_by_their_counts(keeper):
    # (A collection a worker runs frees Qt objects on that thread: Qt stops their timers
    # from the wrong thread, "QBasicTimer::stop: Failed", and may crash.)
    keeper_, rec, _state = keeper
    rec.take()
    rec.count = (699, 3, 0)
    garbage.collect_young(rec)
    assert rec.take() == []
    rec.count = (700, 3, 0)
    garbage.collect_young(rec)
    assert rec.take() == ["collect0"]
    rec.count = (900, 10, 0)
    garbage.collect_young(rec)
    assert rec.take() == ["collect1"]
    assert keeper_._young.isActive() and keeper_._young.interval() == garbage.YOUNG_MS


def test_a_busy_station_gets_a_full_collection_only_at_the_latest(keeper):
    keeper_, rec, state = keeper
    rec.take()
    state["quiet"] = 0.5  # somebody is scanning
    state["now"] += FULL_EVERY_S + 1
    keeper_.tick()
    assert rec.take() == []
    state["now"] += FULL_LATEST_S
    keeper_.tick()
    assert rec.take() == ["collect2", "freeze"] and keeper_.fulls == 1


def test_a_quiet_station_collects_every_half_minute(keeper):
    keeper_, rec, state = keeper
    rec.take()
    state["quiet"] = 5.0
    state["now"] += FULL_EVERY_S - 1
    keeper_.tick()
    assert rec.take() == []
    state["now"] += 2
    keeper_.tick()
    assert rec.take() == ["collect2", "freeze"]
    keeper_.tick()  # (not again at once)
    assert rec.take() == []


def test_big_lists_are_frozen_at_the_next_tick_small_ones_not(keeper):
    keeper_, rec, _state = keeper
    rec.take()
    garbage.rows_loaded(garbage.BIG_LOAD - 1)
    keeper_.tick()
    assert rec.take() == []
    garbage.rows_loaded(25_000)
    keeper_.tick()
    assert rec.take() == ["freeze"]  # (as they are: walking them first cost 25-40 ms)
    keeper_.tick()
    assert rec.take() == []


def test_big_lists_are_frozen_by_the_next_young_tick_instead_of_walked(keeper):
    """The young generations' tick comes first (every 200 ms): rows just loaded (200,000
    young objects for the roster) are frozen there, not collected; then the counts rule
    again."""
    keeper_, rec, _state = keeper
    rec.take()
    rec.count = (196_590, 3, 0)
    garbage.rows_loaded(40_000)
    keeper_.young_tick()
    assert rec.take() == ["freeze"]
    keeper_.tick()  # (nothing left to freeze)
    assert rec.take() == []
    rec.count = (900, 3, 0)
    keeper_.young_tick()
    assert rec.take() == ["collect0"]


def test_everything_is_unfrozen_and_collected_now_and_then(keeper):
    keeper_, rec, state = keeper
    rec.take()
    state["quiet"] = 0.0
    for _ in range(int(RESET_EVERY_S // FULL_LATEST_S) + 1):
        state["now"] += FULL_LATEST_S
        keeper_.tick()
    assert "unfreeze" not in rec.take()  # busy all along: not yet
    state["quiet"] = 10.0
    state["now"] += 1
    keeper_.tick()
    assert rec.take() == ["unfreeze", "collect2", "freeze"]
    state["quiet"] = 0.0
    state["now"] += RESET_LATEST_S
    keeper_.tick()
    assert rec.take() == ["unfreeze", "collect2", "freeze"]  # busy, but at the latest


def test_a_table_model_reports_a_big_load(qtbot):
    from datetime import UTC, datetime

    from bwc_desk.services.dto import CheckoutRow
    from bwc_desk.ui.models.checkout_table_model import CheckoutTableModel

    now = datetime.now(UTC)

    def rows(n: int) -> list[CheckoutRow]:
        return [CheckoutRow(i, i, f"BWC-{i}", i, "Smith, J", "1", "Day", now, now, "q", "S1")
                for i in range(n)]

    garbage._loaded = False
    model = CheckoutTableModel()
    model.set_rows(rows(garbage.BIG_LOAD - 1))
    assert not garbage._loaded
    model.set_rows(rows(garbage.BIG_LOAD))
    assert garbage._loaded
    garbage._loaded = False


def test_the_real_collector_is_left_as_python_had_it(qtbot):
    before = gc.isenabled()
    keeper = GarbageKeeper(lambda: 0.0)
    keeper.start()
    try:
        assert not gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        keeper.stop()
    assert gc.isenabled() == before and gc.get_freeze_count() == 0


def test_the_idle_watcher_says_how_long_the_station_has_been_quiet(qtbot):
    watcher = IdleWatcher(15)
    assert watcher.quiet_s() < 5
    watcher.stop()  # locked: nobody there
    assert watcher.quiet_s() == float("inf")

"""AppState tells each write's ChangeSet once; the watcher tells other stations' once and
never this window's own again."""

from __future__ import annotations

import threading

import pytest

from bwc_desk.services import counter, inventory, officers
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store.db import Database
from bwc_desk.store.listen import ChangeListener
from bwc_desk.ui import change_watcher
from bwc_desk.ui.change_watcher import ChangeWatcher
from bwc_desk.ui.state import AppState


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def state(qtbot, admin_ctx):
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    app = AppState(admin_ctx)
    yield app
    app.runner.shutdown()


def record(state: AppState) -> tuple[list[ChangeSet], list[str]]:
    """The sets announced, and their topics in order (one notification per transaction)."""
    sets: list[ChangeSet] = []
    topics: list[str] = []
    state.changed.connect(sets.append)
    state.changed.connect(lambda change: topics.extend(sorted(change.topics)))
    return sets, topics


def issue(ctx: Ctx) -> object:
    officer = officers.list_officers(ctx)[0].id
    return counter.issue_unit(ctx, officer, "HPD-1", function_test=FunctionTest())


def test_one_changed_emission_per_write(qtbot, state, admin_ctx):
    sets, topics = record(state)
    results: list[object] = []
    unit = inventory.unit_detail(admin_ctx, "HPD-1").id
    # (The topic a caller still names is not what is told: the committed set is.)
    with qtbot.waitSignal(state.changed, timeout=10_000):
        state.write(issue, results.append, changed="officers")
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    assert len(sets) == 1
    (change,) = sets
    assert change.local and change.complete and change.units == {unit}
    assert set(topics) >= {"custody", "units"} and len(topics) == len(set(topics))


def test_a_write_that_changes_nothing_is_not_announced(qtbot, state):
    sets, topics = record(state)
    results: list[object] = []
    state.write(lambda ctx: officers.list_officers(ctx), results.append, changed="officers")
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    assert sets == [] and topics == []


def test_a_refused_write_is_not_announced(qtbot, state):
    sets, _topics = record(state)
    errors: list[BaseException] = []
    state.write(lambda ctx: counter.issue_unit(ctx, 999_999, "HPD-1"), None, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert sets == []


@pytest.fixture
def watched(qtbot, state, admin_ctx, monkeypatch):
    monkeypatch.setattr(change_watcher, "SQLITE_POLL_MS", 200)
    monkeypatch.setattr(change_watcher, "POLL_MS", 200)
    watcher = ChangeWatcher(state)
    watcher.start()
    if admin_ctx.db.is_postgresql:
        qtbot.waitUntil(lambda: watcher.listener.ready.is_set(), timeout=10_000)
    else:
        qtbot.waitUntil(lambda: watcher._marks is not None, timeout=10_000)
    other = Database(admin_ctx.db.url.render_as_string(hide_password=False))
    yield watcher, Ctx(other, "DESK-2", admin_ctx.actor, admin_ctx.clock, admin_ctx.zone)
    watcher.stop()
    other.dispose()


def test_a_remote_write_is_announced_once_and_an_own_write_not_again(
    qtbot, state, watched, admin_ctx, clock
):
    watcher, other = watched
    sets, _topics = record(state)
    unit = inventory.unit_detail(admin_ctx, "HPD-1").id
    issue(other)  # another station
    qtbot.waitUntil(lambda: bool(sets), timeout=10_000)
    (remote,) = sets
    assert not remote.local and remote.complete and remote.touches("custody", "units")
    assert remote.units == {unit} and len(remote.checkouts) == 1
    # This window's own write: told once, by AppState.write; the watcher's polls (or the
    # listener) stay quiet about it.
    clock.advance(minutes=5)
    done: list[object] = []
    state.write(lambda ctx: counter.return_unit(ctx, "HPD-1"), done.append)
    qtbot.waitUntil(lambda: len(sets) == 2, timeout=10_000)
    assert sets[1].local
    polls = watcher._poll.interval()
    marks = watcher._marks
    # Several polls later (or the notice long delivered), still nothing more.
    qtbot.waitUntil(lambda: watcher._marks is not marks or watcher.listener is not None,
                    timeout=10_000)
    qtbot.wait(polls * 3)  # (a wait for things that must NOT happen; no timing asserted)
    assert len(sets) == 2, [(c.local, sorted(c.topics), c.units, c.checkouts) for c in sets]


def test_a_remote_write_before_the_first_poll_is_announced(qtbot, state, admin_ctx,
                                                           monkeypatch):
    """The watcher's first marks are taken when it starts, before the window's views read
    (the launcher starts it first): another station's commit between those first reads and
    the first poll (or, on PostgreSQL, before the listener listens) still reaches the views."""
    monkeypatch.setattr(change_watcher, "SQLITE_POLL_MS", 200)
    monkeypatch.setattr(change_watcher, "POLL_MS", 200)
    gate = threading.Event()  # (PostgreSQL: the listener listens only after the commit)
    listen = ChangeListener.start

    def held_start(listener: ChangeListener) -> None:
        threading.Thread(target=lambda: gate.wait(10) and listen(listener), daemon=True).start()

    monkeypatch.setattr(ChangeListener, "start", held_start)
    sets, _topics = record(state)
    watcher = ChangeWatcher(state)
    watcher.start()
    # The views' first reads would run here; then another station commits, before any poll
    # (nothing of the event loop has run yet) and before a listener listens.
    other = Database(admin_ctx.db.url.render_as_string(hide_password=False))
    try:
        issue(Ctx(other, "DESK-2", admin_ctx.actor, admin_ctx.clock, admin_ctx.zone))
        gate.set()
        unit = inventory.unit_detail(admin_ctx, "HPD-1").id
        qtbot.waitUntil(lambda: bool(sets), timeout=10_000)
        assert not sets[0].local and sets[0].touches("custody", "units")
        assert unit in sets[0].units or not sets[0].complete
    finally:
        watcher.stop()
        other.dispose()


def test_the_launcher_starts_the_watcher_before_the_window_first_reads(qapp, admin_ctx,
                                                                      monkeypatch):
    """The first marks exist before the main window is built (its first view reads as it is
    built), so nothing committed after those reads can go untold."""
    import argparse

    from bwc_desk.launcher import Launcher
    from bwc_desk.ui import main_window as main_window_module

    if admin_ctx.db.is_postgresql:
        pytest.skip("the launcher is started on a SQLite file here; the order is the same")
    path = admin_ctx.db.path
    admin_ctx.db.dispose()
    launcher = Launcher(qapp, argparse.Namespace(database=str(path)), "/tmp/logs")
    monkeypatch.setattr(launcher, "_sign_in", lambda ctx: admin_ctx.actor)
    seen: list[object] = []

    class Built(Exception):
        pass

    def window(state: AppState, *args: object) -> None:
        seen.append(launcher.watcher._marks if launcher.watcher is not None else None)
        raise Built

    monkeypatch.setattr(main_window_module, "MainWindow", window)  # (imported at its use)
    try:
        with pytest.raises(Built):
            launcher.start()
    finally:
        if launcher.watcher is not None:
            launcher.watcher.stop()
        if launcher.lock_file is not None:
            launcher.lock_file.unlock()
    assert len(seen) == 1 and seen[0] is not None


def test_failing_polls_are_logged_once_a_minute_and_their_end_once(qtbot, state, caplog):
    """A server away made a warning every poll (2 s): 74 lines in one outage."""
    import logging

    from bwc_desk.services import changes

    watcher = ChangeWatcher(state)
    caplog.set_level(logging.INFO, logger="bwc_desk.ui.change_watcher")
    for _ in range(5):
        watcher._poll_failed(OSError("server closed the connection"))
    failed = [r for r in caplog.records if "could not poll" in r.getMessage()]
    assert len(failed) == 1
    watcher._compare((changes.marks(state.ctx), None))
    watcher._compare((changes.marks(state.ctx), None))
    assert len([r for r in caplog.records if "polling for changes again" in r.getMessage()]) == 1

"""The one contract for background work (ui/ops.py, ui/tasks.py): lanes, keys, parents, the
single writer, errors, and the lock. No timing: blocked work is held by an Event, and the
tests assert what has and has not happened while it is held."""

from __future__ import annotations

import gc
import logging
import threading
import weakref
from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject

from bwc_desk.domain.errors import DomainError, NotSignedIn
from bwc_desk.services.context import Ctx
from bwc_desk.ui import tasks
from bwc_desk.ui.ops import ExportOp, Lane, MutationOp, QueryOp, Task, TaskRunner
from bwc_desk.ui.state import AppState


@pytest.fixture
def state(admin_ctx: Ctx) -> Iterator[AppState]:
    app_state = AppState(admin_ctx)
    shown: list[BaseException] = []
    app_state.error_handler = shown.append
    app_state.shown = shown  # type: ignore[attr-defined]
    yield app_state
    app_state.runner.shutdown()


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()  # a failed test never leaves a worker blocked


def blocked(release: threading.Event, started: threading.Event | None = None, value: object = None):  # type: ignore[no-untyped-def]
    def work(_ctx: Ctx | None = None) -> object:
        if started is not None:
            started.set()
        assert release.wait(30), "the test never released its blocked work"
        return value

    return work


def settle(qtbot, runner: TaskRunner) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not runner.busy, timeout=30_000)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


# --- lanes -----------------------------------------------------------------------------------
def test_a_scan_does_not_wait_behind_bulk_reloads(qtbot, state, release):
    view = QObject()
    reloaded: list[object] = []
    for name in ("inventory", "roster", "cameras"):  # more than the bulk lane has threads
        state.run(
            QueryOp(
                blocked(release, value=name),
                reloaded.append,
                parent=view,
                key=(name,),
                lane=Lane.BULK,
            )
        )
    scanned: list[str] = []
    state.run(QueryOp(lambda _ctx: "officer 4411", scanned.append, parent=view))
    qtbot.waitUntil(lambda: scanned == ["officer 4411"], timeout=30_000)
    assert reloaded == []  # every bulk reload is still blocked (or queued behind them)
    release.set()
    qtbot.waitUntil(lambda: len(reloaded) == 3, timeout=30_000)
    assert sorted(reloaded) == ["cameras", "inventory", "roster"]  # (different keys)


def test_the_old_read_call_takes_the_bulk_lane_too(qtbot, state, release):
    view = QObject()
    reloaded: list[object] = []
    for _ in range(3):
        state.read(blocked(release, value="units"), reloaded.append, bulk=True, parent=view)
    answered: list[int] = []
    state.read(lambda _ctx: 7, answered.append, parent=view)
    qtbot.waitUntil(lambda: answered == [7], timeout=30_000)
    assert reloaded == []
    release.set()
    qtbot.waitUntil(lambda: len(reloaded) == 3, timeout=30_000)


# --- keys ------------------------------------------------------------------------------------
def test_three_queued_ops_with_one_key_run_only_the_last(qtbot, state, release):
    view = QObject()
    for _ in range(tasks.THREADS[Lane.BULK]):  # every bulk thread busy: the next ones queue
        state.run(QueryOp(blocked(release), parent=view, lane=Lane.BULK))
    ran: list[int] = []
    delivered: list[int] = []

    def reload(n: int):  # type: ignore[no-untyped-def]
        def work(_ctx: Ctx) -> int:
            ran.append(n)
            return n

        return work

    for n in (1, 2, 3):
        state.run(
            QueryOp(reload(n), delivered.append, parent=view, key="inventory", lane=Lane.BULK)
        )
    release.set()
    settle(qtbot, state.runner)
    assert delivered == [3]
    assert ran == [3]  # the two replaced never touched the database
    assert not state.runner._latest  # (no key keeps a task alive)


def test_a_running_op_replaced_by_a_newer_one_has_its_result_dropped(qtbot, state, release):
    view = QObject()
    started = threading.Event()
    delivered: list[str] = []
    state.run(QueryOp(blocked(release, started, "old"), delivered.append, parent=view, key="board"))
    assert started.wait(30)
    state.run(QueryOp(lambda _ctx: "new", delivered.append, parent=view, key="board"))
    qtbot.waitUntil(lambda: delivered == ["new"], timeout=30_000)
    release.set()
    settle(qtbot, state.runner)
    assert delivered == ["new"]


def test_a_key_is_never_given_to_a_write() -> None:
    with pytest.raises(ValueError, match="never coalesced"):
        Task(lambda: None, key="x", lane=Lane.WRITER)
    with pytest.raises(ValueError, match="MutationOp"):
        QueryOp(lambda _ctx: None, parent=None, lane=Lane.WRITER)


# --- parents ---------------------------------------------------------------------------------
class _Payload:
    """Something large a view's callback holds on to."""


def test_a_deleted_parent_gets_no_late_result_and_nothing_is_kept(qtbot, state, release):
    started = threading.Event()
    view = QObject()
    payload = _Payload()
    kept = weakref.ref(payload)
    delivered: list[object] = []
    ran_later: list[int] = []
    state.run(
        QueryOp(
            blocked(release, started, "rows"),
            lambda rows, p=payload: delivered.append((rows, p)),
            parent=view,
        )
    )
    assert started.wait(30)
    # A second query of the view, queued (not started) when the view goes, is skipped
    # without touching the database.
    for _ in range(tasks.THREADS[Lane.INTERACTIVE]):
        state.run(QueryOp(blocked(release), parent=None))
    state.run(QueryOp(lambda _ctx: ran_later.append(1), parent=view))
    shiboken6.delete(view)
    del payload
    release.set()
    settle(qtbot, state.runner)
    gc.collect()
    assert delivered == [] and ran_later == []
    assert kept() is None  # the callback and what it held are gone
    assert state.shown == []


def test_an_old_call_site_without_a_parent_still_drops_results_of_a_closed_view(
    qtbot, state, release
):
    class View(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[object] = []

        def loaded(self, rows: object) -> None:
            self.rows.append(rows)

    view = View()
    started = threading.Event()
    state.read(blocked(release, started, "rows"), view.loaded)
    assert started.wait(30)
    shiboken6.delete(view)
    release.set()
    settle(qtbot, state.runner)  # (calling into the deleted view would raise RuntimeError)


def test_a_write_for_a_closed_dialog_still_commits_and_announces(qtbot, state):
    from bwc_desk.services import inventory
    from bwc_desk.services.inventory import UnitInput

    dialog = QObject()
    told: list[object] = []
    state.changed.connect(told.append)
    done: list[object] = []
    release = threading.Event()

    def add(ctx: Ctx) -> object:
        release.wait(30)
        return inventory.add_unit(ctx, UnitInput("HPD-BWC-0901", "S-0901"))

    state.run(MutationOp(add, done.append, parent=dialog, changed="units"))
    shiboken6.delete(dialog)
    release.set()
    settle(qtbot, state.runner)
    assert done == []
    (change,) = told  # the committed set, once, though its dialog has gone
    assert "units" in change.topics and len(change.units) == 1  # type: ignore[attr-defined]


# --- the writer ------------------------------------------------------------------------------
def test_writes_run_in_submission_order_on_one_thread(qtbot, state):
    view = QObject()
    order: list[int] = []
    threads: set[int] = set()
    done: list[int] = []

    def write(n: int):  # type: ignore[no-untyped-def]
        def work(_ctx: Ctx) -> int:
            threads.add(threading.get_ident())
            order.append(n)
            return n

        return work

    for n in range(40):
        state.run(MutationOp(write(n), done.append, parent=view))
        if n % 10 == 0:  # reads in between go elsewhere and do not reorder the writes
            state.run(QueryOp(lambda _ctx: threading.get_ident(), parent=view))
    settle(qtbot, state.runner)
    assert order == list(range(40)) and done == list(range(40))
    assert len(threads) == 1 and threading.get_ident() not in threads


# --- errors ----------------------------------------------------------------------------------
def test_errors_go_to_on_error_and_a_refusal_is_no_traceback(qtbot, state, caplog):
    view = QObject()
    errors: list[BaseException] = []

    def refused(_ctx: Ctx) -> None:
        raise DomainError("HPD-BWC-0412 is retired; it cannot be issued.")

    def broken(_ctx: Ctx) -> None:
        raise RuntimeError("a bug")

    caplog.set_level(logging.DEBUG, logger="bwc_desk.ui.tasks")
    state.run(QueryOp(refused, parent=view, on_error=errors.append))
    state.run(MutationOp(refused, parent=view, on_error=errors.append))
    state.run(ExportOp(refused, parent=view))  # no on_error: the window's handler
    settle(qtbot, state.runner)
    assert [type(e) for e in errors] == [DomainError, DomainError]
    assert [type(e) for e in state.shown] == [DomainError]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    state.run(QueryOp(broken, parent=view, on_error=errors.append))
    settle(qtbot, state.runner)
    assert isinstance(errors[-1], RuntimeError)
    assert [r for r in caplog.records if "a bug" in r.getMessage() and r.levelno == logging.ERROR]


def test_a_runner_task_without_on_error_logs_a_refusal_without_traceback(qtbot, caplog):
    runner = TaskRunner()

    def refused() -> None:
        raise DomainError("Sign in first.")

    runner.submit(Task(refused))
    settle(qtbot, runner)
    assert [(r.levelno, r.exc_info) for r in caplog.records] == [(logging.WARNING, None)]
    runner.shutdown()


# --- the lock --------------------------------------------------------------------------------
def test_locked_reads_are_held_newest_per_key_and_writes_refused(qtbot, state):
    view = QObject()
    ran: list[str] = []
    delivered: list[str] = []

    def read(name: str):  # type: ignore[no-untyped-def]
        def work(_ctx: Ctx) -> str:
            ran.append(name)
            return name

        return work

    state.set_locked(True)
    for name in ("first", "second", "newest"):
        state.run(QueryOp(read(name), delivered.append, parent=view, key="roster", lane=Lane.BULK))
    state.run(QueryOp(read("other"), delivered.append, parent=view, key="pools"))
    refusals: list[BaseException] = []
    state.run(MutationOp(lambda _ctx: ran.append("write"), parent=view, on_error=refusals.append))
    state.run(MutationOp(lambda _ctx: ran.append("silent write"), parent=view))
    state.run(ExportOp(lambda _ctx: ran.append("export"), parent=view))
    settle(qtbot, state.runner)
    assert ran == [] and delivered == []
    assert [type(e) for e in refusals] == [NotSignedIn]
    assert state.shown == []  # a refusal by the lock is never shown
    state.set_locked(False)
    settle(qtbot, state.runner)
    assert sorted(ran) == ["newest", "other"] and sorted(delivered) == ["newest", "other"]


# --- the views -------------------------------------------------------------------------------
def test_a_scan_answers_while_inventory_the_roster_and_cameras_reload(
    qtbot, state, release, monkeypatch
):
    """The measured stall: a scan's reads queued behind these three whole-list reloads."""
    from bwc_desk.services import inventory, officers
    from bwc_desk.ui.views.assignments_tab import RosterPage
    from bwc_desk.ui.views.cameras_page import CamerasPage
    from bwc_desk.ui.views.inventory_tab import InventoryTab

    reloads: list[str] = []
    list_units, list_officers = inventory.list_units, officers.list_officers

    def slow(fn):  # type: ignore[no-untyped-def]
        def reload(ctx: Ctx) -> object:
            reloads.append(fn.__name__)
            assert release.wait(30)
            return fn(ctx)

        return reload

    monkeypatch.setattr(inventory, "list_units", slow(list_units))
    monkeypatch.setattr(officers, "list_officers", slow(list_officers))
    views = [InventoryTab(state), RosterPage(state), CamerasPage(state)]
    for view in views:
        qtbot.addWidget(view)
        view.refresh()
    qtbot.waitUntil(lambda: len(reloads) == tasks.THREADS[Lane.BULK], timeout=30_000)
    card: list[str] = []
    state.read(lambda _ctx: "officer card", card.append)  # the scan's read
    qtbot.waitUntil(lambda: card == ["officer card"], timeout=30_000)
    assert not views[0].model.rowCount()  # the reloads are still blocked
    release.set()
    settle(qtbot, state.runner)
    assert {"list_officers", "list_units"} <= set(reloads)


def test_a_write_does_not_wait_behind_an_export(qtbot, state, release):
    view = QObject()
    exported: list[object] = []
    state.run(ExportOp(blocked(release, value="custody.csv"), exported.append, parent=view))
    issued: list[str] = []
    state.run(MutationOp(lambda _ctx: "issued", issued.append, parent=view, changed="custody"))
    qtbot.waitUntil(lambda: issued == ["issued"], timeout=30_000)
    assert exported == []
    release.set()
    qtbot.waitUntil(lambda: exported == ["custody.csv"], timeout=30_000)

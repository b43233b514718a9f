"""Background work leaves nothing behind: the app runs a task a second per view, all day."""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QEvent

from bwc_desk.ui import tasks
from bwc_desk.ui.tasks import TaskRunner


def _alive(kind: type) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, kind))


def test_finished_tasks_leave_no_relay_nor_closure_behind(qtbot):
    runner = TaskRunner()
    done: list[int] = []

    def batch(n: int) -> None:
        for i in range(n):
            runner.run(lambda i=i: i, done.append)
        qtbot.waitUntil(lambda: len(done) >= n, timeout=30_000)
        done.clear()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    batch(200)
    before = _alive(tasks._Relay)
    batch(1000)
    # Before the fix, about 45 % of the tasks kept their relay (and what it held) for good.
    assert _alive(tasks._Relay) - before < 20
    runner.shutdown()

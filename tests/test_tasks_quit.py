"""Quitting while a long task runs (a hands-on tester: Ctrl+Q during a 35 s custody export):
the runner was gone when the task ended, the worker's hand-over raised "Signal source has
been deleted", and the error box the app then opened from that worker thread stayed black
and froze the station. The late result is dropped quietly; the error box is only ever
opened on the main thread."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QCoreApplication, QEvent

from bwc_desk import app as bwc_app
from bwc_desk.ui.tasks import Lane, Task, TaskRunner


def test_a_task_that_ends_after_its_runner_is_gone_is_dropped_quietly(qtbot):
    runner = TaskRunner()
    started, release, ended = threading.Event(), threading.Event(), threading.Event()
    raised: list[BaseException] = []
    hook = threading.excepthook

    def slow() -> str:
        started.set()
        release.wait(10)
        return "file written"

    def finished() -> None:
        ended.set()

    import sys

    old_sys = sys.excepthook
    sys.excepthook = lambda kind, exc, tb: raised.append(exc)
    threading.excepthook = lambda args: raised.append(args.exc_value)  # type: ignore[assignment]
    try:
        runner.submit(Task(slow, lambda _r: None, lane=Lane.BULK))
        assert started.wait(10)
        runner.shutdown(timeout_ms=10)  # (the quit's wait ran out)
        threading.Timer(0.3, release.set).start()  # the export ends after the quit
        runner.deleteLater()  # (its pools wait for their threads as they go)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        del runner
        finished()
    finally:
        sys.excepthook = old_sys
        threading.excepthook = hook
    assert ended.is_set()
    assert raised == []


def test_the_error_box_is_never_opened_off_the_main_thread(qtbot, monkeypatch, caplog):
    opened: list[str] = []
    monkeypatch.setattr(bwc_app, "_show_error_box", lambda text: opened.append(text))
    hook = bwc_app.make_excepthook("/tmp/bwc-desk.log")
    worker = threading.Thread(target=lambda: hook(RuntimeError, RuntimeError("late"), None))
    with caplog.at_level(logging.CRITICAL, logger="bwc_desk"):
        worker.start()
        worker.join()
    assert opened == []
    assert "late" in caplog.text
    hook(RuntimeError, RuntimeError("on the main thread"), None)
    assert len(opened) == 1 and "on the main thread" in opened[0]

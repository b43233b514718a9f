"""Housekeeping off the main thread and out of the counter's way: the daily start-up backup,
quick_check, WAL checkpoints, handing freed memory back to the system, and the directory's
scheduled sync (every station ticks; the service's lease lets one station at a time run it,
every N minutes as set in Administration > Directory). It has its own
low-priority pool, so a scan never waits behind a backup, and start-up is not slowed (it
begins a few seconds after the window)."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from bwc_desk.services import housekeeping
from bwc_desk.services.backups import startup_backup
from bwc_desk.services.context import SYSTEM, Ctx
from bwc_desk.services.stations import station_info
from bwc_desk.ui.ops import Lane, Task, TaskRunner

log = logging.getLogger(__name__)
TRIM_MS = 5 * 60_000  # malloc_trim: a few ms on a worker, against megabytes an hour
DIRECTORY_TICK_MS = 60_000  # is a scheduled directory sync due (and this station's turn)?



def _run_scheduled_sync(ctx: Ctx) -> Any:
    """The directory's scheduled sync (a services.directory_sync.SyncResult, or None). Its
    modules, ldap3 with them, are imported on the worker, not while the window starts."""
    from bwc_desk.services import directory_sync

    return directory_sync.run_scheduled(ctx)

class Maintenance(QObject):
    damaged = Signal(str)  # what quick_check found
    backup_failed = Signal(str)
    directory_synced = Signal(str)  # the scheduled sync ran here: its summary

    def __init__(
        self,
        ctx: Ctx,
        delay_ms: int = 5000,
        checkpoint_ms: int = 20_000,
        trim_ms: int = TRIM_MS,
        directory_ms: int = DIRECTORY_TICK_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = TaskRunner(self)
        self.runner.set_priority(QThread.Priority.LowestPriority)
        self._delay = delay_ms
        self._checkpoints = QTimer(self)
        self._checkpoints.setInterval(checkpoint_ms)
        self._checkpoints.timeout.connect(self.checkpoint)
        self._trims = QTimer(self)
        self._trims.setInterval(trim_ms)
        self._trims.timeout.connect(self.trim)
        self._directory = QTimer(self)
        self._directory.setInterval(directory_ms)
        self._directory.timeout.connect(self.directory_tick)

    def start(self) -> None:
        QTimer.singleShot(self._delay, self._first_run)
        if station_info(self.ctx).is_sqlite:
            self._checkpoints.start()
        if housekeeping.can_release_memory():
            self._trims.start()
        self._directory.start()

    def _first_run(self) -> None:
        ctx = self.ctx
        self._run(Task(lambda: housekeeping.quick_check(ctx), self._checked, lane=Lane.BULK))
        self._run(
            Task(
                lambda: startup_backup(ctx.as_actor(SYSTEM)),
                lambda info: log.info("start-up backup: %s", info),
                lambda exc: self.backup_failed.emit(str(exc)),
                lane=Lane.WRITER,
            )
        )

    def checkpoint(self) -> None:
        ctx = self.ctx
        # Keyed: a checkpoint kept waiting by a long read is not joined by another.
        self._run(
            Task(lambda: housekeeping.checkpoint(ctx),
                 lambda result: log.debug("checkpoint %s", result),
                 key="checkpoint", lane=Lane.INTERACTIVE)
        )

    def trim(self) -> None:
        self._run(
            Task(housekeeping.release_memory,
                 lambda released: log.debug("memory released: %s", released),
                 key="trim", lane=Lane.BULK)
        )

    def directory_tick(self) -> None:
        """The service decides: not set up, no schedule, no bind password here, not due, or
        another station's turn all return None at once (one small read)."""
        ctx = self.ctx
        self._run(
            Task(lambda: _run_scheduled_sync(ctx), self._directory_done,
                 lambda exc: log.warning("scheduled directory sync: %s", exc),
                 key="directory", lane=Lane.BULK)
        )

    def _directory_done(self, result: Any) -> None:
        if result is None:
            return
        summary = result.preview.summary()
        log.info("scheduled directory sync: %s", summary)
        self.directory_synced.emit(summary)

    def _checked(self, result: object) -> None:
        if result != "ok":
            self.damaged.emit(str(result))

    def _run(self, task: Task[Any]) -> None:
        if task.on_error is None:
            task.on_error = lambda exc: log.error("maintenance: %s", exc)
        task.parent = self  # (a stopped Maintenance gets no late results)
        self.runner.submit(task)

    def stop(self) -> None:
        self._checkpoints.stop()
        self._trims.stop()
        self._directory.stop()
        self.runner.shutdown(60_000)

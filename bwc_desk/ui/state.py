"""What the whole window shares: the service context, the task runner, who is signed in, and
whether the window is locked."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from typing import Any

from PySide6.QtCore import QObject, Signal

from bwc_desk.domain.errors import DomainError, NotSignedIn
from bwc_desk.domain.roles import Permission, has_permission, who_may
from bwc_desk.services import changes
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.ui.ops import ExportOp, MutationOp, Op, QueryOp
from bwc_desk.ui.tasks import Done, Failed, Lane, Task, TaskRunner, alive, owner

log = logging.getLogger(__name__)


def _origin(fn: Callable[..., Any] | None) -> Hashable:
    """Where a callable comes from: its code and the object it belongs to (a bound method's
    self, or the QObject a lambda closes over). A view's timer that asks again while locked
    has the same origin each time, whatever the lambda object."""
    if fn is None:
        return None
    func = getattr(fn, "__func__", fn)
    return (id(owner(fn)), getattr(func, "__code__", func))


class AppState(QObject):
    """The UI's handle on the services. Views hand ``run`` an operation (``ui/ops.py``), or
    call ``read``/``write`` with a service function and callbacks; they never see a database.

    While the window is locked (``set_locked``) nothing runs in the background: reads are held
    back, one per key or origin (the newest wins), and run when someone signs in; writes and
    exports are refused with ``NotSignedIn``, which the default error handler never shows."""

    actor_changed = Signal(object)
    locked_changed = Signal(bool)
    # Emitted once per transaction (this window's or another station's), with what it
    # touched: a ChangeSet (services/changeset.py). Views patch from it or reload.
    changed = Signal(object)
    message = Signal(str, int)  # status bar text, milliseconds
    # The docks' alerts (a tuple of services.dock_board.Alert) each time a view read the board:
    # other views show them without reading every bay again (``fresh_dock_alerts``).
    dock_alerts_changed = Signal(object)
    # What a background writer of this process (the dock feed) committed, from its thread:
    # queued to the main thread, then told as ``changed``.
    _committed_in_background = Signal(object)
    # The database server stopped answering (the UnavailableError), and the first read that
    # worked again: each once per outage. Views that showed the outage say it is over.
    database_lost = Signal(object)
    database_back = Signal()
    # The window is closing (quit): long work a view started (a report) stops now, before
    # the runner waits for its threads.
    closing = Signal()

    def __init__(
        self, ctx: Ctx, *, demo: bool = False, log_dir: str = "", parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.demo = demo
        self.log_dir = log_dir
        self.runner = TaskRunner(self)
        self.error_handler: Callable[[BaseException], None] | None = None
        self._locked = False
        self._held: dict[Hashable, QueryOp[Any]] = {}
        self._dock_alerts: tuple[Any, ...] | None = None
        self._dock_alerts_at = 0.0
        self._database_away = False
        self._committed_in_background.connect(self._announce_background)

    @property
    def actor(self) -> Actor | None:
        return self.ctx.actor

    @property
    def locked(self) -> bool:
        return self._locked

    def set_actor(self, actor: Actor | None) -> None:
        self.ctx = self.ctx.as_actor(actor)
        self.actor_changed.emit(actor)

    def set_locked(self, locked: bool) -> None:
        """Locked: hold reads back. Unlocked: run what was held, as the one now signed in."""
        if locked == self._locked:
            return
        self._locked = locked
        self.locked_changed.emit(locked)
        if not locked:
            held, self._held = self._held, {}
            for op in held.values():
                self.run(op)

    def can(self, permission: Permission) -> bool:
        actor = self.ctx.actor
        return actor is not None and has_permission(actor.role, permission)

    def why_not(self, permission: Permission) -> str:
        return f"Only {who_may(permission).lower()} may do this."

    def run(self, op: Op[Any]) -> None:
        """Run an operation as the person signed in now (see ``ui/ops.py``)."""
        if isinstance(op, MutationOp):
            self.write(op.fn, op.on_done, op.on_error, op.changed, parent=op.parent)
        elif isinstance(op, ExportOp):
            self._export(op)
        else:
            self._query(op)

    def read(
        self,
        fn: Callable[[Ctx], Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
        *,
        key: Hashable | None = None,
        bulk: bool = False,
        parent: QObject | None = None,
    ) -> None:
        """``run(QueryOp(...))`` for call sites that name no parent: it is guessed from the
        callbacks (a bound method's self, or the QObject a lambda closes over)."""
        self._query(
            QueryOp(
                fn,
                on_done,
                parent=parent if parent is not None else owner(on_done) or owner(on_error),
                on_error=on_error,
                key=key,
                lane=Lane.BULK if bulk else Lane.INTERACTIVE,
            )
        )

    def _query(self, op: QueryOp[Any]) -> None:
        if self._locked:
            # (Re-inserted, so that the held reads run in the order of their newest request.)
            key = op.key if op.key is not None else (_origin(op.fn), _origin(op.on_done))
            self._held.pop(key, None)
            self._held[key] = op
            return
        ctx = self.ctx  # the context as it is now: a later sign-in does not change this call
        fn = op.fn
        self.runner.run(
            lambda: fn(ctx),
            op.on_done,
            op.on_error or self._default_error,
            key=op.key,
            lane=op.lane,
            parent=op.parent,
        )

    def export(
        self,
        fn: Callable[[Ctx], Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
        *,
        parent: QObject | None = None,
    ) -> None:
        """``run(ExportOp(...))`` with ``read``'s arguments (the parent guessed if not named)."""
        if parent is None:
            parent = owner(on_done) or owner(on_error)
        self._export(ExportOp(fn, on_done, parent=parent, on_error=on_error))

    def _export(self, op: ExportOp[Any]) -> None:
        if self._locked:  # (recorded as the act of whoever is signed in: never held)
            self._refuse(op.on_error)
            return
        ctx = self.ctx
        fn = op.fn
        self.runner.submit(
            Task(
                lambda: fn(ctx),
                op.on_done,
                op.on_error or self._default_error,
                parent=op.parent,
                lane=Lane.BULK,
            )
        )

    def _refuse(self, on_error: Failed | None) -> None:
        """Refused without touching the database; delivered like any result, in order."""

        def refuse() -> None:
            raise NotSignedIn("Sign in first.")

        self.runner.run(refuse, None, on_error or self._default_error, write=True, parent=None)

    def write(
        self,
        fn: Callable[[Ctx], Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
        changed: str = "",
        *,
        parent: QObject | None = None,
    ) -> None:
        """``run(MutationOp(...))``; without ``parent``, it is guessed from ``on_done``."""
        if self._locked:
            # Never held for later: it would be recorded for whoever signs in next.
            self._refuse(on_error)
            return
        ctx = self.ctx
        if parent is None:
            parent = owner(on_done) or owner(on_error)
        # ``changed`` (a topic) is no longer needed: what the transactions committed is
        # collected as they commit (services.changes.collect) and announced once, here.
        del changed

        def done(outcome: tuple[Any, ChangeSet | None]) -> None:
            result, change = outcome
            if on_done is not None and alive(parent):  # (what changed is told anyway)
                on_done(result)
            if change:
                self.announce(change)

        def failed(exc: BaseException) -> None:
            change = changes.committed_before(exc)  # a failure after a commit
            if change:
                self.announce(change)
            if on_error is None:
                self._default_error(exc)  # (a failed write is never silent)
            elif alive(parent):
                on_error(exc)
            else:
                log.warning("a write for a closed window failed: %s", exc)

        self.runner.run(lambda: changes.collect(ctx, fn), done, failed, write=True, parent=None)

    @property
    def database_away(self) -> bool:
        return self._database_away

    def database_unreachable(self, exc: BaseException) -> None:
        """The server cannot be reached (the window's status line says so): told once."""
        if not self._database_away:
            self._database_away = True
            self.database_lost.emit(exc)

    def database_reachable(self) -> None:
        """A read worked again after an outage: told once."""
        if self._database_away:
            self._database_away = False
            self.database_back.emit()

    def report(self, exc: BaseException) -> None:
        """An error a view showed itself that the window must know of too (an outage: its
        status line and its probe), through the window's error handler."""
        self._default_error(exc)

    def publish_dock_alerts(self, alerts: tuple[Any, ...]) -> None:
        """The docks' alerts as a view just read them (the board)."""
        self._dock_alerts, self._dock_alerts_at = alerts, time.monotonic()
        self.dock_alerts_changed.emit(alerts)

    def fresh_dock_alerts(self, max_age_s: float) -> tuple[Any, ...] | None:
        """The docks' alerts last published, if read at most ``max_age_s`` ago; else None
        (read them yourself)."""
        if self._dock_alerts is None or time.monotonic() - self._dock_alerts_at > max_age_s:
            return None
        return self._dock_alerts

    def announce_from_thread(self, change: ChangeSet) -> None:
        """Thread-safe: what a writer of this process outside the window (the dock feed's
        flusher) committed. Told on the main thread, once; not while locked (every view
        reads again at the next sign-in)."""
        self._committed_in_background.emit(change)

    def _announce_background(self, change: object) -> None:
        if self._locked or self.ctx.actor is None or not isinstance(change, ChangeSet):
            return
        self.announce(change)

    def announce(self, change: ChangeSet) -> None:
        """Tell every view what changed, once."""
        self.changed.emit(change)

    def _default_error(self, exc: BaseException) -> None:
        if self.silenced(exc):
            return
        if self.error_handler is not None:
            self.error_handler(exc)
        else:  # pragma: no cover - the window always sets one
            raise exc

    def silenced(self, exc: BaseException) -> bool:
        """True (and logged) for an error that must not be shown: a refusal caused by the
        lock, or any late result of work begun before it. Nothing pops up over the lock
        screen, where the next person is typing a password."""
        if isinstance(exc, NotSignedIn):
            log.info("refused, nobody is signed in: %s", exc)
        elif not self._locked:
            return False
        elif isinstance(exc, DomainError):
            log.warning("finished after the lock, not shown: %s", exc)
        else:
            log.error("failed after the lock, not shown", exc_info=exc)
        return True

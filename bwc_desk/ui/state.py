"""What the whole window shares: the service context, the task runner, who is signed in, and
whether the window is locked."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any

from PySide6.QtCore import QObject, Signal

from bwc_desk.domain.errors import DomainError, NotSignedIn
from bwc_desk.domain.roles import Permission, has_permission, who_may
from bwc_desk.services import changes
from bwc_desk.services.changeset import TOPICS, ChangeSet
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.ui.tasks import Done, Failed, TaskRunner, gone, owner

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
    """The UI's handle on the services. Views call ``read``/``write`` with a service function
    and callbacks; they never see a database.

    While the window is locked (``set_locked``) nothing runs in the background: reads are held
    back, one per origin (the newest wins), and run when someone signs in; writes are refused
    with ``NotSignedIn``, which the default error handler never shows."""

    actor_changed = Signal(object)
    locked_changed = Signal(bool)
    # Emitted after any change so that every view refreshes what it shows. The argument
    # names what changed: "units", "officers", "custody", "settings", "docks", "staff".
    data_changed = Signal(str)
    # The same, once per transaction (or per coalesced burst of other stations') with the
    # ids it touched (a ChangeSet). Views move to this one; ``data_changed`` goes once none
    # listens to it.
    changed = Signal(object)
    message = Signal(str, int)  # status bar text, milliseconds

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
        self._held: dict[Hashable, tuple[Callable[[Ctx], Any], Done | None, Failed | None]] = {}

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
            for fn, on_done, on_error in held.values():
                self.read(fn, on_done, on_error)

    def can(self, permission: Permission) -> bool:
        actor = self.ctx.actor
        return actor is not None and has_permission(actor.role, permission)

    def why_not(self, permission: Permission) -> str:
        return f"Only {who_may(permission).lower()} may do this."

    def read(
        self, fn: Callable[[Ctx], Any], on_done: Done | None = None, on_error: Failed | None = None
    ) -> None:
        if self._locked:
            # (Re-inserted, so that the held reads run in the order of their newest request.)
            key = (_origin(fn), _origin(on_done))
            self._held.pop(key, None)
            self._held[key] = (fn, on_done, on_error)
            return
        ctx = self.ctx  # the context as it is now: a later sign-in does not change this call
        self.runner.run(lambda: fn(ctx), on_done, on_error or self._default_error)

    def write(
        self,
        fn: Callable[[Ctx], Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
        changed: str = "",
    ) -> None:
        if self._locked:
            # Never held for later: it would be recorded for whoever signs in next. Refused
            # without touching the database, and the refusal is delivered like any result.
            def refuse() -> None:
                raise NotSignedIn("Sign in first.")

            self.runner.run(refuse, None, on_error or self._default_error, write=True)
            return
        ctx = self.ctx
        # ``changed`` (a topic) is no longer needed: what the transactions committed is
        # collected as they commit (services.changes.collect) and announced once, here.
        del changed
        failed = on_error or self._default_error

        def done(outcome: tuple[Any, ChangeSet | None]) -> None:
            result, change = outcome
            if on_done is not None and not gone(on_done):  # (what changed is told anyway)
                on_done(result)
            if change:
                self.announce(change)

        def refused(exc: BaseException) -> None:
            change = changes.committed_before(exc)  # a failure after a commit
            if change:
                self.announce(change)
            if not gone(failed):  # (as the runner drops a late error for a closed window)
                failed(exc)

        self.runner.run(lambda: changes.collect(ctx, fn), done, refused, write=True)

    def announce(self, change: ChangeSet) -> None:
        """Tell every view what changed: ``changed`` once, and (until every view listens to
        that) ``data_changed`` per topic, or "all" when anything may have changed."""
        self.changed.emit(change)
        if change.topics >= TOPICS and not change.complete:
            self.data_changed.emit("all")
            return
        # Its remaining listeners (Inventory, Assignments) treat these three alike: one of
        # them per set, not a reload for each.
        alike = [t for t in ("custody", "units", "officers") if t in change.topics]
        for topic in sorted(change.topics - set(alike[1:])):
            self.data_changed.emit(topic)

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

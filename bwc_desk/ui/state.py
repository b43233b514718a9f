"""What the whole window shares: the service context, the task runner, who is signed in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from bwc_desk.domain.roles import Permission, has_permission, who_may
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.ui.tasks import Done, Failed, TaskRunner


class AppState(QObject):
    """The UI's handle on the services. Views call ``run``/``write`` with a service function
    and callbacks; they never see a database."""

    actor_changed = Signal(object)
    # Emitted after any change so that every view refreshes what it shows. The argument
    # names what changed: "units", "officers", "custody", "settings", "docks", "staff".
    data_changed = Signal(str)
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

    @property
    def actor(self) -> Actor | None:
        return self.ctx.actor

    def set_actor(self, actor: Actor | None) -> None:
        self.ctx = self.ctx.as_actor(actor)
        self.actor_changed.emit(actor)

    def can(self, permission: Permission) -> bool:
        actor = self.ctx.actor
        return actor is not None and has_permission(actor.role, permission)

    def why_not(self, permission: Permission) -> str:
        return f"Only {who_may(permission).lower()} may do this."

    def read(
        self, fn: Callable[[Ctx], Any], on_done: Done | None = None, on_error: Failed | None = None
    ) -> None:
        ctx = self.ctx  # the context as it is now: a later sign-in does not change this call
        self.runner.run(lambda: fn(ctx), on_done, on_error or self._default_error)

    def write(
        self,
        fn: Callable[[Ctx], Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
        changed: str = "",
    ) -> None:
        ctx = self.ctx

        def done(result: Any) -> None:
            if on_done is not None:
                on_done(result)
            if changed:
                self.data_changed.emit(changed)

        self.runner.run(lambda: fn(ctx), done, on_error or self._default_error, write=True)

    def _default_error(self, exc: BaseException) -> None:
        if self.error_handler is not None:
            self.error_handler(exc)
        else:  # pragma: no cover - the window always sets one
            raise exc

"""The one contract for background work, after Anki's ``QueryOp``/``CollectionOp``: an
operation is a small object with a service call, typed callbacks on the main thread and the
widget it belongs to; ``AppState.run(op)`` runs it as the person signed in now.

``QueryOp[T]``
    A read. ``lane=Lane.BULK`` for whole-list reloads (they never hold up a scan, which stays
    on ``Lane.INTERACTIVE``). ``key``: a newer query with the same key replaces a queued one
    that has not started, and a running one's result is dropped: the newest request wins.
    While the window is locked it is held, the newest per key (or per caller), and runs at
    the next sign-in.
``MutationOp[T]``
    A write: on the single writer thread, in submission order, never coalesced. While locked
    it is refused with ``NotSignedIn`` (to ``on_error``; the default handler says nothing).
    ``changed`` names the topic to announce after it commits.
``ExportOp[T]``
    A read that leaves a record of itself (a CSV export, the audit log export, an evidence
    package): on the bulk lane, because a 2,000,000-event export on the writer would hold up
    every scan for its whole length (its one audit record is a short write transaction of
    its own, queued by the database behind the writer's); never coalesced; refused while
    locked like a write, because it is recorded as the act of the person signed in.

Every op names its ``parent``: once that QObject is deleted, a late result (or error) is
dropped and work not yet started is skipped. ``parent=None`` means the application itself
(the result is always delivered). ``on_error`` defaults to the window's error handler; a
``DomainError`` (a refusal with a message for the person) is never logged as a traceback.

Code without an ``AppState`` (the launcher before the window, maintenance) submits a ``Task``
(the same fields, the work already bound to its arguments) to its own ``TaskRunner``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import KW_ONLY, dataclass
from typing import Generic, TypeVar

from PySide6.QtCore import QObject

from bwc_desk.services.context import Ctx
from bwc_desk.ui.tasks import Failed, Lane, Task, TaskRunner

T = TypeVar("T")

__all__ = ["ExportOp", "Failed", "Lane", "MutationOp", "Op", "QueryOp", "Task", "TaskRunner"]


@dataclass(frozen=True, eq=False)
class QueryOp(Generic[T]):
    fn: Callable[[Ctx], T]
    on_done: Callable[[T], None] | None = None
    _: KW_ONLY
    parent: QObject | None
    on_error: Failed | None = None
    key: Hashable | None = None
    lane: Lane = Lane.INTERACTIVE

    def __post_init__(self) -> None:
        if self.lane is Lane.WRITER:
            raise ValueError("a query does not run on the writer; make it a MutationOp")


@dataclass(frozen=True, eq=False)
class MutationOp(Generic[T]):
    fn: Callable[[Ctx], T]
    on_done: Callable[[T], None] | None = None
    _: KW_ONLY
    parent: QObject | None
    on_error: Failed | None = None
    changed: str = ""


@dataclass(frozen=True, eq=False)
class ExportOp(Generic[T]):
    fn: Callable[[Ctx], T]
    on_done: Callable[[T], None] | None = None
    _: KW_ONLY
    parent: QObject | None
    on_error: Failed | None = None


Op = QueryOp[T] | MutationOp[T] | ExportOp[T]

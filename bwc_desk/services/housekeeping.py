"""What a station does in the background besides the daily backup
(services/backups.startup_backup): SQLite's quick_check of the open file, passive WAL
checkpoints, and freed memory handed back to the system. Called on the UI's low-priority
housekeeping pool (ui/maintenance.py)."""

from __future__ import annotations

from bwc_desk.adapters import heap
from bwc_desk.services import startup
from bwc_desk.services.context import Ctx


def quick_check(ctx: Ctx) -> str:
    """'ok' or SQLite's first complaints ('ok' on PostgreSQL); slow on a large file."""
    return startup.quick_check(ctx.db)


def checkpoint(ctx: Ctx) -> tuple[int, int, int] | None:
    """A passive WAL checkpoint of the SQLite file (None on PostgreSQL): it neither waits
    for nor blocks readers and writers."""
    return ctx.db.checkpoint()


def can_release_memory() -> bool:
    """True where the C library can hand freed memory back (glibc)."""
    return heap.available()


def release_memory() -> bool:
    """Freed heap memory back to the system (adapters/heap.py says why); True if any was."""
    return heap.trim()

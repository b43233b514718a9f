"""What a station does in the background besides the daily backup
(services/backups.startup_backup): SQLite's quick_check of the open file and passive WAL
checkpoints. Called on the UI's low-priority housekeeping pool (ui/maintenance.py)."""

from __future__ import annotations

from bwc_desk.services import startup
from bwc_desk.services.context import Ctx


def quick_check(ctx: Ctx) -> str:
    """'ok' or SQLite's first complaints ('ok' on PostgreSQL); slow on a large file."""
    return startup.quick_check(ctx.db)


def checkpoint(ctx: Ctx) -> tuple[int, int, int] | None:
    """A passive WAL checkpoint of the SQLite file (None on PostgreSQL): it neither waits
    for nor blocks readers and writers."""
    return ctx.db.checkpoint()

"""Schema migrations (Alembic), applied at start-up after a backup copy of the database."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import inspect, text

from bwc_desk.domain.errors import DomainError
from bwc_desk.store.db import Database

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


def _config(db: Database) -> object:
    from alembic.config import Config  # imported lazily: alembic costs start-up time

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.render_as_string(hide_password=False))
    return cfg


# The newest revision. Kept here so that a start-up on a current database never imports
# Alembic (a tenth of a second); a test checks it against the revision files.
HEAD = "corridx"


def head_revision() -> str:
    return HEAD


def scripted_head() -> str:
    """The head as Alembic computes it from the revision files."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


class NewerSchema(DomainError):
    """The database was migrated by a newer BWC Desk: this one must not open it."""

    def __init__(self, revision: str) -> None:
        from bwc_desk import __version__

        self.revision = revision
        super().__init__(
            f"This database was last used by a newer BWC Desk (its schema is at revision "
            f"'{revision}', which BWC Desk {__version__} does not know). Going back to an "
            "older version is not supported, and nothing was changed. Install the newer "
            "version again, or restore a backup made before the upgrade "
            "(`bwc-desk restore FILE`, docs/install.md)."
        )


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])


def is_empty(db: Database) -> bool:
    with db.engine.connect() as conn:
        return not inspect(conn).get_table_names()


def upgrade(
    db: Database,
    revision: str = "head",
    before: Callable[[str | None, str], None] | None = None,
) -> bool:
    """Bring the schema to ``revision``. Returns True if anything was applied.

    ``before(current, target)`` runs first when there is work to do: the caller's hook for
    the backup copy that every migration of an existing database is preceded by.
    """
    current = current_revision(db)
    target = head_revision() if revision == "head" else revision
    if current == target:
        return False
    if current is not None and current not in known_revisions():
        raise NewerSchema(current)  # before the backup hook: nothing is touched
    from alembic import command

    if before is not None:
        before(current, target)
    log.info("migrating %s from %s to %s", db.display, current, target)
    cfg = _config(db)
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        if db.is_sqlite:
            # Batch mode rebuilds tables; foreign keys are checked once at the end instead of
            # on every copy. The pragma only works outside a transaction.
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn  # type: ignore[attr-defined]
                command.upgrade(cfg, revision)  # type: ignore[arg-type]
                if db.is_sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
        finally:
            if db.is_sqlite:
                raw.execute("PRAGMA foreign_keys=ON")
    return True

"""PostgreSQL roles for a multi-station agency: the stations connect as an application role
that can read and write what the counter needs but can never UPDATE or DELETE a custody or
audit record (the triggers refuse it too: two locks on one door)."""

from __future__ import annotations

import re

from sqlalchemy import text

from bwc_desk.store.db import Database

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
APPEND_ONLY = ("custody_events", "audit_log")


def app_role_statements(role: str, database: str) -> list[str]:
    if not _NAME.match(role):
        raise ValueError(f"{role!r} is not a plain lower-case role name")
    db = '"' + database.replace('"', '""') + '"'
    return [
        f"GRANT CONNECT ON DATABASE {db} TO {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(APPEND_ONLY)} FROM {role}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}",
    ]


def grant_app_role(db: Database, role: str) -> list[str]:
    """Run as the owner of the database (after migrations, and again after each upgrade:
    new tables need their grants)."""
    if not db.is_postgresql:
        raise ValueError("application roles are for PostgreSQL")
    statements = app_role_statements(role, str(db.url.database))
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    return statements

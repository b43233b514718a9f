"""Database-side guards of the append-only tables (SQLite and PostgreSQL)."""

from __future__ import annotations

APPEND_ONLY_MESSAGE = "is append-only: corrections are new records"


def append_only_ddl(dialect: str, table: str) -> list[str]:
    """Statements that make the database refuse UPDATE and DELETE on ``table``."""
    message = f"{table} {APPEND_ONLY_MESSAGE}"
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        ]
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {table}_refuse_change() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{message}'; END $$",
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse_change()",
        ]
    raise ValueError(f"no append-only guard for {dialect}")


def drop_append_only_ddl(dialect: str, table: str) -> list[str]:
    return _drop_guard(dialect, table, f"{table}_refuse_change")


def _drop_guard(dialect: str, table: str, function: str) -> list[str]:
    """The triggers of a guard (and, on PostgreSQL, the function they call) dropped."""
    if dialect == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update",
            f"DROP TRIGGER IF EXISTS {table}_no_delete",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"DROP FUNCTION IF EXISTS {function}()",
    ]


def _changed(dialect: str, columns: tuple[str, ...]) -> str:
    op = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    return " OR ".join(f"NEW.{c} {op} OLD.{c}" for c in columns)


def closed_record_ddl(
    dialect: str, table: str, closed_when: str, fixed: tuple[str, ...], message: str
) -> list[str]:
    """Statements that make the database refuse DELETE on ``table`` always, and UPDATE once a
    row is closed (``closed_when``, over OLD) or when it would change a ``fixed`` column:
    records that are written once and completed once (an audit finished, a case resolved)."""
    refused = f"({closed_when}) OR {_changed(dialect, fixed)}"
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} {message}'); END",
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} WHEN {refused} "
            f"BEGIN SELECT RAISE(ABORT, '{table} {message}'); END",
        ]
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {table}_guard() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP <> 'UPDATE' THEN RAISE EXCEPTION '{table} {message}'; END IF; "
            f"IF {refused} THEN RAISE EXCEPTION '{table} {message}'; END IF; "
            "RETURN NEW; END $$",
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_guard()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_guard()",
        ]
    raise ValueError(f"no closed-record guard for {dialect}")


def drop_closed_record_ddl(dialect: str, table: str) -> list[str]:
    return _drop_guard(dialect, table, f"{table}_guard")

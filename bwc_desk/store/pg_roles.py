"""PostgreSQL roles for a multi-station agency: the stations connect as an application role
that can read and write what the counter needs but can never UPDATE or DELETE a custody or
audit record (the triggers refuse it too: two locks on one door), and can never write a staff
account: a station's credentials do not make anyone an administrator. Sign-in changes a staff
row only through two SECURITY DEFINER functions (migration 'accounts'); staff accounts are
created and changed by an administrator signed in on the command line (`bwc-desk users ...
--as ADMIN`) with the owner's connection."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from bwc_desk.domain.errors import ValidationError
from bwc_desk.store.db import Database
from bwc_desk.store.models import Staff

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
APPEND_ONLY = (
    "custody_events", "audit_log", "ledger_checkpoints", "identity_events", "station_keys",
    "station_key_revocations",
    "database_identity", "cage_audit_scans", "dock_inspections", "inspection_results",
    "repair_events",
)
# Written once and completed once (an audit finished, a case resolved); never deleted.
CLOSED_RECORDS = ("cage_audits", "cage_audit_cases")
OWNER_ONLY = ("staff",)  # the station role reads these and never writes them
STATION_FUNCTIONS = (
    "bwc_sign_in_succeeded(integer, timestamp)",
    "bwc_lock_account(integer, timestamp, text)",
    "bwc_directory_staff(text, text, text, text, timestamp)",  # migration 'dirstaff'
    "bwc_directory_unconfirm(integer)",  # migration 'dirconfirm'
)


def app_role_statements(role: str, database: str) -> list[str]:
    if not _NAME.match(role):
        raise ValidationError(f"{role!r} is not a plain lower-case role name (a-z, 0-9, _)")
    db = '"' + database.replace('"', '""') + '"'
    return [
        f"GRANT CONNECT ON DATABASE {db} TO {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(APPEND_ONLY)} FROM {role}",
        f"REVOKE DELETE, TRUNCATE ON {', '.join(CLOSED_RECORDS)} FROM {role}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {', '.join(OWNER_ONLY)} FROM {role}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}",
        *(f"GRANT EXECUTE ON FUNCTION {f} TO {role}" for f in STATION_FUNCTIONS),
    ]


def grant_app_role(db: Database, role: str) -> list[str]:
    """Run as the owner of the database (after migrations, and again after each upgrade:
    new tables need their grants)."""
    if not db.is_postgresql:
        raise ValidationError("application roles are for PostgreSQL")
    with db.engine.begin() as conn:
        # (not db.url.database: a libpq service URL names no database)
        database = str(conn.execute(text("SELECT current_database()")).scalar_one())
        statements = app_role_statements(role, database)
        for statement in statements:
            conn.execute(text(statement))
    return statements


def may_write_staff(session: Session) -> bool:
    """Whether this connection's role may add and change staff rows: always on SQLite; on
    PostgreSQL the owner may, a station's role (``OWNER_ONLY``) may not."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(
        session.execute(
            text(
                "SELECT has_table_privilege('staff', 'INSERT') "
                "AND has_table_privilege('staff', 'UPDATE')"
            )
        ).scalar_one()
    )


def _naive(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def record_good_sign_in(session: Session, staff_id: int, at: datetime) -> None:
    """Earlier failures stop counting towards a lockout."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT bwc_sign_in_succeeded(:id, :at)"), {"id": staff_id, "at": _naive(at)}
        )
    else:
        session.execute(update(Staff).where(Staff.id == staff_id).values(failures_cleared_at=at))


def lock_account(session: Session, staff_id: int, at: datetime, reason: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT bwc_lock_account(:id, :at, :reason)"),
            {"id": staff_id, "at": _naive(at), "reason": reason},
        )
    else:
        session.execute(
            update(Staff)
            .where(Staff.id == staff_id, Staff.locked_at.is_(None))
            .values(locked_at=at, lock_reason=reason)
        )


DIRECTORY_PASSWORD_HASH = "!directory"  # not an Argon2 hash: no password ever matches it


def upsert_directory_staff(
    session: Session, username: str, dn: str, display_name: str, role: str, at: datetime
) -> int:
    """After a good directory bind: create the directory account, or bring its name, entry
    and role up to date. Never a local account (the caller checks; the function refuses)."""
    if session.get_bind().dialect.name == "postgresql":
        return int(
            session.execute(
                text("SELECT bwc_directory_staff(:u, :dn, :name, :role, :at)"),
                {"u": username, "dn": dn, "name": display_name, "role": role, "at": _naive(at)},
            ).scalar_one()
        )
    row = session.execute(select(Staff).where(Staff.username == username)).scalar_one_or_none()
    if row is None:
        row = Staff(
            username=username,
            display_name=display_name[:120],
            role=role,
            password_hash=DIRECTORY_PASSWORD_HASH,
            active=True,
            created_at=at,
            created_by="directory",
            source="directory",
            directory_dn=dn[:512],
        )
        session.add(row)
    elif row.source != "directory":
        raise ValueError(f"staff account {username} is local")
    else:
        row.display_name, row.role, row.directory_dn = display_name[:120], role, dn[:512]
    row.role_confirmed_at = at  # the directory said so now
    session.flush()
    return row.id


def unconfirm_directory_role(session: Session, staff_id: int) -> None:
    """The directory refused the account (disabled, gone, in no mapped group): its cached
    role is no longer trusted while the directory cannot be reached."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT bwc_directory_unconfirm(:id)"), {"id": staff_id})
    else:
        session.execute(
            update(Staff)
            .where(Staff.id == staff_id, Staff.source == "directory")
            .values(role_confirmed_at=None)
        )

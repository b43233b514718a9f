"""Staff accounts from the command line (`bwc-desk users ...`): the first administrator of a
new database, and every later change by an administrator who signs in with ``--as ADMIN``.
Each audit record names the administrator and the operating-system user."""

from __future__ import annotations

import os

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import DomainError, PermissionDenied
from bwc_desk.domain.passwords import normalize_username
from bwc_desk.domain.roles import Permission, Role
from bwc_desk.services import audit
from bwc_desk.services.auth import (
    TEMPORARY_SET,
    insert_staff,
    set_password,
    sign_in,
    staff_row,
    staff_write,
    validate_new_password,
)
from bwc_desk.services.context import Ctx
from bwc_desk.services.dto import StaffRow
from bwc_desk.services.settings import seed_defaults
from bwc_desk.services.sign_in_attempts import register_station
from bwc_desk.store.db import Database
from bwc_desk.store.models import Staff
from bwc_desk.store.netpath import network_kind


def add_first_admin(
    ctx: Ctx,
    username: str,
    password: str,
    display_name: str = "",
    *,
    os_user: str,
) -> StaffRow:
    """`bwc-desk users add NAME --role admin` on a database with no administrator yet (a new
    agency's first account). Once there is an administrator, accounts are added only by one,
    signed in (``add_staff_as``). The audit record names the operating-system user."""
    now, station = ctx.now(), ctx.station
    with staff_write(ctx.db) as session:
        if _admins(session):
            raise PermissionDenied(
                "This database already has an administrator: add accounts as one of them, "
                "signed in (bwc-desk users add NAME --role ROLE --as ADMIN)."
            )
        by = f"cli:{os_user}"
        # A new database: the agency's default settings and shifts, as the first-run screen
        # makes them (the agency's name is set later, in Administration > Agency settings).
        seed_defaults(session, by, now, "")
        register_station(session, station, now)
        row = insert_staff(session, username, display_name, Role.ADMIN, password, by, now)
        audit.write(
            session,
            station=station,
            at=now,
            event=AuditEvent.ACCOUNT_CREATED,
            username=by,
            details={
                "account": row.username,
                "role": row.role,
                "how": "command line, first administrator",
                "os_user": os_user,
            },
        )
        return staff_row(row)


def add_staff_as(
    ctx: Ctx,
    admin: str,
    admin_password: str,
    username: str,
    role: Role,
    password: str,
    display_name: str = "",
    *,
    os_user: str,
) -> StaffRow:
    """`bwc-desk users add ... --as ADMIN`: the administrator signs in (audited, and failures
    count towards their lockout) and the account is recorded as added by them, from the
    command line of the operating-system user ``os_user``."""
    actor = sign_in(ctx.as_actor(None), admin, admin_password, via=_via(os_user))
    as_admin = ctx.as_actor(actor)
    as_admin.require(Permission.MANAGE_STAFF, "add staff accounts")
    with staff_write(ctx.db) as session:
        row = insert_staff(
            session, username, display_name, role, password, actor.username, ctx.now(),
            temporary=True,
        )
        audit.write(
            session,
            station=ctx.station,
            at=ctx.now(),
            event=AuditEvent.ACCOUNT_CREATED,
            actor=actor,
            details={
                "account": row.username,
                "role": row.role,
                "how": "command line",
                "os_user": os_user,
                "password": TEMPORARY_SET,
            },
        )
        return staff_row(row)


def _via(os_user: str) -> str:
    return f"command line of operating-system user {os_user}"


def signed_in_admin(ctx: Ctx, admin: str, admin_password: str, *, os_user: str) -> Ctx:
    """A Ctx for an administrator who signed in on the command line (``--as``); the sign-in
    record names the operating-system user, the records of the changes the administrator."""
    as_admin = ctx.as_actor(
        sign_in(ctx.as_actor(None), admin, admin_password, via=_via(os_user))
    )
    as_admin.require(Permission.MANAGE_STAFF, "change staff accounts")
    return as_admin


def has_account(ctx: Ctx, username: str) -> bool:
    """Whether a staff account has this user name (else a name the lockout may still hold)."""
    ctx.require(Permission.READ)
    name = normalize_username(username)
    with ctx.db.read() as session:
        return session.execute(select(Staff.id).where(Staff.username == name)).first() is not None


def staff_id_of(ctx: Ctx, username: str) -> int:
    ctx.require(Permission.READ)
    name = normalize_username(username)
    with ctx.db.read() as session:
        found = session.execute(select(Staff.id).where(Staff.username == name)).scalar()
    if found is None:
        raise DomainError(f"There is no staff account called {name!r}.")
    return int(found)


def _admins(session: Session) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(Staff).where(Staff.role == Role.ADMIN.value)
        ).scalar_one()
    )


# --- break-glass: every administrator locked out ---------------------------------------------

LOCAL_RECOVERY = "local recovery"


def local_recovery_unlock(
    ctx: Ctx,
    username: str,
    *,
    os_user: str,
    host: str,
    new_password: str | None = None,
) -> StaffRow:
    """`bwc-desk users unlock NAME --local-recovery`: unlock an administrator when no
    administrator can sign in to do it (CJIS lockout: five wrong passwords lock every
    administrator in seconds, and only an administrator unlocks). Nobody signs in; instead the
    command proves control of the database itself, which already lets its holder change any
    row: a SQLite file on this PC's own disk that this operating-system account may write, or
    on PostgreSQL a connection allowed to write staff accounts (the owner's: the stations'
    role may not). It unlocks only; the password changes only with ``new_password``. The
    audit record names the operating-system user, the host, the station and the UTC time.
    Refused while another active administrator is not locked: they unlock it, signed in."""
    name = normalize_username(username)
    proof = local_control(ctx.db, os_user)
    now, by = ctx.now(), f"cli:{os_user}"
    try:
        with staff_write(ctx.db) as session:
            found = select(Staff).where(Staff.username == name)
            row = session.execute(found).scalar_one_or_none()
            if row is None:
                raise DomainError(
                    f"There is no staff account called {name!r}. Nothing was changed."
                )
            if row.locked_at is None and new_password is None:
                raise DomainError(
                    f"The account {row.username!r} is not locked; nothing was changed."
                )
            _may_recover(session, row)
            if ctx.db.is_postgresql:
                proof = f"database role {session.execute(select(func.current_user())).scalar()}"
            details = {
                "account": row.username,
                "how": LOCAL_RECOVERY,
                "os_user": os_user,
                "host": host,
                "proof": proof,
            }
            if new_password is not None:
                if row.source == "directory":
                    raise DomainError(
                        f"{row.username} signs in with the directory password: it is changed "
                        "in the directory, never here. Nothing was changed."
                    )
                validate_new_password(new_password, row.username)
                set_password(row, new_password, now, temporary=True)  # IT knows it
                audit.write(session, station=ctx.station, at=now, username=by,
                            event=AuditEvent.PASSWORD_SET_TEMPORARY, details=details)
            if row.locked_at is not None:
                was = row.lock_reason
                row.locked_at = None
                row.lock_reason = ""
                row.failures_cleared_at = now
                audit.write(session, station=ctx.station, at=now, username=by,
                            event=AuditEvent.UNLOCK, details={**details, "was": was})
            return staff_row(row)
    except PermissionDenied as exc:
        if ctx.db.is_postgresql:
            raise PermissionDenied(
                "This database connection may not change staff accounts: local recovery on "
                "PostgreSQL runs with the database owner's connection (the database "
                "administrator's: --database OWNER-URL), never a station's. Nothing was changed."
            ) from exc
        raise


def _may_recover(session: Session, row: Staff) -> None:
    if row.role != Role.ADMIN.value:
        raise DomainError(
            f"{row.username} is not an administrator: local recovery is only for when no "
            "administrator can sign in. An administrator unlocks other accounts "
            f"(bwc-desk users unlock {row.username} --as ADMIN). Nothing was changed."
        )
    if not row.active:
        raise DomainError(f"The account {row.username!r} is disabled; nothing was changed.")
    other = session.execute(
        select(Staff.username).where(
            Staff.role == Role.ADMIN.value,
            Staff.active.is_(True),
            Staff.locked_at.is_(None),
            Staff.id != row.id,
        ).order_by(Staff.username)
    ).scalar()
    if other is not None:
        raise DomainError(
            f"{other} is an administrator whose account is not locked: they unlock it, signed "
            f"in (bwc-desk users unlock {row.username} --as {other}, or Administration > Staff "
            "accounts). Local recovery is only for when no administrator can sign in. Nothing "
            "was changed."
        )


def local_control(db: Database, os_user: str) -> str:
    """How this command proves it controls the database (for the audit record), or refused.
    On PostgreSQL the proof is the connection itself (checked by the write: see
    ``local_recovery_unlock``)."""
    if db.is_postgresql:
        return "database connection"
    path = db.path
    if path is None:
        raise PermissionDenied("Local recovery needs a SQLite file or a PostgreSQL database.")
    kind = network_kind(path)
    if kind:
        raise PermissionDenied(
            f"{path} is on a network file system ({kind}): local recovery is done on the PC "
            "whose own disk holds the database. Nothing was changed."
        )
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        raise PermissionDenied(
            f"The operating-system account {os_user} cannot write {path} (or its folder): "
            "local recovery is run by the account that owns the database file, on this PC. "
            "Nothing was changed."
        )
    return f"write access to {path} on this PC"

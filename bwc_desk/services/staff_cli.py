"""Staff accounts from the command line (`bwc-desk users ...`): the first administrator of a
new database, and every later change by an administrator who signs in with ``--as ADMIN``.
Each audit record names the administrator and the operating-system user."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import DomainError, PermissionDenied
from bwc_desk.domain.passwords import normalize_username
from bwc_desk.domain.roles import Permission, Role
from bwc_desk.services import audit
from bwc_desk.services.auth import (
    insert_staff,
    sign_in,
    staff_row,
    staff_write,
)
from bwc_desk.services.context import Ctx
from bwc_desk.services.dto import StaffRow
from bwc_desk.services.settings import seed_defaults
from bwc_desk.services.sign_in_attempts import register_station
from bwc_desk.store.models import Staff


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
            session, username, display_name, role, password, actor.username, ctx.now()
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

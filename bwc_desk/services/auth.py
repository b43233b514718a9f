"""Staff accounts, first-run set-up and sign-in. Passwords are stored with Argon2id."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bwc_desk.domain.errors import ConflictError, DomainError, ValidationError
from bwc_desk.domain.passwords import check_password, normalize_username
from bwc_desk.domain.roles import Permission, Role
from bwc_desk.services import resources
from bwc_desk.services.context import SYSTEM, Actor, Ctx, utc_now
from bwc_desk.services.dto import StaffRow
from bwc_desk.services.settings import seed_defaults
from bwc_desk.store.db import Database
from bwc_desk.store.models import Staff, Station

log = logging.getLogger(__name__)
_hasher = PasswordHasher()  # Argon2id with argon2-cffi's RFC 9106 low-memory profile


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the user name is unknown, so that a wrong name and a
    wrong password take the same time. Made on first use: hashing at import slows start-up."""
    return _hasher.hash("not a real password")


WRONG_CREDENTIALS = "The user name or password is wrong. Check Caps Lock and try again."


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored: str, secret: str) -> bool:
    try:
        return _hasher.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False


def needs_setup(db: Database) -> bool:
    with db.read() as session:
        return session.execute(select(func.count()).select_from(Staff)).scalar_one() == 0


def _actor(row: Staff) -> Actor:
    return Actor(row.id, row.username, row.display_name, Role(row.role))


def validate_new_password(password: str, username: str) -> None:
    check_password(password, resources.common_passwords(), username)


def _insert_staff(
    session: Session,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    by: str,
    now: datetime,
) -> Staff:
    username = normalize_username(username)
    validate_new_password(password, username)
    if session.execute(select(Staff.id).where(Staff.username == username)).first():
        raise ValidationError(f"There is already a staff account called {username!r}.")
    row = Staff(
        username=username,
        display_name=display_name.strip() or username,
        role=role.value,
        password_hash=hash_secret(password),
        active=True,
        created_at=now,
        created_by=by,
    )
    session.add(row)
    session.flush()
    return row


def register_station(session: Session, station: str, now: datetime) -> None:
    row = session.get(Station, station)
    if row is None:
        session.add(
            Station(name=station, hostname=socket.gethostname(), first_seen=now, last_seen=now)
        )
    else:
        row.last_seen = now


def first_run(
    db: Database,
    *,
    agency_name: str,
    station: str,
    username: str,
    password: str,
    display_name: str = "",
    clock: Callable[[], datetime] = utc_now,
) -> Actor:
    """Create the agency's settings and its first administrator, in one transaction."""
    agency_name = agency_name.strip()
    station = station.strip()
    if not agency_name:
        raise ValidationError("Enter the agency's name.")
    if not station:
        raise ValidationError("Enter a name for this station.")
    now = clock()
    with db.write() as session:
        if session.execute(select(func.count()).select_from(Staff)).scalar_one():
            raise ConflictError("This database is already set up; sign in instead.")
        seed_defaults(session, SYSTEM.username, now, agency_name)
        register_station(session, station, now)
        row = _insert_staff(
            session, username, display_name, Role.ADMIN, password, SYSTEM.username, now
        )
        return _actor(row)


def sign_in(ctx: Ctx, username: str, password: str) -> Actor:
    """Check a user name and password; the returned actor is recorded on every change."""
    try:
        name = normalize_username(username)
    except ValidationError:
        raise DomainError("Enter your user name.") from None
    if not password:
        raise DomainError("Enter your password.")
    with ctx.db.write() as session:
        row = session.execute(select(Staff).where(Staff.username == name)).scalar_one_or_none()
        if row is None:
            verify_secret(_dummy_hash(), password)
            raise DomainError(WRONG_CREDENTIALS)
        if not verify_secret(row.password_hash, password):
            raise DomainError(WRONG_CREDENTIALS)
        if not row.active:
            raise DomainError(f"The account {row.username!r} is disabled. Ask an administrator.")
        if _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = hash_secret(password)
        register_station(session, ctx.station, ctx.now())
        return _actor(row)


def add_staff(
    ctx: Ctx, username: str, role: Role, password: str, display_name: str = ""
) -> StaffRow:
    actor = ctx.require(Permission.MANAGE_STAFF, "add staff accounts")
    with ctx.db.write() as session:
        row = _insert_staff(
            session, username, display_name, role, password, actor.username, ctx.now()
        )
        return staff_row(row)


def add_staff_from_command_line(
    db: Database,
    username: str,
    role: Role,
    password: str,
    display_name: str = "",
    clock: Callable[[], datetime] = utc_now,
) -> StaffRow:
    """`bwc-desk users add`: whoever can run commands on the station PC sets up accounts."""
    with db.write() as session:
        row = _insert_staff(
            session, username, display_name, role, password, "command line", clock()
        )
        return staff_row(row)


def staff_row(row: Staff) -> StaffRow:
    return StaffRow(row.id, row.username, row.display_name, Role(row.role), row.active)


def list_staff(ctx: Ctx) -> list[StaffRow]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        rows = session.execute(select(Staff).order_by(Staff.username)).scalars()
        return [staff_row(r) for r in rows]

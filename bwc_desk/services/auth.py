"""Staff accounts, first-run set-up, sign-in and lockout. Secrets are stored with Argon2id.

CJIS 5.5.3: an account locks after 5 failed sign-ins within 15 minutes and stays locked, across
restarts, until an administrator unlocks it. Every sign-in, failure, lockout and account change
is audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.errors import (
    ConflictError,
    DomainError,
    PasswordChangeRequired,
    PermissionDenied,
    UnavailableError,
    ValidationError,
)
from bwc_desk.domain.passwords import (
    check_password,
    check_pin,
    normalize_username,
)
from bwc_desk.domain.roles import Permission, Role
from bwc_desk.domain.settings import SPECS
from bwc_desk.domain.values import check_no_bidi, clean_text, normalize_scan
from bwc_desk.services import audit, directory_signin, resources, signing
from bwc_desk.services.context import SYSTEM, Actor, Ctx, utc_now
from bwc_desk.services.dto import StaffRow
from bwc_desk.services.settings import seed_defaults
from bwc_desk.services.sign_in_attempts import (
    WRONG_CREDENTIALS,
    Attempt,
    actor_of,
    failed,
    failed_unknown,
    finish,
    locked_message,
    register_station,
    succeeded,
)
from bwc_desk.store import owed
from bwc_desk.store.db import Database
from bwc_desk.store.models import Staff
from bwc_desk.store.pg_roles import may_write_staff

log = logging.getLogger(__name__)
_hasher = PasswordHasher()  # Argon2id with argon2-cffi's RFC 9106 low-memory profile

WRONG_PIN = "The badge or PIN is wrong. Scan the badge and type the PIN again."


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the user name is unknown, so that a wrong name and a
    wrong password take the same time. Made on first use: hashing at import slows start-up."""
    return _hasher.hash("not a real password")


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


def validate_new_password(password: str, username: str) -> None:
    check_password(password, resources.common_passwords(), username)


def insert_staff(
    session: Session,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    by: str,
    now: datetime,
    *,
    temporary: bool = False,
) -> Staff:
    """``temporary``: the password was set by someone else (an administrator), so the account
    must choose its own at its next sign-in."""
    username = normalize_username(username)
    check_no_bidi(username, "The user name")
    display_name = clean_text(display_name, "The display name", limit=120)
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
        password_changed_at=now,
        must_change_password=temporary,
    )
    session.add(row)
    session.flush()
    return row


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
    SPECS["agency_name"].check_length(agency_name)  # (as Agency settings refuse it)
    if not station:
        raise ValidationError("Enter a name for this station.")
    now = clock()
    with staff_write(db) as session:
        if session.execute(select(func.count()).select_from(Staff)).scalar_one():
            raise ConflictError("This database is already set up; sign in instead.")
        seed_defaults(session, SYSTEM.username, now, agency_name)
        register_station(session, station, now)
        row = insert_staff(
            session, username, display_name, Role.ADMIN, password, SYSTEM.username, now
        )
        actor = actor_of(row)
        audit.write(
            session,
            station=station,
            at=now,
            event=AuditEvent.ACCOUNT_CREATED,
            actor=actor,
            details={
                "account": row.username,
                "role": row.role,
                "how": "first-run set-up",
                "agency": agency_name,
            },
        )
        audit.write(session, station=station, at=now, event=AuditEvent.SIGN_IN, actor=actor)
        signing.set_up_root(session, station, now, actor)  # the station's key: trust root
        return actor


# --- signing in ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    """What a user name and password come to, before anything is written: sign-in and a
    supervisor's override at the counter both check a password this way, and both record a
    failure with ``record_failure`` (the same count, the same lockout, the same audit)."""

    name: str
    staff_id: int | None
    failure: str  # "" when good, else "unknown", "locked", "wrong" or "disabled"

    @property
    def good(self) -> bool:
        return not self.failure


def check_credentials(session: Session, name: str, password: str) -> PasswordCheck:
    """Check a local account's password (``name`` already normalised); writes nothing. A
    wrong name and a locked account take as long as a wrong password."""
    row = session.execute(select(Staff).where(Staff.username == name)).scalar_one_or_none()
    if row is None:
        verify_secret(_dummy_hash(), password)
        return PasswordCheck(name, None, "unknown")
    if row.locked_at is not None:
        verify_secret(_dummy_hash(), password)  # as long as any other answer takes
        return PasswordCheck(name, row.id, "locked")
    if not verify_secret(row.password_hash, password):
        return PasswordCheck(name, row.id, "wrong")
    if not row.active:
        return PasswordCheck(name, row.id, "disabled")
    return PasswordCheck(name, row.id, "")


def record_failure(
    ctx: Ctx, session: Session, check: PasswordCheck, how: str, typed: str, wrong: str
) -> Attempt:
    """Record a failed password check as a failed sign-in (counted towards the lockout, and
    audited); the attempt's message is ``wrong`` (plus the lockout warning) for a wrong name or
    password, else what sign-in says of a locked or disabled account."""
    row = None if check.staff_id is None else session.get(Staff, check.staff_id)
    if row is None:  # (or removed meanwhile: as an unknown name)
        return failed_unknown(ctx, session, check.name, typed, wrong, how)
    if row.locked_at is not None:
        return failed(ctx, session, row, check.name, f"{how} (account locked)", locked_message(row))
    if check.failure == "disabled":
        return failed(
            ctx,
            session,
            row,
            check.name,
            f"{how} (account disabled)",
            f"The account {row.username!r} is disabled. Ask an administrator.",
        )
    return failed(ctx, session, row, check.name, how, wrong)


TEMPORARY_PASSWORD = (
    "The password of {name!r} was set by an administrator and is only temporary: choose your "
    "own password now (type it twice) to sign in. Nothing else can be done until then."
)
TEMPORARY_PASSWORD_COMMAND = (
    "The password of {name!r} was set by an administrator and is only temporary: choose your "
    "own first (sign in to the BWC Desk window with it, or run bwc-desk users password "
    "{name}). Until then it works for nothing else, commands included."
)
TEMPORARY_ON_SERVER = (
    "The password of {name!r} was set by an administrator and is only temporary, and a "
    "station of a shared PostgreSQL database may not change staff accounts, so it cannot be "
    "replaced here. With an administrator, on a PC that has the database owner's "
    "connection, run: bwc-desk users password {name} --database OWNER-URL (it asks the "
    "temporary password, then your own twice; docs/deploy-multi-station.md). Then sign in "
    "here with your own. Nothing was changed."
)
TEMPORARY_PASSWORD_BADGE = (
    "The password of {name!r} was set by an administrator and is only temporary: sign in once "
    "with your user name and that password to choose your own; the badge and PIN work after "
    "that."
)


def sign_in(
    ctx: Ctx, username: str, password: str, *, via: str = "", new_password: str = ""
) -> Actor:
    """Check a user name and password; the returned actor is recorded on every change.
    Failures are recorded (and audited) even though sign-in is refused.

    A password an administrator set is temporary: with it alone, ``PasswordChangeRequired``
    is raised and nobody is signed in; with ``new_password`` too (the account's own choice,
    checked like any password and not the temporary one) the password is changed and the
    account signed in, in one transaction."""
    try:
        name = normalize_username(username)
    except ValidationError:
        raise DomainError("Enter your user name.") from None
    if not password:
        raise DomainError("Enter your password.")
    gate = directory_signin.configured_gate(ctx)  # (local accounts never wait on it)
    if gate is not None and directory_signin.is_directory_name(ctx, name):
        return directory_signin.sign_in_with(ctx, gate, name, username, password, via=via)
    how = f"password, {via}" if via else "password"
    try:
        with staff_write(ctx.db) as session:
            check = check_credentials(session, name, password)
            if check.good:
                row = session.get(Staff, check.staff_id)
                assert row is not None
                if row.must_change_password:
                    if not via and not may_write_staff(session):
                        # (A station's role on PostgreSQL: asking for a new password twice
                        # only to refuse it would waste the person's time.)
                        raise DomainError(TEMPORARY_ON_SERVER.format(name=row.username))
                    if not new_password:
                        text = TEMPORARY_PASSWORD_COMMAND if via else TEMPORARY_PASSWORD
                        raise PasswordChangeRequired(text.format(name=row.username), row.username)
                    _choose_own(ctx, session, row, password, new_password)
                elif new_password:
                    raise DomainError(
                        f"The password of {row.username!r} is already its own, not a "
                        "temporary one: no new one is needed. Nothing was changed."
                    )
                # (not on PostgreSQL: the stations' role may not write staff rows)
                elif not ctx.db.is_postgresql and _hasher.check_needs_rehash(row.password_hash):
                    row.password_hash = hash_secret(password)
                attempt = succeeded(ctx, session, row, how)
            else:
                attempt = record_failure(
                    ctx, session, check, "password", username, WRONG_CREDENTIALS
                )
    except PermissionDenied:
        if not new_password:
            raise
        raise PermissionDenied(TEMPORARY_ON_SERVER.format(name=username.strip())) from None
    return finish(attempt)


def set_password(row: Staff, secret: str, now: datetime, *, temporary: bool) -> None:
    """The account's password, hashed, dated, and whether it is temporary (set by someone
    else: replaced at the account's next sign-in). Checking and auditing are the caller's."""
    row.password_hash = hash_secret(secret)
    row.password_changed_at = now
    row.must_change_password = temporary


def _choose_own(ctx: Ctx, session: Session, row: Staff, temporary: str, new: str) -> None:
    """Replace a temporary password by the account's own (at its first sign-in after an
    administrator set it); audited."""
    if new == temporary:
        raise ValidationError(
            "The new password must differ from the temporary one an administrator set."
        )
    validate_new_password(new, row.username)
    set_password(row, new, ctx.now(), temporary=False)
    audit.write(
        session,
        station=ctx.station,
        at=ctx.now(),
        actor=actor_of(row),
        event=AuditEvent.PASSWORD_CHOSEN,
        details={"account": row.username},
    )


def sign_in_badge(ctx: Ctx, badge: str, pin: str) -> Actor:
    """Quick counter sign-in: the staff badge scanned, then a PIN typed. A directory
    account's role is then confirmed by the directory (directory_signin.badge_sign_in)."""
    code = normalize_scan(badge).upper()
    if not code:
        raise DomainError("Scan your staff badge first.")
    if not pin:
        raise DomainError("Type your PIN.")
    directory_account: tuple[int, str] | None = None
    temporary = ""
    attempt = Attempt(None, WRONG_PIN)
    with ctx.db.write() as session:
        row = session.execute(select(Staff).where(Staff.badge_code == code)).scalar_one_or_none()
        if row is None or row.pin_hash is None:
            verify_secret(_dummy_hash(), pin)
            attempt = failed(
                ctx,
                session,
                row,
                row.username if row else f"badge:{code}",
                "badge and PIN",
                WRONG_PIN,
            )
        elif row.locked_at is not None:
            attempt = failed(
                ctx, session, row, row.username, "badge and PIN (locked)", locked_message(row)
            )
        elif not verify_secret(row.pin_hash, pin):
            attempt = failed(ctx, session, row, row.username, "badge and PIN", WRONG_PIN)
        elif not row.active:
            attempt = failed(
                ctx,
                session,
                row,
                row.username,
                "badge and PIN (disabled)",
                f"The account {row.username!r} is disabled. Ask an administrator.",
            )
        elif row.source == directory_signin.DIRECTORY:
            # The role is asked of the directory first, outside this transaction.
            directory_account = (row.id, row.username)
        elif row.must_change_password:
            # The PIN was right, but it does not prove the temporary password, which must be
            # replaced first: refused (audited, not counted towards the lockout).
            temporary = row.username
            audit.write(
                session,
                station=ctx.station,
                at=ctx.now(),
                event=AuditEvent.SIGN_IN_FAILED,
                outcome=Outcome.REFUSED,
                username=row.username,
                details={"how": "badge and PIN (temporary password not yet replaced)"},
            )
        else:
            attempt = succeeded(ctx, session, row, "badge and PIN")
    if temporary:
        raise PasswordChangeRequired(TEMPORARY_PASSWORD_BADGE.format(name=temporary), temporary)
    if directory_account is not None:
        return directory_signin.badge_sign_in(ctx, *directory_account)
    return finish(attempt)


def record_lock(ctx: Ctx, idle: bool) -> None:
    """The screen was locked (by the idle timer or by Lock now)."""
    audit.record(ctx, AuditEvent.IDLE_LOCK if idle else AuditEvent.LOCK)


def sign_out(ctx: Ctx, signed_out_at: datetime | None = None,
             recorded_at_sign_in_of: str = "") -> None:
    """The person signed in signs out. ``signed_out_at``: a sign-out the station could not
    record when it happened (the server away), recorded now, with its own time (and who
    signed in at the station when it was: ``record_owed_sign_outs``)."""
    if ctx.actor is None:
        return
    details = None
    if signed_out_at is not None:
        details = {
            "signed out at": signed_out_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "recorded late": "the database server could not be reached at the sign-out",
        }
        if recorded_at_sign_in_of:
            details["recorded at the sign-in of"] = recorded_at_sign_in_of
    audit.record(ctx, AuditEvent.SIGN_OUT, details=details)


def sign_out_or_owe(ctx: Ctx) -> None:
    """The person signed in signs out; a sign-out the server cannot take now (an outage) is
    owed: kept in this station's file (store/owed.py) before the error goes on, and written
    at a later sign-in, at this station, even after a restart (``record_owed_sign_outs``)."""
    actor = ctx.actor
    if actor is None:
        return
    at = ctx.now().astimezone(UTC)
    try:
        sign_out(ctx)
    except UnavailableError:
        try:
            owed.add(owed.OwedSignOut(ctx.db.display, ctx.station, actor.staff_id,
                                      actor.username, at))
        except OSError as exc:  # (a full disk, a read-only folder: the log line stays)
            log.error("sign-out of %s at station %s at %s UTC could not be kept for later "
                      "(%s): only this log has it", actor.username, ctx.station,
                      at.strftime("%Y-%m-%dT%H:%M:%S"), exc)
        raise


def record_owed_sign_outs(ctx: Ctx) -> int:
    """Write the sign-outs this station owes this database (``sign_out_or_owe``), oldest
    first, each for the person who signed out, dated now (the audit chain's order) with
    the time it happened in its details, and who signed in when it was written. Each is
    taken off the file once written. The server away again: the rest stay owed (the error
    goes on). One whose account no longer exists under that name can never be written: it
    is taken off and said in the log (who, station, when). Returns how many were written."""
    if ctx.actor is None:
        return 0
    written = 0
    for entry in owed.load():
        if entry.database != ctx.db.display:
            continue  # (owed to another database this station has used)
        with ctx.db.read() as session:
            staff = session.get(Staff, entry.staff_id) if entry.staff_id is not None else None
            owner = (
                Actor(staff.id, staff.username, staff.display_name, Role(staff.role))
                if staff is not None and staff.username == entry.username
                else None
            )
        if owner is None:
            log.warning("owed sign-out of %s at station %s at %s UTC not recorded: no staff "
                        "account %s has that name now", entry.username, entry.station,
                        entry.at.strftime("%Y-%m-%dT%H:%M:%S"), entry.staff_id)
            owed.remove(entry)
            continue
        sign_out(replace(ctx, station=entry.station).as_actor(owner), signed_out_at=entry.at,
                 recorded_at_sign_in_of=ctx.actor.username)
        owed.remove(entry)
        written += 1
    return written


# --- managing accounts (administrators) ------------------------------------------------------


def staff_row(row: Staff) -> StaffRow:
    return StaffRow(
        row.id,
        row.username,
        row.display_name,
        Role(row.role),
        row.active,
        row.locked_at is not None,
        row.pin_hash is not None,
        row.badge_code or "",
        row.source,
        row.must_change_password,
    )


def list_staff(ctx: Ctx) -> list[StaffRow]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        rows = session.execute(select(Staff).order_by(Staff.username)).scalars()
        return [staff_row(r) for r in rows]


def add_staff(
    ctx: Ctx, username: str, role: Role, password: str, display_name: str = ""
) -> StaffRow:
    actor = ctx.require(Permission.MANAGE_STAFF, "add staff accounts")
    with staff_write(ctx.db) as session:
        row = insert_staff(
            session,
            username,
            display_name,
            role,
            password,
            actor.username,
            ctx.now(),
            temporary=True,
        )
        audit.write(
            session,
            station=ctx.station,
            at=ctx.now(),
            event=AuditEvent.ACCOUNT_CREATED,
            actor=actor,
            details={"account": row.username, "role": row.role, "password": TEMPORARY_SET},
        )
        return staff_row(row)


TEMPORARY_SET = "set by administrator (temporary)"  # (an account's creation record says so)

STATION_ROLE_REFUSED = (
    "This station's database role may not change staff accounts: on a shared PostgreSQL "
    "database an administrator changes them on the command line, signed in, with the owner's "
    "connection (bwc-desk users add|change NAME ... --as ADMIN --database OWNER-URL). "
    "Nothing was changed."
)


def staff_changes_refused(ctx: Ctx) -> str:
    """Why this station may not add or change staff accounts whoever is signed in
    (``STATION_ROLE_REFUSED``: its PostgreSQL role may not write them), or '' when it may.
    Asked up front (Administration > Staff accounts), so that nobody fills in a form that
    ``staff_write`` would then refuse."""
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        return "" if may_write_staff(session) else STATION_ROLE_REFUSED


@contextmanager
def staff_write(db: Database) -> Iterator[Session]:
    """A write that changes staff rows. The stations' role on PostgreSQL has no INSERT or
    UPDATE on staff (grant-app-role): said as such, not as a crash."""
    try:
        with db.write() as session:
            yield session
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "42501":  # insufficient_privilege
            raise PermissionDenied(STATION_ROLE_REFUSED) from None
        raise


def _staff(session: Session, staff_id: int) -> Staff:
    row = session.get(Staff, staff_id)
    if row is None:
        raise DomainError("That staff account no longer exists; refresh the list.")
    return row


def _not_directory(row: Staff) -> None:
    if row.source == "directory":
        raise DomainError(
            f"{row.username} signs in with the directory password: it is changed in the "
            "directory (ask IT), never here. Nothing was changed."
        )


def _active_admins(session: Session) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(Staff)
            .where(Staff.role == Role.ADMIN.value, Staff.active.is_(True))
        ).scalar_one()
    )


def set_active(ctx: Ctx, staff_id: int, active: bool) -> StaffRow:
    actor = ctx.require(Permission.MANAGE_STAFF, "disable or enable staff accounts")
    with staff_write(ctx.db) as session:
        row = _staff(session, staff_id)
        if row.active == active:
            return staff_row(row)
        if not active:
            if row.id == actor.staff_id:
                raise DomainError("You cannot disable your own account.")
            if row.role == Role.ADMIN.value and _active_admins(session) <= 1:
                raise DomainError(
                    f"{row.username} is the last active administrator; add "
                    "another administrator first."
                )
        row.active = active
        audit.write(
            session,
            station=ctx.station,
            at=ctx.now(),
            actor=actor,
            event=AuditEvent.ACCOUNT_ENABLED if active else AuditEvent.ACCOUNT_DISABLED,
            details={"account": row.username},
        )
        return staff_row(row)


def change_role(ctx: Ctx, staff_id: int, role: Role) -> StaffRow:
    actor = ctx.require(Permission.MANAGE_STAFF, "change roles")
    with staff_write(ctx.db) as session:
        row = _staff(session, staff_id)
        old = Role(row.role)
        if old is role:
            return staff_row(row)
        if old is Role.ADMIN and row.active and _active_admins(session) <= 1:
            raise DomainError(
                f"{row.username} is the last active administrator; make "
                "someone else administrator first."
            )
        row.role = role.value
        audit.write(
            session,
            station=ctx.station,
            at=ctx.now(),
            actor=actor,
            event=AuditEvent.ROLE_CHANGED,
            details={"account": row.username, "from": old.value, "to": role.value},
        )
        return staff_row(row)


def reset_password(ctx: Ctx, staff_id: int, new_password: str) -> StaffRow:
    """Set a temporary password: the account chooses its own at its next sign-in."""
    actor = ctx.require(Permission.MANAGE_STAFF, "reset passwords")
    with staff_write(ctx.db) as session:
        row = _staff(session, staff_id)
        _not_directory(row)
        validate_new_password(new_password, row.username)
        set_password(row, new_password, ctx.now(), temporary=True)
        audit.write(
            session,
            station=ctx.station,
            at=ctx.now(),
            actor=actor,
            event=AuditEvent.PASSWORD_SET_TEMPORARY,
            details={"account": row.username, "password": TEMPORARY_SET},
        )
        return staff_row(row)


def mark_password_own(db: Database, staff_id: int) -> None:
    """Not temporary after all: only for accounts made by a program whose passwords are
    public anyway (the demo's, shown on its sign-in form). Not audited: no person did it."""
    with staff_write(db) as session:
        _staff(session, staff_id).must_change_password = False


def change_own_password(ctx: Ctx, old_password: str, new_password: str) -> None:
    """The signed-in person replaces their own password (File > Change my password...);
    audited. A wrong current password is a failed logon: refused, recorded and counted
    towards the lockout as at sign-in (else a station left signed in would let anyone guess
    its owner's password without limit)."""
    actor = ctx.require(Permission.READ)
    attempt = None
    with staff_write(ctx.db) as session:
        row = _staff(session, actor.staff_id or -1)
        _not_directory(row)
        check = check_credentials(session, row.username, old_password)
        if not check.good:
            attempt = record_failure(ctx, session, check, "password change", row.username,
                                     WRONG_CURRENT_PASSWORD)
        else:
            _change_own(ctx, session, actor, row, old_password, new_password)
    if attempt is not None:
        finish(attempt)  # (raises, once the failure is committed)


WRONG_CURRENT_PASSWORD = (
    "The current password is wrong: type the password you signed in with. Nothing was changed."
)


def _change_own(
    ctx: Ctx, session: Session, actor: Actor, row: Staff, old_password: str, new_password: str
) -> None:
    if new_password == old_password:
        raise ValidationError(
            "The new password is the same as your current one: choose a different one. "
            "Nothing was changed."
        )
    validate_new_password(new_password, row.username)
    set_password(row, new_password, ctx.now(), temporary=False)
    audit.write(
        session,
        station=ctx.station,
        at=ctx.now(),
        actor=actor,
        event=AuditEvent.PASSWORD_CHANGED,
        details={"account": row.username},
    )


def unlock(ctx: Ctx, staff_id: int) -> StaffRow:
    actor = ctx.require(Permission.MANAGE_STAFF, "unlock accounts")
    with staff_write(ctx.db) as session:
        row = _staff(session, staff_id)
        was = row.lock_reason
        row.locked_at = None
        row.lock_reason = ""
        row.failures_cleared_at = ctx.now()
        audit.write(
            session,
            station=ctx.station,
            at=ctx.now(),
            actor=actor,
            event=AuditEvent.UNLOCK,
            details={"account": row.username, "was": was},
        )
        return staff_row(row)


def set_badge_and_pin(ctx: Ctx, staff_id: int, badge_code: str, pin: str) -> StaffRow:
    """Turn on quick counter sign-in for an account (blank badge turns it off)."""
    actor = ctx.require(Permission.MANAGE_STAFF, "set staff badges and PINs")
    code = normalize_scan(badge_code).upper()
    with staff_write(ctx.db) as session:
        row = _staff(session, staff_id)
        if not code:
            row.badge_code = None
            row.pin_hash = None
        else:
            check_pin(pin)
            other = session.execute(
                select(Staff.username).where(Staff.badge_code == code, Staff.id != row.id)
            ).first()
            if other:
                raise ValidationError(f"The badge {code} already belongs to {other[0]}.")
            row.badge_code = code
            row.pin_hash = hash_secret(pin)
        audit.write(
            session,
            station=ctx.station,
            at=ctx.now(),
            actor=actor,
            event=AuditEvent.PIN_SET,
            details={"account": row.username, "badge": code or None},
        )
        return staff_row(row)

"""One sign-in attempt, however it ends: success, a wrong secret, a lockout, or a user name
that matches no account (which answers exactly as a real account would, and is never written
down when it looks like a password)."""

from __future__ import annotations

import hashlib
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.passwords import (
    FAILED_WINDOW_MINUTES,
    MAX_FAILED_SIGN_INS,
    normalize_username,
)
from bwc_desk.domain.roles import Permission, Role
from bwc_desk.services import audit, resources
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.store.models import NameLock, SignInFailure, Staff, Station
from bwc_desk.store.pg_roles import lock_account, record_good_sign_in

WRONG_CREDENTIALS = "The user name or password is wrong. Check Caps Lock and try again."


def actor_of(row: Staff) -> Actor:
    return Actor(row.id, row.username, row.display_name, Role(row.role))


def register_station(session: Session, station: str, now: datetime) -> None:
    row = session.get(Station, station)
    if row is None:
        session.add(
            Station(name=station, hostname=socket.gethostname(), first_seen=now, last_seen=now)
        )
    else:
        row.last_seen = now


@dataclass(frozen=True, slots=True)
class Attempt:
    actor: Actor | None
    error: str = ""


def _recent_failures(session: Session, row: Staff, now: datetime) -> int:
    since = now - timedelta(minutes=FAILED_WINDOW_MINUTES)
    if row.failures_cleared_at is not None and row.failures_cleared_at > since:
        since = row.failures_cleared_at
    return int(
        session.execute(
            select(func.count())
            .select_from(SignInFailure)
            .where(SignInFailure.staff_id == row.id, SignInFailure.at > since)
        ).scalar_one()
    )


def failed(
    ctx: Ctx, session: Session, row: Staff | None, username: str, how: str, message: str
) -> Attempt:
    now = ctx.now()
    session.add(
        SignInFailure(
            username=username, staff_id=row.id if row else None, at=now, station=ctx.station
        )
    )
    session.flush()
    audit.write(
        session,
        station=ctx.station,
        at=now,
        event=AuditEvent.SIGN_IN_FAILED,
        outcome=Outcome.FAILED,
        username=username,
        details={"how": how},
    )
    if row is not None and row.locked_at is None:
        failures = _recent_failures(session, row, now)
        if failures >= MAX_FAILED_SIGN_INS:
            lock_account(
                session,
                row.id,
                now,
                f"{failures} failed sign-ins within {FAILED_WINDOW_MINUTES} minutes",
            )
            audit.write(
                session,
                station=ctx.station,
                at=now,
                event=AuditEvent.LOCKOUT,
                outcome=Outcome.FAILED,
                username=username,
                details={"failures": failures, "how": how},
            )
            return Attempt(None, locked_message(row))
        message += _warning(failures)
    return Attempt(None, message)


def locked_message(row: Staff) -> str:
    return locked_text(row.username)


def locked_text(username: str) -> str:
    return (
        f"The account {username!r} is locked after too many failed sign-ins. "
        "An administrator must unlock it (Administration > Staff accounts). If no "
        "administrator can sign in, IT unlocks one on the PC holding the database: "
        "bwc-desk users unlock NAME --local-recovery (docs/security.md)."
    )


# --- user names that match no account ---------------------------------------------------------
# They answer exactly as a real account would (the same warnings, the same lockout), so that
# sign-in cannot tell an attacker which names exist; and a password typed into the user-name
# field by mistake is never written down: the audit log says "unknown user name" instead.

UNKNOWN_USER_NAME = "unknown user name"
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-@")


def looks_like_password(typed: str) -> bool:
    """A typed user name that matches no account and that a user name would not look like:
    capitals, symbols, or a password from the common-password list."""
    text = typed.strip()
    if any(ch not in _NAME_CHARS for ch in text):
        return True
    return text.lower() in resources.common_passwords()


def _unknown_key(name: str) -> str:
    """What sign_in_failures keeps for a name that matches no account: a slow one-way digest,
    enough to count its failures, never the text (it may be a password)."""
    digest = hashlib.scrypt(
        name.encode("utf-8"), salt=b"bwc-desk unknown user name", n=2**14, r=8, p=1, dklen=12
    )
    return "?" + digest.hex()


def _last_unlock(session: Session, key: str) -> datetime | None:
    """When an administrator last unlocked the name: failures before it no longer count."""
    at: datetime | None = session.execute(
        select(func.max(NameLock.unlocked_at)).where(NameLock.name_key == key)
    ).scalar_one()
    return at


def _unknown_is_locked(session: Session, key: str) -> bool:
    """Locked as a real account would be: 5 failures within 15 minutes, and it stays locked
    until an administrator unlocks the name (Administration > Staff accounts, or
    `bwc-desk users unlock NAME`)."""
    query = select(SignInFailure.at).where(SignInFailure.username == key)
    since = _last_unlock(session, key)
    if since is not None:
        query = query.where(SignInFailure.at > since)
    times = list(session.execute(query.order_by(SignInFailure.at)).scalars())
    window = timedelta(minutes=FAILED_WINDOW_MINUTES)
    first = MAX_FAILED_SIGN_INS - 1
    return any(times[i] - times[i - first] < window for i in range(first, len(times)))


def name_is_locked(session: Session, name: str) -> bool:
    """A user name with no account, locked by its failures (checked before asking the
    directory about a name it has not seen yet)."""
    return _unknown_is_locked(session, _unknown_key(name))


def failed_unknown(
    ctx: Ctx,
    session: Session,
    name: str,
    typed: str,
    wrong: str = WRONG_CREDENTIALS,
    how: str = "password",
) -> Attempt:
    now = ctx.now()
    key = _unknown_key(name)
    recorded = UNKNOWN_USER_NAME if looks_like_password(typed) else name
    locked = _unknown_is_locked(session, key)
    session.add(SignInFailure(username=key, staff_id=None, at=now, station=ctx.station))
    session.flush()
    how = f"{how} (account locked)" if locked else how
    audit.write(
        session,
        station=ctx.station,
        at=now,
        event=AuditEvent.SIGN_IN_FAILED,
        outcome=Outcome.FAILED,
        username=recorded,
        details={"how": how, "account": "none by that name"},
    )
    if locked:
        return Attempt(None, locked_text(name))
    since = now - timedelta(minutes=FAILED_WINDOW_MINUTES)
    unlocked = _last_unlock(session, key)
    if unlocked is not None and unlocked > since:
        since = unlocked
    failures = int(
        session.execute(
            select(func.count())
            .select_from(SignInFailure)
            .where(SignInFailure.username == key, SignInFailure.at > since)
        ).scalar_one()
    )
    if failures >= MAX_FAILED_SIGN_INS:
        # Listed for the administrators (the name only when it does not look like a password).
        shown = "" if recorded == UNKNOWN_USER_NAME else name[:64]
        session.add(NameLock(name_key=key, name=shown, locked_at=now, station=ctx.station))
        audit.write(
            session,
            station=ctx.station,
            at=now,
            event=AuditEvent.LOCKOUT,
            outcome=Outcome.FAILED,
            username=recorded,
            details={"failures": failures, "how": how, "account": "none by that name"},
        )
        return Attempt(None, locked_text(name))
    return Attempt(None, wrong + _warning(failures))


def _warning(failures: int) -> str:
    left = MAX_FAILED_SIGN_INS - failures
    if left > 2:
        return ""
    return f" {left} more failed attempt{'s' if left > 1 else ''} will lock the account."


def succeeded(ctx: Ctx, session: Session, row: Staff, how: str) -> Attempt:
    now = ctx.now()
    record_good_sign_in(session, row.id, now)
    register_station(session, ctx.station, now)
    actor = actor_of(row)
    audit.write(
        session,
        station=ctx.station,
        at=now,
        event=AuditEvent.SIGN_IN,
        actor=actor,
        details={"how": how},
    )
    return Attempt(actor)


def finish(attempt: Attempt) -> Actor:
    if attempt.actor is None:
        raise DomainError(attempt.error)
    return attempt.actor


# --- locked user names with no account (administrators) ---------------------------------------
# A directory user who never signed in has no staff row, so the account unlock cannot reach
# their lockout: these list and unlock such names, audited like an account's unlock.


@dataclass(frozen=True, slots=True)
class LockedName:
    """A locked user name with no staff account. ``name`` is "" when what was typed looked
    like a password (it is never written down): unlock it by typing the name."""

    id: int
    name: str
    locked_at: datetime
    station: str


def list_locked_names(ctx: Ctx) -> list[LockedName]:
    """Administrators only: what was typed at sign-in is not for everyone to read."""
    ctx.require(Permission.MANAGE_STAFF, "see locked user names")
    with ctx.db.read() as session:
        rows = session.execute(
            select(NameLock)
            .where(NameLock.unlocked_at.is_(None))
            .order_by(NameLock.locked_at, NameLock.id)
        ).scalars()
        return [LockedName(r.id, r.name, r.locked_at, r.station) for r in rows]


def _unlock_key(ctx: Ctx, session: Session, key: str, shown: str, how: str) -> None:
    actor = ctx.require(Permission.MANAGE_STAFF, "unlock user names")
    now = ctx.now()
    open_locks = list(
        session.execute(
            select(NameLock).where(NameLock.name_key == key, NameLock.unlocked_at.is_(None))
        ).scalars()
    )
    if not open_locks:  # locked before locks were listed, or from another station meanwhile
        lock = NameLock(name_key=key, name="", locked_at=now, station=ctx.station)
        session.add(lock)
        open_locks = [lock]
    for lock in open_locks:
        lock.unlocked_at, lock.unlocked_by, lock.unlock_station = now, actor.username, ctx.station
    session.flush()
    audit.write(
        session,
        station=ctx.station,
        at=now,
        actor=actor,
        event=AuditEvent.UNLOCK,
        details={"account": shown, "was": "a user name with no account, locked", "how": how},
    )


def unlock_name(ctx: Ctx, typed: str) -> str:
    """Unlock a user name that has no staff account (typed by the administrator, e.g.
    `bwc-desk users unlock NAME`). Returns the name as unlocked."""
    ctx.require(Permission.MANAGE_STAFF, "unlock user names")
    try:
        name = normalize_username(typed)
    except ValidationError as exc:
        raise DomainError(f"{exc} Type the user name to unlock.") from None
    key = _unknown_key(name)
    with ctx.db.write() as session:
        # As the lock recorded it (sign-in saw it typed), else as the administrator typed it.
        listed = session.execute(
            select(NameLock.name).where(NameLock.name_key == key, NameLock.name != "")
        ).first()
        if listed is not None:
            shown = listed[0]
        else:
            shown = UNKNOWN_USER_NAME if looks_like_password(typed) else name
        if session.execute(select(Staff.id).where(Staff.username == name)).first():
            raise DomainError(
                f"{name!r} has a staff account: select it in the list and unlock the account."
            )
        if not _unknown_is_locked(session, key):
            raise DomainError(f"The user name {name!r} is not locked; nothing was changed.")
        _unlock_key(ctx, session, key, shown, "by the name typed")
    return name


def unlock_locked_name(ctx: Ctx, lock_id: int) -> LockedName:
    """Unlock a listed locked name (Administration > Staff accounts)."""
    ctx.require(Permission.MANAGE_STAFF, "unlock user names")
    with ctx.db.write() as session:
        lock = session.get(NameLock, lock_id)
        if lock is None or lock.unlocked_at is not None:
            raise DomainError("That user name is no longer locked; refresh the list.")
        done = LockedName(lock.id, lock.name, lock.locked_at, lock.station)
        _unlock_key(ctx, session, lock.name_key, lock.name or UNKNOWN_USER_NAME, "from the list")
    return done

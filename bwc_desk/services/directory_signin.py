"""Sign-in with the directory password: an LDAP bind as the person (the password is never
stored and never logged), the role from their groups (the highest wins), and a staff account
marked as coming from the directory, created or brought up to date at each sign-in, so every
record still names who did it.

Local accounts always sign in with their own password (the break-glass administrator among
them), whether or not the directory answers. The local lockout counts directory failures too,
and a locked account is refused before any bind (the directory's own lockout is not fed). The
bind happens outside any database transaction: a slow directory never holds the writer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Protocol

from sqlalchemy import select

from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.directory import DirectorySettings
from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Role
from bwc_desk.services import audit
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.directory_settings import bind_password, load_directory_settings
from bwc_desk.services.settings import read_settings
from bwc_desk.services.sign_in_attempts import (
    UNKNOWN_USER_NAME,
    WRONG_CREDENTIALS,
    Attempt,
    actor_of,
    failed,
    failed_unknown,
    finish,
    locked_message,
    looks_like_password,
    name_is_locked,
    succeeded,
)
from bwc_desk.store.models import Staff
from bwc_desk.store.pg_roles import unconfirm_directory_role, upsert_directory_staff

log = logging.getLogger(__name__)

UNREACHABLE = "The directory cannot be reached: sign in with a local account, or call IT."
LOCAL = "local"
DIRECTORY = "directory"
# Highest first: a person in several mapped groups gets the first of these they hold.
ROLE_ORDER = (Role.ADMIN, Role.SUPERVISOR, Role.QUARTERMASTER, Role.AUDITOR)


class DirectoryUnreachable(DomainError):
    """The directory did not answer (or its certificate was refused): local accounts still
    sign in. Shown where the sign-in form shows its errors, never as a box."""


class DirectoryDown(Exception):
    """Raised by a gate: the directory cannot be reached (or TLS failed). The text is for
    the log (it never holds the password)."""


class BadCredentials(Exception):
    """Raised by a gate: the directory refused the user name and password."""


class NotInDirectory(Exception):
    """Raised by a gate's look-up: the directory has no usable account by that name. The
    text says why, for the audit log: "disabled" or "no entry"."""


@dataclass(frozen=True, slots=True)
class DirectoryAccount:
    """What a good bind tells about the person."""

    dn: str
    groups: tuple[str, ...]
    display_name: str = ""


class Gate(Protocol):
    """The directory as sign-in sees it (services/directory_gate.py builds the real one
    from the directory settings and adapters/directory.py)."""

    @property
    def group_roles(self) -> Mapping[str, Role]: ...

    def bind(self, username: str, password: str) -> DirectoryAccount: ...

    def look_up(self, username: str) -> DirectoryAccount:
        """The account and its groups now, asked with the service bind (badge+PIN)."""
        ...


def _group_names(group: str) -> set[str]:
    """A group as the directory names it ('cn=BWC-Admins,ou=groups,dc=...') matches a map
    entry by its whole DN or by its first RDN's value ('BWC-Admins'), without case."""
    whole = group.strip().lower()
    names = {whole}
    if "=" in whole:
        names.add(whole.split(",", 1)[0].split("=", 1)[1].strip())
    return names


def role_for(groups: Iterable[str], group_roles: Mapping[str, Role]) -> Role | None:
    """The highest role any of the groups is mapped to; None when no group is mapped."""
    wanted = {key.strip().lower(): role for key, role in group_roles.items()}
    held = {wanted[name] for group in groups for name in _group_names(group) if name in wanted}
    return next((role for role in ROLE_ORDER if role in held), None)


def no_role_message(group_roles: Mapping[str, Role]) -> str:
    names = ", ".join(sorted(group_roles)) or "none set"
    return (
        "Your directory account is in none of BWC Desk's groups "
        f"({names}), so it has no role here. Ask IT to add you to the right group."
    )


# --- signing in -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Seen:
    staff_id: int
    source: str
    locked: bool


def _look_up(ctx: Ctx, name: str) -> _Seen | None:
    with ctx.db.read() as session:
        row = session.execute(
            select(Staff.id, Staff.source, Staff.locked_at).where(Staff.username == name)
        ).first()
    return None if row is None else _Seen(row.id, row.source, row.locked_at is not None)


def is_directory_name(ctx: Ctx, name: str) -> bool:
    """Signs in by the directory: no local account by this name, or a directory one."""
    seen = _look_up(ctx, name)
    return seen is None or seen.source == DIRECTORY


def sign_in_with(
    ctx: Ctx, gate: Gate, name: str, typed: str, password: str, *, via: str = ""
) -> Actor:
    """Sign in a directory user (``name`` normalized, ``typed`` as typed: a password typed
    into the user-name field is never written down)."""
    seen = _look_up(ctx, name)
    if seen is not None and seen.source != DIRECTORY:
        raise DomainError(f"The account {name!r} is a local account; use its own password.")
    if seen is not None and seen.locked:
        return finish(_failed(ctx, name, typed, "directory password (account locked)", locked=True))
    if seen is None:
        with ctx.db.read() as session:
            unseen_locked = name_is_locked(session, name)
        if unseen_locked:  # no account yet, and locked by its failures: no bind either
            return finish(_failed(ctx, name, typed, "directory password"))
    try:
        account = gate.bind(name, password)
    except BadCredentials:
        return finish(_failed(ctx, name, typed, "directory password"))
    except DirectoryDown as exc:
        log.warning("directory sign-in: the directory cannot be reached: %s", exc)
        recorded = UNKNOWN_USER_NAME if seen is None and looks_like_password(typed) else name
        audit.record(
            ctx,
            AuditEvent.SIGN_IN_FAILED,
            Outcome.FAILED,
            {"how": "directory password (directory unreachable)"},
            username=recorded,
        )
        raise DirectoryUnreachable(UNREACHABLE) from None
    role = role_for(account.groups, gate.group_roles)
    if role is None:
        _refused(ctx, name, "directory password (in no mapped group)", {"dn": account.dn})
        raise DomainError(no_role_message(gate.group_roles))
    how = f"directory password, {via}" if via else "directory password"
    return finish(_succeeded(ctx, name, account, role, how))


def _refused(ctx: Ctx, name: str, how: str, details: Mapping[str, object]) -> None:
    """The directory refused the account (no mapped group, disabled, gone): audited, and
    its cached role no longer trusted while the directory cannot be reached."""
    with ctx.db.write() as session:
        staff_id = session.execute(
            select(Staff.id).where(Staff.username == name, Staff.source == DIRECTORY)
        ).scalar()
        if staff_id is not None:
            unconfirm_directory_role(session, staff_id)
        audit.write(
            session,
            station=ctx.station,
            at=ctx.now(),
            event=AuditEvent.SIGN_IN_FAILED,
            outcome=Outcome.REFUSED,
            username=name,
            details={"how": how, **details},
        )


def _failed(ctx: Ctx, name: str, typed: str, how: str, *, locked: bool = False) -> Attempt:
    with ctx.db.write() as session:
        row = session.execute(select(Staff).where(Staff.username == name)).scalar_one_or_none()
        if row is None:
            return failed_unknown(ctx, session, name, typed)
        message = locked_message(row) if locked or row.locked_at else WRONG_CREDENTIALS
        return failed(ctx, session, row, name, how, message)


def _succeeded(ctx: Ctx, name: str, account: DirectoryAccount, role: Role, how: str) -> Attempt:
    now = ctx.now()
    display = (account.display_name or name).strip()[:120] or name
    with ctx.db.write() as session:
        row = session.execute(select(Staff).where(Staff.username == name)).scalar_one_or_none()
        if row is not None and row.source != DIRECTORY:  # made local meanwhile
            raise DomainError(f"The account {name!r} is a local account; use its own password.")
        if row is not None and row.locked_at is not None:
            return failed(ctx, session, row, name, f"{how} (account locked)", locked_message(row))
        if row is not None and not row.active:
            return failed(
                ctx,
                session,
                row,
                name,
                f"{how} (account disabled)",
                f"The account {name!r} is disabled. Ask an administrator.",
            )
        before = None if row is None else (row.role, row.display_name, row.directory_dn)
        staff_id = upsert_directory_staff(session, name, account.dn, display, role.value, now)
        row = session.execute(
            select(Staff).where(Staff.id == staff_id).execution_options(populate_existing=True)
        ).scalar_one()
        actor = actor_of(row)
        if before is None:
            audit.write(
                session,
                station=ctx.station,
                at=now,
                event=AuditEvent.ACCOUNT_CREATED,
                actor=actor,
                details={
                    "account": name,
                    "role": role.value,
                    "how": "directory sign-in",
                    "dn": account.dn,
                },
            )
        else:
            if before[0] != role.value:
                audit.write(
                    session,
                    station=ctx.station,
                    at=now,
                    event=AuditEvent.ROLE_CHANGED,
                    actor=actor,
                    details={
                        "account": name,
                        "from": before[0],
                        "to": role.value,
                        "how": "directory groups",
                    },
                )
            if before[1:] != (display, account.dn):
                audit.write(
                    session,
                    station=ctx.station,
                    at=now,
                    event=AuditEvent.ACCOUNT_CHANGED,
                    actor=actor,
                    details={
                        "account": name,
                        "display name": display,
                        "dn": account.dn,
                        "how": "directory sign-in",
                    },
                )
        return succeeded(ctx, session, row, how)


class _AdapterGate:
    """The directory of the agency's settings, through adapters/directory.py."""

    def __init__(self, settings: DirectorySettings, service_password: str) -> None:
        self.settings = settings
        self.service_password = service_password
        self.group_roles: Mapping[str, Role] = {
            group: Role(role) for role, group in settings.group_roles if group
        }

    def bind(self, username: str, password: str) -> DirectoryAccount:
        from bwc_desk.adapters import directory  # (ldap3: only where a directory is used)

        try:
            user = directory.bind_as(self.settings, username, password, self.service_password)
        except directory.DirectoryBadCredentials:
            raise BadCredentials() from None
        except (DomainError, OSError) as exc:
            # unreachable, TLS refused, the service account refused (never the person's
            # failure), a search refused
            raise DirectoryDown(str(exc)) from None
        return DirectoryAccount(user.dn, tuple(user.groups), user.display_name)

    def look_up(self, username: str) -> DirectoryAccount:
        from bwc_desk.adapters import directory

        try:
            found = directory.look_up_staff(self.settings, username, self.service_password)
        except (DomainError, OSError) as exc:
            raise DirectoryDown(str(exc)) from None
        if found.user is None:
            raise NotInDirectory("no entry")
        if found.disabled:
            raise NotInDirectory("disabled")
        user = found.user
        return DirectoryAccount(user.dn, tuple(user.groups), user.display_name)


class _NoServicePassword:
    """Set up for the agency, but this station has no bind password: nobody can be looked up."""

    group_roles: Mapping[str, Role] = {}

    def bind(self, username: str, password: str) -> DirectoryAccount:
        raise DirectoryDown(
            "this station has no directory bind password (Administration > Directory)"
        )

    def look_up(self, username: str) -> DirectoryAccount:
        return self.bind(username, "")


def configured_gate(ctx: Ctx) -> Gate | None:
    """The directory for sign-in when the agency has one set up; None when it has not."""
    settings = load_directory_settings(ctx.db)
    if not settings.configured:
        return None
    service_password = bind_password()
    if service_password is None:
        return _NoServicePassword()
    return _AdapterGate(settings, service_password)


# --- badge and PIN of a directory account ---------------------------------------------------
# The PIN proves who is at the counter, not what the directory says of them today: the role
# is asked of the directory (service bind, never the person's password) at each badge
# sign-in. When it cannot be reached, the cached role stands only if the directory confirmed
# it within the agency's limit (directory_role_hours).

BADGE = "badge and PIN"


def _gone_message(name: str, why: str) -> str:
    if why == "disabled":
        return (
            f"The directory account {name!r} is disabled, so it cannot sign in here. "
            "Ask IT; nothing was changed."
        )
    return (
        f"The directory no longer has the account {name!r} (it was removed or renamed): "
        "badge sign-in is refused. If you were renamed, sign in once with your directory "
        "password under your new user name; otherwise ask IT."
    )


def _offline_message(name: str, hours: int) -> str:
    return (
        "The directory cannot be reached to confirm the role of the directory account "
        f"{name!r} (it must have been confirmed within the last {hours} hours for a badge "
        "sign-in without it). Sign in with a local account, or with your directory password "
        "once the directory answers."
    )


def badge_sign_in(ctx: Ctx, staff_id: int, name: str) -> Actor:
    """Finish a badge+PIN sign-in of a directory account whose PIN was right: its current
    groups from the directory decide its role (or refuse it); with the directory out of
    reach, the cached role within the agency's limit. Runs on the sign-in's worker thread;
    the directory is asked outside any database transaction, with the adapter's timeouts."""
    gate = configured_gate(ctx)
    if gate is None:
        return _offline(ctx, staff_id, name, "the agency has no directory set up")
    try:
        account = gate.look_up(name)
    except DirectoryDown as exc:
        log.warning("badge sign-in: the directory cannot be reached: %s", exc)
        return _offline(ctx, staff_id, name, str(exc))
    except NotInDirectory as exc:
        _refused(ctx, name, f"{BADGE} (directory account: {exc})", {})
        raise DomainError(_gone_message(name, str(exc))) from None
    with ctx.db.read() as session:
        known_dn = session.execute(select(Staff.directory_dn).where(Staff.id == staff_id)).scalar()
    if known_dn and known_dn.strip().lower() != account.dn.strip().lower():
        # The name now belongs to another entry: the PIN was set for the old one.
        _refused(ctx, name, f"{BADGE} (directory account: another entry)", {"dn": account.dn})
        raise DomainError(_gone_message(name, "no entry"))
    role = role_for(account.groups, gate.group_roles)
    if role is None:
        _refused(ctx, name, f"{BADGE} (in no mapped group)", {"dn": account.dn})
        raise DomainError(no_role_message(gate.group_roles))
    return finish(_succeeded(ctx, name, account, role, f"{BADGE}, role from the directory"))


def _offline(ctx: Ctx, staff_id: int, name: str, why: str) -> Actor:
    now = ctx.now()
    with ctx.db.write() as session:
        hours = read_settings(session).directory_role_hours
        row = session.get(Staff, staff_id)
        attempt: Attempt | None = None
        if row is None or row.username != name or row.source != DIRECTORY:
            attempt = Attempt(None, "That account changed meanwhile: scan the badge again.")
        elif row.locked_at is not None:
            attempt = failed(ctx, session, row, name, f"{BADGE} (locked)", locked_message(row))
        elif (confirmed := row.role_confirmed_at) is not None and hours > 0 and (
            now - confirmed <= timedelta(hours=hours)
        ):
            how = (
                f"{BADGE}, directory unreachable: role {row.role} as confirmed at "
                f"{confirmed.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
            )
            attempt = succeeded(ctx, session, row, how)
        else:
            audit.write(
                session,
                station=ctx.station,
                at=now,
                event=AuditEvent.SIGN_IN_FAILED,
                outcome=Outcome.REFUSED,
                username=name,
                details={
                    "how": f"{BADGE} (directory unreachable, role not confirmed within {hours} h)",
                    "role confirmed at": None if confirmed is None else confirmed.isoformat(),
                    "directory": why,
                },
            )
    if attempt is None:
        raise DirectoryUnreachable(_offline_message(name, hours))
    return finish(attempt)

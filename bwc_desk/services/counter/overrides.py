"""A supervisor's override at the counter (the readiness gate, another division's pool).

Credentials are checked before anything else is asked of the officer, every refusal is
audited (in a transaction of its own: the action it refused was rolled back), and an
accepted override is audited too (a privileged action).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.passwords import normalize_username
from bwc_desk.domain.roles import Permission, Role, has_permission
from bwc_desk.domain.values import clean_text
from bwc_desk.services import audit, directory_signin
from bwc_desk.services.auth import PasswordCheck, check_credentials, record_failure
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter.dto import Override
from bwc_desk.services.records import find_unit
from bwc_desk.services.sign_in_attempts import UNKNOWN_USER_NAME, looks_like_password
from bwc_desk.store.models import Staff
from bwc_desk.store.pg_roles import record_good_sign_in

# Counted as a failed sign-in (auth.record_failure), with this in the audit record's "how".
HOW = "password (supervisor override)"
WRONG = "The supervisor's user name or password is wrong; nothing was issued."


class OverrideRefused(DomainError):
    """An override was refused; ``details`` go to the audit record. ``check``: the failed
    password check, to be recorded as a failed sign-in once the refused action is rolled back."""

    def __init__(
        self,
        message: str,
        details: dict[str, Any],
        check: PasswordCheck | None = None,
        typed: str = "",
    ) -> None:
        super().__init__(message)
        self.details = details
        self.check = check
        self.typed = typed  # as typed (never written down if it looks like a password)


def verify_override(
    session: Session, override: Override, what: str, now: datetime | None = None
) -> Staff:
    """The supervisor, if the credentials, role and reason stand; else ``OverrideRefused``.
    The password is checked as sign-in checks it (auth.check_credentials): a locked account
    cannot authorise an override. ``now``: the override is used (the issue's transaction),
    and as a good sign-in does, its good password clears earlier failures."""
    base: dict[str, Any] = {
        "supervisor": override.username.strip().lower(),
        "overrides": what,
    }
    try:
        reason = clean_text(override.reason, "override reason", limit=500)
    except ValidationError as exc:
        raise OverrideRefused(str(exc), base | {"why": "reason"}) from None
    if not reason:
        raise OverrideRefused(
            f"Give the reason for overriding {what}.", base | {"why": "no reason"}
        )
    try:
        name = normalize_username(override.username)
    except ValidationError:
        raise OverrideRefused(
            "Type the supervisor's user name.", base | {"why": "no user name"}
        ) from None
    if not override.password:
        raise OverrideRefused("Type the supervisor's password.", base | {"why": "no password"})
    source = session.execute(select(Staff.source).where(Staff.username == name)).scalar()
    if source == directory_signin.DIRECTORY:
        # Its password is the directory's, never checked here: not counted as a failure.
        raise OverrideRefused(
            f"{name} signs in through the directory; an override needs a supervisor with a "
            "local account. Nothing was issued.",
            base | {"why": "directory account"},
        )
    check = check_credentials(session, name, override.password)
    if not check.good:
        if check.failure == "unknown" and looks_like_password(override.username):
            base["supervisor"] = UNKNOWN_USER_NAME  # as sign-in: a password is not kept
        raise OverrideRefused(WRONG, base | {"why": "credentials"}, check, override.username)
    staff = session.get(Staff, check.staff_id)
    assert staff is not None
    if staff.must_change_password:
        # Right, but set by an administrator: nothing works for the account until it has
        # chosen its own (at its next sign-in). Not a wrong password: not counted.
        raise OverrideRefused(
            f"The password of {staff.username} is temporary (set by an administrator): they "
            "sign in once to choose their own before they can authorise an override. Nothing "
            "was issued.",
            base | {"why": "temporary password"},
        )
    if now is not None:
        record_good_sign_in(session, staff.id, now)
    if not has_permission(Role(staff.role), Permission.OVERRIDE_READINESS):
        raise OverrideRefused(
            f"{staff.display_name} is {staff.role}; only a supervisor or admin can override "
            f"{what}.",
            base | {"why": "role", "role": staff.role},
        )
    return staff


def refuse(ctx: Ctx, event: AuditEvent, exc: OverrideRefused, unit: str) -> OverrideRefused:
    """Record a refusal in a transaction of its own (the refused action was rolled back): a
    wrong or locked password as a failed sign-in (the same count and lockout as sign-in),
    then the refused override. Returns the refusal to raise, with the message to show."""
    message = str(exc)
    with ctx.db.write() as session:
        if exc.check is not None:
            attempt = record_failure(ctx, session, exc.check, HOW, exc.typed, WRONG)
            message = attempt.error
            if exc.check.failure == "disabled" or "locked" in message:
                message += " Nothing was issued: another supervisor can authorise the override."
        details = exc.details | {"unit": unit, "message": message}
        audit.write(
            session,
            station=ctx.station,
            at=ctx.now(),
            event=event,
            outcome=Outcome.REFUSED,
            actor=ctx.actor,
            details=details,
        )
    return OverrideRefused(message, exc.details, exc.check, exc.typed)


def check_override(
    ctx: Ctx, unit_code: str, override: Override, what: str = "the readiness check"
) -> str:
    """Check a supervisor's credentials as soon as they are typed, before the function test
    and the handover: returns the supervisor's name, or raises (and audits) the refusal."""
    ctx.require(Permission.ISSUE, "issue cameras")
    event = (
        AuditEvent.READINESS_OVERRIDE if what == "the readiness check" else AuditEvent.POOL_OVERRIDE
    )
    with ctx.db.read() as session:  # (a refusal is recorded in a transaction of its own)
        unit = find_unit(session, unit_code)
        tag = unit.asset_tag if unit is not None else unit_code.strip().upper()
        try:
            staff = verify_override(session, override, what)
        except OverrideRefused as exc:
            refused = exc
        else:
            return staff.display_name
    raise refuse(ctx, event, refused, tag) from None

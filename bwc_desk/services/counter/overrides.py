"""A supervisor's override at the counter (the readiness gate, another division's pool).

Credentials are checked before anything else is asked of the officer, every refusal is
audited (in a transaction of its own: the action it refused was rolled back), and an
accepted override is audited too (a privileged action).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.roles import Permission, Role, has_permission
from bwc_desk.domain.values import clean_text
from bwc_desk.services import audit
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter.dto import Override
from bwc_desk.services.records import find_unit
from bwc_desk.store.models import Staff


class OverrideRefused(DomainError):
    """An override was refused; ``details`` go to the audit record."""

    def __init__(self, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.details = details


def verify_override(session: Session, override: Override, what: str) -> Staff:
    """The supervisor, if the credentials, role and reason stand; else ``OverrideRefused``."""
    from bwc_desk.services.auth import verify_secret

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
    staff = session.execute(
        select(Staff).where(Staff.username == override.username.strip().lower())
    ).scalar_one_or_none()
    if (
        staff is None
        or not staff.active
        or not verify_secret(staff.password_hash, override.password)
    ):
        raise OverrideRefused(
            "The supervisor's user name or password is wrong; nothing was issued.",
            base | {"why": "credentials"},
        )
    if not has_permission(Role(staff.role), Permission.OVERRIDE_READINESS):
        raise OverrideRefused(
            f"{staff.display_name} is {staff.role}; only a supervisor or admin can override "
            f"{what}.",
            base | {"why": "role", "role": staff.role},
        )
    return staff


def audit_refusal(ctx: Ctx, event: AuditEvent, exc: OverrideRefused, unit: str) -> None:
    audit.record(ctx, event, Outcome.REFUSED, exc.details | {"unit": unit, "message": str(exc)})


def check_override(
    ctx: Ctx, unit_code: str, override: Override, what: str = "the readiness check"
) -> str:
    """Check a supervisor's credentials as soon as they are typed, before the function test
    and the handover: returns the supervisor's name, or raises (and audits) the refusal."""
    ctx.require(Permission.ISSUE, "issue cameras")
    event = (
        AuditEvent.READINESS_OVERRIDE if what == "the readiness check" else AuditEvent.POOL_OVERRIDE
    )
    with ctx.db.read() as session:
        unit = find_unit(session, unit_code)
        tag = unit.asset_tag if unit is not None else unit_code.strip().upper()
        try:
            staff = verify_override(session, override, what)
        except OverrideRefused as exc:
            refused = exc
        else:
            return staff.display_name
    audit_refusal(ctx, event, refused, tag)
    raise refused

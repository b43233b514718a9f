"""Who is acting, on which station, against which database, at what time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo

from bwc_desk.domain.errors import NotSignedIn, PermissionDenied
from bwc_desk.domain.roles import Permission, Role, has_permission, who_may
from bwc_desk.store.db import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_zone() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


@dataclass(frozen=True, slots=True)
class Actor:
    """The staff member recorded on a transaction."""

    staff_id: int | None
    username: str
    display_name: str
    role: Role

    def describe(self) -> str:
        return f"{self.display_name} ({self.username}, {self.role.value})"


# Automatic records (the dock feed, migrations) name the program part that made them.
DOCK_FEED = Actor(None, "dock-feed", "Dock feed", Role.QUARTERMASTER)
SYSTEM = Actor(None, "system", "BWC Desk", Role.ADMIN)


@dataclass(frozen=True)
class Ctx:
    """Everything a service needs besides its arguments. Immutable: a new sign-in makes a new
    Ctx, so a transaction in flight keeps the actor it started with."""

    db: Database
    station: str
    actor: Actor | None = None
    clock: Callable[[], datetime] = utc_now
    zone: tzinfo = field(default_factory=local_zone)

    def now(self) -> datetime:
        return self.clock()

    def as_actor(self, actor: Actor | None) -> Ctx:
        return replace(self, actor=actor)

    def require(self, permission: Permission, what: str = "") -> Actor:
        """The signed-in actor, if their role has ``permission``; else refuse and audit it."""
        actor = self.actor
        if actor is None:
            raise NotSignedIn("Sign in first.")
        if has_permission(actor.role, permission):
            return actor
        message = (
            f"{actor.display_name} is signed in as {actor.role.value}; "
            f"only {who_may(permission).lower()} may {what or permission.value}. "
            "Ask someone with that role to sign in."
        )
        # Refused actions are audited (CJIS: privileged actions and their outcomes).
        from bwc_desk.domain.audit import AuditEvent, Outcome
        from bwc_desk.services import audit

        audit.record(
            self,
            AuditEvent.REFUSED,
            Outcome.REFUSED,
            {
                "action": what or permission.value,
                "permission": permission.value,
                "role": actor.role.value,
            },
        )
        raise PermissionDenied(message)

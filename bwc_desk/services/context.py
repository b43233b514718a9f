"""Who is acting, on which station, against which database, at what time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo

from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.errors import NotSignedIn, PermissionDenied
from bwc_desk.domain.roles import Permission, Role, has_permission, who_may
from bwc_desk.store.db import Database
from bwc_desk.store.ledger import append_audit


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
        """'Ada Admin (admin, admin)'; 'admin (admin)' where the name is the user name (a
        report said "Made by admin (admin, admin)")."""
        if self.display_name in ("", self.username):
            return f"{self.username} ({self.role.value})"
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

    def with_own_engine(self) -> Ctx:
        """The same database through connections of its own (the dock feed's: its change
        notices then carry their own origin, and this station's views hear them)."""
        return replace(self, db=Database(self.db.url.render_as_string(hide_password=False)))

    def close(self) -> None:
        """Close the database's connections: the end of a command, or of the app."""
        self.db.dispose()

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
        # Refused actions are audited (CJIS: privileged actions and their outcomes), in a
        # transaction of their own: the refused action writes nothing. Written here through
        # the store, not services.audit, which builds on this module.
        with self.db.write() as session:
            append_audit(
                session,
                at=self.now(),
                event=AuditEvent.REFUSED.value,
                outcome=Outcome.REFUSED.value,
                staff_id=actor.staff_id,
                staff_username=actor.username,
                station=self.station,
                details={
                    "action": what or permission.value,
                    "permission": permission.value,
                    "role": actor.role.value,
                },
            )
        raise PermissionDenied(message)

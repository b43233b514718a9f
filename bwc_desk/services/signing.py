"""Station keys: this station's key pair, and the registry of public keys in the database.

The station a database was set up on is its trust root: its key is created and registered
at first run. Every other station's key is registered by an administrator at a station whose
own key is registered; that station signs the new key (an endorsement), so a key added to
the table by someone with the database alone does not verify.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.ledger import format_ts
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.signing import (
    endorsement_message,
    fingerprint,
    key_id,
    public_hex,
    sign,
    valid_public_hex,
)
from bwc_desk.services import audit
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.store import checkpoints, keystore
from bwc_desk.store.ledger import AUDIT, CUSTODY, IDENTITY
from bwc_desk.store.models import StationKey, StationKeyRevocation

CHAINS = (CUSTODY, AUDIT, IDENTITY)
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Revocation:
    """When, by whom, from which station and why a key was revoked."""

    at: datetime
    by: str
    reason: str
    station: str  # the station it was revoked at

    def text(self) -> str:
        return f"revoked at {self.at:%Y-%m-%d %H:%M} UTC by {self.by}: {self.reason}"


@dataclass(frozen=True, slots=True)
class KeyRow:
    station: str
    fingerprint: str
    public_key: str
    registered_at: datetime
    registered_by: str
    root: bool
    key_id: str = ""
    revoked: Revocation | None = None

    @property
    def state(self) -> str:
        """'active', or 'revoked at T UTC by U: reason'."""
        return "active" if self.revoked is None else self.revoked.text()


@dataclass(frozen=True, slots=True)
class StationKeyInfo:
    """What Verify records shows about this station's key."""

    station: str
    fingerprint: str
    public_key: str
    kept_in: str
    registered: bool
    revoked: Revocation | None = None


NEW_KEY_HINT = (
    "Create a new key for this station with `bwc-desk keys new --as ADMIN` (it prints the "
    "new public key), then have an administrator register it at a station whose key is "
    "active: `bwc-desk keys register --station {station} --public-key HEX --as ADMIN`."
)


def revocation_of(session: Session, kid: str) -> Revocation | None:
    row = session.execute(
        select(StationKeyRevocation).where(StationKeyRevocation.key_id == kid)
    ).scalar_one_or_none()
    if row is None:
        return None
    return Revocation(row.revoked_at, row.revoked_by, row.reason, row.revoking_station)


def _engine_forget(session: Session) -> None:
    checkpoints.forget(session.get_bind().engine)


INIT_ROOT_HINT = (
    "The agency's trust root is registered by whoever set up the agency, with the "
    "database owner's connection, on the station PC that is to hold it: `bwc-desk keys "
    "init-root --station {station} --as ADMIN --database OWNER-URL` "
    "(docs/deploy-multi-station.md)."
)


def _register(
    session: Session, *, station: str, public_key: str, at: datetime, by: Actor,
    ctx_station: str, root: dict[str, object] | None = None,
) -> KeyRow:
    """Register a key: endorsed by this station's own registered key, or, with ``root`` (how
    it came to be one, for the audit record), as a trust root."""
    public_key = public_key.strip().lower()
    if not valid_public_hex(public_key):
        raise ValidationError(
            "That is not a station public key: paste the 64 hex digits that "
            "`bwc-desk keys show` prints on that station."
        )
    kid = key_id(public_key)
    if session.execute(select(StationKey.id).where(StationKey.key_id == kid)).first():
        gone = revocation_of(session, kid)
        if gone is not None:
            raise DomainError(
                f"The key {fingerprint(public_key)} was {gone.text()}. A revoked key cannot "
                "be registered again. " + NEW_KEY_HINT.format(station=station)
            )
        raise DomainError(f"The key {fingerprint(public_key)} is already registered.")
    has_root = session.execute(select(StationKey.id).limit(1)).first() is not None
    if root is None and not has_root:
        if session.get_bind().dialect.name == "postgresql":
            # Never trust on first use by whichever station connects first.
            raise DomainError("No station key is registered yet. "
                              + INIT_ROOT_HINT.format(station=ctx_station))
        root = {"how": "first key"}  # a SQLite file from before keys: its own station
    endorsed_by: str | None = None
    endorsement: str | None = None
    at = at.replace(microsecond=0)
    if root is None:
        own = keystore.load(ctx_station)
        own_id = key_id(public_hex(own)) if own is not None else None
        registered_own = own_id is not None and session.execute(
            select(StationKey.id).where(StationKey.key_id == own_id,
                                        StationKey.station == ctx_station)
        ).first()
        if own is None or not registered_own:
            raise DomainError(
                f"This station ({ctx_station}) has no registered key, so it cannot vouch for "
                "another one. Register keys at a station whose key is registered (the one "
                "the database was set up on)."
            )
        assert own_id is not None
        own_revoked = revocation_of(session, own_id)
        if own_revoked is not None:
            raise DomainError(
                f"This station's key ({ctx_station}) was {own_revoked.text()}, so it cannot "
                "vouch for another key. Register keys at a station whose key is active. "
                + NEW_KEY_HINT.format(station=ctx_station)
            )
        endorsed_by = own_id
        endorsement = sign(
            own,
            endorsement_message(
                checkpoints.database_id(session), station, public_key, format_ts(at), own_id
            ),
        )
    session.add(
        StationKey(
            station=station,
            public_key=public_key,
            key_id=kid,
            registered_at=at,
            registered_by=by.username,
            endorsed_by=endorsed_by,
            endorsement=endorsement,
        )
    )
    session.flush()
    _engine_forget(session)
    audit.write(
        session,
        station=ctx_station,
        at=at,
        event=AuditEvent.KEY_REGISTERED,
        actor=by,
        details={
            "station": station,
            "fingerprint": fingerprint(public_key),
            "root": endorsed_by is None,
            "endorsed_by": endorsed_by,
            **(root or {}),
        },
    )
    # Sign every chain's head now, so that each has a checkpoint from the start.
    for chain in CHAINS:
        checkpoints.checkpoint_now(session, ctx_station, chain, at)
    return KeyRow(station, fingerprint(public_key), public_key, at, by.username,
                  endorsed_by is None)


def set_up_root(session: Session, station: str, at: datetime, actor: Actor) -> KeyRow | None:
    """First run (and the demo build): this station's key, created and registered as the
    database's trust root. Called inside the first-run transaction. A key that cannot be
    stored (a read-only config folder) does not stop the set-up: the records are then not
    signed until an administrator registers a key (Verify records says so)."""
    try:
        key = keystore.load_or_create(station)
    except OSError as exc:
        log.warning("no signing key for %s: %s; checkpoints are not signed", station, exc)
        return None
    return _register(session, station=station, public_key=public_hex(key), at=at, by=actor,
                     ctx_station=station, root={"how": "first run"})


def register_key(ctx: Ctx, station: str, public_key: str | None = None) -> KeyRow:
    """Register a station's public key (admin). Without ``public_key``: this station's own
    key, created if it has none; that is allowed only as the database's first key (a
    station cannot vouch for itself). Any other key is endorsed by this station's key."""
    actor = ctx.require(Permission.MANAGE_STAFF, "register station keys")
    station = station.strip()
    if not station:
        raise ValidationError("Name the station whose key this is.")
    if public_key is None:
        if station != ctx.station:
            raise ValidationError(
                f"Give the public key of {station}: run `bwc-desk keys show` there."
            )
        public_key = public_hex(keystore.load_or_create(station))
    try:
        with ctx.db.write() as session:
            return _register(session, station=station, public_key=public_key, at=ctx.now(),
                             by=actor, ctx_station=ctx.station)
    finally:
        # Committed or rolled back: the next append looks the keys up again.
        _engine_forget_db(ctx)


def _engine_forget_db(ctx: Ctx) -> None:
    checkpoints.forget(ctx.db.engine)


def list_keys(ctx: Ctx) -> list[KeyRow]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        rows = session.execute(select(StationKey).order_by(StationKey.id)).scalars().all()
        revoked = {
            r.key_id: Revocation(r.revoked_at, r.revoked_by, r.reason, r.revoking_station)
            for r in session.execute(select(StationKeyRevocation)).scalars()
        }
        return [
            KeyRow(r.station, fingerprint(r.public_key), r.public_key, r.registered_at,
                   r.registered_by, r.endorsed_by is None, r.key_id, revoked.get(r.key_id))
            for r in rows
        ]


def this_station_key(ctx: Ctx, *, create: bool = False) -> StationKeyInfo | None:
    """This station's public key and fingerprint (None if it has none and ``create`` is
    False); whether the database has it registered."""
    key = keystore.load_or_create(ctx.station) if create else keystore.load(ctx.station)
    if key is None:
        return None
    public = public_hex(key)
    with ctx.db.read() as session:
        registered = session.execute(
            select(StationKey.id).where(StationKey.key_id == key_id(public),
                                        StationKey.station == ctx.station)
        ).first() is not None
        revoked = revocation_of(session, key_id(public)) if registered else None
    return StationKeyInfo(ctx.station, fingerprint(public), public,
                          keystore.where(ctx.station), registered, revoked)


def key_summary(ctx: Ctx) -> str:
    """The lines Verify records shows under the chain heads: this station's key and every
    registered one, with the fingerprints an administrator compares by eye."""
    mine = this_station_key(ctx)
    lines = ["Station keys (signed checkpoints)"]
    if mine is None:
        lines.append(f"This station ({ctx.station}) has no signing key.")
    else:
        state = "registered" if mine.registered else "NOT registered in this database"
        if mine.revoked is not None:
            state = f"REVOKED: {mine.revoked.text()}"
        lines.append(f"This station ({ctx.station}): {mine.fingerprint} ({state}; kept in "
                     f"{mine.kept_in})")
        if mine.revoked is not None:
            lines.append("  This station signs nothing until it has a new registered key. "
                         + NEW_KEY_HINT.format(station=ctx.station))
    keys = list_keys(ctx)
    if not keys:
        lines.append("No station key is registered: checkpoints are not signed. "
                     + INIT_ROOT_HINT.format(station=ctx.station))
    for row in keys:
        lines.append(f"  {row.station}: {row.fingerprint}  "
                     f"{'trust root' if row.root else 'endorsed'}, registered "
                     f"{row.registered_at:%Y-%m-%d %H:%M} UTC by {row.registered_by}; "
                     f"{row.state}")
    return "\n".join(lines)


def register_root(
    session: Session, *, station: str, public_key: str, at: datetime, by: Actor,
    how: dict[str, object],
) -> KeyRow:
    """Register ``station``'s key as a trust root (no endorsement), in the caller's write
    transaction, which has proven that it may (services/trust_root.py); ``how`` goes into the
    audit record. Every chain's head is signed at once when ``station``'s key is here."""
    return _register(session, station=station, public_key=public_key, at=at, by=by,
                     ctx_station=station, root=how)

"""Revoking a station key (a stolen or rebuilt station PC), and a new key for a station
whose own key was revoked.

Nothing is deleted: the key stays registered, and the revocation is a record of its own
(`station_key_revocations`, append-only), endorsed like a registration by the revoking
station's own active key. From the revocation's time on, nothing the key signs is trusted
(verify names such checkpoints and anchors); what it signed before still counts. The last
active key cannot be revoked: no station could then endorse keys any more.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.ledger import format_ts
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.signing import fingerprint, key_id, public_hex, revocation_message, sign
from bwc_desk.services import audit
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.signing import (
    CHAINS,
    NEW_KEY_HINT,
    Revocation,
    StationKeyInfo,
    revocation_of,
    this_station_key,
)
from bwc_desk.store import checkpoints, keystore
from bwc_desk.store.ledger import AUDIT, lock_head
from bwc_desk.store.models import StationKey, StationKeyRevocation
from bwc_desk.store.trust import Trust, load_trust

REASON_MAX = 500


@dataclass(frozen=True, slots=True)
class Revoked:
    station: str
    fingerprint: str
    key_id: str
    revocation: Revocation
    own: bool  # this station's own key: it signs nothing until it has a new one


def _normal_id(text: str) -> str:
    return "".join(text.split()).lower()


def _target(session: Session, trust: Trust, station: str, wanted: str | None) -> StationKey:
    rows = (
        session.execute(
            select(StationKey).where(StationKey.station == station).order_by(StationKey.id)
        )
        .scalars()
        .all()
    )
    if wanted:
        kid = _normal_id(wanted)
        found = next((r for r in rows if r.key_id == kid), None)
        if found is None:
            raise DomainError(
                f"{station} has no registered key {wanted}: `bwc-desk keys list` shows each "
                "station's keys (the fingerprint, with or without its spaces, is the key id)."
            )
        gone = revocation_of(session, found.key_id)
        if gone is not None:
            raise DomainError(f"That key of {station} was already {gone.text()}.")
        return found
    if not rows:
        raise DomainError(
            f"No key is registered for a station named {station}: `bwc-desk keys list` shows "
            "the registered keys and their stations."
        )
    active = [r for r in rows if r.key_id in trust.keys and r.key_id not in trust.revoked]
    if not active:
        if any(r.key_id not in trust.keys for r in rows):
            raise DomainError(
                f"{station} has no active key whose registration verifies: verify names the "
                "keys added outside BWC Desk (they are not trusted anyway)."
            )
        raise DomainError(f"Every key of {station} is already revoked.")
    if len(active) > 1:
        ids = ", ".join(fingerprint(r.public_key) for r in active)
        raise DomainError(
            f"{station} has {len(active)} active keys ({ids}): name the one to revoke "
            "(--key-id on the command line)."
        )
    return active[0]


def _own_active_key(
    session: Session, trust: Trust, ctx_station: str
) -> tuple[str, Ed25519PrivateKey]:
    own = keystore.load(ctx_station)
    own_id = key_id(public_hex(own)) if own is not None else None
    if own is None or own_id is None or own_id not in trust.keys:
        raise DomainError(
            f"This station ({ctx_station}) has no registered key, so it cannot endorse a "
            "revocation. Revoke the key at a station whose key is registered and active."
        )
    gone = revocation_of(session, own_id)
    if gone is not None:
        raise DomainError(
            f"This station's key ({ctx_station}) was {gone.text()}, so it cannot endorse a "
            "revocation. Revoke keys at a station whose key is active. "
            + NEW_KEY_HINT.format(station=ctx_station)
        )
    return own_id, own


def revoke_key(ctx: Ctx, station: str, reason: str, key: str | None = None) -> Revoked:
    """Revoke a station's key (admin): from now on nothing it signs is trusted. ``key``: its
    id or fingerprint, needed only when the station has more than one active key."""
    actor = ctx.require(Permission.MANAGE_STAFF, "revoke station keys")
    station, reason = station.strip(), " ".join(reason.split())
    if not station:
        raise ValidationError("Name the station whose key is revoked.")
    if not reason:
        raise ValidationError(
            "Give the reason for the revocation (e.g. \u201cstation PC stolen\u201d): it is "
            "kept with the record."
        )
    if len(reason) > REASON_MAX:
        raise ValidationError(f"Keep the reason under {REASON_MAX} characters.")
    try:
        with ctx.db.write() as session:
            return _revoke(session, ctx, actor, station, reason, key)
    finally:
        # Committed or rolled back: the next append looks the keys up again.
        checkpoints.forget(ctx.db.engine)


def _revoke(
    session: Session, ctx: Ctx, actor: Actor, station: str, reason: str, key: str | None
) -> Revoked:
    # Two administrators revoking at once must not both see "another key stays active".
    lock_head(session, AUDIT)
    checkpoints.forget(ctx.db.engine)  # this station's signer looked up afresh
    trust = load_trust(session)
    target = _target(session, trust, station, key)
    if target.key_id not in trust.keys:
        raise DomainError(
            f"The key {fingerprint(target.public_key)} of {station} does not verify (it was "
            "added outside BWC Desk): it is not trusted anyway, and verify names it."
        )
    own_id, own = _own_active_key(session, trust, ctx.station)
    if not set(trust.active()) - {target.key_id}:
        raise DomainError(
            f"The key {fingerprint(target.public_key)} of {station} is the last active "
            "station key: with it revoked, no station could register or revoke keys any "
            "more. Register another station's key first (`bwc-desk keys register`), then "
            "revoke this one."
        )
    # Dated after whatever the key had signed, by whichever station's clock (the writers'
    # lock has every such signature committed, and lets none in after this one).
    at = checkpoints.revocation_time(session, target.key_id, ctx.now())
    endorsement = sign(
        own,
        revocation_message(
            checkpoints.database_id(session),
            target.key_id,
            station,
            format_ts(at),
            actor.username,
            reason,
            own_id,
        ),
    )
    # Every chain's head signed by this station as the key goes (at the revocation's own
    # time, so still trusted even when the key is this station's own): verify then knows
    # how far each chain had got, and trusts no checkpoint of the revoked key beyond that,
    # whatever its date.
    for chain in CHAINS:
        checkpoints.checkpoint_now(session, ctx.station, chain, at)
    session.add(
        StationKeyRevocation(
            key_id=target.key_id,
            station=station,
            revoked_at=at,
            revoked_by=actor.username,
            reason=reason,
            revoking_station=ctx.station,
            endorsed_by=own_id,
            endorsement=endorsement,
        )
    )
    session.flush()
    checkpoints.forget(ctx.db.engine)
    fp = fingerprint(target.public_key)
    audit.write(
        session,
        station=ctx.station,
        at=at,
        event=AuditEvent.KEY_REVOKED,
        actor=actor,
        details={
            "station": station,
            "key_id": target.key_id,
            "fingerprint": fp,
            "reason": reason,
            "by": actor.username,
            "endorsed_by": own_id,
        },
    )
    return Revoked(
        station,
        fp,
        target.key_id,
        Revocation(at, actor.username, reason, ctx.station),
        own_id == target.key_id,
    )


def new_station_key(ctx: Ctx) -> StationKeyInfo:
    """A new key pair for this station (admin), in place of one that was revoked (or never
    registered). Refused while this station's key is registered and active: revoke it
    first. The new key signs nothing until it is registered at a station whose key is
    active."""
    actor = ctx.require(Permission.MANAGE_STAFF, "create a new station key")
    old = this_station_key(ctx)
    if old is not None and old.registered and old.revoked is None:
        raise DomainError(
            f"This station's key {old.fingerprint} is registered and active: a new key is "
            f"made only in place of a revoked one. Revoke it first: `bwc-desk keys revoke "
            f"--station {ctx.station} --reason TEXT --as ADMIN` (here or at another station)."
        )
    new = keystore.replace(ctx.station)
    info = this_station_key(ctx)
    assert info is not None and info.public_key == public_hex(new)
    with ctx.db.write() as session:
        audit.write(
            session,
            station=ctx.station,
            at=ctx.now(),
            event=AuditEvent.KEY_REPLACED,
            actor=actor,
            details={
                "station": ctx.station,
                "fingerprint": info.fingerprint,
                "replaced": old.fingerprint if old is not None else None,
            },
        )
    checkpoints.forget(ctx.db.engine)
    return info

"""Signed checkpoints of the hash chains, and the registered station keys.

Appends call :func:`after_append`: every CHECKPOINT_EVERY records, or at the first record
CHECKPOINT_SECONDS after the chain's last checkpoint, a station whose key is registered
signs the chain's head into `ledger_checkpoints`, in the same transaction as the record.
The common case costs a dictionary look-up; a checkpoint one signature (~50 us) and an
insert.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import event, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bwc_desk.domain.ledger import GENESIS, format_ts
from bwc_desk.domain.signing import (
    CHECKPOINT_EVERY,
    CHECKPOINT_SECONDS,
    checkpoint_message,
    key_id,
    public_hex,
    sign,
)
from bwc_desk.store import keystore
from bwc_desk.store.models import (
    DatabaseIdentity,
    LedgerCheckpoint,
    StationKey,
    StationKeyRevocation,
)

_EVERY = timedelta(seconds=CHECKPOINT_SECONDS)
# How far another station's clock may run ahead of the revoking station's for a revocation
# to be dated after what the key signed (``revocation_time``): Kerberos's tolerance, within
# which a Windows domain keeps its PCs' clocks.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class Signer:
    key: Ed25519PrivateKey
    key_id: str
    database_id: str
    station: str
    last: dict[str, tuple[int, datetime]] = field(default_factory=dict)


# Per engine (so per database), per station: the signer, or None when this station has no
# registered key. Weak: a disposed and dropped Database takes its cache with it.
_signers: weakref.WeakKeyDictionary[Engine, dict[str, Signer | None]] = (
    weakref.WeakKeyDictionary()
)


def forget(engine: Engine) -> None:
    """After a key is registered: the next append looks again."""
    _signers.pop(engine, None)


def database_id(session: Session) -> str:
    value = session.execute(select(DatabaseIdentity.database_id)).scalar_one_or_none()
    return value or ""


def signer_for(session: Session, station: str) -> Signer | None:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    per_station = _signers.setdefault(engine, {})
    if station in per_station:
        return per_station[station]
    signer: Signer | None = None
    key = keystore.load(station)
    if key is not None:
        kid = key_id(public_hex(key))
        registered = session.execute(
            select(StationKey.id).where(StationKey.key_id == kid, StationKey.station == station)
        ).first()
        if registered is not None and revoked(session, kid):
            logging.getLogger(__name__).warning(
                "the key of station %s was revoked: it signs no checkpoints. An administrator "
                "creates a new one (bwc-desk keys new --as ADMIN) and registers it at a "
                "station whose key is active (bwc-desk keys register)", station)
        elif registered is not None:
            signer = Signer(key, kid, database_id(session), station)
    per_station[station] = signer
    return signer


def revoked(session: Session, kid: str) -> bool:
    """Whether the key was revoked: a revoked key signs and endorses nothing more."""
    return session.execute(
        select(StationKeyRevocation.id).where(StationKeyRevocation.key_id == kid)
    ).first() is not None


def revocation_time(session: Session, kid: str, now: datetime) -> datetime:
    """When a revocation of key ``kid``, made at ``now`` by the revoking station's clock, is
    dated: after everything the key had signed in the database by then. Called in the
    revocation's write transaction, after the writers' lock (PostgreSQL's advisory lock,
    SQLite's BEGIN IMMEDIATE): what the key had signed is committed and visible, and nothing
    it signs later gets in (a checkpoint is signed only in a write transaction that finds
    its key not revoked). Those signatures are dated by the clocks of the stations that made
    them; one up to CLOCK_SKEW ahead of ``now`` would otherwise look made after the
    revocation (*forged*), although the database has it before. Further ahead, the date is
    not believed: the revocation keeps ``now``."""
    row = session.execute(
        select(
            select(func.max(LedgerCheckpoint.at))
            .where(LedgerCheckpoint.key_id == kid)
            .scalar_subquery(),
            select(func.max(StationKey.registered_at))
            .where(StationKey.endorsed_by == kid)
            .scalar_subquery(),
            select(func.max(StationKeyRevocation.revoked_at))
            .where(StationKeyRevocation.endorsed_by == kid)
            .scalar_subquery(),
        )
    ).one()
    signed: list[datetime] = [moment for moment in row if moment is not None]
    latest = max(signed, default=None)
    if latest is None or latest < now or latest - now > CLOCK_SKEW:
        return now
    return latest + timedelta(microseconds=1)


def _last_checkpoint(session: Session, chain: str) -> tuple[int, datetime] | None:
    row = session.execute(
        select(LedgerCheckpoint.seq, LedgerCheckpoint.at)
        .where(LedgerCheckpoint.chain == chain)
        .order_by(LedgerCheckpoint.seq.desc(), LedgerCheckpoint.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (int(row[0]), row[1])


def write_checkpoint(
    session: Session, signer: Signer, chain: str, seq: int, head_hash: str, at: datetime
) -> None:
    message = checkpoint_message(
        signer.database_id, chain, seq, head_hash, format_ts(at), signer.station, signer.key_id
    )
    signature = sign(signer.key, message)
    session.execute(
        insert(LedgerCheckpoint).values(
            chain=chain,
            seq=seq,
            head_hash=head_hash,
            at=at,
            station=signer.station,
            key_id=signer.key_id,
            signature=signature,
        )
    )
    signer.last[chain] = (seq, at)
    if _listeners.get(_engine(session)) or _listeners_all:
        session.info.setdefault(_NEW, []).append(
            {
                "database_id": signer.database_id,
                "chain": chain,
                "seq": seq,
                "head_hash": head_hash,
                "at": at,
                "station": signer.station,
                "key_id": signer.key_id,
                "signature": signature,
            }
        )


# --- telling others (the syslog forwarder) about committed checkpoints ---------------------

_NEW = "bwc_new_checkpoints"
_listeners: weakref.WeakKeyDictionary[Engine, list[Callable[[dict[str, Any]], None]]] = (
    weakref.WeakKeyDictionary()
)


_listeners_all: list[Callable[[dict[str, Any]], None]] = []


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def on_committed(engine: Engine | None, callback: Callable[[dict[str, Any]], None]) -> None:
    """Call ``callback`` with each checkpoint this process writes to ``engine``'s database
    (None: through any engine, as the app's dock feed has an engine of its own), once its
    transaction has committed (never for one rolled back). It runs in the committing
    thread: it must not block (the syslog forwarder only queues)."""
    (_listeners_all if engine is None else _listeners.setdefault(engine, [])).append(callback)


def remove_listener(engine: Engine | None, callback: Callable[[dict[str, Any]], None]) -> None:
    callbacks = _listeners_all if engine is None else _listeners.get(engine, [])
    if callback in callbacks:
        callbacks.remove(callback)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    new = session.info.pop(_NEW, None)
    if not new:
        return
    for callback in [*_listeners.get(_engine(session), ()), *_listeners_all]:
        for checkpoint in new:
            try:
                callback(checkpoint)
            except Exception:  # a listener's fault must not look like a failed commit
                logging.getLogger(__name__).exception("checkpoint listener failed")


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_NEW, None)


def after_append(
    session: Session, chain: str, seq: int, head_hash: str, at: datetime, station: str
) -> None:
    """Sign the chain's head when it is due. Called by every append, in its transaction."""
    signer = signer_for(session, station)
    if signer is None:
        return
    last = signer.last.get(chain)
    if last is None or seq <= last[0]:
        # First append of this process, or a rolled-back transaction took our last one.
        last = _last_checkpoint(session, chain)
        if last is not None:
            signer.last[chain] = last
    if last is None or seq - last[0] >= CHECKPOINT_EVERY or at - last[1] >= _EVERY:
        if revoked(session, signer.key_id):
            # Revoked at another station since this process looked: sign no more.
            _signers.setdefault(_engine(session), {})[station] = None
            return
        write_checkpoint(session, signer, chain, seq, head_hash, at)


def checkpoint_now(session: Session, station: str, chain: str, at: datetime) -> bool:
    """Sign a chain's current head now (key registration, anchoring). False without a key."""
    from bwc_desk.store.ledger import recorded_head

    signer = signer_for(session, station)
    if signer is None:
        return False
    if revoked(session, signer.key_id):
        # Revoked at another station since this process looked (its signer is cached).
        _signers.setdefault(_engine(session), {})[station] = None
        return False
    # Read, not lock: an empty chain gets no head row here (the first append makes it).
    seq, digest = recorded_head(session, chain) or (0, GENESIS)
    write_checkpoint(session, signer, chain, seq, digest, at)
    return True


def checkpoint_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(LedgerCheckpoint)).scalar_one())

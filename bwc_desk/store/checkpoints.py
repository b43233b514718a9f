"""Signed checkpoints of the hash chains, and the registered station keys.

Appends call :func:`after_append`: every CHECKPOINT_EVERY records, or at the first record
CHECKPOINT_SECONDS after the chain's last checkpoint, a station whose key is registered
signs the chain's head into `ledger_checkpoints`, in the same transaction as the record.
The common case costs a dictionary look-up; a checkpoint one signature (~50 us) and an
insert.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, insert, select
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
from bwc_desk.store.models import DatabaseIdentity, LedgerCheckpoint, StationKey

_EVERY = timedelta(seconds=CHECKPOINT_SECONDS)


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
        if registered is not None:
            signer = Signer(key, kid, database_id(session), station)
    per_station[station] = signer
    return signer


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
    session.execute(
        insert(LedgerCheckpoint).values(
            chain=chain,
            seq=seq,
            head_hash=head_hash,
            at=at,
            station=signer.station,
            key_id=signer.key_id,
            signature=sign(signer.key, message),
        )
    )
    signer.last[chain] = (seq, at)


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
        write_checkpoint(session, signer, chain, seq, head_hash, at)


def checkpoint_now(session: Session, station: str, chain: str, at: datetime) -> bool:
    """Sign a chain's current head now (key registration, anchoring). False without a key."""
    from bwc_desk.store.ledger import recorded_head

    signer = signer_for(session, station)
    if signer is None:
        return False
    # Read, not lock: an empty chain gets no head row here (the first append makes it).
    seq, digest = recorded_head(session, chain) or (0, GENESIS)
    write_checkpoint(session, signer, chain, seq, digest, at)
    return True


def checkpoint_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(LedgerCheckpoint)).scalar_one())

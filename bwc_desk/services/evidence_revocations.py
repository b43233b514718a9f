"""The station key revocations an evidence export ships (``revocations.json``).

An export ships public keys: the one that signed its checkpoint and the one that signed its
manifest. A revocation of either (a stolen station PC) bears on what the export proves, so
the export carries each such revocation as stored, with the revoking station's signature
(docs/ledger.md gives the signed text), the chain heads the revoking station signed at that
moment (how far each chain had got: a checkpoint of the revoked key beyond them was signed
after the revocation, whatever its date), and the public keys needed to check them. Only
revocations that hold up in the database (``store.trust``) are shipped: one added by hand
counts for nothing there either. The checkers are in evidence_check.py and the script.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.domain.ledger import format_ts
from bwc_desk.domain.signing import fingerprint
from bwc_desk.store.models import LedgerCheckpoint, StationKey, StationKeyRevocation
from bwc_desk.store.trust import Trust

FILE = "revocations.json"
FORMAT = "bwc-desk station key revocations 1"


def revocations_for(session: Session, trust: Trust, shipped: Iterable[str]) -> dict[str, Any]:
    """The contents of ``revocations.json`` for an export that ships the keys ``shipped``
    (key ids): their revocations, and those of the keys that signed these revocations."""
    rows: dict[str, StationKeyRevocation] = {}
    todo = [kid for kid in shipped if kid]
    while todo:
        kid = todo.pop()
        if kid in rows or kid not in trust.revoked:
            continue
        row = session.execute(
            select(StationKeyRevocation).where(StationKeyRevocation.key_id == kid)
        ).scalar_one()
        rows[kid] = row
        todo.append(row.endorsed_by)
    named = set(rows) | {row.endorsed_by for row in rows.values()}
    keys = session.execute(
        select(StationKey).where(StationKey.key_id.in_(named)).order_by(StationKey.key_id)
    ).scalars().all() if named else []
    return {
        "format": FORMAT,
        "database_id": trust.database_id,
        "revocations": [
            _record(session, row)
            for row in sorted(rows.values(), key=lambda r: (r.revoked_at, r.id))
        ],
        "keys": [
            {"key_id": k.key_id, "station": k.station, "public_key": k.public_key,
             "fingerprint": fingerprint(k.public_key)}
            for k in keys
        ],
    }


def _record(session: Session, row: StationKeyRevocation) -> dict[str, Any]:
    heads = session.execute(
        select(LedgerCheckpoint)
        .where(LedgerCheckpoint.key_id == row.endorsed_by,
               LedgerCheckpoint.at == row.revoked_at)
        .order_by(LedgerCheckpoint.id)
    ).scalars().all()
    return {
        "key_id": row.key_id, "station": row.station, "revoked_at": format_ts(row.revoked_at),
        "revoked_by": row.revoked_by, "reason": row.reason,
        "revoking_station": row.revoking_station, "endorsed_by": row.endorsed_by,
        "endorsement": row.endorsement,
        "heads": [
            {"chain": h.chain, "seq": h.seq, "head_hash": h.head_hash, "at": format_ts(h.at),
             "station": h.station, "key_id": h.key_id, "signature": h.signature}
            for h in heads
        ],
    }

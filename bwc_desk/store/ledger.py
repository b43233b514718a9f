"""Appending to and walking the hash chains (custody events; the audit log)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from bwc_desk.domain.ledger import (
    GENESIS,
    ChainReport,
    ChainRow,
    audit_payload,
    custody_payload,
    format_ts,
    record_hash,
    verify_chain,
)
from bwc_desk.store.checkpoints import after_append
from bwc_desk.store.fast import Read
from bwc_desk.store.models import AuditRecord, ChainHead, CustodyEvent

CUSTODY = "custody"
AUDIT = "audit"
IDENTITY = "identity"


def canonical_json(details: dict[str, Any] | None) -> str | None:
    if not details:
        return None
    return json.dumps(
        details, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


@cache
def _statements(for_update: bool) -> dict[str, Any]:
    """Built once: at the counter, building a statement costs more than running it."""
    head = select(ChainHead.seq, ChainHead.hash).where(ChainHead.chain == bindparam("chain"))
    return {
        "head": Read(head.with_for_update() if for_update else head),
        "move": update(ChainHead)
        .where(ChainHead.chain == bindparam("which"))
        .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
        # The head is never loaded as an object: spare the session its search for one.
        .execution_options(synchronize_session=False),
        "custody": insert(CustodyEvent),
        "audit": insert(AuditRecord),
    }


def lock_head(session: Session, chain: str) -> tuple[int, str]:
    """Lock the chain's head row for this transaction and return (seq, hash).

    On PostgreSQL the row lock serializes appends from every station; on SQLite the
    transaction already holds the write lock (BEGIN IMMEDIATE).
    """
    sql = _statements(session.get_bind().dialect.name == "postgresql")
    # Nothing the session holds unwritten bears on the head row: what the caller changed
    # is written at its next query or its commit, in one flush (not one flush more here).
    with session.no_autoflush:
        row = sql["head"].first(session, {"chain": chain})
    if row is None:
        session.execute(insert(ChainHead).values(chain=chain, seq=0, hash=GENESIS))
        return 0, GENESIS
    return int(row[0]), str(row[1])


def append_custody(
    session: Session,
    *,
    at: datetime,
    kind: str,
    unit_id: int | None,
    officer_id: int | None,
    staff_id: int | None,
    staff_username: str,
    station: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    corrects_seq: int | None = None,
) -> int:
    """Append one custody event; returns its seq. Call inside the action's transaction."""
    head_seq, head_hash = lock_head(session, CUSTODY)
    seq = head_seq + 1
    details_json = canonical_json(details)
    reason = reason or None
    payload = custody_payload(
        seq,
        format_ts(at),
        kind,
        unit_id,
        officer_id,
        staff_id,
        staff_username,
        station,
        reason,
        details_json,
        corrects_seq,
    )
    digest = record_hash(head_hash, payload)
    sql = _statements(session.get_bind().dialect.name == "postgresql")
    # The record and the head need nothing the session holds unwritten (the unit row exists):
    # what the caller changed (the unit's status, its last record's seq, a checkout) is
    # written at its next query or its commit, in one flush: one UPDATE of the unit, not two.
    with session.no_autoflush:
        session.execute(
            sql["custody"],
            [
                {
                    "seq": seq,
                    "at": at,
                    "kind": kind,
                    "unit_id": unit_id,
                    "officer_id": officer_id,
                    "staff_id": staff_id,
                    "staff_username": staff_username,
                    "station": station,
                    "reason": reason,
                    "details": details_json,
                    "corrects_seq": corrects_seq,
                    "prev_hash": head_hash,
                    "hash": digest,
                }
            ],
        )
        session.execute(sql["move"], {"which": CUSTODY, "new_seq": seq, "new_hash": digest})
    after_append(session, CUSTODY, seq, digest, at, station)
    return seq


def append_audit(
    session: Session,
    *,
    at: datetime,
    event: str,
    outcome: str,
    staff_id: int | None,
    staff_username: str | None,
    station: str,
    details: dict[str, Any] | None = None,
) -> int:
    """Append one audit record; returns its seq."""
    head_seq, head_hash = lock_head(session, AUDIT)
    seq = head_seq + 1
    details_json = canonical_json(details)
    payload = audit_payload(
        seq, format_ts(at), event, outcome, staff_id, staff_username, station, details_json
    )
    digest = record_hash(head_hash, payload)
    sql = _statements(session.get_bind().dialect.name == "postgresql")
    session.execute(
        sql["audit"],
        [
            {
                "seq": seq,
                "at": at,
                "event": event,
                "outcome": outcome,
                "staff_id": staff_id,
                "staff_username": staff_username,
                "station": station,
                "details": details_json,
                "prev_hash": head_hash,
                "hash": digest,
            }
        ],
    )
    session.execute(sql["move"], {"which": AUDIT, "new_seq": seq, "new_hash": digest})
    after_append(session, AUDIT, seq, digest, at, station)
    return seq


def recorded_head(session: Session, chain: str) -> tuple[int, str] | None:
    row = session.execute(
        select(ChainHead.seq, ChainHead.hash).where(ChainHead.chain == chain)
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def _batches(session: Session, sql: str, batch: int) -> Iterator[Any]:
    """Rows in seq order, a batch at a time by keyset (seq > the last one seen): no
    server-side cursor is left open when a walk stops at the first bad record, and the
    unique index on seq makes each batch a range scan."""
    stmt = text(f"{sql} WHERE seq > :after ORDER BY seq, id LIMIT :n")
    after = -1
    while True:
        rows = session.execute(stmt, {"after": after, "n": batch}).all()
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1][0]


def _custody_rows(session: Session, batch: int = 20_000) -> Iterator[ChainRow]:
    """Every custody event in chain order, as (seq, prev, hash, payload)."""
    is_sqlite = session.get_bind().dialect.name == "sqlite"
    sql = (
        "SELECT seq, prev_hash, hash, at, kind, unit_id, officer_id, staff_id,"
        " staff_username, station, reason, details, corrects_seq FROM custody_events"
    )
    for (
        seq,
        prev,
        digest,
        at,
        kind,
        unit_id,
        officer_id,
        staff_id,
        username,
        station,
        reason,
        details,
        corrects,
    ) in _batches(session, sql, batch):
        yield (
            seq,
            prev,
            digest,
            custody_payload(
                seq,
                ts_text(at, is_sqlite),
                kind,
                unit_id,
                officer_id,
                staff_id,
                username,
                station,
                reason,
                details,
                corrects,
            ),
        )


def _audit_rows(session: Session, batch: int = 20_000) -> Iterator[ChainRow]:
    is_sqlite = session.get_bind().dialect.name == "sqlite"
    sql = (
        "SELECT seq, prev_hash, hash, at, event, outcome, staff_id, staff_username,"
        " station, details FROM audit_log"
    )
    for seq, prev, digest, at, event, outcome, staff_id, username, station, details in _batches(
        session, sql, batch
    ):
        yield (
            seq,
            prev,
            digest,
            audit_payload(
                seq, ts_text(at, is_sqlite), event, outcome, staff_id, username, station, details
            ),
        )


def ts_text(value: Any, is_sqlite: bool) -> str:
    # Raw rows skip the UTCDateTime type: SQLite gives its stored text, PostgreSQL a naive
    # datetime. Both are UTC; format them exactly as format_ts() did when hashing.
    if isinstance(value, str):
        day, _, clock = value.partition(" ")
        if "." not in clock:
            clock += ".000000"
        return f"{day}T{clock}Z"
    assert isinstance(value, datetime)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def verify_custody(session: Session) -> ChainReport:
    return verify_chain(CUSTODY, _custody_rows(session), recorded_head(session, CUSTODY))


def verify_audit(session: Session) -> ChainReport:
    return verify_chain(AUDIT, _audit_rows(session), recorded_head(session, AUDIT))

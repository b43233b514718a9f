"""The identity chain: officers' and cameras' identifying fields, hash-chained, so that a
row changed behind the application's back (two officers' badges swapped, a camera's asset
tag renamed) is named by verify."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from bwc_desk.domain.ledger import ChainReport, ChainRow, format_ts, identity_payload, record_hash
from bwc_desk.store.checkpoints import after_append
from bwc_desk.store.models import ChainHead, IdentityEvent, Officer, Unit

IDENTITY = "identity"
OFFICER = "officer"
UNIT = "unit"
OFFICER_FIELDS = ("badge", "last_name", "first_name", "scan_code", "active")
UNIT_FIELDS = ("asset_tag", "serial", "model")


def officer_fields(row: Any) -> dict[str, Any]:
    return {
        "badge": row.badge,
        "last_name": row.last_name or "",
        "first_name": row.first_name or "",
        "scan_code": row.scan_code,
        "active": bool(row.active),
    }


def unit_fields(row: Any) -> dict[str, Any]:
    return {"asset_tag": row.asset_tag, "serial": row.serial, "model": row.model or ""}


def fields_json(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _append(
    session: Session,
    *,
    at: datetime,
    kind: str,
    entity: str,
    entity_id: int,
    fields: dict[str, Any],
    staff_username: str,
    station: str,
) -> int | None:
    from bwc_desk.store.ledger import lock_head

    encoded = fields_json(fields)
    head_seq, head_hash = lock_head(session, IDENTITY)
    if kind != "created":
        last = session.execute(
            select(IdentityEvent.fields)
            .where(IdentityEvent.entity == entity, IdentityEvent.entity_id == entity_id)
            .order_by(IdentityEvent.seq.desc())
            .limit(1)
        ).scalar_one_or_none()
        if last == encoded:
            return None  # nothing identifying changed: no record
    seq = head_seq + 1
    payload = identity_payload(
        seq, format_ts(at), kind, entity, entity_id, encoded, staff_username, station
    )
    digest = record_hash(head_hash, payload)
    session.execute(
        insert(IdentityEvent).values(
            seq=seq,
            at=at,
            kind=kind,
            entity=entity,
            entity_id=entity_id,
            fields=encoded,
            staff_username=staff_username,
            station=station,
            prev_hash=head_hash,
            hash=digest,
        )
    )
    session.execute(
        update(ChainHead)
        .where(ChainHead.chain == IDENTITY)
        .values(seq=seq, hash=digest)
    )
    after_append(session, IDENTITY, seq, digest, at, station)
    return seq


def record_officer(
    session: Session, officer: Officer, *, at: datetime, staff_username: str, station: str,
    created: bool = False,
) -> int | None:
    """Chain an officer's identifying fields as the row now holds them (call after the
    row is written and flushed, in the same transaction). No record if nothing changed."""
    session.flush()
    return _append(
        session, at=at, kind="created" if created else "changed", entity=OFFICER,
        entity_id=officer.id, fields=officer_fields(officer), staff_username=staff_username,
        station=station,
    )


def record_unit(
    session: Session, unit: Unit, *, at: datetime, staff_username: str, station: str,
    created: bool = False,
) -> int | None:
    session.flush()
    return _append(
        session, at=at, kind="created" if created else "changed", entity=UNIT,
        entity_id=unit.id, fields=unit_fields(unit), staff_username=staff_username,
        station=station,
    )


def _last_fields(session: Session, entity: str, ids: Sequence[int]) -> dict[int, str]:
    """Each entity's newest chained fields, for many at once (chunks keep the IN short)."""
    out: dict[int, str] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        newest = (
            select(IdentityEvent.entity_id, func.max(IdentityEvent.seq).label("seq"))
            .where(IdentityEvent.entity == entity, IdentityEvent.entity_id.in_(chunk))
            .group_by(IdentityEvent.entity_id)
            .subquery()
        )
        for entity_id, fields in session.execute(
            select(IdentityEvent.entity_id, IdentityEvent.fields)
            .join(newest, IdentityEvent.seq == newest.c.seq)
        ):
            out[entity_id] = fields
    return out


def record_many(
    session: Session,
    entity: str,
    items: Sequence[tuple[int, dict[str, Any], bool]],
    *,
    at: datetime,
    staff_username: str,
    station: str,
) -> int:
    """Chain many identities in one go (an import of 200,000 officers): the head is locked
    once, the records go in with one statement, and the head is signed when due. ``items``
    are (entity id, fields, created). A changed entity whose identifying fields are as last
    chained gets no record. Returns how many records were written."""
    if not items:
        return 0
    head_seq, prev = lock_head_for_identity(session)
    last = _last_fields(session, entity, [eid for eid, _f, created in items if not created])
    seq, rows, stamp = head_seq, [], format_ts(at)
    for entity_id, fields, created in items:
        encoded = fields_json(fields)
        if not created and last.get(entity_id) == encoded:
            continue
        seq += 1
        kind = "created" if created else "changed"
        digest = record_hash(prev, identity_payload(
            seq, stamp, kind, entity, entity_id, encoded, staff_username, station))
        rows.append({"seq": seq, "at": at, "kind": kind, "entity": entity,
                     "entity_id": entity_id, "fields": encoded,
                     "staff_username": staff_username, "station": station,
                     "prev_hash": prev, "hash": digest})
        prev = digest
    if not rows:
        return 0
    session.execute(insert(IdentityEvent), rows)
    session.execute(update(ChainHead).where(ChainHead.chain == IDENTITY).values(seq=seq, hash=prev))
    after_append(session, IDENTITY, seq, prev, at, station)
    return len(rows)


def lock_head_for_identity(session: Session) -> tuple[int, str]:
    from bwc_desk.store.ledger import lock_head

    return lock_head(session, IDENTITY)


def _identity_rows(session: Session, seen: dict[tuple[str, int], str],
                   batch: int = 20_000) -> Iterator[ChainRow]:
    from bwc_desk.store.ledger import _batches, ts_text

    is_sqlite = session.get_bind().dialect.name == "sqlite"
    sql = (
        "SELECT seq, prev_hash, hash, at, kind, entity, entity_id, fields, staff_username,"
        " station FROM identity_events"
    )
    for seq, prev, digest, at, kind, entity, entity_id, fields, user, station in _batches(
        session, sql, batch
    ):
        seen[(entity, entity_id)] = fields
        yield (
            seq,
            prev,
            digest,
            identity_payload(
                seq, ts_text(at, is_sqlite), kind, entity, entity_id, fields, user, station
            ),
        )


def _differences(kind: str, entity_id: int, table: dict[str, Any] | None,
                 ledger: str | None) -> list[str]:
    if table is None:
        return [f"{kind} {entity_id}: in the ledger, but its row is gone from the table"]
    if ledger is None:
        return [f"{kind} {entity_id}: in the table, but never recorded in the ledger "
                "(added outside BWC Desk)"]
    recorded = json.loads(ledger)
    out = []
    for name, value in table.items():
        if recorded.get(name) != value:
            label = name.replace("_", " ")
            out.append(
                f"{kind} {entity_id}: {label} {value!r} in the table, "
                f"{recorded.get(name)!r} in the ledger"
            )
    return out


def verify_identity(session: Session) -> tuple[ChainReport, list[str]]:
    """Walk the identity chain, then compare every officer and camera with its newest
    chained record. Returns the chain's report and the rows that differ."""
    from bwc_desk.domain.ledger import verify_chain
    from bwc_desk.store.ledger import recorded_head

    seen: dict[tuple[str, int], str] = {}
    report = verify_chain(IDENTITY, _identity_rows(session, seen),
                          recorded_head(session, IDENTITY))
    if not report.ok:
        return report, []
    problems: list[str] = []
    officers = {
        row.id: officer_fields(row)
        for row in session.execute(
            text("SELECT id, badge, last_name, first_name, scan_code, active FROM officers")
        )
    }
    units = {
        row.id: unit_fields(row)
        for row in session.execute(text("SELECT id, asset_tag, serial, model FROM units"))
    }
    for kind, table in ((OFFICER, officers), (UNIT, units)):
        ids = set(table) | {i for (k, i) in seen if k == kind}
        for entity_id in sorted(ids):
            problems += _differences(kind, entity_id, table.get(entity_id),
                                     seen.get((kind, entity_id)))
    return report, problems


def record_baseline(conn: Any, at: datetime, *, station: str = "migration",
                    staff_username: str = "system") -> int:
    """Chain every current officer and camera once, as a dated baseline (existing databases
    at the migration; bulk-generated ones). ``conn`` is a Session or a Connection. Returns
    the number of records written."""
    from bwc_desk.domain.ledger import GENESIS

    head = conn.execute(
        select(ChainHead.seq, ChainHead.hash).where(ChainHead.chain == IDENTITY)
    ).first()
    seq, prev = (0, GENESIS) if head is None else (int(head[0]), str(head[1]))
    start_seq = seq
    when = format_ts(at)
    rows: list[dict[str, Any]] = []
    sources = (
        (OFFICER, officer_fields, "SELECT id, badge, last_name, first_name, scan_code, active "
                                  "FROM officers ORDER BY id"),
        (UNIT, unit_fields, "SELECT id, asset_tag, serial, model FROM units ORDER BY id"),
    )
    for entity, pick, sql in sources:
        for row in conn.execute(text(sql)):
            seq += 1
            encoded = fields_json(pick(row))
            digest = record_hash(prev, identity_payload(
                seq, when, "baseline", entity, row.id, encoded, staff_username, station))
            rows.append({"seq": seq, "at": at, "kind": "baseline", "entity": entity,
                         "entity_id": row.id, "fields": encoded,
                         "staff_username": staff_username, "station": station,
                         "prev_hash": prev, "hash": digest})
            prev = digest
    for i in range(0, len(rows), 20_000):
        conn.execute(insert(IdentityEvent), rows[i : i + 20_000])
    if head is None:
        conn.execute(insert(ChainHead).values(chain=IDENTITY, seq=seq, hash=prev))
    elif seq != start_seq:
        conn.execute(update(ChainHead).where(ChainHead.chain == IDENTITY)
                     .values(seq=seq, hash=prev))
    return seq - start_seq

"""Bulk generation of a large agency straight through the store, for benchmarks: 25,000 units,
40,000 officers and millions of custody events in minutes instead of hours. The custody chain
is hashed exactly as the services hash it, so `bwc-desk verify` passes on the result."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text, update

from bwc_desk.domain.ledger import GENESIS, custody_payload, format_ts, record_hash
from bwc_desk.domain.signing import CHECKPOINT_EVERY
from bwc_desk.store import checkpoints
from bwc_desk.store.db import Database
from bwc_desk.store.identity import record_baseline
from bwc_desk.store.ledger import CUSTODY
from bwc_desk.store.models import (
    ChainHead,
    Checkout,
    CustodyEvent,
    Officer,
    PurchaseBatch,
    Unit,
)

Progress = Callable[[str], None]
MODELS = ("Axon Body 3", "Axon Body 4", "Motorola V300")
SHIFTS = ("Day", "Evening", "Night")
# Two purchase batches, as Hartford's 2019 lot of 325 and 2021 lot of 150 (65 % / 35 %).
BATCHES = (
    ("2019 lot", date(2019, 6, 1), 89_900, 19_900, 5, 24),
    ("2021 lot", date(2021, 3, 1), 99_900, 21_900, 5, 36),
)
FIRMWARE = ("1.2.3", "1.2.3", "1.2.3", "1.3.0", "1.1.9")


def generate(
    db: Database,
    *,
    units: int,
    officers: int,
    events: int,
    open_issues: int | None = None,
    seed: int = 7,
    start: datetime | None = None,
    progress: Progress = lambda _m: None,
) -> None:
    """Fill an empty, migrated database (it must have no units or officers yet)."""
    rng = random.Random(seed)
    now = (start or datetime.now(UTC)).replace(microsecond=0)
    begin = now - timedelta(days=365)
    progress(f"{officers:,} officers")
    with db.write() as s:
        s.execute(
            insert(Officer),
            [
                {
                    "id": i,
                    "badge": f"{i:05d}",
                    "last_name": f"Officer{i}",
                    "first_name": "Pat",
                    "rank": "Officer",
                    "division": f"Division {i % 12}",
                    "shift": SHIFTS[i % 3],
                    "active": True,
                    "scan_code": f"ID{i:06d}",
                    "created_at": begin,
                    "updated_at": begin,
                }
                for i in range(1, officers + 1)
            ],
        )
    progress(f"{units:,} units")
    first_lot = units * 65 // 100
    with db.write() as s:
        s.execute(
            insert(PurchaseBatch),
            [
                {
                    "id": n,
                    "name": name,
                    "purchased_on": bought,
                    "count": first_lot if n == 1 else units - first_lot,
                    "unit_cost_cents": unit_cost,
                    "licence_cost_cents": licence,
                    "currency": "USD",
                    "service_years": life,
                    "warranty_months": warranty,
                }
                for n, (name, bought, unit_cost, licence, life, warranty) in enumerate(BATCHES, 1)
            ],
        )
        s.execute(
            insert(Unit),
            [
                {
                    "id": i,
                    "asset_tag": f"BWC-{i:05d}",
                    "serial": f"SN{rng.randrange(16**7):07X}{i}",
                    "model": MODELS[i % 3],
                    "firmware": FIRMWARE[i % len(FIRMWARE)],
                    "status": "available",
                    "notes": "",
                    "primary_officer_id": i if i <= min(units, officers) * 9 // 10 else None,
                    "repair_vendor": "",
                    "repair_ticket": "",
                    "status_reason": "",
                    "batch_id": 1 if i <= first_lot else 2,
                    "purchase_date": BATCHES[0 if i <= first_lot else 1][1],
                    "warranty_until": _plus_months(
                        BATCHES[0 if i <= first_lot else 1][1],
                        BATCHES[0 if i <= first_lot else 1][5],
                    ),
                    "created_at": begin,
                    "updated_at": begin,
                }
                for i in range(1, units + 1)
            ],
        )
    # Custody: issued/returned pairs spread over a year, chained; then the open issues.
    n_open = open_issues if open_issues is not None else min(units, officers) // 10
    kinds = ("issued", "returned")
    prev = GENESIS
    seq = 0
    step = timedelta(seconds=365 * 86400 / max(events, 1))
    at = begin
    batch: list[dict[str, object]] = []
    last_event: dict[int, int] = {}
    issued_seq: dict[int, int] = {}
    with db.write() as s:
        # Signed checkpoints as the stations sign them (every 100 records), when BENCH-1's
        # key is registered: verify checks each signature.
        signer = checkpoints.signer_for(s, "BENCH-1")
        while seq < events:
            if seq >= events - n_open:
                unit_id = events - seq  # the last n_open events issue units n_open..1
                pair: tuple[str, ...] = ("issued",)
            else:
                unit_id = rng.randrange(1, units + 1)
                pair = kinds
            officer_id = min(unit_id, officers)
            for kind in pair:
                if seq >= events:
                    break
                seq += 1
                if kind == "issued":
                    issued_seq[unit_id] = seq
                at += step
                payload = custody_payload(
                    seq,
                    format_ts(at),
                    kind,
                    unit_id,
                    officer_id,
                    None,
                    "bulk",
                    "BENCH-1",
                    None,
                    None,
                    None,
                )
                digest = record_hash(prev, payload)
                if signer is not None and seq % CHECKPOINT_EVERY == 0:
                    checkpoints.write_checkpoint(s, signer, CUSTODY, seq, digest, at)
                batch.append(
                    {
                        "seq": seq,
                        "at": at,
                        "kind": kind,
                        "unit_id": unit_id,
                        "officer_id": officer_id,
                        "staff_id": None,
                        "staff_username": "bulk",
                        "station": "BENCH-1",
                        "reason": None,
                        "details": None,
                        "corrects_seq": None,
                        "prev_hash": prev,
                        "hash": digest,
                    }
                )
                prev = digest
                last_event[unit_id] = seq
            if len(batch) >= 50_000:
                s.execute(insert(CustodyEvent), batch)
                batch.clear()
                progress(f"custody events: {seq:,} of {events:,}")
        if batch:
            s.execute(insert(CustodyEvent), batch)
        s.execute(insert(ChainHead).values(chain=CUSTODY, seq=seq, hash=prev))
        progress("linking units to their last events")
        s.execute(update(Unit), [{"id": u, "last_event_seq": e} for u, e in last_event.items()])
    progress(f"{n_open:,} open issues")
    with db.write() as s:
        rows = []
        for unit_id in range(1, n_open + 1):
            rows.append(
                {
                    "unit_id": unit_id,
                    "officer_id": unit_id,
                    "slot": 1,
                    "issued_at": now - timedelta(hours=3),
                    "issued_seq": issued_seq[unit_id],
                    "issued_by": "bulk",
                    "issued_station": "BENCH-1",
                    "expected_return": now + timedelta(hours=6),
                    "swap_reason": "",
                    "voided": False,
                }
            )
        if rows:
            s.execute(insert(Checkout), rows)
            s.execute(update(Unit).where(Unit.id <= n_open).values(status="issued"))
    with db.write() as s:
        record_baseline(s, now, station="BENCH-1", staff_username="bulk")  # identity chain
    if db.is_postgresql:
        # Explicit ids were inserted: move the sequences past them.
        with db.write() as s:
            for table in ("officers", "units", "custody_events", "checkouts", "purchase_batches"):
                s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT COALESCE(max(id), 1) FROM {table}))"))
            s.execute(text("ANALYZE"))
    if db.is_sqlite:
        raw = db.raw_sqlite()
        try:
            raw.execute("ANALYZE")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()


def _plus_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, min(day.day, 28))

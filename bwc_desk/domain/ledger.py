"""Tamper-evident chains of records (custody events, audit log).

Each record stores SHA-256 over the previous record's hash and a canonical encoding of its own
fields. The encoding is length-prefixed so that no choice of field values can make two
different records encode alike. An auditor can recompute every hash from the CSV export with
nothing but this module (or ten lines in any language): see docs/ledger.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

GENESIS = "0" * 64


def format_ts(moment: datetime) -> str:
    """The one textual form of a UTC instant used in hashes and exports."""
    if moment.tzinfo is None:
        raise ValueError("timestamps in the ledger are timezone-aware UTC")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def heads_footer(custody: tuple[int, str], audit: tuple[int, str]) -> str:
    """The line every printed report carries in its footer: both chains' heads (record
    number and full hash) as the report was made, so that a filed paper copy anchors the
    ledger outside the database (`bwc-desk verify --expect-custody SEQ:HASH
    --expect-audit SEQ:HASH` checks it later)."""
    (c_seq, c_hash), (a_seq, a_hash) = custody, audit
    return f"Ledger heads: custody #{c_seq} {c_hash or GENESIS}, audit #{a_seq} {a_hash or GENESIS}"


def _text(value: str | None) -> str:
    return "~" if value is None else f"{len(value)}:{value}"


def _num(value: int | None) -> str:
    return "~" if value is None else str(value)


def custody_payload(
    seq: int,
    at: str,
    kind: str,
    unit_id: int | None,
    officer_id: int | None,
    staff_id: int | None,
    staff_username: str,
    station: str,
    reason: str | None,
    details: str | None,
    corrects_seq: int | None,
) -> str:
    return (
        f"custody|{seq}|{_text(at)}|{_text(kind)}|{_num(unit_id)}|{_num(officer_id)}|"
        f"{_num(staff_id)}|{_text(staff_username)}|{_text(station)}|{_text(reason)}|"
        f"{_text(details)}|{_num(corrects_seq)}"
    )


def audit_payload(
    seq: int,
    at: str,
    event: str,
    outcome: str,
    staff_id: int | None,
    staff_username: str | None,
    station: str,
    details: str | None,
) -> str:
    return (
        f"audit|{seq}|{_text(at)}|{_text(event)}|{_text(outcome)}|{_num(staff_id)}|"
        f"{_text(staff_username)}|{_text(station)}|{_text(details)}"
    )


def identity_payload(
    seq: int,
    at: str,
    kind: str,
    entity: str,
    entity_id: int,
    fields: str,
    staff_username: str,
    station: str,
) -> str:
    return (
        f"identity|{seq}|{_text(at)}|{_text(kind)}|{_text(entity)}|{entity_id}|"
        f"{_text(fields)}|{_text(staff_username)}|{_text(station)}"
    )


def record_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


class Tamper(StrEnum):
    CHANGED = "changed"
    MISSING = "missing"
    INSERTED = "inserted"
    TRUNCATED = "truncated"  # records after a signed checkpoint are gone
    EMPTIED = "emptied"  # every record is gone, but signed checkpoints remain
    REWRITTEN = "rewritten"  # hashes recomputed: a signed checkpoint no longer matches
    FORGED = "forged"  # a signature that does not verify, or a key nobody registered
    UNSIGNED = "unsigned"  # keys are registered, but the chain has no checkpoint left
    IDENTITY = "identity"  # an officer or camera row differs from its chained record


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    tamper: Tamper
    message: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    chain: str
    count: int
    head_seq: int
    head_hash: str
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def with_problem(self, problem: ChainProblem) -> ChainReport:
        return ChainReport(self.chain, self.count, self.head_seq, self.head_hash, problem)

    def summary(self) -> str:
        if self.problem is None:
            return f"{self.chain}: OK, {self.count} records, head #{self.head_seq} {self.head_hash}"
        return f"{self.chain}: FAILED at record #{self.problem.seq}: {self.problem.message}"


ChainRow = tuple[int, str, str, str]  # seq, prev_hash, stored hash, payload


def verify_chain(
    chain: str,
    rows: Iterable[ChainRow],
    recorded_head: tuple[int, str] | None = None,
) -> ChainReport:
    """Walk rows in seq order and name the first record that does not match, and how.

    ``recorded_head`` is the (seq, hash) the application last wrote to its head register (or
    a copy an auditor kept outside this PC): records after it are inserted, a shorter chain
    has lost records at its end, and a different hash at that seq means history was rewritten.
    """
    expected_seq = 1
    expected_prev = GENESIS
    count = 0
    head_hash = GENESIS

    def report(problem: ChainProblem | None) -> ChainReport:
        return ChainReport(chain, count, expected_seq - 1, head_hash, problem)

    iterator = iter(rows)
    row = next(iterator, None)
    while row is not None:
        following = next(iterator, None)
        seq, prev_hash, stored, payload = row
        if seq < expected_seq:
            return report(ChainProblem(seq, Tamper.INSERTED, _inserted(seq)))
        if seq > expected_seq:
            return report(
                ChainProblem(expected_seq, Tamper.MISSING, _missing(expected_seq, seq - 1))
            )
        self_ok = record_hash(prev_hash, payload) == stored
        link_ok = prev_hash == expected_prev
        if self_ok and link_ok:
            expected_prev = head_hash = stored
            expected_seq += 1
            count += 1
            row = following
            continue
        if following is not None and following[1] == expected_prev:
            # The next record links to where this one should have: this one was slipped in.
            return report(ChainProblem(seq, Tamper.INSERTED, _inserted(seq)))
        if following is None and recorded_head is not None and seq > recorded_head[0]:
            return report(ChainProblem(seq, Tamper.INSERTED, _inserted(seq)))
        if not link_ok and self_ok and seq > 1:
            return report(
                ChainProblem(
                    seq - 1,
                    Tamper.CHANGED,
                    f"record #{seq - 1} was changed and its hash recomputed: record #{seq} "
                    "no longer links to it",
                )
            )
        return report(
            ChainProblem(
                seq,
                Tamper.CHANGED,
                f"record #{seq} was changed: its fields no longer match its hash",
            )
        )

    if recorded_head is not None:
        head_seq, recorded_hash = recorded_head
        last = expected_seq - 1
        if last > head_seq:
            return report(ChainProblem(head_seq + 1, Tamper.INSERTED, _inserted(head_seq + 1)))
        if last < head_seq:
            return report(ChainProblem(last + 1, Tamper.MISSING, _missing(last + 1, head_seq)))
        if head_seq and head_hash != recorded_hash:
            return report(
                ChainProblem(
                    head_seq,
                    Tamper.CHANGED,
                    f"the chain up to record #{head_seq} was rewritten: its head hash differs "
                    "from the recorded one",
                )
            )
    return report(None)


def _missing(first: int, last: int) -> str:
    if first == last:
        return f"record #{first} is missing (deleted)"
    return f"records #{first} to #{last} are missing (deleted)"


def _inserted(seq: int) -> str:
    return f"record #{seq} was inserted: it is not part of the chain as written"

"""Checking the signatures: registered station keys (root and endorsements) and the signed
checkpoints of each chain against the chain as it is now."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bwc_desk.domain.ledger import GENESIS, ChainProblem, ChainReport, Tamper, format_ts
from bwc_desk.domain.signing import (
    Verifier,
    checkpoint_message,
    endorsement_message,
    fingerprint,
    key_id,
    revocation_message,
)
from bwc_desk.store.checkpoints import database_id
from bwc_desk.store.models import LedgerCheckpoint, StationKey, StationKeyRevocation

_TABLES = {"custody": "custody_events", "audit": "audit_log", "identity": "identity_events"}


@dataclass(frozen=True, slots=True)
class KeyInfo:
    key_id: str
    station: str
    public_key: str
    registered_at: str
    registered_by: str
    endorsed_by: str | None


@dataclass(frozen=True, slots=True)
class Revoked:
    """A revocation whose endorsement holds up: the key signs nothing trusted after ``at``."""

    key_id: str
    station: str
    at: str  # format_ts
    by: str
    reason: str
    revoking_station: str
    # Each chain's record the revoking station signed at the revocation: the key signed
    # nothing after these, whatever date a checkpoint of it bears.
    heads: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        return f"revoked at {self.at} by {self.by} at {self.revoking_station}: {self.reason}"

    def disowns(self, chain: str, seq: int, at: str) -> str | None:
        """Why the key's checkpoint of ``chain`` record #``seq`` dated ``at`` is not trusted
        ("" when dated after the revocation; words when dated back before it but beyond the
        head the revoking station signed then), or None: signed before, it counts."""
        if self.at < at:
            return ""
        stood = self.heads.get(chain)
        if stood is not None and seq > stood:
            return f", although it is dated before: the chain stood at record #{stood} then"
        return None


@dataclass
class Trust:
    """The keys whose registration holds up, the revocations that hold up, and what is
    wrong with the others."""

    database_id: str
    keys: dict[str, tuple[KeyInfo, Verifier]]
    problems: list[str]
    revoked: dict[str, Revoked] = field(default_factory=dict)

    @property
    def any_key(self) -> bool:
        return bool(self.keys) or bool(self.problems)

    def revoked_before(self, kid: str, at: str) -> Revoked | None:
        """The revocation of ``kid`` if it was revoked before ``at`` (a format_ts text):
        what the key signed then is not trusted."""
        revoked = self.revoked.get(kid)
        return revoked if revoked is not None and revoked.at < at else None

    def active(self) -> dict[str, tuple[KeyInfo, Verifier]]:
        """The keys that may sign and endorse now: registered, and not revoked."""
        return {k: v for k, v in self.keys.items() if k not in self.revoked}


def load_trust(session: Session) -> Trust:
    dbid = database_id(session)
    rows = session.execute(select(StationKey).order_by(StationKey.id)).scalars().all()
    keys: dict[str, tuple[KeyInfo, Verifier]] = {}
    problems: list[str] = []
    root_seen = False
    owner_roots: set[str] | None = None  # read when a second root turns up
    for row in rows:
        info = KeyInfo(
            row.key_id,
            row.station,
            row.public_key,
            format_ts(row.registered_at),
            row.registered_by,
            row.endorsed_by,
        )
        verifier = Verifier(row.public_key)
        name = f"station key {row.key_id} ({row.station})"
        if key_id(row.public_key) != row.key_id:
            problems.append(f"{name}: its id does not match its public key")
            continue
        if row.endorsed_by is None:
            if root_seen and owner_roots is None:
                owner_roots = _owner_roots(session)
            if root_seen and fingerprint(row.public_key) not in (owner_roots or set()):
                problems.append(
                    f"{name} was registered without the endorsement of a registered "
                    "station: it was added to the database outside BWC Desk"
                )
                continue
            root_seen = True
        else:
            endorser = keys.get(row.endorsed_by)
            message = endorsement_message(
                dbid, row.station, row.public_key, info.registered_at, row.endorsed_by
            )
            if endorser is None or not endorser[1].check(message, row.endorsement or ""):
                problems.append(
                    f"{name}: its endorsement does not verify: it was added or changed "
                    "outside BWC Desk"
                )
                continue
        keys[row.key_id] = (info, verifier)
    trust = Trust(dbid, keys, problems)
    _load_revocations(session, trust)
    return trust


def _owner_roots(session: Session) -> set[str]:
    """Fingerprints of the keys the database owner registered as trust roots (`bwc-desk keys
    init-root`, audited). On PostgreSQL only the owner's role can write an unendorsed key at
    all (trigger, migration 'rootowner'); on SQLite whoever can write the file is its owner,
    and the audit record is what a key written past BWC Desk lacks."""
    return {
        str(entry["fingerprint"])
        for entry in _audited(session, "station key registered")
        if entry.get("root") is True and entry.get("how") == "owner" and entry.get("fingerprint")
    }


def _load_revocations(session: Session, trust: Trust) -> None:
    """Each revocation, in the order written, must be endorsed by a registered key that no
    earlier revocation revoked; one that is not was added outside BWC Desk and counts for
    nothing (the key stays trusted), but is named. Then a key registered with the
    endorsement of a key already revoked at that time does not hold either."""
    rows = session.execute(
        select(StationKeyRevocation).order_by(StationKeyRevocation.id)
    ).scalars().all()
    for row in rows:
        at = format_ts(row.revoked_at)
        name = f"the revocation of station key {row.key_id} ({row.station}) at {at}"
        endorser = trust.keys.get(row.endorsed_by)
        message = revocation_message(trust.database_id, row.key_id, row.station, at,
                                     row.revoked_by, row.reason, row.endorsed_by)
        if (endorser is None or row.endorsed_by in trust.revoked
                or not endorser[1].check(message, row.endorsement or "")):
            trust.problems.append(
                f"{name} was added without a valid endorsement of an active station key "
                "(added or changed outside BWC Desk): it is not counted"
            )
            continue
        if row.key_id not in trust.keys:
            trust.problems.append(f"{name} names a key that is not a registered station key")
            continue
        heads = {
            str(chain): int(seq)
            for chain, seq in session.execute(
                select(LedgerCheckpoint.chain, LedgerCheckpoint.seq).where(
                    LedgerCheckpoint.key_id == row.endorsed_by,
                    LedgerCheckpoint.at == row.revoked_at,
                )
            )
        }
        trust.revoked[row.key_id] = Revoked(row.key_id, row.station, at, row.revoked_by,
                                            row.reason, row.revoking_station, heads)
    for kid, (info, _verifier) in list(trust.keys.items()):
        revoked = trust.revoked_before(info.endorsed_by or "", info.registered_at)
        if revoked is not None:
            trust.problems.append(
                f"station key {kid} ({info.station}) was endorsed at {info.registered_at} "
                f"by key {revoked.key_id} ({revoked.station}), which was {revoked.describe()}"
            )
            del trust.keys[kid]


def check_checkpoints(session: Session, report: ChainReport, trust: Trust) -> ChainReport:
    """The chain (already walked and sound) against every checkpoint signed for it."""
    if not report.ok:
        return report
    is_sqlite = session.get_bind().dialect.name == "sqlite"
    from bwc_desk.store.ledger import ts_text

    table = _TABLES[report.chain]
    rows = session.execute(
        text(
            "SELECT c.seq, c.head_hash, c.at, c.station, c.key_id, c.signature, e.hash "
            f"FROM ledger_checkpoints c LEFT JOIN {table} e ON e.seq = c.seq "
            "WHERE c.chain = :chain ORDER BY c.seq, c.id"
        ),
        {"chain": report.chain},
    ).all()
    if not rows:
        if trust.any_key:
            return report.with_problem(
                ChainProblem(
                    report.head_seq,
                    Tamper.UNSIGNED,
                    "no signed checkpoint of this chain is left although station keys are "
                    "registered: its checkpoints were deleted",
                )
            )
        return report
    newest: tuple[int, str, str] | None = None
    rewritten: ChainProblem | None = None
    for seq, head_hash, at, station, kid, signature, found in rows:
        when = ts_text(at, is_sqlite)
        what = f"the checkpoint of record #{seq} signed by {station} at {when}"
        known = trust.keys.get(kid)
        if known is None:
            return report.with_problem(
                ChainProblem(
                    seq,
                    Tamper.FORGED,
                    f"{what} names key {kid}, which is not a registered station key",
                )
            )
        message = checkpoint_message(trust.database_id, report.chain, seq, head_hash, when,
                                     station, kid)
        if station != known[0].station or not known[1].check(message, signature):
            return report.with_problem(
                ChainProblem(
                    seq,
                    Tamper.FORGED,
                    f"{what}: its signature does not verify (forged or altered)",
                )
            )
        revoked = trust.revoked.get(kid)
        if revoked is not None:
            after = revoked.disowns(report.chain, seq, when)
            if after is not None:
                return report.with_problem(
                    ChainProblem(
                        seq,
                        Tamper.FORGED,
                        f"{what} is not trusted: its key {fingerprint(known[0].public_key)} "
                        f"was {revoked.describe()}; whoever holds that key signed it after "
                        f"that{after}",
                    )
                )
        if seq > report.head_seq:
            newest = (seq, station, when)
            continue
        actual = GENESIS if seq == 0 else found
        if actual != head_hash and rewritten is None:
            rewritten = ChainProblem(
                seq,
                Tamper.REWRITTEN,
                f"the chain up to record #{seq} was rewritten (hashes recomputed): it no "
                f"longer matches {what}",
            )
    if rewritten is not None:
        return report.with_problem(rewritten)
    if newest is not None:
        seq, station, when = newest
        if report.count == 0:
            return report.with_problem(
                ChainProblem(
                    1,
                    Tamper.EMPTIED,
                    f"the chain is empty, but {station} signed record #{seq} at {when}: "
                    "every record was deleted",
                )
            )
        return report.with_problem(
            ChainProblem(
                report.head_seq + 1,
                Tamper.TRUNCATED,
                f"records #{report.head_seq + 1} to #{seq} were deleted from the end "
                f"(truncated): {station} signed record #{seq} at {when}",
            )
        )
    return report


def _audited(session: Session, event: str) -> Iterator[dict[str, Any]]:
    """The details of each audit record of ``event``, oldest first (unreadable ones left
    out)."""
    import json

    for (details,) in session.execute(
        text("SELECT details FROM audit_log WHERE event = :event ORDER BY seq"),
        {"event": event},
    ):
        try:
            entry = json.loads(details or "{}")
        except ValueError:
            continue
        if isinstance(entry, dict):
            yield entry


def keys_missing(session: Session) -> list[str]:
    """Keys whose registration the audit log records but that are gone from the registry
    (deleted with their checkpoints, so that nothing signed is left to compare)."""
    present = {fingerprint(k) for k in session.execute(select(StationKey.public_key)).scalars()}
    out = [
        f"the station key {entry['fingerprint']} of {entry.get('station', '?')} was "
        "registered (audit log) but is gone from the key registry: it was deleted "
        "outside BWC Desk"
        for entry in _audited(session, "station key registered")
        if entry.get("fingerprint") and entry["fingerprint"] not in present
    ]
    return out + _revocations_missing(session)


def _revocations_missing(session: Session) -> list[str]:
    """Revocations the audit log records that are gone from the registry (deleted, so that
    a stolen key would be trusted again)."""
    present = set(session.execute(select(StationKeyRevocation.key_id)).scalars())
    return [
        f"the revocation of the station key {entry.get('fingerprint', '?')} of "
        f"{entry.get('station', '?')} (by {entry.get('by', '?')}) is in the audit "
        "log but gone from the key registry: it was deleted outside BWC Desk"
        for entry in _audited(session, "station key revoked")
        if entry.get("key_id") and entry["key_id"] not in present
    ]

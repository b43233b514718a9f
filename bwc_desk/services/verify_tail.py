"""The end of a chain: what still shows that records after the head were deleted, and how far
something the database's writer cannot forge vouches for the chain.

The hash chain alone cannot tell its newest records deleted (with `chain_heads` fixed) from
records never written. Signed checkpoints catch it up to the newest one that is left
(store/trust.py). Beyond that, the database itself often still names the deleted records: a
camera's last record (`units.last_event_seq`), a checkout's issue and return
(`checkouts.issued_seq`, `returned_seq`), the custody heads the audit log recorded when the
heads were anchored, a verification ran or an evidence export linked a checkpoint. None of these
is signed (whoever deleted the records can fix them too), so they catch a careless truncation,
never prove that none happened: only a signed checkpoint, an anchor or a head kept outside
vouches for a record (:func:`covers`), and the verdict says up to which one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from bwc_desk.domain.ledger import ChainProblem, ChainReport, Tamper

_EVENTS = ("chain heads anchored", "verification run", "export")


@dataclass(frozen=True, slots=True)
class Cover:
    """The newest record of ``chain`` that something outside the database's reach vouches
    for: ``what`` says which (a signed checkpoint, an anchor, a head kept outside)."""

    chain: str
    seq: int
    what: str


@dataclass(frozen=True, slots=True)
class _Ref:
    seq: int
    digest: str | None  # the hash it names, if it names one
    what: str  # "camera HPD-3's last record", "the anchor DESK-1 wrote at T"


def check_tail(session: Session, report: ChainReport) -> ChainReport:
    """The custody chain (walked, sound, checked against its checkpoints) against every
    reference to one of its records elsewhere in the database: one past the head whose record
    is gone names the truncation; a hash the audit log recorded that the record no longer has
    names a rewrite."""
    if not report.ok:
        return report
    refs = _table_refs(session, report.head_seq) + _audit_refs(session)
    if not refs:
        return report
    found = _hashes(session, {r.seq for r in refs})
    gone = [r for r in refs if r.seq > report.head_seq and r.seq not in found]
    if gone:
        newest = max(r.seq for r in gone)
        shown: dict[str, _Ref] = {}
        for ref in sorted(gone, key=lambda r: -r.seq):
            shown.setdefault(ref.what.split(" ", 1)[0], ref)  # the newest of each kind
        named = "; ".join(f"{r.what} is #{r.seq}, which is gone" for r in shown.values())
        span = (f"#{report.head_seq + 1}" if newest == report.head_seq + 1
                else f"#{report.head_seq + 1} to #{newest}")
        return report.with_problem(ChainProblem(
            report.head_seq + 1,
            Tamper.TRUNCATED,
            f"records after #{report.head_seq} were deleted from the end (truncated; at least "
            f"{span}), and chain_heads set back: {named}",
        ))
    for ref in sorted(refs, key=lambda r: r.seq):
        actual = found.get(ref.seq)
        if ref.digest is not None and actual is not None and actual != ref.digest:
            return report.with_problem(ChainProblem(
                ref.seq,
                Tamper.REWRITTEN,
                f"the chain up to record #{ref.seq} was rewritten (hashes recomputed): "
                f"{ref.what} named it with another hash",
            ))
    return report


def _table_refs(session: Session, head: int) -> list[_Ref]:
    """Cameras' last records and checkouts' issues and returns beyond ``head`` (few or
    none: one scan of each table, no index needed)."""
    rows = session.execute(
        text(
            "SELECT 'unit', u.asset_tag, u.last_event_seq FROM units u "
            "WHERE u.last_event_seq > :head "
            "UNION ALL SELECT 'issued', u.asset_tag, c.issued_seq FROM checkouts c "
            "JOIN units u ON u.id = c.unit_id WHERE c.issued_seq > :head "
            "UNION ALL SELECT 'returned', u.asset_tag, c.returned_seq FROM checkouts c "
            "JOIN units u ON u.id = c.unit_id WHERE c.returned_seq > :head"
        ),
        {"head": head},
    ).all()
    words = {
        "unit": "camera {}'s last record (units.last_event_seq)",
        "issued": "checkout: the issue of {} (checkouts.issued_seq)",
        "returned": "checkout: the return of {} (checkouts.returned_seq)",
    }
    return [_Ref(int(seq), None, words[str(kind)].format(tag)) for kind, tag, seq in rows]


def _audit_refs(session: Session) -> list[_Ref]:
    """Custody heads the audit log recorded: anchors (record and hash), verification runs
    that found the chain sound (record and hash), evidence exports (the checkpoint linked)."""
    from bwc_desk.store.ledger import ts_text

    is_sqlite = session.get_bind().dialect.name == "sqlite"
    out: list[_Ref] = []
    rows = session.execute(
        text("SELECT seq, at, station, event, details FROM audit_log "
             "WHERE event IN :events").bindparams(bindparam("events", expanding=True)),
        {"events": list(_EVENTS)},
    ).all()
    for audit_seq, at, station, event, details in rows:
        try:
            entry: Any = json.loads(details or "{}")
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        when = f"{station} at {ts_text(at, is_sqlite)} (audit record #{audit_seq})"
        ref = _audit_ref(str(event), entry, when)
        if ref is not None:
            out.append(ref)
    return out


def _audit_ref(event: str, entry: dict[str, Any], when: str) -> _Ref | None:
    try:
        if event == "chain heads anchored":
            seq, digest = entry["custody"]
            return _Ref(int(seq), str(digest), f"anchored: the custody head anchored by {when}")
        if event == "verification run":
            custody = entry["custody"]
            if custody.get("problem") is not None:
                return None
            return _Ref(int(custody["count"]), str(custody["head"]),
                        f"verified: the custody head a verification found sound by {when}")
        if event == "export" and entry.get("what") == "evidence" and entry.get("checkpoint"):
            return _Ref(int(entry["checkpoint"]), None,
                        f"exported: the checkpoint an evidence export linked by {when}")
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return None


def _hashes(session: Session, seqs: set[int]) -> dict[int, str]:
    """The stored hash of each of ``seqs`` that is there now. Read after the references: a
    record is committed with (a camera, a checkout) or before (the audit log) whatever names
    it, so a record appended since the walk is found here, not taken for a deleted one."""
    wanted = sorted(s for s in seqs if s > 0)
    found: dict[int, str] = {}
    stmt = text("SELECT seq, hash FROM custody_events WHERE seq IN :seqs").bindparams(
        bindparam("seqs", expanding=True))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found.update({int(s): str(h) for s, h in session.execute(stmt, {"seqs": chunk})})
    return found


# --- what vouches for a chain ---------------------------------------------------------------


def signed_cover(session: Session, report: ChainReport) -> Cover | None:
    """The newest checkpoint of a sound chain (check_checkpoints has verified every one)."""
    from bwc_desk.store.ledger import ts_text

    if not report.ok:
        return None
    row = session.execute(
        text("SELECT seq, at, station FROM ledger_checkpoints WHERE chain = :chain AND "
             "seq > 0 AND seq <= :head ORDER BY seq DESC, at DESC LIMIT 1"),
        {"chain": report.chain, "head": report.head_seq},
    ).first()
    if row is None:
        return None
    is_sqlite = session.get_bind().dialect.name == "sqlite"
    return Cover(report.chain, int(row[0]),
                 f"the last head signed by {row[2]} at {ts_text(row[1], is_sqlite)}")


def anchor_covers(path: Path, database_id: str) -> list[Cover]:
    """The newest anchored head of each chain in the anchor file (or folder) ``path``; only
    called once every anchor there has held (services/anchors.check_anchors)."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    best: dict[str, Cover] = {}
    for file in files:
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            try:
                entry = json.loads(line)
                if not isinstance(entry, dict) or entry.get("database_id") != database_id:
                    continue
                signed = "signed, " if "signature" in entry else "unsigned, "
                for chain in ("custody", "audit", "identity"):
                    if chain not in entry:
                        continue
                    seq = int(entry[chain][0])
                    if seq > 0 and seq > (best[chain].seq if chain in best else 0):
                        best[chain] = Cover(chain, seq, (
                            f"anchored by {entry['station']} at {entry['at']} ({signed}"
                            f"{file.name})"))
            except (ValueError, KeyError, TypeError, IndexError):
                continue
    return list(best.values())


def newest(covers: list[Cover | None], chain: str) -> Cover | None:
    found = [c for c in covers if c is not None and c.chain == chain]
    return max(found, key=lambda c: c.seq, default=None)

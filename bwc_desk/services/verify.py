"""Verify records: walk the hash chains (custody, audit, identity) and say OK, or name the
first record that does not match and how (changed, missing, inserted; truncated, emptied,
rewritten or forged against the signed checkpoints, or truncated against what the database
still names: services/verify_tail.py), and every officer or camera row that differs from the
identity chain. The verdict says how far that is proven: up to the newest record a signed
checkpoint, an anchor or a head kept outside vouches for, never "nothing was removed"."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.ledger import ChainReport
from bwc_desk.domain.roles import Permission
from bwc_desk.services import audit
from bwc_desk.services.context import Ctx
from bwc_desk.services.verify_tail import Cover, anchor_covers, check_tail, newest, signed_cover
from bwc_desk.store.checkpoints import checkpoint_count
from bwc_desk.store.db import Database
from bwc_desk.store.identity import verify_identity
from bwc_desk.store.ledger import AUDIT, CUSTODY, recorded_head, verify_audit, verify_custody
from bwc_desk.store.trust import check_checkpoints, keys_missing, load_trust


@dataclass(frozen=True, slots=True)
class VerifyResult:
    custody: ChainReport
    audit: ChainReport
    identity: ChainReport | None = None
    # What is wrong outside the chains' own records: station keys, officer and camera rows
    # that differ from the identity chain, anchors kept outside.
    findings: tuple[str, ...] = ()
    checkpoints: int = 0
    # Per chain, the newest record something outside the database's reach vouches for.
    covers: tuple[Cover, ...] = ()
    # What is not proven although every record matches (no station key signs anything).
    warning: str = ""

    @property
    def ok(self) -> bool:
        chains_ok = self.custody.ok and self.audit.ok
        return chains_ok and (self.identity is None or self.identity.ok) and not self.findings

    def lines(self) -> list[str]:
        out = [self.custody.summary(), self.audit.summary()]
        if self.identity is not None:
            out.append(self.identity.summary())
        out += [f"FAILED: {finding}" for finding in self.findings]
        return out

    def verdict(self) -> list[str]:
        """What was proven, in words (the command line prints it, the dialog shows it): the
        headline, then how far each sound chain is vouched for, then what is not proven and
        how to prove it. Never "nothing was removed": a chain's newest records can be
        deleted without a trace in the database once nothing outside it covers them."""
        if self.ok and self.warning:
            out = ["WARNING: every record matches its hash and links to the one before it, "
                   f"but {self.warning}"]
        elif self.ok:
            out = ["OK: every record matches its hash and links to the one before it."]
        else:
            out = ["VERIFICATION FAILED: the first problem of each chain is on its FAILED "
                   "line. Keep this text, tell your administrator, and restore from a backup "
                   "that verifies."]
        chains = [self.custody, self.audit] + ([self.identity] if self.identity else [])
        for report in chains:
            if report.ok:
                out.append(_vouched(report, next(
                    (c for c in self.covers if c.chain == report.chain), None)))
        out.append(
            "Records that no signed checkpoint, anchor or head kept outside covers can be "
            "deleted from the end of a chain (chain_heads set back) without a trace the "
            "database can vouch for. To prove none was, check against a head kept outside "
            "it: bwc-desk verify --expect-custody SEQ:HASH --expect-audit SEQ:HASH "
            "(the heads Verify records prints, saves and prints, and every printed report's "
            "footer), or the anchor files: bwc-desk verify --anchors FOLDER (docs/ledger.md, "
            "Anchors)."
        )
        return out


_NOUN = {CUSTODY: "custody", AUDIT: "audit", "identity": "identity"}
_UNPROVEN = (
    "so nothing shows whether records were deleted from the end of a chain, or every "
    "record rewritten, by whoever can write the database. "
)
NO_KEY = (
    "no station key is registered: no checkpoint is signed, " + _UNPROVEN
    + "Whoever set up the agency registers its trust root on one station PC: bwc-desk keys "
    "init-root --station NAME --as ADMIN (on PostgreSQL with the database owner's "
    "connection: docs/deploy-multi-station.md)."
)
NO_ACTIVE_KEY = (
    "every registered station key was revoked: nothing new is signed, " + _UNPROVEN
    + "Whoever set up the agency registers a new trust root on a station PC: bwc-desk keys "
    "init-root --station NAME --reason TEXT --as ADMIN (on PostgreSQL with the database "
    "owner's connection: docs/ledger.md, Keys)."
)


def _vouched(report: ChainReport, cover: Cover | None) -> str:
    noun = _NOUN.get(report.chain, report.chain)
    if report.head_seq == 0:
        return (f"The {noun} chain is empty; nothing outside this database shows whether it "
                "ever held records.")
    if cover is None:
        return (f"{noun.capitalize()} records #1 to #{report.head_seq} rest on this database "
                "alone: no signed checkpoint, anchor or head kept outside covers them, so "
                "whoever can write the database could have deleted the newest or rewritten "
                "them all without a trace here.")
    line = (f"No {noun} record was changed, removed or slipped in up to #{cover.seq}, "
            f"{cover.what}.")
    if cover.seq < report.head_seq:
        line += (f" Records #{cover.seq + 1} to #{report.head_seq} "
                 f"({report.head_seq - cover.seq}) rest on this database alone: nothing "
                 "outside it vouches for them yet.")
    return line


@dataclass(frozen=True, slots=True)
class ChainHeads:
    """What an auditor copies out of the building: count and head hash of each chain."""

    custody_seq: int
    custody_hash: str
    audit_seq: int
    audit_hash: str
    station: str
    database: str
    at: str

    def text(self) -> str:
        return (
            "BWC Desk chain heads\n"
            f"Database: {self.database}\nStation: {self.station}\nTaken at (UTC): {self.at}\n"
            f"Custody ledger: record #{self.custody_seq}, SHA-256 {self.custody_hash}\n"
            f"Audit log:      record #{self.audit_seq}, SHA-256 {self.audit_hash}\n"
            "Keep this outside the station PC. `bwc-desk verify --expect-custody "
            f"{self.custody_seq}:{self.custody_hash} --expect-audit "
            f"{self.audit_seq}:{self.audit_hash}` later proves that nothing up to these "
            "records was rewritten or removed.\n"
        )


def check_database(
    db: Database,
    expect_custody: tuple[int, str] | None = None,
    expect_audit: tuple[int, str] | None = None,
    anchors: Path | None = None,
) -> VerifyResult:
    """Walk every chain of a database (also one that is not open in the app: a backup),
    check the signed checkpoints against them, and the officer and camera tables against
    the identity chain."""
    with db.read() as session:
        trust = load_trust(session)
        custody = check_tail(session, check_checkpoints(session, verify_custody(session), trust))
        audit_report = check_checkpoints(session, verify_audit(session), trust)
        identity_chain, identity_rows = verify_identity(session)
        identity_report = check_checkpoints(session, identity_chain, trust)
        count = checkpoint_count(session)
        missing = keys_missing(session)
        covers: list[Cover | None] = [
            signed_cover(session, r) for r in (custody, audit_report, identity_report)
        ]
        dbid = trust.database_id
    warning = "" if trust.active() else NO_ACTIVE_KEY if trust.keys else NO_KEY
    findings = list(trust.problems) + missing + identity_rows
    for expected, name in ((expect_custody, CUSTODY), (expect_audit, AUDIT)):
        report = custody if name == CUSTODY else audit_report
        if expected is None or not report.ok:
            continue
        report = _against(report, expected, db)
        if report.ok and expected[0] > 0:
            option = "--expect-custody" if name == CUSTODY else "--expect-audit"
            covers.append(Cover(name, expected[0], f"the head kept outside ({option})"))
        if name == CUSTODY:
            custody = report
        else:
            audit_report = report
    if anchors is not None:
        from bwc_desk.services.anchors import check_anchors

        anchor_problems = check_anchors(db, anchors)
        findings += anchor_problems
        if not anchor_problems:
            covers += anchor_covers(anchors, dbid)
    chains = (custody, audit_report, identity_report)
    best = tuple(c for c in (newest(covers, r.chain) for r in chains if r.ok) if c is not None)
    return VerifyResult(custody, audit_report, identity_report, tuple(findings), count, best,
                        warning)


def _against(report: ChainReport, expected: tuple[int, str], db: Database) -> ChainReport:
    """Compare with a head kept outside: the record at that seq must still have that hash."""
    from sqlalchemy import select

    from bwc_desk.domain.ledger import ChainProblem, Tamper
    from bwc_desk.store.models import AuditRecord, CustodyEvent

    table = CustodyEvent if report.chain == CUSTODY else AuditRecord
    seq, digest = expected
    with db.read() as session:
        found = session.execute(
            select(table.hash).where(table.seq == seq)
        ).scalar_one_or_none()
    if found is None:
        problem = ChainProblem(
            seq, Tamper.MISSING, f"record #{seq} (the head kept outside) is missing"
        )
    elif found != digest:
        problem = ChainProblem(
            seq,
            Tamper.CHANGED,
            f"the chain up to record #{seq} was "
            "rewritten: its hash differs from the head kept outside",
        )
    else:
        return report
    return ChainReport(report.chain, report.count, report.head_seq, report.head_hash, problem)


def check_records(
    ctx: Ctx,
    expect_custody: tuple[int, str] | None = None,
    expect_audit: tuple[int, str] | None = None,
) -> VerifyResult:
    """Verify records in the app, the walk itself: reads only (it runs on a read worker).
    The agency's anchor file, when there is one, is checked too (and vouches for the heads
    it anchored)."""
    ctx.require(Permission.VERIFY, "verify records")
    return check_database(ctx.db, expect_custody, expect_audit, anchor_file_of(ctx))


def anchor_file_of(ctx: Ctx) -> Path | None:
    """This database's file in the agency's anchor folder, if it is there (a share that
    cannot be reached, or no anchor yet, is not a failed verification)."""
    from bwc_desk.services.anchors import anchor_file, anchor_folder
    from bwc_desk.store.checkpoints import database_id

    folder = anchor_folder(ctx)
    if folder is None:
        return None
    with ctx.db.read() as session:
        path = anchor_file(folder, database_id(session))
    try:
        return path if path.is_file() else None
    except OSError:
        return None


def _chain_details(report: ChainReport) -> dict[str, Any]:
    return {
        "count": report.count,
        "head": report.head_hash,
        "problem": report.problem.message if report.problem else None,
    }


def result_details(result: VerifyResult) -> dict[str, Any]:
    """What the audit log keeps of a run (services/verify_tail.py reads a sound custody
    head back from it): each chain's count, head and problem, findings, the warning."""
    details: dict[str, Any] = {
        "custody": _chain_details(result.custody),
        "audit": _chain_details(result.audit),
    }
    if result.identity is not None:
        details["identity"] = _chain_details(result.identity)
    if result.findings:
        details["findings"] = list(result.findings[:20])
    if result.warning:
        details["warning"] = result.warning
    return details


def verdict_word(result: VerifyResult) -> str:
    """'ok', 'warning' (every record matches, but nothing signs them) or 'failed'."""
    return "failed" if not result.ok else "warning" if result.warning else "ok"


def result_json(result: VerifyResult) -> dict[str, Any]:
    """`bwc-desk verify --json`: the verdict for a program (the app's automatic daily run
    reads it): what was proven, the first altered record, in verify's own words."""
    failed = [line for line in result.lines() if "FAILED" in line]
    verdict_lines = result.verdict()
    return {
        "verdict": verdict_word(result),
        "headline": verdict_lines[0],
        "first_problem": failed[0] if failed else None,
        "lines": result.lines(),
        "verdict_lines": verdict_lines,
        "covers": [{"chain": c.chain, "seq": c.seq, "what": c.what} for c in result.covers],
        "checkpoints": result.checkpoints,
        **result_details(result),
    }


def record_verification(ctx: Ctx, result: VerifyResult) -> None:
    """The verification run, written to the audit log with its result (a write of its own,
    after the walk)."""
    ctx.require(Permission.VERIFY, "verify records")
    audit.record(ctx, AuditEvent.VERIFY, Outcome.OK if result.ok else Outcome.FAILED,
                 result_details(result))


def verify_records(ctx: Ctx, expect_custody: tuple[int, str] | None = None) -> VerifyResult:
    """Walk both chains and audit the run (for callers that may write)."""
    result = check_records(ctx, expect_custody)
    record_verification(ctx, result)
    return result


def chain_heads(ctx: Ctx) -> ChainHeads:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        custody = recorded_head(session, CUSTODY) or (0, "0" * 64)
        audit_head = recorded_head(session, AUDIT) or (0, "0" * 64)
    from bwc_desk.domain.ledger import format_ts

    return ChainHeads(
        custody[0],
        custody[1],
        audit_head[0],
        audit_head[1],
        ctx.station,
        ctx.db.display,
        format_ts(ctx.now()),
    )

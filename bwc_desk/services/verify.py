"""Verify records: walk the hash chains (custody, audit, identity) and say OK, or name the
first record that does not match and how (changed, missing, inserted; truncated, emptied,
rewritten or forged against the signed checkpoints), and every officer or camera row that
differs from the identity chain."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.ledger import ChainReport
from bwc_desk.domain.roles import Permission
from bwc_desk.services import audit
from bwc_desk.services.context import Ctx
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
        custody = check_checkpoints(session, verify_custody(session), trust)
        audit_report = check_checkpoints(session, verify_audit(session), trust)
        identity_chain, identity_rows = verify_identity(session)
        identity_report = check_checkpoints(session, identity_chain, trust)
        count = checkpoint_count(session)
        missing = keys_missing(session)
    findings = list(trust.problems) + missing + identity_rows
    if expect_custody is not None and custody.ok:
        custody = _against(custody, expect_custody, db)
    if expect_audit is not None and audit_report.ok:
        audit_report = _against(audit_report, expect_audit, db)
    if anchors is not None:
        from bwc_desk.services.anchors import check_anchors

        findings += check_anchors(db, anchors)
    return VerifyResult(custody, audit_report, identity_report, tuple(findings), count)


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
    """Verify records in the app, the walk itself: reads only (it runs on a read worker)."""
    ctx.require(Permission.VERIFY, "verify records")
    return check_database(ctx.db, expect_custody, expect_audit)


def record_verification(ctx: Ctx, result: VerifyResult) -> None:
    """The verification run, written to the audit log with its result (a write of its own,
    after the walk)."""
    ctx.require(Permission.VERIFY, "verify records")
    details: dict[str, Any] = {
        "custody": {
            "count": result.custody.count,
            "head": result.custody.head_hash,
            "problem": result.custody.problem.message if result.custody.problem else None,
        },
        "audit": {
            "count": result.audit.count,
            "head": result.audit.head_hash,
            "problem": result.audit.problem.message if result.audit.problem else None,
        },
    }
    if result.identity is not None:
        details["identity"] = {
            "count": result.identity.count,
            "head": result.identity.head_hash,
            "problem": result.identity.problem.message if result.identity.problem else None,
        }
    if result.findings:
        details["findings"] = list(result.findings[:20])
    audit.record(ctx, AuditEvent.VERIFY, Outcome.OK if result.ok else Outcome.FAILED, details)


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

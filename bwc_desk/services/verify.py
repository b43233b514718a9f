"""Verify records: walk both hash chains and say OK, or name the first record that does not
match and how (changed, missing, inserted)."""

from __future__ import annotations

from dataclasses import dataclass

from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.ledger import ChainReport
from bwc_desk.domain.roles import Permission
from bwc_desk.services import audit
from bwc_desk.services.context import Ctx
from bwc_desk.store.db import Database
from bwc_desk.store.ledger import AUDIT, CUSTODY, recorded_head, verify_audit, verify_custody


@dataclass(frozen=True, slots=True)
class VerifyResult:
    custody: ChainReport
    audit: ChainReport

    @property
    def ok(self) -> bool:
        return self.custody.ok and self.audit.ok

    def lines(self) -> list[str]:
        return [self.custody.summary(), self.audit.summary()]


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
            f"{self.custody_seq}:{self.custody_hash}` later proves that nothing up to this "
            "record was rewritten.\n"
        )


def check_database(db: Database, expect_custody: tuple[int, str] | None = None) -> VerifyResult:
    """Walk both chains of a database (also one that is not open in the app: a backup)."""
    with db.read() as session:
        custody = verify_custody(session)
        audit_report = verify_audit(session)
    if expect_custody is not None and custody.ok:
        custody = _against(custody, expect_custody, db)
    return VerifyResult(custody, audit_report)


def _against(report: ChainReport, expected: tuple[int, str], db: Database) -> ChainReport:
    """Compare with a head kept outside: the record at that seq must still have that hash."""
    from sqlalchemy import select

    from bwc_desk.domain.ledger import ChainProblem, Tamper
    from bwc_desk.store.models import CustodyEvent

    seq, digest = expected
    with db.read() as session:
        found = session.execute(
            select(CustodyEvent.hash).where(CustodyEvent.seq == seq)
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


def verify_database(url: str, expect_custody: tuple[int, str] | None = None) -> VerifyResult:
    """`bwc-desk verify`: the database (or a backup, or a copy) is opened read-only and
    nothing is written to it, not even the record of this run. A missing file is refused,
    not created; an empty or damaged one is reported as damaged."""
    from bwc_desk.services.startup import open_read_only

    db = open_read_only(url)
    try:
        return check_database(db, expect_custody)
    finally:
        db.dispose()


def check_records(ctx: Ctx, expect_custody: tuple[int, str] | None = None) -> VerifyResult:
    """Verify records in the app, the walk itself: reads only (it runs on a read worker)."""
    ctx.require(Permission.VERIFY, "verify records")
    return check_database(ctx.db, expect_custody)


def record_verification(ctx: Ctx, result: VerifyResult) -> None:
    """The verification run, written to the audit log with its result (a write of its own,
    after the walk)."""
    ctx.require(Permission.VERIFY, "verify records")
    details = {
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

"""The automatic daily verification: whether one is due, the claim of the day's run, the
command of the child process that walks the chains (`bwc-desk verify --json`, never on a
thread of the window's process: 10-17 s of pure Python at 2,000,000 records would hold the
interpreter), its output read back, and the outcome in the audit log.

Once a day per database, not per station: the newest automatic run at any station counts,
so two stations on one PostgreSQL server do not both run it the same day. A station claims
the run first ("automatic verification started", in the write transaction that found it
due: writers take turns, so only one claims it); a claim holds for CLAIM_FOR, then a run
that never finished (the app closed meanwhile) is due again. The outcome is a "verification
run" record like Verify records' own, with ``automatic`` and ``verdict`` in its details, so
a sound custody head it found serves later verifications as one (services/verify_tail.py).
A run that could not run (``error``) is tried again after RETRY_AFTER."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.roles import Permission
from bwc_desk.services import audit
from bwc_desk.services.context import SYSTEM, Ctx
from bwc_desk.services.settings import read_settings
from bwc_desk.services.verify import anchor_file_of
from bwc_desk.store.models import AuditRecord

EVERY = timedelta(days=1)
RETRY_AFTER = timedelta(hours=1)  # a run that could not run is tried again this soon
CLAIM_FOR = timedelta(hours=1)  # a run claimed at another station holds off this long
OK, WARNING, FAILED, ERROR = "ok", "warning", "failed", "error"
VERDICTS = (OK, WARNING, FAILED, ERROR)
# How the child learns the database: the URL the app resolved, in its environment (readable
# by this user only), never on its command line (anyone on the PC can read that).
URL_VARIABLE = "BWC_DESK_DATABASE_URL"
_WALK = 200  # verification records looked at, newest first, for the newest automatic one
_TEXT = 600  # characters kept of a headline or problem


@dataclass(frozen=True, slots=True)
class VerifyOutcome:
    """What a run found: ok, warning (every record matches but nothing signs them), failed
    (``first_problem`` names the first altered record) or error (could not run)."""

    verdict: str
    headline: str
    first_problem: str = ""
    details: dict[str, Any] = field(default_factory=dict)  # the chains, as verify records them


@dataclass(frozen=True, slots=True)
class VerifyStatus:
    """One verification in the audit log (automatic, or Verify records by a person)."""

    at: datetime
    station: str
    verdict: str
    headline: str
    first_problem: str = ""
    automatic: bool = False


@dataclass(frozen=True, slots=True)
class Standing:
    """What the window shows: ``decisive`` is the newest verification that ran to a verdict
    (a FAILED stays until a later one passes); ``latest`` the newest of all, which may be one
    that could not run."""

    decisive: VerifyStatus | None
    latest: VerifyStatus | None


@dataclass(frozen=True, slots=True)
class ChildCommand:
    argv: tuple[str, ...]
    env: dict[str, str]  # added to the app's own environment


def is_due(last: VerifyStatus | None, claimed: datetime | None, now: datetime) -> bool:
    """Due when no automatic run finished yet, or the newest is a day old (an hour when it
    could not run), unless another run was claimed less than CLAIM_FOR ago."""
    if claimed is not None and now - claimed < CLAIM_FOR:
        return False
    if last is None:
        return True
    return now - last.at >= (RETRY_AFTER if last.verdict == ERROR else EVERY)


def _status(row: Any) -> VerifyStatus:
    """A "verification run" record read back: the automatic run's own verdict, or the
    verdict of a person's Verify records derived from its outcome and details."""
    try:
        details = json.loads(row.details or "{}")
    except ValueError:
        details = {}
    if not isinstance(details, dict):
        details = {}
    verdict = str(details.get("verdict", ""))
    if verdict not in VERDICTS:
        failed = row.outcome != Outcome.OK.value
        verdict = FAILED if failed else WARNING if details.get("warning") else OK
    problem = str(details.get("first_problem") or "")
    if not problem and verdict == FAILED:
        problem = _first_problem(details)
    headline = str(details.get("headline") or "")
    return VerifyStatus(row.at, row.station, verdict, headline, problem,
                        bool(details.get("automatic")))


def _first_problem(details: dict[str, Any]) -> str:
    for chain in ("custody", "audit", "identity"):
        entry = details.get(chain)
        if isinstance(entry, dict) and entry.get("problem"):
            return f"{chain}: FAILED: {entry['problem']}"
    findings = details.get("findings")
    if isinstance(findings, list) and findings:
        return f"FAILED: {findings[0]}"
    return ""


def _rows(session: Session) -> Any:
    return session.execute(
        select(AuditRecord.at, AuditRecord.event, AuditRecord.station, AuditRecord.outcome,
               AuditRecord.details)
        .where(AuditRecord.event.in_([AuditEvent.VERIFY.value, AuditEvent.VERIFY_STARTED.value]))
        .order_by(AuditRecord.seq.desc())
        .limit(_WALK)
    )


def _last_automatic(session: Session) -> tuple[VerifyStatus | None, datetime | None]:
    """The newest finished automatic run, and a claim made after it (if any)."""
    claimed: datetime | None = None
    for row in _rows(session):
        if row.event == AuditEvent.VERIFY_STARTED.value:
            claimed = claimed or row.at
            continue
        status = _status(row)
        if status.automatic:
            return status, claimed
    return None, claimed


def last_automatic(ctx: Ctx) -> VerifyStatus | None:
    """The newest automatic run (Verify records shows it)."""
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        return _last_automatic(session)[0]


def due(ctx: Ctx) -> bool:
    """Whether this station should start the automatic verification now (a read only)."""
    with ctx.db.read() as session:
        if not read_settings(session).verify_daily:
            return False
        last, claimed = _last_automatic(session)
    return is_due(last, claimed, ctx.now())


def claim(ctx: Ctx) -> bool:
    """Claim the day's automatic run for this station if it is due (False: not due, turned
    off in Agency settings, or another station claimed it first). Recorded for the station's
    system actor, in one write transaction: two stations never both claim it."""
    with ctx.db.write() as session:
        if not read_settings(session).verify_daily:
            return False
        last, claimed = _last_automatic(session)
        if not is_due(last, claimed, ctx.now()):
            return False
        audit.write(session, station=ctx.station, at=ctx.now(), actor=SYSTEM,
                    event=AuditEvent.VERIFY_STARTED,
                    details={"automatic": True, "pid": os.getpid()})
    return True


def standing(ctx: Ctx) -> Standing:
    """The newest verification (automatic or a person's), and the newest with a verdict."""
    ctx.require(Permission.READ)
    latest: VerifyStatus | None = None
    with ctx.db.read() as session:
        for row in _rows(session):
            if row.event != AuditEvent.VERIFY.value:
                continue
            status = _status(row)
            latest = latest or status
            if status.verdict != ERROR:
                return Standing(status, latest)
    return Standing(None, latest)


def child_command(ctx: Ctx, executable: str | None = None,
                  frozen: bool | None = None) -> ChildCommand:
    """`bwc-desk verify --json` for the database this app has open: ``python -m bwc_desk``
    from source (this package first on its path), the bundle's own program when frozen (on
    Windows its console twin, whose standard output can be read). The agency's anchor file
    is checked too, as Verify records does."""
    exe = executable or sys.executable
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    env = {URL_VARIABLE: ctx.db.url.render_as_string(hide_password=False)}
    if frozen:
        twin = Path(exe).with_name("bwc-desk-cli.exe")
        if os.name == "nt" and twin.is_file():
            exe = str(twin)
        argv = [exe, "verify", "--json"]
    else:
        argv = [exe, "-m", "bwc_desk", "verify", "--json"]
        here = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (here, os.environ.get("PYTHONPATH", "")) if p)
    anchors = anchor_file_of(ctx.as_actor(SYSTEM))
    if anchors is not None:
        argv += ["--anchors", str(anchors)]
    return ChildCommand(tuple(argv), env)


def _clip(value: Any) -> str:
    text = str(value or "")
    return text if len(text) <= _TEXT else text[: _TEXT - 3] + "..."


def _chain(entry: Any) -> dict[str, Any] | None:
    if not isinstance(entry, dict):
        return None
    try:
        problem = entry.get("problem")
        return {"count": int(entry["count"]), "head": str(entry["head"])[:64],
                "problem": None if problem is None else _clip(problem)}
    except (KeyError, TypeError, ValueError):
        return None


def parse_output(stdout: str, returncode: int | None, stderr: str = "") -> VerifyOutcome:
    """The child's JSON read back; anything else (a crash, a kill) is a run that could not
    run, with the end of what it wrote to standard error."""
    body: Any = None
    for text in (stdout.strip(), *reversed(stdout.strip().splitlines())):
        try:
            body = json.loads(text)
            break
        except ValueError:
            continue
    if not isinstance(body, dict) or body.get("verdict") not in VERDICTS:
        tail = stderr.strip().splitlines()[-3:]
        why = " / ".join(tail) if tail else f"it ended with exit code {returncode}"
        return VerifyOutcome(ERROR, _clip(f"Verification could not run: {why}"))
    details: dict[str, Any] = {}
    for chain in ("custody", "audit", "identity"):
        entry = _chain(body.get(chain))
        if entry is not None:
            details[chain] = entry
    findings = body.get("findings")
    if isinstance(findings, list) and findings:
        details["findings"] = [_clip(f) for f in findings[:20]]
    if body.get("warning"):
        details["warning"] = _clip(body["warning"])
    verdict = str(body["verdict"])
    if verdict in (OK, WARNING, FAILED) and "custody" not in details:
        return VerifyOutcome(ERROR, "Verification could not run: its output names no chain")
    return VerifyOutcome(verdict, _clip(body.get("headline")), _clip(body.get("first_problem")),
                         details)


def record(ctx: Ctx, outcome: VerifyOutcome) -> VerifyStatus:
    """The automatic run's outcome in the audit log, for the station's system actor (a
    "verification run", as Verify records writes one)."""
    details = {**outcome.details, "automatic": True, "verdict": outcome.verdict,
               "headline": outcome.headline}
    if outcome.first_problem:
        details["first_problem"] = outcome.first_problem
    ok = outcome.verdict in (OK, WARNING)
    at = ctx.now()
    audit.record(ctx.as_actor(SYSTEM), AuditEvent.VERIFY, Outcome.OK if ok else Outcome.FAILED,
                 details)
    return VerifyStatus(at, ctx.station, outcome.verdict, outcome.headline,
                        outcome.first_problem, True)

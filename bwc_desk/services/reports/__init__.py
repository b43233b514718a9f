"""The reports a chief signs: compliance, fleet health, utilization, lifecycle and cost, the
annual report. One function computes each (GROUP BY in the database); ``run_report`` checks
the role, reads, stamps both ledger heads and records who made it (docs/reports.md)."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import nullcontext, suppress
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from bwc_desk.adapters.staged import STAGED, sha256_of
from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import ValidationError
from bwc_desk.domain.ledger import format_ts, heads_footer
from bwc_desk.domain.roles import Permission
from bwc_desk.services import audit, repairs
from bwc_desk.services.context import Ctx
from bwc_desk.services.reports.compliance import compliance
from bwc_desk.services.reports.fleet import fleet
from bwc_desk.services.reports.lifecycle import annual, lifecycle, money
from bwc_desk.services.reports.model import (
    Chart,
    ChartKind,
    ReportRequest,
    ReportResult,
    Series,
    Table,
)
from bwc_desk.services.reports.periods import Period, period
from bwc_desk.services.reports.utilization import utilization
from bwc_desk.services.settings import AgencySettings, read_settings
from bwc_desk.store.ledger import AUDIT, CUSTODY, recorded_head
from bwc_desk.store.stopping import Stop, stoppable

__all__ = ["REPORTS", "Chart", "ChartKind", "ReportRequest", "ReportResult", "Series", "Stop",
           "Table", "compute", "export_report", "run_report", "write_report"]

Parts = tuple[tuple[Table, ...], tuple[Chart, ...], tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class ReportKind:
    name: str
    title: str
    compute: Callable[[Session, Period, AgencySettings, ReportRequest], Parts]
    default_days: int = 30
    uses_shift: bool = False


def _annual_period(req: ReportRequest, today: date) -> tuple[date | None, date | None]:
    if req.date_from or req.date_to:
        return req.date_from, req.date_to
    year = today.year - 1  # the last whole year
    return date(year, 1, 1), date(year, 12, 31)


REPORTS: dict[str, ReportKind] = {
    k.name: k
    for k in (
        ReportKind("compliance", "Compliance per day and shift",
                   lambda s, p, st, r: compliance(s, p, st.shifts, r.shift), uses_shift=True),
        ReportKind("fleet", "Fleet health",
                   lambda s, p, st, r: fleet(s, p, st.target_firmware.strip()), 90),
        ReportKind("utilization", "Utilization",
                   lambda s, p, st, r: utilization(s, p, r.idle_days)),
        ReportKind("lifecycle", "Lifecycle and cost",
                   lambda s, p, st, r: lifecycle(s, p), 1),
        ReportKind("annual", "Annual report", lambda s, p, st, r: annual(s, p), 365),
    )
}


def compute(session: Session, ctx: Ctx, req: ReportRequest) -> ReportResult:
    """The report from an open session, no role check and no audit (``run_report`` does
    both)."""
    kind = REPORTS.get(req.name)
    if kind is None:
        raise ValidationError(f"There is no report called {req.name!r}; the reports are: "
                              f"{', '.join(REPORTS)}.")
    settings = read_settings(session)
    if req.shift is not None and not kind.uses_shift:
        raise ValidationError(f"--shift belongs to the compliance report, not {req.name}.")
    shift = None
    if req.shift is not None:
        names = {s.name.lower(): s.name for s in settings.shifts}
        shift = names.get(req.shift.strip().lower())
        if shift is None:
            raise ValidationError(f"There is no shift called {req.shift!r}; the agency's "
                                  f"shifts are {', '.join(s.name for s in settings.shifts)}.")
    if req.idle_days < 1:
        raise ValidationError("The idle days are at least 1.")
    today = ctx.now().astimezone(ctx.zone).date()
    first, last = (_annual_period(req, today) if req.name == "annual"
                   else (req.date_from, req.date_to))
    p = period(first, last, today, ctx.zone, kind.default_days)
    tables, charts, notes = kind.compute(session, p, settings,
                                         ReportRequest(req.name, p.first, p.last, shift,
                                                       req.idle_days))
    custody = recorded_head(session, CUSTODY) or (0, "")
    audit_head = recorded_head(session, AUDIT) or (0, "")
    actor = ctx.actor
    return ReportResult(
        name=kind.name,
        title=kind.title + (f" - {shift} shift" if shift else ""),
        period=p.text(),
        date_from=p.first,
        date_to=p.last,
        shift=shift,
        tables=tables,
        charts=charts,
        footer=heads_footer(custody, audit_head),
        made_by=actor.describe() if actor else "",
        station=ctx.station,
        made_at=format_ts(ctx.now()),
        notes=notes,
    )


def run_report(ctx: Ctx, req: ReportRequest, stop: Stop | None = None) -> ReportResult:
    """Supervisors, administrators and auditors. The audit record is written once the report
    is computed, and the footer's audit head includes the record of this very report.
    ``stop`` (the Reports tab's Cancel, from the main thread) ends the reads where they are
    (CancelledError) until the audit record is written: a cancelled report is not
    recorded."""
    actor = ctx.require(Permission.REPORTS, "produce reports")
    with ctx.db.read() as session, (stoppable(session, stop) if stop else nullcontext()):
        result = compute(session, ctx, req)
    if stop is not None:
        stop.check()
    if result.name == "fleet":
        result = with_repair_cases(ctx, result)
    if stop is not None:
        stop.check()
    audit.record(ctx, AuditEvent.REPORT, details={
        "report": result.name,
        "from": result.date_from.isoformat(),
        "to": result.date_to.isoformat(),
        "shift": result.shift,
    }, actor=actor)
    with ctx.db.read() as session:
        custody = recorded_head(session, CUSTODY) or (0, "")
        audit_head = recorded_head(session, AUDIT) or (0, "")
    return replace(result, footer=heads_footer(custody, audit_head))


def with_repair_cases(ctx: Ctx, result: ReportResult) -> ReportResult:
    """The fleet report with the repair log's cases per model (services/repairs.py): what
    was reported, where from, how it ended, what it cost."""
    p = period(result.date_from, result.date_to, result.date_to, ctx.zone)
    rows = repairs.failures_by_model(ctx, p.start_utc, p.end_utc)
    table = Table(
        "repairs", "Repair cases per model (the repair log)",
        ("model", "cameras", "cases", "from_function_tests", "from_damaged_returns",
         "from_inspections", "reported_by_hand", "still_open", "back", "replaced",
         "written_off", "cost", "mean_days_to_close"),
        tuple(
            (r.model or "(no model)", r.cameras, r.cases, r.function_test, r.damaged_return,
             r.inspection, r.manual, r.still_open, r.back, r.replaced, r.written_off,
             money(r.cost_cents, r.currency),
             "" if r.mean_days_closed is None else r.mean_days_closed)
            for r in rows
        ),
    )
    chart = Chart(ChartKind.BAR, "Repair cases per model", tuple(r.model for r in rows),
                  (Series("cases", tuple(float(r.cases) for r in rows)),
                   Series("still open", tuple(float(r.still_open) for r in rows))), "cases")
    return replace(result, tables=(*result.tables, table), charts=(*result.charts, chart))


def write_report(ctx: Ctx, req: ReportRequest, path: Path) -> tuple[ReportResult, list[Path]]:
    """Run the report and write it as PDF (tables and charts, ledger heads on every page) or
    CSV (one file per table: FILE.csv, FILE-<table>.csv). Returns the files written."""
    from bwc_desk.services.reports.output import write_csv_files, write_pdf_file

    suffix = _check_target(path)
    _check_writable(path)  # (before the report is computed and recorded as produced)
    result = run_report(ctx, req)
    files = write_pdf_file(result, path) if suffix == ".pdf" else write_csv_files(result, path)
    return result, files


def export_report(ctx: Ctx, result: ReportResult, path: Path) -> list[Path]:
    """The report on the screen written as it is (Export in the Reports tab: not computed
    again, its footer's ledger heads those of when it was made), as PDF or CSV like
    ``write_report``, and recorded in the audit log as an export of that report (who made
    it, where, its footer) with each file's SHA-256. The files are written beside their
    names and put in place, in order, once the record is written; a file that cannot be
    replaced (open in a spreadsheet on Windows) is found before anything is written or
    recorded. Returns the files written."""
    from bwc_desk.adapters.csvfile import write_csv
    from bwc_desk.services.reports.output import csv_paths, write_pdf_file

    actor = ctx.require(Permission.REPORTS, "export reports")
    suffix = _check_target(path)
    _check_writable(path)
    paths = [path] if suffix == ".pdf" else csv_paths(result, path)
    _check_replaceable(paths)
    temps = [p.with_name(p.name + STAGED) for p in paths]
    try:
        try:
            if suffix == ".pdf":
                write_pdf_file(result, temps[0])
            else:
                for table, tmp in zip(result.tables, temps, strict=True):
                    write_csv(tmp, table.columns, table.rows)
        except OSError as exc:
            raise ValidationError(
                f"Cannot write {path}: {exc.strerror or exc}. Nothing was exported; choose "
                "another folder (or free some space) and export again."
            ) from None
        audit.record(ctx, AuditEvent.EXPORT, details={
            "what": f"{result.title} report",
            "report": result.name,
            "from": result.date_from.isoformat(),
            "to": result.date_to.isoformat(),
            "shift": result.shift,
            "made_by": result.made_by,
            "made_at": result.made_at,
            "made_at_station": result.station,
            "heads": result.footer,
            "rows": sum(len(t.rows) for t in result.tables),
            "file": path.name,
            "files": {p.name: sha256_of(t) for p, t in zip(paths, temps, strict=True)},
        }, actor=actor)
        placed: list[Path] = []
        for target, tmp in zip(paths, temps, strict=True):
            try:
                os.replace(tmp, target)
            except OSError as exc:
                left = ", ".join(p.name for p in paths[len(placed):])
                raise ValidationError(
                    f"Cannot write {target}: {exc.strerror or exc}. The export was recorded; "
                    + (f"{', '.join(p.name for p in placed)} written, " if placed else "")
                    + f"{left} not. Close the file if a program has it open, or choose "
                    "another folder, and export again."
                ) from None
            placed.append(target)
    finally:
        for tmp in temps:
            with suppress(OSError):
                tmp.unlink(missing_ok=True)
    return paths


def _check_replaceable(paths: list[Path]) -> None:
    """Each file already there can be replaced: opened for writing (a spreadsheet holding it
    open on Windows refuses that), before anything is written or recorded."""
    for target in paths:
        if not target.exists():
            continue
        try:
            with target.open("ab"):
                pass
        except OSError as exc:
            raise ValidationError(
                f"Cannot write {target}: {exc.strerror or exc}. Close the file if a program has "
                "it open (a spreadsheet), or choose another name, then export again. Nothing "
                "was recorded."
            ) from None


def _check_target(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".csv"):
        raise ValidationError(f"{path.name}: the report is written as .pdf or .csv; "
                              "name the file so.")
    if not path.parent.is_dir():
        raise ValidationError(f"The folder {path.parent} does not exist; create it or "
                              "choose another.")
    return suffix


def _check_writable(path: Path) -> None:
    """Try the folder before the report is computed and recorded as produced (a folder the
    station may not write was found only after): a file made and removed there, and no
    folder where the file or its FILE.part goes."""
    import tempfile

    try:
        for taken in (path, path.with_name(path.name + ".part")):
            if taken.is_dir():
                raise IsADirectoryError(21, "a folder has that name", str(taken))
        with tempfile.TemporaryFile(dir=path.parent, prefix=".bwc-desk-"):
            pass
    except OSError as exc:
        raise ValidationError(
            f"Cannot write {path}: {exc.strerror or exc}. Choose a folder you may write to, "
            "or ask your administrator. Nothing was recorded."
        ) from None


def default_period(name: str, today: date) -> tuple[date, date]:
    """What the view preselects for a report."""
    if name == "annual":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    days = REPORTS[name].default_days if name in REPORTS else 30
    return today - timedelta(days=days - 1), today

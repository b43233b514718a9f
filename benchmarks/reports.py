"""report_compliance_large_s: `bwc-desk report compliance` for the last 30 days of the
agency's history (2,000,000 custody events at --size large, about 165,000 in those 30 days),
end to end: a new process, sign-in, the report, the PDF written. Baseline: the aggregate query
alone, in this process, in the same run (after the command: both on a warm cache).
report_compliance_year_s: the same command over the whole year of history (no goal: a chief
runs the year as the annual report)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import zoneinfo
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from benchmarks.agency import PASSWORD, Agency
from benchmarks.harness import Figure
from bwc_desk.services.reports.compliance import aggregate_sql
from bwc_desk.services.reports.periods import period, timed
from bwc_desk.services.settings import read_settings
from bwc_desk.store.db import Database
from bwc_desk.store.models import CustodyEvent

ROOT = Path(__file__).resolve().parents[1]
ZONE = "America/New_York"


def _cli(db: Path, home: Path, first: str, last: str, out: Path) -> tuple[float, float]:
    """Wall-clock seconds, and the CPU seconds (user + system) of the command's process
    (``home``: the agency's, whose station id its copy knows: ``Agency.home``)."""
    env = {**os.environ, "BWC_DESK_HOME": str(home), "PYTHONPATH": str(ROOT),
           "TZ": ZONE}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bwc_desk", "report", "compliance", "--from", first, "--to",
         last, "--out", str(out), "--as", "admin", "--password-stdin", "--database", str(db)],
        input=PASSWORD + "\n", capture_output=True, text=True, env=env, timeout=1800,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"bwc-desk report failed: {done.stdout}{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def run(agency: Agency, work: Path) -> list[Figure]:
    work.mkdir(parents=True, exist_ok=True)
    copy = agency.copy(work / "agency.sqlite3")  # the report writes an audit record
    db = Database(copy.url)
    zone = zoneinfo.ZoneInfo(ZONE)
    try:
        with db.read() as s:
            newest = s.execute(select(func.max(CustodyEvent.at))).scalar_one()
            total = s.execute(select(func.count()).select_from(CustodyEvent)).scalar_one()
        last = newest.astimezone(zone).date() - timedelta(days=1)
        month = period(last - timedelta(days=29), last, last, zone)
        year = period(last - timedelta(days=364), last, last, zone)
        month_s, month_cpu = _cli(copy.path, agency.home, str(month.first), str(month.last),
                                  work / "month.pdf")
        year_s, _year_cpu = _cli(copy.path, agency.home, str(year.first), str(year.last),
                                 work / "year.pdf")
        with db.read() as s:
            shifts = read_settings(s).shifts
            sql, params = aggregate_sql(s, month, shifts, None)
            started = time.perf_counter()
            cpu0 = time.process_time()
            rows = s.execute(timed(text(sql)), params).all()
            raw_s = time.perf_counter() - started
            raw_cpu = time.process_time() - cpu0
            events = s.execute(select(func.count()).where(
                CustodyEvent.at >= month.start_utc, CustodyEvent.at < month.end_utc
            )).scalar_one()
    finally:
        db.dispose()
    return [
        Figure("report_aggregate_s", raw_s, "s",
               f"The compliance aggregate query alone ({len(rows)} day-shift groups)"),
        Figure("report_compliance_large_s", month_s, "s",
               f"`bwc-desk report compliance` to PDF, 30 days ({events:,} of {total:,} "
               "events), from the command to the file",
               baseline="report_aggregate_s", goal="<= 5"),
        Figure("report_aggregate_cpu_s", raw_cpu, "s",
               "CPU time of the aggregate query alone (less sensitive to the machine's load)"),
        Figure("report_compliance_large_cpu_s", month_cpu, "s",
               "CPU time of that command's process (user + system; includes the password "
               "check, Argon2id, of --as)", baseline="report_aggregate_cpu_s"),
        Figure("report_compliance_year_s", year_s, "s",
               f"The same over the whole year of history ({total:,} events)",
               baseline="report_aggregate_s"),
    ]

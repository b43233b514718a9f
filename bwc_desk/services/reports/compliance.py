"""Compliance, per day and shift: officers without a camera, function tests done and failed,
readiness overrides, late returns, cameras returned but not docked.

One GROUP BY over the custody ledger in the period (index on time), each event put on the
shift day of its officer (an officer's shift day runs from an hour before the shift starts).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bwc_desk.domain.shifts import ShiftSpec
from bwc_desk.services.reports.model import Chart, ChartKind, Series, Table
from bwc_desk.services.reports.periods import (
    Period,
    day_of,
    day_sql,
    shift_start_sql,
    timed,
)
from bwc_desk.store.models import CustodyEvent, Officer

COLUMNS = (
    "day", "shift", "officers_on_shift", "officers_with_camera", "officers_without_camera",
    "function_tests", "function_tests_failed", "overrides", "late_returns",
    "returned_not_docked",
)
NO_SHIFT = "(no shift)"


def aggregate_sql(session: Session, p: Period, shifts: tuple[ShiftSpec, ...],
                  shift: str | None) -> tuple[str, dict[str, Any]]:
    """The one aggregate query (the benchmark runs it alone as its baseline)."""
    day = day_sql(session, "e.at", p.start_utc, p.end_utc, p.zone,
                  shift_start_sql(shifts, "o.shift"))
    where_shift = "AND o.shift = :shift" if shift is not None else ""
    sql = f"""
    SELECT o.shift AS shift, {day} AS day,
      COUNT(DISTINCT CASE WHEN e.kind = 'issued' THEN e.officer_id END) AS equipped,
      SUM(CASE WHEN (e.kind = 'issued' AND COALESCE(e.details, '') LIKE '%"function_test":%')
               OR e.kind = 'function test failed' THEN 1 ELSE 0 END) AS tests,
      SUM(CASE WHEN e.kind = 'function test failed' THEN 1 ELSE 0 END) AS failed,
      SUM(CASE WHEN e.kind = 'readiness override' THEN 1 ELSE 0 END) AS overrides,
      SUM(CASE WHEN e.kind = 'returned'
               AND COALESCE(e.details, '') LIKE '%"overdue_minutes":%' THEN 1 ELSE 0 END) AS late,
      SUM(CASE WHEN e.kind = 'returned'
               AND COALESCE(e.details, '') NOT LIKE '%"damaged"\\:true%'
               AND COALESCE((SELECT d.kind FROM custody_events d
                             WHERE d.unit_id = e.unit_id AND d.seq > e.seq
                               AND d.kind IN ('docked', 'issued')
                             ORDER BY d.seq LIMIT 1), '') <> 'docked'
               THEN 1 ELSE 0 END) AS not_docked
    FROM custody_events e JOIN officers o ON o.id = e.officer_id
    WHERE e.at >= :start AND e.at < :end
      AND e.kind IN ('issued', 'function test failed', 'readiness override', 'returned')
      {where_shift}
    GROUP BY o.shift, {day}
    """
    params: dict[str, Any] = {
        # a day's shift can start before local midnight (night shift, the hour of lead)
        "start": p.start_utc - timedelta(days=1),
        "end": p.end_utc + timedelta(days=1),
    }
    if shift is not None:
        params["shift"] = shift
    return sql, params


def _local_day(moment: datetime | None, p: Period) -> date | None:
    return None if moment is None else moment.astimezone(p.zone).date()


def compliance(session: Session, p: Period, shifts: tuple[ShiftSpec, ...],
               shift: str | None) -> tuple[tuple[Table, ...], tuple[Chart, ...], tuple[str, ...]]:
    sql, params = aggregate_sql(session, p, shifts, shift)
    days = set(p.days)
    found: dict[tuple[Any, str], tuple[int, ...]] = {}
    for row in session.execute(timed(text(sql)), params):
        d = day_of(row.day)
        if d in days:
            found[(d, row.shift or "")] = (int(row.equipped), int(row.tests or 0),
                                           int(row.failed or 0), int(row.overrides or 0),
                                           int(row.late or 0), int(row.not_docked or 0))
    # Days before the agency's first issue were not kept here (the counter was not in use
    # yet; cameras may have been registered long before): no officer was "without a
    # camera" on them. "Returned, not docked" counts from the first docking the ledger
    # records: before it (no docks yet, or none at all) no return could have been docked.
    first_record, first_docking = (
        session.execute(
            select(func.min(CustodyEvent.at)).where(CustodyEvent.kind == "issued")
        ).scalar(),
        session.execute(
            select(func.min(CustodyEvent.at)).where(CustodyEvent.kind == "docked")
        ).scalar(),
    )
    first_day = _local_day(first_record, p)
    docks_from = _local_day(first_docking, p)
    roster_q = select(Officer.shift, func.count()).where(Officer.active.is_(True))
    if shift is not None:
        roster_q = roster_q.where(Officer.shift == shift)
    roster = {s or "": int(n) for s, n in session.execute(roster_q.group_by(Officer.shift))}
    names = [s.name for s in shifts if shift is None or s.name == shift]
    names += sorted(k for k in {k for _, k in found} | set(roster) if k not in names)
    rows: list[tuple[object, ...]] = []
    per_day: dict[Any, list[int]] = defaultdict(lambda: [0] * 6)
    totals = [0] * 8
    for d in p.days:
        if first_day is None or d < first_day:
            continue
        for name in names:
            got = found.get((d, name))
            on_shift = roster.get(name, 0)
            if got is None and on_shift == 0:
                continue
            equipped, tests, failed, overrides, late, not_docked = got or (0,) * 6
            if docks_from is None or d < docks_from:
                not_docked = 0
            without = max(on_shift - equipped, 0)
            rows.append((d.isoformat(), name or NO_SHIFT, on_shift, equipped, without, tests,
                         failed, overrides, late, not_docked))
            acc = per_day[d]
            for i, v in enumerate((tests, failed, overrides, late, not_docked, without)):
                acc[i] += v
            for i, v in enumerate((on_shift, equipped, without, tests, failed, overrides, late,
                                   not_docked)):
                totals[i] += v
    summary = Table(
        "totals", "Totals over the period",
        ("measure", "count"),
        (
            ("function tests done", totals[3]),
            ("function tests failed", totals[4]),
            ("readiness overrides", totals[5]),
            ("late returns", totals[6]),
            ("returned, not docked", totals[7]),
            ("officer-shifts without a camera", totals[2]),
        ),
    )
    labels = tuple(d.isoformat() for d in p.days)
    trend = Chart(
        ChartKind.LINE, "Exceptions per day", labels,
        tuple(
            Series(name, tuple(float(per_day[d][i]) for d in p.days))
            for i, name in ((1, "tests failed"), (2, "overrides"), (3, "late returns"),
                            (4, "not docked"))
        ),
        "count",
    )
    passed = totals[3] - totals[4]
    share = Chart(ChartKind.SHARE, "Function tests", ("passed", "failed"),
                  (Series("tests", (float(passed), float(totals[4]))),))
    notes: tuple[str, ...] = (
        "Officers on shift: the active officers of that shift on the roster today (BWC Desk "
        "keeps no duty roster of days off), so 'without a camera' counts officers of the shift "
        "who were not issued one that shift day.",
        "Each record counts on its officer's shift day: from an hour before the shift starts "
        "to an hour before its next start, in the agency's time zone.",
        "Returned, not docked: a return (not damaged) with no docking of that camera before "
        "its next issue or the report.",
    )
    if first_day is None:
        notes += ("No camera issued yet: nothing to report.",)
    elif first_day > p.first:
        notes += (f"Days before {first_day.isoformat()}, the first issue recorded here, are "
                  "left out.",)
    if docks_from is None:
        notes += ("No dock has recorded a camera yet: 'returned, not docked' is not counted.",)
    elif first_day is not None and docks_from > max(first_day, p.first):
        notes += (f"'Returned, not docked' counts from {docks_from.isoformat()}, the first "
                  "docking recorded.",)
    return (
        (Table("days", "Per day and shift", COLUMNS, tuple(rows)), summary),
        (trend, share),
        notes,
    )

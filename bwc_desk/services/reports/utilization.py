"""Utilization: hours out per camera, cameras not issued for N days, use of spares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from bwc_desk.services.reports.model import Chart, ChartKind, Series, Table
from bwc_desk.services.reports.periods import Period, day_of, day_sql, is_postgresql, timed

BUCKETS = (0, 1, 50, 100, 200, 400, 800)  # hours out: histogram edges


def _hours_sql(session: Session) -> str:
    if is_postgresql(session):
        return "EXTRACT(EPOCH FROM (nat - at)) / 3600.0"
    return "(julianday(nat) - julianday(at)) * 24.0"


def utilization(session: Session, p: Period, idle_days: int,
                ) -> tuple[tuple[Table, ...], tuple[Chart, ...], tuple[str, ...]]:
    start, end = p.start_utc, p.end_utc
    # Each issue paired with the next record of its camera (the database's window function):
    # an issue followed by a return is a stretch out with an officer.
    hours = session.execute(timed(text(
        f"SELECT unit_id, COUNT(*) AS issues, SUM({_hours_sql(session)}) AS hours FROM ("
        "  SELECT unit_id, kind, at, LEAD(kind) OVER w AS nk, LEAD(at) OVER w AS nat"
        "  FROM custody_events WHERE kind IN ('issued', 'returned')"
        "  AND at >= :start AND at < :end"
        "  WINDOW w AS (PARTITION BY unit_id ORDER BY seq)) x "
        "WHERE kind = 'issued' AND nk = 'returned' GROUP BY unit_id")),
        {"start": start, "end": end}).all()
    out = {int(r.unit_id): (int(r.issues), float(r.hours or 0.0)) for r in hours}
    cutoff = end - timedelta(days=idle_days)
    units = session.execute(timed(text(
        "SELECT u.id, u.asset_tag, u.model, COALESCE(b.name, '') AS batch, u.status, "
        "u.pool_id, u.primary_officer_id, last.at AS last_issued "
        "FROM units u LEFT JOIN purchase_batches b ON b.id = u.batch_id "
        "LEFT JOIN (SELECT unit_id, MAX(at) AS at FROM custody_events "
        "           WHERE kind = 'issued' AND at < :end GROUP BY unit_id) last "
        "       ON last.unit_id = u.id "
        "WHERE u.status NOT IN ('retired', 'lost', 'stolen') ORDER BY u.asset_tag")),
        {"end": end}).all()
    rows = []
    idle = []
    histogram = [0] * len(BUCKETS)
    for u in units:
        issues, h = out.get(int(u.id), (0, 0.0))
        rows.append((u.asset_tag, u.model, u.batch, issues, round(h, 1)))
        histogram[max(i for i, edge in enumerate(BUCKETS) if h >= edge)] += 1
        last = u.last_issued
        if isinstance(last, str):  # SQLite through text(): the stored text
            last = datetime.fromisoformat(last)
        if last is not None:
            last = last.replace(tzinfo=UTC)  # stored naive UTC
        if last is None or last < cutoff:
            idle.append((u.asset_tag, u.model, u.batch, u.status,
                         "never" if last is None else last.astimezone(p.zone).date().isoformat(),
                         "spare" if u.primary_officer_id is None and u.pool_id is None else
                         ("pool" if u.pool_id is not None else "assigned")))
    day = day_sql(session, "e.at", start, end, p.zone)
    spares = {
        day_of(r.day): (int(r.issues), int(r.spare))
        for r in session.execute(timed(text(
            f"SELECT {day} AS day, COUNT(*) AS issues, "
            "SUM(CASE WHEN e.reason IS NOT NULL AND e.reason <> '' THEN 1 ELSE 0 END) AS spare "
            "FROM custody_events e WHERE e.kind = 'issued' AND e.at >= :start AND e.at < :end "
            f"GROUP BY {day}")), {"start": start, "end": end})
    }
    spare_rows = tuple((d.isoformat(), *spares.get(d, (0, 0))) for d in p.days)
    total_issues = sum(r[1] for r in spare_rows)
    total_spare = sum(r[2] for r in spare_rows)
    labels = tuple(
        f"{edge}-{BUCKETS[i + 1]} h" if i + 1 < len(BUCKETS) else f"{edge}+ h"
        for i, edge in enumerate(BUCKETS)
    )
    tables = (
        Table("cameras", "Hours out per camera",
              ("asset_tag", "model", "batch", "issues", "hours_out"), tuple(rows)),
        Table("idle", f"Cameras not issued for {idle_days} days or more",
              ("asset_tag", "model", "batch", "status", "last_issued", "kind"), tuple(idle)),
        Table("spares", "Issues and spare swaps per day",
              ("day", "issues", "spare_swaps"), spare_rows),
    )
    charts = (
        Chart(ChartKind.BAR, "Cameras by hours out", labels,
              (Series("cameras", tuple(float(v) for v in histogram)),), "cameras"),
        Chart(ChartKind.LINE, "Issues and spare swaps per day",
              tuple(r[0] for r in spare_rows),
              (Series("issues", tuple(float(r[1]) for r in spare_rows)),
               Series("spare swaps", tuple(float(r[2]) for r in spare_rows))), "issues"),
        Chart(ChartKind.SHARE, "Own camera or spare", ("own or pool", "spare swap"),
              (Series("issues", (float(total_issues - total_spare), float(total_spare))),)),
    )
    notes = (
        "Hours out: from each issue to the camera's return, both inside the period.",
        "Spare swap: an issue of a camera that is not the officer's own, with a reason.",
    )
    return tables, charts, notes

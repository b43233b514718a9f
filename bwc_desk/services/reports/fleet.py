"""Fleet health: battery at docking over time and charge cycles (from the dock reports'
docking records), firmware against the agency's target, failures and repairs per model and
purchase batch, warranties ending."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, literal_column, select, text
from sqlalchemy.orm import Session

from bwc_desk.services.reports.model import Chart, ChartKind, Series, Table
from bwc_desk.services.reports.periods import Period, day_of, day_sql, is_postgresql, timed
from bwc_desk.store.models import PurchaseBatch, Unit

OUT_OF_FLEET = ("retired", "lost", "stolen")
WARRANTY_DAYS = 180
FAILURE_KINDS = ("function test failed", "defect reported")
NO_BATCH = "(no batch)"
# A literal, not a parameter: PostgreSQL then sees the same expression in SELECT and GROUP BY.
_BATCH = func.coalesce(PurchaseBatch.name, literal_column("''"))


def version_key(version: str) -> tuple[int | str, ...]:
    parts: list[int | str] = []
    for piece in version.replace("-", ".").split("."):
        parts.append(int(piece) if piece.isdigit() else piece)
    return tuple(parts)


def firmware_status(version: str, target: str) -> str:
    if not target:
        return "no target set"
    if not version:
        return "unknown"
    try:
        a, b = version_key(version), version_key(target)
        if a == b:
            return "on target"
        return "behind" if a < b else "ahead"
    except TypeError:
        return "on target" if version == target else "differs"


def fleet(session: Session, p: Period, target: str,
          ) -> tuple[tuple[Table, ...], tuple[Chart, ...], tuple[str, ...]]:
    start, end = p.start_utc, p.end_utc
    day = day_sql(session, "e.at", start, end, p.zone)
    battery = (
        "CAST(CAST(e.details AS json) ->> 'battery' AS INTEGER)"
        if is_postgresql(session) else "json_extract(e.details, '$.battery')"
    )
    by_day = {
        day_of(r.day): (float(r.battery), int(r.n))
        for r in session.execute(timed(text(
            f"SELECT {day} AS day, AVG({battery}) AS battery, COUNT(*) AS n "
            "FROM custody_events e WHERE e.kind = 'docked' AND e.at >= :start AND e.at < :end "
            "AND e.details LIKE '%\"battery\":%' "
            f"AND e.details NOT LIKE '%\"battery\"\\:null%' GROUP BY {day}")),
            {"start": start, "end": end})
        if r.battery is not None
    }
    battery_rows = tuple((d.isoformat(), round(by_day[d][0], 1), by_day[d][1])
                         for d in p.days if d in by_day)
    # Failures, repairs and dockings per model and batch: one GROUP BY over the period.
    events = session.execute(timed(text(
        "SELECT u.model AS model, COALESCE(b.name, '') AS batch, "
        "SUM(CASE WHEN e.kind IN ('function test failed', 'defect reported') "
        "THEN 1 ELSE 0 END) AS failures, "
        "SUM(CASE WHEN e.kind = 'sent to repair' THEN 1 ELSE 0 END) AS repairs, "
        "SUM(CASE WHEN e.kind = 'docked' THEN 1 ELSE 0 END) AS dockings "
        "FROM custody_events e JOIN units u ON u.id = e.unit_id "
        "LEFT JOIN purchase_batches b ON b.id = u.batch_id "
        "WHERE e.kind IN ('function test failed', 'defect reported', 'sent to repair', "
        "'docked') AND e.at >= :start AND e.at < :end "
        "GROUP BY u.model, COALESCE(b.name, '')")), {"start": start, "end": end}).all()
    got = {(r.model, r.batch): (int(r.failures), int(r.repairs), int(r.dockings))
           for r in events}
    fleet_q = (
        select(Unit.model, _BATCH, func.count())
        .outerjoin(PurchaseBatch, PurchaseBatch.id == Unit.batch_id)
        .where(Unit.status.not_in(OUT_OF_FLEET))
        .group_by(Unit.model, _BATCH)
    )
    sizes = {(m, b): int(n) for m, b, n in session.execute(fleet_q)}
    model_rows = []
    for key in sorted(set(sizes) | set(got)):
        n = sizes.get(key, 0)
        failures, repairs, dockings = got.get(key, (0, 0, 0))
        model_rows.append((key[0] or "(no model)", key[1] or NO_BATCH, n, failures, repairs,
                           dockings, round(dockings / n, 1) if n else 0.0))
    firmware = session.execute(
        select(Unit.firmware, func.count()).where(Unit.status.not_in(OUT_OF_FLEET))
        .group_by(Unit.firmware).order_by(Unit.firmware)
    ).all()
    fw_rows = tuple((v or "(unknown)", int(n), firmware_status(v or "", target))
                    for v, n in firmware)
    fw_share: dict[str, int] = defaultdict(int)
    for _v, n, status in fw_rows:
        fw_share[status] += n
    until = p.last + timedelta(days=WARRANTY_DAYS)
    warranty = session.execute(
        select(_BATCH, Unit.warranty_until, func.count())
        .outerjoin(PurchaseBatch, PurchaseBatch.id == Unit.batch_id)
        .where(Unit.status.not_in(OUT_OF_FLEET), Unit.warranty_until.is_not(None),
               Unit.warranty_until <= until)
        .group_by(_BATCH, Unit.warranty_until)
        .order_by(Unit.warranty_until)
    ).all()
    ended = sum(int(n) for _b, w, n in warranty if w is not None and w < p.first)
    warranty_rows = tuple(
        (b or NO_BATCH, w.isoformat(), int(n)) for b, w, n in warranty
        if isinstance(w, date) and w >= p.first
    )
    tables = (
        Table("models", "Failures, repairs and dockings per model and batch",
              ("model", "batch", "cameras", "failures", "repairs", "dockings",
               "dockings_per_camera"), tuple(model_rows)),
        Table("firmware", f"Firmware (target: {target or 'not set'})",
              ("firmware", "cameras", "against_target"), fw_rows),
        Table("battery", "Average battery when docked, per day",
              ("day", "average_battery_pct", "dockings"), battery_rows),
        Table("warranty", f"Warranties ending by {until.isoformat()} "
                          f"({ended} already ended before the period)",
              ("batch", "warranty_until", "cameras"), warranty_rows),
    )
    charts = (
        Chart(ChartKind.LINE, "Average battery when docked (%)",
              tuple(r[0] for r in battery_rows),
              (Series("battery", tuple(float(r[1]) for r in battery_rows)),), "%"),
        Chart(ChartKind.SHARE, "Firmware against target", tuple(fw_share),
              (Series("cameras", tuple(float(v) for v in fw_share.values())),)),
        Chart(ChartKind.BAR, "Failures and repairs per model and batch",
              tuple(f"{r[0]} / {r[1]}" for r in model_rows),
              (Series("failures", tuple(float(r[3]) for r in model_rows)),
               Series("repairs", tuple(float(r[4]) for r in model_rows)))),
    )
    notes = (
        "Charge cycles: each docking counts as one (the docks report no cycle counter).",
        "Battery: the level the dock reported when the camera was docked.",
        "Failures: failed function tests and defects reported; repairs: cameras sent to "
        "repair.",
    )
    return tables, charts, notes

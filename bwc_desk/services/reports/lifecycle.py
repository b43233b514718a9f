"""Lifecycle and cost: cameras per purchase batch with unit and licence cost, age,
replacement due; and the annual report (cameras, officers equipped, malfunctions, repairs,
losses over a year)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bwc_desk.services.reports.model import Chart, ChartKind, Series, Table
from bwc_desk.services.reports.periods import Period, day_of, day_sql, timed
from bwc_desk.store.models import PurchaseBatch, Unit

OUT = ("retired", "lost", "stolen")
REPLACE_SOON_DAYS = 365


def money(cents: int, currency: str) -> str:
    return f"{cents / 100:,.2f} {currency}"


def _plus_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def lifecycle(session: Session, p: Period,
              ) -> tuple[tuple[Table, ...], tuple[Chart, ...], tuple[str, ...]]:
    counts: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for batch_id, status, n in session.execute(
        select(Unit.batch_id, Unit.status, func.count()).group_by(Unit.batch_id, Unit.status)
    ):
        counts[batch_id][0] += int(n)
        if status not in OUT:
            counts[batch_id][1] += int(n)
    rows: list[tuple[object, ...]] = []
    bars: list[tuple[str, int, int]] = []  # batch, bought, in service
    at = p.last
    for b in session.execute(select(PurchaseBatch).order_by(PurchaseBatch.purchased_on,
                                                            PurchaseBatch.name)).scalars():
        total, in_service = counts.get(b.id, [0, 0])
        replace_on = _plus_months(b.purchased_on, 12 * b.service_years)
        warranty_end = _plus_months(b.purchased_on, b.warranty_months)
        age = (at - b.purchased_on).days / 365.25
        due = ("overdue" if replace_on <= at else
               "within a year" if (replace_on - at).days <= REPLACE_SOON_DAYS else "")
        rows.append((
            b.name, b.purchased_on.isoformat(), b.count, total, in_service,
            money(b.unit_cost_cents, b.currency), money(b.licence_cost_cents, b.currency),
            money(b.unit_cost_cents * b.count, b.currency),
            money(b.licence_cost_cents * in_service, b.currency),
            round(age, 1), warranty_end.isoformat(), replace_on.isoformat(), due,
        ))
        bars.append((b.name, b.count, in_service))
    unbatched = counts.get(None, [0, 0])
    if unbatched[0]:
        rows.append(("(no batch)", "", 0, unbatched[0], unbatched[1], "", "", "", "", "",
                     "", "", ""))
        bars.append(("(no batch)", 0, unbatched[1]))
    table = Table(
        "batches", f"Cameras per purchase batch (as of {at.isoformat()})",
        ("batch", "purchased", "bought", "in_inventory", "in_service", "unit_cost",
         "licence_per_year", "purchase_total", "licences_per_year_in_service", "age_years",
         "warranty_until", "replacement_due", "replacement"),
        tuple(rows),
    )
    charts = (
        Chart(ChartKind.BAR, "Cameras per batch", tuple(b[0] for b in bars),
              (Series("bought", tuple(float(b[1]) for b in bars)),
               Series("in service", tuple(float(b[2]) for b in bars))), "cameras"),
        Chart(ChartKind.SHARE, "Cameras in service by batch", tuple(b[0] for b in bars),
              (Series("in service", tuple(float(b[2]) for b in bars)),)),
    )
    notes = ("Replacement due: purchase date plus the batch's service life; licences per "
             "year: the batch's yearly licence cost times its cameras in service.",)
    return (table,), charts, notes


def annual(session: Session, p: Period,
           ) -> tuple[tuple[Table, ...], tuple[Chart, ...], tuple[str, ...]]:
    start, end = p.start_utc, p.end_utc
    day = day_sql(session, "e.at", start, end, p.zone)
    months: dict[str, list[int]] = {}
    for d in p.days:
        months.setdefault(d.strftime("%Y-%m"), [0, 0, 0, 0])
    for r in session.execute(timed(text(
        f"SELECT {day} AS day, "
        "SUM(CASE WHEN e.kind IN ('function test failed', 'defect reported') "
        "THEN 1 ELSE 0 END) AS malfunctions, "
        "SUM(CASE WHEN e.kind = 'sent to repair' THEN 1 ELSE 0 END) AS repairs, "
        "SUM(CASE WHEN e.kind IN ('marked lost', 'marked stolen') THEN 1 ELSE 0 END) AS losses, "
        "SUM(CASE WHEN e.kind = 'retired' THEN 1 ELSE 0 END) AS retired "
        "FROM custody_events e WHERE e.kind IN ('function test failed', 'defect reported', "
        "'sent to repair', 'marked lost', 'marked stolen', 'retired') "
        f"AND e.at >= :start AND e.at < :end GROUP BY {day}")), {"start": start, "end": end}):
        key = day_of(r.day).strftime("%Y-%m")
        if key in months:
            for i, v in enumerate((r.malfunctions, r.repairs, r.losses, r.retired)):
                months[key][i] += int(v or 0)
    equipped = session.execute(timed(text(
        "SELECT COUNT(DISTINCT officer_id) FROM custody_events "
        "WHERE kind = 'issued' AND at >= :start AND at < :end")),
        {"start": start, "end": end}).scalar_one()
    registered = session.execute(timed(text(
        "SELECT COUNT(*) FROM units WHERE created_at < :end")), {"end": end}).scalar_one()
    gone = session.execute(timed(text(
        "SELECT COUNT(DISTINCT unit_id) FROM custody_events "
        "WHERE kind IN ('retired', 'marked lost', 'marked stolen') AND at < :end")),
        {"end": end}).scalar_one()
    totals = [sum(m[i] for m in months.values()) for i in range(4)]
    summary = Table("summary", "The year in figures", ("measure", "count"), (
        ("cameras at the end of the period", int(registered) - int(gone)),
        ("officers equipped (issued a camera at least once)", int(equipped)),
        ("malfunctions (failed function tests, defects reported)", totals[0]),
        ("repairs (cameras sent to repair)", totals[1]),
        ("losses (lost or stolen)", totals[2]),
        ("retired", totals[3]),
    ))
    per_month = Table("months", "Per month",
                      ("month", "malfunctions", "repairs", "losses", "retired"),
                      tuple((k, *v) for k, v in months.items()))
    labels = tuple(months)
    charts = (
        Chart(ChartKind.BAR, "Malfunctions, repairs and losses per month", labels,
              tuple(Series(name, tuple(float(m[i]) for m in months.values()))
                    for i, name in enumerate(("malfunctions", "repairs", "losses"))),
              "count"),
    )
    notes = ("Cameras at the end of the period: cameras registered by then, less those "
             "retired, lost or stolen by then.",)
    return (summary, per_month), charts, notes

"""Repair cases as the views and reports read them: the rows (frozen dataclasses), a case's
events, the cases of a period and the failures per camera model (the reports' figures).
``services.repairs`` writes them (and re-exports every name here)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bwc_desk.domain.errors import ValidationError
from bwc_desk.domain.roles import Permission
from bwc_desk.services.context import Ctx
from bwc_desk.services.repair_cases import DAMAGED_RETURN, FUNCTION_TEST, INSPECTION, MANUAL
from bwc_desk.store.models import Dock, RepairCase, RepairEvent, Unit

# --- what the services return ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RepairCaseRow:
    id: int
    target: str  # "HPD-BWC-0412", "DOCK-A bay 3" or "DOCK-A"
    unit_id: int | None
    asset_tag: str
    model: str
    dock: str
    bay_no: int | None  # 0: the whole dock
    source: str
    symptom: str
    reported_by: str
    reported_at: datetime
    station: str
    state: str  # open, at vendor, closed
    vendor: str
    rma: str
    sent_on: date | None
    outcome: str  # "", back, replaced, written off, fixed
    replacement_tag: str
    cost_cents: int | None
    currency: str
    closed_at: datetime | None
    closed_by: str
    age_days: int  # reported until closed, or until now while open
    awaiting_test: bool  # back or replaced, and the camera has not passed a function test yet

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def cost_text(self) -> str:
        return "" if self.cost_cents is None else money(self.cost_cents, self.currency)


@dataclass(frozen=True, slots=True)
class RepairEventRow:
    id: int
    case_id: int
    at: datetime
    kind: str
    staff: str
    station: str
    note: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ModelRepairRow:
    """Failures and repairs of one camera model in a period (the reports' figures)."""

    model: str
    cameras: int  # cameras of this model in the inventory
    cases: int  # camera cases reported in the period
    function_test: int
    damaged_return: int
    inspection: int
    manual: int
    still_open: int
    back: int
    replaced: int
    written_off: int
    cost_cents: int
    currency: str
    mean_days_closed: float | None  # reported to closed, over the cases closed


def money(cents: int, currency: str) -> str:
    return f"{currency} {cents // 100:,}.{cents % 100:02d}"


def parse_cost(text: str) -> int:
    """'1,234.50' -> 123450 cents; refuses what is not an amount."""
    cleaned = text.strip().replace(",", "").lstrip("$€£").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(
            f"{text.strip()!r} is not an amount: type it as 125.50 (no currency sign)."
        ) from None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationError("The cost is an amount of at least 0, with at most 2 decimals.")
    if value > Decimal("1000000"):
        raise ValidationError("A repair cost above 1,000,000 is surely a typo; check it.")
    return int(value * 100)


# --- reading ---------------------------------------------------------------------------------

_REPL = aliased(Unit)


def _rows_stmt() -> Any:
    return (
        select(RepairCase, Unit.asset_tag, Unit.model, Dock.name, _REPL.asset_tag)
        .outerjoin(Unit, Unit.id == RepairCase.unit_id)
        .outerjoin(Dock, Dock.id == RepairCase.dock_id)
        .outerjoin(_REPL, _REPL.id == RepairCase.replacement_unit_id)
    )


def _to_row(now: datetime, r: Any) -> RepairCaseRow:
    case, tag, model, dock, repl = r
    if case.unit_id is not None:
        target = tag or ""
    else:
        target = dock if not case.bay_no else f"{dock} bay {case.bay_no}"
    end = case.closed_at or now
    return RepairCaseRow(
        case.id,
        target,
        case.unit_id,
        tag or "",
        model or "",
        dock or "",
        case.bay_no,
        case.source,
        case.symptom,
        case.reported_by,
        case.reported_at,
        case.station,
        case.state,
        case.vendor,
        case.rma,
        case.sent_on,
        case.outcome or "",
        repl or "",
        case.cost_cents,
        case.currency,
        case.closed_at,
        case.closed_by or "",
        max(0, (end - case.reported_at) // timedelta(days=1)),
        case.retest_unit_id is not None and case.retest_passed_at is None,
    )


def row_of(ctx: Ctx, session: Session, case_id: int) -> RepairCaseRow:
    r = session.execute(_rows_stmt().where(RepairCase.id == case_id)).one()
    return _to_row(ctx.now(), r)


def list_cases(ctx: Ctx, *, open_only: bool = True) -> list[RepairCaseRow]:
    """Repair cases, oldest first: the open ones (with their age), or all."""
    ctx.require(Permission.READ)
    stmt = _rows_stmt().order_by(RepairCase.reported_at, RepairCase.id)
    if open_only:
        stmt = stmt.where(RepairCase.closed_at.is_(None))
    with ctx.db.read() as session:
        now = ctx.now()
        return [_to_row(now, r) for r in session.execute(stmt)]


def case_events(ctx: Ctx, case_id: int) -> list[RepairEventRow]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        return [
            RepairEventRow(
                e.id,
                e.case_id,
                e.at,
                e.kind,
                e.staff_username,
                e.station,
                e.note,
                json.loads(e.details) if e.details else {},
            )
            for e in session.execute(
                select(RepairEvent).where(RepairEvent.case_id == case_id).order_by(RepairEvent.id)
            ).scalars()
        ]


def cases_between(ctx: Ctx, start: datetime, end: datetime) -> list[RepairCaseRow]:
    """Every case (camera, dock or bay) reported in [start, end), UTC, oldest first: the
    malfunctions and repairs of a report period."""
    ctx.require(Permission.READ)
    stmt = (
        _rows_stmt()
        .where(RepairCase.reported_at >= start, RepairCase.reported_at < end)
        .order_by(RepairCase.reported_at, RepairCase.id)
    )
    with ctx.db.read() as session:
        now = ctx.now()
        return [_to_row(now, r) for r in session.execute(stmt)]


def failures_by_model(ctx: Ctx, start: datetime, end: datetime) -> list[ModelRepairRow]:
    """Camera failures and repairs per model for cases reported in [start, end), UTC:
    by source, outcome, cost (the most used currency; others are not added in) and the
    mean days from report to close. Models with no case are left out."""
    cases = [c for c in cases_between(ctx, start, end) if c.unit_id is not None]
    with ctx.db.read() as session:
        fleet: dict[str, int] = {
            model: n
            for model, n in session.execute(select(Unit.model, func.count()).group_by(Unit.model))
        }
    return summarize_by_model(cases, fleet)


def summarize_by_model(
    cases: Sequence[RepairCaseRow], fleet: dict[str, int]
) -> list[ModelRepairRow]:
    by_model: dict[str, list[RepairCaseRow]] = {}
    for c in cases:
        by_model.setdefault(c.model, []).append(c)
    out = []
    for model in sorted(by_model):
        group = by_model[model]
        currencies = [c.currency for c in group if c.cost_cents is not None]
        currency = max(set(currencies), key=currencies.count) if currencies else "USD"
        closed = [c for c in group if c.closed_at is not None]

        def n(group: list[RepairCaseRow] = group, **match: str) -> int:
            return sum(1 for c in group if all(getattr(c, k) == v for k, v in match.items()))

        out.append(
            ModelRepairRow(
                model=model,
                cameras=fleet.get(model, 0),
                cases=len(group),
                function_test=n(source=FUNCTION_TEST),
                damaged_return=n(source=DAMAGED_RETURN),
                inspection=n(source=INSPECTION),
                manual=n(source=MANUAL),
                still_open=len(group) - len(closed),
                back=n(outcome="back"),
                replaced=n(outcome="replaced"),
                written_off=n(outcome="written off"),
                cost_cents=sum(c.cost_cents or 0 for c in group if c.currency == currency),
                currency=currency,
                mean_days_closed=_mean_days(closed),
            )
        )
    return out


def _mean_days(closed: Sequence[RepairCaseRow]) -> float | None:
    spans = [(c.closed_at - c.reported_at) / timedelta(days=1) for c in closed if c.closed_at]
    return round(sum(spans) / len(spans), 1) if spans else None

"""Purchase batches: cameras bought together, with their unit and licence cost, service life
and warranty. The lifecycle and cost report groups by them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import ValidationError
from bwc_desk.domain.roles import Permission
from bwc_desk.services import audit
from bwc_desk.services.context import Ctx
from bwc_desk.store.models import PurchaseBatch, Unit


@dataclass(frozen=True, slots=True)
class BatchInput:
    name: str
    purchased_on: date
    count: int
    unit_cost_cents: int
    licence_cost_cents: int = 0
    currency: str = "USD"
    service_years: int = 5
    warranty_months: int = 12


@dataclass(frozen=True, slots=True)
class BatchRow:
    id: int
    name: str
    purchased_on: date
    count: int
    unit_cost_cents: int
    licence_cost_cents: int
    currency: str
    service_years: int
    warranty_months: int
    units: int  # cameras in the inventory that name this batch


def parse_money(text: str, what: str) -> int:
    """'1,299.00' or '1299' -> cents."""
    raw = text.strip().replace(",", "").lstrip("$")
    try:
        whole, _, frac = raw.partition(".")
        if not whole.isdigit() or (frac and (not frac.isdigit() or len(frac) > 2)):
            raise ValueError
        return int(whole) * 100 + int((frac + "00")[:2])
    except ValueError:
        raise ValidationError(
            f"{what} {text!r} is not an amount; write it like 1299.00 (no currency sign)"
        ) from None


def _check(b: BatchInput) -> BatchInput:
    name = b.name.strip()
    if not name or len(name) > 80:
        raise ValidationError("Give the batch a name of 1 to 80 characters, e.g. '2019 lot'.")
    if b.count < 0 or b.unit_cost_cents < 0 or b.licence_cost_cents < 0:
        raise ValidationError("Count and costs cannot be negative.")
    if not 1 <= b.service_years <= 30:
        raise ValidationError("Service life is 1 to 30 years.")
    if not 0 <= b.warranty_months <= 240:
        raise ValidationError("Warranty is 0 to 240 months.")
    currency = b.currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError(f"Currency {b.currency!r} is not a 3-letter code such as USD.")
    return BatchInput(name, b.purchased_on, b.count, b.unit_cost_cents, b.licence_cost_cents,
                      currency, b.service_years, b.warranty_months)


def add_batch(ctx: Ctx, batch: BatchInput) -> BatchRow:
    actor = ctx.require(Permission.MANAGE_UNITS, "maintain purchase batches")
    b = _check(batch)
    with ctx.db.write() as session:
        if session.execute(select(PurchaseBatch.id).where(PurchaseBatch.name == b.name)).first():
            raise ValidationError(f"There is already a batch called {b.name!r}; pick another name.")
        row = PurchaseBatch(
            name=b.name, purchased_on=b.purchased_on, count=b.count,
            unit_cost_cents=b.unit_cost_cents, licence_cost_cents=b.licence_cost_cents,
            currency=b.currency, service_years=b.service_years,
            warranty_months=b.warranty_months,
        )
        session.add(row)
        session.flush()
        audit.write(session, station=ctx.station, at=ctx.now(), actor=actor,
                    event=AuditEvent.BATCH_CHANGED,
                    details={"added": b.name, "count": b.count,
                             "unit_cost_cents": b.unit_cost_cents,
                             "licence_cost_cents": b.licence_cost_cents,
                             "currency": b.currency})
        return _row(row, 0)


def _row(b: PurchaseBatch, units: int) -> BatchRow:
    return BatchRow(b.id, b.name, b.purchased_on, b.count, b.unit_cost_cents,
                    b.licence_cost_cents, b.currency, b.service_years, b.warranty_months, units)


def list_batches(ctx: Ctx) -> list[BatchRow]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        counts = dict(
            session.execute(
                select(Unit.batch_id, func.count()).where(Unit.batch_id.is_not(None))
                .group_by(Unit.batch_id)
            ).all()
        )
        return [
            _row(b, int(counts.get(b.id, 0)))
            for b in session.execute(
                select(PurchaseBatch).order_by(PurchaseBatch.purchased_on, PurchaseBatch.name)
            ).scalars()
        ]


def assign_units(ctx: Ctx, batch_name: str, asset_tags: Sequence[str]) -> int:
    """Put cameras in a batch (all or none: an unknown tag changes nothing). Cameras without a
    purchase date take the batch's."""
    actor = ctx.require(Permission.MANAGE_UNITS, "maintain purchase batches")
    tags = sorted({t.strip().upper() for t in asset_tags if t.strip()})
    if not tags:
        raise ValidationError("Name at least one camera (asset tag).")
    with ctx.db.write() as session:
        batch = session.execute(
            select(PurchaseBatch).where(PurchaseBatch.name == batch_name.strip())
        ).scalar_one_or_none()
        if batch is None:
            raise ValidationError(f"There is no batch called {batch_name.strip()!r}; "
                                  "`bwc-desk batches list` shows them.")
        found = {
            tag.upper(): uid
            for uid, tag in session.execute(
                select(Unit.id, Unit.asset_tag).where(func.upper(Unit.asset_tag).in_(tags))
            )
        }
        missing = [t for t in tags if t not in found]
        if missing:
            raise ValidationError(f"No camera with asset tag {', '.join(missing[:10])}; "
                                  "nothing was changed.")
        ids = list(found.values())
        session.execute(update(Unit).where(Unit.id.in_(ids)).values(batch_id=batch.id))
        session.execute(
            update(Unit).where(Unit.id.in_(ids), Unit.purchase_date.is_(None))
            .values(purchase_date=batch.purchased_on)
        )
        audit.write(session, station=ctx.station, at=ctx.now(), actor=actor,
                    event=AuditEvent.BATCH_CHANGED,
                    details={"batch": batch.name, "assigned": len(ids)})
        return len(ids)

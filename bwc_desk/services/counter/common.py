"""What the counter's modules share: small helpers over a Session (the records they return
are in ``dto``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bwc_desk.services.counter.dto import ScanRules
from bwc_desk.services.dto import CheckoutRow, OfficerRow, UnitRow
from bwc_desk.services.inventory import unit_row
from bwc_desk.services.officers import officer_rows
from bwc_desk.services.settings import AgencySettings
from bwc_desk.store import queries
from bwc_desk.store.fast import Read
from bwc_desk.store.models import Checkout, CustodyEvent, Officer, Unit


def scan_rules(settings: AgencySettings) -> ScanRules:
    """The counter's timing rules from the agency's settings."""
    return ScanRules(
        double_scan_seconds=settings.double_scan_seconds,
        race_seconds=settings.race_seconds,
        undo_seconds=settings.undo_window_seconds,
    )


def checkout_row(r: Any) -> CheckoutRow:
    (
        cid,
        unit_id,
        tag,
        officer_id,
        last,
        first,
        badge,
        shift,
        issued_at,
        expected,
        issued_by,
        station,
        swap,
        returned_at,
    ) = r
    name = f"{last}, {first}" if first else last
    return CheckoutRow(
        cid,
        unit_id,
        tag,
        officer_id,
        name,
        badge,
        shift,
        issued_at,
        expected,
        issued_by,
        station,
        swap or "",
        returned_at,
    )


def _label(officer: Officer) -> str:
    name = f"{officer.last_name}, {officer.first_name}" if officer.first_name else officer.last_name
    return f"{name} ({officer.badge})"


_OPEN_CHECKOUT = select(Checkout).where(
    Checkout.unit_id == bindparam("unit_id"), Checkout.returned_at.is_(None)
)
_HELD = Read(
    select(Unit.asset_tag, Unit.id)
    .join(Checkout, Checkout.unit_id == Unit.id)
    .where(Checkout.officer_id == bindparam("officer_id"), Checkout.returned_at.is_(None))
)
_PRIMARY = Read(select(Unit.id).where(Unit.primary_officer_id == bindparam("officer_id")))
_SLOTS = Read(select(Checkout.slot).where(
    Checkout.officer_id == bindparam("officer_id"), Checkout.returned_at.is_(None)
))


def _open_checkout(session: Session, unit_id: int) -> Checkout | None:
    return session.execute(_OPEN_CHECKOUT, {"unit_id": unit_id}).scalar_one_or_none()


def _unit(session: Session, unit_id: int) -> UnitRow:
    return unit_row(queries.unit_row_of(session, unit_id))


def _officer(session: Session, now: datetime, officer_id: int) -> OfficerRow:
    return officer_rows(session, now, [officer_id])[0]


# (Built once: asked at every camera scanned that is not out.)
_LAST_RETURN = Read(
    select(Checkout.returned_at, Checkout.returned_by, CustodyEvent.station)
    .outerjoin(CustodyEvent, CustodyEvent.seq == Checkout.returned_seq)
    .where(
        Checkout.unit_id == bindparam("unit_id"),
        Checkout.voided.is_(False),
        Checkout.returned_at.is_not(None),
    )
    .order_by(Checkout.returned_at.desc())
    .limit(1)
)


def _last_return(session: Session, unit_id: int) -> tuple[datetime, str, str] | None:
    """When the camera last came back, who took it back and at which station (voided
    returns do not count), or None."""
    row = _LAST_RETURN.first(session, {"unit_id": unit_id})
    if row is None or row[0] is None:
        return None
    return row[0], row[1] or "", row[2] or ""

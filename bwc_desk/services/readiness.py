"""The last known dock state of a unit, for the readiness gate at the counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bwc_desk.domain.docking import BayReading, GateResult, Upload, is_offline, readiness_gate
from bwc_desk.store.models import Dock, UnitReading


@dataclass(frozen=True, slots=True)
class LastReading:
    reading: BayReading
    dock: str
    bay: int
    reported_at: datetime | None
    offline: bool
    in_bay: bool = True


_LAST = (
    select(UnitReading, Dock.last_seen_at)
    .outerjoin(Dock, Dock.name == UnitReading.dock)
    .where(UnitReading.unit_id == bindparam("unit_id"))
)


def unit_reading(session: Session, unit_id: int, now: datetime) -> LastReading | None:
    """The unit's last known dock state: in its bay now, or as it was when it left one.
    None if no dock has ever reported it (agencies without a dock feed)."""
    row = session.execute(_LAST, {"unit_id": unit_id}).first()
    if row is None:
        return None
    last, last_seen = row
    upload = None
    if last.files_total is not None and last.bytes_total is not None:
        upload = Upload(
            last.files_done or 0, last.files_total, last.bytes_done or 0, last.bytes_total
        )
    reading = BayReading("", last.battery, last.charging, upload, last.updating, last.error)
    offline = bool(last.in_bay) and is_offline(last_seen, now)
    return LastReading(
        reading, last.dock, last.bay_no, last.reported_at, offline, bool(last.in_bay)
    )


def gate_for(session: Session, unit_id: int, now: datetime, min_battery: int) -> GateResult:
    found = unit_reading(session, unit_id, now)
    if found is None:
        return readiness_gate(None, min_battery)
    return readiness_gate(found.reading, min_battery, found.offline, found.dock)

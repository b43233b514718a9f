"""The last known dock state of a unit, for the readiness gate at the counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bwc_desk.domain.docking import BayReading, GateResult, Upload, is_offline, readiness_gate
from bwc_desk.store.models import Bay, Dock


@dataclass(frozen=True, slots=True)
class UnitReading:
    reading: BayReading
    dock: str
    bay: int
    reported_at: datetime | None
    offline: bool


_IN_BAY = (
    select(Bay, Dock.name, Dock.last_seen_at)
    .join(Dock, Dock.id == Bay.dock_id)
    .where(Bay.unit_id == bindparam("unit_id"))
)


def unit_reading(session: Session, unit_id: int, now: datetime) -> UnitReading | None:
    """The unit's state in the bay it sits in, or None if no dock has reported it."""
    row = session.execute(_IN_BAY, {"unit_id": unit_id}).first()
    if row is None:
        return None
    bay, dock_name, last_seen = row
    upload = None
    if bay.files_total is not None and bay.bytes_total is not None:
        upload = Upload(bay.files_done or 0, bay.files_total, bay.bytes_done or 0, bay.bytes_total)
    reading = BayReading(bay.serial, bay.battery, bay.charging, upload, bay.updating, bay.error)
    return UnitReading(reading, dock_name, bay.bay_no, bay.reported_at, is_offline(last_seen, now))


def gate_for(session: Session, unit_id: int, now: datetime, min_battery: int) -> GateResult:
    found = unit_reading(session, unit_id, now)
    if found is None:
        return readiness_gate(None, min_battery)
    return readiness_gate(found.reading, min_battery, found.offline, found.dock)

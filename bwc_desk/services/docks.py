"""Docks and bays as the feed last reported them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bwc_desk.domain.docking import BayReading, BayState, Upload, derive_state, is_offline
from bwc_desk.domain.roles import Permission
from bwc_desk.services.context import Ctx
from bwc_desk.services.settings import read_settings
from bwc_desk.store.models import Bay, Dock, Unit


@dataclass(frozen=True, slots=True)
class BayRow:
    id: tuple[str, int]
    dock: str
    bay: int
    state: BayState
    serial: str
    asset_tag: str
    unit_id: int | None
    battery: int | None
    charging: bool | None
    upload: Upload | None
    updating: bool | None
    error: str
    reported_at: datetime | None
    occupied_since: datetime | None
    registered: bool


def list_bays(ctx: Ctx) -> list[BayRow]:
    ctx.require(Permission.READ)
    now = ctx.now()
    with ctx.db.read() as session:
        settings = read_settings(session)
        rows = session.execute(
            select(Bay, Dock.name, Dock.last_seen_at, Unit.asset_tag)
            .join(Dock, Dock.id == Bay.dock_id)
            .outerjoin(Unit, Unit.id == Bay.unit_id)
            .order_by(Dock.name, Bay.bay_no)
        ).all()
        result = []
        for bay, dock_name, last_seen, tag in rows:
            upload = None
            if bay.files_total is not None and bay.bytes_total is not None:
                upload = Upload(
                    bay.files_done or 0, bay.files_total, bay.bytes_done or 0, bay.bytes_total
                )
            reading = BayReading(
                bay.serial, bay.battery, bay.charging, upload, bay.updating, bay.error
            )
            state = derive_state(reading, settings.min_battery_pct, is_offline(last_seen, now))
            result.append(
                BayRow(
                    (dock_name, bay.bay_no),
                    dock_name,
                    bay.bay_no,
                    state,
                    bay.serial or "",
                    tag or "",
                    bay.unit_id,
                    bay.battery,
                    bay.charging,
                    upload,
                    bay.updating,
                    bay.error or "",
                    bay.reported_at,
                    bay.occupied_since,
                    bay.serial is None or bay.unit_id is not None,
                )
            )
        return result

"""Where a returned camera goes: a free bay on a dock that is reporting, held for it.

Six returns in a row used to be told the same first free bay. A suggested bay is now held
(in the database, so every station sees it) for the camera told to use it, until a dock
reports a camera in that bay, or that camera in any bay, or ten minutes pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, delete, or_, select
from sqlalchemy.orm import Session, aliased

from bwc_desk.store.models import Bay, BayHold, Dock, OutOfService, UnitReading

HOLD_FOR = timedelta(minutes=10)
REPORTING_WITHIN = timedelta(seconds=30)


def _live_hold(now: datetime) -> ColumnElement[bool]:
    """Holds still standing: not lapsed, and no camera reported in the bay, nor the held
    camera in any bay, since the hold was made."""
    in_bay = aliased(UnitReading)
    held_docked = aliased(UnitReading)
    return and_(
        BayHold.held_at >= now - HOLD_FOR,
        ~select(in_bay.unit_id)
        .where(
            in_bay.dock == BayHold.dock,
            in_bay.bay_no == BayHold.bay_no,
            in_bay.reported_at >= BayHold.held_at,
        )
        .exists(),
        ~select(held_docked.unit_id)
        .where(held_docked.unit_id == BayHold.unit_id, held_docked.reported_at >= BayHold.held_at)
        .exists(),
    )


def _out_of_service() -> ColumnElement[bool]:
    """The bay, or its whole dock (bay 0), is out of service (daily dock inspection)."""
    return (
        select(OutOfService.id)
        .where(
            OutOfService.dock_id == Dock.id,
            OutOfService.bay_no.in_((0, Bay.bay_no)),
            OutOfService.back_at.is_(None),
        )
        .exists()
    )


def _free_bays(now: datetime) -> Select[str, int]:
    held = (
        select(BayHold.id)
        .where(BayHold.dock == Dock.name, BayHold.bay_no == Bay.bay_no, _live_hold(now))
        .exists()
    )
    return (
        select(Dock.name, Bay.bay_no)
        .join(Bay, Bay.dock_id == Dock.id)
        .where(
            Bay.serial.is_(None),
            Dock.last_seen_at >= now - REPORTING_WITHIN,
            ~held,
            ~_out_of_service(),
        )
        .order_by(Dock.name, Bay.bay_no)
        .limit(1)
    )


def suggest_bay(session: Session, now: datetime) -> str:
    """'DOCK-A bay 3': the first free bay not held for another camera, or ''. Reads only."""
    row = session.execute(_free_bays(now)).first()
    return f"{row[0]} bay {row[1]}" if row else ""


def hold_bay(session: Session, now: datetime, unit_id: int, station: str) -> str:
    """Suggest a bay for this returned camera and hold it for it (inside the return's write
    transaction: writers queue, so two stations cannot be given the same bay)."""
    # The camera's earlier hold, and holds that no longer stand, make room.
    session.execute(
        delete(BayHold).where(or_(BayHold.unit_id == unit_id, BayHold.held_at < now - HOLD_FOR))
    )
    row = session.execute(_free_bays(now)).first()
    if row is None:
        return ""
    dock, bay_no = row
    session.execute(delete(BayHold).where(BayHold.dock == dock, BayHold.bay_no == bay_no))
    session.add(BayHold(dock=dock, bay_no=bay_no, unit_id=unit_id, held_at=now, station=station))
    session.flush()
    return f"{dock} bay {bay_no}"


def release_hold(session: Session, unit_id: int) -> None:
    """The return was undone: the camera is not coming to a bay after all."""
    session.execute(delete(BayHold).where(BayHold.unit_id == unit_id))

"""Where a returned camera goes: a free bay on a dock that is reporting, held for it.

Six returns in a row used to be told the same first free bay. A suggested bay is now held
(in the database, so every station sees it) for the camera told to use it, until a dock
reports a camera in that bay, or that camera in any bay, or ten minutes pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Table, bindparam, delete, insert, or_, select
from sqlalchemy.orm import Session, aliased

from bwc_desk.store.fast import Read
from bwc_desk.store.models import Bay, BayHold, Dock, OutOfService, UnitReading

HOLD_FOR = timedelta(minutes=10)
REPORTING_WITHIN = timedelta(seconds=30)


# Built once (with bind parameters for the times): building these statements, with their
# aliases, cost more than running them, and each build was compiled and cached anew.
_IN_BAY = aliased(UnitReading)
_HELD_DOCKED = aliased(UnitReading)
# Holds still standing: not lapsed, and no camera reported in the bay, nor the held camera
# in any bay, since the hold was made. A handful (the returns of the last ten minutes); each
# check is an index search (ix_unit_readings_bay, the primary key).
_LIVE_HOLDS = Read(select(BayHold.dock, BayHold.bay_no).where(
    BayHold.held_at >= bindparam("lapsed"),
    ~select(_IN_BAY.unit_id)
    .where(
        _IN_BAY.dock == BayHold.dock,
        _IN_BAY.bay_no == BayHold.bay_no,
        _IN_BAY.reported_at >= BayHold.held_at,
    )
    .exists(),
    ~select(_HELD_DOCKED.unit_id)
    .where(_HELD_DOCKED.unit_id == BayHold.unit_id, _HELD_DOCKED.reported_at >= BayHold.held_at)
    .exists(),
))
# Empty bays on docks that are reporting, in the order they are suggested; the first one not
# held is among the first (holds + 1).
# A bay, or its whole dock (bay 0), out of service after a daily dock inspection.
_OUT_OF_SERVICE = (
    select(OutOfService.id)
    .where(
        OutOfService.dock_id == Dock.id,
        OutOfService.bay_no.in_((0, Bay.bay_no)),
        OutOfService.back_at.is_(None),
    )
    .exists()
)
_FREE_BAYS = Read(
    select(Dock.name, Bay.bay_no)
    .join(Bay, Bay.dock_id == Dock.id)
    .where(Bay.serial.is_(None), Dock.last_seen_at >= bindparam("seen"), ~_OUT_OF_SERVICE)
    .order_by(Dock.name, Bay.bay_no)
    .limit(bindparam("n"))
)
# Holds are never loaded as objects, and no view follows them (store/touched.py): they are
# written on the transaction's connection, past the session's bookkeeping (which cost more
# than the statements: a return waited on it).
_HOLDS: Table = BayHold.__table__  # type: ignore[assignment]
_FORGET_HOLDS = delete(_HOLDS).where(
    or_(_HOLDS.c.unit_id == bindparam("unit_id"), _HOLDS.c.held_at < bindparam("lapsed"))
)
_CLEAR_BAY = delete(_HOLDS).where(
    _HOLDS.c.dock == bindparam("dock"), _HOLDS.c.bay_no == bindparam("bay_no")
)
_HOLD = insert(_HOLDS)


def _first_free_bay(session: Session, now: datetime) -> tuple[str, int] | None:
    """The first free bay not held for another camera: the live holds once, then the free
    bays once (no per-bay subquery)."""
    # (Nothing the session holds unwritten is about bays, docks or holds: no flush first.)
    with session.no_autoflush:
        held = {
            (dock, bay_no)
            for dock, bay_no in _LIVE_HOLDS.all(session, {"lapsed": now - HOLD_FOR})
        }
        rows = _FREE_BAYS.all(session, {"seen": now - REPORTING_WITHIN, "n": len(held) + 1})
    for dock, bay_no in rows:
        if (dock, bay_no) not in held:
            return dock, bay_no
    return None


# The bay a reporting dock sees a camera in now (a camera returned while it sits in a bay).
_DOCKED_IN = Read(
    select(Dock.name, Bay.bay_no)
    .join(Bay, Bay.dock_id == Dock.id)
    .where(Bay.unit_id == bindparam("unit_id"), Dock.last_seen_at >= bindparam("seen"))
    .order_by(Dock.name, Bay.bay_no)
    .limit(1)
)


def docked_in(session: Session, now: datetime, unit_id: int) -> str:
    """'DOCK-F bay 3' where a dock that is reporting sees this camera now, or ''."""
    rows = _DOCKED_IN.all(session, {"unit_id": unit_id, "seen": now - REPORTING_WITHIN})
    return f"{rows[0][0]} bay {rows[0][1]}" if rows else ""


def suggest_bay(session: Session, now: datetime) -> str:
    """'DOCK-A bay 3': the first free bay not held for another camera, or ''. Reads only."""
    row = _first_free_bay(session, now)
    return f"{row[0]} bay {row[1]}" if row else ""


def hold_bay(session: Session, now: datetime, unit_id: int, station: str) -> str:
    """Suggest a bay for this returned camera and hold it for it (inside the return's write
    transaction: writers queue, so two stations cannot be given the same bay)."""
    # The camera's earlier hold, and holds that no longer stand, make room.
    connection = session.connection()
    connection.execute(_FORGET_HOLDS, {"unit_id": unit_id, "lapsed": now - HOLD_FOR})
    row = _first_free_bay(session, now)
    if row is None:
        return ""
    dock, bay_no = row
    connection.execute(_CLEAR_BAY, {"dock": dock, "bay_no": bay_no})
    connection.execute(
        _HOLD,
        {"dock": dock, "bay_no": bay_no, "unit_id": unit_id, "held_at": now, "station": station},
    )
    return f"{dock} bay {bay_no}"


def release_hold(session: Session, unit_id: int) -> None:
    """The return was undone: the camera is not coming to a bay after all."""
    session.execute(delete(BayHold).where(BayHold.unit_id == unit_id))

"""Docks and bays: what the feed reported and the custody events it implies (the view's
board and the alerts, which read what is written here: ``services.dock_board``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from bwc_desk.domain.docking import Upload
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.ledger import format_ts
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.units import UnitAction, UnitStatus, transition
from bwc_desk.services import dock_registry
from bwc_desk.services.context import Ctx
from bwc_desk.services.dto import UnitRow
from bwc_desk.services.records import record
from bwc_desk.services.settings import AgencySettings, read_settings
from bwc_desk.store.models import Bay, Checkout, Dock, Unit, UnitReading

# A camera out of its bay for less than this and back in the same bay writes no
# undocked/docked pair: a flapping bay writes at most one pair a minute per camera.
COALESCE_UNDOCKED = timedelta(minutes=1)


# What the dock feed (services/dockfeed.py, above this module) hands over at each flush,
# described here rather than imported from there: the feed builds on these writes.
class LiveBay(Protocol):
    dock: str
    bay: int
    serial: str | None
    battery: int | None
    charging: bool | None
    upload: Upload | None
    updating: bool | None
    error: str | None
    received_at: datetime
    battery_rate: float | None
    bytes_rate: float | None
    last_progress_at: datetime | None


class SeenDock(Protocol):
    bays: int
    peer: str
    last_seen: datetime | None
    errors: int
    last_error: str
    admit: bool


class Changes(Protocol):
    @property
    def docks(self) -> Mapping[str, SeenDock]: ...
    @property
    def bays(self) -> Sequence[LiveBay]: ...


# --- writing what the feed saw --------------------------------------------------------------


@dataclass
class Handover:
    """Part of a flush, or several journaled moves: what ``apply_in`` is handed."""

    bays: list[Any] = field(default_factory=list)
    docks: dict[str, Any] = field(default_factory=dict)


# Bays written in one transaction at most: the writer's lock is given back between parts,
# so a scan at the counter waits for one part (~20 docks), not for 1,200 bays.
PART_BAYS = 240


def parts(changes: Changes, most: int | None = None) -> list[Handover]:
    """``changes`` cut into parts of whole docks, ``most`` (PART_BAYS) bays or so each."""
    most = PART_BAYS if most is None else most
    by_dock: dict[str, list[Any]] = {}
    for bay in changes.bays:
        by_dock.setdefault(bay.dock, []).append(bay)
    names = sorted({*changes.docks, *by_dock})  # (in a steady order: by name)
    out: list[Handover] = []
    part = Handover()
    for name in names:
        if part.bays and len(part.bays) + len(by_dock.get(name, ())) > most:
            out.append(part)
            part = Handover()
        if name in changes.docks:
            part.docks[name] = changes.docks[name]
        part.bays.extend(by_dock.get(name, ()))
    if part.bays or part.docks:
        out.append(part)
    return out


def apply_changes(
    ctx: Ctx, changes: Changes, between: Callable[[], None] | None = None
) -> None:
    """A transaction per part of a flush (whole docks, ``PART_BAYS`` bays or so): docks
    seen, bay states, and a custody event for each camera that arrived in or left a bay
    since the database last knew. Only registered docks (and docks admitted while the admit
    window is open) are written; anything else is dropped. A part that fails leaves the
    parts before it written: the feed hands the whole flush over again, and what is written
    twice is the same state (custody events are computed against the database).
    ``between`` is called before each part (the feed gives way to a person there)."""
    for part in parts(changes):
        if between is not None:
            between()
        with ctx.db.write() as session:
            apply_in(ctx, session, part)


def apply_in(
    ctx: Ctx, session: Session, changes: Changes, *, dated_by_report: bool = False
) -> None:
    """``apply_changes`` inside a transaction the caller opened (the journal's replay writes
    its mark in the same one); records are dated ``ctx.now()``, or, ``dated_by_report``, each
    camera's arrival when its bay's report was received (the journal's replay of several
    moves at once; undocked records that fall due are dated when they did either way)."""
    settings = read_settings(session)
    names = set(changes.docks) | {b.dock for b in changes.bays}
    docks = (
        {d.name: d for d in session.execute(select(Dock).where(Dock.name.in_(names))).scalars()}
        if names
        else {}
    )
    for name, seen in changes.docks.items():
        dock = docks.get(name)
        if dock is None:
            if not seen.admit:
                continue  # not registered (or removed meanwhile): nothing is written
            dock = dock_registry.admit(ctx, session, name, seen.bays, seen.peer)
            if dock is None:
                continue
            docks[name] = dock
        if seen.bays:
            dock.bays = seen.bays
        if seen.last_seen is not None:
            dock.last_seen_at = seen.last_seen
        dock.station = ctx.station
        if seen.errors:
            dock.error_count = (dock.error_count or 0) + seen.errors
            dock.last_error = seen.last_error
    session.flush()
    writes = _Writes()
    # Most bays hold the camera they held: written from plain rows. The others (a camera
    # arrived or left, a camera the inventory did not know) go through the objects below.
    live_bays = _steady(session, docks, [b for b in changes.bays if b.dock in docks], writes)
    dock_ids = [docks[b.dock].id for b in live_bays]
    current = (
        {
            (b.dock_id, b.bay_no): b
            for b in session.execute(select(Bay).where(Bay.dock_id.in_(dock_ids))).scalars()
        }
        if dock_ids
        else {}
    )
    serials = {b.serial.upper() for b in live_bays if b.serial}
    serials |= {b.serial.upper() for b in current.values() if b.serial}
    units = (
        {
            u.serial: u
            for u in session.execute(select(Unit).where(Unit.serial.in_(serials))).scalars()
        }
        if serials
        else {}
    )
    # Every reading these cameras have, in one query (one SELECT per bay was most of a
    # flush's time: 1,200 bays took 0.3 s of the flusher's 0.5 s period).
    readings: dict[int, UnitReading] = (
        {
            r.unit_id: r
            for r in session.execute(
                select(UnitReading).where(UnitReading.unit_id.in_([u.id for u in units.values()]))
            ).scalars()
        }
        if units
        else {}
    )
    rows = []
    for live in live_bays:
        dock = docks[live.dock]
        row = current.get((dock.id, live.bay))
        if row is None:
            row = Bay(dock_id=dock.id, bay_no=live.bay)
            session.add(row)
        rows.append((dock, row, live))
    # Cameras leave before others arrive, so that a camera moved from one bay to
    # another within one flush is undocked there before it is docked here.
    for dock, row, live in rows:
        _leave(session, dock, row, live, units, readings)
    # Without autoflush: each record's statements flushed the ORM's pending rows of the
    # camera before (a flush per camera); what the loop reads never needs them.
    with session.no_autoflush:
        for dock, row, live in rows:
            at = replace(ctx, clock=_at(live.received_at)) if dated_by_report else ctx
            _arrive(at, session, dock, row, live, units, readings, settings, writes)
    session.flush()
    writes.write(session)
    _write_due_undocks(ctx, session)


def _leave(
    session: Session,
    dock: Dock,
    row: Bay,
    live: LiveBay,
    units: dict[str, Unit],
    readings: dict[int, UnitReading],
) -> None:
    """A camera gone from its bay: its "undocked" record waits a minute (``left_at``), so a
    camera back in the same bay meanwhile (a flapping contact) writes no pair at all."""
    old_serial = (row.serial or "").upper() or None
    new_serial = (live.serial or "").upper() or None
    left = units.get(old_serial) if old_serial and old_serial != new_serial else None
    if left is None:
        return
    reading = readings.get(left.id)
    if reading is None:  # docked without a reading (registered while in the bay)
        reading = UnitReading(unit_id=left.id, dock=dock.name, bay_no=live.bay, in_bay=True)
        reading.reported_at = live.received_at
        session.add(reading)
        readings[left.id] = reading
    if reading.in_bay and (reading.dock, reading.bay_no) == (dock.name, live.bay):
        reading.in_bay = False
        reading.left_at = live.received_at


def _arrive(
    ctx: Ctx,
    session: Session,
    dock: Dock,
    row: Bay,
    live: LiveBay,
    units: dict[str, Unit],
    readings: dict[int, UnitReading],
    settings: AgencySettings,
    writes: _Writes,
) -> None:
    old_serial = (row.serial or "").upper() or None
    new_serial = (live.serial or "").upper() or None
    where = {"dock": dock.name, "bay": live.bay}
    unit = units.get(new_serial) if new_serial else None
    if old_serial != new_serial and unit is not None:
        reading = readings.get(unit.id)
        here = reading is not None and (reading.dock, reading.bay_no) == (dock.name, live.bay)
        if here and reading is not None and (reading.left_at is not None or reading.in_bay):
            reading.left_at = None  # back within the minute: as if it never left
        else:
            if reading is not None and (reading.in_bay or reading.left_at is not None):
                _undocked(ctx, session, unit, reading)  # moved from another bay
            record(ctx, session, ctx.actor or _feed(), EventKind.DOCKED, unit,
                   details={**where, "battery": live.battery})
            _return_if_due(ctx, session, unit, dock.name, live.bay, settings)
    values = _bay_values(
        dock,
        live,
        new_serial,
        unit.id if unit is not None else None,
        (live.received_at if new_serial else None)
        if old_serial != new_serial
        else row.occupied_since,
    )
    if row in session.new:
        for name, value in values.items():
            setattr(row, name, value)
    elif _says_nothing_new(row, values):
        return  # (its camera's reading neither: it measures what the bay does)
    else:
        writes.bays.append(values)
    if unit is None:
        return
    measured = {name: values[name] for name in _READING_FIELDS}
    reading = readings.get(unit.id)
    if reading is None:
        reading = UnitReading(
            unit_id=unit.id, dock=dock.name, bay_no=live.bay, in_bay=True, **measured
        )
        session.add(reading)
        readings[unit.id] = reading
        return
    # Where the camera is changes rarely (an ORM update); what it measures, every second,
    # in one statement of one shape (see _Writes).
    if (reading.dock, reading.bay_no, reading.in_bay) != (dock.name, live.bay, True):
        reading.dock, reading.bay_no, reading.in_bay = dock.name, live.bay, True
    if reading.left_at is not None:
        reading.left_at = None
    writes.readings.append({"unit_id": unit.id, **measured})


def _bay_values(
    dock: Dock,
    live: LiveBay,
    serial: str | None,
    unit_id: int | None,
    occupied_since: datetime | None,
) -> dict[str, Any]:
    """A bay's row as its report says it (every column: one statement shape, see _Writes)."""
    upload = live.upload
    return {
        "dock_id": dock.id,
        "bay_no": live.bay,
        "serial": serial,
        "unit_id": unit_id,
        "battery": live.battery,
        "charging": live.charging,
        "files_done": upload.files_done if upload else None,
        "files_total": upload.files_total if upload else None,
        "bytes_done": upload.bytes_done if upload else None,
        "bytes_total": upload.bytes_total if upload else None,
        "updating": live.updating,
        "error": live.error,
        "reported_at": live.received_at,
        "battery_rate": live.battery_rate,
        "bytes_rate": live.bytes_rate,
        "last_progress_at": live.last_progress_at,
        "occupied_since": occupied_since,
    }


def _steady(
    session: Session, docks: dict[str, Dock], live_bays: list[LiveBay], writes: _Writes
) -> list[LiveBay]:
    """Write the bays that hold the camera they held (known to the inventory, its reading in
    this bay) from plain rows: no objects loaded for 1,200 bays twice a second. Returns the
    others, for the objects' path (``_leave``/``_arrive``)."""
    ids = {docks[b.dock].id for b in live_bays}
    if not ids:
        return live_bays
    current = {
        (r.dock_id, r.bay_no): r
        for r in session.execute(
            select(_BAYS, Unit.serial.label("unit_serial"))
            .outerjoin(Unit, Unit.id == _BAYS.c.unit_id)
            .where(_BAYS.c.dock_id.in_(ids))
        )
    }
    steady: list[tuple[Dock, Any, LiveBay]] = []
    others: list[LiveBay] = []
    for live in live_bays:
        dock = docks[live.dock]
        row = current.get((dock.id, live.bay))
        serial = (live.serial or "").upper() or None
        if row is None or row.serial != serial or (serial and row.unit_serial != serial):
            others.append(live)  # new, changed, or a camera the inventory did not know
        else:
            steady.append((dock, row, live))
    unit_ids = [row.unit_id for _d, row, _l in steady if row.unit_id is not None]
    where = (
        {
            r.unit_id: (r.dock, r.bay_no, bool(r.in_bay), r.left_at)
            for r in session.execute(
                select(
                    _READINGS.c.unit_id, _READINGS.c.dock, _READINGS.c.bay_no,
                    _READINGS.c.in_bay, _READINGS.c.left_at,
                ).where(_READINGS.c.unit_id.in_(unit_ids))
            )
        }
        if unit_ids
        else {}
    )
    for dock, row, live in steady:
        if row.unit_id is not None and where.get(row.unit_id) != (dock.name, live.bay, True, None):
            others.append(live)  # its reading says elsewhere, or none: put right there
            continue
        values = _bay_values(dock, live, row.serial, row.unit_id, row.occupied_since)
        if _says_nothing_new(row, values):
            continue
        writes.bays.append(values)
        if row.unit_id is not None:
            writes.readings.append(
                {"unit_id": row.unit_id, **{name: values[name] for name in _READING_FIELDS}}
            )
    return others


# A bay whose report says nothing new (the same camera, battery, upload, flags) is written
# this often, to move its time of report: a dock room's cameras mostly sit charged and
# uploaded, and writing 1,200 unchanged bays twice a second held the interpreter and the
# writer's lock for nothing. (Offline is the dock's own time, written at every flush; the
# rates and the last progress, which move with the clock, wait as long.)
RESTATE_EVERY = timedelta(seconds=5)
_COMPARED = (
    "serial", "unit_id", "battery", "charging", "files_done", "files_total", "bytes_done",
    "bytes_total", "updating", "error", "occupied_since",
)


def _says_nothing_new(row: Any, values: dict[str, Any]) -> bool:
    """``row``: the bay as the database has it (an object or a plain row)."""
    said = row.reported_at
    if said is None or values["reported_at"] - said >= RESTATE_EVERY:
        return False
    return all(getattr(row, name) == values[name] for name in _COMPARED)


_READING_FIELDS = (
    "battery",
    "charging",
    "files_done",
    "files_total",
    "bytes_done",
    "bytes_total",
    "updating",
    "error",
    "reported_at",
)


@dataclass
class _Writes:
    """The bays' and readings' states of one flush, written as one executemany UPDATE each
    with every column, in Core: the ORM's own UPDATEs name only the columns that changed
    (a new statement shape, and a new entry in SQLAlchemy's compiled-statement cache, for
    each combination of changed columns: the app's memory grew while idle with the demo's
    docks), and its bulk UPDATE by primary key spent more time matching 1,200 rows to the
    objects of the session than the database spent writing them."""

    bays: list[dict[str, Any]] = field(default_factory=list)
    readings: list[dict[str, Any]] = field(default_factory=list)

    def write(self, session: Session) -> None:
        if self.bays:
            session.execute(_UPDATE_BAYS, [{**b, "k_dock": b["dock_id"], "k_bay": b["bay_no"]}
                                           for b in self.bays])
        if self.readings:
            session.execute(_UPDATE_READINGS, [{**r, "k_unit": r["unit_id"]}
                                               for r in self.readings])


_BAYS: Table = Bay.__table__  # type: ignore[assignment]
_READINGS: Table = UnitReading.__table__  # type: ignore[assignment]
# Each row's key under names of its own ("dock_id" stays in the SET list, to the same value,
# so the transaction's collector sees which dock each row is in).
_UPDATE_BAYS = update(_BAYS).where(
    _BAYS.c.dock_id == bindparam("k_dock"), _BAYS.c.bay_no == bindparam("k_bay")
)
_UPDATE_READINGS = update(_READINGS).where(_READINGS.c.unit_id == bindparam("k_unit"))


def _return_if_due(
    ctx: Ctx, session: Session, unit: Unit, dock: str, bay: int, settings: AgencySettings
) -> None:
    """An issued camera docked: a pooled one is returned by the docking (agency setting, on
    by default); an officer's own camera only if the agency chose that (off by default),
    else it stays issued and the board raises an alert."""
    if unit.status != UnitStatus.ISSUED.value:
        return
    due = (
        settings.unassign_pool_on_dock
        if unit.pool_id is not None
        else settings.return_assigned_on_dock
    )
    if due:
        _return_by_docking(ctx, session, unit, dock, bay)


def _undocked(ctx: Ctx, session: Session, unit: Unit, reading: UnitReading) -> None:
    details: dict[str, Any] = {"dock": reading.dock, "bay": reading.bay_no}
    if reading.left_at is not None:
        details["left_at"] = format_ts(reading.left_at)
    record(ctx, session, ctx.actor or _feed(), EventKind.UNDOCKED, unit, details=details)
    reading.in_bay, reading.left_at = False, None


def _write_due_undocks(ctx: Ctx, session: Session) -> int:
    # The readings first, by their left_at index, then their units: SQLite's planner, asked
    # for the join, scanned every unit (3 ms, at each of the feed's transactions).
    readings = list(
        session.execute(
            select(UnitReading)
            .where(UnitReading.left_at <= ctx.now() - COALESCE_UNDOCKED)
            .order_by(UnitReading.left_at, UnitReading.unit_id)
        ).scalars()
    )
    if not readings:
        return 0
    units = {
        u.id: u
        for u in session.execute(
            select(Unit).where(Unit.id.in_([r.unit_id for r in readings]))
        ).scalars()
    }
    due = [(r, units[r.unit_id]) for r in readings if r.unit_id in units]
    for reading, unit in due:
        # Dated when it fell due (what a live feed writes, give or take a sweep), also when
        # the journal replays it after the database was away.
        left = reading.left_at or ctx.now()
        when = min(ctx.now(), left + COALESCE_UNDOCKED)
        _undocked(replace(ctx, clock=_at(when)), session, unit, reading)
    return len(due)


def _at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def write_due_undocks(ctx: Ctx) -> int:
    """The undocked records of cameras out of their bays for a minute or more (the flusher
    calls this when nothing else happens). Reads first, so an idle feed writes nothing."""
    cutoff = ctx.now() - COALESCE_UNDOCKED
    with ctx.db.read() as session:
        pending = session.execute(
            select(UnitReading.unit_id).where(UnitReading.left_at <= cutoff).limit(1)
        ).first()
    if pending is None:
        return 0
    with ctx.db.write() as session:
        return _write_due_undocks(ctx, session)


def _feed() -> Any:
    from bwc_desk.services.context import DOCK_FEED

    return DOCK_FEED


def _return_by_docking(ctx: Ctx, session: Session, unit: Unit, dock: str, bay: int) -> None:
    """A camera docked after the shift is unassigned again: its open issue ends."""
    checkout = session.execute(
        select(Checkout).where(Checkout.unit_id == unit.id, Checkout.returned_at.is_(None))
    ).scalar_one_or_none()
    if checkout is None:
        return
    unit.status = transition(unit.asset_tag, UnitStatus(unit.status), UnitAction.RETURN).value
    seq = record(
        ctx,
        session,
        ctx.actor or _feed(),
        EventKind.RETURNED,
        unit,
        officer_id=checkout.officer_id,
        reason=f"{'pooled camera' if unit.pool_id is not None else 'camera'} returned by "
        f"docking in {dock} bay {bay}",
        details={"issued_seq": checkout.issued_seq, "by_dock": True},
    )
    checkout.returned_at = ctx.now()
    checkout.returned_seq = seq
    checkout.returned_by = (ctx.actor or _feed()).username


def register_docked(ctx: Ctx, serial: str, asset_tag: str, model: str = "") -> UnitRow:
    """The 'register it' action of an unregistered camera in a bay: the unit is added and,
    since it is sitting in a bay, recorded as docked there, in one transaction."""
    from bwc_desk.services.inventory import UnitInput, insert_unit, unit_row
    from bwc_desk.store import queries

    actor = ctx.require(Permission.MANAGE_UNITS, "register cameras")
    with ctx.db.write() as session:
        unit = insert_unit(
            ctx,
            session,
            actor,
            UnitInput(asset_tag, serial, model),
            UnitStatus.AVAILABLE,
            "registered from a dock bay",
        )
        for bay in session.execute(
            select(Bay).where(func.upper(Bay.serial) == unit.serial)
        ).scalars():
            bay.unit_id = unit.id
            dock = session.get(Dock, bay.dock_id)
            record(
                ctx,
                session,
                actor,
                EventKind.DOCKED,
                unit,
                details={"dock": dock.name if dock else "", "bay": bay.bay_no},
            )
        session.flush()
        return unit_row(queries.unit_rows(session, [unit.id])[0])

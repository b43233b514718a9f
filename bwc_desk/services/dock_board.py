"""The Docks view's board: every dock and bay as last reported, their states derived now,
the summary counts and the alerts. Reads only: what the feed reported is written by
``services.docks``."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from bwc_desk.domain.docking import (
    STALLED_AFTER,
    BayReading,
    BayState,
    Upload,
    derive_state,
    estimate_ready,
    is_offline,
)
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.units import UnitStatus
from bwc_desk.services import dock_registry
from bwc_desk.services.context import Ctx
from bwc_desk.services.inspections import missing_in, missing_text
from bwc_desk.services.repairs import out_of_service_in
from bwc_desk.services.settings import read_settings
from bwc_desk.store import config
from bwc_desk.store.db import Database
from bwc_desk.store.fast import Read
from bwc_desk.store.models import Bay, Checkout, Dock, Officer, Unit


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
    eta: timedelta | None = None
    stalled: bool = False
    issued_to: str = ""  # the officer the camera is issued to, if it is out
    issued_at: datetime | None = None
    out_of_service: str = ""  # why the bay (or its dock) is out of service; "" when in
    held: str = ""  # the camera's status when it may not be handed out (stolen, in repair...)

    @property
    def issued(self) -> bool:
        return bool(self.issued_to)

    @property
    def label(self) -> str:
        return f"{self.dock} bay {self.bay}"


@dataclass(frozen=True, slots=True)
class DockRow:
    name: str
    bays: int
    station: str
    last_seen_at: datetime | None
    offline: bool
    error_count: int
    last_error: str
    bay_rows: tuple[BayRow, ...] = ()
    out_of_service: str = ""  # why the whole dock is out of service (daily inspection)


ISSUED_IN_DOCK = "issued_in_dock"
# A camera issued at the counter while it sat in its bay, and still there this long after:
# the officer left without it, or it was issued by mistake.
LEFT_IN_DOCK = "left_in_dock"
LEFT_IN_DOCK_AFTER_S = 120
# The summary's count of issued cameras still in a bay (not ready to hand out: they are out).
ISSUED_COUNT = "issued"
# A bay whose camera reports an error (an upload that failed: footage not offloaded).
BAY_ERROR = "bay_error"
# A camera in a bay whose record says it may not be handed out (stolen, lost, in repair,
# retired), whatever its battery and upload say: an alert, and counted apart from the ready.
HELD_IN_DOCK = "held_in_dock"
HELD_COUNT = "held"
HELD_STATUSES: frozenset[str] = frozenset(
    s.value for s in (UnitStatus.IN_REPAIR, UnitStatus.LOST, UnitStatus.STOLEN,
                      UnitStatus.RETIRED)
)


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # "offline", "stalled", "unregistered", ISSUED_IN_DOCK
    text: str
    dock: str
    bay: int | None = None
    unit_tag: str = ""
    officer: str = ""  # ISSUED_IN_DOCK: the officer the camera is issued to
    issued_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Board:
    docks: tuple[DockRow, ...]
    counts: dict[str, int] = field(default_factory=dict)
    alerts: tuple[Alert, ...] = ()
    at: datetime | None = None
    admit_until: datetime | None = None  # an "admit new docks" window open until then


def _bay_row(
    bay: _BayFields,
    dock: Dock,
    now: datetime,
    min_battery: int,
    offline: bool,
) -> BayRow:
    tag = bay.asset_tag
    issued = (
        (bay.last_name or bay.first_name or "", bay.issued_at)
        if bay.issued_at is not None
        else None
    )
    upload = None
    if bay.files_total is not None and bay.bytes_total is not None:
        upload = Upload(bay.files_done or 0, bay.files_total, bay.bytes_done or 0, bay.bytes_total)
    reading = BayReading(bay.serial, bay.battery, bay.charging, upload, bay.updating, bay.error)
    registered = bay.serial is None or bay.unit_id is not None
    state = derive_state(reading, min_battery, offline, registered)
    eta = None
    if state in (BayState.CHARGING, BayState.UPLOADING):
        eta = estimate_ready(bay.battery, bay.battery_rate, upload, bay.bytes_rate, min_battery)
    stalled = (
        not offline
        and upload is not None
        and upload.pending
        and bay.last_progress_at is not None
        and now - bay.last_progress_at > STALLED_AFTER
    )
    return BayRow(
        (dock.name, bay.bay_no),
        dock.name,
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
        registered,
        eta,
        stalled,
        issued[0] if issued else "",
        issued[1] if issued else None,
        held=bay.unit_status if bay.unit_status in HELD_STATUSES else "",
    )


class _BayFields(NamedTuple):
    """A bay as the board reads it (columns, not an ORM object: building and instrumenting
    1,200 Bay objects took about half of a read of the board, one that runs on a worker
    every few seconds while the counter is busy), with its camera's tag and, for a camera
    that is out, who has it since when."""

    dock_id: int
    bay_no: int
    serial: str | None
    unit_id: int | None
    battery: int | None
    charging: bool | None
    files_done: int | None
    files_total: int | None
    bytes_done: int | None
    bytes_total: int | None
    updating: bool | None
    error: str | None
    reported_at: datetime | None
    occupied_since: datetime | None
    battery_rate: float | None
    bytes_rate: float | None
    last_progress_at: datetime | None
    asset_tag: str | None
    last_name: str | None
    first_name: str | None
    issued_at: datetime | None
    unit_status: str | None


_BOARD_BAYS = Read(
    select(
        Bay.dock_id, Bay.bay_no, Bay.serial, Bay.unit_id, Bay.battery, Bay.charging,
        Bay.files_done, Bay.files_total, Bay.bytes_done, Bay.bytes_total, Bay.updating,
        Bay.error, Bay.reported_at, Bay.occupied_since, Bay.battery_rate, Bay.bytes_rate,
        Bay.last_progress_at, Unit.asset_tag, Officer.last_name, Officer.first_name,
        Checkout.issued_at, Unit.status,
    )
    .outerjoin(Unit, Unit.id == Bay.unit_id)
    .outerjoin(
        Checkout,
        and_(
            Checkout.unit_id == Bay.unit_id,
            Checkout.returned_at.is_(None),
            Unit.status == UnitStatus.ISSUED.value,
        ),
    )
    .outerjoin(Officer, Officer.id == Checkout.officer_id)
    .order_by(Bay.dock_id, Bay.bay_no)
)


def _when(ctx: Ctx, at: datetime, now: datetime) -> str:
    """A time of today as 07:02, of another day with its date."""
    local = at.astimezone(ctx.zone)
    return f"{local:%H:%M}" if local.date() == now.astimezone(ctx.zone).date() else (
        f"{local:%d %b %H:%M}"
    )


def _issued_alert(ctx: Ctx, bay: BayRow, issued_at: datetime, now: datetime) -> Alert:
    """'HPD-BWC-0226 is in DOCK-F bay 1 but is issued to Mendoza since 07:02': a camera
    that is out turned up in a dock (the dock does not return it; the counter does)."""
    when = _when(ctx, issued_at, now)
    tag = bay.asset_tag or bay.serial
    return Alert(
        ISSUED_IN_DOCK,
        f"{tag} is in {bay.dock} bay {bay.bay} but is issued to {bay.issued_to} since {when}",
        bay.dock,
        bay.bay,
        unit_tag=tag,
        officer=bay.issued_to,
        issued_at=issued_at,
    )


def _held_alert(bay: BayRow) -> Alert:
    """'HPD-BWC-0412 in DOCK-A bay 2 is recorded as stolen: do not hand it out...'."""
    tag = bay.asset_tag or bay.serial
    if bay.held == UnitStatus.RETIRED.value:
        what = "Take it out of the dock."
    elif bay.held == UnitStatus.IN_REPAIR.value:
        what = "A supervisor returns it to service in Inventory once it is repaired."
    else:
        what = "A supervisor returns it to service in Inventory once it is cleared."
    return Alert(
        HELD_IN_DOCK,
        f"{tag} in {bay.label} is recorded as {bay.held}: do not hand it out. {what}",
        bay.dock,
        bay.bay,
        unit_tag=tag,
    )


def _left_alert(ctx: Ctx, bay: BayRow, issued_at: datetime, now: datetime) -> Alert:
    """'HPD-BWC-0412 was issued to Mendoza at 07:02 but is still in DOCK-A bay 2': issued
    at the counter from its bay, and never taken out of it."""
    when = _when(ctx, issued_at, now)
    tag = bay.asset_tag or bay.serial
    return Alert(
        LEFT_IN_DOCK,
        f"{tag} was issued to {bay.issued_to} at {when} but is still in {bay.dock} bay "
        f"{bay.bay}: hand it to the officer, or undo the issue at the counter (return it)",
        bay.dock,
        bay.bay,
        unit_tag=tag,
        officer=bay.issued_to,
        issued_at=issued_at,
    )


INSPECTION_MISSING = "inspection"


def _inspection_state(
    ctx: Ctx, session: Session, now: datetime
) -> tuple[dict[tuple[int, int], str], list[str], int]:
    """What the daily dock inspection adds to the board: docks and bays out of service,
    the docks not inspected today (after the due hour), and that hour."""
    due = read_settings(session).inspection_due_hour
    return out_of_service_in(session), missing_in(session, now, ctx.zone), due


def _mark_out_of_service(
    bays: tuple[BayRow, ...], dock_id: int, out: dict[tuple[int, int], str]
) -> tuple[BayRow, ...]:
    whole = out.get((dock_id, 0), "")
    return tuple(
        replace(b, out_of_service=out.get((dock_id, b.bay), "") or whole)
        if whole or (dock_id, b.bay) in out
        else b
        for b in bays
    )


def board(ctx: Ctx) -> Board:
    """Every dock and bay as last reported, states derived now (offline after 30 s), with
    the summary counts and the alerts."""
    ctx.require(Permission.READ)
    now = ctx.now()
    with ctx.db.read() as session:
        min_battery = read_settings(session).min_battery_pct
        window = dock_registry.read_admission(session)
        docks = list(session.execute(select(Dock).order_by(Dock.name)).scalars())
        rows = _BOARD_BAYS.all(session)
        out, missing, due = _inspection_state(ctx, session, now)
    by_dock: dict[int, list[_BayFields]] = {}
    for row in rows:
        bay = _BayFields._make(row)
        by_dock.setdefault(bay.dock_id, []).append(bay)
    counts = {s.value: 0 for s in BayState}
    counts[ISSUED_COUNT] = 0
    counts[HELD_COUNT] = 0
    alerts: list[Alert] = []
    dock_rows = []
    for dock in docks:
        offline = is_offline(dock.last_seen_at, now)
        bays = tuple(
            _bay_row(b, dock, now, min_battery, offline) for b in by_dock.get(dock.id, [])
        )
        if out:
            bays = _mark_out_of_service(bays, dock.id, out)
        if dock.name in missing:
            alerts.append(Alert(INSPECTION_MISSING, missing_text(dock.name, due), dock.name))
        if offline:
            since = (
                f"since {dock.last_seen_at.astimezone(ctx.zone):%H:%M}"
                if dock.last_seen_at
                else "never reported"
            )
            alerts.append(
                Alert(
                    "offline",
                    f"{dock.name} is offline ({since}): its bays "
                    "are unknown. Check its power and network.",
                    dock.name,
                )
            )
        for b in bays:
            seen = b.state not in (BayState.OFFLINE, BayState.EMPTY)
            if seen and b.held:
                counts[HELD_COUNT] += 1
                alerts.append(_held_alert(b))
            else:
                counts[ISSUED_COUNT if seen and b.issued else b.state.value] += 1
            if b.state is BayState.ERROR and b.error:
                alerts.append(
                    Alert(
                        BAY_ERROR,
                        f"{b.label}: {b.asset_tag or b.serial} reports an error: {b.error}. "
                        "Reseat the camera; if it stays, check the dock, its network and "
                        "the evidence server.",
                        dock.name,
                        b.bay,
                        unit_tag=b.asset_tag or b.serial,
                    )
                )
            if b.stalled:
                alerts.append(
                    Alert(
                        "stalled",
                        f"{b.label}: {b.asset_tag or b.serial} has "
                        "made no upload progress for 15 minutes. Reseat the "
                        "camera or check the dock's network.",
                        dock.name,
                        b.bay,
                    )
                )
            if (
                b.issued
                and b.issued_at is not None
                and not offline
                and (b.occupied_since is None or b.occupied_since >= b.issued_at)
            ):  # docked after the issue; a camera still in its bay while it is picked up is not
                alerts.append(_issued_alert(ctx, b, b.issued_at, now))
            elif (
                b.issued
                and b.issued_at is not None
                and not offline
                and (now - b.issued_at).total_seconds() >= LEFT_IN_DOCK_AFTER_S
            ):  # issued from its bay, and never lifted out
                alerts.append(_left_alert(ctx, b, b.issued_at, now))
            if b.serial and not b.registered:
                alerts.append(
                    Alert(
                        "unregistered",
                        f"{b.label}: camera {b.serial} is not in "
                        "the inventory. Register it or take it out.",
                        dock.name,
                        b.bay,
                    )
                )
        dock_rows.append(
            DockRow(
                dock.name,
                dock.bays,
                dock.station,
                dock.last_seen_at,
                offline,
                dock.error_count,
                dock.last_error,
                bays,
                out.get((dock.id, 0), ""),
            )
        )
    admit_until = window.until if window is not None and window.open_at(now) else None
    return Board(tuple(dock_rows), counts, tuple(alerts), now, admit_until)


def list_bays(ctx: Ctx) -> list[BayRow]:
    return [bay for dock in board(ctx).docks for bay in dock.bay_rows]


def alerts(ctx: Ctx) -> tuple[Alert, ...]:
    return board(ctx).alerts


# --- where this station's dock feed listens ----------------------------------------------
LISTENING = "listening"
FAILED = "failed"  # it tried and could not (a port in use, no token off loopback)
NOT_RUNNING = "not running"  # not started (yet: it starts after the window), or stopped
TURNED_OFF = "turned off"  # dock_feed_enabled is false in station.json


@dataclass(frozen=True, slots=True)
class FeedAddress:
    """Where docks reach this station: the bound address when the feed listens, else the
    one station.json configures."""

    host: str
    port: int
    state: str
    problem: str = ""


_feeds: dict[str, FeedAddress] = {}  # this process's dock feeds, by database
_feeds_lock = threading.Lock()


def _feed_key(db: Database) -> str:
    return db.url.render_as_string(hide_password=True)


def tell_feed(db: Database, address: FeedAddress | None) -> None:
    """The dock feed writing into ``db`` says where it listens (or that it failed); None
    when it stops."""
    with _feeds_lock:
        if address is None:
            _feeds.pop(_feed_key(db), None)
        else:
            _feeds[_feed_key(db)] = address


def feed_address(ctx: Ctx) -> FeedAddress:
    """Where this station's dock feed listens, or why it does not (the Docks view's hint to
    whoever sets up the docks). Reads station.json: call it off the main thread."""
    with _feeds_lock:
        told = _feeds.get(_feed_key(ctx.db))
    if told is not None:
        return told
    station = config.load()
    return FeedAddress(station.dock_host, station.dock_port,
                       NOT_RUNNING if station.dock_feed_enabled else TURNED_OFF)

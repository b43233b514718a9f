"""Stations registered by id: two PCs configured with the same station name are refused.

Every record names its station by name. So that a name is exactly one PC, each station keeps
a random id in its station.json (`station_id`) and claims its name in the database's
`stations` table at start; a name claimed by another id is refused, with a message telling
IT what to do. (A name seen before any station claimed it, e.g. at a command-line sign-in,
is claimed by the first station that starts under it.) A station renamed in its config
keeps its id and claims the new name if it is free; its old name is released.

The id is random, made once and saved in the user's station.json, unless IT's machine file
sets one (a PC several operating-system users share: see docs/install.md). It is never
derived from the operating system's machine id: PCs cloned from one disk image share that id,
and two of them under one station name would not be told apart. Stations registered by an
older version under the id derived from the machine id keep it: the first start after the
upgrade writes it to station.json when this name's registration holds this PC's derived id.
"""

from __future__ import annotations

import socket
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Permission
from bwc_desk.services import audit
from bwc_desk.services.context import SYSTEM, Ctx
from bwc_desk.store import config, paths
from bwc_desk.store.db import Database
from bwc_desk.store.models import Station
from bwc_desk.store.pg_roles import grant_app_role


class StationNameTaken(DomainError):
    """Another PC already claimed this station name in this database."""


@dataclass(frozen=True, slots=True)
class StationRow:
    name: str
    station_id: str | None
    hostname: str
    registered_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class StationInfo:
    """This station and the database it works on, as the UI shows them: the UI is handed
    this, never the Database (which the services alone open sessions on)."""

    station: str
    station_id: str | None
    database: str  # where the data is: the SQLite file, or the URL without its password
    database_short: str  # the file's name, or host:port/database (the status bar)
    url: str  # without the password
    is_sqlite: bool
    is_postgresql: bool
    path: Path | None  # the SQLite file
    backups_folder: Path | None  # beside the SQLite file (the agency may choose another)


def station_info(ctx: Ctx) -> StationInfo:
    """Reads no database; station.json for the id (without writing one)."""
    db = ctx.db
    url = db.url
    if db.path is not None:
        short = db.path.name
    elif db.is_sqlite:
        short = db.display
    else:
        short = f"{url.host}:{url.port or 5432}/{url.database}"
    return StationInfo(
        station=ctx.station,
        station_id=config.load().station_id or None,
        database=db.display,
        database_short=short,
        url=url.render_as_string(hide_password=True),
        is_sqlite=db.is_sqlite,
        is_postgresql=db.is_postgresql,
        path=db.path,
        backups_folder=db.path.parent / "backups" if db.path is not None else None,
    )


def _row(s: Station) -> StationRow:
    return StationRow(s.name, s.station_id, s.hostname, s.first_seen, s.last_seen)


def _machine_id_file() -> Path:
    return Path("/etc/machine-id")


def _pc_id() -> str | None:
    """The id older versions derived from the operating system's machine id (a hash of it,
    never the id itself, which is meant to stay private); now only recognised, to adopt a
    registration made under it (``this_station_id``), never given to a new station."""
    raw = ""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        try:
            import winreg

            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE,
                                r"SOFTWARE\Microsoft\Cryptography") as key:
                raw = str(winreg.QueryValueEx(key, "MachineGuid")[0])
        except OSError:
            raw = ""
    else:
        try:
            raw = _machine_id_file().read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            raw = ""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bwc-desk-station:{raw}")) if raw else None


def this_station_id(db: Database | None = None, name: str = "") -> str:
    """This PC's station id: the one in station.json (IT's machine file or the user's, e.g. a
    replacement PC taking over an old one's id); else, made once and saved in the user's
    station.json: the id derived from the machine id when ``name`` is registered in ``db``
    under it (a station registered by an older version), or a new random one."""
    current = config.load()
    if current.station_id:
        return current.station_id
    new_id = _registered_under_machine_id(db, name) or str(uuid.uuid4())
    config.save(current.with_changes(station_id=new_id))
    return new_id


def _registered_under_machine_id(db: Database | None, name: str) -> str | None:
    """The machine-derived id, if the registration of ``name`` holds it: this PC (or one
    cloned from it, which nothing can tell apart from it now) before the upgrade."""
    derived = _pc_id()
    if db is None or not name or derived is None:
        return None
    with db.read() as session:
        held = session.execute(select(Station.station_id).where(Station.name == name)).scalar()
    return derived if held == derived else None


def _taken(name: str, other: Station, station_id: str) -> StationNameTaken:
    return StationNameTaken(
        f"Another PC ({other.hostname}) is already registered in this database as station "
        f"{name!r} (since {other.first_seen:%Y-%m-%d %H:%M} UTC, last started "
        f"{other.last_seen:%Y-%m-%d %H:%M} UTC). Two stations with the same name would make "
        "the custody records ambiguous, so BWC Desk does not start here.\n\n"
        "For IT: give this PC a station name of its own (`station_name` in its "
        f"station.json, in {paths.config_file().parent}). If this PC replaces that one, "
        f"put the old PC's `station_id` ({other.station_id}) in this PC's station.json "
        f"instead of {station_id}, and retire the old PC."
        + (
            f" If it is this very PC (another operating-system user of it: {other.hostname} "
            "is this PC's host name), give all its users one id in the machine file: "
            f"bwc-desk station-config --machine --station-id {other.station_id}."
            if other.hostname == socket.gethostname()
            else ""
        )
    )


def register(db: Database, name: str, now: datetime, station_id: str | None = None) -> StationRow:
    """At start: claim this station's name for its id (or note that it was seen); refuse a
    name another id holds. Audited when a station registers, is renamed, or is refused."""
    station_id = station_id or this_station_id(db, name)
    try:
        with db.write() as session:
            row = session.get(Station, name)
            if row is not None and row.station_id not in (None, station_id):
                raise _taken(name, row, station_id)
            old = session.execute(
                select(Station).where(Station.station_id == station_id, Station.name != name)
            ).scalar_one_or_none()
            details: dict[str, object] = {}
            if old is not None:
                old.station_id = None  # the old name is released, its history kept
                details["renamed_from"] = old.name
                session.flush()
            if row is None:
                row = Station(name=name, hostname=socket.gethostname(), first_seen=now,
                              last_seen=now, station_id=station_id)
                session.add(row)
                details["new"] = True
            elif row.station_id is None:
                row.station_id = station_id
                details["claimed"] = True
            row.last_seen = now
            row.hostname = socket.gethostname()
            session.flush()
            if details:
                audit.write(session, station=name, at=now, event=AuditEvent.STATION_REGISTERED,
                            actor=SYSTEM, details={"station": name, "station_id": station_id,
                                                   **details})
            return _row(row)
    except StationNameTaken:
        audit.record_in_db(db, name, now, AuditEvent.REFUSED, Outcome.REFUSED, SYSTEM,
                           {"action": "start a station", "station": name,
                            "station_id": station_id})
        raise
    except IntegrityError:
        # Another PC claimed the same name at the same moment.
        with db.read() as session:
            other = session.get(Station, name)
        if other is None or other.station_id in (None, station_id):
            raise
        raise _taken(name, other, station_id) from None


def configured_name() -> str:
    """This PC's station name: station.json's, else one made from the computer's name."""
    return config.load().station_name or config.default_station_name()


def grant_station_role(ctx: Ctx, role: str) -> list[str]:
    """`bwc-desk grant-app-role`, run by the schema's owner on PostgreSQL: let the login
    ``role`` run stations (read and write the records, never change the schema). Returns
    the statements it ran."""
    return grant_app_role(ctx.db, role)


def register_here(ctx: Ctx) -> StationRow:
    """`register` for the station and database of ``ctx`` (the app's and the command
    line's start)."""
    return register(ctx.db, ctx.station, ctx.now())


def list_stations(ctx: Ctx) -> list[StationRow]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        return [_row(s) for s in
                session.execute(select(Station).order_by(Station.name)).scalars()]

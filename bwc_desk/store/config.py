"""The station's own configuration: its name and how it reaches the database and the docks.

Agency-wide settings live in the database (shared by every station); these are per PC.

Two files, read in this order (docs/install.md, "Station configuration"):

- the machine file, written by the agency's IT at install and the same for every user of the
  PC: ``/etc/bwc-desk/station.json`` (Linux), ``%ProgramData%\\BWC Desk\\station.json``
  (Windows), ``/Library/Application Support/BWC Desk/station.json`` (macOS);
  ``BWC_DESK_MACHINE_CONFIG`` names another file, and with ``BWC_DESK_HOME`` set it is
  ``<home>/machine/station.json`` (tests, a portable install);
- the user's own ``station.json`` in the user config folder.

Without a machine file the user's file decides everything (a single PC). With one, the user's
file may set only the fields the machine file lists in ``user_may_override``.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import sys
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from bwc_desk.store import paths

log = logging.getLogger(__name__)

OVERRIDE_KEY = "user_may_override"


@dataclass(frozen=True, slots=True)
class StationConfig:
    station_name: str = ""
    database_url: str = ""
    dock_host: str = "127.0.0.1"
    dock_port: int = 47800
    dock_token: str = ""
    dock_feed_enabled: bool = True
    backup_folder: str = ""  # this PC's backups; empty: the agency setting, else beside the db
    # Docks must send the token, on loopback too; an admin may turn that off for loopback.
    dock_token_required: bool = True
    station_id: str = ""  # registers this PC in the database's `stations` (services/stations)

    def with_changes(self, **changes: Any) -> StationConfig:
        return replace(self, **changes)


FIELD_TYPES: dict[str, type] = {
    "station_name": str,
    "database_url": str,
    "dock_host": str,
    "dock_port": int,
    "dock_token": str,
    "dock_feed_enabled": bool,
    "backup_folder": str,
    "dock_token_required": bool,
    "station_id": str,
}
assert set(FIELD_TYPES) == {f.name for f in fields(StationConfig)}


def default_station_name() -> str:
    return socket.gethostname().split(".")[0] or "STATION-1"


def machine_config_file() -> Path:
    """The file IT writes at install, shared by every user of this PC."""
    named = os.environ.get("BWC_DESK_MACHINE_CONFIG", "").strip()
    if named:
        return Path(named)
    home = os.environ.get("BWC_DESK_HOME", "").strip()
    if home:
        return Path(home) / "machine" / "station.json"
    if sys.platform == "win32":
        program_data = os.environ.get("PROGRAMDATA") or r"C:\ProgramData"
        return Path(program_data) / "BWC Desk" / "station.json"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/BWC Desk/station.json")
    return Path("/etc/bwc-desk/station.json")


def _read(path: Path) -> dict[str, Any] | None:
    """The file's object, or None when it is missing or unreadable (logged)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable station config %s: %s", path, exc)
        return None
    if not isinstance(raw, dict):
        log.warning("ignoring station config %s: not a JSON object", path)
        return None
    return raw


def _valid(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    """The known fields of the right type; anything else is logged and left out."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        kind = FIELD_TYPES.get(key)
        if kind is None:
            if key != OVERRIDE_KEY:
                log.warning("station config %s: unknown field %r ignored", path, key)
            continue
        ok = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
        if kind is int and ok and not 1 <= value <= 65535:
            ok = False
        if not ok:
            log.warning("station config %s: %s=%r is not a valid %s; ignored",
                        path, key, value, kind.__name__)
            continue
        out[key] = value
    return out


def _strip_password(url: str) -> str:
    """The URL without its password, if it has one."""
    if "://" not in url:
        return url
    from sqlalchemy.engine import URL, make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.password is None:
        return url
    bare = URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port,
                      parsed.database, parsed.query)
    return bare.render_as_string(hide_password=False)


def _without_password(url: str, path: Path) -> str:
    """The machine file is readable by every user of the PC: a password in it is refused."""
    bare = _strip_password(url)
    if bare != url:
        log.warning(
            "station config %s: the database URL has a password; it was ignored. Give each "
            "station's database role a password in a pgpass file or use certificate "
            "authentication instead (docs/install.md)", path)
    return bare


def allowed_overrides(machine: dict[str, Any] | None) -> frozenset[str]:
    """The fields the user's file may set: all without a machine file, else those it lists,
    and the PC's ``station_id`` unless IT's file sets it (an identity kept where the station
    can write it, not a setting: services/stations)."""
    if machine is None:
        return frozenset(FIELD_TYPES)
    own_id = frozenset() if "station_id" in machine else frozenset({"station_id"})
    listed = machine.get(OVERRIDE_KEY, [])
    if not isinstance(listed, list):
        return own_id
    return frozenset(name for name in listed if name in FIELD_TYPES) | own_id


def fixed_by_machine(name: str, machine_path: Path | None = None) -> Path | None:
    """IT's machine file when it decides field ``name`` for this PC (the user's file may not
    set it: a value saved there would not be used), else None."""
    machine_path = machine_path or machine_config_file()
    machine = _read(machine_path)
    if machine is None or name in allowed_overrides(machine):
        return None
    return machine_path


def load(path: Path | None = None, machine_path: Path | None = None) -> StationConfig:
    """The machine file's settings, then the user's where the machine file allows it."""
    machine_path = machine_path or machine_config_file()
    user_path = path or paths.config_file()
    machine_raw = _read(machine_path)
    values: dict[str, Any] = {}
    if machine_raw is not None:
        values.update(_valid(machine_raw, machine_path))
        if "database_url" in values:
            values["database_url"] = _without_password(values["database_url"], machine_path)
    user_raw = _read(user_path)
    if user_raw is not None:
        allowed = allowed_overrides(machine_raw)
        for key, value in _valid(user_raw, user_path).items():
            if key in allowed:
                values[key] = value
            else:
                log.info("station config %s: %s is set for this PC by %s; the user's "
                         "value is not used", user_path, key, machine_path)
    if machine_raw is None and user_raw is not None and "dock_token_required" not in values \
            and not values.get("dock_token"):
        # A single PC's file from before dock tokens: its docks keep working. (A machine file
        # is new with tokens: it requires one.)
        values["dock_token_required"] = False
    return StationConfig(**values)


def ensure_dock_token(path: Path | None = None, new: bool = False) -> StationConfig:
    """The station config with a dock token: a random one is made (and saved in the user's
    file) on first run. Where IT's machine file sets the token, that one is used."""
    config = load(path)
    if new or (config.dock_token_required and not config.dock_token.strip()):
        config = config.with_changes(dock_token=secrets.token_urlsafe(18))
        save(config, path)
    return config


def save(config: StationConfig, path: Path | None = None,
         machine_path: Path | None = None) -> None:
    """Write the user's file atomically (a crash mid-write leaves the old file).

    Only the fields the machine file lets a user set are written: the machine's own values
    (a dock token, say) are not copied into a user's folder.
    """
    path = path or paths.config_file()
    allowed = allowed_overrides(_read(machine_path or machine_config_file()))
    data = {k: v for k, v in asdict(config).items()
            if k in allowed and (k != "station_id" or v)}  # no empty id written
    paths.private_write(path, json.dumps(data, indent=2))  # 0600: it holds the dock token


def update_machine_file(changes: dict[str, Any], path: Path | None = None) -> Path:
    """Set fields of the machine file (IT at install: the MSI, a deployment script), keeping
    the others. Raises ValueError, naming the field, for a value that would not be used."""
    path = path or machine_config_file()
    current = _read(path) or {}
    for key, value in changes.items():
        if key == OVERRIDE_KEY:
            unknown = [name for name in value if name not in FIELD_TYPES]
            if unknown:
                raise ValueError(f"{OVERRIDE_KEY}: unknown field(s) {', '.join(unknown)}")
            continue
        if _valid({key: value}, path) != {key: value}:
            raise ValueError(f"{key}: {value!r} is not a valid {FIELD_TYPES[key].__name__}")
        if key == "database_url" and _strip_password(value) != value:
            raise ValueError(
                "database_url: the machine file is readable by every user of this PC, so it "
                "must not hold a password. Leave the password out of the URL and give it in "
                "a pgpass file, or use certificate authentication (docs/install.md).")
    merged = {**current, **changes}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def set_up_database_named(database: str | None) -> bool:
    """Whether the database this station will open (``--database``, else
    BWC_DESK_DATABASE_URL, else station.json's, else the file in the user data folder: the
    order of ``services.startup.resolve_url``) has most likely been set up: a server's URL,
    or a SQLite file with something in it. Read before anything heavy is imported, so that
    the sign-in form can be on the screen while the database is opened; a wrong guess costs
    only that (the first-run dialog or the message that follows replaces the form)."""
    value = (database or os.environ.get("BWC_DESK_DATABASE_URL", "")).strip()
    if not value:
        try:
            value = load().database_url.strip()
        except Exception:  # (opening reports a broken station.json in full)
            return False
    if not value:
        path = paths.default_db_path()
    elif "://" in value:
        if not value.startswith("sqlite"):
            return True  # a server
        if ":///" not in value:
            return False  # (an in-memory or odd SQLite URL: the usual order)
        path = Path(value.split(":///", 1)[1].split("?", 1)[0])
    else:
        path = Path(value).expanduser()
    try:
        return path.is_file() and path.stat().st_size > 0
    except OSError:
        return False

"""The station's own configuration: its name and how it reaches the database and the docks.

Agency-wide settings live in the database (shared by every station); these are per PC.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from bwc_desk.store import paths

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StationConfig:
    station_name: str = ""
    database_url: str = ""
    dock_host: str = "127.0.0.1"
    dock_port: int = 47800
    dock_token: str = ""
    dock_feed_enabled: bool = True
    station_id: str = ""  # registers this PC in the database's `stations` (services/stations)

    def with_changes(self, **changes: Any) -> StationConfig:
        return replace(self, **changes)


def default_station_name() -> str:
    return socket.gethostname().split(".")[0] or "STATION-1"


def load(path: Path | None = None) -> StationConfig:
    path = path or paths.config_file()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return StationConfig()
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable station config %s: %s", path, exc)
        return StationConfig()
    known = {f.name for f in fields(StationConfig)}
    return StationConfig(**{k: v for k, v in raw.items() if k in known})


def save(config: StationConfig, path: Path | None = None) -> None:
    """Write atomically: a crash mid-write leaves the old file, never half a file."""
    path = path or paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(config), indent=2), encoding="utf-8")
    os.replace(tmp, path)

"""Where BWC Desk keeps its files: platformdirs folders for "BWC Desk".

BWC_DESK_HOME, when set, puts data, config and logs under one folder instead (tests, a
portable install on a USB stick).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "BWC Desk"
DB_FILE = "bwc-desk.sqlite3"
DEMO_DB_FILE = "bwc-desk-demo.sqlite3"


def _home() -> Path | None:
    value = os.environ.get("BWC_DESK_HOME")
    return Path(value) if value else None


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP, appauthor=False))


def log_dir() -> Path:
    home = _home()
    return home / "logs" if home else Path(platformdirs.user_log_dir(APP, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / DB_FILE


def demo_db_path() -> Path:
    return data_dir() / DEMO_DB_FILE


def config_file() -> Path:
    return config_dir() / "station.json"

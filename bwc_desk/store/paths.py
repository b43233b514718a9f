"""Where BWC Desk keeps its files: platformdirs folders for "BWC Desk".

BWC_DESK_HOME, when set, puts data, config and logs under one folder instead (tests, a
portable install on a USB stick).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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


# --- private files ------------------------------------------------------------------------
# Evidence custody records, staff names and sign-in history: readable by the account that
# runs BWC Desk only. On Windows the user profile's folders are already private (ACLs);
# the modes below are for Linux and macOS.
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
_POSIX = os.name == "posix"


def ensure_private_dir(path: Path, *, tighten: bool = False) -> Path:
    """Create `path` (and missing parents) as folders only their owner can open. With
    `tighten`, an existing folder of ours (data, config, logs, backups) is made private too;
    a folder the administrator chose for the database is not changed if it exists."""
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if _POSIX:
        # mkdir's mode is filtered through the umask; parents it creates get the default.
        for folder in [*missing, *([path] if tighten else [])]:
            if folder.is_dir() and folder.stat().st_mode & 0o777 != PRIVATE_DIR:
                folder.chmod(PRIVATE_DIR)
    return path


def tighten_file(path: Path) -> None:
    """Take group and other access away from an existing file of ours."""
    if not _POSIX:
        return
    try:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            path.chmod(mode & ~0o077 & 0o777)
    except OSError:
        pass  # missing, or not ours to change (a read-only folder says so when written)


def create_private_file(path: Path) -> None:
    """Create `path` empty and private if it does not exist (then SQLite, which gives its
    -wal and -shm files the database file's mode, keeps those private too); an existing
    file is tightened."""
    if path.exists():  # the common case; and on a read-only disk, not an error
        tighten_file(path)
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        tighten_file(path)
        return
    os.close(fd)
    tighten_file(path)  # the umask cannot widen os.open's mode, but an odd ACL default might


def open_private(path: Path, mode: str = "a", encoding: str = "utf-8") -> Any:
    """open() for a text file that is created private (logs)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode.startswith("a") else os.O_TRUNC)
    fd = os.open(path, flags, PRIVATE_FILE)
    tighten_file(path)
    return os.fdopen(fd, mode, encoding=encoding)


def private_write(path: Path, text: str) -> None:
    """Write a small text file atomically (a crash leaves the old file, never half a file)
    and privately: for station.json, whose database URL may carry a password."""
    ensure_private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)

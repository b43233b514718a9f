"""Is a path on a network file system? SQLite's own guidance: file locking over network file
systems is broken, and a database there gets corrupted when several computers use it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

NETWORK_FS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb",
    "smbfs",
    "smb3",
    "ncpfs",
    "afs",
    "9p",
    "fuse.sshfs",
    "sshfs",
    "davfs",
    "fuse.davfs",
    "glusterfs",
    "ceph",
    "lustre",
    "fuse.rclone",
    "webdav",
    "afpfs",
}


def network_kind(path: Path, mounts: str | None = None) -> str | None:
    """The network file system `path` is on ('UNC path', 'nfs', 'network drive'), or None."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return "UNC path"
    if sys.platform == "win32":
        return _windows_drive(path)
    return _mount_type(path, mounts)


def _mount_type(path: Path, mounts: str | None) -> str | None:
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    target = os.path.realpath(path.parent if not path.exists() else path)
    best, kind = "", ""
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        if (target == point or target.startswith(point.rstrip("/") + "/")) and len(point) > len(
            best
        ):
            best, kind = point, parts[2]
    return kind if kind in NETWORK_FS else None


def _windows_drive(path: Path) -> str | None:  # pragma: no cover - Windows only
    import ctypes

    drive = os.path.splitdrive(os.path.abspath(path))[0]
    if not drive:
        return None
    drive_remote = 4
    if ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == drive_remote:  # type: ignore[attr-defined]
        return "network drive"
    return None

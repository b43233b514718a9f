"""Is a path on a network file system? SQLite's own guidance: file locking over network file
systems is broken, and a database there gets corrupted when several computers use it.

The answer comes from what the mount is, not from a short list of names: the type the kernel
gives it in the mount table (/proc/self/mountinfo; any FUSE file system that is not a known
local one counts as remote: sshfs, gvfs, s3fs, rclone, glusterfs, ceph-fuse, juicefs...), and
the file system's own magic number (statfs), which a bind mount or a container cannot hide.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

# Kernel mount types of network, cluster and host-sharing file systems.
NETWORK_FS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smbfs", "smb3", "ncpfs", "ncp", "afs", "coda", "9p",
    "ceph", "glusterfs", "lustre", "gfs", "gfs2", "ocfs2", "gpfs", "beegfs", "orangefs",
    "pvfs2", "panfs", "fhgfs", "moosefs", "quobyte", "davfs", "webdav", "afpfs", "sshfs",
    "shfs", "vboxsf", "virtiofs", "vmhgfs", "prl_fs", "cvfs", "xtreemfs", "dce", "ksmbd",
})
# FUSE file systems that keep their data on this computer. Any other FUSE type is taken as
# remote: most are (sshfs, gvfs, s3fs, rclone, glusterfs, ceph-fuse, juicefs...), and even
# a local one that is not listed here gives SQLite no locking guarantee.
LOCAL_FUSE = frozenset({
    "fuseblk",  # ntfs-3g, exfat on a local disk
    "fuse.ntfs-3g", "fuse.exfat", "fuse.bindfs", "fuse.encfs", "fuse.gocryptfs",
    "fuse.cryfs", "fuse.securefs", "fuse.mergerfs", "fuse.unionfs", "fuse.lxcfs",
    "fuse.squashfuse", "fuse.zfs",
})
FUSE_MAGIC = 0x65735546
# statfs(2) f_type of network file systems (linux/magic.h and the file systems' sources).
NETWORK_MAGIC = {
    0x6969: "nfs",
    0x517B: "smb",
    0xFF534D42: "cifs",
    0xFE534D42: "smb2",
    0x01021997: "9p",
    0x00C36400: "ceph",
    0x5346414F: "afs",
    0x6B414653: "afs",
    0x73757245: "coda",
    0x564C: "ncp",
    0x786F4256: "vboxsf",
    0x0BD00BD0: "lustre",
    0x01161970: "gfs2",
    0x7461636F: "ocfs2",
    0x47504653: "gpfs",
    0x20030528: "orangefs",
    0x19830326: "beegfs",
    0xAAD7AAEA: "panfs",
}
_ESCAPE = re.compile(r"\\([0-7]{3})")

Statfs = Callable[[str], int | None]


def network_kind(
    path: Path, mounts: str | None = None, statfs: Statfs | None = None
) -> str | None:
    """The network file system `path` is on ('UNC path', 'nfs4', 'fuse.sshfs', 'network
    drive'...), or None for a local disk. `mounts` (a mount table's text, mountinfo or
    /proc/mounts format) and `statfs` (path -> magic) default to this machine's."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return "UNC path"
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return _windows_drive(path)
    target = os.path.realpath(path)
    if mounts is None:
        mounts = _read_mounts()
    kind = _mount_type(target, mounts)
    magic = (statfs or _statfs_magic)(target)
    if kind is not None and _is_remote(kind):
        return kind
    if magic in NETWORK_MAGIC:
        return NETWORK_MAGIC[magic]
    if magic == FUSE_MAGIC and (kind is None or not kind.startswith("fuse")):
        # A FUSE file system the table does not describe: nothing says it is local.
        return "fuse"
    return None


def _is_remote(kind: str) -> bool:
    if kind in NETWORK_FS:
        return True
    if kind == "fuse" or kind.startswith(("fuse.", "fuse3.")):
        return kind not in LOCAL_FUSE
    return False


def _read_mounts() -> str:
    for table in ("/proc/self/mountinfo", "/proc/mounts"):
        try:
            return Path(table).read_text(encoding="utf-8", errors="surrogateescape")
        except OSError:
            continue
    return ""


def _unescape(field: str) -> str:
    """The kernel writes space, tab, newline and backslash in mount points as \\040 etc."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def _mounts(table: str) -> list[tuple[str, str]]:
    """(mount point, type) for each line of a mountinfo or /proc/mounts table."""
    found = []
    for line in table.splitlines():
        fields = line.split()
        if " - " in line:  # mountinfo: ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - TYPE ...
            before, _, after = line.partition(" - ")
            head, tail = before.split(), after.split()
            if len(head) >= 5 and tail:
                found.append((_unescape(head[4]), tail[0]))
        elif len(fields) >= 3:  # /proc/mounts: SOURCE POINT TYPE OPTS DUMP PASS
            found.append((_unescape(fields[1]), fields[2]))
    return found


def _mount_type(target: str, table: str) -> str | None:
    best, kind = "", None
    for point, fstype in _mounts(table):
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fstype
    return kind


def _statfs_magic(target: str) -> int | None:
    """The file system's magic number (statfs f_type) of the nearest existing folder."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    probe = Path(target)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        buf = ctypes.create_string_buffer(512)  # struct statfs is 120 bytes on 64-bit
        if libc.statfs(os.fsencode(str(probe)), buf) != 0:
            return None
    except (OSError, AttributeError):
        return None
    return ctypes.c_ulong.from_buffer(buf).value & 0xFFFFFFFF  # f_type comes first


def _windows_drive(path: Path) -> str | None:  # pragma: no cover - Windows only
    import ctypes

    drive = os.path.splitdrive(os.path.abspath(path))[0]
    if not drive:
        return None
    drive_remote = 4
    if ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == drive_remote:  # type: ignore[attr-defined]
        return "network drive"
    return None

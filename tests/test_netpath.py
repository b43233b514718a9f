"""A SQLite database on a network or FUSE file system is recognised by what the mount is
(its type in the mount table, or the file system's statfs magic), not by a short list."""

from __future__ import annotations

from pathlib import Path

import pytest

from bwc_desk.store.netpath import FUSE_MAGIC, network_kind


def mountinfo(*mounts: tuple[str, str, str]) -> str:
    """/proc/self/mountinfo lines for (source, mount point as the kernel escapes it, type)."""
    lines = ["22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw"]
    for n, (source, point, kind) in enumerate(mounts, start=30):
        lines.append(f"{n} 22 0:{n} / {point} rw,nosuid,nodev,relatime shared:{n} - {kind} "
                     f"{source} rw,user_id=1000")
    return "\n".join(lines) + "\n"


NETWORK = [
    # (source, mount point, type, a database path under it)
    ("gvfsd-fuse", "/run/user/1000/gvfs", "fuse.gvfsd-fuse",
     "/run/user/1000/gvfs/smb-share:server=nas,share=evidence/bwc.sqlite3"),
    ("s3fs", "/mnt/s3", "fuse.s3fs", "/mnt/s3/bwc.sqlite3"),
    ("nas:/evidence", "/mnt/gluster", "fuse.glusterfs", "/mnt/gluster/bwc.sqlite3"),
    ("ceph-fuse", "/mnt/ceph", "fuse.ceph-fuse", "/mnt/ceph/desk/bwc.sqlite3"),
    ("JuiceFS:evidence", "/jfs", "fuse.juicefs", "/jfs/bwc.sqlite3"),
    ("evidence", "/media/sf_evidence", "vboxsf", "/media/sf_evidence/bwc.sqlite3"),
    ("hostshare", "/mnt/host", "virtiofs", "/mnt/host/bwc.sqlite3"),
    ("hostshare", "/mnt/9p", "9p", "/mnt/9p/bwc.sqlite3"),
    ("//nas/evidence share", "/mnt/evidence\\040share", "cifs",
     "/mnt/evidence share/bwc.sqlite3"),
    ("server:/export", "/srv/nfs\\011tab", "nfs4", "/srv/nfs\ttab/bwc.sqlite3"),
    ("desk@nas:/bwc", "/home/desk/remote", "fuse.sshfs", "/home/desk/remote/bwc.sqlite3"),
    ("10.0.0.5:/vol", "/mnt/lustre", "lustre", "/mnt/lustre/bwc.sqlite3"),
    ("/dev/sdb", "/mnt/cluster", "gfs2", "/mnt/cluster/bwc.sqlite3"),
    ("rclone", "/mnt/drive", "fuse.rclone", "/mnt/drive/bwc.sqlite3"),
    ("mystery", "/mnt/unknown-fuse", "fuse.somethingnew", "/mnt/unknown-fuse/bwc.sqlite3"),
]


@pytest.mark.parametrize(("source", "point", "kind", "path"), NETWORK,
                         ids=[n[2] + ":" + n[1] for n in NETWORK])
def test_network_and_fuse_mounts_are_recognised(source, point, kind, path):
    table = mountinfo((source, point, kind))
    assert network_kind(Path(path), table, statfs=lambda _p: None) == kind
    # The same mount in /proc/mounts' format.
    escaped = source.replace(" ", "\\040")
    mounts = f"/dev/sda1 / ext4 rw 0 0\n{escaped} {point} {kind} rw 0 0\n"
    assert network_kind(Path(path), mounts, statfs=lambda _p: None) == kind


LOCAL = [
    ("/dev/sdb1", "/media/usb", "fuseblk", "/media/usb/bwc.sqlite3"),  # NTFS via ntfs-3g
    ("tmpfs", "/tmp", "tmpfs", "/tmp/bwc.sqlite3"),
    ("/dev/nvme0n1p2", "/home", "btrfs", "/home/desk/bwc.sqlite3"),
    ("overlay", "/var/lib/docker/x", "overlay", "/var/lib/docker/x/bwc.sqlite3"),
    ("/home/desk/.p", "/home/desk/Private", "fuse.gocryptfs", "/home/desk/Private/bwc.sqlite3"),
]


@pytest.mark.parametrize(("source", "point", "kind", "path"), LOCAL,
                         ids=[n[2] for n in LOCAL])
def test_local_file_systems_are_allowed(source, point, kind, path):
    table = mountinfo((source, point, kind), ("server:/x", "/mnt/nfs", "nfs"))
    assert network_kind(Path(path), table, statfs=lambda _p: None) is None


def test_the_longest_mount_point_wins():
    table = mountinfo(("server:/x", "/mnt", "nfs"), ("/dev/sdb1", "/mnt/local", "ext4"))
    assert network_kind(Path("/mnt/local/bwc.sqlite3"), table, statfs=lambda _p: None) is None
    assert network_kind(Path("/mnt/localx/bwc.sqlite3"), table,
                        statfs=lambda _p: None) == "nfs"


def test_the_file_systems_own_magic_is_believed_over_the_table():
    table = mountinfo()  # everything on ext4, says the table (a bind mount, a container)
    assert network_kind(Path("/data/bwc.sqlite3"), table, statfs=lambda _p: 0x6969) == "nfs"
    assert network_kind(Path("/data/bwc.sqlite3"), table,
                        statfs=lambda _p: 0xFF534D42) == "cifs"
    assert network_kind(Path("/data/bwc.sqlite3"), table, statfs=lambda _p: 0xEF53) is None


def test_a_fuse_magic_without_a_known_local_type_is_refused():
    assert network_kind(Path("/x/bwc.sqlite3"), "", statfs=lambda _p: FUSE_MAGIC) == "fuse"
    table = mountinfo(("/dev/sdb1", "/media/usb", "fuseblk"))
    assert network_kind(Path("/media/usb/bwc.sqlite3"), table,
                        statfs=lambda _p: FUSE_MAGIC) is None


def test_this_machines_own_temporary_folder_is_local(tmp_path):
    # The real mount table and statfs of this machine: the test folder is a local disk.
    assert network_kind(tmp_path / "bwc.sqlite3") is None

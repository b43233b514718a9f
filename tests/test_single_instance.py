"""One running app per database; a lock left by a crashed app is taken over."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from PySide6.QtWidgets import QMessageBox

from bwc_desk.launcher import Launcher


def launcher(qapp) -> Launcher:  # type: ignore[no-untyped-def]
    return Launcher(qapp, argparse.Namespace(), "/tmp/logs")


def test_a_second_app_on_the_same_database_is_refused(qapp, db, monkeypatch):
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    first, second = launcher(qapp), launcher(qapp)
    assert first._take_lock(db)
    assert not second._take_lock(db)
    assert "already running on this database" in warned[0]
    assert first.lock_file is not None
    first.lock_file.unlock()
    assert second._take_lock(db)


def test_a_stale_lock_from_a_crash_is_taken_over(qapp, db, monkeypatch):
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: (_ for _ in ()).throw(
        AssertionError("a stale lock must not be reported")))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    lock = f"{db.path}.lock"
    with open(lock, "w", encoding="utf-8") as fh:
        fh.write(f"{pid}\nbwc-desk\n{os.uname().nodename}\n")
    assert launcher(qapp)._take_lock(db)


class _LockFails:
    """QLockFile where the lock file cannot be created (as on a full disk: Qt says only
    PermissionError or UnknownError, never why)."""

    LockError = __import__("PySide6.QtCore", fromlist=["QLockFile"]).QLockFile.LockError

    def __init__(self, _name: str) -> None:
        pass

    def setStaleLockTime(self, _ms: int) -> None:
        pass

    def tryLock(self, _timeout: int = 0) -> bool:
        return False

    def error(self):  # type: ignore[no-untyped-def]
        return self.LockError.PermissionError


def test_a_lock_file_that_cannot_be_made_on_a_full_disk_says_the_disk_is_full(
    qapp, db, monkeypatch
):
    """The tester's case: the folder is writable, the disk is full; it said "check that the
    folder is writable"."""
    import shutil
    from collections import namedtuple

    import bwc_desk.launcher as launcher_module

    said = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a: said.append(a[2]))
    monkeypatch.setattr(launcher_module, "QLockFile", _LockFails)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage(10_000_000, 10_000_000, 0))
    assert not launcher(qapp)._take_lock(db)
    [text] = said
    assert "is full" in text and str(db.path.parent) in text
    assert "Free some space" in text
    assert "check that the folder is writable" not in text


def test_a_lock_file_that_cannot_be_made_for_no_reason_found_says_what_to_check(
    qapp, db, monkeypatch
):
    import bwc_desk.launcher as launcher_module

    said = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a: said.append(a[2]))
    monkeypatch.setattr(launcher_module, "QLockFile", _LockFails)
    assert not launcher(qapp)._take_lock(db)
    [text] = said
    assert "lock file" in text and "is full" not in text


def test_a_full_quota_with_free_space_on_the_disk_is_found_by_the_probe(tmp_path, monkeypatch):
    """A quota (EDQUOT) or a disk that says it has room and then refuses the write."""
    import errno

    from bwc_desk.services import startup

    def refuse(_fd: int, _data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    assert startup.lock_file_problem(tmp_path / "x.sqlite3") is None
    monkeypatch.setattr(startup.os, "write", refuse)
    problem = startup.lock_file_problem(tmp_path / "x.sqlite3")
    assert problem is not None and "is full" in str(problem)
    assert list(tmp_path.iterdir()) == []  # the probe is removed


def test_a_second_demo_start_while_the_first_builds_it_waits_for_that_one(qapp, monkeypatch):
    """Two starts of the demo at once both built into the same file, and the second then
    found it malformed: the one building it holds the lock from the start."""
    from bwc_desk.store import paths

    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    target = paths.demo_db_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    first = launcher(qapp)
    assert first._lock(target, building=True)  # (the first start, building)
    second = launcher(qapp)
    assert not second._ensure_demo()
    assert "building or using the demo agency" in warned[0]
    assert not target.exists() and not target.with_name(target.name + ".seeding").exists()
    assert first.lock_file is not None
    first.lock_file.unlock()


def test_the_first_demo_start_on_a_new_pc_takes_its_lock(qapp, monkeypatch, tmp_path):
    """No data folder yet (a new PC, a new account): the demo's lock is taken in a folder made
    for it (the first `make demo` stopped at "Cannot create the lock file")."""
    from bwc_desk.store import paths

    monkeypatch.setenv("BWC_DESK_HOME", str(tmp_path / "new-home"))
    target = paths.demo_db_path()
    assert not target.parent.exists()
    refused = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a: refused.append(a[2]))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: refused.append(a[2]))
    # The build itself is the demo tests' (a minute or two): here the file "is there" once
    # the lock is taken.
    monkeypatch.setattr("bwc_desk.launcher.set_aside_empty_demo",
                        lambda: target.write_bytes(b""))
    first = launcher(qapp)
    assert first._ensure_demo()
    assert refused == []
    assert first.lock_file is not None and first.lock_file.isLocked()
    first.lock_file.unlock()

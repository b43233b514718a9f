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

"""SQLite's online backup API: a consistent copy while the app keeps working."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bwc_desk.store import paths
from bwc_desk.store.checks import summarize_integrity


@dataclass(frozen=True, slots=True)
class BackupFile:
    path: Path
    sha256: str
    size: int
    integrity: str  # "ok" or the first problem integrity_check found


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def integrity_check(path: Path, quick: bool = False) -> str:
    """'ok' or the first problem SQLite reports. Opens the file read-only."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=15)
    try:
        pragma = "quick_check" if quick else "integrity_check"
        rows = conn.execute(f"PRAGMA {pragma}").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()
    return summarize_integrity([str(r[0]) for r in rows])


def read_database_id(path: Path) -> str | None:
    """The database id stored in a BWC Desk file (a backup, or a database), or None when
    it has none (older than schema 'dbid') or cannot be read. Opens the file read-only."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=15)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT database_id FROM database_identity").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return str(row[0]) if row else None


def backup_sqlite(source: Path, dest: Path) -> BackupFile:
    """Copy ``source`` to ``dest`` with the online backup API, check the copy, hash it.

    The copy is written to a temporary name and renamed when complete and checked, so a
    full disk or a crash never leaves something that looks like a good backup.
    """
    paths.ensure_private_dir(dest.parent)
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    try:
        paths.create_private_file(tmp)  # a backup holds everything: owner-only, like the db
        out = sqlite3.connect(tmp)
        try:
            # One step: one read snapshot of the whole file. Copied in steps, any write by
            # another connection between two steps (the dock feed writes every second, and
            # so does another station) restarted the copy from the first page: on a busy
            # large database the backup never finished, and read the file over and over.
            src.backup(out, pages=-1)
            # A backup is a single file: no WAL beside it.
            out.execute("PRAGMA journal_mode=DELETE")
        finally:
            out.close()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    try:
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        result = integrity_check(tmp)
        if result != "ok":
            raise OSError(f"the backup copy failed its integrity check: {result}")
        digest = sha256_file(tmp)
        size = tmp.stat().st_size
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return BackupFile(dest, digest, size, result)

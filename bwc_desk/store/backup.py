"""SQLite's online backup API: a consistent copy while the app keeps working."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path


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
    return "ok" if rows == [("ok",)] else "; ".join(str(r[0]) for r in rows[:5])


def backup_sqlite(source: Path, dest: Path) -> BackupFile:
    """Copy ``source`` to ``dest`` with the online backup API, check the copy, hash it.

    The copy is written to a temporary name and renamed when complete and checked, so a
    full disk or a crash never leaves something that looks like a good backup.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    try:
        out = sqlite3.connect(tmp)
        try:
            src.backup(out, pages=4096)
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

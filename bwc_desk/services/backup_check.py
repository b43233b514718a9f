"""Which backup files are sound: a backup is checked (integrity_check, the schema version,
both hash chains) before it is restored or named as the one to restore, and the newest good
one is found beside a damaged database. Below start-up (which names that backup when it
refuses a damaged file) and the backups themselves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bwc_desk.domain.errors import DomainError
from bwc_desk.services.verify import check_database
from bwc_desk.store import migrate
from bwc_desk.store.backup import integrity_check, read_database_id, sha256_file
from bwc_desk.store.db import Database, sqlite_url

_OURS = re.compile(r"-\d{8}-\d{6}-[a-z0-9.-]+\.sqlite3$")


def backup_files(folder: Path, stem: str) -> list[Path]:
    """Our backup files of databases named `stem` in the folder, newest first."""
    return sorted(
        (p for p in folder.glob(f"{stem}-*.sqlite3") if _OURS.search(p.name)),
        key=lambda p: p.name,
        reverse=True,
    )


def latest_good_backup(db_path: Path, folder: Path | None = None) -> Path | None:
    """The newest backup beside a (damaged) database that verifies (integrity_check, both
    hash chains). Reads only the folder: the damaged database's records cannot be trusted."""
    folder = folder or db_path.parent / "backups"
    candidates = backup_files(folder, db_path.stem) if folder.is_dir() else []
    # The damaged file's own id, if it can still be read: its backups first.
    own = read_database_id(db_path) if db_path.exists() else None
    if own is not None:
        candidates.sort(key=lambda p: read_database_id(p) != own)  # stable: newest first
    for path in candidates:
        if check_backup(path).ok:
            return path
    return None


@dataclass(frozen=True, slots=True)
class RestoreCheck:
    path: Path
    integrity: str
    revision: str | None
    custody: str
    audit: str
    sha256: str

    @property
    def ok(self) -> bool:
        return (
            self.integrity == "ok"
            and self.revision is not None
            and self.custody.startswith("custody: OK")
            and self.audit.startswith(("audit: OK",))
        )

    def problem(self) -> str:
        """What is wrong with it, in a line."""
        if self.integrity != "ok":
            return f"it is damaged (integrity_check: {self.integrity})"
        parts = [p for p in (self.custody, self.audit) if p and "OK" not in p]
        return "; ".join(p[:300] for p in parts) or "it is not a BWC Desk database"


def check_backup(path: Path) -> RestoreCheck:
    """Is this file a sound BWC Desk database whose records verify?"""
    if not path.is_file():
        raise DomainError(f"There is no backup file {path}.")
    result = integrity_check(path)
    digest = sha256_file(path)
    if result != "ok":
        return RestoreCheck(path, result, None, "not checked", "not checked", digest)
    db = Database(sqlite_url(path), pool=False, readonly=True)
    try:
        revision = migrate.current_revision(db)
        if revision is None:
            return RestoreCheck(path, result, None, "not a BWC Desk database", "", digest)
        verified = check_database(db)
        # The audit log came with schema 0002.
        audit_line = verified.audit.summary() if revision != "0001" else "audit: OK, none yet"
        return RestoreCheck(path, result, revision, verified.custody.summary(), audit_line, digest)
    except Exception as exc:
        return RestoreCheck(path, result, None, f"cannot be read: {str(exc)[:200]}", "", digest)
    finally:
        db.dispose()

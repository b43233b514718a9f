"""Sign-outs this station owes a database's audit log: the person signed out while the
database server could not be reached. Each is kept in a private file of the station's
(``owed-sign-outs.json`` in its data folder) until it is written, so that one is not lost
when the station is closed, or crashes, before the server answers again (the next start
writes it at the first sign-in: services/auth.record_owed_sign_outs).

The file is small (one line per sign-out owed) and written whole, atomically. One that
cannot be read is moved aside (named in the log), never silently emptied."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bwc_desk.store import paths

log = logging.getLogger(__name__)
FILE_NAME = "owed-sign-outs.json"


@dataclass(frozen=True)
class OwedSignOut:
    database: str  # the database it is owed to, as shown (no password)
    station: str
    staff_id: int | None
    username: str
    at: datetime  # when the person signed out (aware UTC)

    def as_json(self) -> dict[str, object]:
        return {
            "database": self.database,
            "station": self.station,
            "staff_id": self.staff_id,
            "username": self.username,
            "at": self.at.astimezone(UTC).isoformat(),
        }

    @staticmethod
    def of_json(data: dict[str, object]) -> OwedSignOut:
        staff_id = data.get("staff_id")
        at = datetime.fromisoformat(str(data["at"]))
        if at.tzinfo is None:
            raise ValueError("a time without its zone")
        return OwedSignOut(
            str(data["database"]),
            str(data["station"]),
            int(staff_id) if isinstance(staff_id, int) else None,
            str(data["username"]),
            at.astimezone(UTC),
        )


def default_path() -> Path:
    return paths.data_dir() / FILE_NAME


def load(path: Path | None = None) -> list[OwedSignOut]:
    """Every sign-out owed, oldest first. A file that cannot be read is moved aside (its
    name in the log) and taken as empty."""
    file = path or default_path()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    try:
        return [OwedSignOut.of_json(item) for item in json.loads(text)]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        aside = file.with_name(f"{file.name}.unreadable-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
        file.replace(aside)
        log.error("owed sign-outs file %s could not be read (%s): moved to %s", file, exc, aside)
        return []


def _save(entries: list[OwedSignOut], file: Path) -> None:
    if not entries:
        file.unlink(missing_ok=True)
        return
    paths.private_write(file, json.dumps([e.as_json() for e in entries], indent=1) + "\n")


def add(entry: OwedSignOut, path: Path | None = None) -> None:
    file = path or default_path()
    entries = load(file)
    if entry not in entries:
        _save([*entries, entry], file)


def remove(entry: OwedSignOut, path: Path | None = None) -> None:
    file = path or default_path()
    entries = load(file)
    if entry in entries:
        _save([e for e in entries if e != entry], file)

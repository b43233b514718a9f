"""The dock feed's local journal: every docking move (a camera arriving in or leaving a bay),
appended and fsynced before the feed acts on it, so that nothing is lost while the database
is away (docs/ledger.md, "The dock feed's journal").

One JSON line per event, with a unique id and the UTC time it was received; the first line
names the journal (a random id), which is what the database's mark refers to: the byte
offset after the last event written into the database, updated in the same transaction as
the records. A crash part-way through a line leaves a torn tail, cut off at the next open.
The file is private (0600) and bounded: a full journal refuses new events and says so in the
log (the feed then keeps only each bay's latest state, as it did without a journal). Once
everything in it is in the database, a journal past ``ROTATE_BYTES`` is replaced by an empty
one with a new id.

Nothing here touches the database: the services read the mark and replay.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bwc_desk.domain.ledger import format_ts

PRIVATE_FILE = 0o600  # (as store/paths.py: this adapter imports only the standard library)
PRIVATE_DIR = 0o700


def ensure_private_dir(path: Path) -> None:
    """The journal's folder, created only its owner can open (the caller, services/dockfeed,
    has already made the station's data folder private)."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)


def tighten_file(path: Path) -> None:
    """Take group and other access away from a journal of ours."""
    if os.name != "posix":
        return
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        os.chmod(path, mode & 0o700)

log = logging.getLogger(__name__)
MAX_BYTES = 32 * 1024 * 1024  # about 130,000 docking moves
ROTATE_BYTES = 1024 * 1024
FORMAT = 1


@dataclass(frozen=True, slots=True)
class JournalEvent:
    end: int  # byte offset just after this event's line: the mark once it is written
    id: str
    at: datetime
    data: dict[str, Any]


def parse_ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class FeedJournal:
    """Thread-safe: the server thread appends, the flusher reads and rotates."""

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._fd = -1
        self.id = ""
        self.header_end = 0
        self.end = 0
        self.full = False  # a refused event since the journal last had room
        self.refused = 0  # events refused because it was full, since the start

    # --- opening -----------------------------------------------------------------------

    def open(self) -> None:
        ensure_private_dir(self.path.parent)
        with self._lock:
            if not self.path.exists() or self.path.stat().st_size == 0:
                self._create()
                return
            tighten_file(self.path)
            with self.path.open("rb") as fh:
                first = fh.readline()
            try:
                header = json.loads(first)
                self.id = str(header["journal"])
            except (ValueError, KeyError, TypeError):
                # Not a journal of ours (or its header torn at the first write): set aside.
                aside = self.path.with_name(self.path.name + ".unreadable")
                log.error(
                    "The dock feed journal %s is unreadable; moved it to %s and started a new one",
                    self.path,
                    aside.name,
                )
                self.path.replace(aside)
                self._create()
                return
            self.header_end = len(first)
            self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
            size = os.fstat(self._fd).st_size
            good = self._last_newline(size)
            if good < size:
                log.warning(
                    "The dock feed journal %s ended in a torn line (a crash while it "
                    "was written); cut off %d bytes",
                    self.path,
                    size - good,
                )
                os.ftruncate(self._fd, good)
                os.fsync(self._fd)
            self.end = good

    def _last_newline(self, size: int) -> int:
        """The offset just after the last complete line."""
        pos = size
        while pos > self.header_end:
            step = min(65536, pos - self.header_end)
            chunk = os.pread(self._fd, step, pos - step)
            at = chunk.rfind(b"\n")
            if at >= 0:
                return pos - step + at + 1
            pos -= step
        return self.header_end

    def _create(self) -> None:
        """A new, empty journal with a new id, put in place atomically."""
        self.id = uuid.uuid4().hex
        header = (
            json.dumps(
                {"journal": self.id, "format": FORMAT, "created": format_ts(datetime.now(UTC))}
            )
            + "\n"
        ).encode()
        tmp = self.path.with_name(self.path.name + ".new")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        try:
            os.write(fd, header)
            os.fsync(fd)
        finally:
            os.close(fd)
        tighten_file(tmp)
        tmp.replace(self.path)
        _fsync_dir(self.path.parent)
        if self._fd >= 0:
            os.close(self._fd)
        self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        self.header_end = self.end = len(header)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    # --- writing -----------------------------------------------------------------------

    def append(self, at: datetime, data: dict[str, Any]) -> bool:
        """Append one event and fsync it; False (and a log line when it first happens) when
        the journal is full or cannot be written."""
        line = (
            json.dumps(
                {"id": uuid.uuid4().hex, "at": format_ts(at), **data},
                separators=(",", ":"),
                sort_keys=True,
            )
            + "\n"
        ).encode()
        with self._lock:
            if self._fd < 0:
                return False
            if self.end + len(line) > self.max_bytes:
                self.refused += 1
                if not self.full:
                    self.full = True
                    log.error(
                        "The dock feed journal %s is full (%d bytes of events the database "
                        "has not taken yet): docking moves are not journaled until the "
                        "database is back; meanwhile only each bay's latest state is kept",
                        self.path,
                        self.end,
                    )
                return False
            try:
                if os.write(self._fd, line) != len(line):  # a full disk takes part of it
                    os.ftruncate(self._fd, self.end)
                    raise OSError(28, "No space left on device")
                os.fsync(self._fd)
            except OSError as exc:
                self.refused += 1
                if not self.full:
                    self.full = True
                    log.error(
                        "Cannot write the dock feed journal %s (%s): docking moves are "
                        "not journaled; only each bay's latest state is kept",
                        self.path,
                        exc.strerror,
                    )
                return False
            self.end += len(line)
            return True

    # --- reading and rotating -------------------------------------------------------------

    def events(self, start: int, stop: int) -> Iterator[JournalEvent | int]:
        """The events between two offsets, oldest first; an unreadable line is given as
        its end offset alone (logged), so that the mark can pass it."""
        with self.path.open("rb") as fh:
            fh.seek(start)
            pos = start
            while pos < stop:
                raw = fh.readline()
                if not raw:
                    return
                pos += len(raw)
                try:
                    item = json.loads(raw)
                    at = parse_ts(item.pop("at"))
                    yield JournalEvent(pos, str(item.pop("id")), at, item)
                except (ValueError, KeyError, TypeError, AttributeError):
                    log.error(
                        "Skipped an unreadable line of the dock feed journal %s at byte %d",
                        self.path,
                        pos - len(raw),
                    )
                    yield pos

    def rotate_if_done(self, applied: int) -> bool:
        """Start a new, empty journal when everything in this one is in the database and it
        has grown past ROTATE_BYTES (or had to refuse events)."""
        with self._lock:
            if applied < self.end or (self.end < ROTATE_BYTES and not self.full):
                return False
            self._create()
            if self.full:
                log.warning(
                    "The dock feed journal has room again (%d events were refused "
                    "while it was full)",
                    self.refused,
                )
            self.full = False
            return True


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

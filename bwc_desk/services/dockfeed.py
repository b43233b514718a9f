"""The dock feed at this station: the TCP server (an adapter) feeding an in-memory board of
the latest state of every bay, flushed to the database twice a second.

A dock sends the whole state of each bay about once a second; the database gets the latest
state per bay at a steady rate, and custody events only when a camera arrives or leaves
(computed against the database, so a restart does not replay them). Nothing here touches
Qt: the server and the flusher are plain threads, and the views read the database.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bwc_desk.adapters.dockfeed.journal import FeedJournal, JournalEvent
from bwc_desk.adapters.dockfeed.protocol import BayReport, Hello, Message
from bwc_desk.adapters.dockfeed.server import DockFeedServer, is_loopback
from bwc_desk.domain.docking import Upload
from bwc_desk.domain.errors import UnavailableError
from bwc_desk.services.changes import merged
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.context import DOCK_FEED, Ctx
from bwc_desk.services.dock_board import FAILED, LISTENING, FeedAddress, tell_feed
from bwc_desk.services.dock_registry import Registry
from bwc_desk.services.foreground import Pacer, WayBudget
from bwc_desk.store.config import StationConfig
from bwc_desk.store.db import Database
from bwc_desk.store.paths import data_dir, ensure_private_dir

log = logging.getLogger(__name__)
FLUSH_SECONDS = 0.5
# A flush gives way to a person's work at the counter (services/foreground.py) before each of
# its transactions, up to GIVE_WAY_EACH_S each and GIVE_WAY_S in all: a scan that meets a
# flush answers at its own speed, and a bay's state still reaches its tile within a second.
GIVE_WAY_S = 0.2
GIVE_WAY_EACH_S = 0.1
# The reader of the docks' lines (the server's thread: a line's parse, its journal entry)
# gives way too, before each pass over the sockets: up to READ_WAY_EACH_S each time and
# READ_WAY_SHARE of each second in all (its lines wait in TCP meanwhile).
READ_WAY_EACH_S = 0.1
READ_WAY_SHARE = 0.4
# Rates need a little history before they mean anything.
MIN_RATE_SECONDS = 20.0
REGISTRY_EVERY = timedelta(seconds=2)
SWEEP_EVERY = timedelta(seconds=5)
# Docks admitted in one flush at most while the admit window is open (the window itself
# also caps how many are registered).
MAX_ADMITTING = 32
# Journaled docking moves written in one transaction at most (a shift's cameras arriving
# at once, or a database back after a while: an fsync per batch, and the writer's turn
# given back to the counter between batches).
REPLAY_BATCH = 20
# "The database cannot be reached" once a minute at most while it is away.
AWAY_LOG_EVERY = timedelta(minutes=1)


@dataclass
class BayState:
    """The latest report of one bay, plus what was observed since the camera arrived."""

    dock: str
    bay: int
    serial: str | None
    battery: int | None
    charging: bool | None
    upload: Upload | None
    updating: bool | None
    error: str | None
    received_at: datetime
    anchor_at: datetime | None = None  # first report of this camera in this bay
    anchor_battery: int | None = None
    anchor_bytes: int | None = None
    battery_rate: float | None = None  # percent per minute
    bytes_rate: float | None = None  # bytes per second
    last_progress_at: datetime | None = None


@dataclass
class DockState:
    name: str
    bays: int
    peer: str = ""
    last_seen: datetime | None = None
    errors: int = 0  # since the last flush
    last_error: str = ""
    admit: bool = False  # not registered yet: said hello while the admit window was open


@dataclass
class Changes:
    """What to write at the next flush."""

    docks: dict[str, DockState] = field(default_factory=dict)
    bays: list[BayState] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.docks or self.bays)


class DockBoard:
    """Thread-safe: the server thread writes, the flusher takes the changes."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._docks: dict[str, DockState] = {}
        self._bays: dict[tuple[str, int], BayState] = {}
        self._dirty_docks: set[str] = set()
        self._dirty_bays: set[tuple[str, int]] = set()
        # What each bay said when it was last handed to the flusher, and when: a bay that
        # says the same again is handed over only every RESTATE_EVERY (services/docks.py
        # writes nothing new more often anyway; comparing 1,200 unchanged bays with the
        # database twice a second was most of the flusher's time).
        self._taken: dict[tuple[str, int], tuple[tuple[Any, ...], datetime]] = {}
        self.messages = 0
        # Docking moves are journaled (fsynced) here before anything else happens to them.
        self.journal: FeedJournal | None = None
        # Docks the feed let say hello because the admit window was open (not registered yet).
        self.admitting: set[str] = set()
        # Connections open now (the server tells): a dock's lines count from the connection
        # that said hello as it first, while that one is open.
        self._live: set[str] = set()

    def on_connection(self, peer: str, opened: bool) -> None:
        with self._lock:
            if opened:
                self._live.add(peer)
            else:
                self._live.discard(peer)

    def on_message(self, peer: str, message: Message) -> None:
        now = self._clock()
        with self._lock:
            self.messages += 1
            dock = self._docks.get(message.dock)
            if dock is not None and not self._speaks_for(dock, peer, message):
                return
            if isinstance(message, Hello):
                if dock is None:
                    dock = self._docks[message.dock] = DockState(message.dock, message.bays)
                dock.bays, dock.peer = message.bays, peer
                dock.admit = message.dock in self.admitting
            if dock is None:  # the protocol refuses lines before hello; nothing to keep
                return
            dock.last_seen = now
            self._dirty_docks.add(message.dock)
            if isinstance(message, BayReport):
                self._bay(message, now)

    def _speaks_for(self, dock: DockState, peer: str, message: Message) -> bool:
        """Whether this connection's line counts for the dock. A second connection saying
        it is a dock that another open connection speaks for is not believed: the dock's
        error says so (two devices hold its name and the token, or it restarted behind a
        connection not yet closed: that one closes once quiet, and the new one takes over).
        Their bays used to take turns between the two."""
        if not dock.peer or dock.peer == peer or (
            self._live and dock.peer not in self._live
        ):
            if dock.peer and dock.peer != peer:
                log.info("%s now speaks for %s (%s closed)", peer, dock.name, dock.peer)
                dock.peer = peer
            return True
        if isinstance(message, Hello):
            dock.errors += 1
            dock.last_error = (
                f"a second connection ({peer}) says it is {dock.name} while {dock.peer} is "
                "connected as it; its reports are ignored. If the dock did not just restart, "
                "another device has the dock token: change it (docs/dock-protocol.md)."
            )
            self._dirty_docks.add(dock.name)
            log.warning("%s said hello as %s, which %s speaks for: ignored", peer, dock.name,
                        dock.peer)
        return False

    def _bay(self, report: BayReport, now: datetime) -> None:
        key = (report.dock, report.bay)
        old = self._bays.get(key)
        new = BayState(
            report.dock,
            report.bay,
            report.serial,
            report.battery,
            report.charging,
            report.upload,
            report.updating,
            report.error,
            now,
        )
        if old is not None and old.serial == new.serial and new.serial is not None:
            new.anchor_at, new.anchor_battery = old.anchor_at, old.anchor_battery
            new.anchor_bytes = old.anchor_bytes
            new.last_progress_at = old.last_progress_at
            if (
                new.upload is not None
                and old.upload is not None
                and (
                    new.upload.bytes_done > old.upload.bytes_done
                    or new.upload.files_done > old.upload.files_done
                )
            ):
                new.last_progress_at = now
        elif new.serial is not None:
            new.anchor_at = now
            new.anchor_battery = new.battery
            new.anchor_bytes = new.upload.bytes_done if new.upload else None
            new.last_progress_at = now
        if new.upload is not None and not new.upload.pending:
            new.last_progress_at = now
        if new.anchor_at is not None:
            elapsed = (now - new.anchor_at).total_seconds()
            if elapsed >= MIN_RATE_SECONDS:
                if new.battery is not None and new.anchor_battery is not None:
                    new.battery_rate = (new.battery - new.anchor_battery) / (elapsed / 60)
                if new.upload is not None and new.anchor_bytes is not None:
                    new.bytes_rate = (new.upload.bytes_done - new.anchor_bytes) / elapsed
        if self.journal is not None and (old.serial if old is not None else None) != new.serial:
            self.journal.append(now, bay_event(new))  # a camera arrived or left
        self._bays[key] = new
        self._dirty_bays.add(key)

    def on_error(self, dock: str | None, line: int, reason: str) -> None:
        if dock is None:
            return  # the server logs it; a line that names no proven dock counts for none
        with self._lock:
            state = self._docks.get(dock)
            if state is None:
                return  # a stranger cannot raise a dock's error count, nor make a dock
            state.errors += 1
            state.last_error = f"line {line}: {reason}"
            self._dirty_docks.add(dock)

    def take_changes(self) -> Changes:
        from bwc_desk.services.docks import RESTATE_EVERY

        with self._lock:
            bays = []
            for key in self._dirty_bays:
                state = self._bays[key]
                said = _said(state)
                taken = self._taken.get(key)
                if (
                    taken is not None
                    and taken[0] == said
                    and state.received_at - taken[1] < RESTATE_EVERY
                ):
                    continue  # the same as it was handed over a moment ago
                self._taken[key] = (said, state.received_at)
                bays.append(replace(state))
            changes = Changes(
                {name: replace(self._docks[name]) for name in self._dirty_docks}, bays
            )
            for name in self._dirty_docks:
                self._docks[name].errors = 0
            self._dirty_docks.clear()
            self._dirty_bays.clear()
            return changes

    def give_back(self, changes: Changes) -> None:
        """A flush that could not be written (the database busy or away): what it held is
        written with the next one (the latest state of each bay, the errors counted since)."""
        with self._lock:
            for name, dock in changes.docks.items():
                self._dirty_docks.add(name)
                if name in self._docks:
                    self._docks[name].errors += dock.errors
            for bay in changes.bays:
                self._dirty_bays.add((bay.dock, bay.bay))
                self._taken.pop((bay.dock, bay.bay), None)  # (not written: handed over again)


def _said(bay: BayState) -> tuple[Any, ...]:
    """What a bay's report says (what services/docks.py compares before it writes a bay):
    its camera, battery, charging, upload, update and error; not the time, nor the rates
    that move with it."""
    return (bay.serial, bay.battery, bay.charging, bay.upload, bay.updating, bay.error)


def bay_event(bay: BayState) -> dict[str, Any]:
    """A bay's report as a journal line holds it (the journal adds the id and time)."""
    upload = bay.upload
    return {
        "dock": bay.dock,
        "bay": bay.bay,
        "serial": bay.serial,
        "battery": bay.battery,
        "charging": bay.charging,
        "upload": None
        if upload is None
        else [upload.files_done, upload.files_total, upload.bytes_done, upload.bytes_total],
        "updating": bay.updating,
        "error": bay.error,
    }


def event_bay(event: JournalEvent) -> BayState:
    data = event.data
    upload = data.get("upload")
    return BayState(
        str(data["dock"]),
        int(data["bay"]),
        data.get("serial"),
        data.get("battery"),
        data.get("charging"),
        Upload(*(int(n) for n in upload)) if upload else None,
        data.get("updating"),
        data.get("error"),
        event.at,
        last_progress_at=event.at,
    )


def journal_path(db: Database) -> Path:
    """The journal of the dock feed writing into ``db``, in this station's data folder: one
    per database, so that the demo's feed never replays into the agency's database."""
    where = hashlib.sha256(db.url.render_as_string(hide_password=True).encode()).hexdigest()
    return data_dir() / f"dock-journal-{where[:16]}.jsonl"


def feed_token(config: StationConfig) -> str:
    """The token the dock feed asks for: none only on loopback, when an admin allowed it."""
    if not config.dock_token_required and is_loopback(config.dock_host.strip()):
        return ""
    return config.dock_token


class DockFeed:
    """The station's dock feed: server + board + flusher. ``start()`` raises OSError when
    the port is taken and ValueError when a non-loopback address has no token.

    Only registered docks may report (services/dock_registry.py): the flusher re-reads the
    registry every few seconds, and the server asks ``admit_dock`` about every hello."""

    def __init__(
        self,
        ctx: Ctx,
        host: str,
        port: int,
        token: str = "",
        flush_seconds: float = FLUSH_SECONDS,
        journal: Path | None = None,
        on_change: Callable[[ChangeSet], None] | None = None,
    ) -> None:
        self.ctx = ctx.as_actor(DOCK_FEED)
        # Told, on the flusher's thread, what each flush committed (one set per flush), as
        # this station's own writes: no poll tells them again. Where the station's views
        # hear the feed otherwise (PostgreSQL's notifications), the launcher passes None.
        self._on_change = on_change
        self.board = DockBoard(self.ctx.clock)
        self.journal = FeedJournal(journal or journal_path(ctx.db))
        self._applied: int | None = None  # the journal's mark in the database, once read
        self._away_since: datetime | None = None
        self._away_logged: datetime | None = None
        self._sweep_logged: datetime | None = None  # (the sweep's "server away", when said)
        self.replayed = 0  # journaled events written since the start
        try:
            self.server = DockFeedServer(
                host,
                port,
                token,
                self.board.on_message,
                self.board.on_error,
                on_connection=self.board.on_connection,
                admit=self.admit_dock,
                pace=Pacer(READ_WAY_EACH_S, READ_WAY_SHARE),
            )
        except ValueError as exc:
            tell_feed(ctx.db, FeedAddress(host, port, FAILED, str(exc)))
            raise
        self._wanted = (host, port)
        self._flush_seconds = flush_seconds
        self._way = WayBudget(0, 0)  # (a flush's own: see _flush)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._registry = Registry(frozenset())
        self._registry_at: datetime | None = None
        self._swept_at: datetime | None = None
        self.flushes = 0
        self.last_error = ""

    @property
    def address(self) -> tuple[str, int]:
        return self.server.address

    def start(self) -> None:
        self.open_journal()
        self.refresh_registry()  # before the first hello is judged
        try:
            self.server.start()
        except OSError as exc:
            tell_feed(self.ctx.db, FeedAddress(*self._wanted, FAILED, str(exc)))
            raise
        tell_feed(self.ctx.db, FeedAddress(*self.address, LISTENING))  # (the Docks view)
        self._thread = threading.Thread(target=self._run, name="dock-flush", daemon=True)
        self._thread.start()

    def open_journal(self) -> None:
        """Open (or create) the journal; docking moves are journaled from now on."""
        try:
            ensure_private_dir(self.journal.path.parent)
            self.journal.open()
            self.board.journal = self.journal
        except OSError as exc:
            log.error(
                "Cannot open the dock feed journal %s (%s): docking moves made while the "
                "database is away will be lost",
                self.journal.path,
                exc.strerror,
            )

    def refresh_registry(self) -> None:
        from bwc_desk.services.dock_registry import read_registry

        try:
            self._registry = read_registry(self.ctx)
            self._registry_at = self.ctx.now()
        except Exception as exc:  # the database away: keep judging by the last list
            log.warning("could not read the registered docks (kept the last list): %s", exc)

    def admit_dock(self, dock: str) -> str | None:
        """On the server thread, for each hello with a good token: None to accept it, or
        the reason to refuse it with."""
        registry = self._registry
        if dock in registry.names:
            return None
        if registry.admits_new(self.ctx.now()) and (
            dock in self.board.admitting or len(self.board.admitting) < MAX_ADMITTING
        ):
            self.board.admitting.add(dock)
            return None
        return (
            f"{dock} is not a registered dock; an administrator registers it in the Docks "
            f"view or with: bwc-desk docks add {dock} --bays N"
        )

    def _run(self) -> None:
        self.ctx.db.mark_background_writer()  # a scan at the counter goes first
        while not self._stop.wait(self._flush_seconds):
            self.flush()
        self.flush()

    def flush(self) -> None:
        if self._on_change is None:
            self._flush()
            return
        with self.ctx.db.collecting() as committed:
            self._flush()
        change = merged(committed)
        if change is not None:
            try:
                self._on_change(change)
            except Exception:  # (a view's trouble never stops the feed)
                log.exception("could not tell the views what the dock feed wrote")

    def _flush(self) -> None:
        from bwc_desk.services import docks

        self._way = WayBudget(GIVE_WAY_S, GIVE_WAY_EACH_S)
        self._way.give_way()
        now = self.ctx.now()
        if self._registry_at is None or now - self._registry_at >= REGISTRY_EVERY:
            self.refresh_registry()
            if self._registry.admits_new(now):
                self.board.admitting.difference_update(self._registry.names)
            else:
                self.board.admitting.clear()
        changes = self.board.take_changes()
        if not self.replay():
            self.board.give_back(changes)  # the database is away: kept for the next try
            return
        if not changes:
            # A camera that left its bay has its "undocked" written a minute later, even
            # when nothing else happens.
            if self._swept_at is None or now - self._swept_at >= SWEEP_EVERY:
                self._swept_at = now
                try:
                    docks.write_due_undocks(self.ctx)
                except UnavailableError as exc:
                    # (The server away: said once a minute at most, as the journal's replay
                    # says it; it was an ERROR line every sweep.)
                    if self._sweep_logged is None or now - self._sweep_logged >= AWAY_LOG_EVERY:
                        self._sweep_logged = now
                        log.error("could not write the due undocked records: %s", exc)
                except Exception as exc:
                    log.error("could not write the due undocked records: %s", exc)
            return
        try:
            docks.apply_changes(self.ctx, changes, between=self._way.give_way)
            self.flushes += 1
            self.last_error = ""
        except Exception as exc:
            self.board.give_back(changes)  # tried again at the next flush
            self.last_error = str(exc)
            log.error("could not write dock states (kept for the next try): %s", exc)

    def replay(self) -> bool:
        """Write the journaled docking moves the database does not have yet, oldest first,
        each with its own time, in batches: each batch in a transaction with the journal's
        mark. False when the database is away (tried again at the next flush)."""
        from bwc_desk.services import feed_journal

        journal = self.board.journal
        if journal is None:
            return True
        end = journal.end
        try:
            if self._applied is None:
                mark = feed_journal.applied_mark(self.ctx, journal.id)
                self._applied = journal.header_end if mark is None else mark
            pending = journal.events(self._applied, end) if self._applied < end else ()
            batch: list[tuple[int, Changes | None, datetime | None]] = []
            for item in pending:
                if isinstance(item, int):  # an unreadable line: only the mark moves on
                    batch.append((item, None, None))
                else:
                    try:
                        batch.append((item.end, Changes(bays=[event_bay(item)]), item.at))
                    except (KeyError, TypeError, ValueError) as exc:
                        log.error("Skipped journaled event %s: %s", item.id, exc)
                        batch.append((item.end, None, None))
                if len(batch) >= REPLAY_BATCH:
                    self._way.give_way()
                    self._replay(journal.id, batch)
                    batch = []
            if batch:
                self._replay(journal.id, batch)
        except Exception as exc:
            self._away(exc, end)
            return False
        if self._away_since is not None:
            log.warning(
                "The database is back: the docking moves journaled since %s are "
                "written with their own times (%d so far)",
                self._away_since,
                self.replayed,
            )
            self._away_since = self._away_logged = None
            self.last_error = ""
        if journal.rotate_if_done(self._applied):
            self._applied = journal.header_end
        return True

    def _replay(
        self, journal: str, batch: list[tuple[int, Changes | None, datetime | None]]
    ) -> None:
        """One transaction for a batch of journaled events (the database away, busy or full:
        raised, and the batch is tried again at the next flush)."""
        from bwc_desk.services import feed_journal

        feed_journal.replay_events(self.ctx, journal, batch)
        self._applied = batch[-1][0]
        self.replayed += sum(1 for _end, changes, _at in batch if changes is not None)

    def _away(self, exc: Exception, end: int) -> None:
        now = self.ctx.now()
        self.last_error = str(exc)
        if self._away_since is None:
            self._away_since = now
        if self._away_logged is None or now - self._away_logged >= AWAY_LOG_EVERY:
            self._away_logged = now
            waiting = "" if self._applied is None else f" ({end - self._applied} bytes)"
            log.error(
                "The database cannot be reached (%s): docking moves are kept in the "
                "journal %s%s and written with their own times when it is back",
                exc,
                self.journal.path,
                waiting,
            )

    def stop(self) -> None:
        self._stop.set()
        self.server.stop()
        tell_feed(self.ctx.db, None)
        if self._thread is not None:
            self._thread.join(5)
        self.journal.close()

"""Other stations' changes reach this window's views within about two seconds, without a
manual refresh: PostgreSQL notifications as they commit, polling as the fallback (and on
SQLite, where another process, a command-line import say, may have written)."""

from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from bwc_desk.services import changes
from bwc_desk.services.changes import Marks
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.context import Ctx
from bwc_desk.services.stations import station_info
from bwc_desk.ui.state import AppState

log = logging.getLogger(__name__)
POLL_MS = 2000
SQLITE_POLL_MS = 5000
RELISTEN_S = 30


class ChangeWatcher(QObject):
    """Announces (AppState.announce) what other stations changed, with the ids: one
    ChangeSet per notification or poll, coalesced, so a burst of changes costs one refresh
    per view. This window's own writes are announced by AppState.write and skipped here."""

    _arrived = Signal(object)  # a ChangeSet, from the listener thread: queued to the main one

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.pending: ChangeSet | None = None
        self.listener: Any = None
        self._marks: Marks | None = None
        self._listen_marks: Marks | None = None  # taken once the listener listens
        self._polling = False
        self._relisten = False  # PostgreSQL: a lost listener is replaced
        self._relistening = False
        self._heard_ready = False
        self._retry_at = 0.0
        self._poll_failed_logged: float | None = None  # (failing polls: logged when)
        self._arrived.connect(self._collect)
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(300)
        self._flush.timeout.connect(self._emit)
        self._poll = QTimer(self)
        self._poll.timeout.connect(self.poll)

    def start(self) -> None:
        """Start before the window's views first read (the launcher does): the first marks
        are taken here, so whatever another station commits after those reads is told, by
        the first poll or, on PostgreSQL, by the listener or the poll of the gap before it
        listened. (One short read of a few maxima: about 10 ms at 25,000 units.)"""
        info = station_info(self.state.ctx)
        self._relisten = info.is_postgresql
        try:
            self._marks = changes.marks(self.state.ctx)
        except Exception as exc:  # (then the first poll takes them, as before)
            log.warning("could not take the first change marks: %s", exc)
        self._start_listener(relistening=False)
        is_pg = info.is_postgresql
        self._poll.setInterval(POLL_MS if is_pg else SQLITE_POLL_MS)
        self._poll.start()

    def poll(self) -> None:
        """The fallback: compare cheap high-water marks (skipped while notifications work).
        A lost listener is replaced (every RELISTEN_S); what changed while no notices came is
        unknown, so every view refreshes once when one is lost and when a new one listens.
        Nothing of this while locked: every view refreshes when someone signs in."""
        if self.state.locked:
            return
        listener = self.listener
        if listener is not None and listener.failed.is_set():
            self.listener = None
            self._retry_at = time.monotonic() + RELISTEN_S
            self._marks = None  # (old marks: the first poll only takes new ones)
            self._collect(ChangeSet.everything())
        elif listener is not None and not self._heard_ready and listener.ready.is_set():
            if self._polling:
                return  # (the poll begun before it listened first; the gap after it)
            self._heard_ready = True  # (until then, still connecting: poll meanwhile)
            if self._relistening:
                # The gap between the lost and the new listener.
                self._collect(ChangeSet.everything())
            else:
                self._poll_gap()
        if self.listener is not None and self._heard_ready:
            return
        if self.listener is None and self._relisten and time.monotonic() >= self._retry_at:
            self._retry_at = time.monotonic() + RELISTEN_S
            self._start_listener(relistening=True)
        if self._polling or self.state.actor is None:
            return
        self._polling = True
        before = self._marks
        self.state.read(lambda ctx: changes.poll(ctx, before), self._compare, self._poll_failed)

    def _poll_gap(self) -> None:
        """What committed between the last marks and the moment the listener listened: no
        notice tells it. Bounded by the marks taken then, so nothing is told twice."""
        before, upto = self._marks, self._listen_marks
        if before is None or self.state.actor is None:
            return
        self._polling = True

        def gap(ctx: Ctx) -> ChangeSet | None:
            if upto is None:  # (the listener's marks failed: rather twice than never)
                return changes.poll(ctx, before)[1]
            return changes.between(ctx, before, upto)

        self.state.read(gap, self._gap_told, self._gap_failed)

    def _gap_told(self, change: ChangeSet | None) -> None:
        self._polling = False
        if change is not None:
            self._collect(change)

    def _gap_failed(self, exc: BaseException) -> None:
        self._poll_failed(exc)
        self._heard_ready = False  # (asked again at the next poll)

    def _on_listening(self) -> None:
        """From the listener's thread, once it listens (before ``ready`` is set)."""
        self._listen_marks = changes.marks(self.state.ctx)

    def _start_listener(self, relistening: bool) -> None:
        self._heard_ready = False
        self._relistening = relistening
        self._listen_marks = None
        try:
            self.listener = changes.listen(self.state.ctx, self._arrived.emit,
                                           self._on_listening)
        except Exception as exc:
            log.warning("no change notifications: %s", exc)
            self.listener = None

    def _poll_failed(self, exc: BaseException) -> None:
        self._polling = False
        now = time.monotonic()
        # Once a minute at most while the polls keep failing (a server away: every 2 s).
        if self._poll_failed_logged is None or now - self._poll_failed_logged >= 60:
            self._poll_failed_logged = now
            log.warning("could not poll for changes: %s", exc)

    def _compare(self, outcome: tuple[Marks, ChangeSet | None]) -> None:
        self._polling = False
        if self._poll_failed_logged is not None:
            self._poll_failed_logged = None
            log.info("polling for changes again")
        now, change = outcome
        if self._marks is None and change is not None:
            return  # (the marks were dropped meanwhile: a lost listener, told as "all")
        self._marks = now
        # (Told even when the listener listens by now: this poll began before the watcher
        # saw it listen, and what committed before it listened no notice tells.)
        if change is not None:
            self._collect(change)

    def _collect(self, change: object) -> None:
        assert isinstance(change, ChangeSet)
        self.pending = change if self.pending is None else self.pending.merged(change)
        if not self._flush.isActive():
            self._flush.start()

    def _emit(self) -> None:
        change, self.pending = self.pending, None
        if change is None or self.state.locked or self.state.actor is None:
            return  # locked: every view refreshes when someone signs in
        self.state.announce(change)

    def stop(self) -> None:
        self._poll.stop()
        if self.listener is not None:
            self.listener.stop()

"""Changes made at other stations, as they commit: PostgreSQL LISTEN/NOTIFY on a dedicated
connection in a background thread (the write side is Database._notify)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bwc_desk.store.db import CHANNEL, Database
from bwc_desk.store.touched import Change

log = logging.getLogger(__name__)
OnChange = Callable[[Change], None]


class ChangeListener:
    """Calls ``on_change(change)`` from its own thread for every transaction another
    process (or a write this one did not announce) committed, with the ids it touched.
    ``failed`` is set when the connection is lost; the caller falls back to polling and may
    start a new listener later. ``on_listening`` is called from its thread once it listens,
    before ``ready`` is set: what committed before that call is the caller's to find.
    """

    def __init__(
        self, db: Database, on_change: OnChange, on_listening: Callable[[], None] | None = None
    ) -> None:
        if not db.is_postgresql:
            raise ValueError("LISTEN/NOTIFY needs PostgreSQL")
        self._db = db
        self._on_change = on_change
        self._on_listening = on_listening
        self._stop = threading.Event()
        self.failed = threading.Event()
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="change-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        import psycopg
        from psycopg.conninfo import make_conninfo

        url = self._db.url
        params: dict[str, object] = {"host": url.host, "port": url.port, "user": url.username,
                                     "password": url.password, "dbname": url.database,
                                     "connect_timeout": 10,
                                     # A connection a firewall dropped silently overnight is
                                     # noticed within about a minute, not never.
                                     "keepalives": 1, "keepalives_idle": 30,
                                     "keepalives_interval": 10, "keepalives_count": 3}
        params.update({k: v for k, v in url.query.items() if isinstance(v, str)})  # sslmode...
        try:
            conn = psycopg.connect(
                make_conninfo(**{k: str(v) for k, v in params.items() if v is not None}),
                autocommit=True)
        except psycopg.Error as exc:
            log.warning("cannot listen for changes (%s); polling instead", exc)
            self.failed.set()
            return
        try:
            conn.execute(f"LISTEN {CHANNEL}")
            if self._on_listening is not None:
                try:
                    self._on_listening()
                except Exception:  # (the caller's own: the listener listens all the same)
                    log.exception("the listener's start callback failed")
            self.ready.set()
            quiet = 0
            while not self._stop.is_set():
                quiet += 1
                if quiet >= 60:  # about 30 s without a notice: is the server still there?
                    conn.execute("SELECT 1")
                    quiet = 0
                for note in conn.notifies(timeout=0.5, stop_after=50):
                    quiet = 0
                    try:
                        origin, change = Change.from_payload(note.payload)
                    except (ValueError, TypeError, AttributeError):  # (not one of ours)
                        log.warning("ignored a change notice: %.200s", note.payload)
                        continue
                    if origin != self._db.origin and change.topics:
                        self._on_change(change)
        except psycopg.Error as exc:
            if not self._stop.is_set():
                log.warning("lost the change listener (%s); polling instead", exc)
                self.failed.set()
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(3)

"""Changes made at other stations, as they commit: PostgreSQL LISTEN/NOTIFY on a dedicated
connection in a background thread (the write side is Database._notify)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bwc_desk.store.db import CHANNEL, Database

log = logging.getLogger(__name__)
OnChange = Callable[[set[str]], None]


class ChangeListener:
    """Calls ``on_change(topics)`` from its own thread for every change another process
    committed. ``failed`` is set when the connection is lost; the caller falls back to
    polling and may start a new listener later."""

    def __init__(self, db: Database, on_change: OnChange) -> None:
        if not db.is_postgresql:
            raise ValueError("LISTEN/NOTIFY needs PostgreSQL")
        self._db = db
        self._on_change = on_change
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
            self.ready.set()
            quiet = 0
            while not self._stop.is_set():
                quiet += 1
                if quiet >= 60:  # about 30 s without a notice: is the server still there?
                    conn.execute("SELECT 1")
                    quiet = 0
                for note in conn.notifies(timeout=0.5, stop_after=50):
                    quiet = 0
                    origin, _, topics = note.payload.partition("|")
                    if origin != self._db.origin and topics:
                        self._on_change(set(topics.split(",")))
        except psycopg.Error as exc:
            if not self._stop.is_set():
                log.warning("lost the change listener (%s); polling instead", exc)
                self.failed.set()
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(3)

"""Signed checkpoints to the agency's syslog server, so that its SIEM keeps a copy of every
chain head outside the database (docs/ledger.md, "Syslog").

RFC 5424 messages over TCP with octet-counting framing (RFC 6587: ``LEN SP MSG``), in TLS
when configured (RFC 5425; the agency's CA, or the system's). A background thread sends
from a bounded queue: ``submit`` never blocks (a transaction's commit hands checkpoints
over); an unreachable server is logged at most once a minute and tried again with a growing
pause; what was queued meanwhile is sent when it is back, oldest first. When more are
waiting than the queue holds, the oldest are dropped and the newest kept (each checkpoint
vouches for every record before it), and the log says how many.

Nothing here touches the database or Qt.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

log = logging.getLogger(__name__)
APP_NAME = "bwc-desk"
MSGID = "checkpoint"
# RFC 5612's documentation enterprise number: the structured data's id names BWC Desk.
SD_ID = "checkpoint@32473"
FACILITY = 13  # log audit
SEVERITY = 5  # notice
QUEUE_SIZE = 1000
RETRY_FIRST, RETRY_MOST = 1.0, 60.0
LOG_EVERY = 60.0
TIMEOUT = 10.0
# The automatic verification's failure (services/auto_verify.py), forwarded as critical.
ALERT_MSGID = "verify-failed"
ALERT_SD_ID = "verification@32473"
ALERT_SEVERITY = 2  # critical


@dataclass(frozen=True, slots=True)
class SyslogTarget:
    host: str
    port: int
    tls: bool = False
    ca_pem: str = ""  # the agency's CA certificates (PEM); "" with TLS: the system's

    def describe(self) -> str:
        return f"{self.host}:{self.port}" + (" (TLS)" if self.tls else "")


def _sd_value(value: object) -> str:
    # RFC 5424 6.3.3: '"', '\' and ']' are escaped inside PARAM-VALUE.
    text = str(value)
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _header_field(value: str, limit: int) -> str:
    """A header field: printable US-ASCII without spaces, or the nil value."""
    clean = "".join(c for c in value if 33 <= ord(c) <= 126)[:limit]
    return clean or "-"


def format_message(
    checkpoint: Mapping[str, object], hostname: str | None = None, procid: int | None = None
) -> bytes:
    """One RFC 5424 message: ``checkpoint`` has chain, seq, head_hash, at (datetime UTC),
    station, key_id, signature and database_id."""
    at = checkpoint["at"]
    stamp = (
        at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if isinstance(at, datetime) else "-"
    )
    params = (
        ("chain", checkpoint["chain"]),
        ("seq", checkpoint["seq"]),
        ("head", checkpoint["head_hash"]),
        ("station", checkpoint["station"]),
        ("key", checkpoint["key_id"]),
        ("signature", checkpoint["signature"]),
        ("database", checkpoint.get("database_id", "")),
    )
    sd = "[" + SD_ID + "".join(f' {name}="{_sd_value(v)}"' for name, v in params) + "]"
    text = (
        f"{checkpoint['chain']} ledger record #{checkpoint['seq']} has hash "
        f"{checkpoint['head_hash']}, signed by station {checkpoint['station']}"
    )
    return _message(SEVERITY, stamp, MSGID, sd, text, hostname, procid)


def _message(severity: int, stamp: str, msgid: str, sd: str, text: str,
             hostname: str | None, procid: int | None) -> bytes:
    header = " ".join(
        (
            f"<{FACILITY * 8 + severity}>1",
            stamp,
            _header_field(hostname if hostname is not None else socket.gethostname(), 255),
            APP_NAME,
            _header_field(str(procid if procid is not None else os.getpid()), 128),
            msgid,
        )
    )
    return f"{header} {sd} ".encode() + b"\xef\xbb\xbf" + text.encode("utf-8")


def format_alert(at: datetime, station: str, verdict: str, text: str,
                 hostname: str | None = None, procid: int | None = None) -> bytes:
    """An RFC 5424 message of severity critical: the automatic verification found altered
    records (the SIEM hears it even if nobody looks at the station's screen)."""
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    params = (("station", station), ("verdict", verdict))
    sd = "[" + ALERT_SD_ID + "".join(f' {name}="{_sd_value(v)}"' for name, v in params) + "]"
    return _message(ALERT_SEVERITY, stamp, ALERT_MSGID, sd, text, hostname, procid)


def frame(message: bytes) -> bytes:
    """RFC 6587 octet counting: the length in bytes, a space, the message."""
    return str(len(message)).encode() + b" " + message


def tls_context(ca_pem: str) -> ssl.SSLContext:
    """A client context that checks the server's certificate and name: against ``ca_pem``
    when given (ValueError when it holds no certificate), else the system's CAs."""
    context = ssl.create_default_context()
    if ca_pem.strip():
        try:
            context = ssl.create_default_context(cadata=ca_pem)
        except ssl.SSLError as exc:
            raise ValueError(f"not a PEM CA certificate ({exc.reason or exc})") from None
    return context


class SyslogSender:
    """The background sender. ``target`` is asked for the current target before each
    connection (None: forwarding is off; queued messages wait)."""

    def __init__(
        self,
        target: Callable[[], SyslogTarget | None],
        queue_size: int = QUEUE_SIZE,
        retry_first: float = RETRY_FIRST,
        retry_most: float = RETRY_MOST,
    ) -> None:
        self._target = target
        self._queue: deque[bytes] = deque()
        self._queue_size = queue_size
        self._cond = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._connected_to: SyslogTarget | None = None
        self._retry_first, self._retry_most = retry_first, retry_most
        self._failed_at = 0.0  # monotonic time of the last "cannot reach" log line
        self.dropped = 0  # oldest messages dropped because the queue was full
        self.sent = 0
        self.last_error = ""

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="syslog", daemon=True)
        self._thread.start()

    def submit(self, message: bytes) -> None:
        """Queue one message; never blocks. A full queue drops its oldest."""
        with self._cond:
            if len(self._queue) >= self._queue_size:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append(message)
            self._cond.notify()

    def clear(self) -> None:
        """Forget what is queued (forwarding was turned off)."""
        with self._cond:
            self._queue.clear()
            self.dropped = 0

    def pending(self) -> int:
        with self._cond:
            return len(self._queue)

    def stop(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)
        self._close()

    # --- the thread ---------------------------------------------------------------------

    def _run(self) -> None:
        delay = self._retry_first
        while True:
            with self._cond:
                while not self._queue and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                message = self._queue[0]
                dropped, self.dropped = self.dropped, 0
            if dropped:
                log.warning(
                    "syslog: %d older checkpoints were dropped while the server could "
                    "not be reached; the newest %d are sent",
                    dropped,
                    self.pending(),
                )
            try:
                self._send(message)
            except (OSError, ValueError) as exc:
                self._close()
                self._failed(exc)
                with self._cond:
                    self._cond.wait_for(lambda: self._stop, timeout=delay)
                delay = min(delay * 2, self._retry_most)
                continue
            delay = self._retry_first
            with self._cond:
                if self._queue and self._queue[0] is message:
                    self._queue.popleft()
                self.sent += 1
                self._cond.notify_all()
            if self.last_error:
                log.warning(
                    "syslog: %s reached again; queued checkpoints are being sent",
                    self._connected_to.describe() if self._connected_to else "server",
                )
                self.last_error = ""
                self._failed_at = 0.0

    def _send(self, message: bytes) -> None:
        target = self._target()
        if target is None or not target.host:
            raise ValueError("no syslog server is set")
        if self._sock is not None and (target != self._connected_to or self._peer_closed()):
            self._close()
        if self._sock is None:
            sock = socket.create_connection((target.host, target.port), timeout=TIMEOUT)
            if target.tls:
                try:
                    sock = tls_context(target.ca_pem).wrap_socket(sock, server_hostname=target.host)
                except BaseException:
                    sock.close()
                    raise
            self._sock, self._connected_to = sock, target
        self._sock.sendall(frame(message))

    def _peer_closed(self) -> bool:
        """A server that closed the connection is noticed before the next message is lost
        in a half-closed socket (readable with nothing to read)."""
        sock = self._sock
        if sock is None:
            return True
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return True
        # A syslog server never writes to us: readable means closed (or a TLS alert).
        return bool(readable)

    def _failed(self, exc: BaseException) -> None:
        with self._cond:  # waiters (a test, a status line) hear of it
            self.last_error = str(exc) or type(exc).__name__
            self._cond.notify_all()
        now = time.monotonic()
        if not self._failed_at or now - self._failed_at >= LOG_EVERY:
            self._failed_at = now
            target = self._target()
            where = target.describe() if target is not None else "the syslog server"
            log.error(
                "syslog: cannot send checkpoints to %s (%s); %d waiting, tried again",
                where,
                self.last_error,
                self.pending(),
            )

    def _close(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
            self._sock = None

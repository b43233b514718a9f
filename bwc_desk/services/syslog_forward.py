"""Syslog forwarding of signed checkpoints (optional per agency, off by default).

The agency's syslog server is an agency setting (every station forwards the checkpoints it
signs to the same SIEM), kept in the ``settings`` table under ``syslog`` as JSON: host,
port, TLS, and the CA certificates in PEM (stored, not a path: every station then checks the
server against the same CA). It is set from the command line
(``bwc-desk settings syslog``), not in the settings dialog. The sending itself is
adapters/syslog.py, from a background thread; see docs/ledger.md, "Syslog".
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bwc_desk.adapters.syslog import (
    SyslogSender,
    SyslogTarget,
    format_alert,
    format_message,
    tls_context,
)
from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import ValidationError
from bwc_desk.domain.roles import Permission
from bwc_desk.services import audit
from bwc_desk.services.context import Ctx
from bwc_desk.store import checkpoints
from bwc_desk.store.models import Setting

log = logging.getLogger(__name__)
KEY = "syslog"
DEFAULT_PORT = 6514  # RFC 5425 (TLS); plain TCP servers often listen on 514 or 601
REFRESH_SECONDS = 30.0


def read_target(session: Session) -> SyslogTarget | None:
    row = session.get(Setting, KEY)
    if row is None:
        return None
    try:
        data = json.loads(row.value)
        if not data or not data.get("host"):
            return None
        return SyslogTarget(
            str(data["host"]), int(data["port"]), bool(data.get("tls")), str(data.get("ca", ""))
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        log.error("The agency's syslog setting is unreadable; forwarding is off until it is set")
        return None


def syslog_target(ctx: Ctx) -> SyslogTarget | None:
    """The agency's syslog server, or None when forwarding is off."""
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        return read_target(session)


def ca_fingerprint(ca_pem: str) -> str:
    return hashlib.sha256(ca_pem.strip().encode()).hexdigest()[:16] if ca_pem.strip() else ""


def _describe(target: SyslogTarget | None) -> dict[str, Any] | None:
    if target is None:
        return None
    return {
        "host": target.host,
        "port": target.port,
        "tls": target.tls,
        "ca_sha256": ca_fingerprint(target.ca_pem) or None,
    }


def set_syslog(ctx: Ctx, host: str, port: int, tls: bool = False, ca_pem: str = "") -> SyslogTarget:
    """Turn forwarding on (administrators; audited). Checked first: a host without spaces,
    a port from 1 to 65535, a CA only with TLS and only a PEM CA certificate."""
    actor = ctx.require(Permission.SETTINGS, "change the syslog server")
    host = host.strip()
    if not host or any(c.isspace() for c in host):
        raise ValidationError(
            f"{host!r} is not a host name: give the syslog server's name or address, e.g. "
            "siem.example.org."
        )
    if not 1 <= port <= 65535:
        raise ValidationError(f"Port {port} is out of range: give 1 to 65535 (6514 for TLS).")
    if ca_pem.strip() and not tls:
        raise ValidationError("A CA file is for TLS: add --tls, or leave out --ca.")
    if tls:
        try:
            tls_context(ca_pem)
        except ValueError as exc:
            raise ValidationError(
                f"The CA file is {exc}. Give the PEM file of the CA that signed the syslog "
                "server's certificate."
            ) from None
    target = SyslogTarget(host, port, tls, ca_pem.strip() + "\n" if ca_pem.strip() else "")
    _write(ctx, actor, {"host": host, "port": port, "tls": tls, "ca": target.ca_pem}, target)
    return target


def syslog_off(ctx: Ctx) -> None:
    """Turn forwarding off (administrators; audited)."""
    actor = ctx.require(Permission.SETTINGS, "change the syslog server")
    _write(ctx, actor, {}, None)


def _write(ctx: Ctx, actor: Any, value: dict[str, Any], new: SyslogTarget | None) -> None:
    with ctx.db.write() as session:
        old = read_target(session)
        row = session.get(Setting, KEY)
        text = json.dumps(value, sort_keys=True)
        if row is None:
            session.add(
                Setting(key=KEY, value=text, updated_at=ctx.now(), updated_by=actor.username)
            )
        else:
            row.value, row.updated_at, row.updated_by = text, ctx.now(), actor.username
        if old != new:
            audit.write(
                session,
                station=ctx.station,
                at=ctx.now(),
                actor=actor,
                event=AuditEvent.SETTINGS_CHANGED,
                details={"syslog": {"before": _describe(old), "after": _describe(new)}},
            )


@dataclass
class CheckpointForwarder:
    """Sends every checkpoint this process signs, once committed, to the agency's syslog
    server. The setting is read every REFRESH_SECONDS on a thread of its own (a change at
    another station is followed); the committing thread only queues."""

    ctx: Ctx
    refresh_seconds: float = REFRESH_SECONDS

    def __post_init__(self) -> None:
        self.target: SyslogTarget | None = None
        self.sender = SyslogSender(lambda: self.target)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, every_engine: bool = False) -> None:
        self.refresh()
        self.sender.start()
        self._every_engine = every_engine
        checkpoints.on_committed(None if every_engine else self.ctx.db.engine, self.checkpoint)
        self._thread = threading.Thread(target=self._run, name="syslog-settings", daemon=True)
        self._thread.start()

    def refresh(self) -> None:
        try:
            with self.ctx.db.read() as session:
                target = read_target(session)
        except Exception as exc:  # the database away: keep the last setting
            log.debug("syslog setting not read: %s", exc)
            return
        if target != self.target:
            log.info(
                "syslog forwarding of checkpoints: %s",
                target.describe() if target is not None else "off",
            )
        self.target = target
        if target is None:
            self.sender.clear()  # turned off: what waited is not sent later

    def checkpoint(self, checkpoint: dict[str, Any]) -> None:
        if self.target is not None:
            self.sender.submit(format_message(checkpoint))

    def alert(self, at: Any, verdict: str, text: str) -> bool:
        """The automatic verification failed: said to the SIEM too (True if queued)."""
        if self.target is None:
            return False
        self.sender.submit(format_alert(at, self.ctx.station, verdict, text))
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.refresh_seconds):
            self.refresh()

    def stop(self) -> None:
        self._stop.set()
        checkpoints.remove_listener(
            None if getattr(self, "_every_engine", False) else self.ctx.db.engine, self.checkpoint
        )
        if self._thread is not None:
            self._thread.join(5)
        self.sender.stop()

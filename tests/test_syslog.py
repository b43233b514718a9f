"""Signed checkpoints forwarded to the agency's syslog server: RFC 5424 messages, RFC 6587
octet counting over TCP, TLS against the agency's CA, and a server that goes away and comes
back. Against real TCP (and TLS) servers on loopback, run by the test."""

from __future__ import annotations

import contextlib
import io
import logging
import re
import socket
import ssl
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bwc_desk.__main__ import build_parser
from bwc_desk.adapters.syslog import SyslogSender, SyslogTarget, format_message, frame
from bwc_desk.cli.commands import run
from bwc_desk.domain.errors import PermissionDenied, ValidationError
from bwc_desk.domain.roles import Role
from bwc_desk.services import syslog_forward
from bwc_desk.store import checkpoints
from bwc_desk.store.ledger import CUSTODY
from bwc_desk.store.models import AuditRecord, LedgerCheckpoint
from tests.conftest import PASSWORD, make_actor

pytestmark = pytest.mark.both_backends

WAIT = 60.0  # only stops a hung test; nothing is timed


class SyslogServer:
    """A TCP (or TLS) syslog receiver: reads octet-counted frames into ``messages``."""

    def __init__(self, port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self.listener = socket.create_server(("127.0.0.1", port))
        self.port = self.listener.getsockname()[1]
        self.tls = tls
        self.messages: list[bytes] = []
        self.connections = 0
        self.cond = threading.Condition()
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            if self.tls is not None:
                try:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    conn.close()
                    continue
            self.conns.append(conn)
            with self.cond:
                self.connections += 1
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        buffer = b""
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b" " in buffer:
                length, _, rest = buffer.partition(b" ")
                assert length.isdigit(), buffer[:40]  # octet counting: digits, one space
                if len(rest) < int(length):
                    break
                with self.cond:
                    self.messages.append(rest[: int(length)])
                    self.cond.notify_all()
                buffer = rest[int(length) :]

    def wait_for(self, n: int) -> list[bytes]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.messages) >= n, timeout=WAIT)
            return list(self.messages)

    def close(self) -> None:
        # shutdown wakes the accepting thread (close alone leaves it listening on Linux)
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()


MESSAGE = re.compile(
    r"<(?P<pri>\d+)>1 (?P<ts>\S+) (?P<host>\S+) bwc-desk (?P<pid>\d+) checkpoint "
    r"\[checkpoint@32473(?P<sd>(?: \w+=\"(?:[^\"\\\]]|\\.)*\")*)\] \ufeff(?P<msg>.*)",
    re.S,
)


def parse(raw: bytes) -> dict[str, str]:
    match = MESSAGE.fullmatch(raw.decode("utf-8"))
    assert match, raw
    params = dict(re.findall(r' (\w+)="((?:[^"\\\]]|\\.)*)"', match["sd"]))
    return {**match.groupdict(), **params}


def checkpoint_now(ctx) -> LedgerCheckpoint:
    with ctx.db.write() as s:
        assert checkpoints.checkpoint_now(s, ctx.station, CUSTODY, ctx.now())
    with ctx.db.read() as s:
        return s.execute(
            select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc()).limit(1)
        ).scalar_one()


@pytest.fixture
def forwarder(admin_ctx):
    made = []

    def start(ctx=admin_ctx):
        f = syslog_forward.CheckpointForwarder(ctx)
        f.sender = SyslogSender(lambda: f.target, retry_first=0.05, retry_most=0.2)
        f.start()
        made.append(f)
        return f

    yield start
    for f in made:
        f.stop()


def test_the_message_is_rfc5424_with_the_checkpoint_in_structured_data():
    at = datetime(2026, 11, 24, 7, 2, 13, 123456, tzinfo=UTC)
    raw = format_message(
        {
            "chain": "custody",
            "seq": 1200,
            "head_hash": "ab" * 32,
            "at": at,
            "station": 'DESK "1"]\\',
            "key_id": "k" * 32,
            "signature": "s" * 128,
            "database_id": "db-1",
        },
        hostname="desk-pc 1",
        procid=4242,
    )
    fields = parse(raw)
    assert fields["pri"] == "109"  # facility 13 (log audit) * 8 + severity 5 (notice)
    assert fields["ts"] == "2026-11-24T07:02:13.123456Z"
    assert fields["host"] == "desk-pc1" and fields["pid"] == "4242"
    assert (fields["chain"], fields["seq"], fields["head"]) == ("custody", "1200", "ab" * 32)
    assert fields["station"] == 'DESK \\"1\\"\\]\\\\'  # RFC 5424 escapes " ] and \
    assert (fields["key"], fields["signature"], fields["database"]) == ("k" * 32, "s" * 128, "db-1")
    assert "record #1200" in fields["msg"]
    assert frame(b"abc") == b"3 abc"
    assert frame("é".encode()) == b"2 \xc3\xa9"  # octets, not characters


def test_off_by_default_and_nothing_is_sent(admin_ctx, forwarder):
    assert syslog_forward.syslog_target(admin_ctx) is None
    f = forwarder()
    checkpoint_now(admin_ctx)
    assert f.sender.pending() == 0 and f.sender.sent == 0


def test_each_committed_checkpoint_reaches_the_server(admin_ctx, forwarder):
    server = SyslogServer()
    syslog_forward.set_syslog(admin_ctx, "127.0.0.1", server.port)
    f = forwarder()
    # a checkpoint whose transaction rolls back is never sent
    with pytest.raises(RuntimeError), admin_ctx.db.write() as s:
        checkpoints.checkpoint_now(s, admin_ctx.station, CUSTODY, admin_ctx.now())
        raise RuntimeError("rolled back")
    cp = checkpoint_now(admin_ctx)
    fields = parse(server.wait_for(1)[0])
    assert (fields["chain"], fields["seq"], fields["head"]) == (cp.chain, str(cp.seq), cp.head_hash)
    assert (fields["station"], fields["signature"], fields["key"]) == (
        "DESK-1",
        cp.signature,
        cp.key_id,
    )
    assert fields["host"] == "".join(c for c in socket.gethostname() if 33 <= ord(c) <= 126)
    assert fields["ts"] == cp.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    checkpoint_now(admin_ctx)
    assert len(server.wait_for(2)) == 2 and server.connections == 1  # one connection kept
    server.close()
    assert f.sender.last_error == ""


def test_a_server_away_is_logged_once_and_what_was_signed_meanwhile_follows(
    admin_ctx, forwarder, clock, caplog
):
    server = SyslogServer()
    port = server.port
    syslog_forward.set_syslog(admin_ctx, "127.0.0.1", port)
    f = forwarder()
    checkpoint_now(admin_ctx)
    server.wait_for(1)
    server.close()  # the SIEM restarts
    seqs = []
    for _ in range(3):
        clock.advance(minutes=1)
        seqs.append(checkpoint_now(admin_ctx).head_hash)  # not held up by the server
    with f.sender._cond:
        assert f.sender._cond.wait_for(lambda: f.sender.last_error != "", timeout=WAIT)
    back = SyslogServer(port)  # and is back on its port
    got = [parse(m)["head"] for m in back.wait_for(3)]
    assert got == seqs  # in order, each once
    cannot = [r for r in caplog.records if "cannot send checkpoints" in r.getMessage()]
    assert len(cannot) == 1 and f"127.0.0.1:{port}" in cannot[0].getMessage()
    back.close()


def test_a_full_queue_keeps_the_newest_and_says_which():
    sender = SyslogSender(lambda: SyslogTarget("127.0.0.1", 9), queue_size=3)  # not started
    for n in range(5):
        sender.submit(b"m%d" % n)
    assert sender.pending() == 3 and sender.dropped == 2
    assert list(sender._queue) == [b"m2", b"m3", b"m4"]


# --- TLS -----------------------------------------------------------------------------------


def _certificates(tmp_path):
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test syslog")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "ca.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp_path / "ca.pem", tmp_path / "key.pem")
    return server, cert_pem.decode()


def test_tls_against_the_agencys_ca(admin_ctx, forwarder, tmp_path):
    context, ca_pem = _certificates(tmp_path)
    server = SyslogServer(tls=context)
    syslog_forward.set_syslog(admin_ctx, "127.0.0.1", server.port, tls=True, ca_pem=ca_pem)
    forwarder()
    cp = checkpoint_now(admin_ctx)
    assert parse(server.wait_for(1)[0])["head"] == cp.head_hash
    server.close()


def test_tls_refuses_a_server_the_ca_did_not_sign(admin_ctx, forwarder, tmp_path):
    context, _ca = _certificates(tmp_path)
    (tmp_path / "other").mkdir()
    _other, other_ca = _certificates(tmp_path / "other")
    server = SyslogServer(tls=context)
    syslog_forward.set_syslog(admin_ctx, "127.0.0.1", server.port, tls=True, ca_pem=other_ca)
    f = forwarder()
    checkpoint_now(admin_ctx)
    with f.sender._cond:
        assert f.sender._cond.wait_for(
            lambda: "CERTIFICATE" in f.sender.last_error.upper(), timeout=WAIT
        )
    assert server.messages == [] and f.sender.pending() == 1  # kept, tried again
    server.close()


# --- the setting ---------------------------------------------------------------------------


def test_setting_is_checked_audited_and_admin_only(admin_ctx, tmp_path):
    with pytest.raises(ValidationError, match="not a host name"):
        syslog_forward.set_syslog(admin_ctx, "siem example", 514)
    with pytest.raises(ValidationError, match="out of range"):
        syslog_forward.set_syslog(admin_ctx, "siem", 70000)
    with pytest.raises(ValidationError, match="add --tls"):
        syslog_forward.set_syslog(admin_ctx, "siem", 514, ca_pem="-----BEGIN CERTIFICATE-----")
    with pytest.raises(ValidationError, match="PEM"):
        syslog_forward.set_syslog(admin_ctx, "siem", 6514, tls=True, ca_pem="not a cert")
    assert syslog_forward.syslog_target(admin_ctx) is None  # nothing was stored
    qm = make_actor(admin_ctx, Role.QUARTERMASTER, "qm")
    with pytest.raises(PermissionDenied):
        syslog_forward.set_syslog(qm, "siem", 514)
    syslog_forward.set_syslog(admin_ctx, "siem.example.org", 6514, tls=True)
    assert syslog_forward.syslog_target(qm) == SyslogTarget("siem.example.org", 6514, True, "")
    syslog_forward.syslog_off(admin_ctx)
    assert syslog_forward.syslog_target(admin_ctx) is None
    with admin_ctx.db.read() as s:
        changes = [
            r.details
            for r in s.execute(select(AuditRecord)).scalars()
            if r.details and '"syslog"' in r.details
        ]
    assert len(changes) == 2 and "siem.example.org" in changes[0]


def test_the_command_line(admin_ctx, db_url, tmp_path):
    _context, ca_pem = _certificates(tmp_path)

    def cli(*argv):
        signed = ["--as", "admin", "--password-stdin"] if argv else []  # set, off: sign in
        args = build_parser().parse_args(["settings", "syslog", *argv, "--database", db_url,
                                          *signed])
        out = io.StringIO()
        old, sys.stdin = sys.stdin, io.StringIO(PASSWORD + "\n")
        try:
            return run(args, out), out.getvalue()
        finally:
            sys.stdin = old

    assert cli() == (0, "Syslog forwarding of checkpoints is off.\n")
    code, text = cli("set", "--host", "siem.example.org", "--tls", "--ca", str(tmp_path / "ca.pem"))
    assert code == 0 and "siem.example.org:6514 (TLS)" in text and "CA: stored" in text
    assert syslog_forward.syslog_target(admin_ctx).ca_pem.strip() == ca_pem.strip()
    assert "siem.example.org:6514 (TLS)" in cli()[1]
    code, _ = cli("set", "--host", "siem", "--port", "514", "--ca", str(tmp_path / "ca.pem"))
    assert code == 1  # a CA without --tls: refused, the setting unchanged
    assert syslog_forward.syslog_target(admin_ctx).port == 6514
    assert cli("off") == (0, "Syslog forwarding of checkpoints is off.\n")
    assert syslog_forward.syslog_target(admin_ctx) is None


def test_a_station_without_a_server_never_waits(admin_ctx, forwarder, caplog):
    """A transaction never waits for the server: with it unreachable, checkpoints are made
    as fast as ever and wait in the queue."""
    caplog.set_level(logging.ERROR)
    syslog_forward.set_syslog(admin_ctx, "127.0.0.1", 9)  # discard port: nobody listens
    f = forwarder()
    for _ in range(3):
        checkpoint_now(admin_ctx)
    assert f.sender.pending() + f.sender.sent >= 3 and f.sender.sent == 0


def test_a_failed_automatic_verification_reaches_the_server_as_critical(admin_ctx, forwarder):
    f = forwarder()
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert not f.alert(at, "failed", "custody: FAILED at record #4")  # forwarding is off
    server = SyslogServer()
    syslog_forward.set_syslog(admin_ctx, "127.0.0.1", server.port)
    f.refresh()
    assert f.alert(at, "failed", "custody: FAILED at record #4")
    raw = server.wait_for(1)[0].decode("utf-8")
    assert raw.startswith("<106>1 2026-12-01T09:00:00.000000Z ")  # 13 * 8 + 2 (critical)
    assert " verify-failed [verification@32473 station=\"DESK-1\" verdict=\"failed\"] " in raw
    assert raw.endswith("custody: FAILED at record #4")
    server.close()

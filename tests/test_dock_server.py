"""The dock feed server over real loopback sockets: replies, tokens, many docks, slow and
vanishing clients, stopping. Waits are on conditions with generous timeouts, never sleeps."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bwc_desk.adapters.dockfeed import server as server_module
from bwc_desk.adapters.dockfeed.protocol import BayReport, Heartbeat, Hello, Message
from bwc_desk.adapters.dockfeed.server import DockFeedServer
from tests.test_dock_protocol import BAY, HEARTBEAT, HELLO, ROOT, bay, line

TIMEOUT = 15.0  # only reached when something is broken; a loaded CI box stays far below


class Recorder:
    """Collects what the server reports, and lets a test wait for it."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, Message]] = []
        self.errors: list[tuple[str | None, int, str]] = []
        self.connections: list[tuple[str, bool]] = []
        self._changed = threading.Condition()

    def on_message(self, peer: str, message: Message) -> None:
        with self._changed:
            self.messages.append((peer, message))
            self._changed.notify_all()

    def on_error(self, dock: str | None, line_no: int, reason: str) -> None:
        with self._changed:
            self.errors.append((dock, line_no, reason))
            self._changed.notify_all()

    def on_connection(self, peer: str, opened: bool) -> None:
        with self._changed:
            self.connections.append((peer, opened))
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[Recorder], bool]) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: predicate(self), TIMEOUT), "timed out"


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def make_server(recorder: Recorder, token: str = "") -> DockFeedServer:
    return DockFeedServer(
        "127.0.0.1",
        0,
        token,
        recorder.on_message,
        recorder.on_error,
        recorder.on_connection,
    )


@pytest.fixture
def feed(recorder: Recorder) -> Iterator[DockFeedServer]:
    server = make_server(recorder)
    server.start()
    yield server
    server.stop()
    assert not server.running


def connect(server: DockFeedServer) -> socket.socket:
    return socket.create_connection(server.address, timeout=TIMEOUT)


def read_lines(sock: socket.socket, count: int) -> list[dict[str, Any]]:
    data = b""
    while data.count(b"\n") < count:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection before {count} lines"
        data += chunk
    lines = data.split(b"\n")
    assert lines[count:] == [b""], "more replies than expected"
    return [json.loads(raw) for raw in lines[:count]]


def read_to_end(sock: socket.socket) -> bytes:
    """Everything the server writes until it closes: call after shutdown(SHUT_WR)."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_good_and_bad_lines_over_a_real_socket(feed, recorder):
    with connect(feed) as sock:
        sock.sendall(
            line(HELLO)
            + line(BAY)
            + b"this is not json\n"
            + line(bay(bay=9))
            + line(bay(dock="DOCK-B"))
            + line(bay(bay=2, serial=None, battery=..., charging=..., upload=...))
            + b"\xff\xfe\r\n"
            + line(HEARTBEAT)
        )
        replies = read_lines(sock, 4)
        assert replies == [
            {"v": 1, "type": "error", "line": 3,
             "reason": "line is not valid JSON: Expecting value at column 1"},
            {"v": 1, "type": "error", "line": 4,
             "reason": "bay 9 is out of range: DOCK-A announced 8 bays"},
            {"v": 1, "type": "error", "line": 5,
             "reason": "DOCK-B has not said hello on this connection; send a hello line for it "
                       "first"},
            {"v": 1, "type": "error", "line": 7,
             "reason": "line is not valid UTF-8 (byte 0xff at offset 0)"},
        ]  # fmt: skip
        recorder.wait_for(lambda r: len(r.messages) == 4)
        kinds = [type(m).__name__ for _, m in recorder.messages]
        assert kinds == ["Hello", "BayReport", "BayReport", "Heartbeat"]
        empty = recorder.messages[2][1]
        assert isinstance(empty, BayReport) and empty.serial is None and empty.bay == 2
        assert empty.present == {"updating", "error"}
        assert [(d, n) for d, n, _ in recorder.errors] == [
            (None, 3),
            ("DOCK-A", 4),
            (None, 5),  # DOCK-B said no hello here: anyone can write its name in a line
            (None, 7),
        ]
        # Still open after the errors: the next lines are heard and numbered on.
        sock.sendall(line(bay(bay=8)) + b"[]\n")
        assert read_lines(sock, 1)[0]["line"] == 10
        recorder.wait_for(lambda r: len(r.messages) == 5)
        sock.shutdown(socket.SHUT_WR)
        assert read_to_end(sock) == b""
    peer = recorder.messages[0][0]
    recorder.wait_for(lambda r: (peer, False) in r.connections)
    assert recorder.connections == [(peer, True), (peer, False)]
    assert peer.startswith("127.0.0.1:")


def test_replies_are_flushed_before_a_half_closed_connection_ends(feed):
    with connect(feed) as sock:
        sock.sendall(b"1\n2\n3\n")
        sock.shutdown(socket.SHUT_WR)
        replies = [json.loads(raw) for raw in read_to_end(sock).splitlines()]
    assert [r["line"] for r in replies] == [1, 2, 3]


def test_the_token_is_required_in_hello(recorder):
    with make_server(recorder, token="s3cret") as server, connect(server) as sock:
        sock.sendall(line(HELLO) + line(BAY) + line(HELLO | {"token": "s3cret"}) + line(BAY))
        sock.shutdown(socket.SHUT_WR)
        replies = [json.loads(raw) for raw in read_to_end(sock).splitlines()]
        assert [(r["line"], r["reason"][:24]) for r in replies] == [
            (1, "hello from DOCK-A has no"),
            (2, "DOCK-A has not said hell"),
        ]
        recorder.wait_for(lambda r: len(r.messages) == 2)
    assert [type(m) for _, m in recorder.messages] == [Hello, BayReport]


@pytest.mark.parametrize("host", ["0.0.0.0", "", "192.168.1.10", "::", "dockfeed.example.org"])
def test_listening_beyond_loopback_needs_a_token(recorder, host):
    with pytest.raises(ValueError, match="only with a shared token"):
        DockFeedServer(host, 0, "", recorder.on_message, recorder.on_error)
    with pytest.raises(ValueError, match="only with a shared token"):
        DockFeedServer(host, 0, "   ", recorder.on_message, recorder.on_error)
    DockFeedServer(host, 0, "s3cret", recorder.on_message, recorder.on_error)  # not started


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1"])
def test_loopback_needs_no_token(recorder, host):
    DockFeedServer(host, 0, "", recorder.on_message, recorder.on_error)


def test_a_hundred_and_twenty_docks_at_once(feed, recorder):
    socks = [connect(feed) for _ in range(120)]
    try:
        for i, sock in enumerate(socks):
            dock = f"DOCK-{i:03d}"
            sock.sendall(line(HELLO | {"dock": dock}) + b"oops\n" + line(bay(dock=dock)))
        for sock in socks:
            [reply] = read_lines(sock, 1)
            assert reply["line"] == 2
        recorder.wait_for(lambda r: len(r.messages) == 240)
    finally:
        for sock in socks:
            sock.close()
    docks = {m.dock for _, m in recorder.messages}
    assert len(docks) == 120
    assert len({peer for peer, _ in recorder.messages}) == 120
    recorder.wait_for(lambda r: sum(not opened for _, opened in r.connections) == 120)


def test_thousands_of_lines_from_several_docks_all_arrive_in_order(feed, recorder):
    per_dock = 3000
    socks = [connect(feed) for _ in range(3)]
    for d, sock in enumerate(socks):
        sock.sendall(line(HELLO | {"dock": f"D{d}"}))
    for n in range(per_dock):
        for d, sock in enumerate(socks):
            sock.sendall(line(bay(dock=f"D{d}", bay=n % 8 + 1, battery=n % 101)))
    recorder.wait_for(lambda r: len(r.messages) == 3 * (per_dock + 1))
    for sock in socks:
        sock.close()
    assert recorder.errors == []
    for d in range(3):
        batteries = [
            m.battery
            for _, m in recorder.messages
            if isinstance(m, BayReport) and m.dock == f"D{d}"
        ]
        assert batteries == [n % 101 for n in range(per_dock)]


def test_a_slow_reader_gets_every_reply_in_order(feed, recorder):
    count = 2000  # about 200 KB of replies: more than the buffers below, under the 256 KiB cap
    # Accepted sockets inherit the listener's send buffer; a small one makes the server
    # queue replies itself while the dock is not reading, rather than the kernel.
    feed._listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    with connect(feed) as sock:
        sock.sendall(b"x\n" * count)
        # Read nothing until the server has refused every line.
        recorder.wait_for(lambda r: len(r.errors) == count)
        sock.shutdown(socket.SHUT_WR)
        replies = read_to_end(sock).splitlines()
    assert [json.loads(raw)["line"] for raw in replies] == list(range(1, count + 1))


def test_replies_nobody_reads_are_dropped_not_hoarded(feed, recorder, monkeypatch, caplog):
    monkeypatch.setattr(server_module, "MAX_UNSENT_REPLY_BYTES", 0)
    with connect(feed) as sock:
        sock.sendall(line(HELLO) + b"x\n" + line(HEARTBEAT))
        recorder.wait_for(lambda r: len(r.messages) == 2)
        sock.shutdown(socket.SHUT_WR)
        assert read_to_end(sock) == b""
    assert [n for _, n, _ in recorder.errors] == [2]
    assert "does not read its error replies" in caplog.text


def test_a_dock_that_vanishes_mid_line_does_not_disturb_the_others(feed, recorder):
    with connect(feed) as steady:
        steady.sendall(line(HELLO))
        rude = connect(feed)
        rude.sendall(line(HELLO | {"dock": "RUDE"}) + b'{"v":1,"type":"ba')
        recorder.wait_for(lambda r: len(r.messages) == 2)
        # Linger 0: close with a reset, as a dock does when it loses power.
        rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        rude.close()
        recorder.wait_for(lambda r: sum(not opened for _, opened in r.connections) == 1)
        steady.sendall(line(HEARTBEAT) + b"bad\n")
        assert read_lines(steady, 1)[0]["line"] == 3
        recorder.wait_for(lambda r: len(r.messages) == 3)
    assert isinstance(recorder.messages[-1][1], Heartbeat)


def test_a_failing_handler_is_logged_and_the_feed_goes_on(recorder, caplog):
    calls: list[Message] = []

    def on_message(peer: str, message: Message) -> None:
        calls.append(message)
        if isinstance(message, Hello):
            raise RuntimeError("handler bug")
        recorder.on_message(peer, message)

    def on_error(dock: str | None, line_no: int, reason: str) -> None:
        raise RuntimeError("error handler bug")

    with DockFeedServer("127.0.0.1", 0, "", on_message, on_error) as server:
        with connect(server) as sock, caplog.at_level(logging.ERROR):
            sock.sendall(line(HELLO) + b"?\n" + line(BAY))
            assert read_lines(sock, 1)[0]["line"] == 2
            recorder.wait_for(lambda r: len(r.messages) == 1)
        assert server.running
    assert caplog.text.count("failed") >= 2 and "handler bug" in caplog.text


def test_stop_closes_every_socket_and_the_thread(recorder):
    server = make_server(recorder)
    server.start()
    address = server.address
    sock = connect(server)
    sock.sendall(line(HELLO))
    recorder.wait_for(lambda r: len(r.messages) == 1)
    server.stop()
    assert not server.running
    with contextlib.suppress(ConnectionResetError):  # a reset is also a way of being closed
        assert sock.recv(100) == b""
    sock.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=TIMEOUT).close()
    assert recorder.connections[-1][1] is False
    server.stop()  # twice is harmless
    with pytest.raises(RuntimeError, match="already started"):
        server.start()


def test_a_port_in_use_fails_in_start_and_address_needs_start(feed, recorder):
    other = DockFeedServer("127.0.0.1", feed.address[1], "", recorder.on_message, recorder.on_error)
    with pytest.raises(RuntimeError, match="not started"):
        _ = other.address
    with pytest.raises(OSError):
        other.start()
    assert not other.running
    other.stop()  # nothing to stop


def test_the_python_client_in_the_docs_works(feed, recorder, capsys):
    docs = (ROOT / "docs" / "dock-protocol.md").read_text(encoding="utf-8")
    [client] = re.findall(r"```python\n(.*?)```", docs, re.S)
    assert "47800" in client
    exec(compile(client.replace("47800", str(feed.address[1])), "client", "exec"), {})
    recorder.wait_for(lambda r: len(r.messages) == 3)
    assert [type(m) for _, m in recorder.messages] == [Hello, BayReport, Heartbeat]
    assert capsys.readouterr().out == ""  # the client prints only refusals


# --- no client can starve the rest; logs survive a flood --------------------------------------


def test_refused_lines_are_logged_a_few_then_summed_up(feed, recorder, monkeypatch, caplog):
    # All 500 in one window however slow the machine (a 0.3 s window was outrun by a busy
    # one: a second window logged ten more), then the window ends for the summary.
    monkeypatch.setattr(server_module, "LOG_WINDOW_SECONDS", 3600.0)
    with caplog.at_level(logging.WARNING), connect(feed) as sock:
        sock.sendall(b"x\n" * 500)
        recorder.wait_for(lambda r: len(r.errors) == 500)
        monkeypatch.setattr(server_module, "LOG_WINDOW_SECONDS", 0.0)
        deadline = threading.Event()
        for _ in range(150):  # the summary comes with the housekeeping after the window
            if "Suppressed" in caplog.text:
                break
            deadline.wait(0.1)
    refused = [r for r in caplog.records if r.getMessage().startswith("Refused line")]
    assert len(refused) == server_module.LOGGED_REFUSALS
    assert re.search(r"Suppressed 490 more refused lines or connections from 127\.0\.0\.1",
                     caplog.text)


def test_idle_connections_are_dropped(feed, recorder, monkeypatch):
    monkeypatch.setattr(server_module, "IDLE_SECONDS", 0.5)
    with connect(feed) as silent:
        silent.sendall(b"junk\n")  # refused lines do not keep a connection alive
        assert read_lines(silent, 1)[0]["line"] == 1
        assert read_to_end(silent) == b""  # closed by the server
    recorder.wait_for(lambda r: any(not opened for _, opened in r.connections))


def test_connections_per_peer_are_limited(feed, recorder, monkeypatch):
    monkeypatch.setattr(server_module, "MAX_CONNECTIONS_PER_PEER", 3)
    socks = [connect(feed) for _ in range(3)]
    try:
        recorder.wait_for(lambda r: len(r.connections) == 3)
        with connect(feed) as extra:
            assert read_to_end(extra) == b""  # accepted and closed at once
        socks[0].sendall(line(HELLO))
        recorder.wait_for(lambda r: len(r.messages) == 1)
    finally:
        for s in socks:
            s.close()


def test_one_connection_is_served_a_bounded_number_of_lines_per_turn(feed, recorder,
                                                                      monkeypatch):
    """The server reads a connection again only once it has handled what it read, and takes
    turns: a flood on one connection cannot keep another's line waiting behind it."""
    monkeypatch.setattr(server_module, "LINES_PER_TICK", 5)
    with connect(feed) as flood, connect(feed) as other:
        flood.sendall(b"x\n" * 5000)
        recorder.wait_for(lambda r: len(r.errors) >= 1)
        other.sendall(b"[]\n")
        assert read_lines(other, 1)[0]["line"] == 1
        recorder.wait_for(lambda r: len(r.errors) == 5001)
        # It was served while most of the flood still waited for its turns.
        reasons = [reason for _, _, reason in recorder.errors]
        assert reasons.index("line must be a JSON object, not an array") < 4000


def test_the_reader_waits_where_its_pace_says_and_the_lines_wait_in_tcp(recorder):
    """The app's pace holds the reader while a person's work is under way at the counter
    (services/foreground.Pacer): nothing is read meanwhile, nothing is lost after."""
    hold, held = threading.Event(), threading.Event()

    def pace() -> None:
        if not hold.is_set():
            held.set()
            assert hold.wait(TIMEOUT)

    server = DockFeedServer(
        "127.0.0.1", 0, "", recorder.on_message, recorder.on_error, pace=pace
    )
    server.start()
    try:
        assert held.wait(TIMEOUT)
        with connect(server) as sock:
            sock.sendall(line(HELLO) + line(BAY) + line(HEARTBEAT))
            # (the server's thread is inside pace: it cannot have taken the connection)
            assert recorder.messages == [] and recorder.connections == []
            hold.set()
            recorder.wait_for(lambda r: len(r.messages) == 3)
        assert [type(m) for _p, m in recorder.messages] == [Hello, BayReport, Heartbeat]
    finally:
        hold.set()
        server.stop()

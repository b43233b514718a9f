"""The dock feed's TCP server: one background thread, non-blocking sockets, ``selectors``.

One thread is enough: the work per line is a JSON parse and a callback, and docks send a few
hundred bytes per bay per second. Callbacks run on this thread; the app hands the messages
on to its own threads (never a widget from here).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bwc_desk.adapters.dockfeed.protocol import (
    Admit,
    Connection,
    Message,
    ProtocolError,
    error_reply,
)

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 47800
# What one connection may cost, so that no client can starve the rest or the memory:
# a connection's bytes are read only when the last read is used up, and at most
# LINES_PER_TICK of its lines are handled before the other connections get their turn.
RECV_BYTES = 64 * 1024
LINES_PER_TICK = 200
# Docks that never read their replies are common (fire-and-forget senders); past this much
# unsent reply data we drop further replies instead of growing without bound or hanging up
# on a dock whose good lines still count.
MAX_UNSENT_REPLY_BYTES = 256 * 1024
# Python's select() on Windows handles at most 512 sockets; stay under it with room to spare.
MAX_CONNECTIONS = 500
# One address (a gateway, or the simulator's docks on this PC) may hold this many.
MAX_CONNECTIONS_PER_PEER = 128
# A connection on which no line was accepted for this long is closed; a dock sends a
# heartbeat every 10 seconds.
IDLE_SECONDS = 120.0
# Refused lines logged per peer address in each LOG_WINDOW_SECONDS; the rest are counted
# and summed up in one "suppressed" line, so that a flood cannot fill the disk.
LOGGED_REFUSALS = 10
LOG_WINDOW_SECONDS = 60.0

OnMessage = Callable[[str, Message], None]
OnError = Callable[[str | None, int, str], None]
OnConnection = Callable[[str, bool], None]


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


@dataclass(eq=False)
class _Client:
    sock: socket.socket
    peer: str
    protocol: Connection
    unsent: bytearray = field(default_factory=bytearray)
    host: str = ""
    refused: int = 0
    dropped_replies: int = 0
    eof: bool = False  # the dock closed its side; close ours once the replies are out
    inbox: bytearray = field(default_factory=bytearray)  # read, not handled yet
    last_good: float = field(default_factory=time.monotonic)
    events: int = selectors.EVENT_READ  # what the selector watches for; 0: not registered


@dataclass
class _LogWindow:
    """Refused-line logging for one peer address: a few lines, then a count."""

    started: float
    logged: int = 0
    suppressed: int = 0


class DockFeedServer:
    """Listens for docks and reports each line: good ones to ``on_message(peer_id,
    message)``, refused ones to ``on_error(dock_or_None, line_no, reason)`` after writing
    the error reply. ``on_connection(peer_id, opened)`` hears connections come and go.
    ``pace``, called before each pass over the sockets, may wait there (the app's: while a
    person's work is under way at the counter, services/foreground.Pacer); meanwhile the
    docks' lines wait in TCP.

    Raises ValueError for a non-loopback host without a token: a dock feed open to the
    network would let anyone on it make cameras look ready.
    """

    def __init__(
        self,
        host: str,
        port: int,
        token: str,
        on_message: OnMessage,
        on_error: OnError,
        on_connection: OnConnection | None = None,
        admit: Admit | None = None,
        pace: Callable[[], object] | None = None,
    ) -> None:
        if not is_loopback(host) and not token.strip():
            raise ValueError(
                f"The dock feed may listen on {host or 'all interfaces'} only with a shared "
                "token; set a dock token, or listen on 127.0.0.1."
            )
        self._host = host
        self._port = port
        self._token = token
        self._on_message = on_message
        self._on_error = on_error
        self._on_connection = on_connection
        self._admit = admit
        self._pace = pace
        self._backlog: set[_Client] = set()  # clients with read bytes still to handle
        self._per_host: dict[str, int] = {}
        self._log_windows: dict[str, _LogWindow] = {}
        self._listener: socket.socket | None = None
        self._address: tuple[str, int] | None = None
        self._selector: selectors.BaseSelector | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._clients: dict[socket.socket, _Client] = {}

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port); with port 0 this is the port the system picked."""
        if self._address is None:
            raise RuntimeError("the dock feed server is not started")
        return self._address

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Bind and listen here, so a port in use raises OSError in the caller, then serve
        on a background thread."""
        if self._thread is not None:
            raise RuntimeError("the dock feed server was already started")
        listener = socket.create_server(
            (self._host, self._port), family=_family(self._host), backlog=socket.SOMAXCONN
        )
        listener.setblocking(False)
        # A socket pair lets stop() wake the selector at once instead of polling a flag.
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(listener, selectors.EVENT_READ)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._listener = listener
        host, port = listener.getsockname()[:2]
        self._address = str(host), int(port)
        self._thread = threading.Thread(target=self._run, name="dock-feed", daemon=True)
        self._thread.start()
        log.info("Dock feed listening on %s:%d", *self.address)

    def stop(self, timeout: float = 1.0) -> None:
        """Close every socket and wait up to ``timeout`` seconds for the thread to end."""
        thread = self._thread
        if thread is None or self._stopping.is_set():
            return
        self._stopping.set()
        if self._wake_w is not None:
            # Full or closed means the thread is already waking or gone.
            with contextlib.suppress(OSError):
                self._wake_w.send(b"x")
        if thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("The dock feed thread did not stop within %.1f s", timeout)

    def __enter__(self) -> DockFeedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        assert self._selector is not None
        housekept = time.monotonic()
        try:
            while not self._stopping.is_set():
                if self._pace is not None:
                    self._pace()
                # With work waiting, only peek at the sockets; else sleep until something
                # happens, waking now and then to drop idle connections.
                timeout = 0 if self._backlog else 1.0
                for key, events in self._selector.select(timeout):
                    if isinstance(key.data, _Client):
                        self._serve(key.data, events)
                    elif key.fileobj is self._listener:
                        self._accept()
                    # else the wake-up pair: the loop condition sees the stop request
                # Round robin: every connection with work gets one turn per pass.
                for client in list(self._backlog):
                    if client.sock in self._clients:
                        self._work(client)
                    else:
                        self._backlog.discard(client)
                if time.monotonic() - housekept >= 1.0:
                    housekept = time.monotonic()
                    self._housekeep(housekept)
        except Exception:
            log.exception("The dock feed server failed")
        finally:
            self._close_all()

    def _serve(self, client: _Client, events: int) -> None:
        if events & selectors.EVENT_WRITE:
            self._flush(client)
        # The flush may have closed it; a closed client's key can still be in this batch.
        if events & selectors.EVENT_READ and client.sock in self._clients:
            self._read(client)

    def _accept(self) -> None:
        assert self._listener is not None and self._selector is not None
        # Several docks may connect at once; take everything queued, not one per wake-up.
        while True:
            try:
                sock, addr = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. out of file descriptors: keep serving the others
                log.warning("Could not accept a dock connection: %s", exc)
                return
            host = str(addr[0])
            if len(self._clients) >= MAX_CONNECTIONS:
                self._log_refusal(
                    host,
                    f"Refused a dock connection from {host}: {MAX_CONNECTIONS} are open already",
                )
                sock.close()
                continue
            if self._per_host.get(host, 0) >= MAX_CONNECTIONS_PER_PEER:
                self._log_refusal(
                    host,
                    f"Refused a dock connection from {host}: it has "
                    f"{MAX_CONNECTIONS_PER_PEER} open already",
                )
                sock.close()
                continue
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            peer = _peer_id(addr)
            client = _Client(sock, peer, Connection(self._token, self._admit), host=host)
            self._clients[sock] = client
            self._per_host[host] = self._per_host.get(host, 0) + 1
            self._selector.register(sock, selectors.EVENT_READ, client)
            log.info("Dock connection from %s", peer)
            if self._on_connection is not None:
                self._call(self._on_connection, peer, True)

    def _read(self, client: _Client) -> None:
        if client.inbox:
            return  # the last read is not used up yet; the dock's bytes wait in TCP
        try:
            data = client.sock.recv(RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:  # reset by a dock that went away without closing
            self._close(client, f"connection lost ({exc.strerror or exc})")
            return
        if not data:
            self._hang_up(client)
            return
        client.inbox += data
        self._work(client)

    def _work(self, client: _Client) -> None:
        """Handle up to LINES_PER_TICK lines of what was read; stop reading the socket
        while some are left, so a flood waits in the sender's TCP buffers, not here."""
        assert self._selector is not None
        inbox, end = client.inbox, 0
        for _ in range(LINES_PER_TICK):
            newline = inbox.find(b"\n", end)
            if newline < 0:
                end = len(inbox)
                break
            end = newline + 1
        chunk = bytes(inbox[:end])
        del inbox[:end]
        for line_no, outcome in client.protocol.feed(chunk):
            if isinstance(outcome, ProtocolError):
                self._refuse(client, line_no, outcome)
            else:
                client.last_good = time.monotonic()
                self._call(self._on_message, client.peer, outcome)
        if client.sock not in self._clients:
            return
        if client.inbox:
            self._backlog.add(client)
        else:
            self._backlog.discard(client)
        self._watch(client)

    def _refuse(self, client: _Client, line_no: int, error: ProtocolError) -> None:
        client.refused += 1
        self._log_refusal(client.host, f"Refused line {line_no} from {client.peer}: {error.reason}")
        self._reply(client, error_reply(line_no, error.reason))
        # Only a dock that said hello on this very connection is charged with the refusal;
        # anyone may put any dock's name in a line.
        dock = error.dock if error.dock in client.protocol.docks else None
        self._call(self._on_error, dock, line_no, error.reason)

    def _log_refusal(self, host: str, text: str) -> None:
        now = time.monotonic()
        window = self._log_windows.get(host)
        if window is None or now - window.started >= LOG_WINDOW_SECONDS:
            if window is not None:
                self._summarise(host, window)
            window = self._log_windows[host] = _LogWindow(now)
        if window.logged < LOGGED_REFUSALS:
            window.logged += 1
            log.warning("%s", text)
        else:
            window.suppressed += 1

    def _summarise(self, host: str, window: _LogWindow) -> None:
        if window.suppressed:
            log.warning(
                "Suppressed %d more refused lines or connections from %s in %.0f s",
                window.suppressed,
                host,
                LOG_WINDOW_SECONDS,
            )

    def _housekeep(self, now: float) -> None:
        for host, window in list(self._log_windows.items()):
            if now - window.started >= LOG_WINDOW_SECONDS:
                self._summarise(host, window)
                del self._log_windows[host]
        for client in list(self._clients.values()):
            if now - client.last_good > IDLE_SECONDS:
                self._close(client, f"no line accepted for {IDLE_SECONDS:.0f} s")

    def _reply(self, client: _Client, data: bytes) -> None:
        if len(client.unsent) + len(data) > MAX_UNSENT_REPLY_BYTES:
            if not client.dropped_replies:
                log.warning("%s does not read its error replies; dropping them", client.peer)
            client.dropped_replies += 1
            return
        was_idle = not client.unsent
        client.unsent += data
        if was_idle:
            self._flush(client)

    def _flush(self, client: _Client) -> None:
        assert self._selector is not None
        if client.sock not in self._clients:
            return
        try:
            sent = client.sock.send(client.unsent)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as exc:
            self._close(client, f"connection lost ({exc.strerror or exc})")
            return
        del client.unsent[:sent]
        if client.eof and not client.unsent:
            self._close(client, "closed by the dock")
            return
        self._watch(client)

    def _watch(self, client: _Client) -> None:
        # Ask for write readiness only while something waits, or the selector spins; and
        # for reading only when the last read is used up. A socket wanting neither is
        # taken off the selector (it cannot watch for nothing) until it wants one again.
        assert self._selector is not None
        wanted = 0 if client.eof or client.inbox else selectors.EVENT_READ
        if client.unsent:
            wanted |= selectors.EVENT_WRITE
        if wanted == client.events:
            return
        if not wanted:
            self._selector.unregister(client.sock)
        elif not client.events:
            self._selector.register(client.sock, wanted, client)
        else:
            self._selector.modify(client.sock, wanted, client)
        client.events = wanted

    def _hang_up(self, client: _Client) -> None:
        if client.protocol.has_partial_line:
            log.info("%s closed in the middle of a line; that line was ignored", client.peer)
        if not client.unsent:
            self._close(client, "closed by the dock")
            return
        # Half-closed: the dock may still be reading the replies to its last lines.
        client.eof = True
        self._flush(client)

    def _close(self, client: _Client, why: str) -> None:
        assert self._selector is not None
        if self._clients.pop(client.sock, None) is None:
            return
        self._backlog.discard(client)
        left = self._per_host.get(client.host, 1) - 1
        if left > 0:
            self._per_host[client.host] = left
        else:
            self._per_host.pop(client.host, None)
        if client.events:
            self._selector.unregister(client.sock)
        client.sock.close()
        log.info("Dock connection %s ended: %s", client.peer, why)
        if self._on_connection is not None:
            self._call(self._on_connection, client.peer, False)

    def _close_all(self) -> None:
        for client in list(self._clients.values()):
            self._close(client, "the app stopped listening")
        for sock in (self._listener, self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()
        if self._selector is not None:
            self._selector.close()
        log.info("Dock feed stopped")

    def _call(self, callback: Callable[..., None], *args: object) -> None:
        # A bug in the app's handler must not take every dock offline.
        try:
            callback(*args)
        except Exception:
            log.exception("The dock feed handler %r failed", callback)


def _family(host: str) -> socket.AddressFamily:
    try:
        return socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    except ValueError:
        return socket.AF_INET


def _peer_id(addr: tuple[str, int] | tuple[str, int, int, int]) -> str:
    host, port = addr[0], addr[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

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
from collections.abc import Callable
from dataclasses import dataclass, field

from bwc_desk.adapters.dockfeed.protocol import Connection, Message, ProtocolError, error_reply

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 47800
RECV_BYTES = 256 * 1024
# Docks that never read their replies are common (fire-and-forget senders); past this much
# unsent reply data we drop further replies instead of growing without bound or hanging up
# on a dock whose good lines still count.
MAX_UNSENT_REPLY_BYTES = 1024 * 1024
# Python's select() on Windows handles at most 512 sockets; stay under it with room to spare.
MAX_CONNECTIONS = 500
# Refused lines logged as warnings per connection; the rest go to debug so that one broken
# dock cannot flood the log.
LOGGED_REFUSALS = 10

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
    refused: int = 0
    dropped_replies: int = 0
    eof: bool = False  # the dock closed its side; close ours once the replies are out


class DockFeedServer:
    """Listens for docks and reports each line: good ones to ``on_message(peer_id,
    message)``, refused ones to ``on_error(dock_or_None, line_no, reason)`` after writing
    the error reply. ``on_connection(peer_id, opened)`` hears connections come and go.

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
        try:
            while not self._stopping.is_set():
                for key, events in self._selector.select():
                    if isinstance(key.data, _Client):
                        self._serve(key.data, events)
                    elif key.fileobj is self._listener:
                        self._accept()
                    # else the wake-up pair: the loop condition sees the stop request
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
            if len(self._clients) >= MAX_CONNECTIONS:
                log.warning("Refused a dock connection: %d are open already", MAX_CONNECTIONS)
                sock.close()
                continue
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            peer = _peer_id(addr)
            client = _Client(sock, peer, Connection(self._token))
            self._clients[sock] = client
            self._selector.register(sock, selectors.EVENT_READ, client)
            log.info("Dock connection from %s", peer)
            if self._on_connection is not None:
                self._call(self._on_connection, peer, True)

    def _read(self, client: _Client) -> None:
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
        for line_no, outcome in client.protocol.feed(data):
            if isinstance(outcome, ProtocolError):
                self._refuse(client, line_no, outcome)
            else:
                self._call(self._on_message, client.peer, outcome)

    def _refuse(self, client: _Client, line_no: int, error: ProtocolError) -> None:
        client.refused += 1
        level = logging.WARNING if client.refused <= LOGGED_REFUSALS else logging.DEBUG
        log.log(level, "Refused line %d from %s: %s", line_no, client.peer, error.reason)
        if client.refused == LOGGED_REFUSALS:
            log.warning("Further refused lines from %s are logged at debug level", client.peer)
        self._reply(client, error_reply(line_no, error.reason))
        self._call(self._on_error, error.dock, line_no, error.reason)

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
        # Ask for write readiness only while something waits, or the selector spins.
        wanted = 0 if client.eof else selectors.EVENT_READ
        if client.unsent:
            wanted |= selectors.EVENT_WRITE
        if self._selector.get_key(client.sock).events != wanted:
            self._selector.modify(client.sock, wanted, client)

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

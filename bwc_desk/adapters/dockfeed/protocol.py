"""The dock feed's line protocol, version 1 (docs/dock-protocol.md): parsing and framing only.

Pure: no sockets, no clock, no threads, so every refusal can be tested line by line. The
server feeds received bytes to one ``Connection`` per socket and writes back what it refuses.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, TypeAlias

from bwc_desk.domain.docking import BayReading, Upload

VERSION = 1
MAX_LINE_BYTES = 65536  # excluding the line ending
MAX_BAYS = 64
MAX_NAME_CHARS = 64
OPTIONAL_BAY_FIELDS = frozenset({"battery", "charging", "upload", "updating", "error"})
UPLOAD_FIELDS = ("files_done", "files_total", "bytes_done", "bytes_total")
# A JSON integer longer than this is garbage; refusing it early also spares the CPU that
# converting a 60 KiB digit string would cost.
_MAX_INT_DIGITS = 30
_REMEMBERED_REFUSALS = 256


@dataclass(frozen=True, slots=True)
class Hello:
    dock: str
    bays: int
    token: str | None = None


@dataclass(frozen=True, slots=True)
class BayReport:
    """The whole state of one bay. Optional fields the dock left out are None and missing
    from ``present``, so "unknown" (absent) stays distinct from null or false."""

    dock: str
    bay: int
    serial: str | None
    battery: int | None
    charging: bool | None
    upload: Upload | None
    updating: bool | None
    error: str | None
    ts: datetime
    present: frozenset[str]


@dataclass(frozen=True, slots=True)
class Heartbeat:
    dock: str
    ts: datetime


Message: TypeAlias = Hello | BayReport | Heartbeat


class ProtocolError(Exception):
    """A line the app cannot accept. ``dock`` names the dock when the line said which."""

    def __init__(self, reason: str, dock: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.dock = dock


# Asked about each hello with a good token: None admits the dock, else the reason to refuse.
Admit: TypeAlias = Callable[[str], str | None]

# One per completed line: its number on the connection and what became of it.
Outcome: TypeAlias = tuple[int, Message | ProtocolError]


def parse_line(raw: bytes) -> Message:
    """One line without its line ending -> a message, or ProtocolError with a reason meant
    for the integrator. Checks only what the line itself says (see Connection for hello,
    token and bay range)."""
    if not raw.strip():
        raise ProtocolError("empty line; each line must hold one JSON object")
    if raw.startswith(b"\xef\xbb\xbf"):
        # .NET's Encoding.UTF8 writes one at the start of a stream; say so plainly.
        raise ProtocolError("line starts with a byte order mark; send UTF-8 without a BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start]
        raise ProtocolError(
            f"line is not valid UTF-8 (byte 0x{bad:02x} at offset {exc.start})"
        ) from None
    obj = _load_json(text)
    if not isinstance(obj, dict):
        raise ProtocolError(f"line must be a JSON object, not {_json_kind(obj)}")
    dock = obj.get("dock")
    try:
        return _parse_object(obj)
    except ProtocolError as exc:
        # Name the dock when the line did, so the app can count refusals per dock.
        if exc.dock is None and isinstance(dock, str) and _is_name(dock):
            exc.dock = dock
        raise


def _load_json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"line is not valid JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise ProtocolError("line is not valid JSON: it is nested too deeply to read") from None
    except ValueError as exc:
        raise ProtocolError(f"line is not valid JSON: {exc}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > _MAX_INT_DIGITS:
        raise ValueError(f"the number {digits[:12]}... is too long")
    return int(digits)


def _parse_object(obj: dict[str, Any]) -> Message:
    if "v" not in obj:
        raise ProtocolError('missing field "v" (the protocol version, 1)')
    version = obj["v"]
    if not _is_int(version):
        raise ProtocolError(f"v must be the integer {VERSION}, not {_show(version)}")
    if version != VERSION:
        raise ProtocolError(
            f"protocol version {version} is not supported; this app speaks version {VERSION}"
        )
    if "type" not in obj:
        raise ProtocolError('missing field "type" (hello, bay or heartbeat)')
    kind = obj["type"]
    if kind == "hello":
        return _parse_hello(obj)
    if kind == "bay":
        return _parse_bay(obj)
    if kind == "heartbeat":
        return Heartbeat(_dock(obj, "heartbeat"), _ts(obj, "heartbeat"))
    raise ProtocolError(f"unknown message type {_show(kind)}; expected hello, bay or heartbeat")


def _parse_hello(obj: dict[str, Any]) -> Hello:
    dock = _dock(obj, "hello")
    bays = _required(obj, "bays", "hello")
    if not _is_int(bays) or not 1 <= bays <= MAX_BAYS:
        raise ProtocolError(f"bays must be an integer 1..{MAX_BAYS}, not {_show(bays)}", dock)
    token = obj.get("token")
    if token is not None and not _is_text(token):
        raise ProtocolError(f"token must be a string, not {_json_kind(token)}", dock)
    return Hello(dock, bays, token)


def _parse_bay(obj: dict[str, Any]) -> BayReport:
    dock = _dock(obj, "bay")
    bay = _required(obj, "bay", "bay")
    if not _is_int(bay):
        raise ProtocolError(f"bay must be an integer, not {_show(bay)}")
    if bay < 1:
        raise ProtocolError(f"bay {bay} is out of range: bays are numbered from 1")
    serial = _required(obj, "serial", "bay")
    if serial is not None and not _is_name(serial):
        raise ProtocolError(
            "serial must be a non-empty string of at most 64 characters, or null for an "
            f"empty bay, not {_show(serial)}"
        )
    battery: Any = obj.get("battery")
    if "battery" in obj and not (_is_int(battery) and 0 <= battery <= 100):
        raise ProtocolError(
            f"battery must be an integer 0..100, or left out when unknown, not {_show(battery)}"
        )
    charging = _flag(obj, "charging")
    upload = _upload(obj["upload"]) if "upload" in obj else None
    updating = _flag(obj, "updating")
    error = obj.get("error")
    if error is not None and not _is_text(error):
        raise ProtocolError(f"error must be a string or null, not {_show(error)}")
    ts = _ts(obj, "bay")
    present = OPTIONAL_BAY_FIELDS.intersection(obj)
    return BayReport(dock, bay, serial, battery, charging, upload, updating, error, ts, present)


def _flag(obj: dict[str, Any], name: str) -> bool | None:
    value = obj.get(name)
    if name in obj and not isinstance(value, bool):
        raise ProtocolError(
            f"{name} must be true or false, or left out when unknown, not {_show(value)}"
        )
    return value


def _upload(value: Any) -> Upload:
    if not isinstance(value, dict):
        raise ProtocolError(
            "upload must be an object with files_done, files_total, bytes_done and "
            f"bytes_total, or left out when unknown, not {_show(value)}"
        )
    counts: list[int] = []
    for name in UPLOAD_FIELDS:
        if name not in value:
            raise ProtocolError(f'upload is missing field "{name}"')
        count = value[name]
        if not _is_int(count) or count < 0:
            raise ProtocolError(f"upload.{name} must be a non-negative integer, not {_show(count)}")
        counts.append(count)
    upload = Upload(*counts)
    for unit in ("files", "bytes"):
        done, total = getattr(upload, f"{unit}_done"), getattr(upload, f"{unit}_total")
        if done > total:
            raise ProtocolError(
                f"upload.{unit}_done {done} is more than upload.{unit}_total {total}"
            )
    return upload


def _required(obj: dict[str, Any], name: str, kind: str) -> Any:
    if name not in obj:
        raise ProtocolError(f'{kind} message is missing field "{name}"')
    return obj[name]


def _dock(obj: dict[str, Any], kind: str) -> str:
    dock = _required(obj, "dock", kind)
    if not _is_name(dock):
        raise ProtocolError(
            f"dock must be a non-empty string of at most {MAX_NAME_CHARS} characters, "
            f"not {_show(dock)}"
        )
    return str(dock)


def _ts(obj: dict[str, Any], kind: str) -> datetime:
    value = _required(obj, "ts", kind)
    example = "such as 2026-11-26T22:00:00Z"
    if not _is_text(value):
        raise ProtocolError(f"ts must be an ISO-8601 UTC time {example}, not {_show(value)}")
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise ProtocolError(
            f"ts must be an ISO-8601 UTC time {example}, not {_show(value)}"
        ) from None
    # Only the two spellings the contract names: a local time with its offset is a sign of
    # a dock clock set up wrongly, which the integrator should hear about.
    if ts.utcoffset() != timedelta(0) or not value.endswith(("Z", "+00:00")):
        raise ProtocolError(f"ts {_show(value)} is not UTC; end it with Z or +00:00")
    return ts


def _is_int(value: Any) -> bool:
    # bool is a subclass of int in Python, but true is not a number on the wire.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    """A str that can be written back as UTF-8: JSON's \\ud800 escapes decode to lone
    surrogates, which would fail later in the database or the log instead of here."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_name(value: Any) -> bool:
    return _is_text(value) and 0 < len(value) <= MAX_NAME_CHARS and not value.isspace()


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _show(value: Any) -> str:
    """A value as JSON for a reason, cut short: a reason must stay readable even when the
    offending value is 60 KiB long."""
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:37] + "..."


class Connection:
    """The protocol state of one connection: framing, line numbers, which docks said hello.

    ``feed`` takes whatever bytes arrived and returns one outcome per line, in order: the
    message, or the ProtocolError to answer with ``error_reply``. An over-long line is
    answered as soon as it passes the limit, not when its newline finally comes.
    """

    def __init__(self, token: str = "", admit: Admit | None = None) -> None:
        self._token = token
        self._admit = admit
        self._buffer = bytearray()
        self._discarding = False  # inside an over-long line, already answered
        self._line_no = 0
        self._docks: dict[str, int] = {}
        self._refused_hello: dict[str, int] = {}

    @property
    def lines(self) -> int:
        """Lines seen so far, counting an over-long line once when it was refused."""
        return self._line_no

    @property
    def docks(self) -> Mapping[str, int]:
        """Docks that said hello on this connection, with the bays each announced."""
        return MappingProxyType(self._docks)

    @property
    def has_partial_line(self) -> bool:
        return bool(self._buffer) or self._discarding

    def feed(self, data: bytes) -> list[Outcome]:
        outcomes: list[Outcome] = []
        start = 0
        # Search only the new bytes for newlines: a line dribbling in byte by byte must not
        # cost a rescan of the whole buffer each time.
        while (end := data.find(b"\n", start)) >= 0:
            self._take(data[start:end], outcomes)
            self._end_line(outcomes)
            start = end + 1
        self._take(data[start:], outcomes)
        return outcomes

    def _take(self, chunk: bytes, outcomes: list[Outcome]) -> None:
        if self._discarding or not chunk:
            return
        self._buffer += chunk
        # One byte of slack for a "\r" that the newline may still follow.
        if len(self._buffer) > MAX_LINE_BYTES + 1:
            self._buffer.clear()
            self._discarding = True
            self._line_no += 1
            outcomes.append((self._line_no, _too_long()))

    def _end_line(self, outcomes: list[Outcome]) -> None:
        if self._discarding:
            self._discarding = False
            return
        line = bytes(self._buffer)
        self._buffer.clear()
        self._line_no += 1
        if line.endswith(b"\r"):
            line = line[:-1]
        if len(line) > MAX_LINE_BYTES:
            outcomes.append((self._line_no, _too_long()))
            return
        try:
            outcomes.append((self._line_no, self._check(parse_line(line))))
        except ProtocolError as exc:
            outcomes.append((self._line_no, exc))

    def _check(self, message: Message) -> Message:
        if isinstance(message, Hello):
            self._check_token(message)
            refusal = self._admit(message.dock) if self._admit is not None else None
            if refusal:
                self._remember_refused(message.dock)
                raise ProtocolError(refusal, message.dock)
            self._docks[message.dock] = message.bays
            self._refused_hello.pop(message.dock, None)
            return message
        bays = self._docks.get(message.dock)
        if bays is None:
            refused = self._refused_hello.get(message.dock)
            why = f" (its hello on line {refused} was refused)" if refused else ""
            raise ProtocolError(
                f"{message.dock} has not said hello on this connection{why}; "
                "send a hello line for it first",
                message.dock,
            )
        if isinstance(message, BayReport) and message.bay > bays:
            raise ProtocolError(
                f"bay {message.bay} is out of range: {message.dock} announced {bays} bays",
                message.dock,
            )
        return message

    def _check_token(self, hello: Hello) -> None:
        if not self._token:
            return
        reason = None
        if hello.token is None:
            reason = f"hello from {hello.dock} has no token; this app requires the shared token"
        elif not hmac.compare_digest(hello.token.encode(), self._token.encode()):
            reason = f"hello from {hello.dock} has a wrong token"
        if reason:
            self._remember_refused(hello.dock)
            raise ProtocolError(reason, hello.dock)

    def _remember_refused(self, dock: str) -> None:
        # Only to explain later refusals; bounded, as whoever sends these is unproven.
        if len(self._refused_hello) < _REMEMBERED_REFUSALS:
            self._refused_hello[dock] = self._line_no


def _too_long() -> ProtocolError:
    return ProtocolError(f"line is longer than {MAX_LINE_BYTES} bytes; it was discarded")


def error_reply(line_no: int, reason: str) -> bytes:
    """The one line the app writes back for a refused line."""
    reply = {"v": VERSION, "type": "error", "line": line_no, "reason": reason}
    # ASCII escapes keep the reply valid UTF-8 even if a reason quotes odd input.
    return json.dumps(reply, ensure_ascii=True, separators=(",", ":")).encode() + b"\n"


def to_reading(report: BayReport) -> BayReading:
    """The domain's view of a bay report. Absent fields become None (unknown); the domain
    reads a null error like an absent one, as "no error known"."""
    return BayReading(
        report.serial,
        report.battery,
        report.charging,
        report.upload,
        report.updating,
        report.error,
    )

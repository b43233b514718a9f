"""The dock feed's line protocol: parsing, framing and refusals, line by line, and the docs
and the JSON Schema that describe it to integrators."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bwc_desk.adapters.dockfeed.protocol import (
    MAX_LINE_BYTES,
    BayReport,
    Connection,
    Heartbeat,
    Hello,
    Outcome,
    ProtocolError,
    error_reply,
    parse_line,
    to_reading,
)
from bwc_desk.domain.docking import BayReading, BayState, Upload, derive_state

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "resources" / "dock-protocol.schema.json"
DOCS_PATH = ROOT / "docs" / "dock-protocol.md"
TS = "2026-11-26T22:00:00Z"
HELLO = {"v": 1, "type": "hello", "dock": "DOCK-A", "bays": 8}
UPLOAD = {"files_done": 3, "files_total": 10, "bytes_done": 1_200_000, "bytes_total": 4_000_000}
BAY = {
    "v": 1,
    "type": "bay",
    "dock": "DOCK-A",
    "bay": 3,
    "serial": "X60A1234",
    "battery": 57,
    "charging": True,
    "upload": UPLOAD,
    "updating": False,
    "error": None,
    "ts": TS,
}
EMPTY_BAY = {"v": 1, "type": "bay", "dock": "DOCK-A", "bay": 2, "serial": None, "ts": TS}
HEARTBEAT = {"v": 1, "type": "heartbeat", "dock": "DOCK-A", "ts": TS}


def line(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def bay(**changes: Any) -> dict[str, Any]:
    """The example bay line with fields changed; a value of ... removes the field."""
    result = dict(BAY)
    for name, value in changes.items():
        if value is ...:
            del result[name]
        else:
            result[name] = value
    return result


def session(*lines: bytes, token: str = "") -> list[Outcome]:
    connection = Connection(token)
    return connection.feed(b"".join(lines))


def summary(outcomes: list[Outcome]) -> list[tuple[int, str]]:
    """Outcomes as comparable values: the reason of a refusal, the type of a message."""
    return [
        (n, f"error: {o.reason}" if isinstance(o, ProtocolError) else type(o).__name__)
        for n, o in outcomes
    ]


# --- good lines ---------------------------------------------------------------------------


def test_the_full_bay_example_parses_to_every_field():
    [(n1, hello), (n2, report)] = session(line(HELLO), line(BAY))
    assert (n1, n2) == (1, 2)
    assert hello == Hello("DOCK-A", 8, None)
    assert report == BayReport(
        dock="DOCK-A",
        bay=3,
        serial="X60A1234",
        battery=57,
        charging=True,
        upload=Upload(3, 10, 1_200_000, 4_000_000),
        updating=False,
        error=None,
        ts=datetime(2026, 11, 26, 22, 0, tzinfo=UTC),
        present=frozenset({"battery", "charging", "upload", "updating", "error"}),
    )


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (HELLO, Hello("DOCK-A", 8)),
        (HELLO | {"token": "s3cret"}, Hello("DOCK-A", 8, "s3cret")),
        (HELLO | {"bays": 1}, Hello("DOCK-A", 1)),
        (HELLO | {"bays": 64, "dock": "D" * 64}, Hello("D" * 64, 64)),
        (HELLO | {"dock": "Dock Ünïcode 7"}, Hello("Dock Ünïcode 7", 8)),
        (HELLO | {"firmware": "9.1", "vendor": {"x": 1}}, Hello("DOCK-A", 8)),  # extras ignored
        (HEARTBEAT, Heartbeat("DOCK-A", datetime(2026, 11, 26, 22, tzinfo=UTC))),
        (
            HEARTBEAT | {"ts": "2026-11-26T22:00:00+00:00"},
            Heartbeat("DOCK-A", datetime(2026, 11, 26, 22, tzinfo=UTC)),
        ),
        (
            HEARTBEAT | {"ts": "2026-11-26T22:00:00.250Z"},
            Heartbeat("DOCK-A", datetime(2026, 11, 26, 22, 0, 0, 250000, tzinfo=UTC)),
        ),
    ],
)
def test_good_lines(message, expected):
    assert parse_line(line(message)[:-1]) == expected


@pytest.mark.parametrize(
    ("message", "present"),
    [
        (bay(), {"battery", "charging", "upload", "updating", "error"}),
        (bay(battery=..., charging=..., upload=..., updating=..., error=...), set()),
        (bay(error=...), {"battery", "charging", "upload", "updating"}),
        (
            bay(error="upload failed: network unreachable"),
            {"battery", "charging", "upload", "updating", "error"},
        ),
        (EMPTY_BAY, set()),
        (bay(battery=0), {"battery", "charging", "upload", "updating", "error"}),
        (
            bay(
                battery=100,
                upload={"files_done": 0, "files_total": 0, "bytes_done": 0, "bytes_total": 0},
            ),
            {"battery", "charging", "upload", "updating", "error"},
        ),
    ],
)
def test_present_names_exactly_the_optional_fields_sent(message, present):
    [_, (_, report)] = session(line(HELLO), line(message))
    assert isinstance(report, BayReport)
    assert report.present == present


def test_an_absent_field_is_unknown_and_null_or_false_is_known():
    absent = bay(error=..., updating=...)
    known = bay(error=None, updating=False)
    [_, (_, a), (_, k)] = session(line(HELLO), line(absent), line(known))
    assert isinstance(a, BayReport) and isinstance(k, BayReport)
    assert (a.error, a.updating) == (k.error, None) == (None, None)
    assert k.updating is False
    assert "error" not in a.present and "updating" not in a.present
    assert {"error", "updating"} <= k.present


def test_to_reading_hands_the_domain_what_the_bay_said():
    [_, (_, full), (_, empty), (_, sparse)] = session(
        line(HELLO), line(BAY), line(EMPTY_BAY), line(bay(battery=..., upload=..., charging=...))
    )
    assert isinstance(full, BayReport) and isinstance(empty, BayReport)
    assert isinstance(sparse, BayReport)
    assert to_reading(full) == BayReading(
        "X60A1234", 57, True, Upload(3, 10, 1_200_000, 4_000_000), False, None
    )
    assert derive_state(to_reading(full), 80) is BayState.UPLOADING
    assert derive_state(to_reading(empty), 80) is BayState.EMPTY
    # Without a battery level the camera is never ready.
    assert derive_state(to_reading(sparse), 80) is BayState.UNKNOWN


def test_crlf_and_lf_lines_mix_on_one_connection():
    data = line(HELLO)[:-1] + b"\r\n" + line(BAY) + line(HEARTBEAT)[:-1] + b"\r\n"
    assert summary(session(data)) == [(1, "Hello"), (2, "BayReport"), (3, "Heartbeat")]


def test_several_docks_share_one_connection():
    outcomes = session(
        line(HELLO),
        line(HELLO | {"dock": "DOCK-B", "bays": 4}),
        line(bay(dock="DOCK-B", bay=4)),
        line(bay(dock="DOCK-A", bay=8)),
        line(bay(dock="DOCK-B", bay=5)),
        line(HEARTBEAT | {"dock": "DOCK-B"}),
    )
    assert summary(outcomes) == [
        (1, "Hello"),
        (2, "Hello"),
        (3, "BayReport"),
        (4, "BayReport"),
        (5, "error: bay 5 is out of range: DOCK-B announced 4 bays"),
        (6, "Heartbeat"),
    ]


def test_a_second_hello_replaces_the_bay_count():
    connection = Connection()
    connection.feed(line(HELLO) + line(HELLO | {"bays": 2}))
    assert dict(connection.docks) == {"DOCK-A": 2}
    [(n, refused)] = connection.feed(line(bay(bay=3)))
    assert n == 3 and isinstance(refused, ProtocolError)


def test_a_hello_on_one_connection_does_not_count_on_another():
    first, second = Connection(), Connection()
    first.feed(line(HELLO))
    [(n, refused)] = second.feed(line(BAY))
    assert n == 1 and isinstance(refused, ProtocolError)
    assert refused.reason.startswith("DOCK-A has not said hello on this connection")


def test_lines_split_anywhere_across_feeds_give_the_same_outcomes():
    data = line(HELLO) + line(BAY) + b"nonsense\r\n" + line(HEARTBEAT)
    whole = summary(session(data))
    connection = Connection()
    pieces: list[Outcome] = []
    for i in range(len(data)):
        pieces += connection.feed(data[i : i + 1])
    assert summary(pieces) == whole
    assert [n for n, _ in whole] == [1, 2, 3, 4]


def test_a_partial_line_waits_for_its_newline():
    connection = Connection()
    assert connection.feed(line(HELLO)[:20]) == []
    assert connection.has_partial_line
    [(n, hello)] = connection.feed(line(HELLO)[20:])
    assert n == 1 and isinstance(hello, Hello)
    assert not connection.has_partial_line


# --- refusals -----------------------------------------------------------------------------


REFUSALS: list[tuple[str, bytes, str]] = [
    (
        "not utf-8",
        b'{"v":1,"type":"heartbeat","dock":"DOCK-\xff","ts":"x"}',
        "line is not valid UTF-8 (byte 0xff at offset 39)",
    ),
    ("empty", b"", "empty line; each line must hold one JSON object"),
    (
        "byte order mark",
        b"\xef\xbb\xbf" + line(HEARTBEAT),
        "line starts with a byte order mark; send UTF-8 without a BOM",
    ),
    ("blank", b"  \t", "empty line; each line must hold one JSON object"),
    (
        "not json",
        b'{"v":1,"type":"bay" "dock":"DOCK-A"}',
        "line is not valid JSON: Expecting ',' delimiter at column 21",
    ),
    (
        "truncated json",
        b'{"v":1,"type":"bay",',
        "line is not valid JSON: Expecting property name enclosed in double quotes at column 21",
    ),
    ("nan", b'{"v":1,"battery":NaN}', "line is not valid JSON: NaN is not a JSON number"),
    (
        "huge int",
        b'{"v":1,"bay":' + b"9" * 5000 + b"}",
        "line is not valid JSON: the number 999999999999... is too long",
    ),
    (
        "deep nesting",
        b"[" * 30000 + b"]" * 30000,
        "line is not valid JSON: it is nested too deeply to read",
    ),
    ("array", b"[1,2]", "line must be a JSON object, not an array"),
    ("string", b'"hello"', "line must be a JSON object, not a string"),
    ("number", b"42", "line must be a JSON object, not a number"),
    ("null", b"null", "line must be a JSON object, not null"),
    ("no version", line({"type": "hello"}), 'missing field "v" (the protocol version, 1)'),
    (
        "version 2",
        line(HELLO | {"v": 2}),
        "protocol version 2 is not supported; this app speaks version 1",
    ),
    ("version string", line(HELLO | {"v": "1"}), 'v must be the integer 1, not "1"'),
    ("version true", line(HELLO | {"v": True}), "v must be the integer 1, not true"),
    ("version float", line(HELLO | {"v": 1.0}), "v must be the integer 1, not 1.0"),
    ("no type", line({"v": 1, "dock": "DOCK-A"}), 'missing field "type" (hello, bay or heartbeat)'),
    (
        "unknown type",
        line({"v": 1, "type": "status"}),
        'unknown message type "status"; expected hello, bay or heartbeat',
    ),
    (
        "error type",
        line({"v": 1, "type": "error", "line": 1}),
        'unknown message type "error"; expected hello, bay or heartbeat',
    ),
    (
        "type not string",
        line({"v": 1, "type": 3}),
        "unknown message type 3; expected hello, bay or heartbeat",
    ),
    (
        "hello no dock",
        line({"v": 1, "type": "hello", "bays": 8}),
        'hello message is missing field "dock"',
    ),
    (
        "hello no bays",
        line({"v": 1, "type": "hello", "dock": "DOCK-A"}),
        'hello message is missing field "bays"',
    ),
    (
        "hello empty dock",
        line(HELLO | {"dock": ""}),
        'dock must be a non-empty string of at most 64 characters, not ""',
    ),
    (
        "hello blank dock",
        line(HELLO | {"dock": "   "}),
        'dock must be a non-empty string of at most 64 characters, not "   "',
    ),
    (
        "hello long dock",
        line(HELLO | {"dock": "D" * 65}),
        "dock must be a non-empty string of at most 64 characters, "
        'not "DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD...',
    ),
    (
        "hello numeric dock",
        line(HELLO | {"dock": 7}),
        "dock must be a non-empty string of at most 64 characters, not 7",
    ),
    (
        "hello lone surrogate",
        b'{"v":1,"type":"hello","dock":"D\\ud800","bays":8}',
        'dock must be a non-empty string of at most 64 characters, not "D\\ud800"',
    ),
    ("hello 0 bays", line(HELLO | {"bays": 0}), "bays must be an integer 1..64, not 0"),
    ("hello 65 bays", line(HELLO | {"bays": 65}), "bays must be an integer 1..64, not 65"),
    ("hello bays true", line(HELLO | {"bays": True}), "bays must be an integer 1..64, not true"),
    ("hello bays float", line(HELLO | {"bays": 8.0}), "bays must be an integer 1..64, not 8.0"),
    ("hello bays string", line(HELLO | {"bays": "8"}), 'bays must be an integer 1..64, not "8"'),
    ("hello token number", line(HELLO | {"token": 1234}), "token must be a string, not a number"),
    ("bay no serial", line(bay(serial=...)), 'bay message is missing field "serial"'),
    ("bay no ts", line(bay(ts=...)), 'bay message is missing field "ts"'),
    ("bay no bay", line(bay(bay=...)), 'bay message is missing field "bay"'),
    ("bay float", line(bay(bay=3.0)), "bay must be an integer, not 3.0"),
    ("bay true", line(bay(bay=True)), "bay must be an integer, not true"),
    ("bay zero", line(bay(bay=0)), "bay 0 is out of range: bays are numbered from 1"),
    ("bay negative", line(bay(bay=-2)), "bay -2 is out of range: bays are numbered from 1"),
    ("bay 9 of 8", line(bay(bay=9)), "bay 9 is out of range: DOCK-A announced 8 bays"),
    (
        "serial empty",
        line(bay(serial="")),
        "serial must be a non-empty string of at most 64 characters, or null for an empty bay, "
        'not ""',
    ),
    (
        "serial number",
        line(bay(serial=1234)),
        "serial must be a non-empty string of at most 64 characters, or null for an empty bay, "
        "not 1234",
    ),
    (
        "battery true",
        line(bay(battery=True)),
        "battery must be an integer 0..100, or left out when unknown, not true",
    ),
    (
        "battery null",
        line(bay(battery=None)),
        "battery must be an integer 0..100, or left out when unknown, not null",
    ),
    (
        "battery 101",
        line(bay(battery=101)),
        "battery must be an integer 0..100, or left out when unknown, not 101",
    ),
    (
        "battery -1",
        line(bay(battery=-1)),
        "battery must be an integer 0..100, or left out when unknown, not -1",
    ),
    (
        "battery float",
        line(bay(battery=57.5)),
        "battery must be an integer 0..100, or left out when unknown, not 57.5",
    ),
    (
        "charging 1",
        line(bay(charging=1)),
        "charging must be true or false, or left out when unknown, not 1",
    ),
    (
        "charging null",
        line(bay(charging=None)),
        "charging must be true or false, or left out when unknown, not null",
    ),
    (
        "updating string",
        line(bay(updating="no")),
        'updating must be true or false, or left out when unknown, not "no"',
    ),
    ("error number", line(bay(error=5)), "error must be a string or null, not 5"),
    ("error false", line(bay(error=False)), "error must be a string or null, not false"),
    (
        "upload list",
        line(bay(upload=[1, 2, 3, 4])),
        "upload must be an object with files_done, files_total, bytes_done and bytes_total, "
        "or left out when unknown, not [1, 2, 3, 4]",
    ),
    (
        "upload null",
        line(bay(upload=None)),
        "upload must be an object with files_done, files_total, bytes_done and bytes_total, "
        "or left out when unknown, not null",
    ),
    (
        "upload missing",
        line(bay(upload={"files_done": 1, "files_total": 2, "bytes_done": 3})),
        'upload is missing field "bytes_total"',
    ),
    (
        "upload negative",
        line(bay(upload=UPLOAD | {"bytes_done": -1})),
        "upload.bytes_done must be a non-negative integer, not -1",
    ),
    (
        "upload bool",
        line(bay(upload=UPLOAD | {"files_total": True})),
        "upload.files_total must be a non-negative integer, not true",
    ),
    (
        "upload files over",
        line(bay(upload=UPLOAD | {"files_done": 11})),
        "upload.files_done 11 is more than upload.files_total 10",
    ),
    (
        "upload bytes over",
        line(bay(upload=UPLOAD | {"bytes_done": 4_000_001})),
        "upload.bytes_done 4000001 is more than upload.bytes_total 4000000",
    ),
    (
        "ts number",
        line(bay(ts=1764194400)),
        "ts must be an ISO-8601 UTC time such as 2026-11-26T22:00:00Z, not 1764194400",
    ),
    (
        "ts words",
        line(bay(ts="yesterday")),
        'ts must be an ISO-8601 UTC time such as 2026-11-26T22:00:00Z, not "yesterday"',
    ),
    (
        "ts naive",
        line(bay(ts="2026-11-26T22:00:00")),
        'ts "2026-11-26T22:00:00" is not UTC; end it with Z or +00:00',
    ),
    (
        "ts offset",
        line(bay(ts="2026-11-26T22:00:00+01:00")),
        'ts "2026-11-26T22:00:00+01:00" is not UTC; end it with Z or +00:00',
    ),
    (
        "ts date only",
        line(bay(ts="2026-11-26")),
        'ts "2026-11-26" is not UTC; end it with Z or +00:00',
    ),
    (
        "heartbeat no ts",
        line({"v": 1, "type": "heartbeat", "dock": "DOCK-A"}),
        'heartbeat message is missing field "ts"',
    ),
    (
        "no hello",
        line(bay(dock="DOCK-B")),
        "DOCK-B has not said hello on this connection; send a hello line for it first",
    ),
    (
        "heartbeat no hello",
        line(HEARTBEAT | {"dock": "DOCK-B"}),
        "DOCK-B has not said hello on this connection; send a hello line for it first",
    ),
]


@pytest.mark.parametrize(("raw", "reason"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_each_refusal_has_its_reason_and_one_reply(raw, reason):
    raw = raw if raw.endswith(b"\n") else raw + b"\n"
    connection = Connection()
    connection.feed(line(HELLO))
    [(n, refused), (n_after, after)] = connection.feed(raw + line(HEARTBEAT))
    assert (n, n_after) == (2, 3) and isinstance(refused, ProtocolError)
    assert refused.reason == reason
    # The connection carries on, and the next line keeps its number.
    assert isinstance(after, Heartbeat)


@pytest.mark.parametrize(
    ("raw", "dock"),
    [
        (line(bay(bay=9)), "DOCK-A"),
        (line(bay(battery=True)), "DOCK-A"),
        (line(bay(dock="DOCK-B")), "DOCK-B"),
        (line(HELLO | {"dock": "DOCK-C", "bays": 99}), "DOCK-C"),
        (line(HELLO | {"dock": ""}), None),
        (b"[1]\n", None),
        (b"\xff\n", None),
    ],
)
def test_a_refusal_names_the_dock_when_the_line_did(raw, dock):
    [_, (_, refused)] = session(line(HELLO), raw)
    assert isinstance(refused, ProtocolError)
    assert refused.dock == dock


def test_error_reply_is_one_json_line_in_ascii():
    reply = error_reply(4, 'bay 9 is out of range: "DÖCK" announced 8 bays')
    assert reply.endswith(b"\n") and reply.count(b"\n") == 1
    assert reply.isascii()
    assert json.loads(reply) == {
        "v": 1,
        "type": "error",
        "line": 4,
        "reason": 'bay 9 is out of range: "DÖCK" announced 8 bays',
    }
    assert reply.startswith(b'{"v":1,"type":"error","line":4,"reason":')


# --- token --------------------------------------------------------------------------------


def test_a_token_set_on_the_app_is_required_in_hello():
    outcomes = session(
        line(HELLO),
        line(BAY),
        line(HELLO | {"token": "guess"}),
        line(HELLO | {"token": "s3cret"}),
        line(BAY),
        token="s3cret",
    )
    assert summary(outcomes) == [
        (1, "error: hello from DOCK-A has no token; this app requires the shared token"),
        (
            2,
            "error: DOCK-A has not said hello on this connection (its hello on line 1 was "
            "refused); send a hello line for it first",
        ),
        (3, "error: hello from DOCK-A has a wrong token"),
        (4, "Hello"),
        (5, "BayReport"),
    ]


def test_a_token_is_ignored_when_the_app_sets_none():
    assert summary(session(line(HELLO | {"token": "anything"}), line(BAY))) == [
        (1, "Hello"),
        (2, "BayReport"),
    ]


def test_a_refused_token_never_shows_in_the_reason():
    [(_, refused)] = session(line(HELLO | {"token": "my-secret-guess"}), token="s3cret")
    assert isinstance(refused, ProtocolError)
    assert "my-secret-guess" not in refused.reason and "s3cret" not in refused.reason


# --- the 64 KiB limit ---------------------------------------------------------------------


def padded(obj: Any, size: int) -> bytes:
    """A valid line of exactly ``size`` bytes before its newline (JSON allows trailing
    whitespace)."""
    raw = json.dumps(obj).encode()
    return raw + b" " * (size - len(raw))


def test_a_line_of_exactly_64_kib_is_accepted():
    raw = padded(HELLO, MAX_LINE_BYTES)
    assert len(raw) == 65536
    assert summary(session(raw + b"\n", line(HEARTBEAT))) == [(1, "Hello"), (2, "Heartbeat")]
    # The limit does not count the line ending, CRLF included.
    assert summary(session(raw + b"\r\n")) == [(1, "Hello")]


def test_a_line_one_byte_over_is_refused_once_and_the_next_keeps_its_number():
    too_long = padded(HELLO, MAX_LINE_BYTES + 1)
    outcomes = session(line(HELLO), too_long + b"\n", line(HEARTBEAT))
    assert summary(outcomes) == [
        (1, "Hello"),
        (2, "error: line is longer than 65536 bytes; it was discarded"),
        (3, "Heartbeat"),
    ]


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=200_100), max_size=8))
def test_a_long_line_is_refused_once_however_it_arrives(cuts):
    data = line(HELLO) + b"x" * 200_000 + b"\r\n" + line(HEARTBEAT)
    connection = Connection()
    outcomes: list[Outcome] = []
    start = 0
    for cut in sorted({*cuts, len(data)}):
        outcomes += connection.feed(data[start:cut])
        start = cut
    assert summary(outcomes) == [
        (1, "Hello"),
        (2, "error: line is longer than 65536 bytes; it was discarded"),
        (3, "Heartbeat"),
    ]


# --- garbage in ---------------------------------------------------------------------------

FRAGMENTS = [line(HELLO), line(BAY), line(HEARTBEAT), b"\n", b"\r\n", b"{", b'"v":1', b"\xff\xfe"]


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.one_of(st.binary(max_size=64), st.sampled_from(FRAGMENTS)), max_size=40),
    cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=10),
)
def test_garbage_never_raises_and_every_line_gets_one_outcome(pieces, cuts):
    data = b"".join(pieces)
    connection = Connection(token="")
    outcomes: list[Outcome] = []
    start = 0
    for cut in sorted({*(c for c in cuts if c < len(data)), len(data)}):
        outcomes += connection.feed(data[start:cut])
        start = cut
    numbers = [n for n, _ in outcomes]
    assert numbers == list(range(1, data.count(b"\n") + 1))
    assert connection.lines == len(numbers)
    assert all(isinstance(o, Hello | BayReport | Heartbeat | ProtocolError) for _, o in outcomes)
    # Splitting never changes what a line means.
    assert summary(outcomes) == summary(Connection().feed(data))
    for n, outcome in outcomes:
        if isinstance(outcome, ProtocolError):
            assert json.loads(error_reply(n, outcome.reason))["line"] == n


# --- the JSON Schema ----------------------------------------------------------------------

GOOD_EXAMPLES = [
    HELLO,
    HELLO | {"token": "s3cret", "bays": 64},
    BAY,
    EMPTY_BAY,
    bay(battery=..., charging=..., upload=..., updating=..., error=...),
    bay(error="upload failed: network unreachable", ts="2026-11-26T22:00:00+00:00"),
    HEARTBEAT,
]
BAD_EXAMPLES = [
    {"v": 1, "type": "status"},
    HELLO | {"v": 2},
    HELLO | {"bays": 0},
    HELLO | {"bays": 65},
    HELLO | {"dock": ""},
    HELLO | {"token": 5},
    {"v": 1, "type": "hello", "dock": "DOCK-A"},
    bay(serial=...),
    bay(serial=""),
    bay(battery=True),
    bay(battery=101),
    bay(battery=None),
    bay(charging=1),
    bay(upload=UPLOAD | {"bytes_done": -1}),
    bay(upload={"files_done": 1}),
    bay(error=5),
    bay(ts="2026-11-26T22:00:00+01:00"),
    bay(bay=0),
    HEARTBEAT | {"ts": None},
]


def load_schema() -> dict[str, Any]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert isinstance(schema, dict)
    return schema


def schema_errors(value: Any, schema: dict[str, Any], root: dict[str, Any]) -> list[str]:
    """A small validator for the keywords this schema uses, so the examples are checked
    even without the jsonschema package. An unknown keyword fails rather than passes."""
    known = {"$schema", "$id", "$defs", "title", "description", "format"}
    errors: list[str] = []
    for key, rule in schema.items():
        if key in known:
            continue
        if key == "$ref":
            target: Any = root
            for part in rule.removeprefix("#/").split("/"):
                target = target[part]
            errors += schema_errors(value, target, root)
        elif key == "oneOf":
            matches = [s for s in rule if not schema_errors(value, s, root)]
            if len(matches) != 1:
                errors.append(f"{value!r} matches {len(matches)} of oneOf")
        elif key == "type":
            types = [rule] if isinstance(rule, str) else rule
            if not any(_json_type(value, t) for t in types):
                return [*errors, f"{value!r} is not of type {rule}"]
        elif key == "const":
            if not (value == rule and type(value) is type(rule)):
                errors.append(f"{value!r} is not {rule!r}")
        elif key in ("minimum", "maximum"):
            if _json_type(value, "number") and (value < rule if key == "minimum" else value > rule):
                errors.append(f"{value!r} is beyond the {key} {rule}")
        elif key in ("minLength", "maxLength", "pattern"):
            if isinstance(value, str) and not _string_ok(value, key, rule):
                errors.append(f"{value!r} fails {key} {rule!r}")
        elif key == "required":
            if isinstance(value, dict):
                errors += [f"missing {name}" for name in rule if name not in value]
        elif key == "properties":
            if isinstance(value, dict):
                for name, sub in rule.items():
                    if name in value:
                        errors += schema_errors(value[name], sub, root)
        else:
            raise AssertionError(f"the test validator does not know the keyword {key!r}")
    return errors


def _string_ok(value: str, key: str, rule: Any) -> bool:
    if key == "minLength":
        return len(value) >= rule
    if key == "maxLength":
        return len(value) <= rule
    return re.search(rule, value) is not None


def _json_type(value: Any, name: str) -> bool:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    return {
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "null": value is None,
        "number": numeric,
        "integer": numeric and float(value).is_integer(),
    }[name]


def test_the_schema_is_draft_2020_12_with_one_branch_per_message():
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    refs = [branch["$ref"] for branch in schema["oneOf"]]
    assert refs == ["#/$defs/hello", "#/$defs/bay", "#/$defs/heartbeat"]
    for kind in ("hello", "bay", "heartbeat", "error_reply"):
        definition = schema["$defs"][kind]
        assert definition["type"] == "object"
        assert {"v", "type"} <= set(definition["required"])
    bay_def = schema["$defs"]["bay"]
    assert set(bay_def["properties"]) - set(bay_def["required"]) == {
        "battery",
        "charging",
        "upload",
        "updating",
        "error",
    }


@pytest.mark.parametrize("example", GOOD_EXAMPLES)
def test_good_examples_match_the_schema_and_the_parser(example):
    schema = load_schema()
    assert schema_errors(example, schema, schema) == []
    [*_, (_, parsed)] = session(line(HELLO), line(example))
    assert not isinstance(parsed, ProtocolError)


@pytest.mark.parametrize("example", BAD_EXAMPLES)
def test_bad_examples_fail_the_schema_and_the_parser(example):
    schema = load_schema()
    assert schema_errors(example, schema, schema) != []
    [*_, (_, parsed)] = session(line(HELLO), line(example))
    assert isinstance(parsed, ProtocolError)


def test_error_replies_match_their_schema_definition():
    schema = load_schema()
    reply = json.loads(error_reply(7, "bay 9 is out of range: DOCK-A announced 8 bays"))
    assert schema_errors(reply, schema["$defs"]["error_reply"], schema) == []


def test_the_examples_also_pass_jsonschema_itself():
    jsonschema = pytest.importorskip("jsonschema")
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for example in GOOD_EXAMPLES:
        validator.validate(example)
    for example in BAD_EXAMPLES:
        assert not validator.is_valid(example), example


# --- the docs -----------------------------------------------------------------------------


def test_the_docs_example_session_is_what_the_app_replies():
    """The session in docs/dock-protocol.md, replayed: the documented replies are exactly the
    ones the parser produces, so the contract cannot drift from the code."""
    blocks = re.findall(r"```text\n(.*?)```", DOCS_PATH.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 2
    for block, token in ((blocks[0], ""), (blocks[1], "correct-token")):
        connection = Connection(token)
        sent, expected, replies = 0, [], []
        for text in block.splitlines():
            marker, payload = text[:2], text[2:].encode()
            if marker == "> ":
                sent += 1
                for n, outcome in connection.feed(payload + b"\n"):
                    if isinstance(outcome, ProtocolError):
                        replies.append(error_reply(n, outcome.reason))
            else:
                assert marker == "< ", text
                expected.append(payload + b"\n")
        assert sent > 0 and replies == expected


def test_the_docs_name_every_field_of_the_schema_and_point_to_it():
    docs = DOCS_PATH.read_text(encoding="utf-8")
    assert "resources/dock-protocol.schema.json" in docs
    schema = load_schema()
    for definition in schema["$defs"].values():
        for name in definition.get("properties", {}):
            assert f"`{name}`" in docs, name
    for reason in {r[2] for r in REFUSALS if "DOCK-A announced" in r[2]}:
        assert reason in docs


def test_the_dock_feed_imports_only_the_standard_library_and_the_domain():
    """The layering rule for this adapter, stricter than the import-linter layers: no Qt,
    no store, no services, so the feed can run and be tested on its own."""
    import ast
    import sys

    package = ROOT / "bwc_desk" / "adapters" / "dockfeed"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                allowed = name.split(".")[0] in sys.stdlib_module_names or name.startswith(
                    ("bwc_desk.domain", "bwc_desk.adapters.dockfeed")
                )
                assert allowed, f"{path.name} imports {name}"

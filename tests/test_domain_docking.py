"""The derived bay state and the readiness gate, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bwc_desk.domain.docking import (
    BayReading,
    BayState,
    Upload,
    derive_state,
    estimate_ready,
    is_offline,
    readiness_gate,
)

PENDING = Upload(3, 10, 1_200_000, 4_000_000)
DONE = Upload(10, 10, 4_000_000, 4_000_000)
S = "X60A1234"


@pytest.mark.parametrize(("reading", "offline", "expected"), [
    (BayReading(None), False, BayState.EMPTY),
    (BayReading(None), True, BayState.OFFLINE),
    (BayReading(S, 100, False, DONE, False, None), True, BayState.OFFLINE),
    (BayReading(S, 100, False, DONE, False, None), False, BayState.READY),
    (BayReading(S, 80, False, None, None, None), False, BayState.READY),  # no upload reported
    (BayReading(S, 79, True, DONE, False, None), False, BayState.CHARGING),
    (BayReading(S, 100, False, PENDING, False, None), False, BayState.UPLOADING),
    (BayReading(S, 50, True, PENDING, False, None), False, BayState.UPLOADING),
    (BayReading(S, 50, True, PENDING, True, None), False, BayState.UPDATING),
    (BayReading(S, 50, True, PENDING, True, "upload failed"), False, BayState.ERROR),
    (BayReading(S, 100, False, DONE, False, "fan"), False, BayState.ERROR),
    (BayReading(S, None, None, None, None, None), False, BayState.UNKNOWN),
    (BayReading(S, None, None, PENDING, None, None), False, BayState.UPLOADING),
])
def test_derived_state(reading, offline, expected):
    assert derive_state(reading, 80, offline) is expected


def test_a_higher_minimum_makes_a_charged_camera_charging():
    reading = BayReading(S, 85, False, DONE, False, None)
    assert derive_state(reading, 80) is BayState.READY
    assert derive_state(reading, 90) is BayState.CHARGING


@pytest.mark.parametrize(("reading", "offline", "ready", "words"), [
    (None, False, True, []),
    (BayReading(S, 100, False, DONE, False, None), False, True, []),
    (BayReading(S, 57, True, DONE, False, None), False, False, ["battery 57 %"]),
    (BayReading(S, 100, False, PENDING, False, None), False, False, ["still uploading"]),
    (BayReading(S, 100, False, DONE, True, None), False, False, ["firmware"]),
    (BayReading(S, 100, False, DONE, False, "lens"), False, False, ["error: lens"]),
    (BayReading(S, 100, False, DONE, False, None), True, False, ["not reporting"]),
    (BayReading(S, None, None, None, None, None), False, False, ["unknown"]),
])
def test_readiness_gate(reading, offline, ready, words):
    gate = readiness_gate(reading, 80, offline, "DOCK-A")
    assert gate.ready is ready
    for word in words:
        assert word in gate.describe()


def test_offline_after_thirty_seconds():
    now = datetime(2026, 11, 26, 22, 0, tzinfo=UTC)
    assert not is_offline(now - timedelta(seconds=30), now)
    assert is_offline(now - timedelta(seconds=31), now)
    assert is_offline(None, now)


def test_estimate_ready_takes_the_slower_of_charging_and_upload():
    upload = Upload(1, 4, 1_000_000_000, 3_000_000_000)
    # 20 % to go at 0.5 %/min is 40 min; 2 GB at 10 MB/s is 200 s: the charge decides.
    assert estimate_ready(60, 0.5, upload, 10_000_000, 80) == timedelta(minutes=40)
    assert estimate_ready(90, 0.5, upload, 1_000_000, 80) == timedelta(seconds=2000)
    assert estimate_ready(60, None, upload, 1_000_000, 80) is None  # no rate observed yet
    assert estimate_ready(90, None, None, None, 80) == timedelta(0)


def test_a_camera_not_docked_since_its_return_is_not_ready_whatever_it_read_before():
    charged = BayReading("X60A0001", 100, False, Upload(3, 3, 9, 9), False, None)
    gate = readiness_gate(charged, 80, undocked_since_return=timedelta(seconds=5))
    assert not gate.ready
    assert gate.reasons == (
        "it was returned under a minute ago and has not been in a dock since: its footage is "
        "not uploaded and its battery level is unknown",
    )
    gate = readiness_gate(None, 80, undocked_since_return=timedelta(hours=2, minutes=5))
    assert not gate.ready and "returned 2 h 05 min ago" in gate.describe()

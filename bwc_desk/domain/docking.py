"""Dock bays: the derived state of a bay, and the readiness gate at the counter.

A bay reports flags that happen together (charging while uploading while updating); the one
word and colour shown is derived: offline over all, then empty, then
error > updating > uploading > charging > ready.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

OFFLINE_AFTER = timedelta(seconds=30)
STALLED_AFTER = timedelta(minutes=15)
DEFAULT_MIN_BATTERY = 80


class BayState(StrEnum):
    OFFLINE = "offline"
    EMPTY = "empty"
    ERROR = "error"
    UPDATING = "updating"
    UPLOADING = "uploading"
    CHARGING = "charging"
    UNKNOWN = "unknown"
    NOT_REGISTERED = "not registered"  # a camera the inventory does not know: never ready
    READY = "ready"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True, slots=True)
class Upload:
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int

    @property
    def pending(self) -> bool:
        return self.files_done < self.files_total or self.bytes_done < self.bytes_total

    def describe(self) -> str:
        return (
            f"{self.files_done} of {self.files_total} files, "
            f"{_size(self.bytes_done)} of {_size(self.bytes_total)}"
        )


@dataclass(frozen=True, slots=True)
class BayReading:
    """What a dock last said about one bay. None means not reported (unknown)."""

    serial: str | None
    battery: int | None = None
    charging: bool | None = None
    upload: Upload | None = None
    updating: bool | None = None
    error: str | None = None


def derive_state(
    reading: BayReading, min_battery: int, offline: bool = False, registered: bool = True
) -> BayState:
    if offline:
        return BayState.OFFLINE
    if reading.serial is None:
        return BayState.EMPTY
    if not registered:
        return BayState.NOT_REGISTERED
    if reading.error:
        return BayState.ERROR
    if reading.updating:
        return BayState.UPDATING
    if reading.upload is not None and reading.upload.pending:
        return BayState.UPLOADING
    if reading.battery is None:
        return BayState.UNKNOWN
    if reading.battery < min_battery:
        return BayState.CHARGING
    return BayState.READY


def is_offline(last_seen: datetime | None, now: datetime) -> bool:
    return last_seen is None or now - last_seen > OFFLINE_AFTER


@dataclass(frozen=True, slots=True)
class GateResult:
    ready: bool
    reasons: tuple[str, ...]

    def describe(self) -> str:
        return "; ".join(self.reasons)


def readiness_gate(
    reading: BayReading | None,
    min_battery: int,
    dock_offline: bool = False,
    dock_name: str = "the dock",
    undocked_since_return: timedelta | None = None,
) -> GateResult:
    """May a unit be issued, by its last known dock state? No dock data at all counts as
    ready (agencies without a dock feed); an offline dock counts as unknown, never ready.
    ``undocked_since_return``: how long ago the camera came back, when it has not been in a
    dock since (what the dock said before it went out says nothing of it now)."""
    if undocked_since_return is not None:
        return GateResult(False, (not_docked_since_return(undocked_since_return),))
    if reading is None:
        return GateResult(True, ())
    reasons: list[str] = []
    if dock_offline:
        reasons.append(f"{dock_name} is not reporting, so the camera's state is unknown")
    if reading.error:
        reasons.append(f"the dock reports an error: {reading.error}")
    if reading.updating:
        reasons.append("firmware is still updating")
    if reading.upload is not None and reading.upload.pending:
        reasons.append(f"footage is still uploading ({reading.upload.describe()})")
    if reading.battery is None:
        reasons.append("the battery level is unknown")
    elif reading.battery < min_battery:
        reasons.append(f"battery {reading.battery} % is under the {min_battery} % minimum")
    return GateResult(not reasons, tuple(reasons))


def not_docked_since_return(ago: timedelta) -> str:
    return (
        f"it was returned {describe_duration(ago)} ago and has not been in a dock since: "
        "its footage is not uploaded and its battery level is unknown"
    )


def estimate_ready(
    battery: int | None,
    battery_rate_per_min: float | None,
    upload: Upload | None,
    bytes_rate_per_s: float | None,
    min_battery: int,
) -> timedelta | None:
    """Time until ready from the observed charging and upload rates; None if unknowable."""
    waits: list[float] = []
    if battery is not None and battery < min_battery:
        if not battery_rate_per_min or battery_rate_per_min <= 0:
            return None
        waits.append((min_battery - battery) / battery_rate_per_min * 60.0)
    if upload is not None and upload.pending:
        remaining = upload.bytes_total - upload.bytes_done
        if not bytes_rate_per_s or bytes_rate_per_s <= 0:
            return None
        waits.append(max(remaining, 0) / bytes_rate_per_s)
    return timedelta(seconds=max(waits, default=0.0))


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def describe_duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"

"""Every record the counter's services take and return, in one place: frozen dataclasses and
enums, no database and no Qt. The UI imports them from ``bwc_desk.services.counter``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bwc_desk.domain.docking import GateResult
from bwc_desk.domain.settings import HandoverAck
from bwc_desk.services.dto import CheckoutRow, OfficerRow, UnitRow


@dataclass(frozen=True, slots=True)
class ScanRules:
    """The agency's timing rules at the counter, as its settings said when a scan was
    identified (``undo_window_seconds``, ``double_scan_seconds``, ``race_seconds``)."""

    # A second scan of the same camera within this many seconds of its issue or return is
    # the same scan again (a double beep), not a new transaction.
    double_scan_seconds: int = 5
    # Another station's issue of this camera this recent, while an officer waits here: both
    # counters reached for the same camera.
    race_seconds: int = 60
    # How long after a transaction "Undo last" may correct it; 0: no undo at the counter.
    undo_seconds: int = 120


class SwapReason(StrEnum):
    PRIMARY_IN_REPAIR = "primary in repair"
    BATTERY_DEAD = "battery dead"
    FORGOTTEN = "forgotten"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class FunctionTest:
    """The pre-shift function test the officer does at the counter."""

    powers_on: bool = True
    records: bool = True
    battery_indicator: bool = True
    mount_and_lens: bool = True
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.powers_on and self.records and self.battery_indicator and self.mount_and_lens

    def failures(self) -> list[str]:
        names = {
            "powers_on": "does not power on",
            "records": "does not record",
            "battery_indicator": "battery indicator fails",
            "mount_and_lens": "mount or lens damaged",
        }
        return [text for key, text in names.items() if not getattr(self, key)]

    def as_details(self) -> dict[str, Any]:
        return {
            "powers_on": self.powers_on,
            "records": self.records,
            "battery_indicator": self.battery_indicator,
            "mount_and_lens": self.mount_and_lens,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Handover:
    """The officer's acknowledgement: a PIN typed, or a signature drawn (SVG path data)."""

    pin: str = ""
    signature: str = ""


@dataclass(frozen=True, slots=True)
class Override:
    """A supervisor's override of the readiness gate, with their own credentials."""

    username: str
    password: str
    reason: str
    # The reasons the supervisor was shown (kept with the record of the override).
    seen: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IssuePlan:
    """What issuing this unit to this officer still needs from the people at the counter."""

    officer: OfficerRow
    unit: UnitRow
    needs_swap_reason: bool
    gate: GateResult
    needs_function_test: bool
    handover: HandoverAck
    expected_return: datetime
    # What the app knows of why a spare is needed (None: ask, preselect nothing).
    swap_hint: SwapReason | None = None
    # Set when the camera belongs to a pool this officer is not of: a supervisor must
    # override, with a reason.
    pool_conflict: str = ""


@dataclass(frozen=True, slots=True)
class IssueResult:
    issued: bool
    message: str
    seq: int | None = None
    checkout: CheckoutRow | None = None
    unit: UnitRow | None = None
    next_spare: UnitRow | None = None
    duplicate: bool = False
    undo_window_seconds: int = 120


@dataclass(frozen=True, slots=True)
class ReturnCondition:
    damaged: bool = False
    accessory_missing: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReturnResult:
    message: str
    seq: int | None
    unit: UnitRow
    officer: str = ""
    issued_at: datetime | None = None
    suggested_bay: str = ""
    in_repair: bool = False
    duplicate: bool = False
    undo_window_seconds: int = 120


class ScanKind(StrEnum):
    OFFICER = "officer"
    UNIT = "unit"


@dataclass(frozen=True, slots=True)
class ScanMatch:
    kind: ScanKind
    officer: OfficerRow | None = None
    unit: UnitRow | None = None
    checkout: CheckoutRow | None = None
    recent: bool = False  # issued or returned within the double-scan window
    # When the camera last came back (not out now), for the router's double-scan rule, by
    # whom (staff user name) and at which station ('' when not known).
    returned_at: datetime | None = None
    returned_by: str = ""
    returned_station: str = ""
    # The agency's timing rules, read in the same transaction as the match.
    rules: ScanRules = ScanRules()
    # Why this camera cannot go out (lost, stolen, in repair, retired), said at its first
    # scan, before any badge is asked for. Empty when it can.
    refusal: str = ""


@dataclass(frozen=True, slots=True)
class UndoResult:
    message: str
    seq: int
    unit: UnitRow


@dataclass(frozen=True, slots=True)
class NotDockedRow:
    unit_id: int
    asset_tag: str
    officer: str
    returned_at: datetime
    returned_by: str
    minutes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LineupRow:
    officer: str
    badge: str
    asset_tag: str
    issued_at: datetime | None
    expected_return: datetime | None
    returned_at: datetime | None
    bay: str = ""  # the bay the camera was taken from ("DOCK-A bay 3"), as docks recorded it
    # Issued at an earlier shift and still out when this one started: out with the officer
    # (the sheet shows it, with when it went out, instead of a blank that reads as "no
    # camera").
    earlier: bool = False
    # How the checkout ended if not by a return: "marked lost", "marked stolen" ("" else).
    ended: str = ""
    officer_id: int | None = None  # (an officer with two cameras has two rows)


@dataclass(frozen=True, slots=True)
class Lineup:
    agency: str
    shift: str
    starts: datetime
    ends: datetime
    rows: tuple[LineupRow, ...]
    printed_by: str
    station: str
    # Both chains' heads (seq, hash) as the sheet was made: printed in its footer, so that a
    # filed paper copy anchors the ledger outside the database (docs/ledger.md).
    custody_head: tuple[int, str] = (0, "")
    audit_head: tuple[int, str] = (0, "")


@dataclass(frozen=True, slots=True)
class CounterAlert:
    kind: str  # "lost scanned"
    text: str
    asset_tag: str
    at: datetime
    station: str


@dataclass(frozen=True)
class CounterScan:
    """A scan identified, with the plan of the issue it most likely starts read in the same
    trip to a worker (``counter.identify_at_counter``): a camera scanned while an officer
    waits, or a badge scanned while a camera waits. The counter's router still decides;
    the plan only saves an issue its own read. ``refusal``: why that issue would be refused
    (raised if the router does decide to issue)."""

    match: ScanMatch
    officer_id: int | None = None  # what the plan is for
    unit: str = ""
    plan: IssuePlan | None = None
    refusal: Exception | None = None

    def plan_for(self, officer_id: int, unit: str) -> IssuePlan | Exception | None:
        """The plan (or its refusal) if it was read for this officer and camera."""
        if self.officer_id != officer_id or self.unit != unit:
            return None
        return self.plan if self.plan is not None else self.refusal

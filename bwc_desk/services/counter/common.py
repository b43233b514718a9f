"""What the counter's modules share: the records they return and small helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from bwc_desk.domain.docking import GateResult
from bwc_desk.domain.settings import HandoverAck
from bwc_desk.services.dto import CheckoutRow, OfficerRow, UnitRow
from bwc_desk.services.inventory import unit_row
from bwc_desk.services.officers import officer_rows
from bwc_desk.store import queries
from bwc_desk.store.models import Checkout, Officer, Unit

DOUBLE_SCAN_SECONDS = 5
RACE_SECONDS = 60


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
    # Why this camera cannot go out (lost, stolen, in repair, retired), said at its first
    # scan, before any badge is asked for. Empty when it can.
    refusal: str = ""


@dataclass(frozen=True, slots=True)
class UndoResult:
    message: str
    seq: int
    unit: UnitRow


def checkout_row(r: Any) -> CheckoutRow:
    (
        cid,
        unit_id,
        tag,
        officer_id,
        last,
        first,
        badge,
        shift,
        issued_at,
        expected,
        issued_by,
        station,
        swap,
        returned_at,
    ) = r
    name = f"{last}, {first}" if first else last
    return CheckoutRow(
        cid,
        unit_id,
        tag,
        officer_id,
        name,
        badge,
        shift,
        issued_at,
        expected,
        issued_by,
        station,
        swap or "",
        returned_at,
    )


def _label(officer: Officer) -> str:
    name = f"{officer.last_name}, {officer.first_name}" if officer.first_name else officer.last_name
    return f"{name} ({officer.badge})"


_OPEN_CHECKOUT = select(Checkout).where(
    Checkout.unit_id == bindparam("unit_id"), Checkout.returned_at.is_(None)
)
_HELD = (
    select(Unit.asset_tag)
    .join(Checkout, Checkout.unit_id == Unit.id)
    .where(Checkout.officer_id == bindparam("officer_id"), Checkout.returned_at.is_(None))
)
_PRIMARY = select(Unit.id).where(Unit.primary_officer_id == bindparam("officer_id"))
_SLOTS = select(Checkout.slot).where(
    Checkout.officer_id == bindparam("officer_id"), Checkout.returned_at.is_(None)
)


def _open_checkout(session: Session, unit_id: int) -> Checkout | None:
    return session.execute(_OPEN_CHECKOUT, {"unit_id": unit_id}).scalar_one_or_none()


def _unit(session: Session, unit_id: int) -> UnitRow:
    return unit_row(queries.unit_rows(session, [unit_id])[0])


def _officer(session: Session, now: datetime, officer_id: int) -> OfficerRow:
    return officer_rows(session, now, [officer_id])[0]


def _returned_recently(session: Session, unit_id: int, now: datetime) -> bool:
    last = session.execute(
        select(func.max(Checkout.returned_at)).where(
            Checkout.unit_id == unit_id, Checkout.voided.is_(False)
        )
    ).scalar_one_or_none()
    return last is not None and now - last < timedelta(seconds=DOUBLE_SCAN_SECONDS)


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

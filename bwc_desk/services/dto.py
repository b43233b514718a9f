"""Plain frozen results of the services. The UI shows these; it never sees ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Role
from bwc_desk.domain.units import UnitStatus
from bwc_desk.domain.values import plural


def person_name(last: str, first: str) -> str:
    if last and first:
        return f"{last}, {first}"
    return last or first


@dataclass(frozen=True, slots=True)
class UnitRow:
    id: int
    asset_tag: str
    serial: str
    model: str
    firmware: str
    status: UnitStatus
    notes: str = ""
    purchase_date: date | None = None
    warranty_until: date | None = None
    primary_officer_id: int | None = None
    primary_officer: str = ""  # "Smith, John (0412)"
    pool_id: int | None = None
    pool: str = ""
    holder_officer_id: int | None = None
    holder: str = ""
    issued_at: datetime | None = None
    expected_return: datetime | None = None
    dock_bay: str = ""
    last_event: str = ""
    last_event_at: datetime | None = None
    repair_vendor: str = ""
    repair_ticket: str = ""
    repair_expected: date | None = None
    status_reason: str = ""
    location: str = ""  # where it is kept (a cage shelf, a dock room); services/unit_location

    @property
    def assignee(self) -> str:
        if self.primary_officer:
            return self.primary_officer
        return f"Pool: {self.pool}" if self.pool else ""


@dataclass(frozen=True, slots=True)
class OfficerRow:
    id: int
    badge: str
    last_name: str
    first_name: str
    rank: str
    division: str
    shift: str
    active: bool
    scan_code: str
    primary_unit_id: int | None = None
    primary_unit: str = ""
    holding: tuple[str, ...] = ()
    overdue: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return person_name(self.last_name, self.first_name)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.badge})"


@dataclass(frozen=True, slots=True)
class CheckoutRow:
    id: int
    unit_id: int
    asset_tag: str
    officer_id: int
    officer: str
    badge: str
    shift: str
    issued_at: datetime
    expected_return: datetime
    issued_by: str
    station: str
    swap_reason: str = ""
    returned_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class EventRow:
    seq: int
    at: datetime
    kind: EventKind
    unit_id: int | None
    asset_tag: str
    officer_id: int | None
    officer: str
    staff_username: str
    station: str
    reason: str
    details: dict[str, Any] = field(default_factory=dict)
    corrects_seq: int | None = None
    hash: str = ""


@dataclass(frozen=True, slots=True)
class StaffRow:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    locked: bool = False
    has_pin: bool = False
    badge_code: str = ""
    source: str = "local"  # "directory": signs in by the directory, role from its groups
    must_change_password: bool = False  # an administrator set it: temporary until replaced


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, or would do (a preview), row by row."""

    kind: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: tuple[tuple[int, str], ...] = ()  # (line number in the file, reason)
    warnings: tuple[str, ...] = ()
    verdicts: tuple[tuple[int, str, str], ...] = ()  # (line, key, "new"/"update"/...)
    changes: tuple[tuple[int, str], ...] = ()  # (line, "field old -> new; ...") of updates
    committed: bool = False
    # (line, how each date not written as ISO was read: "warranty_until '05/01/2028' read
    # as 2028-05-01"), also said in ``changes``
    dates_read: tuple[tuple[int, tuple[str, ...]], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return f"{plural(len(self.errors), 'bad row')}; nothing was written"
        verb = "" if self.committed else "would be "
        return f"{self.added} {verb}added, {self.updated} {verb}updated, {self.unchanged} unchanged"

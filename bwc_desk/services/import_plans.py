"""The plan of a CSV import of officers or units: every row read, cleaned and checked
against the database and the rest of the file, each bad row named by its line. Writes
nothing: ``services.imports`` shows a plan as the preview, or writes it inside the same
transaction that planned it, so what the preview promised is what gets written, or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.adapters.csvfile import CsvTable
from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.shifts import ShiftSpec
from bwc_desk.domain.units import UnitStatus
from bwc_desk.domain.values import normalize_scan, parse_bool, parse_date
from bwc_desk.services.csv_formats import OFFICER_COLUMNS
from bwc_desk.services.inventory import UnitInput, clean_unit_input
from bwc_desk.services.officers import OfficerInput, clean_officer
from bwc_desk.services.records import (
    camera_code_clash,
    camera_codes,
    officer_code_clash,
    officer_codes,
)
from bwc_desk.services.settings import shift_specs
from bwc_desk.services.unit_location import clean_location
from bwc_desk.store.models import Checkout, Officer, Unit

IMPORT_STATUSES = {
    "": UnitStatus.AVAILABLE,
    "available": UnitStatus.AVAILABLE,
    "in repair": UnitStatus.IN_REPAIR,
    "in_repair": UnitStatus.IN_REPAIR,
    "repair": UnitStatus.IN_REPAIR,
    "lost": UnitStatus.LOST,
    "stolen": UnitStatus.STOLEN,
    "retired": UnitStatus.RETIRED,
}
Progress = Callable[[int, int], None]
_T = TypeVar("_T")


@dataclass
class Plan:
    """What importing a file would do: a verdict per line ("new", "update", "unchanged",
    "error"), each bad line's reason, the rows to write and what each update changes."""

    verdicts: list[tuple[int, str, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    actions: list[tuple[int, str, Any]] = field(default_factory=list)
    changes: dict[int, str] = field(default_factory=dict)  # line -> what an update changes
    # line -> how each date not written as ISO was read (also said in ``changes``)
    dates_read: dict[int, list[str]] = field(default_factory=dict)
    # officer id -> their own camera, made a spare as the file deactivates them (as the
    # Roster's Deactivate and the directory sync do: a custody record names the file)
    releases: dict[int, str] = field(default_factory=dict)


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(blank)"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _describe(changed: list[tuple[str, Any, Any]]) -> str:
    """'firmware 1.26.4 -> 1.27.0; purchase_date 2019-06-03 -> (blank)'"""
    return "; ".join(f"{name} {_shown(old)} -> {_shown(new)}" for name, old, new in changed)


class _Problems:
    """Every problem of one line, so that one check of a file names all its mistakes (a
    line's first mistake used to hide the others, and the values it repeated)."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, message: str) -> None:
        if message not in self.found:
            self.found.append(message)

    def check(self, fn: Callable[[], _T], instead: _T) -> _T:
        """``fn()``, or ``instead`` with its refusal noted."""
        try:
            return fn()
        except DomainError as exc:
            self.add(str(exc))
            return instead

    def text(self) -> str:
        if len(self.found) == 1:
            return self.found[0]
        return " ".join(f"({n}) {m.rstrip('.')}." for n, m in enumerate(self.found, 1))


def _clean_each(
    clean: Callable[[_T], _T],
    data: _T,
    harmless: _T,
    fields: tuple[str, ...],
    found: _Problems,
    values: dict[str, Any],
) -> _T | None:
    """``clean(data)`` (the dialogs' own cleaning); when it refuses, each field is cleaned
    beside harmless values of the others, so that every field's refusal is named, with the
    rules kept in one place. Returns the cleaned data (None when refused); ``values`` gets
    the fields that could be cleaned (for the checks against the rest of the file)."""
    try:
        cleaned = clean(data)
    except DomainError as whole:
        before = len(found.found)
        for name in fields:
            one = replace(harmless, **{name: getattr(data, name)})  # type: ignore[type-var]
            try:
                values[name] = getattr(clean(one), name)
            except DomainError as exc:
                found.add(str(exc))
        if len(found.found) == before:  # a rule between fields
            found.add(str(whole))
        return None
    values.update((name, getattr(cleaned, name)) for name in fields)
    return cleaned


# --- officers -------------------------------------------------------------------------------


def _columns_of(table: CsvTable) -> set[str]:
    """The columns the file has, from its first row that could be read (a first row in
    error has only its error: every row after it was checked as if it had no columns)."""
    return next((set(row) for _line, row in table.rows if "__error__" not in row), set())


def _readable(
    table: CsvTable, plan: Plan, progress: Progress | None
) -> Iterator[tuple[int, dict[str, str]]]:
    """The file's rows (line number, values) that could be read, progress told every 500;
    a row the CSV reader could not read becomes an error of the plan."""
    total = len(table.rows)
    for n, (line, raw) in enumerate(table.rows, 1):
        if progress and n % 500 == 0:
            progress(n, total)
        if "__error__" in raw:
            plan.errors.append((line, raw["__error__"]))
            plan.verdicts.append((line, "", "error"))
            continue
        yield line, raw


_OFFICER_FIELDS = ("badge", "last_name", "first_name", "rank", "division", "shift", "scan_code")
_HARMLESS_OFFICER = OfficerInput(badge="0", last_name="X")
_ONE_OFFICER = " (one line per officer: correct or remove one of the two)"


def plan_officers(session: Session, table: CsvTable, progress: Progress | None) -> Plan:
    """An officers file checked against the roster, the cameras and itself (reads only).
    Every problem of every line is named: a line in error still counts for the lines after
    it (a badge it repeats is named there too)."""
    plan = Plan()
    has = _columns_of(table)
    existing = {o.badge: o for o in session.execute(select(Officer)).scalars()}
    scan_owner = {o.scan_code: o.badge for o in existing.values()}
    badge_upper = {b.upper(): b for b in existing}
    seen_badges: dict[str, int] = {}
    seen_scans: dict[str, int] = {}
    seen_badge_upper: dict[str, int] = {}
    cameras = camera_codes(session)  # (asset tags and serials)
    shifts = shift_specs(session)  # the agency's shifts, by lower-case name
    holds, owns = _cameras_of_officers(session)
    for line, raw in _readable(table, plan, progress):
        found = _Problems()
        current = existing.get(raw.get("badge", "").strip())
        named_after = _Problems()  # (the active column's problem, after the names')
        active = (
            named_after.check(partial(parse_bool, raw["active"], "active", default=True), True)
            if "active" in has
            else (current.active if current else True)
        )
        given = OfficerInput(
            badge=raw.get("badge", ""),
            last_name=raw.get("last_name", ""),
            first_name=_keep(raw, "first_name", has, current),
            rank=_keep(raw, "rank", has, current),
            division=_keep(raw, "division", has, current),
            shift=_keep(raw, "shift", has, current),
            active=active,
            scan_code=raw.get("scan_code", "")
            if "scan_code" in has
            else (current.scan_code if current else ""),
        )
        values: dict[str, Any] = {}
        data = _clean_each(clean_officer, given, _HARMLESS_OFFICER, _OFFICER_FIELDS, found, values)
        for problem in named_after.found:
            found.add(problem)
        deactivated = current is not None and current.active and not active
        if current is not None and deactivated:
            found.check(partial(_may_deactivate, current, holds), None)
        badge: str | None = values.get("badge")
        scan: str | None = values.get("scan_code")
        if data is None and not normalize_scan(given.scan_code):  # (blank: the badge's)
            scan = badge.upper() if badge is not None else None
        if badge is not None:
            if badge in seen_badges:
                found.add(f"badge {badge} is already on line {seen_badges[badge]}{_ONE_OFFICER}")
            owner = scan_owner.get(badge.upper())
            if owner is not None and owner != badge:
                found.add(
                    f"badge {badge} is the scan_code of badge {owner} "
                    "(a scan at the counter could not tell them apart)"
                )
        repeated_badge = badge is not None and badge in seen_badges and scan == badge.upper()
        if scan is not None and scan in seen_scans and not repeated_badge:
            found.add(
                f"scan_code {scan} is already on line {seen_scans[scan]} "
                "(each officer's ID badge needs its own code)"
            )
        if scan is not None and badge is not None:
            owner = scan_owner.get(scan)
            if owner is not None and owner != badge:
                found.add(f"scan_code {scan} already belongs to badge {owner}")
            other = badge_upper.get(scan)
            if other is not None and other != badge:
                found.add(
                    f"scan_code {scan} is the badge number of badge {other} "
                    "(a scan at the counter could not tell them apart)"
                )
        for column, code, shown in (
            ("badge", badge.upper() if badge is not None else None, badge),
            ("scan_code", scan, scan),
        ):
            if code is not None and shown is not None and code in cameras:
                found.add(officer_code_clash(column, shown, cameras[code]))
        shift: str | None = values.get("shift")
        if shift is not None:
            shift = found.check(partial(_known_shift, shift, current, shifts), None)
        if scan is not None and badge is not None and scan != badge.upper():
            # the same two rules between rows of the file (the write checks each row alone)
            on = seen_badge_upper.get(scan)
            if on is not None:
                found.add(
                    f"scan_code {scan} is the badge number on line {on} "
                    "(a scan at the counter could not tell them apart)"
                )
            on = seen_scans.get(badge.upper())
            if on is not None:
                found.add(
                    f"badge {badge} is the scan_code on line {on} "
                    "(a scan at the counter could not tell them apart)"
                )
        if badge is not None:
            seen_badges.setdefault(badge, line)
            seen_badge_upper.setdefault(badge.upper(), line)
        if scan is not None:
            seen_scans.setdefault(scan, line)
        if found.found or data is None or shift is None:
            plan.errors.append((line, found.text()))
            plan.verdicts.append((line, raw.get("badge", "").strip(), "error"))
            continue
        data = replace(data, shift=shift)
        if current is None:
            plan.verdicts.append((line, data.badge, "new"))
            plan.actions.append((line, "new", data))
        elif changed := [
            (f, getattr(current, f), getattr(data, f))
            for f in OFFICER_COLUMNS
            if getattr(current, f) != getattr(data, f)
        ]:
            plan.verdicts.append((line, data.badge, "update"))
            plan.actions.append((line, "update", data))
            plan.changes[line] = _describe(changed)
            own = owns.get(current.id) if deactivated else None
            if own is not None:
                plan.releases[current.id] = own
                plan.changes[line] += f"; their own camera {own} becomes a spare"
        else:
            plan.verdicts.append((line, data.badge, "unchanged"))
    return plan


def _cameras_of_officers(session: Session) -> tuple[dict[int, list[str]], dict[int, str]]:
    """Officer id -> the cameras out with them, and -> the camera that is their own."""
    holds: dict[int, list[str]] = {}
    for officer_id, tag in session.execute(
        select(Checkout.officer_id, Unit.asset_tag)
        .join(Unit, Unit.id == Checkout.unit_id)
        .where(Checkout.returned_at.is_(None))
    ):
        holds.setdefault(officer_id, []).append(tag)
    owns = {
        officer_id: tag
        for officer_id, tag in session.execute(
            select(Unit.primary_officer_id, Unit.asset_tag).where(
                Unit.primary_officer_id.is_not(None)
            )
        )
        if officer_id is not None
    }
    return holds, owns


def _may_deactivate(officer: Officer, holds: Mapping[int, list[str]]) -> None:
    """A file does not deactivate an officer a camera is out with: the Roster's Deactivate
    asks the reason and records it (a file did neither). Their own camera is made a spare
    as the file deactivates them (``Plan.releases``)."""
    out = holds.get(officer.id)
    if out:
        raise ValidationError(
            f"active no: badge {officer.badge} still holds {', '.join(out)}; have it returned "
            "first, or deactivate the officer in the Roster, which asks the reason and "
            "records it"
        )


def _known_shift(shift: str, current: Officer | None, shifts: Mapping[str, ShiftSpec]) -> str:
    """A shift must be one of the agency's (Administration > Shifts), spelled as the agency
    spells it. Divisions are free text (the agency keeps no list of them), so any is taken."""
    if not shift or (current is not None and shift == current.shift):
        return shift
    spec = shifts.get(shift.lower())
    if spec is None:
        known = ", ".join(s.name for s in sorted(shifts.values(), key=lambda s: s.starts))
        raise ValidationError(
            f"shift {shift!r} is not one of the agency's shifts ({known or 'none yet'}); "
            "use one of those, leave it blank, or add the shift in Administration first"
        )
    return spec.name


def _keep(raw: dict[str, str], name: str, has: set[str], current: Any) -> str:
    """A column missing from the file leaves the stored value alone."""
    if name in has:
        return raw.get(name, "")
    return str(getattr(current, name)) if current is not None else ""


# --- units ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRowPlan:
    data: UnitInput
    status: UnitStatus
    assigned_badge: str | None  # None: column absent, leave the assignment alone
    location: str | None = None  # None: column absent (or blank for a new camera)


_UNIT_FIELDS = ("asset_tag", "serial", "model", "firmware", "notes")
_HARMLESS_UNIT = UnitInput(asset_tag="X", serial="X")
_TELL_APART = "(a scan at the counter could not tell them apart)"


def plan_units(session: Session, table: CsvTable, progress: Progress | None) -> Plan:
    """A units file checked against the inventory, the roster and itself (reads only).
    Every problem of every line is named: a line in error still counts for the lines after
    it (a serial it repeats is named there too)."""
    plan = Plan()
    has = _columns_of(table)
    units = {u.asset_tag: u for u in session.execute(select(Unit)).scalars()}
    serial_owner = {u.serial: u.asset_tag for u in units.values()}
    officers = {o.badge: o for o in session.execute(select(Officer)).scalars()}
    primary_of = {
        u.primary_officer_id: u.asset_tag
        for u in units.values()
        if u.primary_officer_id is not None
    }
    officer_code = officer_codes(session)  # (badge numbers and ID-badge scan codes)
    seen_tags: dict[str, int] = {}
    seen_serials: dict[str, int] = {}
    seen_badges: dict[str, int] = {}
    tags_in_file = _tags_in(table)
    for line, raw in _readable(table, plan, progress):
        key = raw.get("asset_tag", "").strip().upper()
        found = _Problems()
        current = units.get(key)
        row, tag, serial, badge = _unit_plan(raw, has, current, officers, found)
        # The import runs every check the write runs (check_unique), here, with the line.
        if tag is not None:
            if tag in seen_tags:
                found.add(
                    f"asset_tag {tag} is already on line {seen_tags[tag]} (each camera has "
                    "its own asset tag: correct one of the two lines)"
                )
            owner = serial_owner.get(tag)
            if owner is not None and owner != tag:
                found.add(f"asset_tag {tag} is the serial of {owner} {_TELL_APART}")
            if tag in seen_serials:
                found.add(
                    f"asset_tag {tag} is the serial on line {seen_serials[tag]} {_TELL_APART}"
                )
        if serial is not None and serial in seen_serials:
            found.add(
                f"serial {serial} is already on line {seen_serials[serial]} (each camera "
                "has its own serial: correct one of the two lines)"
            )
        if serial is not None and tag is not None:
            owner = serial_owner.get(serial)
            if owner is not None and owner != tag:
                found.add(
                    f"serial {serial} already belongs to {owner} (a camera already "
                    "registered: check the serial, or use that camera's asset tag)"
                )
            if serial in units and serial != tag:
                found.add(f"serial {serial} is another camera's asset tag {_TELL_APART}")
            if serial in seen_tags and serial != tag:
                found.add(
                    f"serial {serial} is the asset_tag on line {seen_tags[serial]} {_TELL_APART}"
                )
        for column, code in (("asset_tag", tag), ("serial", serial)):
            if code is not None and code in officer_code:
                found.add(camera_code_clash(column, code, officer_code[code]))
        if badge:
            if badge in seen_badges:
                found.add(
                    f"badge {badge} is already assigned on line {seen_badges[badge]}: an "
                    "officer has one primary camera"
                )
            other = primary_of.get(officers[badge].id)
            if other is not None and other != tag and tag is not None and other not in tags_in_file:
                found.add(f"badge {badge} already has {other} as primary camera")
            seen_badges.setdefault(badge, line)
        if tag is not None:
            seen_tags.setdefault(tag, line)
        if serial is not None:
            seen_serials.setdefault(serial, line)
        if found.found or row is None:
            plan.errors.append((line, found.text()))
            plan.verdicts.append((line, key, "error"))
            continue
        changed = _unit_changes(current, row, officers)
        verdict = "new" if current is None else ("update" if changed else "unchanged")
        said = [_describe(changed)] if changed else []
        if verdict != "unchanged" and (read := _dates_read(raw, has)):
            plan.dates_read[line] = read
            said += read
        if said:
            plan.changes[line] = "; ".join(said)
        plan.verdicts.append((line, row.data.asset_tag, verdict))
        if verdict != "unchanged":
            plan.actions.append((line, verdict, row))
    return plan


UNIT_DATES = ("purchase_date", "warranty_until")


def _dates_read(raw: dict[str, str], has: set[str]) -> list[str]:
    """How each date not written as ISO was read ("warranty_until '05/01/2024' read as
    2024-05-01"): a file from elsewhere may mean the 5th of January, and the preview shows
    it before anything is written."""
    said = []
    for name in UNIT_DATES:
        text = raw.get(name, "").strip() if name in has else ""
        try:
            read = parse_date(text, name) if text else None
        except DomainError:
            continue  # (the line's problems say it)
        if read is not None and read.isoformat() != text:
            said.append(f"{name} {text!r} read as {read.isoformat()}")
    return said


def _tags_in(table: CsvTable) -> set[str]:
    return {raw.get("asset_tag", "").strip().upper() for _l, raw in table.rows}


def _unit_plan(
    raw: dict[str, str],
    has: set[str],
    current: Unit | None,
    officers: dict[str, Officer],
    found: _Problems,
) -> tuple[UnitRowPlan | None, str | None, str | None, str | None]:
    """The line read and checked by itself: (its plan, or None when ``found`` holds its
    problems; its asset tag, serial and assigned badge when each could be read, for the
    checks against the rest of the file)."""

    def keep(name: str) -> str:
        return _keep(raw, name, has, current)

    def keep_date(name: str) -> date | None:
        if name in has:
            return found.check(partial(parse_date, raw.get(name, ""), name), None)
        return getattr(current, name) if current is not None else None

    status = found.check(partial(_status, raw, has, current), None)
    given = UnitInput(
        asset_tag=raw.get("asset_tag", ""),
        serial=raw.get("serial", ""),
        model=keep("model"),
        firmware=keep("firmware"),
        notes=keep("notes"),
        purchase_date=keep_date("purchase_date"),
        warranty_until=keep_date("warranty_until"),
    )
    # the same cleaning as the dialogs
    values: dict[str, Any] = {}
    data = _clean_each(clean_unit_input, given, _HARMLESS_UNIT, _UNIT_FIELDS, found, values)
    bought, until = given.purchase_date, given.warranty_until
    if bought and until and until < bought:
        found.add("warranty_until is before purchase_date")
    badge: str | None = None
    known: str | None = None  # the badge, when it is on the roster
    if "assigned_badge" in has:
        badge = raw.get("assigned_badge", "").strip()
        if badge and badge not in officers:
            found.add(
                f"assigned_badge {badge} is not in the officer roster (import officers first)"
            )
        elif (
            badge
            and not officers[badge].active
            and (current is None or current.primary_officer_id != officers[badge].id)
        ):
            found.add(
                f"assigned_badge {badge} is an inactive officer; reactivate them in the Roster "
                "first, or give the camera to someone else"
            )
        else:
            known = badge
    if badge and status is not None and status is not UnitStatus.AVAILABLE:
        found.add(f"a {status.value} camera cannot be assigned to badge {badge}")
    location = found.check(partial(_location, raw, has, current), None)
    tag, serial = values.get("asset_tag"), values.get("serial")
    if found.found or data is None or status is None:
        return None, tag, serial, known
    return UnitRowPlan(data, status, badge, location), tag, serial, known


def _status(raw: dict[str, str], has: set[str], current: Unit | None) -> UnitStatus:
    """The status the line asks for (the stored one when the column is absent)."""
    if "status" not in has:
        return UnitStatus(current.status) if current is not None else UnitStatus.AVAILABLE
    text = " ".join(raw.get("status", "").strip().lower().split())
    if text == "issued":
        raise ValidationError(
            "status 'issued' cannot be imported: cameras are issued at the counter (leave "
            "status blank for available, and issue the camera there)"
        )
    if text not in IMPORT_STATUSES:
        raise ValidationError(
            f"status {raw.get('status', '').strip()!r} is not one of available, in repair, "
            "lost, stolen, retired (blank = available)"
        )
    status = IMPORT_STATUSES[text]
    if current is not None and current.status != status.value:
        if current.status == UnitStatus.ISSUED.value:
            raise ValidationError(
                f"{current.asset_tag} is issued right now; return it at the counter before "
                f"changing its status to {status.value}"
            )
        if current.status == UnitStatus.RETIRED.value:
            raise ValidationError(
                f"{current.asset_tag} is retired; it cannot become {status.value}"
            )
    return status


def _location(raw: dict[str, str], has: set[str], current: Unit | None) -> str | None:
    """Where the line says the camera is kept: None when it says nothing. A place is never
    cleared (the Move... dialog cannot either): a blank cell for a camera kept somewhere is
    refused, so that a half-filled column does not silently forget where cameras are."""
    if "location" not in has:
        return None
    where = clean_location(raw.get("location", ""), required=False)
    if not where and current is not None and current.location:
        raise ValidationError(
            f"location is blank, but {current.asset_tag} is kept at {current.location}; a "
            "place cannot be cleared by an import: write where it is kept now"
        )
    return where or None


def _unit_changes(
    current: Unit | None, row: UnitRowPlan, officers: dict[str, Officer]
) -> list[tuple[str, Any, Any]]:
    """What importing ``row`` changes on the stored unit: (field, old, new); empty for a new
    unit and for an unchanged one."""
    if current is None:
        return []
    data = row.data
    changed: list[tuple[str, Any, Any]] = [
        (f, getattr(current, f), getattr(data, f))
        for f in ("serial", "model", "firmware", "notes", "purchase_date", "warranty_until")
        if getattr(current, f) != getattr(data, f)
    ]
    if current.status != row.status.value:
        changed.append(("status", current.status, row.status.value))
    if row.location is not None and row.location != current.location:
        changed.append(("location", current.location or None, row.location))
    if row.assigned_badge is not None:
        wanted = officers[row.assigned_badge] if row.assigned_badge else None
        if current.primary_officer_id != (wanted.id if wanted else None):
            was = next((o for o in officers.values() if o.id == current.primary_officer_id), None)
            changed.append(
                ("assigned_badge", was.badge if was else None, wanted.badge if wanted else None)
            )
    return changed

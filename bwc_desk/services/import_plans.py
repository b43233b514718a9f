"""The plan of a CSV import of officers or units: every row read, cleaned and checked
against the database and the rest of the file, each bad row named by its line. Writes
nothing: ``services.imports`` shows a plan as the preview, or writes it inside the same
transaction that planned it, so what the preview promised is what gets written, or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.adapters.csvfile import CsvTable
from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.shifts import ShiftSpec
from bwc_desk.domain.units import UnitStatus
from bwc_desk.domain.values import parse_bool, parse_date
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
from bwc_desk.store.models import Officer, Unit

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


@dataclass
class Plan:
    """What importing a file would do: a verdict per line ("new", "update", "unchanged",
    "error"), each bad line's reason, the rows to write and what each update changes."""

    verdicts: list[tuple[int, str, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    actions: list[tuple[int, str, Any]] = field(default_factory=list)
    changes: dict[int, str] = field(default_factory=dict)  # line -> what an update changes


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


# --- officers -------------------------------------------------------------------------------


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


def plan_officers(session: Session, table: CsvTable, progress: Progress | None) -> Plan:
    """An officers file checked against the roster, the cameras and itself (reads only)."""
    plan = Plan()
    has = set(table.rows[0][1]) if table.rows else set()
    existing = {o.badge: o for o in session.execute(select(Officer)).scalars()}
    scan_owner = {o.scan_code: o.badge for o in existing.values()}
    badge_upper = {b.upper(): b for b in existing}
    seen_badges: dict[str, int] = {}
    seen_scans: dict[str, int] = {}
    seen_badge_upper: dict[str, int] = {}
    cameras = camera_codes(session)  # (asset tags and serials)
    shifts = shift_specs(session)  # the agency's shifts, by lower-case name
    for line, raw in _readable(table, plan, progress):
        try:
            current = existing.get(raw.get("badge", "").strip())
            data = clean_officer(
                OfficerInput(
                    badge=raw.get("badge", ""),
                    last_name=raw.get("last_name", ""),
                    first_name=_keep(raw, "first_name", has, current),
                    rank=_keep(raw, "rank", has, current),
                    division=_keep(raw, "division", has, current),
                    shift=_keep(raw, "shift", has, current),
                    active=parse_bool(raw["active"], "active", default=True)
                    if "active" in has
                    else (current.active if current else True),
                    scan_code=raw.get("scan_code", "")
                    if "scan_code" in has
                    else (current.scan_code if current else ""),
                )
            )
            if data.badge in seen_badges:
                raise ValidationError(
                    f"badge {data.badge} is already on line {seen_badges[data.badge]}"
                )
            if data.scan_code in seen_scans:
                raise ValidationError(
                    f"scan_code {data.scan_code} is already on line {seen_scans[data.scan_code]}"
                )
            owner = scan_owner.get(data.scan_code)
            if owner is not None and owner != data.badge:
                raise ValidationError(
                    f"scan_code {data.scan_code} already belongs to badge {owner}"
                )
            other = badge_upper.get(data.scan_code)
            if other is not None and other != data.badge:
                raise ValidationError(
                    f"scan_code {data.scan_code} is the badge number of badge {other} "
                    "(a scan at the counter could not tell them apart)"
                )
            owner = scan_owner.get(data.badge.upper())
            if owner is not None and owner != data.badge:
                raise ValidationError(
                    f"badge {data.badge} is the scan_code of badge {owner} "
                    "(a scan at the counter could not tell them apart)"
                )
            for column, code, shown in (
                ("badge", data.badge.upper(), data.badge),
                ("scan_code", data.scan_code, data.scan_code),
            ):
                if code in cameras:
                    raise ValidationError(officer_code_clash(column, shown, cameras[code]))
            data = _known_shift(data, current, shifts)
            # the same two rules between rows of the file (the write checks each row alone)
            on = seen_badge_upper.get(data.scan_code)
            if on is not None and data.scan_code != data.badge.upper():
                raise ValidationError(
                    f"scan_code {data.scan_code} is the badge number on line {on} "
                    "(a scan at the counter could not tell them apart)"
                )
            on = seen_scans.get(data.badge.upper())
            if on is not None and data.scan_code != data.badge.upper():
                raise ValidationError(
                    f"badge {data.badge} is the scan_code on line {on} "
                    "(a scan at the counter could not tell them apart)"
                )
            seen_badges[data.badge] = line
            seen_badge_upper[data.badge.upper()] = line
            seen_scans[data.scan_code] = line
        except DomainError as exc:
            plan.errors.append((line, str(exc)))
            plan.verdicts.append((line, raw.get("badge", "").strip(), "error"))
            continue
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
        else:
            plan.verdicts.append((line, data.badge, "unchanged"))
    return plan


def _known_shift(
    data: OfficerInput, current: Officer | None, shifts: Mapping[str, ShiftSpec]
) -> OfficerInput:
    """A shift must be one of the agency's (Administration > Shifts), spelled as the agency
    spells it. Divisions are free text (the agency keeps no list of them), so any is taken."""
    if not data.shift or (current is not None and data.shift == current.shift):
        return data
    spec = shifts.get(data.shift.lower())
    if spec is None:
        known = ", ".join(s.name for s in sorted(shifts.values(), key=lambda s: s.starts))
        raise ValidationError(
            f"shift {data.shift!r} is not one of the agency's shifts ({known or 'none yet'}); "
            "use one of those, leave it blank, or add the shift in Administration first"
        )
    return replace(data, shift=spec.name)


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


def plan_units(session: Session, table: CsvTable, progress: Progress | None) -> Plan:
    """A units file checked against the inventory, the roster and itself (reads only)."""
    plan = Plan()
    has = set(table.rows[0][1]) if table.rows else set()
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
        tag = raw.get("asset_tag", "").strip().upper()
        try:
            current = units.get(tag)
            row = _unit_plan(raw, has, current, officers)
            data = row.data
            for seen, value, label in (
                (seen_tags, data.asset_tag, "asset_tag"),
                (seen_serials, data.serial, "serial"),
            ):
                if value in seen:
                    raise ValidationError(f"{label} {value} is already on line {seen[value]}")
            owner = serial_owner.get(data.serial)
            if owner is not None and owner != data.asset_tag:
                raise ValidationError(f"serial {data.serial} already belongs to {owner}")
            if data.serial in units and data.serial != data.asset_tag:
                raise ValidationError(f"serial {data.serial} is another camera's asset tag")
            # The import runs every check the write runs (check_unique), here, with the line.
            owner = serial_owner.get(data.asset_tag)
            if owner is not None and owner != data.asset_tag:
                raise ValidationError(
                    f"asset_tag {data.asset_tag} is the serial of {owner} "
                    "(a scan at the counter could not tell them apart)"
                )
            if data.asset_tag in seen_serials:
                raise ValidationError(
                    f"asset_tag {data.asset_tag} is the serial on line "
                    f"{seen_serials[data.asset_tag]} (a scan could not tell them apart)"
                )
            if data.serial in seen_tags and data.serial != data.asset_tag:
                raise ValidationError(
                    f"serial {data.serial} is the asset_tag on line {seen_tags[data.serial]} "
                    "(a scan could not tell them apart)"
                )
            for column, code in (("asset_tag", data.asset_tag), ("serial", data.serial)):
                if code in officer_code:
                    raise ValidationError(camera_code_clash(column, code, officer_code[code]))
            if row.assigned_badge:
                if row.assigned_badge in seen_badges:
                    raise ValidationError(
                        f"badge {row.assigned_badge} is already assigned on line "
                        f"{seen_badges[row.assigned_badge]}: an officer has one primary camera"
                    )
                officer = officers[row.assigned_badge]
                other = primary_of.get(officer.id)
                if other is not None and other != data.asset_tag and other not in tags_in_file:
                    raise ValidationError(
                        f"badge {row.assigned_badge} already has {other} as primary camera"
                    )
                seen_badges[row.assigned_badge] = line
            seen_tags[data.asset_tag] = line
            seen_serials[data.serial] = line
            changed = _unit_changes(current, row, officers)
            verdict = "new" if current is None else ("update" if changed else "unchanged")
            if changed:
                plan.changes[line] = _describe(changed)
        except DomainError as exc:
            plan.errors.append((line, str(exc)))
            plan.verdicts.append((line, tag, "error"))
            continue
        plan.verdicts.append((line, data.asset_tag, verdict))
        if verdict != "unchanged":
            plan.actions.append((line, verdict, row))
    return plan


def _tags_in(table: CsvTable) -> set[str]:
    return {raw.get("asset_tag", "").strip().upper() for _l, raw in table.rows}


def _unit_plan(
    raw: dict[str, str], has: set[str], current: Unit | None, officers: dict[str, Officer]
) -> UnitRowPlan:
    def keep(name: str) -> str:
        return _keep(raw, name, has, current)

    def keep_date(name: str) -> date | None:
        if name in has:
            return parse_date(raw.get(name, ""), name)
        return getattr(current, name) if current is not None else None

    status_text = " ".join(raw.get("status", "").strip().lower().split())
    if "status" in has:
        if status_text == "issued":
            raise ValidationError(
                "status 'issued' cannot be imported: cameras are issued at the counter"
            )
        if status_text not in IMPORT_STATUSES:
            raise ValidationError(
                f"status {raw.get('status', '').strip()!r} is not one of available, in repair, "
                "lost, stolen, retired (blank = available)"
            )
        status = IMPORT_STATUSES[status_text]
    else:
        status = UnitStatus(current.status) if current is not None else UnitStatus.AVAILABLE
    data = UnitInput(
        asset_tag=raw.get("asset_tag", ""),
        serial=raw.get("serial", ""),
        model=keep("model"),
        firmware=keep("firmware"),
        notes=keep("notes"),
        purchase_date=keep_date("purchase_date"),
        warranty_until=keep_date("warranty_until"),
    )
    data = clean_unit_input(data)  # the same cleaning as the dialogs
    if data.purchase_date and data.warranty_until and data.warranty_until < data.purchase_date:
        raise ValidationError("warranty_until is before purchase_date")
    badge: str | None = None
    if "assigned_badge" in has:
        badge = raw.get("assigned_badge", "").strip()
        if badge and badge not in officers:
            raise ValidationError(
                f"assigned_badge {badge} is not in the officer roster (import officers first)"
            )
    if badge and status is not UnitStatus.AVAILABLE:
        raise ValidationError(f"a {status.value} camera cannot be assigned to badge {badge}")
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
    return UnitRowPlan(data, status, badge, _location(raw, has, current))


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

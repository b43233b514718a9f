"""Importing officers and units from CSV: all or nothing, every bad row named by its line.

The same plan is used for the preview (read-only) and the commit (inside the write
transaction), so what the preview promised is what gets written, or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bwc_desk.adapters.csvfile import SHOWN_CHARS, CsvTable, read_csv, shown
from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.shifts import ShiftSpec
from bwc_desk.domain.units import UnitAction, UnitStatus
from bwc_desk.domain.values import parse_bool, parse_date
from bwc_desk.services import audit
from bwc_desk.services.assignments import assign_primary_in, release_primary
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.csv_formats import (
    OFFICER_COLUMNS,
    OFFICER_REQUIRED,
    UNIT_COLUMNS,
    UNIT_REQUIRED,
)
from bwc_desk.services.dto import ImportReport
from bwc_desk.services.inventory import (
    UnitInput,
    apply_edit,
    change_status,
    clean_unit_input,
    insert_unit,
)
from bwc_desk.services.officers import (
    OfficerInput,
    clean_officer,
    insert_officers_checked,
    update_officers_checked,
)
from bwc_desk.services.settings import shift_specs
from bwc_desk.services.unit_location import clean_location, set_location_in
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
_TO_STATUS = {
    UnitStatus.AVAILABLE: UnitAction.RETURN_TO_SERVICE,
    UnitStatus.IN_REPAIR: UnitAction.REPAIR,
    UnitStatus.LOST: UnitAction.MARK_LOST,
    UnitStatus.STOLEN: UnitAction.MARK_STOLEN,
    UnitStatus.RETIRED: UnitAction.RETIRE,
}
Progress = Callable[[int, int], None]


@dataclass
class _Plan:
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


def _audited(ctx: Ctx, report: ImportReport, path: Path | str) -> ImportReport:
    if report.committed or report.errors:
        audit.record(
            ctx,
            AuditEvent.IMPORT,
            Outcome.OK if report.ok else Outcome.FAILED,
            {
                "what": report.kind,
                "file": Path(path).name,
                "added": report.added,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "bad_rows": len(report.errors),
            },
        )
    return report


_LONG_RUN = re.compile(rf"\S{{{SHOWN_CHARS + 1},}}")


def _tidy(message: str) -> str:
    """Junk from the file echoed in a message is cut at 80 characters."""
    return _LONG_RUN.sub(lambda m: shown(m.group(0)), message)


def _report(kind: str, table: CsvTable, plan: _Plan, committed: bool) -> ImportReport:
    counts = {"new": 0, "update": 0, "unchanged": 0}
    for _line, _key, verdict in plan.verdicts:
        if verdict in counts:
            counts[verdict] += 1
    return ImportReport(
        kind=kind,
        added=counts["new"],
        updated=counts["update"],
        unchanged=counts["unchanged"],
        errors=tuple(sorted((line, _tidy(reason)) for line, reason in plan.errors)),
        warnings=tuple(table.warnings),
        verdicts=tuple(plan.verdicts),
        changes=tuple(sorted(plan.changes.items())),
        committed=committed and not plan.errors,
    )


# --- officers -------------------------------------------------------------------------------


def _plan_officers(session: Session, table: CsvTable, progress: Progress | None) -> _Plan:
    plan = _Plan()
    has = set(table.rows[0][1]) if table.rows else set()
    existing = {o.badge: o for o in session.execute(select(Officer)).scalars()}
    scan_owner = {o.scan_code: o.badge for o in existing.values()}
    badge_upper = {b.upper(): b for b in existing}
    seen_badges: dict[str, int] = {}
    seen_scans: dict[str, int] = {}
    seen_badge_upper: dict[str, int] = {}
    camera_tags = set(session.execute(select(Unit.asset_tag)).scalars())
    shifts = shift_specs(session)  # the agency's shifts, by lower-case name
    total = len(table.rows)
    for n, (line, raw) in enumerate(table.rows, 1):
        if progress and n % 500 == 0:
            progress(n, total)
        if "__error__" in raw:
            plan.errors.append((line, raw["__error__"]))
            plan.verdicts.append((line, "", "error"))
            continue
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
            if data.scan_code in camera_tags:
                raise ValidationError(
                    f"scan_code {data.scan_code} is the asset tag of camera {data.scan_code} "
                    "(a scan at the counter could not tell them apart)"
                )
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


def import_officers(
    ctx: Ctx,
    path: Path | str,
    *,
    commit: bool = True,
    mapping: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    ctx.require(Permission.IMPORT, "import officers")
    table = read_csv(path, OFFICER_COLUMNS, OFFICER_REQUIRED, mapping)
    if not commit:
        with ctx.db.read() as session:
            return _report("officers", table, _plan_officers(session, table, progress), False)
    try:
        with ctx.db.write() as session:
            plan = _plan_officers(session, table, progress)
            if plan.errors:  # the plan only read: nothing to undo
                report = _report("officers", table, plan, False)
            else:
                _apply_officers(ctx, session, plan)
                report = _report("officers", table, plan, True)
    except _LineError as exc:  # rolled back: nothing was written
        report = _report("officers", table, _failed_plan(plan, exc), False)
    return _audited(ctx, report, path)


class _LineError(DomainError):
    """A check that only the write itself caught, with the line of the row being written."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _failed_plan(plan: _Plan, exc: _LineError) -> _Plan:
    return _Plan(
        verdicts=[v if v[0] != exc.line else (v[0], v[1], "error") for v in plan.verdicts],
        errors=[(exc.line, str(exc))],
    )


def _apply_officers(ctx: Ctx, session: Session, plan: _Plan) -> None:
    """The plan checked every row against the roster, the cameras and the rest of the file;
    the rows go in with one statement each for the new and the changed (linear: no query per
    row). Updates first, so that a badge or scan code one row gives up is free for another."""
    ids = {b: i for b, i in session.execute(select(Officer.badge, Officer.id))}
    new = [data for _line, verdict, data in plan.actions if verdict == "new"]
    changed = [(ids[d.badge], d) for _line, verdict, d in plan.actions if verdict == "update"]
    try:
        update_officers_checked(ctx, session, changed)
        insert_officers_checked(ctx, session, new)
        session.flush()
    except IntegrityError as exc:  # a race with another station: nothing is written
        raise DomainError(
            "Another station changed the officer roster while this file was imported; "
            "nothing was imported. Import the file again."
        ) from exc


# --- units ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _UnitRowPlan:
    data: UnitInput
    status: UnitStatus
    assigned_badge: str | None  # None: column absent, leave the assignment alone
    location: str | None = None  # None: column absent (or blank for a new camera)


def _plan_units(session: Session, table: CsvTable, progress: Progress | None) -> _Plan:
    plan = _Plan()
    has = set(table.rows[0][1]) if table.rows else set()
    units = {u.asset_tag: u for u in session.execute(select(Unit)).scalars()}
    serial_owner = {u.serial: u.asset_tag for u in units.values()}
    officers = {o.badge: o for o in session.execute(select(Officer)).scalars()}
    primary_of = {
        u.primary_officer_id: u.asset_tag
        for u in units.values()
        if u.primary_officer_id is not None
    }
    scan_owner = {c: b for c, b in session.execute(select(Officer.scan_code, Officer.badge))}
    seen_tags: dict[str, int] = {}
    seen_serials: dict[str, int] = {}
    seen_badges: dict[str, int] = {}
    tags_in_file = _tags_in(table)
    total = len(table.rows)
    for n, (line, raw) in enumerate(table.rows, 1):
        if progress and n % 500 == 0:
            progress(n, total)
        if "__error__" in raw:
            plan.errors.append((line, raw["__error__"]))
            plan.verdicts.append((line, "", "error"))
            continue
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
            if data.asset_tag in scan_owner:
                raise ValidationError(
                    f"asset_tag {data.asset_tag} is the ID-badge scan code of officer badge "
                    f"{scan_owner[data.asset_tag]} (a scan at the counter could not tell them "
                    "apart)"
                )
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
) -> _UnitRowPlan:
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
    return _UnitRowPlan(data, status, badge, _location(raw, has, current))


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
    current: Unit | None, row: _UnitRowPlan, officers: dict[str, Officer]
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


def import_units(
    ctx: Ctx,
    path: Path | str,
    *,
    commit: bool = True,
    mapping: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    actor = ctx.require(Permission.IMPORT, "import units")
    table = read_csv(path, UNIT_COLUMNS, UNIT_REQUIRED, mapping)
    if not commit:
        with ctx.db.read() as session:
            return _report("units", table, _plan_units(session, table, progress), False)
    try:
        with ctx.db.write() as session:
            plan = _plan_units(session, table, progress)
            if plan.errors:  # the plan only read: nothing to undo
                report = _report("units", table, plan, False)
            else:
                _apply_units(ctx, session, actor, plan, Path(path).name)
                report = _report("units", table, plan, True)
    except _LineError as exc:  # rolled back: nothing was written
        report = _report("units", table, _failed_plan(plan, exc), False)
    return _audited(ctx, report, path)


def _apply_units(ctx: Ctx, session: Session, actor: Actor, plan: _Plan, source: str) -> None:
    units = {u.asset_tag: u for u in session.execute(select(Unit)).scalars()}
    officers = {o.badge: o for o in session.execute(select(Officer)).scalars()}
    reason = f"import {source}"
    # Unassign first, so that primary cameras can move between units in one file.
    for line, _verdict, row in plan.actions:
        try:
            _release_moved(ctx, session, actor, units, officers, row, reason)
        except DomainError as exc:
            raise _LineError(line, str(exc)) from exc
    session.flush()
    for line, verdict, row in plan.actions:
        try:
            _apply_unit(ctx, session, actor, units, officers, verdict, row, reason)
        except DomainError as exc:
            raise _LineError(line, str(exc)) from exc


def _release_moved(
    ctx: Ctx,
    session: Session,
    actor: Actor,
    units: dict[str, Unit],
    officers: dict[str, Officer],
    row: _UnitRowPlan,
    reason: str,
) -> None:
    unit = units.get(row.data.asset_tag)
    if (
        unit is not None
        and row.assigned_badge is not None
        and unit.primary_officer_id
        and (not row.assigned_badge or officers[row.assigned_badge].id != unit.primary_officer_id)
    ):
        release_primary(ctx, session, actor, unit, reason)


def _apply_unit(
    ctx: Ctx,
    session: Session,
    actor: Actor,
    units: dict[str, Unit],
    officers: dict[str, Officer],
    verdict: str,
    row: _UnitRowPlan,
    reason: str,
) -> None:
    if verdict == "new":
        unit = insert_unit(ctx, session, actor, row.data, row.status, reason)
    else:
        unit = units[row.data.asset_tag]
        apply_edit(ctx, session, actor, unit, row.data, reason)
        if unit.status != row.status.value:
            change_status(ctx, session, actor, unit, _TO_STATUS[row.status], reason)
    if row.assigned_badge:
        assign_primary_in(ctx, session, actor, unit, officers[row.assigned_badge], reason)
    if row.location is not None:
        set_location_in(ctx, session, actor, unit, row.location, reason)
    session.flush()

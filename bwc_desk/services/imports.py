"""Importing officers and units from CSV: all or nothing, every bad row named by its line.

The same plan (``services.import_plans``) is used for the preview (read-only) and the commit
(inside the write transaction), so what the preview promised is what gets written, or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bwc_desk.adapters.csvfile import SHOWN_CHARS, CsvTable, read_csv, shown
from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.units import UnitAction, UnitStatus
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
from bwc_desk.services.import_plans import Plan, Progress, UnitRowPlan, plan_officers, plan_units
from bwc_desk.services.inventory import apply_edit, change_status, insert_unit
from bwc_desk.services.officers import (
    insert_officers_checked,
    release_primary_of,
    update_officers_checked,
)
from bwc_desk.services.unit_location import set_location_in
from bwc_desk.store.models import Officer, Unit

_TO_STATUS = {
    UnitStatus.AVAILABLE: UnitAction.RETURN_TO_SERVICE,
    UnitStatus.IN_REPAIR: UnitAction.REPAIR,
    UnitStatus.LOST: UnitAction.MARK_LOST,
    UnitStatus.STOLEN: UnitAction.MARK_STOLEN,
    UnitStatus.RETIRED: UnitAction.RETIRE,
}


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


def _report(kind: str, table: CsvTable, plan: Plan, committed: bool) -> ImportReport:
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
        dates_read=tuple((line, tuple(read)) for line, read in sorted(plan.dates_read.items())),
    )


# --- officers -------------------------------------------------------------------------------


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
            return _report("officers", table, plan_officers(session, table, progress), False)
    try:
        with ctx.db.write() as session:
            plan = plan_officers(session, table, progress)
            if plan.errors:  # the plan only read: nothing to undo
                report = _report("officers", table, plan, False)
            else:
                _apply_officers(ctx, session, plan, Path(path).name)
                report = _report("officers", table, plan, True)
    except _LineError as exc:  # rolled back: nothing was written
        report = _report("officers", table, _failed_plan(plan, exc), False)
    return _audited(ctx, report, path)


class _LineError(DomainError):
    """A check that only the write itself caught, with the line of the row being written."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _failed_plan(plan: Plan, exc: _LineError) -> Plan:
    return Plan(
        verdicts=[v if v[0] != exc.line else (v[0], v[1], "error") for v in plan.verdicts],
        errors=[(exc.line, str(exc))],
    )


def _apply_officers(ctx: Ctx, session: Session, plan: Plan, file: str = "") -> None:
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
        for officer_id in plan.releases:  # deactivated by the file: their camera a spare
            officer = session.get(Officer, officer_id)
            if officer is not None:
                release_primary_of(ctx, session, officer, f"import of {file}".strip())
    except IntegrityError as exc:  # a race with another station: nothing is written
        raise DomainError(
            "Another station changed the officer roster while this file was imported; "
            "nothing was imported. Import the file again."
        ) from exc


# --- units ----------------------------------------------------------------------------------


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
            return _report("units", table, plan_units(session, table, progress), False)
    try:
        with ctx.db.write() as session:
            plan = plan_units(session, table, progress)
            if plan.errors:  # the plan only read: nothing to undo
                report = _report("units", table, plan, False)
            else:
                _apply_units(ctx, session, actor, plan, Path(path).name)
                report = _report("units", table, plan, True)
    except _LineError as exc:  # rolled back: nothing was written
        report = _report("units", table, _failed_plan(plan, exc), False)
    return _audited(ctx, report, path)


def _apply_units(ctx: Ctx, session: Session, actor: Actor, plan: Plan, source: str) -> None:
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
    row: UnitRowPlan,
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
    row: UnitRowPlan,
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

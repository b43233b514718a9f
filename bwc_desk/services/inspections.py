"""The daily dock inspection (LASD: supervisors inspect the docking equipment daily and log
it): an agency-editable checklist, one inspection per dock and day, the printed log.

A failed line takes its bay (a "bay" line) or the whole dock (a "dock" line) out of service
and opens a repair case for it (``services.repairs``), in the inspection's transaction; the
bay is back in service when that case closes. A dock not inspected today shows as an alert
after the agency's ``inspection_due_hour`` (local time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.adapters.csvfile import write_csv
from bwc_desk.adapters.pdftext import write_pdf
from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import NotFoundError, ValidationError
from bwc_desk.domain.ledger import GENESIS, heads_footer
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.values import clean_text
from bwc_desk.services import audit, repairs
from bwc_desk.services.context import Ctx
from bwc_desk.services.settings import read_settings
from bwc_desk.store.ledger import AUDIT, CUSTODY, recorded_head
from bwc_desk.store.models import Dock, DockInspection, InspectionItem, InspectionResult

SCOPES = ("dock", "bay")
LOG_COLUMNS = ("inspected_at_utc", "dock", "inspected_by", "station", "result", "defects", "note")


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    id: int
    label: str
    scope: str  # "dock": once per dock; "bay": once per bay
    position: int


@dataclass(frozen=True, slots=True)
class ItemResult:
    item_id: int
    ok: bool
    bay_no: int = 0  # the bay, for a "bay" line; 0 for a "dock" line
    note: str = ""


@dataclass(frozen=True, slots=True)
class InspectionForm:
    dock: str
    bays: int
    items: tuple[ChecklistItem, ...]
    out_of_service: tuple[int, ...]  # bays out of service now (0: the whole dock)
    last_at: datetime | None  # the dock's last inspection
    last_by: str


@dataclass(frozen=True, slots=True)
class InspectionRow:
    id: int
    dock: str
    at: datetime
    by: str
    station: str
    passed: bool
    note: str
    defects: tuple[str, ...]  # "Bay 3: Contacts and lights of the bay - bent pin"
    cases: tuple[int, ...] = ()  # repair cases this inspection opened or added to


# --- the checklist ---------------------------------------------------------------------------


def _active_items(session: Session) -> list[InspectionItem]:
    return list(
        session.execute(
            select(InspectionItem)
            .where(InspectionItem.active.is_(True))
            .order_by(InspectionItem.position, InspectionItem.id)
        ).scalars()
    )


def _item(i: InspectionItem) -> ChecklistItem:
    return ChecklistItem(i.id, i.label, i.scope, i.position)


def checklist(ctx: Ctx) -> list[ChecklistItem]:
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        return [_item(i) for i in _active_items(session)]


def set_checklist(ctx: Ctx, lines: Sequence[tuple[str, str]]) -> list[ChecklistItem]:
    """The agency's checklist as (label, scope) lines, in order. A line kept as it was keeps
    its id; a changed or removed one is retired (past inspections keep its wording)."""
    actor = ctx.require(Permission.SETTINGS, "edit the dock inspection checklist")
    wanted: list[tuple[str, str]] = []
    for label, scope in lines:
        label = clean_text(label, "checklist line", limit=120)
        if not label:
            continue
        if scope not in SCOPES:
            raise ValidationError(f"{label!r}: say whether it is checked per dock or per bay.")
        if (label.lower(), scope) in {(w.lower(), s) for w, s in wanted}:
            raise ValidationError(f"{label!r} is on the checklist twice.")
        wanted.append((label, scope))
    if not wanted:
        raise ValidationError("The checklist needs at least one line.")
    with ctx.db.write() as session:
        current = _active_items(session)
        before = [(i.label, i.scope) for i in current]
        by_key = {(i.label.lower(), i.scope): i for i in current}
        kept: set[int] = set()
        for position, (label, scope) in enumerate(wanted, start=1):
            item = by_key.get((label.lower(), scope))
            if item is not None and item.label == label:
                item.position = position
                kept.add(item.id)
                continue
            session.add(
                InspectionItem(
                    label=label,
                    scope=scope,
                    position=position,
                    active=True,
                    created_at=ctx.now(),
                    created_by=actor.username,
                )
            )
        for item in current:
            if item.id not in kept:
                item.active = False
        session.flush()
        if before != wanted:
            audit.write(
                session,
                station=ctx.station,
                at=ctx.now(),
                event=AuditEvent.CHECKLIST_CHANGED,
                actor=actor,
                details={"before": before, "after": wanted},
            )
        return [_item(i) for i in _active_items(session)]


# --- inspecting ------------------------------------------------------------------------------


def _dock(session: Session, name: str) -> Dock:
    dock = session.execute(select(Dock).where(Dock.name == name)).scalars().first()
    if dock is None:
        raise NotFoundError(f"There is no dock {name!r}; refresh the Docks view.")
    return dock


def inspection_form(ctx: Ctx, dock_name: str) -> InspectionForm:
    """What the Inspect form shows for one dock: the checklist, its bays, what is out."""
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        dock = _dock(session, dock_name)
        out = repairs.out_of_service_in(session)
        last = session.execute(
            select(DockInspection.at, DockInspection.staff_username)
            .where(DockInspection.dock_id == dock.id)
            .order_by(DockInspection.at.desc())
            .limit(1)
        ).first()
        return InspectionForm(
            dock.name,
            dock.bays,
            tuple(_item(i) for i in _active_items(session)),
            tuple(sorted(bay for (d, bay) in out if d == dock.id)),
            last[0] if last else None,
            last[1] if last else "",
        )


def record_inspection(
    ctx: Ctx, dock_name: str, results: Sequence[ItemResult], note: str = ""
) -> InspectionRow:
    """A supervisor's inspection of one dock: every checklist line answered (a "bay" line for
    every bay). A failed line needs a note; it takes its bay (or the dock) out of service and
    opens a repair case, all in this one transaction."""
    actor = ctx.require(Permission.OUT_OF_SERVICE, "record dock inspections")
    note = clean_text(note, "note", limit=1000)
    with ctx.db.write() as session:
        dock = _dock(session, dock_name)
        items = {i.id: i for i in _active_items(session)}
        answers: dict[tuple[int, int], ItemResult] = {}
        for r in results:
            item = items.get(r.item_id)
            if item is None:
                raise ValidationError(
                    "The checklist changed while the form was open; close it and inspect again."
                )
            bay = r.bay_no if item.scope == "bay" else 0
            if item.scope == "bay" and not 1 <= bay <= dock.bays:
                raise ValidationError(f"{dock.name} has bays 1 to {dock.bays}, not {r.bay_no}.")
            if (item.id, bay) in answers:
                raise ValidationError(f"{item.label!r} is answered twice.")
            line_note = clean_text(r.note, "note", limit=500)
            if not r.ok and not line_note:
                where = f"bay {bay}: " if bay else ""
                raise ValidationError(f"Say what is wrong: {where}{item.label}.")
            answers[(item.id, bay)] = ItemResult(item.id, r.ok, bay, line_note)
        missing = [
            (f"bay {bay}: " if bay else "") + item.label
            for item in items.values()
            for bay in (range(1, dock.bays + 1) if item.scope == "bay" else (0,))
            if (item.id, bay) not in answers
        ]
        if missing:
            shown = ", ".join(missing[:4]) + (" ..." if len(missing) > 4 else "")
            raise ValidationError(f"Answer every line of the checklist; not yet: {shown}.")
        failed = [a for a in answers.values() if not a.ok]
        inspection = DockInspection(
            dock_id=dock.id,
            at=ctx.now(),
            staff_id=actor.staff_id,
            staff_username=actor.username,
            station=ctx.station,
            passed=not failed,
            note=note,
        )
        session.add(inspection)
        session.flush()
        for a in answers.values():
            session.add(
                InspectionResult(
                    inspection_id=inspection.id,
                    item_id=a.item_id,
                    bay_no=a.bay_no,
                    ok=a.ok,
                    note=a.note,
                )
            )
        session.flush()
        defects: list[str] = []
        cases: list[int] = []
        by_bay: dict[int, list[str]] = {}
        for a in failed:
            text = f"{items[a.item_id].label} - {a.note}"
            by_bay.setdefault(a.bay_no, []).append(text)
        for bay, texts in sorted(by_bay.items()):
            where = dock.name if bay == 0 else f"{dock.name} bay {bay}"
            symptom = "; ".join(texts)
            defects += [f"Bay {bay}: {t}" if bay else t for t in texts]
            case = repairs.open_case_in(
                ctx,
                session,
                actor,
                source=repairs.INSPECTION,
                symptom=f"{where}: {symptom}",
                dock=dock,
                bay_no=bay,
                inspection_id=inspection.id,
            )
            cases.append(case.id)
            repairs.take_out_of_service_in(
                ctx, session, actor, dock, bay, f"inspection: {symptom}", case.id
            )
        audit.write(
            session,
            station=ctx.station,
            at=ctx.now(),
            event=AuditEvent.DOCK_INSPECTED,
            actor=actor,
            details={
                "dock": dock.name,
                "inspection": inspection.id,
                "passed": not failed,
                "defects": defects,
                "cases": cases,
            },
        )
        return InspectionRow(
            inspection.id,
            dock.name,
            inspection.at,
            actor.username,
            ctx.station,
            not failed,
            note,
            tuple(defects),
            tuple(cases),
        )


# --- the log and the alert -------------------------------------------------------------------


def _log_rows(session: Session, start: datetime, end: datetime) -> list[InspectionRow]:
    rows = session.execute(
        select(DockInspection, Dock.name)
        .join(Dock, Dock.id == DockInspection.dock_id)
        .where(DockInspection.at >= start, DockInspection.at < end)
        .order_by(DockInspection.at, DockInspection.id)
    ).all()
    ids = [i.id for i, _ in rows]
    defects: dict[int, list[str]] = {}
    if ids:
        for r, label in session.execute(
            select(InspectionResult, InspectionItem.label)
            .join(InspectionItem, InspectionItem.id == InspectionResult.item_id)
            .where(InspectionResult.inspection_id.in_(ids), InspectionResult.ok.is_(False))
            .order_by(InspectionResult.inspection_id, InspectionResult.bay_no, InspectionItem.id)
        ):
            where = f"Bay {r.bay_no}: " if r.bay_no else ""
            defects.setdefault(r.inspection_id, []).append(f"{where}{label} - {r.note}")
    return [
        InspectionRow(
            i.id,
            name,
            i.at,
            i.staff_username,
            i.station,
            i.passed,
            i.note,
            tuple(defects.get(i.id, ())),
        )
        for i, name in rows
    ]


def _day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), zone)


def inspection_log(ctx: Ctx, first: date, last: date) -> list[InspectionRow]:
    """Every inspection from local day ``first`` to ``last`` (both included), oldest first."""
    ctx.require(Permission.READ)
    if last < first:
        raise ValidationError("The last day is before the first.")
    start, _ = _day_bounds(first, ctx.zone)
    _, end = _day_bounds(last, ctx.zone)
    with ctx.db.read() as session:
        return _log_rows(session, start, end)


def missing_in(session: Session, now: datetime, zone: tzinfo) -> list[str]:
    """Docks with no inspection yet today (local day), once the agency's due hour has
    passed; [] before it."""
    due = read_settings(session).inspection_due_hour
    local = now.astimezone(zone)
    if local.hour < due:
        return []
    start, _ = _day_bounds(local.date(), zone)
    done = select(DockInspection.id).where(
        DockInspection.dock_id == Dock.id, DockInspection.at >= start
    )
    return list(
        session.execute(select(Dock.name).where(~done.exists()).order_by(Dock.name)).scalars()
    )


def missing_text(dock: str, due_hour: int) -> str:
    return (
        f"{dock} has not been inspected today (due by {due_hour:02d}:00). A supervisor "
        "inspects it from the Docks view (Inspect)."
    )


def missing_inspections(ctx: Ctx) -> list[str]:
    """The alert lines for docks not inspected today (after the due hour)."""
    ctx.require(Permission.READ)
    with ctx.db.read() as session:
        due = read_settings(session).inspection_due_hour
        return [missing_text(d, due) for d in missing_in(session, ctx.now(), ctx.zone)]


def _log_lines(rows: Sequence[InspectionRow], zone: tzinfo) -> list[str]:
    lines = [f"{'When (local)':<17} {'Dock':<14} {'By':<14} {'Station':<12} Result"]
    for r in rows:
        result = "OK" if r.passed else f"DEFECTS ({len(r.defects)})"
        lines.append(
            f"{r.at.astimezone(zone):%Y-%m-%d %H:%M} {r.dock:<14} {r.by:<14} "
            f"{r.station:<12} {result}"
        )
        lines += [f"    - {d}" for d in r.defects]
        if r.note:
            lines.append(f"    Note: {r.note}")
    if not rows:
        lines.append("(no inspection in this period)")
    return lines


def export_inspection_log(
    ctx: Ctx, path: Path | str, first: date, last: date, *, pdf: bool = False
) -> int:
    """The inspection log as CSV, or as a PDF with both chains' heads in every page's
    footer (a filed paper copy anchors the ledger). Returns the number of inspections."""
    ctx.require(Permission.EXPORT, "print the inspection log")
    if last < first:
        raise ValidationError("The last day is before the first.")
    start, _ = _day_bounds(first, ctx.zone)
    _, end = _day_bounds(last, ctx.zone)
    with ctx.db.read() as session:
        rows = _log_rows(session, start, end)
        heads = heads_footer(
            recorded_head(session, CUSTODY) or (0, GENESIS),
            recorded_head(session, AUDIT) or (0, GENESIS),
        )
        agency = read_settings(session).agency_name
    target = Path(path)
    if pdf:
        title = f"{agency} dock inspection log {first:%Y-%m-%d} to {last:%Y-%m-%d}".strip()
        lines = [title, f"Printed {ctx.now().astimezone(ctx.zone):%Y-%m-%d %H:%M}", ""]
        write_pdf(target, lines + _log_lines(rows, ctx.zone), "Dock inspection log", heads)
    else:
        table: list[tuple[str, ...]] = [
            (
                r.at.isoformat(),
                r.dock,
                r.by,
                r.station,
                "ok" if r.passed else "defects",
                "; ".join(r.defects),
                r.note,
            )
            for r in rows
        ]
        # The footer, last: both chains' heads as the log was made.
        write_csv(target, LOG_COLUMNS, [*table, (heads,)])
    audit.record(
        ctx,
        AuditEvent.EXPORT,
        details={"what": "dock inspection log", "rows": len(rows), "file": target.name},
    )
    return len(rows)

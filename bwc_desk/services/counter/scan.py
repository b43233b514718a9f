"""Identifying a scan at the counter, and search-as-you-type."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bwc_desk.domain.errors import DomainError, NotFoundError
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.units import UnitAction, UnitStatus, transition
from bwc_desk.domain.values import normalize_scan
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter.alerts import MISSING, raise_missing_scanned
from bwc_desk.services.counter.common import (
    _label,
    _last_return,
    _officer,
    _unit,
    checkout_row,
    scan_rules,
)
from bwc_desk.services.counter.dto import ScanKind, ScanMatch
from bwc_desk.services.dto import OfficerRow, UnitRow
from bwc_desk.services.inventory import unit_row
from bwc_desk.services.officers import officer_rows
from bwc_desk.services.records import find_officer, find_unit
from bwc_desk.services.settings import read_settings
from bwc_desk.store import queries
from bwc_desk.store.models import Officer, Unit


def identify(ctx: Ctx, code: str) -> ScanMatch:
    """What a scan (or typed code) is: an officer's ID badge or a camera, with the agency's
    timing rules as they are now (the counter's ScanRouter decides with them)."""
    ctx.require(Permission.READ)
    value = normalize_scan(code)
    if not value:
        raise NotFoundError("The scan was empty. Scan again.")
    now = ctx.now()
    with ctx.db.read() as session:
        rules = scan_rules(read_settings(session))
        officer = find_officer(session, value)
        unit = find_unit(session, value)
        if officer is not None and unit is not None:
            raise DomainError(
                f"{value!r} matches both officer {_label(officer)} and camera {unit.asset_tag}. "
                "Type the badge number or the serial instead, and fix the duplicate code."
            )
        if officer is not None:
            return ScanMatch(
                ScanKind.OFFICER, officer=_officer(session, now, officer.id), rules=rules
            )
        if unit is not None:
            found = queries.open_checkout_for_unit(session, unit.id)
            row = checkout_row(found) if found is not None else None
            window = timedelta(seconds=rules.double_scan_seconds)
            back = None if row is not None else _last_return(session, unit.id)
            returned_at, returned_by, returned_station = back or (None, "", "")
            if row is not None:
                recent = now - row.issued_at < window
            else:
                recent = returned_at is not None and now - returned_at < window
            # (A camera returned a moment ago may be refused too: the router tells a double
            # scan first, from what this counter scanned before.)
            refusal = "" if row is not None else _refusal(unit)
            match = ScanMatch(
                ScanKind.UNIT,
                unit=_unit(session, unit.id),
                checkout=row,
                recent=recent,
                refusal=refusal,
                returned_at=returned_at,
                returned_by=returned_by,
                returned_station=returned_station,
                rules=rules,
            )
    if unit is not None:
        if unit.status in MISSING:
            raise_missing_scanned(ctx, unit.id, unit.asset_tag, unit.status, unit.status_reason)
        return match
    raise NotFoundError(
        f"Nothing matches {_shown(value)}: no officer badge and no camera asset tag or "
        "serial. Check the label and scan again."
    )


# A code longer than this is shown cut (a web address's QR code scanned by mistake would
# take the banner's third line and push the lists down).
SHOWN_CODE = 40


def _shown(value: str) -> str:
    """The code as said back: whole, or its start and how long it is."""
    if len(value) <= SHOWN_CODE:
        return repr(value)
    return f"{value[: SHOWN_CODE - 8]!r}... (a code of {len(value)} characters)"


def _refusal(unit: Unit) -> str:
    """Why a camera that is not out cannot go out, or ''."""
    status = UnitStatus(unit.status)
    if status is UnitStatus.AVAILABLE or status is UnitStatus.ISSUED:
        return ""
    why = f" ({unit.status_reason})" if unit.status_reason else ""
    if unit.status in MISSING:
        return (
            f"{unit.asset_tag} is {unit.status}{why}; it cannot be issued. Keep the camera "
            "here and hand it to a supervisor: an alert was raised for them."
        )
    try:
        transition(unit.asset_tag, status, UnitAction.ISSUE)
    except DomainError as exc:
        return str(exc)
    return ""  # pragma: no cover - every other status is refused above


# Search-as-you-type lists at most this many officers and this many cameras.
SEARCH_LIMIT = 20


def search(ctx: Ctx, text: str, limit: int = SEARCH_LIMIT) -> list[OfficerRow | UnitRow]:
    """Search-as-you-type at the counter: officers by name or badge, units by partial tag."""
    ctx.require(Permission.READ)
    needle = normalize_scan(text)
    if len(needle) < 2:
        return []
    pattern = f"%{needle.lower()}%"
    now = ctx.now()
    with ctx.db.read() as session:
        officer_ids = (
            session.execute(
                select(Officer.id)
                .where(
                    Officer.active.is_(True),
                    func.lower(Officer.last_name + " " + Officer.first_name).like(pattern)
                    | func.lower(Officer.first_name + " " + Officer.last_name).like(pattern)
                    # (as the app shows a name: "Smith, John")
                    | func.lower(Officer.last_name + ", " + Officer.first_name).like(pattern)
                    | Officer.badge.like(f"{needle}%"),
                )
                .order_by(Officer.last_name, Officer.first_name)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        unit_ids = (
            session.execute(
                select(Unit.id)
                .where(
                    func.lower(Unit.asset_tag).like(pattern) | func.lower(Unit.serial).like(pattern)
                )
                .order_by(Unit.asset_tag)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        found: list[OfficerRow | UnitRow] = []
        if officer_ids:
            found.extend(officer_rows(session, now, list(officer_ids)))
        if unit_ids:
            found.extend(unit_row(r) for r in queries.unit_rows(session, list(unit_ids)))
        return found

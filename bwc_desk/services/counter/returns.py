"""Taking a camera back at the counter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bwc_desk.domain.durations import overdue_text
from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.units import UnitAction, UnitStatus, transition
from bwc_desk.domain.values import clean_text
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter.bays import docked_in, hold_bay
from bwc_desk.services.counter.common import (
    _label,
    _last_return,
    _open_checkout,
    _unit,
)
from bwc_desk.services.counter.dto import ReturnCondition, ReturnResult
from bwc_desk.services.counter.router import just_returned
from bwc_desk.services.records import get_unit, record
from bwc_desk.services.repairs import DAMAGED_RETURN, open_case_for_counter
from bwc_desk.services.settings import read_settings
from bwc_desk.store.models import Officer


def return_unit(ctx: Ctx, unit_code: str, condition: ReturnCondition | None = None) -> ReturnResult:
    """Take a camera back: one step; damaged puts it in repair."""
    actor = ctx.require(Permission.RETURN, "return cameras")
    condition = condition or ReturnCondition()
    now = ctx.now()
    with ctx.db.write() as session:
        settings = read_settings(session)
        unit = get_unit(session, unit_code, lock=True)
        checkout = _open_checkout(session, unit.id)
        if checkout is None:
            back = _last_return(session, unit.id)
            if back is not None and now - back[0] < timedelta(seconds=settings.double_scan_seconds):
                at, by, station = back
                text = just_returned(
                    unit.asset_tag,
                    at,
                    by,
                    station,
                    here=ctx.station,
                    clerk=actor.username,
                    zone=ctx.zone,
                )
                return ReturnResult(
                    text,
                    None,
                    _unit(session, unit.id),
                    duplicate=True,
                )
            raise DomainError(
                f"{unit.asset_tag} is {unit.status}, not out with an officer, so there is "
                "nothing to return. Scan the officer's badge first to issue it."
            )
        if now - checkout.issued_at < timedelta(seconds=settings.double_scan_seconds):
            return ReturnResult(
                f"{unit.asset_tag} was issued a moment ago (scanned twice); it was not returned.",
                None,
                _unit(session, unit.id),
                duplicate=True,
            )
        officer = session.get(Officer, checkout.officer_id)
        assert officer is not None
        unit.status = transition(unit.asset_tag, UnitStatus(unit.status), UnitAction.RETURN).value
        details: dict[str, Any] = {
            "issued_at": checkout.issued_at.isoformat(),
            "issued_seq": checkout.issued_seq,
            "damaged": condition.damaged,
            "accessory_missing": condition.accessory_missing,
        }
        note = clean_text(condition.note, "note", limit=1000)
        if note:
            details["note"] = note
        overdue = now > checkout.expected_return
        if overdue:
            details["overdue_minutes"] = int((now - checkout.expected_return).total_seconds() // 60)
        seq = record(
            ctx,
            session,
            actor,
            EventKind.RETURNED,
            unit,
            officer_id=officer.id,
            reason=note or None,
            details=details,
        )
        checkout.returned_at = now
        checkout.returned_seq = seq
        checkout.returned_by = actor.username
        in_repair = False
        if condition.damaged or condition.accessory_missing:
            defects = [
                t
                for flag, t in (
                    (condition.damaged, "damaged"),
                    (condition.accessory_missing, "accessory missing"),
                )
                if flag
            ]
            text = ", ".join(defects) + (f": {note}" if note else "")
            record(
                ctx,
                session,
                actor,
                EventKind.DEFECT_REPORTED,
                unit,
                officer_id=officer.id,
                reason=text,
            )
            if condition.damaged:
                unit.status = transition(
                    unit.asset_tag, UnitStatus(unit.status), UnitAction.REPAIR
                ).value
                unit.status_reason = "Returned damaged" + (f": {note}" if note else "")
                if condition.accessory_missing:
                    unit.status_reason += "; accessory missing"
                record(
                    ctx,
                    session,
                    actor,
                    EventKind.SENT_TO_REPAIR,
                    unit,
                    officer_id=officer.id,
                    reason=unit.status_reason,
                )
                open_case_for_counter(ctx, session, actor, unit, DAMAGED_RETURN, text)
                in_repair = True
        # A camera a dock sees already (docked before its return) is not sent to another bay.
        docked = "" if in_repair else docked_in(session, now, unit.id)
        bay = "" if in_repair or docked else hold_bay(session, now, unit.id, ctx.station)
        message = f"{unit.asset_tag} returned by {_label(officer)}"
        message += f", out since {checkout.issued_at.astimezone(ctx.zone):%a %H:%M}"
        late = overdue_text(now - checkout.expected_return)
        message += f", {late}." if late else "."
        if in_repair:
            message += f" {unit.status_reason}. It is now in repair; do not dock it."
        elif condition.accessory_missing:
            message += " Accessory missing" + (f": {note}." if note else ".")
        elif note:
            message += f" Note: {note}."
        elif docked:
            message += f" It is in {docked} already."
        elif bay:
            message += f" Put it in {bay}."
        return ReturnResult(
            message,
            seq,
            _unit(session, unit.id),
            _label(officer),
            checkout.issued_at,
            bay,
            in_repair,
            undo_window_seconds=settings.undo_window_seconds,
        )

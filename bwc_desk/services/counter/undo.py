"""Undo at the counter: a correcting event, never a deletion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bwc_desk.domain.durations import window_text
from bwc_desk.domain.errors import BusyError, DomainError, NotSignedIn, UnavailableError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.units import UnitAction, UnitStatus, transition
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter.bays import release_hold
from bwc_desk.services.counter.common import _open_checkout, _unit
from bwc_desk.services.counter.dto import UndoResult
from bwc_desk.services.counter.router import LastTransaction, undo_deadline
from bwc_desk.services.dto import person_name
from bwc_desk.services.records import record
from bwc_desk.services.repairs import withdraw_for_undo
from bwc_desk.services.settings import read_settings
from bwc_desk.store.models import Checkout, CustodyEvent, Officer, Unit


def undo(ctx: Ctx, seq: int) -> UndoResult:
    """Correct the issue or return recorded as ``seq`` within the undo window: a new
    correcting event, never a deletion, and the unit back in its state before."""
    actor = ctx.require(Permission.ISSUE, "undo a transaction")
    now = ctx.now()
    with ctx.db.write() as session:
        settings = read_settings(session)
        event = session.execute(
            select(CustodyEvent).where(CustodyEvent.seq == seq)
        ).scalar_one_or_none()
        if event is None or event.unit_id is None:
            raise DomainError("There is no transaction to undo.")
        if now - event.at > timedelta(seconds=settings.undo_window_seconds):
            raise DomainError(
                f"Undo is only possible within {window_text(settings.undo_window_seconds)}. "
                "Make the correction as a new transaction instead."
            )
        if event.staff_username != actor.username or event.station != ctx.station:
            raise DomainError(
                "Only the person who made a transaction can undo it, at the "
                "station where it was made."
            )
        already = (
            session.execute(select(CustodyEvent).where(CustodyEvent.corrects_seq == seq))
            .scalars()
            .first()
        )
        if already is not None:
            raise DomainError(f"That transaction was already undone (by {_by(ctx, already)}).")
        unit = session.get(Unit, event.unit_id)
        assert unit is not None
        if unit.last_event_seq is not None and unit.last_event_seq > seq:
            later = session.execute(
                select(CustodyEvent).where(CustodyEvent.seq == unit.last_event_seq)
            ).scalar_one()
            if not (
                event.kind == EventKind.RETURNED.value
                and later.kind in (EventKind.DEFECT_REPORTED.value, EventKind.SENT_TO_REPAIR.value)
            ):
                # (Named: at a counter of two stations, the other one's scan is the usual cause.)
                raise DomainError(
                    f"{unit.asset_tag} has changed since: {later.kind} at {later.station} by "
                    f"{_by(ctx, later, station=False)}; undo is no longer possible. Its "
                    "history shows what happened; make any correction as a new transaction."
                )
        if event.kind == EventKind.ISSUED.value:
            checkout = _open_checkout(session, unit.id)
            if checkout is None or checkout.issued_seq != seq:
                raise DomainError(f"{unit.asset_tag} is no longer out on that issue.")
            unit.status = transition(
                unit.asset_tag, UnitStatus(unit.status), UnitAction.UNDO_ISSUE
            ).value
            new_seq = record(
                ctx,
                session,
                actor,
                EventKind.CORRECTION,
                unit,
                officer_id=event.officer_id,
                reason="undo issue",
                details={"undoes": event.kind},
                corrects_seq=seq,
            )
            checkout.returned_at = now
            checkout.returned_seq = new_seq
            checkout.returned_by = actor.username
            checkout.voided = True
            message = f"Undone: {unit.asset_tag} is back on the shelf, not issued."
        elif event.kind == EventKind.RETURNED.value:
            checkout = session.execute(
                select(Checkout).where(Checkout.returned_seq == seq)
            ).scalar_one_or_none()
            if checkout is None:
                raise DomainError(f"The issue of {unit.asset_tag} cannot be re-opened.")
            unit.status = transition(
                unit.asset_tag, UnitStatus(unit.status), UnitAction.UNDO_RETURN
            ).value
            release_hold(session, unit.id)
            withdraw_for_undo(ctx, session, actor, unit)
            unit.status_reason = ""
            new_seq = record(
                ctx,
                session,
                actor,
                EventKind.CORRECTION,
                unit,
                officer_id=event.officer_id,
                reason="undo return",
                details={"undoes": event.kind},
                corrects_seq=seq,
            )
            try:
                with session.begin_nested():
                    session.execute(
                        update(Checkout)
                        .where(Checkout.id == checkout.id)
                        .values(returned_at=None, returned_seq=None, returned_by=None)
                    )
            except IntegrityError:
                raise DomainError(
                    f"{unit.asset_tag} cannot be re-opened: it or its officer has another "
                    "open issue now."
                ) from None
            officer = session.get(Officer, event.officer_id) if event.officer_id else None
            who = (
                f"{person_name(officer.last_name, officer.first_name)} ({officer.badge})"
                if officer is not None
                else "the officer"
            )
            message = f"Undone: {unit.asset_tag} is out with {who} again."
        else:
            raise DomainError(f"A {event.kind} record cannot be undone here.")
        return UndoResult(message, new_seq, _unit(session, unit.id))


def _by(ctx: Ctx, event: CustodyEvent, station: bool = True) -> str:
    """Who made ``event``, where and when (the counter's local time)."""
    where = f" at {event.station}" if station else ""
    return f"{event.staff_username}{where}, {event.at.astimezone(ctx.zone):%H:%M}"


@dataclass(frozen=True, slots=True)
class UndoRefused:
    """A press of "Undo last" that undid nothing: what the banner and This session say, and
    whether the transaction may never be undone here now (``final``: the button greys out)
    or may be once more (a server away, a busy database: the button stays for a retry)."""

    text: str
    log: str
    final: bool
    outage: bool = False  # the database server cannot be reached


def undo_refused(exc: BaseException, last: LastTransaction, now: datetime) -> UndoRefused:
    """What a refused undo of ``last`` means at ``now``. A rule that said no (the window
    closed, the camera changed since at another station, already undone, not this person's)
    says so for good; only an outage, a busy database or the unexpected leave a retry."""
    tag = last.asset_tag
    head = f"Undo of {tag}: not done."
    deadline = undo_deadline(last)
    open_ = deadline is not None and now <= deadline
    closes = f"{deadline.astimezone():%H:%M}" if deadline is not None else ""
    stands = f"Nothing was undone: the last transaction of {tag} still stands."

    def retry(when: str) -> str:
        if not open_:
            return "The undo window has closed: make the correction as a new transaction."
        return (
            f"Press Undo (Ctrl+Z) again{when}, before the undo window closes at {closes}; "
            "after that, make the correction as a new transaction."
        )

    if isinstance(exc, UnavailableError):
        back = " once the banner says the database server answers again"
        return UndoRefused(
            f"{head} {stands} {retry(back)}\n{exc}",
            f"Undo of {tag}: not done, the database server cannot be reached"
            + (f" (undo again before {closes})" if open_ else ""),
            final=not open_,
            outage=True,
        )
    if isinstance(exc, BusyError | NotSignedIn):
        # (Busy: another station held the database; locked: nobody to undo it as, yet.)
        return UndoRefused(
            f"{head} {exc} {stands} {retry(' in a moment')}",
            f"{head} {exc}",
            final=not open_,
        )
    if isinstance(exc, DomainError):  # the rule's own words say what to do instead
        return UndoRefused(f"{head} {exc}", f"{head} {exc}", final=True)
    return UndoRefused(
        f"{head} Something went wrong: {exc}. {stands} {retry('')}",
        f"Undo of {tag}: something went wrong; nothing was undone",
        final=not open_,
    )

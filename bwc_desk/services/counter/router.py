"""What a scan means at the counter, decided in plain Python (no Qt, no database).

The view identifies a code (``identify``, on a worker), then asks ``route`` what to do with
it given the counter's state: whether an officer is selected, a camera is waiting for a badge,
end-of-shift mode is on, condition ticks wait for the next return, when the last
transaction was, and which camera (if any) this counter scanned just before. Every timing
rule comes from the agency's settings, carried by the match (``ScanMatch.rules``) or by the
last transaction (its undo window). The view executes the decision: it renders and
forwards, it does not decide.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from bwc_desk.domain.durations import window_text
from bwc_desk.services.counter.dto import ScanKind, ScanMatch, ScanRules
from bwc_desk.services.dto import OfficerRow

MISSING_STATUSES = ("lost", "stolen")


class Act(StrEnum):
    SELECT_OFFICER = "select officer"  # a badge, no camera waiting: "now scan the camera"
    ISSUE = "issue"  # plan the issue of ``unit`` to the officer (``officer`` if newly scanned)
    RETURN = "return"  # return ``unit`` now, with the pending condition ticks
    HOLD_CAMERA = "hold camera"  # a camera first: it waits for a badge
    SAY = "say"  # nothing changes; the banner says ``text`` (a repeated scan, a refusal)


class Tone(StrEnum):
    OK = "ok"
    NOTICE = "notice"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class LastTransaction:
    """This counter's last transaction, as its result said (seq None: nothing to undo)."""

    seq: int | None
    at: datetime
    undo_seconds: int
    asset_tag: str = ""


@dataclass(frozen=True, slots=True)
class CounterState:
    """What the counter holds when a scan arrives."""

    station: str
    officer: OfficerRow | None = None
    pending_unit: str | None = None
    end_of_shift: bool = False
    condition_pending: bool = False  # damaged / accessory ticks or a note not yet used
    last: LastTransaction | None = None
    # The camera (asset tag) this counter's scan before this one was; None when that was a
    # badge or anything else, or nothing was scanned here yet. Only the same camera twice
    # in a row is a double scan.
    previous_scan: str | None = None
    # The camera whose return the banner asked to confirm by scanning it again (it had been
    # issued moments before), or None.
    confirm_return: str | None = None
    # Who is signed in here (user name: "returned by you") and the agency's time zone.
    clerk: str = ""
    zone: tzinfo | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    act: Act
    tone: Tone = Tone.NOTICE
    text: str = ""
    unit: str = ""  # the camera's asset tag (ISSUE, RETURN, HOLD_CAMERA)
    officer: OfficerRow | None = None  # the officer who becomes the one at the counter
    # A line for "This session", or ''. Every SAY has one (nothing was done: the banner's
    # reason, which the next scan overwrites, stays in the list).
    log: str = ""
    refresh_alerts: bool = False  # a lost or stolen camera turned up: the alert list moves
    confirm_return: str = ""  # SAY: the next scan of this camera returns it
    # The camera that waited for a badge and no longer does: another camera was scanned
    # (one that waits instead, one that is out, one refused). ''; nothing waited, or it
    # still waits.
    released: str = ""


def route(state: CounterState, match: ScanMatch, now: datetime) -> Decision:
    """What this scan means at this counter now."""
    if match.kind is ScanKind.OFFICER:
        return _officer(state, match)
    return _unit(state, match, now)


def _officer(state: CounterState, match: ScanMatch) -> Decision:
    officer = match.officer
    assert officer is not None
    if state.end_of_shift:
        return Decision(
            Act.SAY,
            Tone.NOTICE,
            f"{officer.label}: end-of-shift mode takes cameras only. Scan the camera.",
            log=f"{officer.label}: a badge; end-of-shift mode takes cameras only",
        )
    if state.pending_unit is not None:
        return Decision(Act.ISSUE, unit=state.pending_unit, officer=officer)
    return Decision(
        Act.SELECT_OFFICER, Tone.OK, f"{officer.label}: now scan the camera.", officer=officer
    )


def _unit(state: CounterState, match: ScanMatch, now: datetime) -> Decision:
    """A camera scanned. A camera waiting for a badge is paired only with the next scan, if
    that is a badge: any other camera makes that one wait instead or lets it go, aloud, so a
    badge scanned later never issues a camera the clerk has put out of mind."""
    decision = _camera(state, match, now)
    before = state.pending_unit
    if before is None or decision.act is Act.ISSUE:
        return decision
    if decision.act is Act.HOLD_CAMERA:
        return decision if decision.unit == before else replace(decision, released=before)
    tag = decision.unit or (match.unit.asset_tag if match.unit is not None else "")
    if tag == before and match.checkout is None and not match.refusal:
        # The waiting camera scanned twice (returned at another counter a moment ago).
        return replace(
            decision,
            text=f"{decision.text} It still waits for a badge: scan the officer's ID badge.",
        )
    note = f"{before} no longer waits for a badge (put it back, or scan it again to issue it)."
    went = f"{before}: no longer waits for a badge ({tag} scanned)"
    return replace(
        decision,
        text=f"{decision.text} {note}" if decision.text else note,
        log=f"{decision.log}; {went}" if decision.log else went,
        released=before,
    )


def _camera(state: CounterState, match: ScanMatch, now: datetime) -> Decision:
    unit = match.unit
    assert unit is not None
    tag = unit.asset_tag
    rules = match.rules
    double = timedelta(seconds=rules.double_scan_seconds)
    out = match.checkout
    if out is not None:
        elsewhere = out.station != state.station
        since_issue = now - out.issued_at
        here = state.officer
        if (
            here is not None
            and out.officer_id != here.id
            and elsewhere
            and since_issue < timedelta(seconds=rules.race_seconds)
        ):
            # An officer waits here and another station issued this camera to someone else a
            # moment ago: both counters reached for it. An issue was meant; its rules refuse
            # it, naming who has it and where. (Later, scanning a camera that is out is its
            # return, whoever is at the counter.)
            return Decision(Act.ISSUE, unit=tag)
        if since_issue < double and elsewhere:
            return Decision(
                Act.SAY,
                Tone.ERROR,
                f"{tag} was just issued to {out.officer} at {out.station}. Nothing was changed. "
                "If it really is back already, scan it again in a few seconds to return it.",
                log=f"{tag}: just issued to {out.officer} at {out.station}",
            )
        if since_issue < double:
            return Decision(
                Act.SAY,
                Tone.NOTICE,
                f"{tag} was issued to {out.officer} a moment ago (scanned twice). "
                "Nothing was changed.",
                log=f"{tag}: scanned twice (issued to {out.officer} a moment ago)",
            )
        if since_issue < fresh_issue(rules) and state.confirm_return != tag:
            # Issued moments ago: a stray scan as the officer walks off with it would record
            # it back on the shelf. Its return is asked for once more.
            undo = (
                " To cancel the issue instead, press Ctrl+Z."
                if _undoable(state.last, tag, now)
                else ""
            )
            return Decision(
                Act.SAY,
                Tone.NOTICE,
                f"{tag} was issued to {out.officer} {_ago(since_issue)} ago at "
                f"{'this counter' if not elsewhere else out.station}. Nothing was changed. "
                f"To take it back now, scan it again.{undo}",
                confirm_return=tag,
                log=f"{tag}: issued to {out.officer} {_ago(since_issue)} ago; not returned "
                "unless scanned again",
            )
        return Decision(Act.RETURN, unit=tag)
    if (
        match.returned_at is not None
        and now - match.returned_at < double
        and (
            state.previous_scan == tag
            # (End-of-shift mode takes returns only: a camera back a moment ago is the same
            # camera scanned again, whatever came between.)
            or (state.end_of_shift and unit.status.value not in MISSING_STATUSES)
        )
    ):
        text = just_returned(
            tag,
            match.returned_at,
            match.returned_by,
            match.returned_station,
            here=state.station,
            clerk=state.clerk,
            zone=state.zone,
        )
        if state.condition_pending:
            text += " The condition ticks were not recorded with it; they wait for the next return"
            text += (
                f" (to record them with {tag}, undo with Ctrl+Z and scan it again)."
                if _undoable(state.last, tag, now)
                else "."
            )
        return Decision(
            Act.SAY, Tone.NOTICE, text, log=f"{tag}: scanned twice (returned a moment ago)"
        )
    if match.refusal:
        # Lost, stolen, in repair, retired: said at once, before any badge is asked for.
        waiting = f" (for {state.officer.label})" if state.officer is not None else ""
        return Decision(
            Act.SAY,
            Tone.ERROR,
            match.refusal + waiting,
            log=f"{tag}: {match.refusal}{waiting}",
            refresh_alerts=unit.status.value in MISSING_STATUSES,
        )
    if state.end_of_shift:
        return Decision(
            Act.SAY,
            Tone.ERROR,
            f"{tag} is {unit.status.value}, not out with an officer: nothing to return. "
            "Put it aside and carry on.",
            log=f"{tag}: not out with an officer, nothing to return",
        )
    if state.officer is None:
        before = state.pending_unit
        if before is not None and before != tag:
            # Never drop a scanned camera silently: the one waiting is replaced, aloud.
            return Decision(
                Act.HOLD_CAMERA,
                Tone.OK,
                f"{tag} is waiting for a badge now, instead of {before} (put {before} back). "
                "Now scan the officer's ID badge.",
                unit=tag,
                log=f"{before}: replaced by {tag} before a badge was scanned",
            )
        return Decision(
            Act.HOLD_CAMERA,
            Tone.OK,
            f"{tag} ({unit.status.value}): now scan the officer's ID badge.",
            unit=tag,
        )
    return Decision(Act.ISSUE, unit=tag)


def just_returned(
    tag: str,
    at: datetime,
    by: str,
    station: str,
    *,
    here: str,
    clerk: str,
    zone: tzinfo | None,
) -> str:
    """A camera returned a moment ago, scanned again: said as the issue's double scan is
    ("HPD-BWC-0068 was just returned by you at 17:39 (scanned twice)"), in the agency's
    time; ``by``/``station``: the return's ('': not known)."""
    when = f"{at.astimezone(zone):%H:%M}"
    if not by:
        who = f"at {when}"
    elif station and station != here:
        who = f"by {by} at {station} ({when})"
    else:
        who = f"by {'you' if by == clerk else by} at {when}"
    return f"{tag} was just returned {who} (scanned twice). Nothing was changed."


def fresh_issue(rules: ScanRules) -> timedelta:
    """How long after its issue a camera's return is confirmed by a second scan: the undo
    window (while the issue may still be undone), or, where the agency turned undo off, the
    window in which two counters reaching for one camera is a race."""
    return timedelta(seconds=rules.undo_seconds or rules.race_seconds)


def _ago(span: timedelta) -> str:
    seconds = max(int(span.total_seconds()), 1)
    if seconds < 120:
        return f"{seconds} s"
    return f"{seconds // 60} min"


# --- undo ------------------------------------------------------------------------------------
class UndoAct(StrEnum):
    NOTHING = "nothing"  # no transaction yet, or it was undone already
    UNDO = "undo"
    TOO_LATE = "too late"
    OFF = "off"  # the agency turned undo at the counter off (window 0)


@dataclass(frozen=True, slots=True)
class UndoDecision:
    act: UndoAct
    seq: int | None = None
    text: str = ""


def undo_deadline(last: LastTransaction | None) -> datetime | None:
    """Until when the last transaction may be undone (None: it may not)."""
    if last is None or last.seq is None or last.undo_seconds <= 0:
        return None
    return last.at + timedelta(seconds=last.undo_seconds)


def _undoable(last: LastTransaction | None, tag: str, now: datetime) -> bool:
    deadline = undo_deadline(last)
    return last is not None and last.asset_tag == tag and deadline is not None and now <= deadline


def can_undo(last: LastTransaction | None, now: datetime) -> bool:
    deadline = undo_deadline(last)
    return deadline is not None and now <= deadline


def decide_undo(last: LastTransaction | None, now: datetime) -> UndoDecision:
    """What "Undo last" does now."""
    if last is None:
        return UndoDecision(UndoAct.NOTHING)
    if last.undo_seconds <= 0:
        return UndoDecision(
            UndoAct.OFF,
            text="Undo at the counter is turned off in the agency's settings. Make the "
            "correction as a new transaction.",
        )
    if last.seq is None:
        return UndoDecision(UndoAct.NOTHING)
    if not can_undo(last, now):
        return UndoDecision(
            UndoAct.TOO_LATE,
            text=f"Undo is only possible within {window_text(last.undo_seconds)}. Make the "
            "correction as a new transaction.",
        )
    return UndoDecision(UndoAct.UNDO, seq=last.seq)

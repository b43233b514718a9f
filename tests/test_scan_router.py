"""The counter's ScanRouter: what a scan means given the counter's state, table by table, on a
fake clock; every window comes from the rules the match carries (the agency's settings)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bwc_desk.domain.units import UnitStatus
from bwc_desk.services.counter import ScanKind, ScanMatch, ScanRules
from bwc_desk.services.counter.router import (
    Act,
    CounterState,
    LastTransaction,
    Tone,
    UndoAct,
    can_undo,
    decide_undo,
    route,
    undo_deadline,
)
from bwc_desk.services.dto import CheckoutRow, OfficerRow, UnitRow


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
HERE, THERE = "COUNTER-1", "COUNTER-2"
SMITH = OfficerRow(1, "0412", "Smith", "John", "", "", "Day", True, "ID-0412")
JONES = OfficerRow(2, "0007", "Jones", "Ann", "", "", "Night", True, "ID-0007")
RULES = ScanRules(double_scan_seconds=5, race_seconds=60, undo_seconds=120)
TAG = "HPD-BWC-0001"


def unit(status: UnitStatus = UnitStatus.AVAILABLE, tag: str = "HPD-BWC-0001") -> UnitRow:
    return UnitRow(7, tag, "X60A0001", "Axon Body 4", "1.0", status)


def out(station: str, ago: float, officer: OfficerRow = JONES) -> CheckoutRow:
    issued = T0 - timedelta(seconds=ago)
    return CheckoutRow(
        3, 7, "HPD-BWC-0001", officer.id, officer.name, officer.badge, officer.shift,
        issued, issued + timedelta(hours=10), "quinn", station,
    )  # fmt: skip


def badge(officer: OfficerRow = SMITH, rules: ScanRules = RULES) -> ScanMatch:
    return ScanMatch(ScanKind.OFFICER, officer=officer, rules=rules)


def camera(
    status: UnitStatus = UnitStatus.AVAILABLE,
    checkout: CheckoutRow | None = None,
    returned_ago: float | None = None,
    refusal: str = "",
    rules: ScanRules = RULES,
    tag: str = "HPD-BWC-0001",
    by: str = "",
    station: str = "",
) -> ScanMatch:
    returned = None if returned_ago is None else T0 - timedelta(seconds=returned_ago)
    return ScanMatch(
        ScanKind.UNIT,
        unit=unit(status, tag),
        checkout=checkout,
        returned_at=returned,
        returned_by=by,
        returned_station=station,
        refusal=refusal,
        rules=rules,
    )


def counter(**kw: object) -> CounterState:
    return CounterState(HERE, **kw)  # type: ignore[arg-type]


LONG = ScanRules(double_scan_seconds=30, race_seconds=600, undo_seconds=600)
CASES = [
    # (name, state, match, act, tone, unit, words in the text)
    ("badge, nothing waiting", counter(), badge(), Act.SELECT_OFFICER, Tone.OK, "",
     "now scan the camera"),
    ("badge after a camera", counter(pending_unit="HPD-BWC-0009"), badge(), Act.ISSUE,
     Tone.NOTICE, "HPD-BWC-0009", ""),
    ("badge in end-of-shift mode", counter(end_of_shift=True), badge(), Act.SAY, Tone.NOTICE, "",
     "takes cameras only"),
    ("camera, no officer", counter(), camera(), Act.HOLD_CAMERA, Tone.OK, "HPD-BWC-0001",
     "now scan the officer"),
    ("camera replaces the waiting one", counter(pending_unit="HPD-BWC-0002"), camera(),
     Act.HOLD_CAMERA, Tone.OK, "HPD-BWC-0001", "instead of HPD-BWC-0002"),
    ("camera, officer selected", counter(officer=SMITH), camera(), Act.ISSUE, Tone.NOTICE,
     "HPD-BWC-0001", ""),
    ("camera out long ago: a return", counter(), camera(UnitStatus.ISSUED, out(HERE, 3600)),
     Act.RETURN, Tone.NOTICE, "HPD-BWC-0001", ""),
    ("camera out, officer waiting: still a return", counter(officer=SMITH),
     camera(UnitStatus.ISSUED, out(HERE, 3600)), Act.RETURN, Tone.NOTICE, "HPD-BWC-0001", ""),
    ("issued here a moment ago: scanned twice", counter(),
     camera(UnitStatus.ISSUED, out(HERE, 2)), Act.SAY, Tone.NOTICE, "", "scanned twice"),
    # Issued moments ago (within the undo window): a stray scan as the officer walks off
    # with it must not put it back on the shelf: the return is asked for once more.
    ("issued 6 s ago with a 5 s window: scan again to return it", counter(),
     camera(UnitStatus.ISSUED, out(HERE, 6)), Act.SAY, Tone.NOTICE, "",
     "To take it back now, scan it again."),
    ("issued 6 s ago, scanned again after the question: a return",
     counter(confirm_return=TAG), camera(UnitStatus.ISSUED, out(HERE, 6)), Act.RETURN,
     Tone.NOTICE, "HPD-BWC-0001", ""),
    ("issued 119 s ago with a 2-minute undo window: asked", counter(),
     camera(UnitStatus.ISSUED, out(HERE, 119)), Act.SAY, Tone.NOTICE, "", "scan it again"),
    ("issued 121 s ago with a 2-minute undo window: a return", counter(),
     camera(UnitStatus.ISSUED, out(HERE, 121)), Act.RETURN, Tone.NOTICE, "HPD-BWC-0001", ""),
    ("undo off: the race window (60 s) asks instead", counter(),
     camera(UnitStatus.ISSUED, out(HERE, 61), rules=replace(RULES, undo_seconds=0)),
     Act.RETURN, Tone.NOTICE, "HPD-BWC-0001", ""),
    ("undo off, issued 30 s ago: asked", counter(),
     camera(UnitStatus.ISSUED, out(HERE, 30), rules=replace(RULES, undo_seconds=0)),
     Act.SAY, Tone.NOTICE, "", "scan it again"),
    ("issued 6 s ago with a 30 s window: scanned twice", counter(),
     camera(UnitStatus.ISSUED, out(HERE, 6), rules=LONG), Act.SAY, Tone.NOTICE, "",
     "scanned twice"),
    ("issued elsewhere a moment ago", counter(), camera(UnitStatus.ISSUED, out(THERE, 2)),
     Act.SAY, Tone.ERROR, "", "at COUNTER-2"),
    ("race: another counter issued it while our officer waits", counter(officer=SMITH),
     camera(UnitStatus.ISSUED, out(THERE, 30)), Act.ISSUE, Tone.NOTICE, "HPD-BWC-0001", ""),
    ("race window over, issued a minute ago: its return asked for", counter(officer=SMITH),
     camera(UnitStatus.ISSUED, out(THERE, 61)), Act.SAY, Tone.NOTICE, "", "at COUNTER-2"),
    ("race window over, confirmed: a return", counter(officer=SMITH, confirm_return=TAG),
     camera(UnitStatus.ISSUED, out(THERE, 61)), Act.RETURN, Tone.NOTICE, "HPD-BWC-0001", ""),
    ("race window from the settings", counter(officer=SMITH),
     camera(UnitStatus.ISSUED, out(THERE, 61), rules=LONG), Act.ISSUE, Tone.NOTICE,
     "HPD-BWC-0001", ""),
    ("race window 0: a return (once confirmed)", counter(officer=SMITH, confirm_return=TAG),
     camera(UnitStatus.ISSUED, out(THERE, 30), rules=replace(RULES, race_seconds=0)),
     Act.RETURN, Tone.NOTICE, "HPD-BWC-0001", ""),
    ("the officer's own camera from elsewhere: a return (once confirmed)",
     counter(officer=JONES, confirm_return=TAG), camera(UnitStatus.ISSUED, out(THERE, 30)),
     Act.RETURN, Tone.NOTICE, "HPD-BWC-0001", ""),
    ("returned a moment ago", counter(previous_scan=TAG), camera(returned_ago=1), Act.SAY,
     Tone.NOTICE, "", "was just returned at"),
    ("returned a moment ago by this clerk", counter(previous_scan=TAG, clerk="quinn", zone=UTC),
     camera(returned_ago=1, by="quinn", station=HERE), Act.SAY, Tone.NOTICE, "",
     "HPD-BWC-0001 was just returned by you at 07:59 (scanned twice). Nothing was changed."),
    ("returned a moment ago by another clerk here", counter(previous_scan=TAG, clerk="quinn",
                                                            zone=UTC),
     camera(returned_ago=1, by="jordan", station=HERE), Act.SAY, Tone.NOTICE, "",
     "was just returned by jordan at 07:59 (scanned twice)"),
    # End-of-shift mode takes returns only: a camera back a moment ago is a double scan,
    # whatever came between (amber, as the issue's double scan; not "nothing to return").
    ("end of shift, returned 3 s ago, another camera in between: scanned twice",
     counter(end_of_shift=True, previous_scan="HPD-BWC-0002", clerk="quinn", zone=UTC),
     camera(returned_ago=3, by="quinn", station=HERE), Act.SAY, Tone.NOTICE, "",
     "HPD-BWC-0001 was just returned by you at 07:59 (scanned twice)"),
    ("end of shift, returned 3 s ago at another counter: scanned twice",
     counter(end_of_shift=True, clerk="quinn", zone=UTC),
     camera(returned_ago=3, by="jordan", station=THERE), Act.SAY, Tone.NOTICE, "",
     "was just returned by jordan at COUNTER-2 (07:59) (scanned twice)"),
    ("end of shift, returned 10 s ago with a 5 s window: nothing to return",
     counter(end_of_shift=True, previous_scan="HPD-BWC-0002", clerk="quinn", zone=UTC),
     camera(returned_ago=10, by="quinn", station=HERE), Act.SAY, Tone.ERROR, "",
     "nothing to return"),
    ("returned 10 s ago with a 5 s window: an issue", counter(officer=SMITH, previous_scan=TAG),
     camera(returned_ago=10), Act.ISSUE, Tone.NOTICE, "HPD-BWC-0001", ""),
    ("returned 10 s ago with a 30 s window: scanned twice",
     counter(officer=SMITH, previous_scan=TAG), camera(returned_ago=10, rules=LONG), Act.SAY,
     Tone.NOTICE, "", "scanned twice"),
    ("returned a moment ago with ticks waiting", counter(condition_pending=True, previous_scan=TAG),
     camera(returned_ago=1), Act.SAY, Tone.NOTICE, "", "wait for the next return."),
    # Only the same camera twice in a row is a double scan: a badge scanned in between (the
    # officer at the counter now) makes it an issue to that officer (the readiness check
    # then decides); another camera in between, or nothing scanned here before, likewise.
    ("returned a moment ago, a badge in between: an issue", counter(officer=JONES),
     camera(returned_ago=1), Act.ISSUE, Tone.NOTICE, "HPD-BWC-0001", ""),
    ("returned a moment ago, another camera in between: it waits for a badge",
     counter(previous_scan="HPD-BWC-0002", pending_unit="HPD-BWC-0002"), camera(returned_ago=1),
     Act.HOLD_CAMERA, Tone.OK, "HPD-BWC-0001", "instead of HPD-BWC-0002"),
    ("returned a moment ago at another counter: not a double scan here", counter(),
     camera(returned_ago=1), Act.HOLD_CAMERA, Tone.OK, "HPD-BWC-0001", "now scan the officer"),
    ("returned a moment ago in a repair: refused at once, not a double scan",
     counter(officer=JONES), camera(UnitStatus.IN_REPAIR, returned_ago=1,
                                    refusal="HPD-BWC-0001 is in repair."),
     Act.SAY, Tone.ERROR, "", "in repair"),
    ("retired, officer waiting", counter(officer=SMITH),
     camera(UnitStatus.RETIRED, refusal="HPD-BWC-0001 is retired; it cannot be issued."),
     Act.SAY, Tone.ERROR, "", "(for Smith, John (0412))"),
    ("stolen", counter(), camera(UnitStatus.STOLEN, refusal="HPD-BWC-0001 is stolen."),
     Act.SAY, Tone.ERROR, "", "is stolen"),
    ("end of shift, camera not out", counter(end_of_shift=True), camera(), Act.SAY, Tone.ERROR,
     "", "nothing to return"),
    ("end of shift, camera out", counter(end_of_shift=True),
     camera(UnitStatus.ISSUED, out(HERE, 3600)), Act.RETURN, Tone.NOTICE, "HPD-BWC-0001", ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("state", "match", "act", "tone", "tag", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_route(
    state: CounterState, match: ScanMatch, act: Act, tone: Tone, tag: str, words: str
) -> None:
    decision = route(state, match, T0)
    assert decision.act is act
    assert decision.tone is tone
    assert decision.unit == tag
    assert words in decision.text
    if act in (Act.SAY, Act.SELECT_OFFICER, Act.HOLD_CAMERA):
        assert decision.text  # the banner always says something


def test_a_badge_after_a_camera_selects_that_officer_for_the_issue() -> None:
    decision = route(counter(pending_unit="HPD-BWC-0009"), badge(JONES), T0)
    assert decision.officer == JONES and decision.unit == "HPD-BWC-0009"


def test_a_replaced_camera_is_logged_and_a_stolen_one_moves_the_alerts() -> None:
    replaced = route(counter(pending_unit="HPD-BWC-0002"), camera(), T0)
    assert replaced.log == "HPD-BWC-0002: replaced by HPD-BWC-0001 before a badge was scanned"
    stolen = route(counter(), camera(UnitStatus.STOLEN, refusal="stolen"), T0)
    assert stolen.refresh_alerts
    retired = route(counter(), camera(UnitStatus.RETIRED, refusal="retired"), T0)
    assert not retired.refresh_alerts and retired.log == "HPD-BWC-0001: retired"


def test_a_fresh_issue_scanned_again_offers_undo_where_this_counter_may_undo_it() -> None:
    last = LastTransaction(41, T0 - timedelta(seconds=6), 120, TAG)
    asked = route(counter(last=last), camera(UnitStatus.ISSUED, out(HERE, 6)), T0)
    assert asked.confirm_return == TAG and "press Ctrl+Z" in asked.text
    assert "Jones, Ann 6 s ago at this counter" in asked.text
    other = LastTransaction(42, T0 - timedelta(seconds=3), 120, "HPD-BWC-0002")
    asked = route(counter(last=other), camera(UnitStatus.ISSUED, out(HERE, 6)), T0)
    assert asked.confirm_return == TAG and "Ctrl+Z" not in asked.text
    # Anything else scanned between the question and the camera: asked again.
    assert route(counter(confirm_return="HPD-BWC-0002"),
                 camera(UnitStatus.ISSUED, out(HERE, 9)), T0).act is Act.SAY


def test_ticks_waiting_after_a_double_return_point_to_undo_while_it_is_possible() -> None:
    last = LastTransaction(41, T0 - timedelta(seconds=1), 120, "HPD-BWC-0001")
    state = counter(condition_pending=True, last=last, previous_scan=TAG)
    assert "undo with Ctrl+Z" in route(state, camera(returned_ago=1), T0).text
    off = counter(condition_pending=True, last=replace(last, undo_seconds=0), previous_scan=TAG)
    assert "Ctrl+Z" not in route(off, camera(returned_ago=1), T0).text


UNDO_CASES = [
    # (name, undo window from the settings, seconds later, what undo does)
    ("within 2 minutes", 120, 119, UndoAct.UNDO),
    ("at the edge", 120, 120, UndoAct.UNDO),
    ("after 2 minutes", 120, 121, UndoAct.TOO_LATE),
    ("30 s window, 20 s later", 30, 20, UndoAct.UNDO),
    ("30 s window, 31 s later", 30, 31, UndoAct.TOO_LATE),
    ("10 min window, 9 min later", 600, 540, UndoAct.UNDO),
    ("undo off", 0, 0, UndoAct.OFF),
]


@pytest.mark.parametrize(
    ("window", "later", "act"), [c[1:] for c in UNDO_CASES], ids=[c[0] for c in UNDO_CASES]
)
def test_undo_window(window: int, later: float, act: UndoAct) -> None:
    clock = FakeClock()
    last = LastTransaction(41, clock.now, window, "HPD-BWC-0001")
    decision = decide_undo(last, clock.advance(later))
    assert decision.act is act
    assert (decision.seq == 41) is (act is UndoAct.UNDO)
    assert can_undo(last, clock.now) is (act is UndoAct.UNDO)
    if act is UndoAct.TOO_LATE:
        assert "within" in decision.text and "new transaction" in decision.text
    if act is UndoAct.OFF:
        assert "turned off" in decision.text


def test_nothing_to_undo_before_a_transaction_or_after_an_undo() -> None:
    assert decide_undo(None, T0).act is UndoAct.NOTHING
    undone = LastTransaction(None, T0, 120)
    assert decide_undo(undone, T0).act is UndoAct.NOTHING
    assert undo_deadline(undone) is None


def test_the_deadline_follows_the_window() -> None:
    last = LastTransaction(41, T0, 30)
    assert undo_deadline(last) == T0 + timedelta(seconds=30)
    assert undo_deadline(replace(last, undo_seconds=0)) is None


def test_the_router_is_plain_python() -> None:
    """No Qt, no database: the router and the records it reads import neither."""
    import ast
    from pathlib import Path

    import bwc_desk.services.counter.dto as dto
    import bwc_desk.services.counter.router as router

    for module in (router, dto):
        tree = ast.parse(Path(str(module.__file__)).read_text())
        imported = {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        } | {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        forbidden = ("PySide6", "sqlalchemy", "bwc_desk.store", "bwc_desk.adapters", "bwc_desk.ui")
        assert not [name for name in imported if name.startswith(forbidden)], module.__name__


def test_every_scan_that_changes_nothing_leaves_a_line_for_this_session() -> None:
    """30 scans in a row at the end of a shift leave a complete trail: a refusal the next
    scan's banner overwrites is still in This session, with its reason."""
    for name, state, match, act, *_ in CASES:
        decision = route(state, match, T0)
        if act is Act.SAY:
            assert decision.log, name
    eos = counter(end_of_shift=True, previous_scan=TAG)
    badge_log = route(eos, badge(JONES), T0).log
    assert "Jones, Ann (0007)" in badge_log and "cameras only" in badge_log
    twice = route(eos, camera(returned_ago=1), T0).log
    assert twice.startswith(f"{TAG}:") and "scanned twice" in twice
    issued = route(eos, camera(UnitStatus.ISSUED, out(THERE, 2)), T0).log
    assert issued.startswith(f"{TAG}:") and "COUNTER-2" in issued


# --- a camera waiting for a badge, and the scans after it ----------------------------------------
WAITING = "HPD-BWC-0028"


@pytest.mark.parametrize(
    ("state", "match"),
    [case[1:3] for case in CASES
     if case[2].kind is ScanKind.UNIT and case[1].officer is None and not case[1].end_of_shift],
    ids=[case[0] for case in CASES
         if case[2].kind is ScanKind.UNIT and case[1].officer is None
         and not case[1].end_of_shift],
)  # fmt: skip
def test_any_other_camera_scanned_replaces_or_lets_go_the_waiting_one(
    state: CounterState, match: ScanMatch
) -> None:
    """A camera that waits for a badge is never paired with a badge scanned after another
    camera: that scan makes the new camera wait instead, or lets the waiting one go."""
    decision = route(replace(state, pending_unit=WAITING), match, T0)
    assert decision.released == WAITING
    if decision.act is Act.HOLD_CAMERA:
        assert decision.unit == TAG and f"instead of {WAITING}" in decision.text
    else:
        assert f"{WAITING} no longer waits for a badge" in decision.text
        assert "now scan the officer" not in decision.text
        assert WAITING in decision.log


def test_a_camera_out_scanned_while_one_waits_lets_it_go_and_says_so() -> None:
    """The tester's steps: a spare waits; a camera that is out is scanned (asked to confirm,
    then returned); the waiting spare is let go at the first of them, aloud."""
    waiting = counter(pending_unit=WAITING, previous_scan=WAITING)
    asked = route(waiting, camera(UnitStatus.ISSUED, out(HERE, 6)), T0)
    assert asked.act is Act.SAY and asked.confirm_return == TAG
    assert asked.released == WAITING
    assert f"{WAITING} no longer waits for a badge" in asked.text
    returned = route(waiting, camera(UnitStatus.ISSUED, out(HERE, 3600)), T0)
    assert returned.act is Act.RETURN and returned.unit == TAG
    assert returned.released == WAITING
    assert f"{WAITING} no longer waits for a badge" in returned.text
    assert returned.log.startswith(f"{WAITING}: no longer waits for a badge")
    stolen = route(waiting, camera(UnitStatus.STOLEN, refusal=f"{TAG} is stolen."), T0)
    assert stolen.released == WAITING and stolen.refresh_alerts


def test_nothing_waiting_or_the_same_camera_again_lets_nothing_go() -> None:
    assert route(counter(), camera(UnitStatus.ISSUED, out(HERE, 3600)), T0).released == ""
    assert route(counter(), camera(), T0).released == ""
    again = route(counter(pending_unit=TAG, previous_scan=TAG), camera(), T0)
    assert again.act is Act.HOLD_CAMERA and again.unit == TAG and again.released == ""
    # Returned at another counter a moment ago and scanned twice here: still the one waiting.
    twice = route(counter(pending_unit=TAG, previous_scan=TAG), camera(returned_ago=1), T0)
    assert twice.act is Act.SAY and twice.released == ""
    assert "still waits for a badge" in twice.text
    # A badge pairs the waiting camera (the only scan that uses it).
    assert route(counter(pending_unit=WAITING), badge(), T0).unit == WAITING

"""The real CounterTab's "Undo last" (Ctrl+Z) when the undo is refused: by a server that cannot
be reached (say so, keep the button for a retry, say when to press again), or by a rule (the
window closed, another station changed the camera, not this person's): each written in This
session, and the button greyed out when pressing again can never work. The clock is the
test's; nothing here waits on real time."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from bwc_desk.domain.errors import UnavailableError
from bwc_desk.domain.roles import Role
from bwc_desk.services import counter, settings
from tests.conftest import make_actor
from tests.test_services_counter import snapshot
from tests.test_ui_counter import banner, desk
from tests.test_ui_counter_rules import ctrl_z, issue_smiths_camera

__all__ = ["desk"]  # the fixture, shared with test_ui_counter

AWAY = (
    "The database server (db1) cannot be reached: nothing was written. BWC Desk keeps "
    "trying; check the network or ask the administrator."
)


def session_lines(tab) -> list[str]:
    """This session, newest first."""
    return [tab.session_list.item(i).text() for i in range(tab.session_list.count())]


def press_undo_refused(qtbot, tab) -> str:
    """Ctrl+Z, and the line This session gets for it."""
    before = tab.session_list.count()
    ctrl_z(qtbot, tab)
    qtbot.waitUntil(lambda: tab.session_list.count() > before, timeout=10_000)
    return session_lines(tab)[0]


def like_the_window(state) -> list[BaseException]:
    """What the main window does with an error a view reports: an outage starts its probe
    (state.database_unreachable), whose first success is database_back."""
    reported: list[BaseException] = []

    def handler(exc: BaseException) -> None:
        reported.append(exc)
        if isinstance(exc, UnavailableError):
            state.database_unreachable(exc)

    state.error_handler = handler
    return reported


def test_undo_in_an_outage_says_what_happened_and_what_to_do(qtbot, desk, monkeypatch):
    tab, qm, clock, state = desk["tab"], desk["qm"], desk["clock"], desk["state"]
    reported = like_the_window(state)
    issue_smiths_camera(qtbot, tab)
    closes = f"{(clock.now + timedelta(minutes=2)).astimezone():%H:%M}"
    real_undo = counter.undo

    def unreachable(*_a: object, **_k: object) -> object:
        raise UnavailableError(AWAY)

    monkeypatch.setattr(counter, "undo", unreachable)
    before = snapshot(qm)
    line = press_undo_refused(qtbot, tab)
    kind, text = banner(tab)
    assert kind == "error"
    assert re.match(r"\d\d:\d\d:\d\d Undo of HPD-BWC-0001: not done\.", text), text
    assert "Nothing was undone" in text and "still stands" in text
    assert (
        "Press Undo (Ctrl+Z) again" in text and f"before the undo window closes at {closes}" in text
    )
    assert "correction as a new transaction" in text and "cannot be reached" in text
    # This session keeps it, marked as not done.
    assert "NOT DONE" in line and "HPD-BWC-0001" in line and "cannot be reached" in line
    # Nothing changed, the window learnt of the outage, and the button waits for a retry.
    assert snapshot(qm) == before and [r.asset_tag for r in counter.out_now(qm)] == ["HPD-BWC-0001"]
    assert [type(e) for e in reported] == [UnavailableError] and state.database_away
    assert tab.undo_button.isEnabled()

    # The server answers again: the banner says so, and that Undo may be pressed again.
    monkeypatch.setattr(counter, "undo", real_undo)
    state.database_reachable()
    kind, text = banner(tab)
    assert kind == "idle" and "answers again" in text
    assert "Undo" in text and "HPD-BWC-0001" in text and closes in text
    assert "scan again what was not recorded ()" not in text  # (no scan was lost)
    clock.advance(seconds=30)
    ctrl_z(qtbot, tab)
    qtbot.waitUntil(lambda: "Undone" in banner(tab)[1], timeout=5000)
    assert counter.out_now(qm) == [] and not tab.undo_button.isEnabled()


def test_undo_in_an_outage_greys_out_when_the_window_closes(qtbot, desk, monkeypatch):
    tab, clock, state = desk["tab"], desk["clock"], desk["state"]
    like_the_window(state)
    issue_smiths_camera(qtbot, tab)

    def unreachable(*_a: object, **_k: object) -> object:
        raise UnavailableError(AWAY)

    monkeypatch.setattr(counter, "undo", unreachable)
    press_undo_refused(qtbot, tab)
    assert tab.undo_button.isEnabled() and tab.undo_control.timer.isActive()
    clock.advance(minutes=3)
    tab.undo_control.timer.timeout.emit()  # the timer's moment, without waiting
    assert not tab.undo_button.isEnabled()
    state.database_reachable()  # too late now: the banner says to make a correction
    assert "correction" in banner(tab)[1] and "Undo (Ctrl+Z) again" not in banner(tab)[1]


def test_undo_of_a_camera_another_station_returned_is_refused_for_good(qtbot, desk):
    tab, qm, clock = desk["tab"], desk["qm"], desk["clock"]
    issue_smiths_camera(qtbot, tab)
    clock.advance(seconds=10)  # past the double scan, within the undo window
    other = replace(qm, station="DESK-2")
    counter.return_unit(other, "HPD-BWC-0001")  # returned at the other counter
    before = snapshot(qm)
    line = press_undo_refused(qtbot, tab)
    kind, text = banner(tab)
    assert kind == "error" and "no longer possible" in text and "HPD-BWC-0001" in text
    assert "NOT DONE" in line and "no longer possible" in line
    assert snapshot(qm) == before
    assert not tab.undo_button.isEnabled()  # pressing again can never work
    count = tab.session_list.count()
    ctrl_z(qtbot, tab)  # (the keys still pressed: nothing more happens, nothing is written)
    assert snapshot(qm) == before and tab.session_list.count() == count


def test_undo_already_done_elsewhere_is_refused_for_good(qtbot, desk):
    tab, qm, clock = desk["tab"], desk["qm"], desk["clock"]
    issue_smiths_camera(qtbot, tab)
    clock.advance(seconds=10)
    seq = tab.undo_control.last.seq
    counter.undo(qm, seq)  # (the same person, in another window of this station)
    line = press_undo_refused(qtbot, tab)
    assert "already undone" in banner(tab)[1] and "already undone" in line
    assert "NOT DONE" in line and not tab.undo_button.isEnabled()


def test_undo_past_the_agencys_window_changed_meanwhile_is_refused_for_good(qtbot, desk):
    tab, clock = desk["tab"], desk["clock"]
    issue_smiths_camera(qtbot, tab)  # undoable for the 2 minutes its result said
    settings.change_settings(desk["admin"], {"undo_window_seconds": 30})
    clock.advance(seconds=40)
    assert tab.undo_button.isEnabled()
    line = press_undo_refused(qtbot, tab)
    assert "only possible within 30 seconds" in banner(tab)[1]
    assert "NOT DONE" in line and "only possible within 30 seconds" in line
    assert not tab.undo_button.isEnabled()


def test_another_person_signed_in_is_not_offered_the_undo(qtbot, desk):
    # (Once offered, then refused by the service: "Only the person who made a transaction
    # can undo it". The counter forgets the transaction when someone else signs in.)
    tab, state, qm = desk["tab"], desk["state"], desk["qm"]
    issue_smiths_camera(qtbot, tab)
    sam = make_actor(desk["admin"], Role.SUPERVISOR, "sam2")
    state.set_actor(sam.actor)  # another staff member signs in at this station
    assert not tab.undo_button.isEnabled()
    before, count = snapshot(qm), tab.session_list.count()
    ctrl_z(qtbot, tab)
    kind, text = banner(tab)
    assert kind == "notice" and text.startswith("Nothing to undo"), text
    assert snapshot(qm) == before and tab.session_list.count() == count
    assert [r.asset_tag for r in counter.out_now(qm)] == ["HPD-BWC-0001"]


def test_undo_after_the_window_closed_is_written_in_this_session(qtbot, desk):
    tab, clock = desk["tab"], desk["clock"]
    settings.change_settings(desk["admin"], {"undo_window_seconds": 30})
    issue_smiths_camera(qtbot, tab)
    clock.advance(seconds=31)
    count = tab.session_list.count()
    ctrl_z(qtbot, tab)  # (refused here, before any write)
    assert "only possible within 30 seconds" in banner(tab)[1]
    assert tab.session_list.count() == count + 1
    line = session_lines(tab)[0]
    assert "NOT DONE" in line and "HPD-BWC-0001" in line and "30 seconds" in line
    assert not tab.undo_button.isEnabled()


def test_an_undo_under_way_is_said_and_what_comes_meanwhile_waits_its_turn(
    qtbot, desk, monkeypatch
):
    """A tester's undo took 30 s on the large agency, with nothing said: a second Ctrl+Z was
    refused ("only within 10 seconds") while the first was still running and landed later,
    and scans meanwhile went by unanswered. Now the banner says the undo is under way, a
    second Ctrl+Z does nothing, and a scan meanwhile is handled after the undo's answer."""
    import threading

    from tests.test_ui_counter import scan

    tab, qm = desk["tab"], desk["qm"]
    issue_smiths_camera(qtbot, tab)
    real_undo = counter.undo
    release = threading.Event()
    calls: list[int] = []

    def slow_undo(ctx, seq):  # type: ignore[no-untyped-def]
        calls.append(seq)
        release.wait(10)
        return real_undo(ctx, seq)

    monkeypatch.setattr(counter, "undo", slow_undo)
    ctrl_z(qtbot, tab)
    qtbot.waitUntil(lambda: calls != [], timeout=5000)
    _kind, text = banner(tab)
    assert "Undoing HPD-BWC-0001" in text, text
    ctrl_z(qtbot, tab)  # pressed again while it runs: nothing more
    assert banner(tab)[1] == text and len(calls) == 1
    scan(qtbot, tab, "ID-0007", wait=False)  # Jones comes to the counter meanwhile
    assert tab.officer is None or tab.officer.badge != "0007"  # (not before the undo's answer)
    release.set()
    qtbot.waitUntil(lambda: tab.officer is not None and tab.officer.badge == "0007",
                    timeout=10_000)
    assert calls and len(calls) == 1
    assert [r.asset_tag for r in counter.out_now(qm)] == []
    assert any("Undone: HPD-BWC-0001" in line for line in session_lines(tab))

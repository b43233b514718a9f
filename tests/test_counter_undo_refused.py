"""A press of "Undo last" the database refused: what the counter says of it, and whether the
transaction may still be undone (a server away: press again) or never (the rule said no).
Plain Python over services.counter.undo.undo_refused; the clock is the test's."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bwc_desk.domain.errors import (
    BusyError,
    DomainError,
    NotSignedIn,
    PermissionDenied,
    UnavailableError,
)
from bwc_desk.services import counter
from bwc_desk.services.counter.router import LastTransaction
from bwc_desk.services.counter.undo import undo_refused
from tests.test_services_counter import OK, room

__all__ = ["room"]  # the fixture, shared with test_services_counter

AT = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)
LAST = LastTransaction(41, AT, 120, "HPD-BWC-0001")
AWAY = (
    "The database server (db1) cannot be reached: nothing was written. BWC Desk keeps "
    "trying; check the network or ask the administrator."
)


def _closes() -> str:
    return f"{(AT + timedelta(seconds=120)).astimezone():%H:%M}"


def test_an_outage_says_nothing_was_undone_and_until_when_to_press_again():
    refused = undo_refused(UnavailableError(AWAY), LAST, AT + timedelta(seconds=20))
    assert refused.outage and not refused.final
    text = refused.text
    assert text.startswith("Undo of HPD-BWC-0001: not done.")
    assert "Nothing was undone" in text and "still stands" in text
    assert "Press Undo (Ctrl+Z) again" in text and "server answers again" in text
    assert f"before the undo window closes at {_closes()}" in text
    assert "correction as a new transaction" in text
    assert text.endswith(AWAY)  # the store's words kept, as a scan's outage keeps them
    assert "HPD-BWC-0001" in refused.log and "cannot be reached" in refused.log
    assert _closes() in refused.log


def test_an_outage_after_the_window_closed_is_final():
    refused = undo_refused(UnavailableError(AWAY), LAST, AT + timedelta(seconds=121))
    assert refused.outage and refused.final
    assert (
        "Undo (Ctrl+Z) again" not in refused.text
        and "correction as a new transaction" in refused.text
    )


def test_a_busy_database_may_be_tried_again():
    busy = BusyError("The shared database kept this station waiting too long; nothing was written.")
    refused = undo_refused(busy, LAST, AT + timedelta(seconds=20))
    assert not refused.final and not refused.outage
    assert "Nothing was undone" in refused.text and _closes() in refused.text


@pytest.mark.parametrize(
    "exc",
    [
        DomainError("That transaction was already undone."),
        DomainError("HPD-BWC-0001 has changed since (returned); undo is no longer possible."),
        DomainError(
            "Undo is only possible within 30 seconds. Make the correction as a new "
            "transaction instead."
        ),
        PermissionDenied("Ann is signed in as auditor; only counter staff may undo."),
    ],
)
def test_a_rule_that_said_no_is_final(exc):
    refused = undo_refused(exc, LAST, AT + timedelta(seconds=20))
    assert refused.final and not refused.outage
    assert refused.text == f"Undo of HPD-BWC-0001: not done. {exc}"
    assert refused.log == refused.text


def test_the_lock_is_not_a_verdict_on_the_transaction():
    refused = undo_refused(NotSignedIn("Sign in first."), LAST, AT + timedelta(seconds=20))
    assert not refused.final


def test_something_unexpected_leaves_the_transaction_undoable():
    refused = undo_refused(RuntimeError("disk on fire"), LAST, AT + timedelta(seconds=20))
    assert not refused.final and not refused.outage
    assert "Nothing was undone" in refused.text and "disk on fire" in refused.text


# --- the service's own refusals name what happened, and where -------------------------------
def test_undo_after_another_station_returned_the_camera_names_it(room):
    qm, smith, clock = room["qm"], room["smith"], room["clock"]
    issued = counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    clock.advance(seconds=10)
    counter.return_unit(replace(qm, station="DESK-2"), "HPD-BWC-0001")
    at = f"{clock.now.astimezone(qm.zone):%H:%M}"
    with pytest.raises(DomainError) as refused:
        counter.undo(qm, issued.seq)
    text = str(refused.value)
    assert text.startswith("HPD-BWC-0001 has changed since: returned at DESK-2 by quinn")
    assert at in text and "no longer possible" in text


def test_undo_of_an_undone_transaction_says_where_it_was_undone(room):
    qm, smith, clock = room["qm"], room["smith"], room["clock"]
    issued = counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    clock.advance(seconds=10)
    counter.undo(qm, issued.seq)
    with pytest.raises(DomainError, match=r"already undone \(by quinn at DESK-1, \d\d:\d\d\)"):
        counter.undo(qm, issued.seq)

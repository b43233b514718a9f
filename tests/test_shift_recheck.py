"""A proposal under review while another station changes the database: the rows the change
touched are checked again and say what changed, who did it, where and when; the commit still
refuses all or nothing, and its refusal names the cameras and what changed."""

from __future__ import annotations

import pytest

from bwc_desk.services import assignments, counter, shift_change
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.shift_change import ProposalRefused
from bwc_desk.services.startup import open_database
from tests import test_shift_change as sc
from tests.test_shift_change import snapshot

station = sc.station  # the service tests' fixture

pytestmark = pytest.mark.both_backends


@pytest.fixture
def station_b(db_url, station):
    """Another station on the same database: its own engine, its own name."""
    other = open_database(db_url).db
    qm, sup = station["qm"], station["sup"]
    yield {
        "qm": Ctx(other, "DESK-2", qm.actor, qm.clock, qm.zone),
        "sup": Ctx(other, "DESK-2", sup.actor, sup.clock, sup.zone),
    }
    other.dispose()


def test_a_recheck_names_what_another_station_changed(station, station_b, clock):
    sup, o, ids = station["sup"], station["o"], station["ids"]
    proposal = shift_change.propose_reassignment(sup, "Day", "Evening")  # station A
    moves = [m.move() for m in proposal.moves]
    assert shift_change.recheck_proposal(sup, moves) == ()  # nothing changed yet
    # Station B, ten minutes later (06:55 UTC, 01:55 in New York): Baker takes his camera
    # out, and Davis's camera goes to Irwin.
    clock.advance(minutes=10)
    counter.issue_unit(station_b["qm"], o["d2"].id, "HPD-BWC-0002",
                       function_test=FunctionTest())
    assignments.assign_primary(station_b["sup"], "HPD-BWC-0004", o["n1"].id)
    before = snapshot(sup)
    problems = dict(shift_change.recheck_proposal(sup, moves))  # station A checks again
    assert snapshot(sup) == before  # (a check writes nothing)
    assert sorted(problems) == sorted([ids["HPD-BWC-0002"], ids["HPD-BWC-0004"]])
    assert problems[ids["HPD-BWC-0002"]] == (
        "HPD-BWC-0002 was issued to Baker, Pat (1002) at DESK-2 at 01:55 since this proposal "
        "was made: take it out or make the proposal again"
    )
    assert problems[ids["HPD-BWC-0004"]].startswith(
        "HPD-BWC-0004 is no longer the primary camera of Davis, Pat (1004) "
        "(now: Irwin, Pat (3001); changed by sam at DESK-2 at 01:55)"
    )
    assert problems[ids["HPD-BWC-0004"]].endswith("take it out or make the proposal again")
    # The commit still refuses all or nothing, naming the cameras and what changed.
    with pytest.raises(ProposalRefused) as caught:
        shift_change.commit_reassignment(sup, moves, proposal.reason)
    assert snapshot(sup) == before
    text = str(caught.value)
    assert "\nHPD-BWC-0002 was issued to Baker, Pat (1002) at DESK-2 at 01:55" in text
    assert "\nHPD-BWC-0004 is no longer the primary camera of Davis, Pat (1004)" in text
    assert "changed by sam at DESK-2 at 01:55" in text
    assert "HPD-BWC-0001" not in text


def test_a_recheck_of_no_rows_and_by_whom(station):
    assert shift_change.recheck_proposal(station["sup"], []) == ()
    nobody = station["sup"].as_actor(None)
    from bwc_desk.domain.errors import DomainError

    with pytest.raises(DomainError):
        shift_change.recheck_proposal(nobody, [])

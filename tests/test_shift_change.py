"""Shift change at the service level: the board, the proposal and its pairing rule, and the
commit that applies every move or none."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import func, insert, select

from bwc_desk.domain.errors import DomainError, PermissionDenied, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.shifts import DEFAULT_SHIFTS, ShiftSpec
from bwc_desk.services import assignments, counter, inventory, officers, shift_change, verify
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.services.reassignment import _Source
from bwc_desk.services.shift_change import (
    Candidate,
    Move,
    ProposalRefused,
    ReadyKind,
    handover_at,
    pair_units,
)
from bwc_desk.store.models import Checkout, CustodyEvent, Officer, Unit

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)


def snapshot(ctx):
    with ctx.db.read() as s:
        return (
            s.execute(select(func.count()).select_from(CustodyEvent)).scalar_one(),
            s.execute(select(func.count()).select_from(Checkout)).scalar_one(),
            tuple(s.execute(select(Unit.asset_tag, Unit.status, Unit.primary_officer_id,
                                   Unit.pool_id).order_by(Unit.id)).all()),
            tuple(s.execute(select(Officer.badge, Officer.active).order_by(Officer.id)).all()),
        )


def put_in_bay(ctx, tag, battery):
    """A dock reports the unit in a bay at ``battery`` % (how the readiness gate learns)."""
    from bwc_desk.store import models

    with ctx.db.write() as s:
        unit_id = s.execute(select(Unit.id).where(Unit.asset_tag == tag)).scalar_one()
        dock_id = s.execute(insert(models.Dock).values(
            name="DOCK-A", bays=8, location="", station="", error_count=0, last_error="",
            last_seen_at=ctx.now())).inserted_primary_key[0]
        values = dict(battery=battery, charging=True, files_done=1, files_total=1, bytes_done=5,
                      bytes_total=5, updating=False, error=None)
        s.execute(insert(models.Bay).values(dock_id=dock_id, bay_no=1, serial=tag,
                                            unit_id=unit_id, reported_at=ctx.now(), **values))
        reading = getattr(models, "UnitReading", None)
        if reading is not None:  # the last known state, kept after the unit leaves the bay
            s.execute(insert(reading).values(unit_id=unit_id, dock="DOCK-A", bay_no=1,
                                             in_bay=True, reported_at=ctx.now(), **values))


@pytest.fixture
def station(admin_ctx, sup_ctx, qm_ctx):
    """Day officers (outgoing) with primary cameras, Evening officers (incoming) mostly
    without, a spare, pools, a unit out and one not ready."""
    add = lambda badge, last, division, shift: officers.add_officer(  # noqa: E731
        admin_ctx, OfficerInput(badge, last, "Pat", "Officer", division, shift))
    o = {
        "d1": add("1001", "Adams", "Patrol", "Day"),
        "d2": add("1002", "Baker", "Traffic", "Day"),
        "d3": add("1003", "Clark", "Patrol", "Day"),
        "d4": add("1004", "Davis", "Patrol", "Day"),
        "e1": add("2001", "Evans", "Traffic", "Evening"),
        "e2": add("2002", "Ford", "Patrol", "Evening"),
        "e3": add("2003", "Gray", "Patrol", "Evening"),
        "e4": add("2004", "Hall", "Detectives", "Evening"),
        "n1": add("3001", "Irwin", "Patrol", "Night"),
    }
    for i in range(1, 11):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-{i:04d}", f"SER{i:04d}"))
    for tag, key in (("0001", "d1"), ("0002", "d2"), ("0003", "d3"), ("0004", "d4"),
                     ("0005", "e3"), ("0006", "n1")):
        assignments.assign_primary(sup_ctx, f"HPD-BWC-{tag}", o[key].id)
    evening = assignments.create_pool(sup_ctx, "Evening pool", shift="Evening")
    night = assignments.create_pool(sup_ctx, "Night pool", shift="Night")
    ids = {u.asset_tag: u.id for u in inventory.list_units(sup_ctx)}
    assignments.put_in_pool(sup_ctx, [ids["HPD-BWC-0007"]], evening.id)
    assignments.put_in_pool(sup_ctx, [ids["HPD-BWC-0008"]], night.id)
    # Clark (Day) still has his camera out; the spare 0009 sits in a dock at 40 %.
    counter.issue_unit(qm_ctx, o["d3"].id, "HPD-BWC-0003", function_test=FunctionTest())
    put_in_bay(qm_ctx, "HPD-BWC-0009", 40)
    return {"sup": sup_ctx, "qm": qm_ctx, "admin": admin_ctx, "o": o, "ids": ids}


def test_the_handover_around_now():
    from zoneinfo import ZoneInfo

    ny = ZoneInfo("America/New_York")
    at = lambda h, m=0: datetime(2026, 11, 24, h, m, tzinfo=ny).astimezone(UTC)  # noqa: E731
    assert handover_at(DEFAULT_SHIFTS, at(14, 20), ny) == ("Day", "Evening")
    assert handover_at(DEFAULT_SHIFTS, at(15, 40), ny) == ("Day", "Evening")
    assert handover_at(DEFAULT_SHIFTS, at(22, 10), ny) == ("Evening", "Night")
    assert handover_at(DEFAULT_SHIFTS, at(1, 45), ny) == ("Evening", "Night")
    assert handover_at(DEFAULT_SHIFTS, at(6, 30), ny) == ("Night", "Day")
    two = [ShiftSpec("A", time(6), time(18)), ShiftSpec("B", time(18), time(6))]
    assert handover_at(two, at(17, 30), ny) == ("A", "B")
    assert handover_at([], at(12), ny) == ("", "")


def test_shift_choices_follow_the_clock(station):
    # The test clock is 01:45 in New York: the Night shift came on at 23:00.
    choices = shift_change.shift_choices(station["qm"])
    assert choices.names == ("Day", "Evening", "Night")
    assert (choices.outgoing, choices.incoming) == ("Evening", "Night")


def src(tag, division, officer_id=1):
    return _Source(int(tag[-2:]), tag, officer_id, f"officer {officer_id}", division)


def test_pairing_same_division_first_then_any():
    units = [src("U01", "Patrol"), src("U02", "Traffic"), src("U03", "Patrol"),
             src("U04", "K9"), src("U05", "")]
    people = [Candidate(1, "Able", "Traffic"), Candidate(2, "Bell", "Detectives"),
              Candidate(3, "Cole", "Patrol"), Candidate(4, "Dunn", "")]
    pairs = [(u.asset_tag, o.label) for u, o in pair_units(units, people)]
    # Pass 1: U01 -> Cole (Patrol), U02 -> Able (Traffic); U03 finds no Patrol officer left.
    # Pass 2: U03, U04, U05 in order to Bell, Dunn, then nobody is left for U05.
    assert pairs == [("U01", "Cole"), ("U02", "Able"), ("U03", "Bell"), ("U04", "Dunn")]
    assert pair_units(units, []) == [] and pair_units([], people) == []


def test_the_board(station):
    o, qm = station["o"], station["qm"]
    board = shift_change.board(qm, "Day", "Evening")
    assert [(c.asset_tag, c.officer_id) for c in board.still_out] == [("HPD-BWC-0003",
                                                                         o["d3"].id)]
    units = {u.asset_tag: u for u in board.units}
    # Gray's own camera, the Evening pool's, the spare 0010; not Day's, not the Night pool's.
    assert {t for t, u in units.items() if u.ready} == {"HPD-BWC-0005", "HPD-BWC-0007",
                                                        "HPD-BWC-0010"}
    assert units["HPD-BWC-0005"].kind == ReadyKind.PRIMARY
    assert units["HPD-BWC-0005"].assignee == "Primary of Gray, Pat (2003)"
    assert units["HPD-BWC-0007"].assignee == "Pool: Evening pool"
    assert units["HPD-BWC-0010"].assignee == "Spare"
    held = units["HPD-BWC-0009"]
    assert not held.ready and "battery 40 %" in held.not_ready
    assert board.ready_count == 3 and board.units[-1].asset_tag == "HPD-BWC-0009"
    assert [x.badge for x in board.incoming_officers] == ["2001", "2002", "2003", "2004"]


def test_a_deactivated_officer_is_not_on_the_board(station):
    officers.deactivate_officer(station["sup"], station["o"]["e4"].id)
    board = shift_change.board(station["qm"], "Day", "Evening")
    assert "2004" not in [x.badge for x in board.incoming_officers]


def test_the_proposal_pairs_and_writes_nothing(station):
    sup, o = station["sup"], station["o"]
    before = snapshot(sup)
    proposal = shift_change.propose_reassignment(sup, "Day", "Evening")
    assert snapshot(sup) == before
    assert proposal.reason == "shift change Day -> Evening"
    moves = [(m.asset_tag, m.from_officer_id, m.to_officer_id, m.same_division)
             for m in proposal.moves]
    # Units in tag order: 0001 (Adams, Patrol) -> Ford (the first Patrol officer without a
    # camera: Gray has one); 0002 (Baker, Traffic) -> Evans; 0004 (Davis, Patrol) -> nobody
    # of Patrol is left, so the first officer left: Hall (Detectives).
    assert moves == [
        ("HPD-BWC-0001", o["d1"].id, o["e2"].id, True),
        ("HPD-BWC-0002", o["d2"].id, o["e1"].id, True),
        ("HPD-BWC-0004", o["d4"].id, o["e4"].id, False),
    ]
    assert proposal.still_out == ("HPD-BWC-0003 (Clark, Pat (1003))",)
    assert proposal.unpaired == ()
    assert [c.label for c in proposal.candidates] == ["Evans, Pat (2001)", "Ford, Pat (2002)",
                                                      "Hall, Pat (2004)"]


def test_commit_moves_everything_in_one_transaction(station):
    sup, o = station["sup"], station["o"]
    proposal = shift_change.propose_reassignment(sup, "Day", "Evening")
    result = shift_change.commit_reassignment(sup, [m.move() for m in proposal.moves],
                                              proposal.reason)
    assert result.moved == 3 and result.last_seq - result.first_seq == 5
    assert "3 cameras reassigned (shift change Day -> Evening)" in result.message
    unit = inventory.unit_detail(sup, "HPD-BWC-0004")
    assert unit.primary_officer_id == o["e4"].id
    assigned, unassigned = inventory.unit_history(sup, unit.id)[:2]
    assert (assigned.kind, assigned.officer_id) == (EventKind.ASSIGNED, o["e4"].id)
    assert (unassigned.kind, unassigned.officer_id) == (EventKind.UNASSIGNED, o["d4"].id)
    for e in (assigned, unassigned):
        assert e.staff_username == "sam" and e.reason == "shift change Day -> Evening"
    # The history names the officers, not only their database ids.
    from bwc_desk.ui.models.event_table_model import describe_details

    assert assigned.details["from_officer"].endswith(f"({o['d4'].badge})")
    assert "id" not in describe_details(assigned) and o["d4"].badge in describe_details(assigned)
    assert o["e4"].badge in describe_details(unassigned)
    assert verify.verify_records(station["admin"]).ok


def test_an_edited_proposal_may_hand_on_a_camera_whose_owner_gets_another(station):
    sup, o, ids = station["sup"], station["o"], station["ids"]
    # Gray (Evening) gets Adams's camera and gives his own to Ford, in one batch.
    moves = [Move(ids["HPD-BWC-0001"], o["d1"].id, o["e3"].id),
             Move(ids["HPD-BWC-0005"], o["e3"].id, o["e2"].id)]
    shift_change.commit_reassignment(sup, moves, "shift change Day -> Evening")
    assert inventory.unit_detail(sup, "HPD-BWC-0001").primary_officer_id == o["e3"].id
    assert inventory.unit_detail(sup, "HPD-BWC-0005").primary_officer_id == o["e2"].id


def test_commit_refuses_the_whole_batch_naming_rows_no_longer_valid(station):
    sup, qm, o, ids = station["sup"], station["qm"], station["o"], station["ids"]
    proposal = shift_change.propose_reassignment(sup, "Day", "Evening")
    moves = [m.move() for m in proposal.moves]
    # Meanwhile, at the counter: Baker takes his camera out; and Hall is given the spare.
    counter.issue_unit(qm, o["d2"].id, "HPD-BWC-0002", function_test=FunctionTest())
    assignments.assign_primary(sup, "HPD-BWC-0010", o["e4"].id)
    before = snapshot(sup)
    with pytest.raises(ProposalRefused) as caught:
        shift_change.commit_reassignment(sup, moves, proposal.reason)
    assert snapshot(sup) == before
    text = str(caught.value)
    assert "Nothing was changed: 2 of 3 rows are no longer valid" in text
    # Each line names the camera (row numbers change once the table is sorted or filtered).
    assert ("\nHPD-BWC-0002 was issued to Baker, Pat (1002) at DESK-1 at 01:45 since this "
            "proposal was made\n") in text
    assert "\nHPD-BWC-0004: Hall, Pat (2004) already has HPD-BWC-0010 as primary camera" in text
    assert "row 2" not in text and "row 3" not in text
    assert [uid for uid, _t in caught.value.problems] == [ids["HPD-BWC-0002"],
                                                          ids["HPD-BWC-0004"]]


@pytest.mark.parametrize("edit, message", [
    (lambda o, ids: [Move(ids["HPD-BWC-0001"], o["d1"].id, o["e2"].id),
                     Move(ids["HPD-BWC-0002"], o["d2"].id, o["e2"].id)],
     r"\nHPD-BWC-0002: Ford, Pat \(2002\) would also get HPD-BWC-0001; an officer has one "
     r"primary camera"),
    (lambda o, ids: [Move(ids["HPD-BWC-0001"], o["d1"].id, o["e2"].id),
                     Move(ids["HPD-BWC-0001"], o["d1"].id, o["e1"].id)],
     "\nHPD-BWC-0001 is in the proposal twice; a camera moves once"),
    (lambda o, ids: [Move(ids["HPD-BWC-0001"], o["d2"].id, o["e2"].id)],
     r"\nHPD-BWC-0001 is no longer the primary camera of Baker, Pat \(1002\) "
     r"\(now: Adams, Pat \(1001\); changed by sam at DESK-1 at 01:45\)"),
    (lambda o, ids: [Move(ids["HPD-BWC-0001"], o["d1"].id, o["d1"].id)],
     "would stay with Adams"),
    (lambda o, ids: [Move(ids["HPD-BWC-0006"] * 100, o["d1"].id, o["e2"].id)],
     r"camera #\d+ no longer exists"),
])
def test_commit_refuses_impossible_edits(station, edit, message):
    sup = station["sup"]
    before = snapshot(sup)
    with pytest.raises(ProposalRefused, match=message):
        shift_change.commit_reassignment(sup, edit(station["o"], station["ids"]), "x")
    assert snapshot(sup) == before


def test_commit_refuses_a_deactivated_officer_and_needs_a_reason(station):
    sup, o, ids = station["sup"], station["o"], station["ids"]
    officers.deactivate_officer(sup, o["e2"].id)
    moves = [Move(ids["HPD-BWC-0001"], o["d1"].id, o["e2"].id)]
    before = snapshot(sup)
    with pytest.raises(ProposalRefused, match=r"Ford, Pat \(2002\) is not active"):
        shift_change.commit_reassignment(sup, moves, "x")
    with pytest.raises(ValidationError, match="reason is required"):
        shift_change.commit_reassignment(sup, moves, "  ")
    with pytest.raises(ValidationError, match="no rows left"):
        shift_change.commit_reassignment(sup, [], "x")
    assert snapshot(sup) == before


def test_only_supervisors_commit(station):
    qm, o, ids = station["qm"], station["o"], station["ids"]
    before = snapshot(qm)
    with pytest.raises(PermissionDenied, match="only supervisor or admin"):
        shift_change.commit_reassignment(qm, [Move(ids["HPD-BWC-0001"], o["d1"].id,
                                                   o["e2"].id)], "x")
    assert snapshot(qm) == before


def test_same_shift_twice_is_refused(station):
    with pytest.raises(ValidationError, match="two different shifts"):
        shift_change.propose_reassignment(station["sup"], "Day", "day")


# --- pools: never an officer's own camera for someone who uses a pool ---------------------


def test_the_demo_night_to_day_proposal_strips_no_camera_for_pool_users(demo_db):
    """The demo agency: Traffic and Community Services share their division's pool; every
    other officer has a camera of their own. Night -> Day used to move 25 Night officers'
    cameras to the Day officers of the pooled divisions."""
    from tests.conftest import demo_ctx

    sup = demo_ctx(demo_db, "sgt.reyes")
    proposal = shift_change.propose_reassignment(sup, "Night", "Day")
    with demo_db.read() as s:
        pooled = set(s.execute(select(Officer.id).where(
            Officer.division.in_(("Traffic", "Community Services")))).scalars())
    assert not [m for m in proposal.moves if m.to_officer_id in pooled]
    assert not [c for c in proposal.candidates if c.id in pooled]
    assert len(proposal.pool_users) == 25  # Day: 15 of Traffic, 10 of Community Services
    assert proposal.pool_users[0].endswith("Community Services pool")


@pytest.fixture
def pooled_station(station):
    """Evening's Hall is of Detectives, who share the Detectives pool (0010 is in it)."""
    sup, ids = station["sup"], station["ids"]
    pool = assignments.create_pool(sup, "Detectives pool", division="Detectives")
    assignments.put_in_pool(sup, [ids["HPD-BWC-0010"]], pool.id)
    return {**station, "detectives_pool": pool}


def test_a_pool_user_is_no_candidate(pooled_station):
    sup, o = pooled_station["sup"], pooled_station["o"]
    proposal = shift_change.propose_reassignment(sup, "Day", "Evening")
    # Before: 0004 (Davis, Patrol) went to Hall (Detectives), who uses his division's pool.
    assert [(m.asset_tag, m.to_officer_id) for m in proposal.moves] == [
        ("HPD-BWC-0001", o["e2"].id), ("HPD-BWC-0002", o["e1"].id)]
    assert o["e4"].id not in [c.id for c in proposal.candidates]
    assert proposal.pool_users == ("Hall, Pat (2004) - Detectives pool",)
    assert proposal.unpaired == ("HPD-BWC-0004 (Davis, Pat (1004))",)


def test_the_commit_refuses_an_officers_camera_for_a_pool_user(pooled_station):
    sup, o, ids = pooled_station["sup"], pooled_station["o"], pooled_station["ids"]
    before = snapshot(sup)
    with pytest.raises(ProposalRefused, match=r"\nHPD-BWC-0004: Hall, Pat \(2004\) uses the "
                                              r"Detectives pool; .*own camera"):
        shift_change.commit_reassignment(
            sup, [Move(ids["HPD-BWC-0004"], o["d4"].id, o["e4"].id)], "x")
    assert snapshot(sup) == before


def test_a_pool_camera_moves_only_inside_the_pools_division(pooled_station):
    sup, o, ids = pooled_station["sup"], pooled_station["o"], pooled_station["ids"]
    before = snapshot(sup)
    # 0010 is in the Detectives pool: not to Ford (Patrol).
    with pytest.raises(ProposalRefused, match=r"\nHPD-BWC-0010 is in the Detectives "
                                              r"pool; it goes only to an officer of Detectives"):
        shift_change.commit_reassignment(sup, [Move(ids["HPD-BWC-0010"], None, o["e2"].id)],
                                         "x")
    with pytest.raises(DomainError, match="only to an officer of Detectives"):
        shift_change.assign_at_handover(sup, "HPD-BWC-0010", o["e2"].id, "x")
    assert snapshot(sup) == before
    # Inside the division it may: it leaves the pool, with its records.
    result = shift_change.commit_reassignment(
        sup, [Move(ids["HPD-BWC-0010"], None, o["e4"].id)], "shift change Day -> Evening")
    assert result.moved == 1
    unit = inventory.unit_detail(sup, "HPD-BWC-0010")
    assert unit.primary_officer_id == o["e4"].id and unit.pool_id is None
    kinds = [e.kind for e in inventory.unit_history(sup, unit.id)[:2]]
    assert kinds == [EventKind.ASSIGNED, EventKind.UNPOOLED]
    assert verify.verify_records(pooled_station["admin"]).ok


def test_the_board_never_strips_an_officers_camera_for_a_pool_user(pooled_station):
    sup, o = pooled_station["sup"], pooled_station["o"]
    before = snapshot(sup)
    with pytest.raises(DomainError, match=r"Hall, Pat \(2004\) uses the Detectives pool"):
        shift_change.assign_at_handover(sup, "HPD-BWC-0005", o["e4"].id, "x")
    assert snapshot(sup) == before
    # A spare or an incoming officer's own camera: as before.
    unit = shift_change.assign_at_handover(sup, "HPD-BWC-0005", o["e2"].id, "shift change")
    assert unit.primary_officer_id == o["e2"].id
    board = shift_change.board(sup, "Day", "Evening")
    pool_unit = next(u for u in board.units if u.asset_tag == "HPD-BWC-0010")
    assert pool_unit.division == "Detectives"
    hall = next(x for x in board.incoming_officers if x.id == o["e4"].id)
    assert board.pool_of[hall.id] == "Detectives pool"


def test_the_commit_question_names_whose_cameras_it_takes(station):
    proposal = shift_change.propose_reassignment(station["sup"], "Day", "Evening")
    question = shift_change.commit_question(proposal.moves, "shift change Day -> Evening")
    assert "takes their own camera from 3 officers" in question
    assert "Adams, Pat (1001): HPD-BWC-0001" in question
    assert "Davis, Pat (1004): HPD-BWC-0004" in question
    assert 'with the reason "shift change Day -> Evening"' in question


def test_a_commit_tells_each_moved_unit_and_both_its_officers(station):
    from bwc_desk.services import changes

    sup = station["sup"]
    proposal = shift_change.propose_reassignment(sup, "Day", "Evening")
    moves = [m.move() for m in proposal.moves]
    _result, change = changes.collect(
        sup, lambda ctx: shift_change.commit_reassignment(ctx, moves, proposal.reason))
    assert change is not None and change.complete and change.touches("units", "custody")
    assert change.units == {m.unit_id for m in moves}
    assert change.officers == {m.to_officer_id for m in moves} | {
        m.from_officer_id for m in moves if m.from_officer_id is not None}

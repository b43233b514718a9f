"""Every counter rule, at the service level against a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from bwc_desk.domain.errors import DomainError, NotFoundError, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Role
from bwc_desk.domain.units import UnitStatus
from bwc_desk.services import assignments, counter, inventory, officers, settings
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter import FunctionTest, Handover, Override, ReturnCondition
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store.models import Checkout, CustodyEvent
from tests.conftest import PASSWORD, make_actor

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)

OK = FunctionTest()


@pytest.fixture
def room(admin_ctx, clock):
    """Two officers (Smith has a primary camera), four cameras, a quartermaster."""
    smith = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John", shift="Day",
                                                         scan_code="ID-0412"))
    jones = officers.add_officer(admin_ctx, OfficerInput("0007", "Jones", "Ann", shift="Night"))
    for i in range(1, 5):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-000{i}", f"X60A000{i}"))
    assignments.assign_primary(admin_ctx, "HPD-BWC-0001", smith.id)
    qm = make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    make_actor(admin_ctx, Role.SUPERVISOR, "sam")
    return {"qm": qm, "admin": admin_ctx, "smith": smith, "jones": jones, "clock": clock}


def snapshot(ctx):
    with ctx.db.read() as s:
        return (s.execute(select(func.count()).select_from(CustodyEvent)).scalar_one(),
                s.execute(select(func.count()).select_from(Checkout)).scalar_one(),
                tuple((u.asset_tag, u.status) for u in inventory.list_units(ctx)))


def refused(ctx, fn, match):
    before = snapshot(ctx)
    with pytest.raises(DomainError, match=match):
        fn()
    assert snapshot(ctx) == before, "a refusal changed the database"


def test_issue_records_who_where_when_and_the_expected_return(room):
    qm, smith = room["qm"], room["smith"]
    result = counter.issue_unit(qm, smith.id, "hpd-bwc-0001", function_test=OK)
    assert result.issued and "issued to Smith, John (0412)" in result.message
    # 06:45 UTC on 2026-11-24 is 01:45 in New York: the Day shift starting 07:00 local, ending
    # 15:00, plus 30 minutes of grace.
    assert result.checkout.expected_return == datetime(2026, 11, 24, 20, 30, tzinfo=UTC)
    event = inventory.unit_history(qm, result.unit.id)[0]
    assert event.kind is EventKind.ISSUED
    assert (event.staff_username, event.station, event.at) == ("quinn", "DESK-1",
                                                               room["clock"].now)
    assert event.details["function_test"]["records"] is True
    assert [c.asset_tag for c in counter.out_now(qm)] == ["HPD-BWC-0001"]


def test_scans_identify_officers_and_cameras(room):
    qm = room["qm"]
    assert counter.identify(qm, "ID-0412\n").officer.badge == "0412"
    assert counter.identify(qm, "0007").officer.last_name == "Jones"
    assert counter.identify(qm, "x60a0002").unit.asset_tag == "HPD-BWC-0002"
    with pytest.raises(NotFoundError, match="Nothing matches 'NOPE'"):
        counter.identify(qm, "NOPE")


def test_unit_must_be_available(room):
    qm, smith, jones = room["qm"], room["smith"], room["jones"]
    counter.issue_unit(qm, jones.id, "HPD-BWC-0002", function_test=OK)
    refused(qm, lambda: counter.issue_unit(qm, smith.id, "HPD-BWC-0002", function_test=OK,
                                           swap_reason="forgotten"),
            r"HPD-BWC-0002 is still issued to Jones, Ann \(0007\); it cannot go to Smith")
    inventory.send_to_repair(room["admin"], "HPD-BWC-0003", "lens")
    refused(qm, lambda: counter.issue_unit(qm, jones.id, "HPD-BWC-0003", function_test=OK),
            r"HPD-BWC-0003 is in repair; it cannot be issued.*for Jones, Ann \(0007\)")
    inventory.retire(room["admin"], "HPD-BWC-0003", "broken")
    refused(qm, lambda: counter.issue_unit(qm, jones.id, "HPD-BWC-0003", function_test=OK),
            "HPD-BWC-0003 is retired")


def test_officer_must_be_active(room):
    qm, jones = room["qm"], room["jones"]
    officers.edit_officer(room["admin"], jones.id, OfficerInput("0007", "Jones", "Ann",
                                                                active=False))
    refused(qm, lambda: counter.issue_unit(qm, jones.id, "HPD-BWC-0002", function_test=OK),
            r"Jones, Ann \(0007\) is not active.*HPD-BWC-0002 was not issued")


def test_one_camera_per_officer_unless_the_agency_allows_two(room):
    qm, jones = room["qm"], room["jones"]
    counter.issue_unit(qm, jones.id, "HPD-BWC-0002", function_test=OK)
    refused(qm, lambda: counter.issue_unit(qm, jones.id, "HPD-BWC-0003", function_test=OK),
            r"Jones, Ann \(0007\) already holds HPD-BWC-0002; HPD-BWC-0003 was not issued")
    settings.change_settings(room["admin"], {"max_cameras_per_officer": 2})
    assert counter.issue_unit(qm, jones.id, "HPD-BWC-0003", function_test=OK).issued
    refused(qm, lambda: counter.issue_unit(qm, jones.id, "HPD-BWC-0004", function_test=OK),
            "already holds HPD-BWC-0002, HPD-BWC-0003")


def test_someone_elses_primary_is_refused(room):
    qm, jones = room["qm"], room["jones"]
    refused(qm, lambda: counter.issue_unit(qm, jones.id, "HPD-BWC-0001", function_test=OK),
            r"HPD-BWC-0001 is the primary camera of Smith, John \(0412\), not of Jones")


def test_spare_swap_needs_a_reason_and_records_it(room):
    qm, smith = room["qm"], room["smith"]
    plan = counter.plan_issue(qm, smith.id, "HPD-BWC-0002")
    assert plan.needs_swap_reason and plan.needs_function_test
    refused(qm, lambda: counter.issue_unit(qm, smith.id, "HPD-BWC-0002", function_test=OK),
            "choose a spare-swap reason")
    result = counter.issue_unit(qm, smith.id, "HPD-BWC-0002", function_test=OK,
                                swap_reason="battery dead")
    assert result.checkout.swap_reason == "battery dead"
    assert inventory.unit_history(qm, result.unit.id)[0].reason == "battery dead"


def test_a_second_camera_beside_the_officers_own_is_no_spare_swap(room):
    """A tester (an agency allowing two): Smith, his own camera out with him, was asked
    "why the swap?" for a second one (a reason pre-selected), recorded as a spare swap. A
    camera besides his own is a second camera; instead of his own, still a swap."""
    qm, smith = room["qm"], room["smith"]
    settings.change_settings(room["admin"], {"max_cameras_per_officer": 2})
    counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)  # his own
    plan = counter.plan_issue(qm, smith.id, "HPD-BWC-0002")
    assert not plan.needs_swap_reason and plan.swap_hint is None
    second = counter.issue_unit(qm, smith.id, "HPD-BWC-0002", function_test=OK)
    assert second.issued and second.checkout.swap_reason == ""
    room["clock"].advance(hours=8)
    counter.return_unit(qm, "HPD-BWC-0001")
    counter.return_unit(qm, "HPD-BWC-0002")
    room["clock"].advance(hours=16)  # next day: his own is not out, another is in its place
    assert counter.plan_issue(qm, smith.id, "HPD-BWC-0003").needs_swap_reason


def test_pooled_agencies_ask_no_swap_reason(room):
    settings.change_settings(room["admin"], {"assignment_mode": "pooled"})
    assert not counter.plan_issue(room["qm"], room["smith"].id, "HPD-BWC-0002").needs_swap_reason


def put_in_bay(ctx, tag, battery, *, uploading=False, error=None, seen=None):
    from sqlalchemy import insert

    from bwc_desk.store.models import Bay, Dock, Unit, UnitReading

    with ctx.db.write() as s:
        unit_id = s.execute(select(Unit.id).where(Unit.asset_tag == tag)).scalar_one()
        dock_id = s.execute(select(Dock.id).where(Dock.name == "DOCK-A")).scalar()
        if dock_id is None:
            dock_id = s.execute(insert(Dock).values(name="DOCK-A", bays=8, location="",
                                                    station="", error_count=0, last_error="",
                                                    last_seen_at=seen or ctx.now())
                                ).inserted_primary_key[0]
        values = dict(battery=battery, charging=True, files_done=1,
                      files_total=3 if uploading else 1, bytes_done=5,
                      bytes_total=10 if uploading else 5, updating=False, error=error)
        s.execute(insert(Bay).values(dock_id=dock_id, bay_no=3, serial=tag, unit_id=unit_id,
                                     reported_at=ctx.now(), **values))
        s.execute(insert(UnitReading).values(unit_id=unit_id, dock="DOCK-A", bay_no=3,
                                             in_bay=True, reported_at=ctx.now(), **values))


def test_readiness_gate_blocks_and_a_supervisor_overrides(room):
    qm, jones = room["qm"], room["jones"]
    put_in_bay(qm, "HPD-BWC-0002", 57, uploading=True)
    plan = counter.plan_issue(qm, jones.id, "HPD-BWC-0002")
    assert not plan.gate.ready and "battery 57 %" in plan.gate.describe()
    refused(qm, lambda: counter.issue_unit(qm, jones.id, "HPD-BWC-0002", function_test=OK),
            r"HPD-BWC-0002 is not ready: footage is still uploading \(1 of 3 files.*battery 57 % "
            r"is under the 80 % minimum. Pick another camera for Jones, Ann \(0007\)")
    refused(qm, lambda: counter.issue_unit(
        qm, jones.id, "HPD-BWC-0002", function_test=OK,
        override=Override("quinn", PASSWORD, "urgent")), "only a supervisor or admin")
    refused(qm, lambda: counter.issue_unit(
        qm, jones.id, "HPD-BWC-0002", function_test=OK,
        override=Override("sam", "wrong", "urgent")), "password is wrong")
    refused(qm, lambda: counter.issue_unit(
        qm, jones.id, "HPD-BWC-0002", function_test=OK,
        override=Override("sam", PASSWORD, " ")), "reason")
    result = counter.issue_unit(qm, jones.id, "HPD-BWC-0002", function_test=OK,
                                override=Override("sam", PASSWORD, "call-out, no spare"))
    assert result.issued
    history = inventory.unit_history(qm, result.unit.id)
    override = next(e for e in history if e.kind is EventKind.READINESS_OVERRIDE)
    assert override.details["supervisor"] == "sam" and override.reason == "call-out, no spare"
    assert override.staff_username == "quinn"


def test_an_offline_dock_is_never_ready(room):
    qm = room["qm"]
    put_in_bay(qm, "HPD-BWC-0002", 100, seen=room["clock"].now - timedelta(minutes=5))
    gate = counter.plan_issue(qm, room["jones"].id, "HPD-BWC-0002").gate
    assert not gate.ready and "not reporting" in gate.describe()


def test_units_without_dock_data_count_as_ready(room):
    assert counter.plan_issue(room["qm"], room["jones"].id, "HPD-BWC-0002").gate.ready


def test_function_test_required_and_a_failure_puts_the_unit_in_repair(room):
    qm, jones = room["qm"], room["jones"]
    refused(qm, lambda: counter.issue_unit(qm, jones.id, "HPD-BWC-0002"), "function test")
    result = counter.issue_unit(qm, jones.id, "HPD-BWC-0002",
                                function_test=FunctionTest(records=False, note="no LED"))
    assert not result.issued and "failed the function test" in result.message
    assert result.unit.status is UnitStatus.IN_REPAIR
    assert result.next_spare is not None and result.next_spare.asset_tag == "HPD-BWC-0003"
    kinds = [e.kind for e in inventory.unit_history(qm, result.unit.id)][:2]
    assert kinds == [EventKind.SENT_TO_REPAIR, EventKind.FUNCTION_TEST_FAILED]
    settings.change_settings(room["admin"], {"function_test_required": False})
    assert counter.issue_unit(qm, jones.id, "HPD-BWC-0003").issued


def test_handover_by_pin_or_signature(room):
    qm, jones = room["qm"], room["jones"]
    settings.change_settings(room["admin"], {"handover_ack": "pin"})
    refused(qm, lambda: counter.issue_unit(qm, jones.id, "HPD-BWC-0002", function_test=OK,
                                           handover=Handover(pin="480271")), "no handover PIN")
    officers.set_handover_pin(room["admin"], jones.id, "480271")
    refused(qm, lambda: counter.issue_unit(qm, jones.id, "HPD-BWC-0002", function_test=OK),
            "acknowledge the handover")
    refused(qm, lambda: counter.issue_unit(qm, jones.id, "HPD-BWC-0002", function_test=OK,
                                           handover=Handover(pin="111222")), "PIN is not")
    result = counter.issue_unit(qm, jones.id, "HPD-BWC-0002", function_test=OK,
                                handover=Handover(pin="480271"))
    assert inventory.unit_history(qm, result.unit.id)[0].details["pin_verified"] is True
    settings.change_settings(room["admin"], {"handover_ack": "signature"})
    room["clock"].advance(hours=9)
    counter.return_unit(qm, "HPD-BWC-0002")
    result = counter.issue_unit(qm, jones.id, "HPD-BWC-0003", function_test=OK,
                                handover=Handover(signature="M 1 1 L 20 5 L 40 2"))
    assert inventory.unit_history(qm, result.unit.id)[0].details["signature"].startswith("M 1")


def test_return_in_one_step_with_bay_and_overdue(room):
    qm, smith, clock = room["qm"], room["smith"], room["clock"]
    counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    clock.advance(hours=16)
    with qm.db.write() as s:
        s.execute(text("INSERT INTO docks (name, bays, location, station, error_count, "
                       "last_error, last_seen_at) VALUES ('DOCK-B', 8, '', '', 0, '', :t)"),
                  {"t": clock.now.replace(tzinfo=None).isoformat(sep=" ")})
        s.execute(text("INSERT INTO bays (dock_id, bay_no, serial) VALUES "
                       "((SELECT id FROM docks WHERE name = 'DOCK-B'), 5, NULL)"))
    result = counter.return_unit(qm, "HPD-BWC-0001")
    assert "returned by Smith, John (0412)" in result.message
    assert result.suggested_bay == "DOCK-B bay 5" and "Put it in DOCK-B bay 5" in result.message
    event = inventory.unit_history(qm, result.unit.id)[0]
    assert event.kind is EventKind.RETURNED and event.details["overdue_minutes"] > 0
    assert counter.out_now(qm) == []


def test_return_of_a_unit_that_is_not_out_is_refused(room):
    qm = room["qm"]
    refused(qm, lambda: counter.return_unit(qm, "HPD-BWC-0002"),
            "HPD-BWC-0002 is available, not out with an officer")


def test_damaged_return_goes_to_repair_accessory_missing_does_not(room):
    qm, smith, jones, clock = room["qm"], room["smith"], room["jones"], room["clock"]
    counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    counter.issue_unit(qm, jones.id, "HPD-BWC-0002", function_test=OK)
    clock.advance(hours=9)
    damaged = counter.return_unit(qm, "HPD-BWC-0001", ReturnCondition(damaged=True,
                                                                      note="cracked lens"))
    assert damaged.in_repair and damaged.unit.status is UnitStatus.IN_REPAIR
    missing = counter.return_unit(qm, "HPD-BWC-0002", ReturnCondition(accessory_missing=True))
    assert missing.unit.status is UnitStatus.AVAILABLE
    assert inventory.unit_history(qm, missing.unit.id)[0].kind is EventKind.DEFECT_REPORTED


def test_a_double_scan_does_not_issue_or_return_twice(room):
    qm, smith, clock = room["qm"], room["smith"], room["clock"]
    first = counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    clock.advance(seconds=2)
    again = counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    assert first.issued and again.duplicate and not again.issued
    back = counter.return_unit(qm, "HPD-BWC-0001")  # the same scan, read as a return
    assert back.duplicate and back.seq is None
    assert counter.identify(qm, "HPD-BWC-0001").recent
    clock.advance(hours=8)
    assert counter.return_unit(qm, "HPD-BWC-0001").seq is not None
    clock.advance(seconds=1)
    assert counter.return_unit(qm, "HPD-BWC-0001").duplicate


def test_a_return_scanned_twice_says_who_returned_it_and_when(room):
    qm, smith, clock = room["qm"], room["smith"], room["clock"]
    counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    clock.advance(hours=8)
    counter.return_unit(qm, "HPD-BWC-0001")
    at = f"{clock.now.astimezone(qm.zone):%H:%M}"
    clock.advance(seconds=2)
    before = snapshot(qm)
    again = counter.return_unit(qm, "HPD-BWC-0001")
    assert again.duplicate and again.seq is None
    assert again.message == (
        f"HPD-BWC-0001 was just returned by you at {at} (scanned twice). Nothing was changed."
    )
    # Another clerk at another station scanning it: named, with the station.
    jordan = make_actor(room["admin"], Role.QUARTERMASTER, "jordan")
    there = Ctx(jordan.db, "DESK-2", jordan.actor, jordan.clock, jordan.zone)
    other = counter.return_unit(there, "HPD-BWC-0001")
    assert other.duplicate and f"was just returned by quinn at DESK-1 ({at})" in other.message
    assert snapshot(qm) == before
    match = counter.identify(qm, "HPD-BWC-0001")
    assert (match.returned_by, match.returned_station) == ("quinn", "DESK-1")
    # Beyond the window: the refusal as before.
    clock.advance(seconds=10)
    refused(qm, lambda: counter.return_unit(qm, "HPD-BWC-0001"), "not out with an officer")


def test_undo_issue_and_return_write_corrections(room):
    qm, smith, clock = room["qm"], room["smith"], room["clock"]
    issued = counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    clock.advance(seconds=30)
    undone = counter.undo(qm, issued.seq)
    assert undone.unit.status is UnitStatus.AVAILABLE and counter.out_now(qm) == []
    history = inventory.unit_history(qm, undone.unit.id)
    assert history[0].kind is EventKind.CORRECTION and history[0].corrects_seq == issued.seq
    assert history[1].kind is EventKind.ISSUED  # still there: corrections never delete
    with pytest.raises(DomainError, match="already undone"):
        counter.undo(qm, issued.seq)
    issued = counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    clock.advance(hours=8)
    returned = counter.return_unit(qm, "HPD-BWC-0001", ReturnCondition(damaged=True))
    undone = counter.undo(qm, returned.seq)
    assert undone.unit.status is UnitStatus.ISSUED
    assert [c.asset_tag for c in counter.out_now(qm)] == ["HPD-BWC-0001"]
    assert undone.message == f"Undone: HPD-BWC-0001 is out with {smith.label} again."


def test_undo_window_and_only_the_same_person(room):
    qm, smith, clock = room["qm"], room["smith"], room["clock"]
    issued = counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    sam = make_actor(room["admin"], Role.SUPERVISOR, "sam2")
    with pytest.raises(DomainError, match="Only the person"):
        counter.undo(sam, issued.seq)
    clock.advance(minutes=3)
    with pytest.raises(DomainError, match="only possible within 2 minutes"):
        counter.undo(qm, issued.seq)


def test_returned_not_docked(room):
    qm, smith, clock = room["qm"], room["smith"], room["clock"]
    counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    clock.advance(hours=8)
    counter.return_unit(qm, "HPD-BWC-0001")
    clock.advance(minutes=10)
    assert counter.returned_not_docked(qm) == []  # within the set time
    clock.advance(minutes=25)
    rows = counter.returned_not_docked(qm)
    assert [(r.asset_tag, r.minutes) for r in rows] == [("HPD-BWC-0001", 35)]


def test_lineup_sheet(room):
    qm, smith = room["qm"], room["smith"]
    counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    sheet = counter.lineup(qm, "day", datetime(2026, 11, 24).date())
    assert [(r.badge, r.asset_tag) for r in sheet.rows] == [("0412", "HPD-BWC-0001")]
    with pytest.raises(ValidationError):
        counter.lineup(qm, "brunch", datetime(2026, 11, 24).date())


def test_the_lineup_shows_a_camera_still_out_from_an_earlier_shift(room):
    """Smith kept his camera from Tuesday's shift: Thursday's sheet shows it out with him
    (blank, it read as "no camera" and the counts left it out), marked as an earlier shift's;
    Jones, who returned his, has a blank row."""
    qm, smith, clock = room["qm"], room["smith"], room["clock"]
    jones_day = officers.add_officer(room["admin"], OfficerInput("0008", "Jones", "Bob",
                                                                 shift="Day"))
    issued = counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    counter.issue_unit(qm, jones_day.id, "HPD-BWC-0002", function_test=OK)
    clock.advance(hours=8)
    counter.return_unit(qm, "HPD-BWC-0002")
    day = issued.checkout.issued_at.astimezone(qm.zone).date()
    clock.advance(days=2)
    sheet = counter.lineup(qm, "day", day + timedelta(days=2))
    rows = {r.badge: r for r in sheet.rows}
    assert rows["0412"].asset_tag == "HPD-BWC-0001"
    assert rows["0412"].earlier and rows["0412"].returned_at is None
    assert rows["0412"].issued_at == issued.checkout.issued_at
    assert rows["0008"].asset_tag == "" and not rows["0008"].earlier
    # That day's own sheet shows both issues as that shift's.
    first = {r.badge: r for r in counter.lineup(qm, "day", day).rows}
    assert not first["0412"].earlier and first["0008"].asset_tag == "HPD-BWC-0002"


def test_the_lineup_has_a_row_for_each_camera_and_says_lost_ones(room):
    """A tester's line-up (an agency allowing two cameras) showed one of an officer's two;
    a camera reported lost during the shift was counted as returned; and a past day's
    sheet took today's open cameras for "earlier shift" (one returned since was blank)."""
    from bwc_desk.ui.printing import lineup_cells, lineup_tally

    qm, smith, jones, clock = room["qm"], room["smith"], room["jones"], room["clock"]
    settings.change_settings(room["admin"], {"max_cameras_per_officer": 2})
    day = clock.now.astimezone(qm.zone).date()
    first = counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    counter.issue_unit(qm, smith.id, "HPD-BWC-0002", function_test=OK,
                       swap_reason="second camera")
    sheet = counter.lineup(qm, "day", day)
    assert [(r.badge, r.asset_tag) for r in sheet.rows] == [
        ("0412", "HPD-BWC-0001"), ("0412", "HPD-BWC-0002")]
    clock.advance(hours=2)
    inventory.mark_lost(room["admin"], "HPD-BWC-0002", "fell off during a foot chase")
    sheet = counter.lineup(qm, "day", day)
    lost = sheet.rows[1]
    assert lost.asset_tag == "HPD-BWC-0002" and lost.ended == "marked lost"
    assert lineup_cells(sheet, qm.zone)[1][5] == "reported lost"
    assert lineup_tally(sheet) == "1 officer, 1 camera out, 1 reported lost or stolen."
    # Kept past the shift, returned two days later: the next day's sheet shows it out with
    # him from an earlier shift, also once it has come back (as it was at that shift).
    clock.advance(days=2)
    # Two days later, still holding 0001, he is issued 0003: the sheet has both (the kept
    # one went missing from it once another was issued: a reviewer).
    counter.issue_unit(qm, smith.id, "HPD-BWC-0003", function_test=OK, swap_reason="spare")
    today = counter.lineup(qm, "day", day + timedelta(days=2))
    assert [(r.asset_tag, r.earlier) for r in today.rows] == [
        ("HPD-BWC-0003", False), ("HPD-BWC-0001", True)]
    assert lineup_tally(today) == "1 officer, 2 cameras out (1 since an earlier shift)."
    counter.return_unit(qm, "HPD-BWC-0001")
    next_day = {(r.badge, r.asset_tag): r
                for r in counter.lineup(qm, "day", day + timedelta(days=1)).rows}
    kept = next_day[("0412", "HPD-BWC-0001")]
    assert kept.earlier and kept.issued_at == first.checkout.issued_at
    assert kept.returned_at is not None
    assert ("0412", "HPD-BWC-0002") not in next_day  # (lost before that shift)
    assert jones.shift == "Night"


def test_a_lost_camera_is_no_longer_kept_where_it_was(room):
    """A tester: Inventory said "Kept at: Cage A, shelf 1" of a camera marked lost. Its
    place is cleared; the record of the loss keeps where it was kept."""
    from bwc_desk.services import unit_location

    admin = room["admin"]
    unit = inventory.unit_detail(admin, "HPD-BWC-0003")
    unit_location.set_location(admin, unit.id, "Cage A, shelf 1")
    inventory.mark_lost(admin, "HPD-BWC-0003", "not found at the stock-take")
    assert inventory.unit_detail(admin, "HPD-BWC-0003").location == ""
    lost = inventory.unit_history(admin, unit.id)[0]
    assert lost.kind.value == "marked lost" and lost.details["location_was"] == "Cage A, shelf 1"


def test_report_defect(room):
    qm = room["qm"]
    with pytest.raises(ValidationError):
        counter.report_defect(qm, "HPD-BWC-0002", "")
    unit = counter.report_defect(qm, "HPD-BWC-0002", "strap torn", damaged=True)
    assert unit.status is UnitStatus.IN_REPAIR


def test_auditors_cannot_issue(room, auditor_ctx):
    from bwc_desk.domain.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        counter.issue_unit(auditor_ctx, room["smith"].id, "HPD-BWC-0001", function_test=OK)


# --- A day at the desk: pools, spares, bays, refusals at the first scan, overrides, words ----


def reading(ctx, tag, battery, *, dock="DOCK-A"):
    """A camera's last dock report (it has left the bay): what readiness reads."""
    from sqlalchemy import insert

    from bwc_desk.store.models import Dock, Unit, UnitReading

    with ctx.db.write() as s:
        if s.execute(select(Dock.id).where(Dock.name == dock)).scalar() is None:
            s.execute(insert(Dock).values(name=dock, bays=8, location="", station="",
                                          error_count=0, last_error="", last_seen_at=ctx.now()))
        unit_id = s.execute(select(Unit.id).where(Unit.asset_tag == tag)).scalar_one()
        s.execute(insert(UnitReading).values(
            unit_id=unit_id, dock=dock, bay_no=1, in_bay=False, battery=battery, charging=False,
            files_done=1, files_total=1, bytes_done=5, bytes_total=5, updating=False, error=None,
            reported_at=ctx.now()))


def pooled(room, name, tags, *, division="", shift=""):
    admin = room["admin"]
    pool = assignments.create_pool(admin, name, division=division, shift=shift)
    ids = [inventory.unit_detail(admin, t).id for t in tags]
    assignments.put_in_pool(admin, ids, pool.id)
    return pool


def more_units(room, first, last):
    for i in range(first, last + 1):
        inventory.add_unit(room["admin"], UnitInput(f"HPD-BWC-{i:04d}", f"X60A{i:04d}"))


def test_a_pool_camera_goes_only_to_its_division_or_shift_unless_a_supervisor_overrides(room):
    qm, admin = room["qm"], room["admin"]
    more_units(room, 5, 6)
    baker = officers.add_officer(admin, OfficerInput("0100", "Baker", "Bo", division="North"))
    cole = officers.add_officer(admin, OfficerInput("0101", "Cole", "Cy", division="South"))
    pooled(room, "North pool", ["HPD-BWC-0005"], division="North")
    pooled(room, "Night pool", ["HPD-BWC-0006"], shift="Night")
    plan = counter.plan_issue(qm, cole.id, "HPD-BWC-0005")
    assert "North pool" in plan.pool_conflict and "Cole, Cy (0101)" in plan.pool_conflict
    refused(qm, lambda: counter.issue_unit(qm, cole.id, "HPD-BWC-0005", function_test=OK),
            r"HPD-BWC-0005 belongs to the North pool \(division North\)")
    refused(qm, lambda: counter.issue_unit(
        qm, cole.id, "HPD-BWC-0005", function_test=OK,
        pool_override=Override("quinn", PASSWORD, "short-handed")), "only a supervisor")
    refused(qm, lambda: counter.issue_unit(
        qm, room["smith"].id, "HPD-BWC-0006", function_test=OK, swap_reason="forgotten"),
        r"Night pool \(shift Night\)")
    assert counter.plan_issue(qm, baker.id, "HPD-BWC-0005").pool_conflict == ""
    assert counter.plan_issue(qm, room["jones"].id, "HPD-BWC-0006").pool_conflict == ""
    result = counter.issue_unit(qm, cole.id, "HPD-BWC-0005", function_test=OK,
                                pool_override=Override("sam", PASSWORD, "South is short-handed"))
    assert result.issued
    event = inventory.unit_history(qm, result.unit.id)[0]
    assert event.details["pool_override"] == {
        "supervisor": "sam", "reason": "South is short-handed", "pool": "North pool"}
    from bwc_desk.services import audit

    rows = audit.list_audit(admin, event="pool override")
    assert rows and rows[0].details["unit"] == "HPD-BWC-0005" and rows[0].outcome == "ok"


def test_the_next_spare_is_the_officers_pool_then_agency_spares_never_unknown(room):
    qm, admin = room["qm"], room["admin"]
    more_units(room, 5, 12)
    baker = officers.add_officer(admin, OfficerInput("0100", "Baker", "Bo", division="North"))
    pooled(room, "North pool", ["HPD-BWC-0005", "HPD-BWC-0006", "HPD-BWC-0007"],
           division="North")
    pooled(room, "South pool", ["HPD-BWC-0008"], division="South")
    for tag in ("HPD-BWC-0005", "HPD-BWC-0006", "HPD-BWC-0008", "HPD-BWC-0010"):
        reading(qm, tag, 100)
    reading(qm, "HPD-BWC-0007", 20)  # own pool but not charged
    # HPD-BWC-0002..0004, 0009, 0011, 0012: agency spares no dock ever reported: unknown.
    failed = FunctionTest(records=False)
    first = counter.issue_unit(qm, baker.id, "HPD-BWC-0005", function_test=failed)
    assert first.next_spare.asset_tag == "HPD-BWC-0006"  # own pool first
    assert "Next ready spare: HPD-BWC-0006" in first.message
    second = counter.issue_unit(qm, baker.id, "HPD-BWC-0006", function_test=failed)
    # Not 0007 (own pool, 20 %), not 0008 (another division's pool), not 0002-0004 (unknown).
    assert second.next_spare.asset_tag == "HPD-BWC-0010"
    third = counter.issue_unit(qm, baker.id, "HPD-BWC-0010", function_test=failed)
    assert third.next_spare is None and "No ready spare" in third.message


def test_the_swap_reason_is_preselected_only_from_what_the_app_knows(room):
    from bwc_desk.services.counter import SwapReason

    qm, admin, smith, jones = room["qm"], room["admin"], room["smith"], room["jones"]
    assert counter.plan_issue(qm, smith.id, "HPD-BWC-0002").swap_hint is None
    inventory.send_to_repair(admin, "HPD-BWC-0001", "cracked housing")
    assert counter.plan_issue(qm, smith.id, "HPD-BWC-0002").swap_hint is (
        SwapReason.PRIMARY_IN_REPAIR)
    assignments.assign_primary(admin, "HPD-BWC-0003", jones.id)
    reading(qm, "HPD-BWC-0003", 30)  # the primary would be refused for its battery
    assert counter.plan_issue(qm, jones.id, "HPD-BWC-0002").swap_hint is SwapReason.BATTERY_DEAD


def dock_b(ctx, bays=3):
    from sqlalchemy import insert

    from bwc_desk.store.models import Bay, Dock

    with ctx.db.write() as s:
        dock_id = s.execute(insert(Dock).values(
            name="DOCK-B", bays=bays, location="", station="", error_count=0, last_error="",
            last_seen_at=ctx.now())).inserted_primary_key[0]
        for n in range(1, bays + 1):
            s.execute(insert(Bay).values(dock_id=dock_id, bay_no=n, serial=None))
    return dock_id


def test_a_camera_returned_while_a_dock_sees_it_is_not_sent_to_another_bay(room):
    """A hands-on tester: a camera issued, then seen by DOCK-F bay 3 (the alert said so),
    was returned at the counter with "Put it in DOCK-A bay 5". It is in a bay already: the
    answer says which, and holds no other bay for it."""
    qm, smith, clock = room["qm"], room["smith"], room["clock"]
    counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    clock.advance(hours=8)
    put_in_bay(qm, "HPD-BWC-0001", 90)  # (DOCK-A bay 3, the dock reporting)
    with qm.db.write() as s:
        s.execute(text("INSERT INTO bays (dock_id, bay_no, serial) VALUES "
                       "((SELECT id FROM docks WHERE name = 'DOCK-A'), 5, NULL)"))
    result = counter.return_unit(qm, "HPD-BWC-0001")
    assert "Put it in" not in result.message
    assert "It is in DOCK-A bay 3 already." in result.message
    assert result.suggested_bay == ""
    smith2 = room["jones"]
    counter.issue_unit(qm, smith2.id, "HPD-BWC-0002", function_test=OK)
    clock.advance(hours=8)
    with qm.db.write() as s:  # (the dock still reporting)
        s.execute(text("UPDATE docks SET last_seen_at = :t"),
                  {"t": clock.now.replace(tzinfo=None).isoformat(sep=" ")})
    assert counter.return_unit(qm, "HPD-BWC-0002").suggested_bay == "DOCK-A bay 5"  # not held


def test_a_suggested_bay_is_held_for_the_camera_told_to_use_it(room):
    """Six returns in a row were all told DOCK-B bay 1: a suggested bay is held for the camera
    told to use it, until a dock reports a camera there (or that camera anywhere) or 10
    minutes pass, and the hold is in the database, so every station sees it."""
    from dataclasses import replace

    from sqlalchemy import insert, update

    from bwc_desk.store.models import Bay, Dock, UnitReading

    qm, admin, clock = room["qm"], room["admin"], room["clock"]
    more_units(room, 5, 8)
    settings.change_settings(admin, {"function_test_required": False})
    people = [room["smith"], room["jones"]] + [
        officers.add_officer(admin, OfficerInput(f"05{i}", f"Officer{i}")) for i in range(4)]
    tags = ["HPD-BWC-0001", "HPD-BWC-0002", "HPD-BWC-0005", "HPD-BWC-0006", "HPD-BWC-0007",
            "HPD-BWC-0008"]
    for person, tag in zip(people, tags, strict=True):
        counter.issue_unit(qm, person.id, tag)
    clock.advance(hours=8)
    dock_id = dock_b(qm)

    def seen():  # the dock keeps reporting
        with qm.db.write() as s:
            s.execute(update(Dock).where(Dock.id == dock_id).values(last_seen_at=clock.now))

    other = replace(qm, station="DESK-2")
    bays = []
    for n, tag in enumerate(tags[:4]):
        seen()
        bays.append(counter.return_unit(other if n % 2 else qm, tag).suggested_bay)
        clock.advance(seconds=30)
    assert bays == ["DOCK-B bay 1", "DOCK-B bay 2", "DOCK-B bay 3", ""]
    # HPD-BWC-0001, told bay 1, is put in bay 2 instead, and taken out again: both holds end
    # (bay 1's camera has docked; a dock reported a camera in bay 2).
    with qm.db.write() as s:
        s.execute(update(Bay).where(Bay.dock_id == dock_id, Bay.bay_no == 2).values(
            serial="X60A0001", occupied_since=clock.now, reported_at=clock.now))
        s.execute(insert(UnitReading).values(
            unit_id=inventory.unit_detail(qm, "HPD-BWC-0001").id, dock="DOCK-B", bay_no=2,
            in_bay=True, battery=90, reported_at=clock.now))
    clock.advance(seconds=30)
    with qm.db.write() as s:
        s.execute(update(Bay).where(Bay.dock_id == dock_id, Bay.bay_no == 2).values(
            serial=None, occupied_since=None, reported_at=clock.now))
        s.execute(update(UnitReading).values(in_bay=False))
    seen()
    assert counter.return_unit(qm, tags[4]).suggested_bay == "DOCK-B bay 1"
    assert counter.return_unit(other, tags[5]).suggested_bay == "DOCK-B bay 2"
    # 10 minutes later every hold has lapsed.
    clock.advance(minutes=10, seconds=1)
    seen()
    with qm.db.read() as s:
        assert counter.suggest_bay(s, clock.now) == "DOCK-B bay 1"


def test_a_camera_that_cannot_go_out_is_refused_at_its_first_scan(room):
    from bwc_desk.services import audit

    qm, admin = room["qm"], room["admin"]
    inventory.send_to_repair(admin, "HPD-BWC-0002", "lens")
    inventory.retire(admin, "HPD-BWC-0003", "end of life")
    match = counter.identify(qm, "HPD-BWC-0002")
    assert "HPD-BWC-0002 is in repair" in match.refusal
    assert "retired" in counter.identify(qm, "HPD-BWC-0003").refusal
    assert counter.identify(qm, "HPD-BWC-0004").refusal == ""
    assert counter.counter_alerts(qm) == ()
    inventory.mark_lost(admin, "HPD-BWC-0004", "left in a cruiser")
    match = counter.identify(qm, "HPD-BWC-0004")
    assert "HPD-BWC-0004 is lost" in match.refusal and "supervisor" in match.refusal
    rows = audit.list_audit(admin, event="lost camera scanned")
    assert len(rows) == 1 and rows[0].staff_username == "quinn"
    assert rows[0].details["unit"] == "HPD-BWC-0004" and rows[0].details["status"] == "lost"
    alerts = counter.counter_alerts(qm)
    assert len(alerts) == 1 and "HPD-BWC-0004 (lost) was scanned at DESK-1" in alerts[0].text
    inventory.return_to_service(admin, "HPD-BWC-0004", "found in the cruiser")
    assert counter.counter_alerts(qm) == ()  # dealt with


def test_override_credentials_are_checked_first_refusals_audited_figures_kept(room):
    from bwc_desk.services import audit

    qm, jones = room["qm"], room["jones"]
    put_in_bay(qm, "HPD-BWC-0002", 57, uploading=True)
    with pytest.raises(DomainError, match="password is wrong"):
        counter.check_override(qm, "HPD-BWC-0002", Override("sam", "wrong", "urgent"))
    with pytest.raises(DomainError, match="only a supervisor"):
        counter.check_override(qm, "HPD-BWC-0002", Override("quinn", PASSWORD, "urgent"))
    refusals = audit.list_audit(room["admin"], event="readiness override")
    assert [r.outcome for r in refusals] == ["refused", "refused"]
    assert refusals[1].details["supervisor"] == "sam"
    assert refusals[1].details["unit"] == "HPD-BWC-0002"
    assert "password" not in str(refusals[1].details).replace("password is wrong", "")
    assert counter.check_override(qm, "HPD-BWC-0002",
                                  Override("sam", PASSWORD, "urgent")) == "Sam"
    refused(qm, lambda: counter.issue_unit(
        qm, jones.id, "HPD-BWC-0002", function_test=OK,
        override=Override("sam", "wrong", "urgent")), "password is wrong")
    assert len(audit.list_audit(room["admin"], event="readiness override")) == 3
    result = counter.issue_unit(qm, jones.id, "HPD-BWC-0002", function_test=OK,
                                override=Override("sam", PASSWORD, "call-out"))
    event = next(e for e in inventory.unit_history(qm, result.unit.id)
                 if e.kind is EventKind.READINESS_OVERRIDE)
    figures = event.details["readiness"]
    assert figures["battery"] == 57 and figures["min_battery"] == 80
    assert (figures["files_done"], figures["files_total"]) == (1, 3)
    assert figures["dock"] == "DOCK-A" and figures["bay"] == 3
    assert audit.list_audit(room["admin"], event="readiness override")[0].outcome == "ok"


def test_a_damaged_return_says_what_the_note_said(room):
    qm, smith, clock = room["qm"], room["smith"], room["clock"]
    counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    clock.advance(hours=9)
    result = counter.return_unit(qm, "HPD-BWC-0001",
                                 ReturnCondition(damaged=True, note="lens cracked"))
    assert "Returned damaged: lens cracked." in result.message
    unit = inventory.unit_detail(qm, "HPD-BWC-0001")
    assert unit.status_reason == "Returned damaged: lens cracked"
    reasons = [e.reason for e in inventory.unit_history(qm, unit.id)[:3]]
    assert reasons == ["Returned damaged: lens cracked", "damaged: lens cracked", "lens cracked"]


def test_the_return_line_says_how_late_in_days_and_hours(room):
    qm, smith, clock = room["qm"], room["smith"], room["clock"]
    issued = counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    clock.now = issued.checkout.expected_return + timedelta(hours=27, minutes=4)
    result = counter.return_unit(qm, "HPD-BWC-0001")
    assert "overdue 1 d 3 h" in result.message
    assert result.undo_window_seconds == 120


def test_undo_follows_the_agency_setting(room):
    qm, smith, clock = room["qm"], room["smith"], room["clock"]
    settings.change_settings(room["admin"], {"undo_window_seconds": 300})
    issued = counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=OK)
    assert issued.undo_window_seconds == 300
    clock.advance(minutes=4)
    assert counter.undo(qm, issued.seq).unit.status is UnitStatus.AVAILABLE


def test_out_now_touching_lists_the_open_checkouts_a_change_names(room, admin_ctx):
    """What Out now patches in for a change set: the open checkouts of the units, officers
    or checkout ids it names; a returned one is not listed (the row goes)."""
    qm = room["qm"]
    smith, jones = room["smith"], room["jones"]
    one = counter.issue_unit(qm, smith.id, "HPD-BWC-0001", function_test=FunctionTest())
    two = counter.issue_unit(qm, jones.id, "HPD-BWC-0003", function_test=FunctionTest())
    assert one.checkout and one.unit and two.checkout

    def tags(**named):
        return sorted(r.asset_tag for r in counter.out_now_touching(qm, **named))

    assert tags() == []
    assert tags(units={one.unit.id}) == ["HPD-BWC-0001"]
    assert tags(officers={jones.id}) == ["HPD-BWC-0003"]
    assert tags(checkouts={one.checkout.id, two.checkout.id}) == ["HPD-BWC-0001", "HPD-BWC-0003"]
    assert tags(units={one.unit.id}, officers={jones.id}) == ["HPD-BWC-0001", "HPD-BWC-0003"]
    assert tags(units={999_999}) == []
    room["clock"].advance(minutes=5)
    counter.return_unit(qm, "HPD-BWC-0001", ReturnCondition())
    assert tags(units={one.unit.id}, checkouts={one.checkout.id}) == []
    assert [r.asset_tag for r in counter.out_now(qm)] == ["HPD-BWC-0003"]

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
from bwc_desk.services.counter import FunctionTest, Handover, Override, ReturnCondition
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store.models import Checkout, CustodyEvent
from tests.conftest import PASSWORD, make_actor

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

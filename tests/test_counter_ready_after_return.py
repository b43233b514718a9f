"""A camera returned at the counter and not docked since is not ready: its footage is not
uploaded and its battery is unknown, whatever its dock said before it went out. Where the
agency has no docks at all, nothing is known of any camera, and returned cameras go out as
before."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bwc_desk.adapters.dockfeed.protocol import BayReport, Hello
from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.roles import Role
from bwc_desk.domain.settings import AssignmentMode
from bwc_desk.services import counter, dock_registry, docks, inventory, officers, settings
from bwc_desk.services.counter import FunctionTest, Override
from bwc_desk.services.dockfeed import DockBoard
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.services.readiness import gates_for, known_ready
from tests.conftest import PASSWORD, make_actor

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)

TS = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)
OK = FunctionTest()


@pytest.fixture
def desk(admin_ctx, clock):
    for i in range(1, 5):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-000{i}", f"X60A000{i}"))
    settings.change_settings(admin_ctx, {"assignment_mode": AssignmentMode.POOLED.value})
    smith = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    jones = officers.add_officer(admin_ctx, OfficerInput("1919", "Jones", "Ann"))
    qm = make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    make_actor(admin_ctx, Role.SUPERVISOR, "sam")
    return {"qm": qm, "admin": admin_ctx, "smith": smith, "jones": jones, "clock": clock}


def with_docks(admin_ctx, clock):
    dock_registry.add_dock(admin_ctx, "DOCK-A", 8)
    board = DockBoard(clock)

    def send(*messages):
        for m in messages:
            board.on_message("peer", m)
        docks.apply_changes(admin_ctx.as_actor(None), board.take_changes())

    send(Hello("DOCK-A", 8))
    return send


def bay(n, serial, battery=100):
    present = frozenset({"battery", "charging", "upload", "updating", "error"})
    return BayReport("DOCK-A", n, serial, battery, True, None, False, None, TS, present)


def out_and_back(desk, tag="HPD-BWC-0001"):
    """Issued to Smith for a shift, returned at the counter, scanned again 5 s later."""
    counter.issue_unit(desk["qm"], desk["smith"].id, tag, function_test=OK)
    desk["clock"].advance(hours=8)
    counter.return_unit(desk["qm"], tag)
    desk["clock"].advance(seconds=5)


def test_a_camera_returned_seconds_ago_is_not_ready_though_it_left_its_dock_charged(desk):
    qm, clock = desk["qm"], desk["clock"]
    send = with_docks(desk["admin"], clock)
    send(bay(1, "X60A0001", battery=100))  # charged and uploaded ...
    send(bay(1, None))  # ... and taken off the charger
    assert counter.plan_issue(qm, desk["jones"].id, "HPD-BWC-0001").gate.ready
    out_and_back(desk)
    gate = counter.plan_issue(qm, desk["jones"].id, "HPD-BWC-0001").gate
    assert not gate.ready
    assert "not been in a dock since" in gate.describe()
    assert "footage" in gate.describe() and "battery" in gate.describe()
    with pytest.raises(DomainError, match=r"not ready.*not been in a dock since"):
        counter.issue_unit(qm, desk["jones"].id, "HPD-BWC-0001", function_test=OK)
    # A supervisor may still send it out, and the override keeps what was shown.
    result = counter.issue_unit(
        qm, desk["jones"].id, "HPD-BWC-0001", function_test=OK,
        override=Override("sam", PASSWORD, "nothing else left"),
    )
    assert result.issued
    history = inventory.unit_history(qm, result.unit.id)
    override = next(e for e in history if e.kind is EventKind.READINESS_OVERRIDE)
    assert "not been in a dock since" in " ".join(override.details["not_ready"])
    assert override.details["readiness"]["returned_at"] is not None


def test_a_camera_docked_since_its_return_is_judged_by_the_dock_again(desk):
    qm, clock = desk["qm"], desk["clock"]
    send = with_docks(desk["admin"], clock)
    out_and_back(desk)
    assert not counter.plan_issue(qm, desk["jones"].id, "HPD-BWC-0001").gate.ready
    clock.advance(minutes=1)
    send(bay(2, "X60A0001", battery=40))  # docked: the dock's word counts now
    gate = counter.plan_issue(qm, desk["jones"].id, "HPD-BWC-0001").gate
    assert not gate.ready and "battery 40 %" in gate.describe()
    assert "dock since" not in gate.describe()
    clock.advance(hours=2)
    send(bay(2, "X60A0001", battery=100))
    send(bay(2, None))  # charged, taken off the charger after the return
    assert counter.plan_issue(qm, desk["jones"].id, "HPD-BWC-0001").gate.ready


def test_a_returned_camera_no_dock_ever_reported_is_not_ready_where_docks_are_used(desk):
    qm = desk["qm"]
    with_docks(desk["admin"], desk["clock"])
    out_and_back(desk, "HPD-BWC-0002")
    gate = counter.plan_issue(qm, desk["jones"].id, "HPD-BWC-0002").gate
    assert not gate.ready and "not been in a dock since" in gate.describe()
    # Neither suggested as a spare nor listed ready on the shift-change board.
    unit_id = inventory.unit_detail(qm, "HPD-BWC-0002").id
    other = inventory.unit_detail(qm, "HPD-BWC-0003").id
    with qm.db.read() as session:
        assert not known_ready(session, unit_id, qm.now(), 80)
        gates = gates_for(session, [unit_id, other], qm.now(), 80)
    assert not gates[unit_id].ready and "dock since" in gates[unit_id].describe()
    assert gates[other].ready  # never out, no report: as before


def test_an_agency_without_docks_issues_a_returned_camera_as_before(desk):
    qm = desk["qm"]
    out_and_back(desk)
    assert counter.plan_issue(qm, desk["jones"].id, "HPD-BWC-0001").gate.ready
    assert counter.issue_unit(qm, desk["jones"].id, "HPD-BWC-0001", function_test=OK).issued


def test_a_camera_its_dock_returned_stays_ready_after_another_camera_comes_back(desk):
    """The docking just before a dock's return counts for that camera, however many returns
    of other cameras come after (each camera's own last return, not the agency's last)."""
    qm, clock = desk["qm"], desk["clock"]
    settings.change_settings(desk["admin"], {"return_assigned_on_dock": True})
    send = with_docks(desk["admin"], clock)
    counter.issue_unit(qm, desk["smith"].id, "HPD-BWC-0001", function_test=OK)
    clock.advance(hours=8)
    send(bay(1, "X60A0001", battery=100))  # docked at the end of the shift: returned by it
    assert inventory.unit_detail(qm, "HPD-BWC-0001").status.value == "available"
    clock.advance(hours=2)
    send(bay(1, None))  # charged and uploaded, taken off the charger
    counter.issue_unit(qm, desk["jones"].id, "HPD-BWC-0002", function_test=OK)
    clock.advance(hours=1)
    counter.return_unit(qm, "HPD-BWC-0002")  # another camera's return, later
    clock.advance(seconds=5)
    assert counter.plan_issue(qm, desk["smith"].id, "HPD-BWC-0001").gate.ready
    unit_id = inventory.unit_detail(qm, "HPD-BWC-0001").id
    with qm.db.read() as session:
        assert known_ready(session, unit_id, qm.now(), 80)
        assert gates_for(session, [unit_id], qm.now(), 80)[unit_id].ready


def test_returned_not_docked_leaves_out_a_camera_its_dock_returned(desk):
    """The counter's "returned, not docked" list: a camera returned by its docking was docked
    at its return, also once it is off the charger and other cameras have come back since."""
    qm, clock = desk["qm"], desk["clock"]
    settings.change_settings(desk["admin"], {"return_assigned_on_dock": True})
    send = with_docks(desk["admin"], clock)
    counter.issue_unit(qm, desk["smith"].id, "HPD-BWC-0001", function_test=OK)
    clock.advance(hours=8)
    send(bay(1, "X60A0001", battery=100))  # returned by its docking
    counter.issue_unit(qm, desk["jones"].id, "HPD-BWC-0002", function_test=OK)
    clock.advance(minutes=30)
    send(bay(1, None))  # taken off the charger, on the shelf
    counter.return_unit(qm, "HPD-BWC-0002")  # returned at the counter, never docked
    clock.advance(hours=1)
    assert [r.asset_tag for r in counter.returned_not_docked(qm)] == ["HPD-BWC-0002"]


def test_the_lineup_names_the_bay_each_camera_was_taken_from(desk):
    """The line-up sheet: officer, camera and the bay it came from (the policy's daily
    line-up), from the camera's last docking before its issue."""
    qm, clock, admin = desk["qm"], desk["clock"], desk["admin"]
    send = with_docks(admin, clock)
    day = officers.add_officer(admin, OfficerInput("0500", "Day", "Dana", shift="Day"))
    other = officers.add_officer(admin, OfficerInput("0501", "Day", "Eli", shift="Day"))
    clock.now = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # 06:00 in New York
    send(bay(3, "X60A0003", battery=100))
    clock.advance(minutes=30)
    send(bay(3, None))  # taken from bay 3 for the issue
    counter.issue_unit(qm, day.id, "HPD-BWC-0003", function_test=OK)
    counter.issue_unit(qm, other.id, "HPD-BWC-0004", function_test=OK)  # never docked
    sheet = counter.lineup(qm, "day", datetime(2026, 11, 24).date())
    rows = {r.badge: r for r in sheet.rows}
    assert (rows["0500"].asset_tag, rows["0500"].bay) == ("HPD-BWC-0003", "DOCK-A bay 3")
    assert (rows["0501"].asset_tag, rows["0501"].bay) == ("HPD-BWC-0004", "")

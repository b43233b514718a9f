"""What the dock feed does to the records: docked and undocked once per arrival, the gate,
offline, alerts, unregistered cameras, pooled cameras returned by docking."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta

import pytest

from bwc_desk.adapters.dockfeed.protocol import BayReport, Heartbeat, Hello
from bwc_desk.domain.docking import BayState, Upload
from bwc_desk.domain.events import EventKind
from bwc_desk.services import (
    assignments,
    counter,
    dock_registry,
    docks,
    inventory,
    officers,
    settings,
)
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.dockfeed import DockBoard, DockFeed
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput

TS = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)


@pytest.fixture
def feed(admin_ctx, clock):
    for i in range(1, 5):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-{i}", f"X60A000{i}"))
    dock_registry.add_dock(admin_ctx, "DOCK-A", 8)
    board = DockBoard(clock)

    def send(*messages):
        for m in messages:
            board.on_message("peer", m)
        docks.apply_changes(admin_ctx.as_actor(None), board.take_changes())

    send(Hello("DOCK-A", 8))
    return send


def bay(n, serial, battery=50, upload=None, error=None, updating=False):
    present = frozenset({"battery", "charging", "upload", "updating", "error"})
    return BayReport("DOCK-A", n, serial, battery, True, upload, updating, error, TS, present)


def kinds(ctx, tag):
    return [e.kind for e in inventory.unit_history(ctx, inventory.unit_detail(ctx, tag).id)]


def test_docked_once_however_many_reports(admin_ctx, feed, clock):
    for _ in range(5):
        feed(bay(1, "X60A0001", upload=Upload(1, 5, 10, 50)))
        clock.advance(seconds=1)
    assert kinds(admin_ctx, "HPD-1").count(EventKind.DOCKED) == 1
    unit = inventory.unit_detail(admin_ctx, "HPD-1")
    assert unit.dock_bay == "DOCK-A / bay 1"
    feed(bay(1, None))
    assert inventory.unit_detail(admin_ctx, "HPD-1").dock_bay == ""
    clock.advance(seconds=61)  # the undocked record waits a minute (a flapping bay)
    docks.write_due_undocks(admin_ctx.as_actor(None))
    assert kinds(admin_ctx, "HPD-1")[0] is EventKind.UNDOCKED


def test_moving_a_camera_between_bays(admin_ctx, feed, clock):
    feed(bay(1, "X60A0001"))
    feed(bay(1, "X60A0002"))
    clock.advance(seconds=61)
    feed(bay(2, None))
    assert kinds(admin_ctx, "HPD-1")[:2] == [EventKind.UNDOCKED, EventKind.DOCKED]
    assert kinds(admin_ctx, "HPD-2")[0] is EventKind.DOCKED


def test_a_restarted_feed_does_not_replay_arrivals(admin_ctx, feed, clock):
    feed(bay(1, "X60A0001"))
    fresh = DockBoard(clock)  # the app restarted: a new board, the database remembers
    fresh.on_message("peer", Hello("DOCK-A", 8))
    fresh.on_message("peer", bay(1, "X60A0001"))
    docks.apply_changes(admin_ctx.as_actor(None), fresh.take_changes())
    assert kinds(admin_ctx, "HPD-1").count(EventKind.DOCKED) == 1


def test_events_name_the_dock_feed_and_the_station(admin_ctx, feed):
    feed(bay(2, "X60A0002"))
    event = inventory.unit_history(admin_ctx, inventory.unit_detail(admin_ctx, "HPD-2").id)[0]
    assert (event.staff_username, event.station) == ("dock-feed", "DESK-1")
    assert event.details == {"dock": "DOCK-A", "bay": 2}


def test_board_states_counts_and_offline_after_thirty_seconds(admin_ctx, feed, clock):
    feed(bay(1, "X60A0001", battery=100, upload=Upload(5, 5, 9, 9)),
         bay(2, "X60A0002", battery=40), bay(3, "X60A0003", battery=90,
                                              upload=Upload(1, 5, 1, 9)),
         bay(4, "X60A0004", error="upload failed"), bay(5, None))
    state = docks.board(admin_ctx)
    by_bay = {b.bay: b.state for b in state.docks[0].bay_rows}
    assert by_bay == {1: BayState.READY, 2: BayState.CHARGING, 3: BayState.UPLOADING,
                      4: BayState.ERROR, 5: BayState.EMPTY}
    assert state.counts["ready"] == 1 and state.counts["error"] == 1
    clock.advance(seconds=31)
    state = docks.board(admin_ctx)
    assert {b.state for b in state.docks[0].bay_rows} == {BayState.OFFLINE}
    assert state.alerts[0].kind == "offline" and "DOCK-A is offline" in state.alerts[0].text
    feed(Heartbeat("DOCK-A", TS))
    assert not docks.board(admin_ctx).docks[0].offline


def test_unregistered_camera_is_shown_alerted_and_can_be_registered(admin_ctx, feed):
    feed(bay(6, "ZZ999"))
    state = docks.board(admin_ctx)
    b6 = next(b for b in state.docks[0].bay_rows if b.bay == 6)
    assert not b6.registered and b6.unit_id is None
    assert any(a.kind == "unregistered" and "ZZ999" in a.text for a in state.alerts)
    row = docks.register_docked(admin_ctx, "zz999", "HPD-9", "Axon Body 4")
    assert row.dock_bay == "DOCK-A / bay 6"
    assert kinds(admin_ctx, "HPD-9")[:2] == [EventKind.DOCKED, EventKind.REGISTERED]
    assert not any(a.kind == "unregistered" for a in docks.board(admin_ctx).alerts)


def test_upload_without_progress_for_fifteen_minutes_is_an_alert(admin_ctx, feed, clock):
    stuck = Upload(2, 9, 500, 9000)
    feed(bay(1, "X60A0001", upload=stuck))
    for _ in range(16):
        clock.advance(minutes=1)
        feed(bay(1, "X60A0001", upload=stuck))
    alerts = docks.board(admin_ctx).alerts
    assert any(a.kind == "stalled" and "HPD-1" in a.text for a in alerts)
    feed(bay(1, "X60A0001", upload=Upload(3, 9, 900, 9000)))
    assert not any(a.kind == "stalled" for a in docks.board(admin_ctx).alerts)


def test_rates_and_time_until_ready(admin_ctx, feed, clock):
    feed(bay(1, "X60A0001", battery=40, upload=Upload(0, 10, 0, 6_000_000_000)))
    clock.advance(minutes=10)
    feed(bay(1, "X60A0001", battery=50, upload=Upload(2, 10, 1_200_000_000, 6_000_000_000)))
    b1 = docks.board(admin_ctx).docks[0].bay_rows[0]
    # 1 %/min leaves 30 min of charge; 2 MB/s leaves 40 min of upload: the upload decides.
    assert b1.eta == timedelta(minutes=40)


def test_the_readiness_gate_uses_the_bay_and_the_last_known_state(admin_ctx, feed):
    officer = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    feed(bay(1, "X60A0001", battery=40))
    assert not counter.plan_issue(admin_ctx, officer.id, "HPD-1").gate.ready
    feed(bay(1, None))  # taken off the charger at 40 %: still not ready
    gate = counter.plan_issue(admin_ctx, officer.id, "HPD-1").gate
    assert not gate.ready and "battery 40 %" in gate.describe()
    feed(bay(2, "X60A0001", battery=95, upload=Upload(4, 4, 8, 8)))
    assert counter.plan_issue(admin_ctx, officer.id, "HPD-1").gate.ready


def test_docking_clears_the_returned_not_docked_list(admin_ctx, feed, clock):
    officer = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    counter.issue_unit(admin_ctx, officer.id, "HPD-1", function_test=FunctionTest())
    clock.advance(hours=8)
    counter.return_unit(admin_ctx, "HPD-1")
    clock.advance(hours=1)
    assert [r.asset_tag for r in counter.returned_not_docked(admin_ctx)] == ["HPD-1"]
    feed(Heartbeat("DOCK-A", TS), bay(1, "X60A0001"))
    assert counter.returned_not_docked(admin_ctx) == []


def test_a_pooled_camera_docked_after_the_shift_is_returned(admin_ctx, feed, clock):
    officer = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    pool = assignments.create_pool(admin_ctx, "Traffic pool", "Traffic")
    unit_id = inventory.unit_detail(admin_ctx, "HPD-3").id
    assignments.put_in_pool(admin_ctx, [unit_id], pool.id)
    counter.issue_unit(admin_ctx, officer.id, "HPD-3", function_test=FunctionTest())
    clock.advance(hours=8)
    feed(bay(3, "X60A0003", battery=100))
    assert counter.out_now(admin_ctx) == []
    assert kinds(admin_ctx, "HPD-3")[:2] == [EventKind.RETURNED, EventKind.DOCKED]
    # ... unless the agency turned that off
    settings.change_settings(admin_ctx, {"unassign_pool_on_dock": False})
    feed(bay(3, None))
    counter.issue_unit(admin_ctx, officer.id, "HPD-3", function_test=FunctionTest())
    clock.advance(hours=8)
    feed(bay(3, "X60A0003", battery=100))
    assert [c.asset_tag for c in counter.out_now(admin_ctx)] == ["HPD-3"]


def test_errors_are_counted_per_dock(admin_ctx, clock):
    dock_registry.add_dock(admin_ctx, "DOCK-B", 4)
    board = DockBoard(clock)
    board.on_message("p", Hello("DOCK-B", 4))
    board.on_error("DOCK-B", 7, "bay 9 is out of range: DOCK-B announced 4 bays")
    board.on_error("DOCK-B", 8, "not JSON")
    docks.apply_changes(admin_ctx.as_actor(None), board.take_changes())
    dock = docks.board(admin_ctx).docks[0]
    assert dock.error_count == 2 and dock.last_error == "line 8: not JSON"


def test_the_real_feed_over_a_socket(admin_ctx):
    inventory.add_unit(admin_ctx, UnitInput("HPD-7", "X60A0007"))
    dock_registry.add_dock(admin_ctx, "DOCK-S", 4)
    live = DockFeed(admin_ctx, "127.0.0.1", 0, flush_seconds=0.05)
    live.start()
    try:
        with socket.create_connection(live.address, timeout=5) as conn:
            lines = [
                {"v": 1, "type": "hello", "dock": "DOCK-S", "bays": 4},
                {"v": 1, "type": "bay", "dock": "DOCK-S", "bay": 2, "serial": "X60A0007",
                 "battery": 88, "charging": False, "ts": "2026-11-26T22:00:00Z"},
                {"v": 1, "type": "bay", "dock": "DOCK-S", "bay": 9, "serial": None,
                 "ts": "2026-11-26T22:00:00Z"},
            ]
            conn.sendall(b"".join(json.dumps(x).encode() + b"\n" for x in lines))
            reply = json.loads(conn.makefile("rb").readline())
            assert reply["type"] == "error" and reply["line"] == 3
            deadline = datetime.now(UTC) + timedelta(seconds=10)
            while datetime.now(UTC) < deadline:
                unit = inventory.unit_detail(admin_ctx, "HPD-7")
                if unit.dock_bay:
                    break
            assert unit.dock_bay == "DOCK-S / bay 2"
    finally:
        live.stop()


def test_a_flush_that_could_not_be_written_is_written_with_the_next(admin_ctx, clock,
                                                                     monkeypatch):
    inventory.add_unit(admin_ctx, UnitInput("HPD-9", "X60A0009"))
    dock_registry.add_dock(admin_ctx, "DOCK-A", 8)
    feed = DockFeed(admin_ctx, "127.0.0.1", 0)
    feed.board.on_message("peer", Hello("DOCK-A", 8))
    feed.board.on_message("peer", bay(2, "X60A0009"))
    real = docks.apply_changes

    def database_away(ctx, changes):
        raise OSError("server closed the connection")

    monkeypatch.setattr(docks, "apply_changes", database_away)
    feed.flush()
    assert "server closed" in feed.last_error
    monkeypatch.setattr(docks, "apply_changes", real)
    feed.flush()  # nothing new arrived meanwhile: the kept changes are written now
    assert feed.last_error == ""
    unit = inventory.unit_detail(admin_ctx, "HPD-9")
    assert unit.dock_bay == "DOCK-A / bay 2"

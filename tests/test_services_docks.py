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
    dock_board,
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

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)

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
    # the battery as the camera arrived: the fleet health report's battery over time
    assert event.details == {"dock": "DOCK-A", "bay": 2, "battery": 50}


def test_board_states_counts_and_offline_after_thirty_seconds(admin_ctx, feed, clock):
    feed(bay(1, "X60A0001", battery=100, upload=Upload(5, 5, 9, 9)),
         bay(2, "X60A0002", battery=40), bay(3, "X60A0003", battery=90,
                                              upload=Upload(1, 5, 1, 9)),
         bay(4, "X60A0004", error="upload failed"), bay(5, None))
    state = dock_board.board(admin_ctx)
    by_bay = {b.bay: b.state for b in state.docks[0].bay_rows}
    assert by_bay == {1: BayState.READY, 2: BayState.CHARGING, 3: BayState.UPLOADING,
                      4: BayState.ERROR, 5: BayState.EMPTY}
    assert state.counts["ready"] == 1 and state.counts["error"] == 1
    clock.advance(seconds=31)
    state = dock_board.board(admin_ctx)
    assert {b.state for b in state.docks[0].bay_rows} == {BayState.OFFLINE}
    assert state.alerts[0].kind == "offline" and "DOCK-A is offline" in state.alerts[0].text
    feed(Heartbeat("DOCK-A", TS))
    assert not dock_board.board(admin_ctx).docks[0].offline


def test_unregistered_camera_is_shown_alerted_and_can_be_registered(admin_ctx, feed):
    feed(bay(6, "ZZ999"))
    state = dock_board.board(admin_ctx)
    b6 = next(b for b in state.docks[0].bay_rows if b.bay == 6)
    assert not b6.registered and b6.unit_id is None
    assert any(a.kind == "unregistered" and "ZZ999" in a.text for a in state.alerts)
    row = docks.register_docked(admin_ctx, "zz999", "HPD-9", "Axon Body 4")
    assert row.dock_bay == "DOCK-A / bay 6"
    assert kinds(admin_ctx, "HPD-9")[:2] == [EventKind.DOCKED, EventKind.REGISTERED]
    assert not any(a.kind == "unregistered" for a in dock_board.board(admin_ctx).alerts)


def test_upload_without_progress_for_fifteen_minutes_is_an_alert(admin_ctx, feed, clock):
    stuck = Upload(2, 9, 500, 9000)
    feed(bay(1, "X60A0001", upload=stuck))
    for _ in range(16):
        clock.advance(minutes=1)
        feed(bay(1, "X60A0001", upload=stuck))
    alerts = dock_board.board(admin_ctx).alerts
    assert any(a.kind == "stalled" and "HPD-1" in a.text for a in alerts)
    feed(bay(1, "X60A0001", upload=Upload(3, 9, 900, 9000)))
    assert not any(a.kind == "stalled" for a in dock_board.board(admin_ctx).alerts)


def test_rates_and_time_until_ready(admin_ctx, feed, clock):
    feed(bay(1, "X60A0001", battery=40, upload=Upload(0, 10, 0, 6_000_000_000)))
    clock.advance(minutes=10)
    feed(bay(1, "X60A0001", battery=50, upload=Upload(2, 10, 1_200_000_000, 6_000_000_000)))
    b1 = dock_board.board(admin_ctx).docks[0].bay_rows[0]
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
    officer = officers.add_officer(
        admin_ctx, OfficerInput("0412", "Smith", "John", division="Traffic"))  # the pool's
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
    dock = dock_board.board(admin_ctx).docks[0]
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

    def database_away(ctx, changes, between=None):
        raise OSError("server closed the connection")

    monkeypatch.setattr(docks, "apply_changes", database_away)
    feed.flush()
    assert "server closed" in feed.last_error
    monkeypatch.setattr(docks, "apply_changes", real)
    feed.flush()  # nothing new arrived meanwhile: the kept changes are written now
    assert feed.last_error == ""
    unit = inventory.unit_detail(admin_ctx, "HPD-9")
    assert unit.dock_bay == "DOCK-A / bay 2"


# --- nothing lost, nobody in: registered docks only, refused lines write nothing -------------

TOKEN = "s3cret-token"


class LiveFeed:
    """The real feed's server over loopback, flushed by the test (no flusher thread)."""

    def __init__(self, ctx, token=TOKEN):
        self.feed = DockFeed(ctx, "127.0.0.1", 0, token=token)
        self.feed.refresh_registry()
        self.feed.server.start()
        self.sock = socket.create_connection(self.feed.address, timeout=15)
        self.reader = self.sock.makefile("rb")

    def send(self, *messages):
        self.sock.sendall(b"".join(json.dumps(m).encode() + b"\n" for m in messages))

    def replies(self, n):
        return [json.loads(self.reader.readline()) for _ in range(n)]

    def sync(self):
        """Every line sent so far has been handled: a bad line's reply comes after them."""
        self.send({"v": 2})
        while not self.replies(1)[0]["reason"].startswith("protocol version 2"):
            pass
        self.feed.flush()

    def close(self):
        self.reader.close()
        self.sock.close()
        self.feed.stop()


@pytest.fixture
def live_feed(admin_ctx):
    feeds = []

    def make(**kwargs):
        feeds.append(LiveFeed(admin_ctx, **kwargs))
        return feeds[-1]

    yield make
    for f in feeds:
        f.close()


def hello(dock, token=TOKEN, bays=8):
    message = {"v": 1, "type": "hello", "dock": dock, "bays": bays}
    if token is not None:
        message["token"] = token
    return message


def beat(dock):
    return {"v": 1, "type": "heartbeat", "dock": dock, "ts": "2026-11-26T22:00:00Z"}


def dock_names(ctx):
    return [d.name for d in dock_registry.list_docks(ctx)]


def test_refused_lines_write_nothing(admin_ctx, live_feed):
    dock_registry.add_dock(admin_ctx, "DOCK-A", 8)
    live = live_feed()
    # A wrong token, a heartbeat without hello, a stranger naming the real dock in bad lines.
    live.send(hello("DOCK-EVIL", token="guess"), beat("DOCK-GHOST"),
              {"v": 1, "type": "bay", "dock": "DOCK-A", "bay": 99, "serial": None,
               "ts": "2026-11-26T22:00:00Z"},
              hello("DOCK-A", token="wrong"), beat("DOCK-A"))
    assert [r["line"] for r in live.replies(5)] == [1, 2, 3, 4, 5]
    # Thousands of unique hellos with the right token from a dock nobody registered.
    live.send(*[hello(f"FAKE-{i}") for i in range(2000)])
    replies = live.replies(2000)
    assert "not a registered dock" in replies[0]["reason"]
    assert "bwc-desk docks add FAKE-0 --bays N" in replies[0]["reason"]
    live.sync()
    assert dock_names(admin_ctx) == ["DOCK-A"]
    dock = dock_board.board(admin_ctx).docks[0]
    assert dock.error_count == 0 and dock.last_seen_at is None


def test_a_registered_dock_reports_and_only_its_own_errors_count(admin_ctx, live_feed):
    inventory.add_unit(admin_ctx, UnitInput("HPD-7", "X60A0007"))
    dock_registry.add_dock(admin_ctx, "DOCK-A", 8)
    live, stranger = live_feed(), live_feed()
    live.send(hello("DOCK-A"), {"v": 1, "type": "bay", "dock": "DOCK-A", "bay": 2,
                                "serial": "X60A0007", "battery": 90,
                                "ts": "2026-11-26T22:00:00Z"},
              {"v": 1, "type": "bay", "dock": "DOCK-A", "bay": 9, "serial": None,
               "ts": "2026-11-26T22:00:00Z"})
    assert live.replies(1)[0]["line"] == 3
    stranger.send(*[{"v": 1, "type": "bay", "dock": "DOCK-A", "bay": 1, "serial": None,
                     "ts": "bad"}] * 50)
    stranger.replies(50)
    stranger.sync()
    live.sync()
    dock = dock_board.board(admin_ctx).docks[0]
    assert dock.error_count == 1  # its bay 9; none of the stranger's 50
    assert inventory.unit_detail(admin_ctx, "HPD-7").dock_bay == "DOCK-A / bay 2"


def test_a_removed_dock_writes_nothing_more(admin_ctx, feed, clock):
    dock_registry.remove_dock(admin_ctx, "DOCK-A")
    feed(bay(1, "X60A0001"))
    assert dock_names(admin_ctx) == []
    assert EventKind.DOCKED not in kinds(admin_ctx, "HPD-1")


def test_registering_and_removing_docks_is_admin_only_and_audited(admin_ctx, qm_ctx, sup_ctx,
                                                                   feed):
    from bwc_desk.domain.errors import ConflictError, PermissionDenied, ValidationError
    from bwc_desk.services import audit

    for ctx in (qm_ctx, sup_ctx):
        with pytest.raises(PermissionDenied):
            dock_registry.add_dock(ctx, "DOCK-Q", 4)
        with pytest.raises(PermissionDenied):
            dock_registry.remove_dock(ctx, "DOCK-A")
        with pytest.raises(PermissionDenied):
            dock_registry.open_admission(ctx, 5)
    with pytest.raises(ConflictError, match="registered already"):
        dock_registry.add_dock(admin_ctx, "DOCK-A", 8)
    with pytest.raises(ValidationError, match="1 to 64 bays"):
        dock_registry.add_dock(admin_ctx, "DOCK-B", 65)
    info = dock_registry.add_dock(admin_ctx, " DOCK-B ", 4, "back room")
    assert (info.name, info.bays, info.location) == ("DOCK-B", 4, "back room")
    feed(bay(3, "X60A0003"))
    with pytest.raises(ConflictError, match=r"DOCK-A still reports cameras in bay 3 \(HPD-3\)"):
        dock_registry.remove_dock(admin_ctx, "DOCK-A")
    assert dock_names(admin_ctx) == ["DOCK-A", "DOCK-B"]
    removed = dock_registry.remove_dock(admin_ctx, "DOCK-A", force=True)
    assert removed.cameras == 1
    assert kinds(admin_ctx, "HPD-3")[0] is EventKind.UNDOCKED
    assert inventory.unit_detail(admin_ctx, "HPD-3").dock_bay == ""
    events = [(r.event, r.details.get("dock")) for r in audit.list_audit(admin_ctx)]
    assert ("dock registered", "DOCK-B") in events and ("dock removed", "DOCK-A") in events
    assert "action refused" in [e for e, _ in events]


def test_the_admit_window_registers_docks_that_say_hello(admin_ctx, live_feed, clock):
    from bwc_desk.services import audit

    live = live_feed()
    live.send(hello("DOCK-N"))
    assert "not a registered dock" in live.replies(1)[0]["reason"]
    dock_registry.open_admission(admin_ctx, 5)
    live.feed.refresh_registry()
    live.send(hello("DOCK-N", bays=6), beat("DOCK-N"))
    live.sync()
    assert dock_names(admin_ctx) == ["DOCK-N"]
    assert dock_board.board(admin_ctx).docks[0].bays == 6
    assert "dock admitted" in [r.event for r in audit.list_audit(admin_ctx)]
    clock.advance(minutes=6)  # the window closes by itself
    live.feed.refresh_registry()
    live.send(hello("DOCK-M"))
    assert "not a registered dock" in live.replies(1)[0]["reason"]
    live.sync()
    assert dock_names(admin_ctx) == ["DOCK-N"]
    assert dock_registry.admission(admin_ctx) is None


def test_the_admit_window_admits_a_bounded_number(admin_ctx, live_feed):
    dock_registry.open_admission(admin_ctx, 5)
    live = live_feed()
    live.send(*[hello(f"FLOOD-{i}") for i in range(300)])
    live.sync()
    assert len(dock_names(admin_ctx)) <= dock_registry.MAX_ADMITTED_PER_WINDOW


# --- a dock cannot forge custody --------------------------------------------------------------


def test_a_flapping_bay_writes_at_most_one_pair_a_minute(admin_ctx, feed, clock):
    feed(bay(1, "X60A0001"))
    for _ in range(300):  # in and out every second for ten minutes
        clock.advance(seconds=1)
        feed(bay(1, None))
        clock.advance(seconds=1)
        feed(bay(1, "X60A0001"))
    assert kinds(admin_ctx, "HPD-1").count(EventKind.DOCKED) == 1
    assert EventKind.UNDOCKED not in kinds(admin_ctx, "HPD-1")
    # Out for longer than a minute: one undocked record, then one docked on return.
    feed(bay(1, None))
    clock.advance(seconds=30)
    feed(Heartbeat("DOCK-A", TS))
    assert EventKind.UNDOCKED not in kinds(admin_ctx, "HPD-1")
    clock.advance(seconds=31)
    feed(Heartbeat("DOCK-A", TS))
    event = inventory.unit_history(admin_ctx, inventory.unit_detail(admin_ctx, "HPD-1").id)[0]
    assert event.kind is EventKind.UNDOCKED and event.details["bay"] == 1
    assert "left_at" in event.details
    feed(bay(1, "X60A0001"))
    assert kinds(admin_ctx, "HPD-1")[:3] == [EventKind.DOCKED, EventKind.UNDOCKED,
                                             EventKind.DOCKED]


def test_an_undocked_record_waiting_survives_a_restart(admin_ctx, feed, clock):
    feed(bay(1, "X60A0001"))
    feed(bay(1, None))
    clock.advance(minutes=5)
    restarted = DockFeed(admin_ctx, "127.0.0.1", 0)  # nothing in its memory
    restarted.flush()
    assert kinds(admin_ctx, "HPD-1")[0] is EventKind.UNDOCKED


def issue_to(ctx, tag, last="Mendoza"):
    officer = officers.add_officer(ctx, OfficerInput("0226", last, "Ana"))
    counter.issue_unit(ctx, officer.id, tag, function_test=FunctionTest())
    return officer


def test_an_issued_officer_camera_in_a_dock_is_not_returned_but_alerted(admin_ctx, feed, clock):
    issue_to(admin_ctx, "HPD-2")
    issued_at = clock()
    clock.advance(hours=1)
    feed(bay(1, "X60A0002", battery=100, upload=Upload(3, 3, 9, 9)))
    assert [c.asset_tag for c in counter.out_now(admin_ctx)] == ["HPD-2"]
    assert EventKind.RETURNED not in kinds(admin_ctx, "HPD-2")
    state = dock_board.board(admin_ctx)
    tile = state.docks[0].bay_rows[0]
    assert tile.issued and tile.issued_to == "Mendoza" and tile.state is BayState.READY
    alert = next(a for a in dock_board.alerts(admin_ctx) if a.kind == dock_board.ISSUED_IN_DOCK)
    local = issued_at.astimezone(admin_ctx.zone)
    assert alert.text == (f"HPD-2 is in DOCK-A bay 1 but is issued to Mendoza since "
                          f"{local:%H:%M}")
    assert (alert.unit_tag, alert.dock, alert.bay, alert.officer, alert.issued_at) == (
        "HPD-2", "DOCK-A", 1, "Mendoza", issued_at)
    counter.return_unit(admin_ctx, "HPD-2")  # returned at the counter: the alert goes
    assert not any(a.kind == dock_board.ISSUED_IN_DOCK for a in dock_board.alerts(admin_ctx))


def test_a_camera_issued_from_its_bay_is_not_an_alert_until_it_comes_back(
        admin_ctx, feed, clock):
    """The officer takes the camera from its bay around the issue; the dock may still see
    it there for a while. Only a docking after the issue is a camera that turned up."""
    feed(bay(1, "X60A0002", battery=100, upload=Upload(3, 3, 9, 9)))
    clock.advance(seconds=10)
    issue_to(admin_ctx, "HPD-2")
    clock.advance(seconds=20)
    feed(bay(1, "X60A0002", battery=100, upload=Upload(3, 3, 9, 9)))  # not lifted out yet
    assert not any(a.kind == dock_board.ISSUED_IN_DOCK for a in dock_board.alerts(admin_ctx))
    assert dock_board.board(admin_ctx).docks[0].bay_rows[0].issued  # the tile still says so
    feed(bay(1, None))
    clock.advance(hours=3)
    feed(bay(1, "X60A0002", battery=60))  # back in a bay while still issued
    assert [a.unit_tag for a in dock_board.alerts(admin_ctx)
            if a.kind == dock_board.ISSUED_IN_DOCK] == ["HPD-2"]


def test_a_bay_that_reports_an_error_is_an_alert(admin_ctx, feed, clock):
    """An upload that failed is footage not offloaded: listed with the other alerts (a
    hands-on tester saw error bays only on their tiles)."""
    feed(bay(4, "X60A0004", error="upload failed: network unreachable"), bay(2, "X60A0002"))
    errors = [a for a in dock_board.alerts(admin_ctx) if a.kind == dock_board.BAY_ERROR]
    assert [(a.unit_tag, a.bay, a.text) for a in errors] == [
        ("HPD-4", 4, "DOCK-A bay 4: HPD-4 reports an error: upload failed: network "
                     "unreachable. Reseat the camera; if it stays, check the dock, its "
                     "network and the evidence server.")]
    feed(bay(4, "X60A0004"))  # the error cleared
    assert not [a for a in dock_board.alerts(admin_ctx) if a.kind == dock_board.BAY_ERROR]


def test_a_stolen_or_in_repair_camera_in_a_bay_is_never_shown_as_ready(admin_ctx, feed, clock):
    """A hands-on tester's finding: a camera marked stolen showed as "CHARGING ... ready in
    3 min" and one in repair as a green READY, with no alert: a clerk picking a charged
    camera off the dock wall was steered to exactly these. Now the tile says what the
    camera is, it is counted apart from the ready ones, and an alert says what to do."""
    inventory.mark_stolen(admin_ctx, "HPD-1", "taken from a patrol car")
    inventory.send_to_repair(admin_ctx, "HPD-2", "cracked lens")
    done = Upload(3, 3, 9, 9)
    feed(bay(1, "X60A0001", battery=40), bay(2, "X60A0002", battery=100, upload=done),
         bay(3, "X60A0003", battery=100, upload=done))
    state = dock_board.board(admin_ctx)
    tiles = {b.bay: b for b in state.docks[0].bay_rows}
    assert (tiles[1].held, tiles[2].held, tiles[3].held) == ("stolen", "in repair", "")
    assert tiles[3].state is BayState.READY
    assert state.counts[BayState.READY.value] == 1  # HPD-3 only
    assert state.counts[dock_board.HELD_COUNT] == 2
    held = [a for a in state.alerts if a.kind == dock_board.HELD_IN_DOCK]
    assert [(a.unit_tag, a.bay) for a in held] == [("HPD-1", 1), ("HPD-2", 2)]
    assert held[0].text == ("HPD-1 in DOCK-A bay 1 is recorded as stolen: do not hand it "
                            "out. A supervisor returns it to service in Inventory once it "
                            "is cleared.")
    assert "in repair" in held[1].text and "do not hand it out" in held[1].text
    inventory.return_to_service(admin_ctx, "HPD-2", "repaired")  # back: ready again
    state = dock_board.board(admin_ctx)
    assert [b.bay for b in state.docks[0].bay_rows if b.held] == [1]
    assert state.counts[BayState.READY.value] == 2


def test_the_agency_may_return_officer_cameras_on_docking(admin_ctx, feed, clock):
    settings.change_settings(admin_ctx, {"return_assigned_on_dock": True})
    issue_to(admin_ctx, "HPD-2")
    clock.advance(hours=8)
    feed(bay(1, "X60A0002", battery=100))
    assert counter.out_now(admin_ctx) == []
    assert kinds(admin_ctx, "HPD-2")[:2] == [EventKind.RETURNED, EventKind.DOCKED]
    assert not any(a.kind == dock_board.ISSUED_IN_DOCK for a in dock_board.alerts(admin_ctx))


def test_an_unregistered_camera_is_never_shown_ready(admin_ctx, feed):
    feed(bay(6, "ZZ999", battery=100, upload=Upload(1, 1, 5, 5)))
    b6 = next(b for b in dock_board.board(admin_ctx).docks[0].bay_rows if b.bay == 6)
    assert b6.state is BayState.NOT_REGISTERED and b6.state.label == "Not registered"


def test_returned_not_docked_is_right_whatever_the_order_of_docked_and_returned(
        admin_ctx, feed, clock):
    officer = officers.add_officer(
        admin_ctx, OfficerInput("0412", "Smith", "John", division="Traffic"))  # the pool's
    pool = assignments.create_pool(admin_ctx, "Traffic pool", "Traffic")
    unit_id = inventory.unit_detail(admin_ctx, "HPD-3").id
    assignments.put_in_pool(admin_ctx, [unit_id], pool.id)
    counter.issue_unit(admin_ctx, officer.id, "HPD-3", function_test=FunctionTest())
    clock.advance(hours=8)
    feed(bay(3, "X60A0003", battery=100))  # docked, then returned by that docking
    assert kinds(admin_ctx, "HPD-3")[:2] == [EventKind.RETURNED, EventKind.DOCKED]
    clock.advance(hours=2)
    feed(bay(3, None))  # charged and taken to the shelf
    clock.advance(hours=1)
    feed(Heartbeat("DOCK-A", TS))
    assert counter.returned_not_docked(admin_ctx) == []


def test_a_camera_registered_in_its_bay_is_undocked_when_it_leaves(admin_ctx, feed, clock):
    feed(bay(6, "ZZ999"))
    docks.register_docked(admin_ctx, "ZZ999", "HPD-9")
    feed(bay(6, None))
    clock.advance(seconds=61)
    feed(Heartbeat("DOCK-A", TS))
    assert kinds(admin_ctx, "HPD-9")[:3] == [EventKind.UNDOCKED, EventKind.DOCKED,
                                             EventKind.REGISTERED]


def test_bay_reports_do_not_grow_the_statement_cache(admin_ctx, feed, clock):
    """Bays report every second with a different mix of changed fields; the writes keep one
    statement shape, so SQLAlchemy's compiled-statement cache (and the idle app's memory)
    does not grow with each new mix."""
    import random

    rng = random.Random(3)

    def varied(n):
        upload = Upload(rng.randint(0, 2), 2, rng.randint(0, 9), 9) if rng.random() < .5 else None
        return bay(n, f"X60A000{n}" if n < 5 else None, battery=rng.choice([50, 60, None]),
                   upload=upload, error=rng.choice([None, "hot"]), updating=rng.random() < .5)

    for _ in range(5):
        feed(*[varied(n) for n in range(1, 9)])
    from bwc_desk.store.models import Bay, UnitReading

    def cached():  # the engine's statements and the ORM's own UPDATEs per mapper
        return (len(admin_ctx.db.engine._compiled_cache)
                + sum(len(m.__mapper__._compiled_cache) for m in (Bay, UnitReading)))

    before = cached()
    for _ in range(60):
        clock.advance(seconds=1)
        feed(*[varied(n) for n in range(1, 9)])
    assert cached() - before <= 5


def test_each_flush_tells_what_it_wrote_once_with_its_ids(admin_ctx, clock, tmp_path):
    """The feed tells this station's views what each flush committed (the docks, and the
    cameras that arrived), as its own writes: a poll does not tell the cameras again. (On
    SQLite nothing else told the views in time: the Docks view waited for its timer, and
    the 5-second poll told a camera's arrival with every view reloading.)"""
    from bwc_desk.services import changes
    from bwc_desk.services.changeset import ChangeSet

    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "X60A0001"))
    dock_registry.add_dock(admin_ctx, "DOCK-A", 8)
    marks, _ = changes.poll(admin_ctx, None)
    told: list[ChangeSet] = []
    feed = DockFeed(admin_ctx, "127.0.0.1", 0, journal=tmp_path / "journal.jsonl",
                    on_change=told.append)
    feed.open_journal()
    feed.board.on_message("peer", Hello("DOCK-A", 8))
    feed.board.on_message("peer", bay(1, "X60A0001"))
    feed.flush()
    unit = inventory.unit_detail(admin_ctx, "HPD-1")
    assert len(told) == 1
    assert told[0].touches("docks") and told[0].touches("custody")
    assert unit.id in told[0].units
    assert told[0].complete and len(told[0].docks) == 1
    feed.flush()  # nothing new: nothing told
    assert len(told) == 1
    _, seen = changes.poll(admin_ctx, marks)
    assert seen is None or not seen.touches("custody")
    feed.journal.close()


def test_a_flush_is_written_in_parts_of_whole_docks(admin_ctx, clock, monkeypatch):
    """The writer's lock is given back between parts of a flush (a scan at the counter
    waits for one part, not for every bay); a camera moved from a dock of one part to a dock
    of another is undocked there and docked here, whichever part is written first."""
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "X60A0001"))
    for name in ("DOCK-A", "DOCK-B", "DOCK-C"):
        dock_registry.add_dock(admin_ctx, name, 2)
    board = DockBoard(clock)
    feed_ctx = admin_ctx.as_actor(None)

    def send(*messages):
        for m in messages:
            board.on_message("peer", m)
        docks.apply_changes(feed_ctx, board.take_changes())

    def at(dock, n, serial):
        present = frozenset({"battery", "charging", "upload", "updating", "error"})
        return BayReport(dock, n, serial, 50, True, None, False, None, TS, present)

    hellos = [Hello(name, 2) for name in ("DOCK-A", "DOCK-B", "DOCK-C")]
    changes = DockBoard(clock)
    for m in [*hellos, *(at(d.dock, n, None) for d in hellos for n in (1, 2))]:
        changes.on_message("peer", m)
    cut = docks.parts(changes.take_changes(), most=2)
    assert [sorted({b.dock for b in p.bays}) for p in cut] == [["DOCK-A"], ["DOCK-B"],
                                                               ["DOCK-C"]]
    assert all(set(p.docks) == {b.dock for b in p.bays} for p in cut)

    monkeypatch.setattr(docks, "PART_BAYS", 1)
    writes = []
    real = admin_ctx.db.write

    def counted():
        writes.append(1)
        return real()

    monkeypatch.setattr(admin_ctx.db, "write", counted)
    send(*hellos, at("DOCK-C", 1, "X60A0001"))
    clock.advance(seconds=5)
    writes.clear()
    # moved from DOCK-C (written last) to DOCK-A (written first), in one flush
    send(at("DOCK-A", 2, "X60A0001"), at("DOCK-C", 1, None))
    assert len(writes) == 2
    clock.advance(seconds=5)
    # and back, DOCK-A's part first again
    send(at("DOCK-A", 2, None), at("DOCK-C", 1, "X60A0001"))
    assert kinds(admin_ctx, "HPD-1")[:4] == [
        EventKind.DOCKED, EventKind.UNDOCKED, EventKind.DOCKED, EventKind.UNDOCKED,
    ]
    assert inventory.unit_detail(admin_ctx, "HPD-1").dock_bay == "DOCK-C / bay 1"


def test_a_report_that_says_nothing_new_is_written_every_few_seconds(admin_ctx, feed, clock):
    """A camera sitting in its bay, charged, reports the same every second: its bay is
    written again only every RESTATE_EVERY (to move its time of report); a change is
    written at once."""

    def reported():
        (row,) = [b for b in dock_board.list_bays(admin_ctx) if b.bay == 1]
        return row.reported_at, row.battery

    feed(bay(1, "X60A0001", battery=90))
    first, _ = reported()
    clock.advance(seconds=1)
    feed(bay(1, "X60A0001", battery=90))
    assert reported() == (first, 90)  # nothing new: not written
    clock.advance(seconds=1)
    feed(bay(1, "X60A0001", battery=91))
    second, battery = reported()
    assert battery == 91 and second == first + timedelta(seconds=2)
    clock.advance(seconds=docks.RESTATE_EVERY.total_seconds())
    feed(bay(1, "X60A0001", battery=91))
    assert reported()[0] == second + docks.RESTATE_EVERY  # written again, to say it is there


def test_a_camera_added_to_the_inventory_while_in_its_bay_is_known_at_the_next_report(
    admin_ctx, clock
):
    """A bay's camera the inventory did not know, added through Inventory (not the bay's
    "register it"): the next report ties the bay to it and gives it a reading, although the
    bay holds the camera it held (the plain-row path leaves such bays to the full one)."""
    dock_registry.add_dock(admin_ctx, "DOCK-A", 8)
    board = DockBoard(clock)

    def send(*messages):
        for m in messages:
            board.on_message("peer", m)
        docks.apply_changes(admin_ctx.as_actor(None), board.take_changes())

    send(Hello("DOCK-A", 8), bay(1, "X60A0009", battery=70))
    (row,) = [b for b in dock_board.list_bays(admin_ctx) if b.bay == 1]
    assert not row.registered
    inventory.add_unit(admin_ctx, UnitInput("HPD-9", "X60A0009"))
    clock.advance(seconds=1)
    send(bay(1, "X60A0009", battery=71))
    (row,) = [b for b in dock_board.list_bays(admin_ctx) if b.bay == 1]
    assert row.registered and row.asset_tag == "HPD-9" and row.battery == 71
    assert inventory.unit_detail(admin_ctx, "HPD-9").dock_bay == "DOCK-A / bay 1"
    clock.advance(seconds=1)
    send(bay(1, "X60A0009", battery=72))  # now the plain-row path: still written
    (row,) = [b for b in dock_board.list_bays(admin_ctx) if b.bay == 1]
    assert row.battery == 72


def test_a_camera_issued_and_left_in_its_bay_is_not_ready_and_alerted_after_a_while(
        admin_ctx, feed, clock):
    """Issued at the counter while it sits charged in its bay: not one of the ready cameras
    (a supervisor counts those to hand out), and if it is still there after a couple of
    minutes, an alert says so (hand it over, or undo the issue)."""
    feed(bay(1, "X60A0002", battery=100, upload=Upload(3, 3, 9, 9)))
    before = dock_board.board(admin_ctx).counts
    clock.advance(seconds=10)
    issue_to(admin_ctx, "HPD-2")
    clock.advance(seconds=20)
    feed(bay(1, "X60A0002", battery=100, upload=Upload(3, 3, 9, 9)))
    state = dock_board.board(admin_ctx)
    assert state.counts["ready"] == before["ready"] - 1
    assert state.counts[dock_board.ISSUED_COUNT] == 1
    assert not any(a.kind == dock_board.LEFT_IN_DOCK for a in state.alerts)  # (being lifted)
    clock.advance(seconds=dock_board.LEFT_IN_DOCK_AFTER_S)
    feed(bay(1, "X60A0002", battery=100, upload=Upload(3, 3, 9, 9)))
    (alert,) = [a for a in dock_board.alerts(admin_ctx) if a.kind == dock_board.LEFT_IN_DOCK]
    assert alert.text.startswith("HPD-2 was issued to Mendoza at ")
    assert "still in DOCK-A bay 1" in alert.text and "undo" in alert.text
    assert (alert.unit_tag, alert.dock, alert.bay) == ("HPD-2", "DOCK-A", 1)
    feed(bay(1, None))  # lifted out: nothing to say
    state = dock_board.board(admin_ctx)
    assert not any(a.kind == dock_board.LEFT_IN_DOCK for a in state.alerts)
    assert state.counts[dock_board.ISSUED_COUNT] == 0

"""Nothing lost while the database is away: the dock feed journals every docking move
(fsynced, in the data folder) and writes it with its own time, once, when the database is
back; a crash or a lost answer part-way through the replay neither loses nor repeats one."""

from __future__ import annotations

import json
import logging
import os
import stat
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bwc_desk.adapters.dockfeed.journal import FeedJournal
from bwc_desk.adapters.dockfeed.protocol import BayReport, Hello
from bwc_desk.services import dock_registry, dockfeed, inventory
from bwc_desk.services import docks as docks_module
from bwc_desk.services.dockfeed import DockFeed, journal_path
from bwc_desk.services.inventory import UnitInput
from bwc_desk.store.db import Database
from bwc_desk.store.models import CustodyEvent, FeedJournalMark, Unit

pytestmark = pytest.mark.both_backends

TS = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)


class FlakyDatabase(Database):
    """The same database, made unreachable on demand: every transaction begun while ``away``
    raises OperationalError, as a lost server does. ``lose_answers`` commits the next n
    writes and then raises anyway (the connection died before the answer came back)."""

    away = False
    fail_after = -1  # write transactions let through before the "crash"; -1: no crash
    lose_answers = 0

    def _down(self) -> None:
        if self.away:
            raise OperationalError("BEGIN", {}, ConnectionError("server closed the connection"))
        if self.fail_after == 0:
            self.away = True
            self._down()
        if self.fail_after > 0:
            self.fail_after -= 1

    @contextmanager
    def write(self):  # type: ignore[override]
        self._down()
        with super().write() as session:
            yield session
        if self.lose_answers:
            self.lose_answers -= 1
            raise OperationalError("COMMIT", {}, ConnectionError("connection lost"))

    @contextmanager
    def read(self):  # type: ignore[override]
        self._down()
        with super().read() as session:
            yield session


@pytest.fixture
def room(admin_ctx):
    for i in range(1, 4):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-{i}", f"X60A000{i}"))
    dock_registry.add_dock(admin_ctx, "DOCK-A", 8)
    flaky = FlakyDatabase(admin_ctx.db.url.render_as_string(hide_password=False))
    yield replace(admin_ctx, db=flaky), flaky
    flaky.dispose()


def bay(n, serial, battery=50):
    present = frozenset({"battery", "charging", "upload", "updating", "error"})
    return BayReport("DOCK-A", n, serial, battery, True, None, False, None, TS, present)


def new_feed(ctx, tmp_path):
    feed = DockFeed(ctx, "127.0.0.1", 0, journal=tmp_path / "data" / "journal.jsonl")
    feed.open_journal()
    feed.board.on_message("peer", Hello("DOCK-A", 8))
    return feed


def history(ctx):
    """(asset tag, kind, at, details) of every docking record, oldest first."""
    with ctx.db.read() as s:
        rows = s.execute(
            select(Unit.asset_tag, CustodyEvent.kind, CustodyEvent.at, CustodyEvent.details)
            .join(Unit, Unit.id == CustodyEvent.unit_id)
            .where(CustodyEvent.kind.in_(("docked", "undocked")))
            .order_by(CustodyEvent.seq)
        ).all()
    return [(tag, kind, at, json.loads(details)) for tag, kind, at, details in rows]


def play_the_outage(feed, clock, flaky):
    """Four docking moves while the database is away; returns their times."""
    flaky.away = True
    times = {}
    for name, seconds, message in (
        ("hpd1 leaves bay 1", 10, bay(1, None)),
        ("hpd2 docks in bay 2", 20, bay(2, "X60A0002")),
        ("hpd1 docks in bay 3", 30, bay(3, "X60A0001")),
        ("hpd2 leaves bay 2", 120, bay(2, None)),
    ):
        times[name] = clock.advance(seconds=seconds)
        feed.board.on_message("peer", message)
        feed.flush()  # the database is away: nothing is written, nothing is thrown
        assert "server closed" in feed.last_error
    return times


def expected(t0, times):
    return [
        ("HPD-1", "docked", t0, {"dock": "DOCK-A", "bay": 1, "battery": 50}),
        (
            "HPD-2", "docked", times["hpd2 docks in bay 2"],
            {"dock": "DOCK-A", "bay": 2, "battery": 50},
        ),
        # moved to another bay within the minute: undocked there as it docks here
        (
            "HPD-1",
            "undocked",
            times["hpd1 docks in bay 3"],
            {"dock": "DOCK-A", "bay": 1, "left_at": _ts(times["hpd1 leaves bay 1"])},
        ),
        (
            "HPD-1", "docked", times["hpd1 docks in bay 3"],
            {"dock": "DOCK-A", "bay": 3, "battery": 50},
        ),
        # out for a minute: undocked dated when it fell due, as a live feed writes it
        (
            "HPD-2",
            "undocked",
            times["hpd2 leaves bay 2"] + timedelta(minutes=1),
            {"dock": "DOCK-A", "bay": 2, "left_at": _ts(times["hpd2 leaves bay 2"])},
        ),
    ]


def _ts(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_moves_made_while_the_database_is_away_arrive_with_their_own_times_once(
    room, clock, tmp_path, caplog
):
    ctx, flaky = room
    feed = new_feed(ctx, tmp_path)
    t0 = clock()
    feed.board.on_message("peer", bay(1, "X60A0001"))
    feed.flush()
    times = play_the_outage(feed, clock, flaky)
    # "cannot be reached" once a minute at most (3 minutes, 4 flushes: 2), not once a flush
    away = [r for r in caplog.records if "cannot be reached" in r.getMessage()]
    assert len(away) == 2 and "journal" in away[0].getMessage()

    clock.advance(minutes=5)  # the database is back five minutes later
    flaky.away = False
    feed.flush()
    feed.flush()
    assert feed.last_error == ""
    assert history(ctx) == expected(t0, times)
    assert inventory.unit_detail(ctx, "HPD-1").dock_bay == "DOCK-A / bay 3"
    assert inventory.unit_detail(ctx, "HPD-2").dock_bay == ""
    assert any("database is back" in r.getMessage() for r in caplog.records)


def test_a_crash_part_way_through_the_replay_neither_loses_nor_repeats(
    room, clock, tmp_path, monkeypatch
):
    ctx, flaky = room
    monkeypatch.setattr(dockfeed, "REPLAY_BATCH", 1)  # a transaction per move, to fail between
    feed = new_feed(ctx, tmp_path)
    t0 = clock()
    feed.board.on_message("peer", bay(1, "X60A0001"))
    feed.flush()
    times = play_the_outage(feed, clock, flaky)
    feed.stop()  # the station goes down with four moves in its journal

    clock.advance(minutes=5)
    # The station comes back, the database too; the database drops again after the first
    # replayed move, and the second move's commit succeeds but its answer is lost.
    flaky.away, flaky.fail_after = False, 3  # the mark read, then two writes
    flaky.lose_answers = 0
    second = DockFeed(ctx, "127.0.0.1", 0, journal=tmp_path / "data" / "journal.jsonl")
    second.open_journal()
    second.replay()  # mark read (1), move 1 written (2), move 2 written (3), then away
    assert flaky.away
    flaky.away, flaky.fail_after, flaky.lose_answers = False, -1, 1
    second.replay()  # move 3 committed, its answer lost: counted as not done
    assert "connection lost" in second.last_error
    second.journal.close()

    third = DockFeed(ctx, "127.0.0.1", 0, journal=tmp_path / "data" / "journal.jsonl")
    third.open_journal()
    third.board.on_message("peer", Hello("DOCK-A", 8))
    assert third.replay()
    third.flush()  # the live sweep: the due undocked record
    third.journal.close()
    assert history(ctx) == expected(t0, times)
    with ctx.db.read() as s:
        mark = s.execute(select(FeedJournalMark)).scalar_one()
    assert mark.events == 5 and mark.station == "DESK-1"  # the first docking and four moves


def test_the_journal_is_private_one_json_line_per_move_with_id_and_time(room, clock, tmp_path):
    ctx, _flaky = room
    feed = new_feed(ctx, tmp_path)
    feed.board.on_message("peer", bay(4, "X60A0003"))
    for _ in range(3):  # the same camera reporting again is no move
        clock.advance(seconds=1)
        feed.board.on_message("peer", bay(4, "X60A0003", battery=60))
    clock.advance(seconds=1)
    feed.board.on_message("peer", bay(4, None))
    path = tmp_path / "data" / "journal.jsonl"
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    header, *lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert header["journal"] == feed.journal.id
    assert [(x["serial"], x["at"]) for x in lines] == [
        ("X60A0003", _ts(TS)),
        (None, _ts(TS + timedelta(seconds=4))),
    ]
    assert len({x["id"] for x in lines}) == 2 and all(x["dock"] == "DOCK-A" for x in lines)
    feed.journal.close()


def test_the_journal_is_in_the_data_folder_one_per_database(room, tmp_path):
    from bwc_desk.store.paths import data_dir

    ctx, _flaky = room
    other = Database(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert journal_path(ctx.db).parent == data_dir()
    assert journal_path(ctx.db) != journal_path(other)
    other.dispose()


def test_a_full_journal_refuses_moves_and_says_so_once(tmp_path, caplog):
    journal = FeedJournal(tmp_path / "j.jsonl", max_bytes=600)
    journal.open()
    results = [journal.append(TS, {"dock": "D", "bay": n, "serial": "S"}) for n in range(10)]
    assert results[0] and not results[-1]
    full = [r for r in caplog.records if r.levelno == logging.ERROR and "full" in r.getMessage()]
    assert len(full) == 1 and "latest state" in full[0].getMessage()
    kept = journal.end
    assert (tmp_path / "j.jsonl").stat().st_size == kept <= 600
    # once all of it is in the database, a new journal starts and has room again
    old = journal.id
    assert journal.rotate_if_done(kept)
    assert journal.id != old and journal.append(TS, {"dock": "D", "bay": 1, "serial": "S"})
    journal.close()


def test_a_torn_last_line_is_cut_off_at_the_next_start(tmp_path, caplog):
    journal = FeedJournal(tmp_path / "j.jsonl")
    journal.open()
    journal.append(TS, {"dock": "D", "bay": 1, "serial": "S"})
    good = journal.end
    journal.close()
    with (tmp_path / "j.jsonl").open("ab") as fh:
        fh.write(b'{"at":"2026-11-24T06:4')  # the power went mid-write
    again = FeedJournal(tmp_path / "j.jsonl")
    again.open()
    assert again.end == good and (tmp_path / "j.jsonl").stat().st_size == good
    assert [e.data["bay"] for e in again.events(again.header_end, again.end)] == [1]
    assert any("torn" in r.getMessage() for r in caplog.records)
    again.close()


def test_an_event_refused_for_what_it_holds_is_skipped_not_holding_up_the_feed(
    room, clock, tmp_path, monkeypatch, caplog
):
    from bwc_desk.services import docks

    ctx, flaky = room
    feed = new_feed(ctx, tmp_path)
    flaky.away = True
    feed.board.on_message("peer", bay(1, "X60A0001"))
    t2 = clock.advance(seconds=10)
    feed.board.on_message("peer", bay(2, "X60A0002"))
    feed.flush()
    real = docks.apply_in

    def refuses_bay_1(ctx, session, changes):
        if not changes.docks and changes.bays[0].bay == 1:  # the journaled move only
            raise ValueError("a bug meets an odd report")
        return real(ctx, session, changes)

    monkeypatch.setattr(docks, "apply_in", refuses_bay_1)
    flaky.away = False
    clock.advance(minutes=5)
    feed.flush()
    assert feed.last_error == ""
    assert ("HPD-2", "docked", t2, {"dock": "DOCK-A", "bay": 2, "battery": 50}) in history(ctx)
    assert any("was not written" in r.getMessage() for r in caplog.records)
    assert feed.replay()  # nothing left waiting
    feed.journal.close()


def test_a_batch_whose_commit_answer_was_lost_is_not_written_twice(room, clock, tmp_path):
    """The moves of an outage are written back in one transaction (not an fsync per camera);
    when its commit's answer is lost, the next try finds the journal's mark past them."""
    ctx, flaky = room
    feed = new_feed(ctx, tmp_path)
    t0 = clock()
    feed.board.on_message("peer", bay(1, "X60A0001"))
    feed.flush()
    times = play_the_outage(feed, clock, flaky)
    clock.advance(minutes=5)
    flaky.away, flaky.fail_after, flaky.lose_answers = False, -1, 1
    assert not feed.replay()  # the one batch committed, its answer lost
    assert feed.replay()  # nothing is written again
    feed.flush()
    feed.journal.close()
    assert history(ctx) == expected(t0, times)
    with ctx.db.read() as s:
        mark = s.execute(select(FeedJournalMark)).scalar_one()
    assert mark.events == 5


def test_a_damaged_database_keeps_the_moves_waiting_instead_of_skipping_them(
    room, clock, tmp_path, monkeypatch
):
    """"database disk image is malformed" is not a refusal of what an event holds: the moves
    stay in the journal (tried again), never skipped as if they were bad reports."""
    from sqlalchemy.exc import DatabaseError

    from bwc_desk.services import docks

    ctx, flaky = room
    feed = new_feed(ctx, tmp_path)
    flaky.away = True
    feed.board.on_message("peer", bay(1, "X60A0001"))
    feed.flush()
    real = docks.apply_in
    damaged = [True]

    def malformed(ctx, session, changes):
        if damaged[0] and not changes.docks:
            raise DatabaseError("INSERT ...", {}, Exception("database disk image is malformed"))
        return real(ctx, session, changes)

    monkeypatch.setattr(docks, "apply_in", malformed)
    flaky.away = False
    assert not feed.replay()
    damaged[0] = False
    assert feed.replay()
    feed.journal.close()
    assert [kind for _tag, kind, _at, _d in history(ctx)] == ["docked"]


def test_moves_within_seconds_are_written_in_one_pass_each_with_its_own_time(
    room, clock, tmp_path
):
    """A shift's cameras docking within a second or two are written back in one pass (not
    one per camera), each record dated by its own report, in the order they happened; a
    camera moved to another bay meanwhile is undocked there as it docks here."""
    ctx, flaky = room
    feed = new_feed(ctx, tmp_path)
    t0 = clock()
    feed.board.on_message("peer", bay(1, "X60A0001"))
    feed.flush()
    flaky.away = True
    t1 = clock.advance(seconds=0.4)
    feed.board.on_message("peer", bay(2, "X60A0002"))
    t2 = clock.advance(seconds=0.4)
    feed.board.on_message("peer", bay(1, None))  # HPD-1 leaves bay 1 ...
    t3 = clock.advance(seconds=0.4)
    feed.board.on_message("peer", bay(3, "X60A0001"))  # ... for bay 3
    t4 = clock.advance(seconds=0.4)
    feed.board.on_message("peer", bay(4, "X60A0003"))
    feed.flush()
    assert "server closed" in feed.last_error
    clock.advance(minutes=5)
    flaky.away = False
    passes = []
    real = docks_module.apply_in

    def counted(*args, **kwargs):
        passes.append(len(args[2].bays))
        return real(*args, **kwargs)

    docks_module.apply_in = counted
    try:
        assert feed.replay()
    finally:
        docks_module.apply_in = real
    feed.journal.close()
    assert passes == [4]  # one pass for the four moves
    assert history(ctx) == [
        ("HPD-1", "docked", t0, {"dock": "DOCK-A", "bay": 1, "battery": 50}),
        ("HPD-2", "docked", t1, {"dock": "DOCK-A", "bay": 2, "battery": 50}),
        ("HPD-1", "undocked", t3, {"dock": "DOCK-A", "bay": 1, "left_at": _ts(t2)}),
        ("HPD-1", "docked", t3, {"dock": "DOCK-A", "bay": 3, "battery": 50}),
        ("HPD-3", "docked", t4, {"dock": "DOCK-A", "bay": 4, "battery": 50}),
    ]


def test_a_server_away_is_logged_once_a_minute_by_the_sweep_not_every_five_seconds(
    room, clock, tmp_path, monkeypatch, caplog
):
    """A tester's finding: with the server away, every sweep (5 s) logged an ERROR line."""
    from bwc_desk.domain.errors import UnavailableError

    ctx, _flaky = room
    feed = new_feed(ctx, tmp_path)
    assert feed.replay()
    feed.flush()

    def away(_ctx):  # type: ignore[no-untyped-def]
        raise UnavailableError("The database server (db) cannot be reached: nothing was written.")

    monkeypatch.setattr(docks_module, "write_due_undocks", away)
    caplog.set_level(logging.ERROR, logger="bwc_desk.services.dockfeed")
    for _ in range(12):  # a minute of sweeps
        clock.advance(seconds=5)
        feed.flush()
    swept = [r for r in caplog.records if "due undocked" in r.getMessage()]
    assert len(swept) == 1
    clock.advance(seconds=61)
    feed.flush()
    assert len([r for r in caplog.records if "due undocked" in r.getMessage()]) == 2
    feed.journal.close()

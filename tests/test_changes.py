"""Changes carry ids: every write transaction tells, once, which units, officers, checkouts
and docks it touched; other stations' transactions arrive the same way (PostgreSQL
notifications, or a poll of SQLite), and this station's own are never told twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from bwc_desk.adapters.dockfeed.protocol import BayReport, Hello
from bwc_desk.services import changes, counter, dock_registry, docks, imports, inventory, officers
from bwc_desk.services.changeset import LARGE, ChangeSet
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.dockfeed import DockBoard
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store import touched
from bwc_desk.store.db import Database
from bwc_desk.store.models import Dock, Unit
from bwc_desk.store.touched import Change

TS = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def run(ctx: Ctx, fn):  # type: ignore[no-untyped-def]
    """As AppState.write runs an action: its result and the one set it committed."""
    return changes.collect(ctx, fn)


@pytest.fixture
def desk(admin_ctx):
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    inventory.add_unit(admin_ctx, UnitInput("HPD-2", "S-2"))
    officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    return admin_ctx


def ids(ctx: Ctx) -> tuple[int, int, int]:
    unit = inventory.unit_detail(ctx, "HPD-1").id
    other = inventory.unit_detail(ctx, "HPD-2").id
    officer = officers.list_officers(ctx)[0].id
    return unit, other, officer


def issue(ctx: Ctx) -> object:
    officer = officers.list_officers(ctx)[0].id
    return counter.issue_unit(ctx, officer, "HPD-1", function_test=FunctionTest())


def test_an_issue_names_its_unit_officer_and_checkout(desk):
    unit, other, officer = ids(desk)
    _result, change = run(desk, issue)
    assert change is not None and change.complete and change.local
    assert change.touches("custody", "units")
    assert change.units == {unit} and other not in change.units
    assert change.officers == {officer}
    assert len(change.checkouts) == 1
    assert not change.large()


def test_a_return_names_the_same_checkout(desk, clock):
    _r, issued = run(desk, issue)
    unit, _other, officer = ids(desk)
    clock.advance(minutes=5)
    _r, returned = run(desk, lambda ctx: counter.return_unit(ctx, "HPD-1"))
    assert returned is not None and returned.complete
    assert returned.units == {unit} and returned.officers == {officer}
    assert returned.checkouts == issued.checkouts


def test_an_officer_edit_names_the_officer(desk):
    officer = officers.list_officers(desk)[0]
    data = OfficerInput("0412", "Smith", "Johnny")
    _r, change = run(desk, lambda ctx: officers.edit_officer(ctx, officer.id, data))
    assert change is not None and change.complete
    # (A roster change is a custody record too: the ledger moved, no unit did.)
    assert change.topics == {"officers", "custody"} and change.officers == {officer.id}
    assert not change.units and not change.checkouts


def test_a_primary_camera_given_names_the_unit_and_the_officer(desk):
    unit, _other, officer = ids(desk)
    from bwc_desk.services import assignments

    _r, change = run(desk, lambda ctx: assignments.assign_primary(ctx, "HPD-1", officer))
    assert change is not None and change.complete
    assert unit in change.units and officer in change.officers


def test_a_dock_report_names_the_dock(desk, clock):
    dock_registry.add_dock(desk, "DOCK-A", 8)
    with desk.db.read() as s:
        dock_id = s.execute(select(Dock.id).where(Dock.name == "DOCK-A")).scalar_one()
    board = DockBoard(clock)
    board.on_message("peer", Hello("DOCK-A", 8))
    present = frozenset({"battery", "charging", "upload", "updating", "error"})
    board.on_message("peer", BayReport("DOCK-A", 1, "S-1", 50, True, None, False, None, TS,
                                       present))
    feed = desk.as_actor(None)
    _r, change = run(feed, lambda ctx: docks.apply_changes(ctx, board.take_changes()))
    assert change is not None and change.complete
    assert "docks" in change.topics and change.docks == {dock_id}
    # The camera arriving in a bay is a custody event: its unit is named too.
    assert change.units == {inventory.unit_detail(desk, "HPD-1").id}


def test_an_import_of_three_officers_names_all_three(desk, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("badge,last_name,first_name\n1001,A,B\n1002,C,D\n1003,E,F\n")
    _r, change = run(desk, lambda ctx: imports.import_officers(ctx, path))
    assert change is not None and change.complete
    new = {o.id for o in officers.list_officers(desk) if o.badge.startswith("100")}
    assert len(new) == 3 and change.officers == new


def test_a_ten_thousand_row_import_is_an_incomplete_set(desk, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("badge,last_name\n" + "".join(f"9{i:05d},N{i}\n" for i in range(10_000)))
    _r, change = run(desk, lambda ctx: imports.import_officers(ctx, path))
    assert change is not None and not change.complete and change.large()
    assert "officers" in change.topics and not change.officers
    assert LARGE == touched.LIMIT


def test_a_rollback_announces_nothing(desk):
    unit = ids(desk)[0]

    def fails(ctx: Ctx) -> None:
        with ctx.db.write() as s:
            s.get(Unit, unit).notes = "half done"  # type: ignore[union-attr]
            s.flush()
            raise RuntimeError("boom")

    with desk.db.collecting() as committed, pytest.raises(RuntimeError):
        fails(desk)
    assert committed == []
    # A refused action (nothing written) announces nothing either.
    with pytest.raises(Exception) as refused:
        run(desk, lambda ctx: counter.issue_unit(ctx, 999_999, "HPD-1",
                                                  function_test=FunctionTest()))
    assert changes.committed_before(refused.value) is None


def test_a_write_that_changes_nothing_announces_nothing(desk):
    _r, change = run(desk, lambda ctx: officers.list_officers(ctx))
    assert change is None


def test_a_failure_after_a_commit_carries_what_was_committed(desk):
    def two_steps(ctx: Ctx) -> None:
        issue(ctx)
        raise RuntimeError("the second step failed")

    with pytest.raises(RuntimeError) as failed:
        run(desk, two_steps)
    change = changes.committed_before(failed.value)
    assert change is not None and change.units == {ids(desk)[0]}


def test_sql_no_event_explains_keeps_its_topics_with_ids_unknown(desk):
    def raw(ctx: Ctx) -> None:
        with ctx.db.write() as s:
            s.execute(text("UPDATE units SET notes = 'x'"))

    _r, change = run(desk, raw)
    assert change is not None and "units" in change.topics and not change.complete


def test_a_where_clause_update_names_the_rows_it_changed(desk):
    from sqlalchemy import update

    unit = ids(desk)[0]

    def where(ctx: Ctx) -> None:
        with ctx.db.write() as s:
            s.execute(update(Unit).where(Unit.asset_tag == "HPD-1").values(notes="y"))

    _r, change = run(desk, where)
    assert change is not None and change.complete and change.units == {unit}


def test_the_notice_payload_fits_or_says_incomplete():
    small = Change(frozenset({"units", "custody"}), units=frozenset({1, 2}),
                   officers=frozenset({3}), checkouts=frozenset({4}), docks=frozenset({5}))
    origin, back = Change.from_payload(small.payload("me"))
    assert origin == "me" and back == small
    big = Change(frozenset({"units"}), units=frozenset(range(100_000, 100_000 + LARGE)),
                 officers=frozenset(range(200_000, 200_000 + LARGE)),
                 checkouts=frozenset(range(300_000, 300_000 + LARGE)))
    note = big.payload("me")
    assert len(note.encode()) < 8000
    assert Change.from_payload(note)[1] == Change(frozenset({"units"}), complete=False)
    assert Change.from_payload("host:1:2|custody,units")[1] == Change(
        frozenset({"custody", "units"}), complete=False)


# --- other stations -------------------------------------------------------------------------


@pytest.fixture
def other(desk):
    """A second station (or a command-line import) on the same database."""
    db = Database(desk.db.url.render_as_string(hide_password=False))
    yield Ctx(db, "DESK-2", desk.actor, desk.clock, desk.zone)
    db.dispose()


def test_a_remote_write_is_polled_once_with_its_ids(desk, other):
    marks, _none = changes.poll(desk, None)
    unit, _other, officer = ids(desk)
    issue(other)
    marks, change = changes.poll(desk, marks)
    assert change is not None and not change.local and change.complete
    assert change.touches("custody") and change.units == {unit}
    assert change.officers == {officer} and len(change.checkouts) == 1
    # Once: the next poll finds nothing new.
    assert changes.poll(desk, marks)[1] is None


def test_a_remote_officer_edit_is_polled_with_its_id(desk, other, clock):
    marks, _none = changes.poll(desk, None)
    officer = officers.list_officers(desk)[0]
    clock.advance(seconds=5)
    officers.edit_officer(other, officer.id, OfficerInput("0412", "Smith", "Jon"))
    _marks, change = changes.poll(desk, marks)
    assert change is not None and change.topics == {"officers", "custody"}
    assert change.officers == {officer.id}


def test_this_stations_own_write_is_not_polled_again(desk, other, clock):
    marks, _none = changes.poll(desk, None)
    clock.advance(seconds=5)
    _r, mine = run(desk, issue)
    officer = officers.list_officers(desk)[0]
    _r, edited = run(desk, lambda ctx: officers.edit_officer(
        ctx, officer.id, OfficerInput("0412", "Smith", "Jon")))
    assert mine is not None and edited is not None
    marks, change = changes.poll(desk, marks)
    assert change is None
    # ...while another station's write right after is still heard.
    clock.advance(seconds=5)
    officers.add_officer(other, OfficerInput("0007", "Jones", "Ann"))
    _marks, change = changes.poll(desk, marks)
    assert change is not None and change.topics == {"officers"} and len(change.officers) == 1


def test_between_tells_only_what_came_before_its_upper_marks(desk, other, clock):
    """The gap before a listener listened: told up to the marks taken then, and not what
    came after them (the listener tells that)."""
    before = changes.marks(desk)
    unit, other_unit, officer = ids(desk)
    issue(other)
    upto = changes.marks(desk)
    clock.advance(seconds=5)
    officers.edit_officer(other, officer, OfficerInput("0412", "Smith", "Jon"))
    inventory.edit_unit(other, other_unit, UnitInput("HPD-2", "S-2", notes="scratched lens"))
    change = changes.between(desk, before, upto)
    assert change is not None and change.touches("custody") and change.units == {unit}
    # (the officer, issued to in the gap, but not stamped by the edit after it)
    assert change.officers == {officer} and "officers" not in change.topics
    assert changes.between(desk, upto, upto) is None
    after = changes.between(desk, upto, changes.marks(desk))
    assert after is not None and after.units == {other_unit} and "officers" in after.topics


def test_an_unannounced_write_of_this_process_is_polled(desk):
    """A write no view announced (outside ``collect``) is heard like another station's."""
    marks, _none = changes.poll(desk, None)
    issue(desk)
    _marks, change = changes.poll(desk, marks)
    assert change is not None and change.touches("custody")


def test_postgresql_one_notice_per_transaction_with_ids(desk, other, backend):
    if backend != "postgresql":
        pytest.skip("notifications are PostgreSQL's")
    heard: list[ChangeSet] = []
    arrived = threading.Event()

    def on_change(change: ChangeSet) -> None:
        heard.append(change)
        arrived.set()

    listener = changes.listen(desk, on_change)
    assert listener is not None
    try:
        assert listener.ready.wait(10)
        # Own announced writes are not heard back.
        run(desk, lambda ctx: inventory.add_unit(ctx, UnitInput("HPD-9", "S-9")))
        unit, _o, officer = ids(desk)
        issue(other)
        assert arrived.wait(10)
        marker = threading.Event()
        listener._on_change = lambda c: marker.set()  # the next one ends the wait
        officers.add_officer(other, OfficerInput("0007", "Jones", "Ann"))
        assert marker.wait(10)
    finally:
        listener.stop()
    assert len(heard) == 1  # the issue: one notice for custody, checkout and unit
    (change,) = heard
    assert not change.local and change.complete and change.touches("custody", "units")
    assert change.units == {unit} and change.officers == {officer}
    assert len(change.checkouts) == 1


def test_this_stations_own_large_import_is_not_polled_again(desk, tmp_path, clock):
    marks, _none = changes.poll(desk, None)
    clock.advance(seconds=5)
    path = tmp_path / "o.csv"
    path.write_text("badge,last_name\n" + "".join(f"8{i:04d},N{i}\n" for i in range(LARGE + 50)))
    _r, change = run(desk, lambda ctx: imports.import_officers(ctx, path))
    assert change is not None and change.large()
    assert changes.poll(desk, marks)[1] is None


def test_own_seq_ranges_cover_a_gap_only_when_whole():
    from bwc_desk.services.changes import _covered

    assert _covered(10, 15, [(11, 12), (13, 15)])
    assert _covered(10, 10, [])
    assert not _covered(10, 15, [(11, 12), (14, 15)])
    assert not _covered(10, 16, [(11, 15)])
    assert _covered(10, 12, [(5, 20)])


def test_an_undone_issue_names_its_checkout_locally_and_when_polled(desk, other):
    _r, issued = run(desk, issue)
    marks, _none = changes.poll(other, None)
    _r, undone = run(desk, lambda ctx: counter.undo(ctx, _issued_seq(ctx)))
    assert undone is not None and undone.checkouts == issued.checkouts
    _marks, polled = changes.poll(other, marks)
    assert polled is not None and polled.checkouts >= issued.checkouts


def _issued_seq(ctx: Ctx) -> int:
    unit = inventory.unit_detail(ctx, "HPD-1").id
    return max(e.seq for e in inventory.unit_history(ctx, unit) if e.kind.value == "issued")

"""A change made at one station shows at every other without a manual refresh: PostgreSQL
notifications, and polling where there are none (SQLite, or a lost listener)."""

from __future__ import annotations

import pytest

from bwc_desk.domain.roles import Role
from bwc_desk.services import auth, counter, inventory, officers
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store.db import Database
from bwc_desk.ui import change_watcher
from bwc_desk.ui.change_watcher import ChangeWatcher
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.assignments_tab import AssignmentsTab
from bwc_desk.ui.views.counter_tab import CounterTab
from bwc_desk.ui.views.inventory_tab import InventoryTab
from tests.conftest import PASSWORD, add_own


@pytest.fixture(params=["postgresql", "sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def two_stations(qtbot, admin_ctx, monkeypatch):
    monkeypatch.setattr(change_watcher, "SQLITE_POLL_MS", 300)
    monkeypatch.setattr(change_watcher, "POLL_MS", 300)
    add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))

    def open_station(name: str) -> Ctx:
        db = Database(admin_ctx.db.url.render_as_string(hide_password=False))
        ctx = Ctx(db, name)
        return ctx.as_actor(auth.sign_in(ctx, "quinn", PASSWORD))

    a, b = open_station("DESK-A"), open_station("DESK-B")
    state = AppState(b)
    views = (CounterTab(state), InventoryTab(state), AssignmentsTab(state))
    for view in views:
        qtbot.addWidget(view)
        view.show()
        view.ensure_loaded()
    qtbot.waitUntil(lambda: all(v.model.rowCount() for v in views[1:]), timeout=10_000)
    watcher = ChangeWatcher(state)
    state.watcher = watcher  # type: ignore[attr-defined]  # for the tests below
    watcher.start()
    if b.db.is_postgresql:
        qtbot.waitUntil(lambda: watcher.listener.ready.is_set(), timeout=10_000)
    else:
        qtbot.waitUntil(lambda: watcher._marks is not None, timeout=10_000)
    yield a, views
    watcher.stop()
    state.runner.shutdown()
    a.db.dispose()
    b.db.dispose()


def test_an_issue_at_one_station_shows_at_the_other(qtbot, two_stations):
    a, (counter_view, inventory_view, roster) = two_stations
    officer = officers.list_officers(a)[0]
    counter.issue_unit(a, officer.id, "HPD-1", function_test=FunctionTest())
    qtbot.waitUntil(lambda: counter_view.model.rowCount() == 1, timeout=10_000)
    assert counter_view.model.rows()[0].station == "DESK-A"
    qtbot.waitUntil(lambda: inventory_view.model.rows()[0].holder.startswith("Smith"),
                    timeout=10_000)
    qtbot.waitUntil(lambda: roster.model.rows()[0].holding == ("HPD-1",), timeout=10_000)


def test_a_roster_change_at_one_station_shows_at_the_other(qtbot, two_stations):
    a, (_counter, _inventory, roster) = two_stations
    supervisor = a.as_actor(auth.sign_in(a.as_actor(None), "admin", PASSWORD))
    officers.add_officer(supervisor, OfficerInput("0007", "Jones", "Ann"))
    qtbot.waitUntil(lambda: roster.model.rowCount() == 2, timeout=10_000)


def test_a_lost_listener_is_replaced_and_the_gap_is_covered(qtbot, two_stations, backend,
                                                           monkeypatch):
    if backend != "postgresql":
        pytest.skip("notifications are PostgreSQL's")
    from sqlalchemy import text

    monkeypatch.setattr(change_watcher, "RELISTEN_S", 0.5)
    a, (counter_view, _inventory, roster) = two_stations
    watcher = counter_view.state.watcher
    first = watcher.listener
    # The server drops the listening connection (a restart, a firewall): as an admin would.
    with a.db.write() as s:
        lost = s.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()")).scalars().all()
    assert lost and all(lost)
    officer = officers.list_officers(a)[0]
    counter.issue_unit(a, officer.id, "HPD-1", function_test=FunctionTest())
    # Polling covers the gap, and the view shows the issue without a manual refresh...
    qtbot.waitUntil(lambda: counter_view.model.rowCount() == 1, timeout=10_000)
    # ...and a new listener takes over, so notices (not polling) carry the next change.
    qtbot.waitUntil(
        lambda: watcher.listener is not None and watcher.listener is not first
        and watcher.listener.ready.is_set(), timeout=10_000)
    heard: list[object] = []
    watcher._arrived.connect(heard.append)
    admin = a.as_actor(auth.sign_in(a.as_actor(None), "admin", PASSWORD))
    officers.add_officer(admin, OfficerInput("0007", "Jones", "Ann"))
    qtbot.waitUntil(lambda: any(c.touches("officers") and c.officers for c in heard),
                    timeout=10_000)
    qtbot.waitUntil(lambda: roster.model.rowCount() == 2, timeout=10_000)


def test_marks_move_with_dock_reports(admin_ctx):
    from datetime import timedelta

    from bwc_desk.services import changes
    from bwc_desk.store.models import Dock

    before = changes.marks(admin_ctx)
    with admin_ctx.db.write() as s:
        s.add(Dock(name="DOCK-A", bays=8, last_seen_at=admin_ctx.now() + timedelta(seconds=1)))
    assert "docks" in changes.marks(admin_ctx).topics_since(before)

"""Several stations, one agency: exactly one station wins a camera, nothing is half-written,
and the one ledger verifies afterwards (SQLite file and PostgreSQL server alike)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Role
from bwc_desk.services import auth, counter, inventory, officers, settings, verify
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store.db import Database
from bwc_desk.store.models import Checkout
from tests.conftest import PASSWORD, add_own

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def agency(admin_ctx, db_url):
    settings.change_settings(admin_ctx, {"max_cameras_per_officer": 2})
    add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    for i in range(10):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-{i:02d}", f"SN{i:02d}"))
    for i in range(1, 41):
        officers.add_officer(admin_ctx, OfficerInput(f"{i:04d}", f"Officer{i}"))
    return admin_ctx


def station(ctx: Ctx, name: str) -> Ctx:
    """Another station PC: its own engine and pool, its own name."""
    db = Database(ctx.db.url.render_as_string(hide_password=False))
    actor = auth.sign_in(Ctx(db, name), "quinn", PASSWORD)
    return Ctx(db, name, actor, ctx.clock, ctx.zone)


def test_two_stations_issue_the_same_camera_at_the_same_moment(agency):
    a, b = station(agency, "DESK-A"), station(agency, "DESK-B")
    gate = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def go(ctx: Ctx, officer_id: int) -> None:
        gate.wait()
        try:
            outcomes[ctx.station] = counter.issue_unit(ctx, officer_id, "HPD-00",
                                                       function_test=FunctionTest())
        except DomainError as exc:
            outcomes[ctx.station] = exc

    threads = [threading.Thread(target=go, args=(a, 1)), threading.Thread(target=go,
                                                                          args=(b, 2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    won = [s for s, o in outcomes.items() if not isinstance(o, Exception)]
    lost = [o for o in outcomes.values() if isinstance(o, Exception)]
    assert len(won) == 1 and len(lost) == 1
    winner = won[0]
    holder = "Officer1 (0001)" if winner == "DESK-A" else "Officer2 (0002)"
    assert str(lost[0]).startswith(f"HPD-00 was just issued to {holder} at {winner}.")
    with agency.db.read() as s:
        assert s.execute(select(func.count()).select_from(Checkout)).scalar_one() == 1
    result = verify.check_database(agency.db)
    assert result.ok, result.lines()
    a.db.dispose()
    b.db.dispose()


@pytest.mark.slow
def test_eight_stations_two_hundred_attempts_each(agency, tmp_path):
    url = agency.db.url.render_as_string(hide_password=False)
    env = dict(os.environ, BWC_DESK_HOME=str(tmp_path / "home"))
    procs = [subprocess.Popen(
        [sys.executable, "-m", "tests.race_worker", url, f"DESK-{n}", str(n), "200", "10",
         "40"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(1, 9)]
    outputs = [p.communicate(timeout=900) for p in procs]
    for p, (_out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err[-3000:]
    lines = [line for out, _err in outputs for line in out.splitlines()]
    assert len(lines) == 1600
    assert sum(line.startswith("OK") for line in lines) > 100
    unexpected = [line for line in lines if not line.startswith(("OK", "REFUSED", "RACE"))]
    assert unexpected == []
    with agency.db.read() as s:
        doubles = s.execute(text(
            "SELECT unit_id, count(*) FROM checkouts WHERE returned_at IS NULL "
            "GROUP BY unit_id HAVING count(*) > 1")).all()
        issued_without = s.execute(text(
            "SELECT u.asset_tag FROM units u WHERE u.status = 'issued' AND NOT EXISTS "
            "(SELECT 1 FROM checkouts c WHERE c.unit_id = u.id AND c.returned_at IS NULL)"
        )).all()
        open_not_issued = s.execute(text(
            "SELECT u.asset_tag FROM units u JOIN checkouts c ON c.unit_id = u.id "
            "WHERE c.returned_at IS NULL AND u.status <> 'issued'")).all()
    assert doubles == [] and issued_without == [] and open_not_issued == []
    result = verify.check_database(agency.db)
    assert result.ok, result.lines()
    assert result.custody.count >= 10 + sum(line.startswith("OK") for line in lines)
    _ = Actor


def _unit_id(ctx: Ctx, tag: str) -> int:
    return next(u.id for u in inventory.list_units(ctx) if u.asset_tag == tag)


def test_writers_that_lock_in_opposite_orders_both_finish(agency):
    """The counter locks a unit, then the chain head; a dock report appends first, then
    updates the unit. Writers queue, so neither deadlocks nor half-writes."""
    from bwc_desk.services.context import utc_now
    from bwc_desk.store.ledger import append_custody
    from bwc_desk.store.models import Unit

    a, b = station(agency, "DESK-A"), station(agency, "DESK-B")
    unit_id = _unit_id(agency, "HPD-00")
    first_in = threading.Event()
    errors: list[BaseException] = []

    def event(session, station_name: str) -> None:
        append_custody(session, at=utc_now(), kind="docked", unit_id=unit_id, officer_id=None,
                       staff_id=None, staff_username="dock-feed", station=station_name)

    def unit_then_head() -> None:
        try:
            with a.db.write() as s:
                s.execute(select(Unit).where(Unit.id == unit_id).with_for_update()).scalar_one()
                first_in.set()
                threading.Event().wait(0.5)  # the other station starts meanwhile
                event(s, "DESK-A")
        except BaseException as exc:
            errors.append(exc)
            first_in.set()

    def head_then_unit() -> None:
        first_in.wait(5)
        try:
            with b.db.write() as s:
                event(s, "DESK-B")
                s.execute(text("UPDATE units SET notes = 'seen by B' WHERE id = :id"),
                          {"id": unit_id})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=unit_then_head), threading.Thread(target=head_then_unit)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert verify.check_database(agency.db).ok
    for ctx in (a, b):
        ctx.db.dispose()


def test_a_writer_kept_waiting_too_long_is_told_busy_and_writes_nothing(agency, monkeypatch):
    """Another station holds the writer lock (a large import, say): past the wait (SQLite's
    busy timeout, PostgreSQL's writer-lock wait) the scan is refused with BusyError, which
    says to try again, and nothing of it is written."""
    from bwc_desk.domain.errors import BusyError
    from bwc_desk.store import db as store_db

    monkeypatch.setattr(store_db, "SQLITE_BUSY_MS", 200)
    monkeypatch.setattr(store_db, "WRITE_WAIT_S", 1)
    a, b = station(agency, "DESK-A"), station(agency, "DESK-B")
    holding, release = threading.Event(), threading.Event()

    def long_import() -> None:
        with a.db.write() as s:
            s.execute(text("UPDATE units SET notes = 'importing' WHERE asset_tag = 'HPD-01'"))
            holding.set()
            release.wait(30)

    t = threading.Thread(target=long_import)
    t.start()
    assert holding.wait(30)
    try:
        with pytest.raises(BusyError, match=r"busy.*Nothing was written"):
            counter.issue_unit(b, officers.list_officers(agency)[0].id, "HPD-02",
                               function_test=FunctionTest())
    finally:
        release.set()
        t.join(30)
    with agency.db.read() as s:
        assert s.execute(select(func.count()).select_from(Checkout)).scalar_one() == 0
    for ctx in (a, b):
        ctx.db.dispose()


def test_two_stations_cannot_give_one_officer_two_cameras(agency):
    settings.change_settings(agency, {"max_cameras_per_officer": 1})
    a, b = station(agency, "DESK-A"), station(agency, "DESK-B")
    gate = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def go(ctx: Ctx, tag: str) -> None:
        gate.wait()
        try:
            outcomes[ctx.station] = counter.issue_unit(ctx, 7, tag, function_test=FunctionTest())
        except DomainError as exc:
            outcomes[ctx.station] = exc

    threads = [threading.Thread(target=go, args=(a, "HPD-03")),
               threading.Thread(target=go, args=(b, "HPD-04"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    refused = [o for o in outcomes.values() if isinstance(o, DomainError)]
    assert len(outcomes) == 2 and len(refused) == 1, outcomes
    assert "already holds" in str(refused[0])
    with agency.db.read() as s:
        open_ = s.execute(select(func.count()).select_from(Checkout).where(
            Checkout.officer_id == 7, Checkout.returned_at.is_(None))).scalar_one()
    assert open_ == 1
    for ctx in (a, b):
        ctx.db.dispose()

"""The counter's scan, made faster, says the same things: the issue's row is the row the list of
cameras out shows, and the suggested bay skips every bay held for another camera, however
many are held and wherever they are."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, update

from bwc_desk.domain.roles import Role
from bwc_desk.services import counter, inventory, officers, settings
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store.models import Bay, Dock
from tests.conftest import make_actor

pytestmark = pytest.mark.both_backends


@pytest.fixture
def qm(admin_ctx: Ctx) -> Ctx:
    settings.change_settings(admin_ctx, {"function_test_required": False})
    for i in range(1, 9):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-{i:02d}", f"SN{i:02d}"))
    return make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")


@pytest.fixture
def admin(admin_ctx: Ctx) -> Ctx:
    return admin_ctx


def _docks(ctx: Ctx, layout: dict[str, int]) -> dict[str, int]:
    ids = {}
    with ctx.db.write() as s:
        for name, bays in layout.items():
            ids[name] = s.execute(insert(Dock).values(
                name=name, bays=bays, location="", station="", error_count=0, last_error="",
                last_seen_at=ctx.now())).inserted_primary_key[0]
            for n in range(1, bays + 1):
                s.execute(insert(Bay).values(dock_id=ids[name], bay_no=n, serial=None))
    return ids


def _seen(ctx: Ctx) -> None:
    with ctx.db.write() as s:
        s.execute(update(Dock).values(last_seen_at=ctx.now()))


def test_the_issued_row_is_the_row_the_list_of_cameras_out_shows(
    qm: Ctx, admin: Ctx, clock
) -> None:
    night = officers.add_officer(admin, OfficerInput("0007", "Jones", "Ann", shift="Night"))
    plain = officers.add_officer(admin, OfficerInput("0412", "Smith"))
    first = counter.issue_unit(qm, night.id, "HPD-01", function_test=FunctionTest())
    clock.advance(seconds=30)
    second = counter.issue_unit(qm, plain.id, "HPD-02", function_test=FunctionTest())
    listed = {row.id: row for row in counter.out_now(qm)}
    for result in (first, second):
        assert result.checkout is not None
        assert result.checkout == listed[result.checkout.id]
    assert first.checkout is not None and first.checkout.officer == "Jones, Ann"
    assert second.checkout is not None and second.checkout.officer == "Smith"


def test_the_suggested_bay_skips_every_held_bay(qm: Ctx, admin: Ctx, clock) -> None:
    people = [officers.add_officer(admin, OfficerInput(f"05{i}", f"Officer{i}")) for i in range(8)]
    for person, i in zip(people, range(1, 9), strict=True):
        counter.issue_unit(qm, person.id, f"HPD-{i:02d}")
    clock.advance(hours=8)
    ids = _docks(qm, {"DOCK-A": 2, "DOCK-B": 6})
    told = []
    for i in range(1, 7):
        _seen(qm)
        told.append(counter.return_unit(qm, f"HPD-{i:02d}").suggested_bay)
        clock.advance(seconds=20)
    assert told == ["DOCK-A bay 1", "DOCK-A bay 2", "DOCK-B bay 1", "DOCK-B bay 2",
                    "DOCK-B bay 3", "DOCK-B bay 4"]
    # A camera (not one of those told) is put in a held bay: the hold stands (it is held for
    # another camera), the bay is simply not free; DOCK-A stops reporting. Six holds stand,
    # and the one free bay left is the last.
    with qm.db.write() as s:
        s.execute(update(Bay).where(Bay.dock_id == ids["DOCK-B"], Bay.bay_no == 5).values(
            serial="SN99", reported_at=clock.now))
        s.execute(update(Dock).where(Dock.name == "DOCK-B").values(last_seen_at=clock.now))
    clock.advance(seconds=31)
    with qm.db.write() as s:
        s.execute(update(Dock).where(Dock.name == "DOCK-B").values(last_seen_at=clock.now))
    assert counter.return_unit(qm, "HPD-07").suggested_bay == "DOCK-B bay 6"
    clock.advance(seconds=5)
    assert counter.return_unit(qm, "HPD-08").suggested_bay == ""
    with qm.db.read() as s:
        assert counter.suggest_bay(s, clock.now) == ""
    # Ten minutes after the first hold it lapses (DOCK-A reports again): its bay is free.
    clock.advance(seconds=449)
    _seen(qm)
    with qm.db.read() as s:
        assert counter.suggest_bay(s, clock.now) == "DOCK-A bay 1"

"""The demo agency keeps its cameras in named places (Inventory's Kept at column, Move...,
the Move dialog's list of places), each set with a custody record, so that a camera's
history shows where it was put and when."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from bwc_desk.domain.events import EventKind
from bwc_desk.domain.units import UnitStatus
from bwc_desk.services import demo, inventory, unit_location
from bwc_desk.services.startup import open_database
from bwc_desk.store.db import Database, sqlite_url
from tests.conftest import demo_ctx


def test_every_demo_camera_has_a_place_and_those_in_repair_are_on_the_bench(demo_db):
    ctx = demo_ctx(demo_db, "sgt.reyes")
    units = inventory.list_units(ctx)
    gone = (UnitStatus.LOST, UnitStatus.STOLEN)  # (kept nowhere: their place is cleared)
    assert units and all(u.location for u in units if u.status not in gone), [
        u.asset_tag for u in units if not u.location and u.status not in gone][:5]
    assert all(not u.location for u in units if u.status in gone)
    places = Counter(u.location for u in units)
    # Patrol's cameras by cage and shelf, the pools on the docks, the spares together.
    assert {"Cage A, shelf 1", "Cage B, shelf 3", "Cage C, shelf 2", "Dock room",
            "Spares cage"} <= set(places), places
    assert max(places.values()) < len(units) / 3  # (not all on one shelf)
    in_repair = [u for u in units if u.status == UnitStatus.IN_REPAIR]
    assert len(in_repair) >= 3
    assert {u.location for u in in_repair} == {"Repair bench"}
    retired = [u for u in units if u.status == UnitStatus.RETIRED]
    assert retired and {u.location for u in retired} == {"Retired stock"}
    # The Move dialog offers them, the docks' own room once.
    known = unit_location.known_locations(ctx)
    assert "Repair bench" in known and known.count("Dock room") == 1


def test_each_place_is_a_location_changed_record_in_the_cameras_history(demo_db):
    ctx = demo_ctx(demo_db, "sgt.reyes")
    units = inventory.list_units(ctx)
    sample = [units[0], units[-1]] + [u for u in units if u.status == UnitStatus.IN_REPAIR]
    for unit in sample:
        moves = [e for e in inventory.unit_history(ctx, unit.id)
                 if e.kind == EventKind.RELOCATED]
        assert moves, unit.asset_tag
        newest = moves[0]  # (newest first)
        assert newest.details["to"] == unit.location
        assert newest.reason and newest.staff_username == "sgt.reyes"


def _places(path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    db: Database = open_database(sqlite_url(path)).db
    try:
        ctx = demo_ctx(db, "sgt.reyes")
        return {u.asset_tag: u.location for u in inventory.list_units(ctx)}
    finally:
        db.dispose()


@pytest.mark.slow  # (two agencies built: about 30 s)
def test_the_demo_places_are_the_same_every_time(tmp_path):
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    for name in ("one", "two"):
        opened = open_database(sqlite_url(tmp_path / f"{name}.sqlite3"))
        demo.seed_demo(opened.db, now=now, days=1)
        opened.db.dispose()
    first = _places(tmp_path / "one.sqlite3")
    assert first == _places(tmp_path / "two.sqlite3")
    assert len(set(first.values())) > 5

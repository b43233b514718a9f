"""Where a camera is kept: Inventory's rows carry it, and Move... changes it through
services/unit_location, one custody record per camera, who / station / UTC."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from bwc_desk.domain.errors import DomainError, PermissionDenied, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.services import inventory, unit_location
from bwc_desk.services.inventory import UnitInput
from bwc_desk.store.models import CustodyEvent, Unit

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)


def _cameras(ctx, n: int = 3) -> list[int]:
    return [inventory.add_unit(ctx, UnitInput(f"HPD-{i}", f"S-{i}")).id for i in range(1, n + 1)]


def _state(ctx) -> tuple[int, tuple[tuple[str, str], ...]]:
    """What a refusal must leave as it was: every custody event, every camera's place."""
    with ctx.db.read() as s:
        events = len(list(s.execute(select(CustodyEvent.seq)).scalars()))
        places = tuple(s.execute(select(Unit.asset_tag, Unit.location).order_by(Unit.id)).all())
    return events, tuple((a, b) for a, b in places)


def test_inventory_rows_carry_the_location_in_one_query(admin_ctx):
    ids = _cameras(admin_ctx)
    unit_location.set_location(admin_ctx, ids[1], "Cage B, shelf 3")
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = admin_ctx.db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        rows = inventory.list_units(admin_ctx)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [(u.asset_tag, u.location) for u in rows] == [
        ("HPD-1", ""), ("HPD-2", "Cage B, shelf 3"), ("HPD-3", "")
    ]
    assert len(statements) == 1  # the whole list is one read, as before
    assert inventory.units_by_id(admin_ctx, [ids[1]])[0].location == "Cage B, shelf 3"
    assert inventory.unit_detail(admin_ctx, "HPD-2").location == "Cage B, shelf 3"


def test_move_records_each_camera_who_where_and_when(sup_ctx, clock):
    ids = _cameras(sup_ctx)
    unit_location.set_location(sup_ctx, ids[0], "Cage A")
    moved = unit_location.move_units(sup_ctx, ids, "  cage   B,  shelf 3 ", "re-shelved")
    assert moved == 3
    assert {u.location for u in inventory.list_units(sup_ctx)} == {"cage B, shelf 3"}
    for unit_id, before in zip(ids, ("Cage A", "", ""), strict=True):
        last = inventory.unit_history(sup_ctx, unit_id)[0]
        assert last.kind is EventKind.RELOCATED and last.kind.value == "location changed"
        assert last.staff_username == "sam" and last.station == "DESK-1"
        assert last.at == clock() and last.at.utcoffset() == timedelta(0)  # UTC
        assert last.details == {"from": before, "to": "cage B, shelf 3"}
        assert last.reason == "re-shelved"


def test_a_camera_already_there_gets_no_record(sup_ctx):
    ids = _cameras(sup_ctx, 2)
    unit_location.set_location(sup_ctx, ids[0], "Cage B")
    before = _state(sup_ctx)
    assert unit_location.move_units(sup_ctx, ids, "Cage B") == 1
    after = _state(sup_ctx)
    assert after[0] == before[0] + 1  # one record: only HPD-2 moved
    assert unit_location.move_units(sup_ctx, ids, "Cage B") == 0
    assert _state(sup_ctx) == after


@pytest.mark.parametrize(
    ("where", "match"),
    [
        ("", "Say where the camera is"),
        ("   ", "Say where the camera is"),
        ("x" * 121, "at most 120 characters"),
        ("Cage\x07B", "plain text"),
        ("Cage \u202eB", "plain text"),
    ],
)
def test_a_location_of_the_wrong_shape_is_refused_and_nothing_changes(sup_ctx, where, match):
    ids = _cameras(sup_ctx)
    unit_location.set_location(sup_ctx, ids[0], "Cage A")
    before = _state(sup_ctx)
    with pytest.raises(ValidationError, match=match):
        unit_location.move_units(sup_ctx, ids, where)
    with pytest.raises(ValidationError, match=match):
        unit_location.set_location(sup_ctx, ids[1], where)
    assert _state(sup_ctx) == before


def test_move_is_all_or_nothing_and_needs_the_permission(sup_ctx, qm_ctx):
    ids = _cameras(sup_ctx)
    before = _state(sup_ctx)
    with pytest.raises(PermissionDenied):
        unit_location.move_units(qm_ctx, ids, "Cage B")
    with pytest.raises(DomainError, match="no longer exist"):
        unit_location.move_units(sup_ctx, [*ids, 999_999], "Cage B")
    with pytest.raises(ValidationError, match="Select"):
        unit_location.move_units(sup_ctx, [], "Cage B")
    with pytest.raises(ValidationError, match="reason"):
        unit_location.move_units(sup_ctx, ids, "Cage B", "x" * 501)
    assert _state(sup_ctx) == before

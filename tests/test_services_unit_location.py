"""Where a camera is kept: Inventory's rows carry it, and Move... changes it through
services/unit_location, one custody record per camera, who / station / UTC."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from bwc_desk.domain.errors import DomainError, PermissionDenied, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.services import exports, imports, inventory, unit_location
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

    def note(statement: str) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    def seen(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        note(statement)

    def traced(dbapi_conn, *_args):  # type: ignore[no-untyped-def]
        # (On SQLite the whole list is read straight on the connection, store/fast.Read,
        # past SQLAlchemy's statement events: SQLite's own trace sees it.)
        if hasattr(dbapi_conn, "set_trace_callback"):
            dbapi_conn.set_trace_callback(note)

    def untraced(dbapi_conn, *_args):  # type: ignore[no-untyped-def]
        if hasattr(dbapi_conn, "set_trace_callback"):
            dbapi_conn.set_trace_callback(None)

    engine = admin_ctx.db.engine
    listeners = [("checkout", traced), ("checkin", untraced)]
    if engine.dialect.name != "sqlite":
        listeners = [("before_cursor_execute", seen)]
    for name, fn in listeners:
        event.listen(engine, name, fn)
    try:
        rows = inventory.list_units(admin_ctx)
    finally:
        for name, fn in listeners:
            event.remove(engine, name, fn)
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


# --- the units CSV: exported with the location, imported through the same custody record ----


def _write(path, text: str):  # type: ignore[no-untyped-def]
    path.write_text(text, encoding="utf-8")
    return path


def test_the_units_export_has_the_location_column(admin_ctx, tmp_path):
    ids = _cameras(admin_ctx)
    unit_location.set_location(admin_ctx, ids[0], "Cage A, shelf 1")
    unit_location.set_location(admin_ctx, ids[1], "@bench")  # a spreadsheet's formula start
    path = tmp_path / "units.csv"
    exports.export_units(admin_ctx, path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[-1] == "location"
    assert [(r["asset_tag"], r["location"]) for r in rows] == [
        ("HPD-1", "Cage A, shelf 1"), ("HPD-2", "'@bench"), ("HPD-3", "")
    ]
    # Read back as it was written: nothing to do.
    report = imports.import_units(admin_ctx, path, commit=False)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 3)


def test_an_import_moves_cameras_with_a_custody_record_each(admin_ctx, tmp_path):
    ids = _cameras(admin_ctx, 2)
    unit_location.set_location(admin_ctx, ids[0], "Cage A")
    path = _write(
        tmp_path / "u.csv",
        "asset_tag,serial,location\nHPD-1,S-1,Cage B\nHPD-2,S-2,\nHPD-3,S-3,Dock room\n",
    )
    preview = imports.import_units(admin_ctx, path, commit=False)
    assert (preview.added, preview.updated, preview.unchanged) == (1, 1, 1)
    assert dict(preview.changes)[2] == "location Cage A -> Cage B"
    report = imports.import_units(admin_ctx, path)
    assert report.committed and (report.added, report.updated) == (1, 1)
    places = {u.asset_tag: u.location for u in inventory.list_units(admin_ctx)}
    assert places == {"HPD-1": "Cage B", "HPD-2": "", "HPD-3": "Dock room"}
    moved = inventory.unit_history(admin_ctx, ids[0])[0]
    assert moved.kind is EventKind.RELOCATED and moved.reason == "import u.csv"
    assert moved.details == {"from": "Cage A", "to": "Cage B"}
    new = next(u for u in inventory.list_units(admin_ctx) if u.asset_tag == "HPD-3")
    kinds = [e.kind for e in inventory.unit_history(admin_ctx, new.id)]
    assert kinds == [EventKind.RELOCATED, EventKind.REGISTERED]


def test_an_import_refuses_a_place_of_the_wrong_shape_and_writes_nothing(admin_ctx, tmp_path):
    ids = _cameras(admin_ctx, 2)
    unit_location.set_location(admin_ctx, ids[0], "Cage A")
    before = _state(admin_ctx)
    long = "x" * 121
    path = _write(
        tmp_path / "u.csv",
        f"asset_tag,serial,location\nHPD-1,S-1,\nHPD-2,S-2,{long}\nHPD-3,S-3,Cage C\n",
    )
    report = imports.import_units(admin_ctx, path)
    assert not report.committed
    errors = dict(report.errors)
    assert "HPD-1 is kept at Cage A" in errors[2] and "cannot be cleared" in errors[2]
    assert "at most 120 characters" in errors[3]
    assert 4 not in errors
    assert _state(admin_ctx) == before

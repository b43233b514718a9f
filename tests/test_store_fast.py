"""store/fast.Read: the counter's reads straight on the SQLite connection return exactly what
``session.execute`` returns (types converted: aware UTC datetimes, booleans), inside the
same transaction, after the same autoflush, and fail as SQLAlchemy's errors do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, exc, select, text

from bwc_desk.services import dock_board, readiness, repair_cases, repairs, settings
from bwc_desk.services.counter import bays, common
from bwc_desk.store import queries
from bwc_desk.store.fast import Read
from bwc_desk.store.ledger import _statements
from bwc_desk.store.models import Checkout, Unit

# The main comparison runs on both: on PostgreSQL Read is session.execute (its fallback).
pytestmark = pytest.mark.both_backends


@pytest.fixture
def seeded(db):  # type: ignore[no-untyped-def]
    from bwc_desk.services.demo import seed_demo

    seed_demo(db, days=1)
    return db


def _same(session: Any, read: Read, params: dict[str, Any] | None = None) -> list[Any]:
    expected = [tuple(r) for r in session.execute(read.stmt, params).all()]
    got = read.all(session, params)
    assert got == expected
    assert [type(v) for row in got for v in row] == [type(v) for row in expected for v in row]
    return got


def test_every_read_of_the_counter_returns_what_session_execute_returns(seeded):
    with seeded.read() as s:
        units = s.execute(select(Unit.id)).scalars().all()
        officers = s.execute(select(Checkout.officer_id).distinct()).scalars().all()
        assert units and officers
        rows = [_same(s, queries._UNIT_ROW_OF, {"unit_id": u}) for u in units]
        assert all(len(r) == 1 for r in rows)
        # (datetimes among them, aware UTC as the ORM gives them)
        stamps = [v for r in rows for v in r[0] if isinstance(v, datetime)]
        assert stamps and all(v.tzinfo is UTC for v in stamps)
        opened, returned = [], []
        for u in units:
            _same(s, readiness._RETURN_OF, {"unit_id": u})
            opened += _same(s, repair_cases._OPEN_ID_OF_UNIT, {"unit_id": u})
            _same(s, repairs._AWAITING_ID, {"unit_id": u})
            returned += _same(s, common._LAST_RETURN, {"unit_id": u})
        assert opened  # (the demo has cameras in repair)
        assert returned and all(r[0].tzinfo is UTC for r in returned)
        held = [_same(s, common._HELD, {"officer_id": o}) for o in officers]
        assert any(held)  # (someone holds a camera in the demo)
        for o in officers:
            _same(s, common._PRIMARY, {"officer_id": o})
            _same(s, common._SLOTS, {"officer_id": o})
        _same(s, settings._SETTINGS)
        assert _same(s, settings._SHIFTS)
        _same(s, readiness._ANY_DOCK)
        board_bays = _same(s, dock_board._BOARD_BAYS)  # (every bay of the Docks view's board)
        assert board_bays
        head = _statements(False)["head"]
        assert _same(s, head, {"chain": "custody"})
        now = datetime.now(UTC)
        for minutes in (0, 10, 60 * 24 * 30):
            _same(s, bays._LIVE_HOLDS, {"lapsed": now - timedelta(minutes=minutes)})
            for n in (1, 3):
                _same(s, bays._FREE_BAYS, {"seen": now - timedelta(minutes=minutes), "n": n})


@pytest.mark.parametrize("many", [1, 10**9], ids=["by-columns", "by-rows"])
def test_whole_lists_return_what_session_execute_returns(seeded, monkeypatch, many):
    """Inventory's every unit and the roster's every officer, converted column by column
    (a big list) or row by row (a few rows): the same rows, values and types."""
    from bwc_desk.store import fast

    monkeypatch.setattr(fast, "MANY", many)
    with seeded.read() as s:
        units = _same(s, queries._EVERY_UNIT_ROW)
        officers = _same(s, queries._EVERY_OFFICER_ROW)
        assert len(units) > 10 and len(officers) > 10
        assert any(isinstance(v, datetime) for row in units for v in row)
        assert {type(row[7]) for row in officers} == {bool}  # (active: 0/1 in SQLite)
        assert queries.unit_rows(s) == units and queries.officer_rows(s) == officers


def test_the_one_unit_row_is_the_inventory_row(demo_db):
    with demo_db.read() as s:
        unit_id = s.execute(select(Unit.id).limit(1)).scalar_one()
        assert queries.unit_row_of(s, unit_id) == tuple(queries.unit_rows(s, [unit_id])[0])
        with pytest.raises(LookupError):
            queries.unit_row_of(s, -1)


def test_a_read_sees_what_the_transaction_changed_and_not_yet_flushed(demo_db):
    with demo_db.write() as s:
        unit = s.execute(select(Unit).where(Unit.primary_officer_id.is_not(None)).limit(1)
                         ).scalar_one()
        officer = unit.primary_officer_id
        assert common._PRIMARY.scalars(s, {"officer_id": officer}) == [unit.id]
        unit.primary_officer_id = None  # (unflushed: the read flushes first, as execute does)
        assert common._PRIMARY.scalars(s, {"officer_id": officer}) == []
        s.rollback()


def test_a_failing_read_raises_sqlalchemys_error(demo_db):
    broken = Read(select(text("nope")).select_from(Unit.__table__).where(
        Unit.id == bindparam("unit_id")))
    with demo_db.read() as s, pytest.raises(exc.OperationalError, match="nope"):
        broken.all(s, {"unit_id": 1})


def test_a_statement_with_an_expanding_list_is_refused(demo_db):
    ids = Read(select(Unit.id).where(Unit.id.in_(bindparam("ids", expanding=True))))
    with demo_db.read() as s, pytest.raises(ValueError, match="not a fixed statement"):
        ids.all(s, {"ids": [1, 2]})

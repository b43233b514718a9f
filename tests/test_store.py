"""The database enforces the rules that matter, whatever code writes to it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bwc_desk.store import checks, migrate
from bwc_desk.store.db import SQLITE_PRAGMA_EXPECTED, Database
from bwc_desk.store.models import Base

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)

NOW = "2026-11-24 07:00:00.000000"


def seed_raw(db: Database) -> None:
    with db.write() as s:
        s.execute(
            text(
                "INSERT INTO officers (id, badge, last_name, first_name, rank, division, shift,"
                " active, scan_code, created_at, updated_at) VALUES"
                " (1, '0412', 'Smith', 'J', '', '', '', TRUE, '0412', :t, :t),"
                " (2, '0007', 'Jones', 'A', '', '', '', TRUE, '0007', :t, :t)"
            ),
            {"t": NOW},
        )
        s.execute(
            text(
                "INSERT INTO units (id, asset_tag, serial, model, firmware, status, notes,"
                " repair_vendor, repair_ticket, status_reason, created_at, updated_at) VALUES"
                " (1, 'T-1', 'S-1', '', '', 'available', '', '', '', '', :t, :t),"
                " (2, 'T-2', 'S-2', '', '', 'available', '', '', '', '', :t, :t)"
            ),
            {"t": NOW},
        )


def checkout(db: Database, unit: int, officer: int, slot: int = 1) -> None:
    with db.write() as s:
        s.execute(
            text(
                "INSERT INTO checkouts (unit_id, officer_id, slot, issued_at, issued_seq,"
                " issued_by, issued_station, expected_return, swap_reason, voided) VALUES"
                " (:u, :o, :slot, :t, 1, 'x', 'x', :t, '', FALSE)"
            ),
            {"u": unit, "o": officer, "slot": slot, "t": NOW},
        )


@pytest.mark.sqlite_only
def test_every_pragma_is_in_force_on_a_fresh_connection(db):
    db.engine.dispose()  # the next connection is a new one
    assert checks.sqlite_pragmas(db) == SQLITE_PRAGMA_EXPECTED


@pytest.mark.sqlite_only
def test_write_transactions_begin_immediate(db):
    statements: list[str] = []
    from sqlalchemy import event

    def capture(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    with db.write() as s:
        s.execute(text("SELECT 1"))
    with db.read() as s:
        s.execute(text("SELECT 1"))
    event.remove(db.engine, "before_cursor_execute", capture)
    assert statements[0] == "BEGIN IMMEDIATE"
    assert "BEGIN" in statements and statements.index("BEGIN") > 0


def test_a_unit_has_at_most_one_open_issue_even_around_the_services(db):
    seed_raw(db)
    checkout(db, 1, 1)
    with pytest.raises(IntegrityError):
        checkout(db, 1, 2)


def test_an_officer_holds_one_camera_per_slot(db):
    seed_raw(db)
    checkout(db, 1, 1)
    with pytest.raises(IntegrityError):
        checkout(db, 2, 1)  # slot 1 again
    checkout(db, 2, 1, slot=2)  # only an agency allowing two gives out slot 2
    with pytest.raises(IntegrityError), db.write() as s:
        s.execute(text("UPDATE checkouts SET slot = 3 WHERE unit_id = 2"))


def test_unknown_status_and_both_assigned_and_pooled_are_refused(db):
    seed_raw(db)
    with pytest.raises(IntegrityError), db.write() as s:
        s.execute(text("UPDATE units SET status = 'borrowed' WHERE id = 1"))
    with db.write() as s:
        s.execute(text("INSERT INTO pools (id, name, division, shift) VALUES (1, 'P', '', '')"))
    with pytest.raises(IntegrityError), db.write() as s:
        s.execute(text("UPDATE units SET primary_officer_id = 1, pool_id = 1 WHERE id = 1"))


def test_foreign_keys_are_enforced(db):
    with pytest.raises(IntegrityError), db.write() as s:
        s.execute(
            text(
                "INSERT INTO checkouts (unit_id, officer_id, slot, issued_at, issued_seq,"
                " issued_by, issued_station, expected_return, swap_reason, voided) VALUES"
                " (99, 99, 1, :t, 1, 'x', 'x', :t, '', FALSE)"
            ),
            {"t": NOW},
        )


def test_custody_events_refuse_update_and_delete_with_raw_sql(admin_ctx, db):
    from bwc_desk.services import inventory
    from bwc_desk.services.inventory import UnitInput

    inventory.add_unit(admin_ctx, UnitInput("T-9", "S-9"))
    # Raw SQL on a plain connection, around the services, as a person with the file (or a
    # database login) would try.
    from sqlalchemy.exc import DatabaseError

    for statement in ("UPDATE custody_events SET reason = 'x'", "DELETE FROM custody_events"):
        with pytest.raises(DatabaseError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))


def test_the_models_and_the_migrations_agree(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_timestamps_keep_microseconds_and_come_back_as_utc(db):
    from sqlalchemy import select

    from bwc_desk.store.models import Setting

    moment = datetime(2026, 11, 24, 7, 0, 0, 123456, tzinfo=UTC)
    with db.write() as s:
        s.add(Setting(key="k", value="1", updated_at=moment, updated_by="t"))
    with db.read() as s:
        back = s.execute(select(Setting.updated_at).where(Setting.key == "k")).scalar_one()
    assert back == moment and back.tzinfo is UTC


def test_self_test_checks(db):
    if db.is_sqlite:
        assert checks.sqlite_integrity(db) == "ok"
        assert checks.sqlite_foreign_keys(db) == "ok"
    assert checks.probe_write(db) == "ok"
    assert migrate.current_revision(db) == migrate.head_revision()


def test_the_head_constant_matches_the_revision_files():
    assert migrate.scripted_head() == migrate.HEAD


def test_every_partial_index_has_its_where_on_both_backends():
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateIndex

    from bwc_desk.store.models import postgresql_index_options

    postgresql_index_options()
    partial = [
        index
        for table in Base.metadata.tables.values()
        for index in table.indexes
        if index.dialect_options["sqlite"]["where"] is not None
    ]
    assert len(partial) == 8
    for index in partial:
        on_sqlite = str(CreateIndex(index).compile(dialect=sqlite.dialect()))
        on_postgresql = str(CreateIndex(index).compile(dialect=postgresql.dialect()))
        where = on_sqlite.split(" WHERE ", 1)[1]
        assert on_postgresql.endswith(f" WHERE {where}"), (index.name, on_postgresql)


def test_a_postgresql_database_gives_the_models_their_postgresql_where(db):
    units = Base.metadata.tables["units"]
    index = next(i for i in units.indexes if i.name == "uq_units_primary_officer")
    if db.is_postgresql:
        assert str(index.dialect_options["postgresql"]["where"]) == "primary_officer_id IS NOT NULL"
    assert str(index.dialect_options["sqlite"]["where"]) == "primary_officer_id IS NOT NULL"

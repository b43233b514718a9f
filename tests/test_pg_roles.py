"""On PostgreSQL the stations' role cannot UPDATE or DELETE custody or audit records: the
privileges say no, and the triggers say no again."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from bwc_desk.__main__ import main
from bwc_desk.domain.roles import Role
from bwc_desk.services import auth, counter, inventory, officers
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store.db import Database
from tests.conftest import PASSWORD


@pytest.fixture
def backend() -> str:
    return "postgresql"


@pytest.fixture
def app_role(admin_ctx, capsys):
    owner = admin_ctx.db.url.render_as_string(hide_password=False)
    with admin_ctx.db.engine.begin() as conn:
        conn.execute(text("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
                          "'bwc_station') THEN CREATE ROLE bwc_station LOGIN; END IF; END $$"))
    assert main(["grant-app-role", "bwc_station", "--database", owner]) == 0
    assert "REVOKE UPDATE, DELETE, TRUNCATE ON custody_events, audit_log" in \
        capsys.readouterr().out
    return admin_ctx.db.url.set(username="bwc_station").render_as_string(hide_password=False)


def test_a_station_role_works_the_counter_but_cannot_rewrite_history(admin_ctx, app_role):
    auth.add_staff(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    officer = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    station_db = Database(app_role)
    ctx = Ctx(station_db, "DESK-2")
    ctx = ctx.as_actor(auth.sign_in(ctx, "quinn", PASSWORD))
    assert counter.issue_unit(ctx, officer.id, "HPD-1", function_test=FunctionTest()).issued
    for statement in ("UPDATE custody_events SET reason = 'x'", "DELETE FROM custody_events",
                      "UPDATE audit_log SET outcome = 'ok'", "TRUNCATE custody_events",
                      "DROP TRIGGER custody_events_no_update ON custody_events"):
        with pytest.raises(DatabaseError, match=r"permission denied|must be owner"), \
                station_db.engine.begin() as conn:
            conn.execute(text(statement))
    station_db.dispose()


def test_a_station_role_cannot_migrate_and_says_what_to_do(admin_ctx, app_role):
    from bwc_desk.services.startup import open_database

    with admin_ctx.db.engine.begin() as conn:  # pretend the schema is one version behind
        conn.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    from bwc_desk.domain.errors import DomainError

    with pytest.raises(DomainError, match="may not change the schema"):
        open_database(app_role)

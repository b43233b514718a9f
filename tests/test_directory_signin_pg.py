"""Directory sign-in through a station's PostgreSQL role (which may not write staff rows)."""

from __future__ import annotations

import pytest

from bwc_desk.domain.roles import Role
from bwc_desk.services import auth
from bwc_desk.services.context import Ctx
from tests.test_directory_signin import _staff, fake_dir  # noqa: F401 (a fixture)
from tests.test_pg_roles import app_role  # noqa: F401 (a fixture)

pytestmark = pytest.mark.pg  # PostgreSQL only (tests/conftest.py)


@pytest.fixture
def backend() -> str:
    return "postgresql"


def test_through_the_station_role_a_directory_account_is_written_by_the_function(
    admin_ctx, fake_dir, app_role  # noqa: F811 (the fixtures imported above)
):
    """On PostgreSQL the stations' role may not write staff rows: the directory account is
    created and its role changed through bwc_directory_staff(), which never touches a local
    account."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from bwc_desk.store.db import Database

    url = app_role
    station_db = Database(url)
    try:
        ctx = Ctx(station_db, "DESK-2")
        assert auth.sign_in(ctx, "dana", "directory pass 1").role is Role.ADMIN
        fake_dir.people["dana"] = ("directory pass 1", ["BWC-Auditors"])
        assert auth.sign_in(ctx, "dana", "directory pass 1").role is Role.AUDITOR
        with pytest.raises(DBAPIError, match="local"), station_db.write() as s:
            s.execute(text("SELECT bwc_directory_staff('admin', 'x', 'x', 'quartermaster', "
                           "now()::timestamp)"))
    finally:
        station_db.dispose()
    assert _staff(admin_ctx, "admin").role == "admin"
    assert _staff(admin_ctx, "dana").role == "auditor"

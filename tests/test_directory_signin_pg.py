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


def test_through_the_station_role_badge_sign_in_confirms_and_unconfirms_the_role(
    admin_ctx, fake_dir, app_role  # noqa: F811 (the fixtures imported above)
):
    """Badge+PIN through the station role: the role from the directory is written by
    bwc_directory_staff(), a refusal clears the confirmation by bwc_directory_unconfirm()."""
    from bwc_desk.domain.errors import DomainError
    from bwc_desk.services.directory_signin import DirectoryUnreachable
    from bwc_desk.store.db import Database

    auth.sign_in(admin_ctx.as_actor(None), "dana", "directory pass 1")
    auth.set_badge_and_pin(admin_ctx, _staff(admin_ctx, "dana").id, "STAFF-D1", "480271")
    station_db = Database(app_role)
    try:
        ctx = Ctx(station_db, "DESK-2", clock=admin_ctx.clock)
        fake_dir.people["dana"] = ("directory pass 1", ["BWC-Auditors"])
        assert auth.sign_in_badge(ctx, "STAFF-D1", "480271").role is Role.AUDITOR
        assert _staff(admin_ctx, "dana").role_confirmed_at is not None
        fake_dir.people["dana"] = ("directory pass 1", [])
        with pytest.raises(DomainError, match="none of BWC Desk's groups"):
            auth.sign_in_badge(ctx, "STAFF-D1", "480271")
        assert _staff(admin_ctx, "dana").role_confirmed_at is None
        fake_dir.up = False
        with pytest.raises(DirectoryUnreachable):
            auth.sign_in_badge(ctx, "STAFF-D1", "480271")
    finally:
        station_db.dispose()
    assert _staff(admin_ctx, "dana").role == "auditor"

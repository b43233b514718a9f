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
from tests.conftest import PASSWORD, add_own

pytestmark = pytest.mark.pg  # PostgreSQL only (tests/conftest.py)


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
    add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
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


def test_the_station_role_cannot_create_an_admin_nor_change_staff(admin_ctx, app_role, capsys):
    """The attack: with the station's credentials, `users add mallory --role admin` and
    UPDATE staff SET role = 'admin'."""
    import io
    import sys

    from bwc_desk.domain.errors import PermissionDenied

    add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    old = sys.stdin
    try:
        sys.stdin = io.StringIO(PASSWORD + "\n")
        code = main(["users", "add", "mallory", "--role", "admin", "--password-stdin",
                     "--database", app_role])
        assert code == 1 and "already has an administrator" in capsys.readouterr().err
        sys.stdin = io.StringIO(f"{PASSWORD}\n{PASSWORD}\n")
        code = main(["users", "add", "mallory", "--role", "admin", "--password-stdin",
                     "--as", "admin", "--database", app_role])
        err = capsys.readouterr().err
        assert code == 1 and "may not change staff accounts" in err and "Traceback" not in err
    finally:
        sys.stdin = old
    station_db = Database(app_role)
    try:
        for statement in (
            "INSERT INTO staff (username, display_name, role, password_hash, active, "
            "created_at, created_by, lock_reason) VALUES ('mallory', 'M', 'admin', 'x', true, "
            "now(), 'x', '')",
            "UPDATE staff SET role = 'admin' WHERE username = 'quinn'",
            "UPDATE staff SET locked_at = NULL",
            "DELETE FROM staff WHERE username = 'quinn'",
        ):
            with pytest.raises(DatabaseError, match="permission denied"), \
                    station_db.engine.begin() as conn:
                conn.execute(text(statement))
        # the services say so too, even for an administrator signed in at a station
        ctx = Ctx(station_db, "DESK-2")
        admin = ctx.as_actor(auth.sign_in(ctx, "admin", PASSWORD))
        with pytest.raises(PermissionDenied, match="may not change staff accounts"):
            add_own(admin, "mallory", Role.ADMIN, PASSWORD)
        quinn = next(s for s in auth.list_staff(admin) if s.username == "quinn")
        with pytest.raises(PermissionDenied, match="may not change staff accounts"):
            auth.change_role(admin, quinn.id, Role.ADMIN)
    finally:
        station_db.dispose()
    names = {s.username: s.role for s in auth.list_staff(admin_ctx)}
    assert names == {"admin": Role.ADMIN, "quinn": Role.QUARTERMASTER}


def test_sign_in_and_lockout_still_work_through_the_station_role(admin_ctx, app_role):
    from bwc_desk.domain.errors import DomainError

    add_own(admin_ctx, "quinn", Role.QUARTERMASTER, PASSWORD)
    station_db = Database(app_role)
    try:
        ctx = Ctx(station_db, "DESK-2")
        for _ in range(2):
            with pytest.raises(DomainError):
                auth.sign_in(ctx, "quinn", "wrong password 1")
        auth.sign_in(ctx, "quinn", PASSWORD)  # clears the failures, through the function
        for _ in range(4):
            with pytest.raises(DomainError, match="wrong"):
                auth.sign_in(ctx, "quinn", "wrong password 1")
        with pytest.raises(DomainError, match="locked"):
            auth.sign_in(ctx, "quinn", "wrong password 1")
        with pytest.raises(DomainError, match="locked"):
            auth.sign_in(ctx, "quinn", PASSWORD)
    finally:
        station_db.dispose()
    assert next(s for s in auth.list_staff(admin_ctx) if s.username == "quinn").locked


def test_users_add_as_an_admin_with_the_owners_connection(admin_ctx, capsys):
    import io
    import sys

    owner = admin_ctx.db.url.render_as_string(hide_password=False)
    old = sys.stdin
    try:
        sys.stdin = io.StringIO(f"{PASSWORD}\n{PASSWORD}\n")
        code = main(["users", "add", "sam", "--role", "supervisor", "--password-stdin",
                     "--as", "admin", "--database", owner])
    finally:
        sys.stdin = old
    assert code == 0, capsys.readouterr().err
    assert "sam" in {s.username for s in auth.list_staff(admin_ctx)}


def test_a_station_connects_by_a_libpq_service_with_no_password_in_station_json(
    admin_ctx, app_role, tmp_path, monkeypatch, capsys, _app_home
):
    """station.json names a libpq service; the password (if the server wants one) is in a
    0600 password file, never in station.json."""
    import json

    from sqlalchemy.engine import make_url

    url = make_url(app_role)
    service = tmp_path / "pg_service.conf"
    service.write_text(
        f"[bwc_station]\nhost={url.host}\nport={url.port}\nuser={url.username}\n"
        f"dbname={url.database}\n",
        encoding="utf-8",
    )
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"{url.host}:{url.port}:{url.database}:{url.username}:unused\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGSERVICEFILE", str(service))
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    config = _app_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "station.json").write_text(json.dumps({
        "station_name": "DESK-2", "database_url": "postgresql+psycopg://?service=bwc_station"
    }), encoding="utf-8")
    assert main(["self-test"]) == 0, capsys.readouterr()


def test_the_station_role_says_up_front_that_it_may_not_change_staff(admin_ctx, app_role):
    """The dialog asks before anyone fills in a form the database will refuse."""
    assert auth.staff_changes_refused(admin_ctx) == ""  # the owner's connection
    station_db = Database(app_role)
    try:
        ctx = Ctx(station_db, "DESK-2")
        admin = ctx.as_actor(auth.sign_in(ctx, "admin", PASSWORD))
        assert auth.staff_changes_refused(admin) == auth.STATION_ROLE_REFUSED
    finally:
        station_db.dispose()


def test_staff_accounts_disables_what_the_station_role_may_not_do(qtbot, admin_ctx, app_role):
    from bwc_desk.ui.dialogs.staff_dialog import StaffDialog
    from bwc_desk.ui.state import AppState

    station_db = Database(app_role)
    ctx = Ctx(station_db, "DESK-2")
    state = AppState(ctx.as_actor(auth.sign_in(ctx, "admin", PASSWORD)))
    dialog = StaffDialog(state)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.station_note.text() != "", timeout=10_000)
    assert "command line" in dialog.station_note.text()
    dialog.table.table.selectRow(0)
    for button in (dialog.add_button, dialog.reset_button, dialog.disable_button,
                   dialog.role_button, dialog.badge_button, dialog.unlock_button):
        assert not button.isEnabled()
        assert "command line" in button.toolTip()
    state.runner.shutdown()
    station_db.dispose()


def test_a_new_account_at_a_station_is_told_how_to_choose_its_own_password(
    admin_ctx, app_role, capsys
):
    """A tester's finding: `users add NAME --as ADMIN` gives a temporary password; at a
    station (its role may not write staff rows) the form asked for a new password twice and
    then refused it, naming a command that did not help. Now the first sign-in says at once
    what to run, and that command, with the owner's connection, works."""
    import io
    import sys

    from bwc_desk.domain.errors import DomainError, PasswordChangeRequired

    owner = str(admin_ctx.db.url.render_as_string(hide_password=False))
    old = sys.stdin
    try:
        sys.stdin = io.StringIO(f"{PASSWORD}\ntemporary pass 1\ntemporary pass 1\n")
        code = main(["users", "add", "qm.ben", "--role", "quartermaster", "--as", "admin",
                     "--password-stdin", "--database", owner])
    finally:
        sys.stdin = old
    said = capsys.readouterr()
    assert code == 0, said.err
    assert "bwc-desk users password qm.ben --database OWNER-URL" in said.out
    station_db = Database(app_role)
    try:
        ctx = Ctx(station_db, "DESK-2")
        with pytest.raises(DomainError, match=r"users password qm\.ben") as refused:
            auth.sign_in(ctx, "qm.ben", "temporary pass 1")
        assert not isinstance(refused.value, PasswordChangeRequired)  # (no form for it)
        old = sys.stdin
        try:
            sys.stdin = io.StringIO(f"temporary pass 1\n{PASSWORD}\n{PASSWORD}\n")
            code = main(["users", "password", "qm.ben", "--password-stdin", "--database", owner])
            assert code == 0, capsys.readouterr().err
        finally:
            sys.stdin = old
        assert auth.sign_in(ctx, "qm.ben", PASSWORD).username == "qm.ben"
    finally:
        station_db.dispose()

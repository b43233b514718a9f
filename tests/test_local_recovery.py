"""Break-glass recovery when every administrator is locked out (`bwc-desk users unlock NAME
--local-recovery`): no sign-in, but proof of local control of the database (a SQLite file this
operating-system account can write, on a local disk; on PostgreSQL a connection allowed to
write staff accounts, i.e. the owner's). It unlocks only, resets a password only when asked,
and leaves an audit record naming the operating-system user, the host and "local recovery"."""

from __future__ import annotations

import pytest

from bwc_desk.domain.errors import DomainError, PasswordChangeRequired, PermissionDenied
from bwc_desk.domain.roles import Role
from bwc_desk.services import audit, auth, staff_cli
from bwc_desk.services.context import Ctx
from bwc_desk.services.startup import open_database
from bwc_desk.store.db import sqlite_url
from tests.conftest import PASSWORD, make_actor
from tests.test_cli import dbfile, run, users_add  # noqa: F401 (a fixture)

pytestmark = pytest.mark.both_backends

NEW_PASSWORD = "purple tractor umbrella 7"


def _lock(ctx: Ctx, name: str) -> None:
    anyone = ctx.as_actor(None)
    for _ in range(5):
        with pytest.raises(DomainError):
            auth.sign_in(anyone, name, "Wrong-Password-9")
    with pytest.raises(DomainError, match="is locked"):
        auth.sign_in(anyone, name, PASSWORD)


def _recover(ctx: Ctx, name: str, new_password: str | None = None):  # type: ignore[no-untyped-def]
    return staff_cli.local_recovery_unlock(
        ctx.as_actor(None), name, os_user="itdesk", host="EVID-PC-07", new_password=new_password
    )


def test_the_last_administrator_locked_out_is_unlocked_by_local_recovery(admin_ctx, clock):
    _lock(admin_ctx, "admin")
    clock.advance(minutes=3)
    row = _recover(admin_ctx, "admin")
    assert row.username == "admin" and not row.locked
    # Unlocked only: the old password still signs in, and the failures count from zero.
    actor = auth.sign_in(admin_ctx.as_actor(None), "admin", PASSWORD)
    [record] = audit.list_audit(admin_ctx.as_actor(actor), event="account unlocked")
    assert record.staff_username == "cli:itdesk"
    assert record.station == "DESK-1"
    assert record.at == clock.now and record.at.utcoffset() is not None
    assert record.details["how"] == "local recovery"
    assert record.details["account"] == "admin"
    assert record.details["os_user"] == "itdesk"
    assert record.details["host"] == "EVID-PC-07"
    assert record.details["proof"]
    assert not audit.list_audit(admin_ctx.as_actor(actor), event="temporary password set")


def test_local_recovery_resets_the_password_only_when_asked(admin_ctx):
    _lock(admin_ctx, "admin")
    _recover(admin_ctx, "admin", NEW_PASSWORD)
    with pytest.raises(DomainError, match="wrong"):
        auth.sign_in(admin_ctx.as_actor(None), "admin", PASSWORD)
    # IT knows the new password: it is temporary, the administrator chooses their own.
    with pytest.raises(PasswordChangeRequired):
        auth.sign_in(admin_ctx.as_actor(None), "admin", NEW_PASSWORD)
    actor = auth.sign_in(
        admin_ctx.as_actor(None), "admin", NEW_PASSWORD, new_password="amber falcon garden 31"
    )
    [reset] = audit.list_audit(admin_ctx.as_actor(actor), event="temporary password set")
    assert reset.staff_username == "cli:itdesk"
    assert reset.details["how"] == "local recovery" and reset.details["host"] == "EVID-PC-07"


def test_local_recovery_checks_the_new_password_like_any_other(admin_ctx):
    _lock(admin_ctx, "admin")
    with pytest.raises(DomainError, match="common"):
        _recover(admin_ctx, "admin", "password")
    with pytest.raises(DomainError, match="is locked"):  # nothing was changed
        auth.sign_in(admin_ctx.as_actor(None), "admin", PASSWORD)


def test_local_recovery_is_refused_while_an_administrator_can_still_sign_in(admin_ctx):
    make_actor(admin_ctx, Role.ADMIN, "bella")
    _lock(admin_ctx, "admin")
    with pytest.raises(DomainError, match=r"bella.*--as bella"):
        _recover(admin_ctx, "admin")
    _lock(admin_ctx, "bella")  # now every administrator is locked out: either may be unlocked
    assert not _recover(admin_ctx, "bella").locked


def test_local_recovery_is_for_administrators_only(admin_ctx):
    make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    _lock(admin_ctx, "quinn")
    _lock(admin_ctx, "admin")
    with pytest.raises(DomainError, match="administrator"):
        _recover(admin_ctx, "quinn")
    with pytest.raises(DomainError, match="no staff account"):
        _recover(admin_ctx, "nobody")


def test_local_recovery_of_an_account_not_locked_changes_nothing(admin_ctx):
    with pytest.raises(DomainError, match="not locked"):
        _recover(admin_ctx, "admin")
    actor = auth.sign_in(admin_ctx.as_actor(None), "admin", PASSWORD)
    assert not audit.list_audit(admin_ctx.as_actor(actor), event="account unlocked")


@pytest.mark.sqlite_only
def test_local_recovery_is_refused_on_a_network_path(admin_ctx, monkeypatch):
    _lock(admin_ctx, "admin")
    monkeypatch.setattr(staff_cli, "network_kind", lambda path: "nfs4")
    with pytest.raises(PermissionDenied, match="network file system"):
        _recover(admin_ctx, "admin")


@pytest.mark.sqlite_only
def test_local_recovery_needs_write_access_to_the_file(admin_ctx, monkeypatch):
    _lock(admin_ctx, "admin")
    monkeypatch.setattr(staff_cli.os, "access", lambda path, mode: False)
    with pytest.raises(PermissionDenied, match="cannot write"):
        _recover(admin_ctx, "admin")


# --- the command line ------------------------------------------------------------------------


def _lock_file(dbfile, name: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    db = open_database(sqlite_url(dbfile)).db
    try:
        _lock(Ctx(db, "DESK-3"), name)
    finally:
        db.dispose()


@pytest.mark.sqlite_only
def test_users_unlock_local_recovery_on_the_command_line(capsys, dbfile, monkeypatch):  # noqa: F811
    monkeypatch.setattr("bwc_desk.cli.users_cmds.os_user", lambda: "itdesk")
    assert users_add(capsys, dbfile, "admin", "admin", PASSWORD + "\n")[0] == 0
    _lock_file(dbfile, "admin")
    code, _, err = run(capsys, "users", "unlock", "admin", "--as", "admin", "--password-stdin",
                       "--database", str(dbfile), stdin=PASSWORD + "\n")
    assert code == 1 and "--local-recovery" in err  # the refusal says the way out
    code, out, err = run(capsys, "users", "unlock", "admin", "--local-recovery",
                         "--database", str(dbfile))
    assert code == 0, err
    assert "admin: unlocked by local recovery" in out and "itdesk" in out
    db = open_database(sqlite_url(dbfile)).db
    try:
        ctx = Ctx(db, "DESK-1")
        actor = auth.sign_in(ctx, "admin", PASSWORD)
        [record] = audit.list_audit(ctx.as_actor(actor), event="account unlocked")
        assert record.staff_username == "cli:itdesk"
        assert record.details["how"] == "local recovery" and record.details["host"]
    finally:
        db.dispose()


@pytest.mark.sqlite_only
def test_users_unlock_local_recovery_with_a_new_password_from_stdin(capsys, dbfile):  # noqa: F811
    assert users_add(capsys, dbfile, "admin", "admin", PASSWORD + "\n")[0] == 0
    _lock_file(dbfile, "admin")
    code, out, err = run(capsys, "users", "unlock", "admin", "--local-recovery",
                         "--reset-password", "--password-stdin", "--database", str(dbfile),
                         stdin=NEW_PASSWORD + "\n")
    assert code == 0, err
    assert "temporary password set" in out and "must choose their own" in out
    db = open_database(sqlite_url(dbfile)).db
    try:
        with pytest.raises(PasswordChangeRequired):
            auth.sign_in(Ctx(db, "DESK-1"), "admin", NEW_PASSWORD)
    finally:
        db.dispose()


@pytest.mark.sqlite_only
def test_users_unlock_grammar(capsys, dbfile):  # noqa: F811
    with pytest.raises(SystemExit):  # --as and --local-recovery exclude each other
        run(capsys, "users", "unlock", "admin", "--as", "admin", "--local-recovery",
            "--database", str(dbfile))
    with pytest.raises(SystemExit):  # one of them is needed
        run(capsys, "users", "unlock", "admin", "--database", str(dbfile))
    code, _, err = run(capsys, "users", "unlock", "admin", "--as", "admin", "--reset-password",
                       "--database", str(dbfile))
    assert code == 2 and "users change" in err


@pytest.mark.pg
def test_the_stations_role_cannot_use_local_recovery(admin_ctx, backend):
    if backend != "postgresql":
        pytest.skip("PostgreSQL only")
    from sqlalchemy import text

    from bwc_desk.__main__ import main
    from bwc_desk.store.db import Database

    _lock(admin_ctx, "admin")
    with admin_ctx.db.engine.begin() as conn:
        conn.execute(text("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
                          "'bwc_station') THEN CREATE ROLE bwc_station LOGIN; END IF; END $$"))
    owner = admin_ctx.db.url.render_as_string(hide_password=False)
    assert main(["grant-app-role", "bwc_station", "--database", owner]) == 0
    station_db = Database(admin_ctx.db.url.set(username="bwc_station")
                          .render_as_string(hide_password=False))
    try:
        with pytest.raises(PermissionDenied, match="owner"):
            _recover(Ctx(station_db, "DESK-2"), "admin")
    finally:
        station_db.dispose()
    row = _recover(admin_ctx, "admin")  # the owner's connection: the database administrator
    assert not row.locked
    actor = auth.sign_in(admin_ctx.as_actor(None), "admin", PASSWORD)
    [record] = audit.list_audit(admin_ctx.as_actor(actor), event="account unlocked")
    assert "database role" in record.details["proof"]

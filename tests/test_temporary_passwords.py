"""A password someone else set (an administrator adding an account or resetting its password,
or IT by local recovery) is temporary: the account chooses its own at its next sign-in, before
anything else, and nothing else works for it until then."""

from __future__ import annotations

import pytest

from bwc_desk.domain.errors import DomainError, PasswordChangeRequired, ValidationError
from bwc_desk.domain.roles import Role
from bwc_desk.services import audit, auth, staff_cli
from bwc_desk.services.counter.dto import Override
from bwc_desk.services.counter.overrides import OverrideRefused, verify_override
from bwc_desk.store.models import SignInFailure, Staff
from tests.conftest import PASSWORD

pytestmark = pytest.mark.both_backends

TEMPORARY = "yellow canoe harbor 42"
OWN = "quiet violin meadow 93"


def _add(admin_ctx, name="quinn", role=Role.QUARTERMASTER):  # type: ignore[no-untyped-def]
    return auth.add_staff(admin_ctx, name, role, TEMPORARY, display_name=name.title())


def test_an_account_an_administrator_adds_must_choose_its_own_password(admin_ctx):
    row = _add(admin_ctx)
    assert row.must_change_password
    [listed] = [r for r in auth.list_staff(admin_ctx) if r.username == "quinn"]
    assert listed.must_change_password
    admin_row = next(r for r in auth.list_staff(admin_ctx) if r.username == "admin")
    assert not admin_row.must_change_password  # chose its own at first run
    anyone = admin_ctx.as_actor(None)
    with pytest.raises(PasswordChangeRequired, match="temporary") as raised:
        auth.sign_in(anyone, "quinn", TEMPORARY)
    assert raised.value.username == "quinn"
    # Nobody was signed in: no sign-in record.
    assert not audit.list_audit(admin_ctx, event="sign-in", username="quinn")
    # The wrong password is still just wrong (no hint that the account has a temporary one).
    with pytest.raises(DomainError, match="user name or password is wrong"):
        auth.sign_in(anyone, "quinn", "Wrong-Password-9")


def test_the_new_password_is_checked_and_then_signs_in(admin_ctx):
    _add(admin_ctx)
    anyone = admin_ctx.as_actor(None)
    with pytest.raises(ValidationError, match="differ"):
        auth.sign_in(anyone, "quinn", TEMPORARY, new_password=TEMPORARY)
    with pytest.raises(ValidationError):
        auth.sign_in(anyone, "quinn", TEMPORARY, new_password="password123")
    with pytest.raises(DomainError, match="user name or password is wrong"):
        auth.sign_in(anyone, "quinn", "Wrong-Password-9", new_password=OWN)
    actor = auth.sign_in(anyone, "quinn", TEMPORARY, new_password=OWN)
    assert actor.username == "quinn"
    # From now on: its own password, the temporary one no longer works.
    assert auth.sign_in(anyone, "quinn", OWN).username == "quinn"
    with pytest.raises(DomainError, match="wrong"):
        auth.sign_in(anyone, "quinn", TEMPORARY)
    [listed] = [r for r in auth.list_staff(admin_ctx) if r.username == "quinn"]
    assert not listed.must_change_password
    [chosen] = audit.list_audit(admin_ctx, event="password changed at first sign-in")
    assert chosen.staff_username == "quinn" and chosen.details["account"] == "quinn"
    assert chosen.station == "DESK-1"
    assert audit.list_audit(admin_ctx, event="sign-in", username="quinn")
    # A new password for an account whose password is its own is refused, not applied.
    with pytest.raises(DomainError, match="already"):
        auth.sign_in(anyone, "quinn", OWN, new_password="another fine phrase 55")


def test_a_reset_password_is_temporary_and_audited_as_such(admin_ctx):
    row = _add(admin_ctx)
    auth.sign_in(admin_ctx.as_actor(None), "quinn", TEMPORARY, new_password=OWN)
    again = auth.reset_password(admin_ctx, row.id, "green lantern river 18")
    assert again.must_change_password
    [record] = audit.list_audit(admin_ctx, event="temporary password set")
    assert record.staff_username == "admin" and record.details["account"] == "quinn"
    with pytest.raises(PasswordChangeRequired):
        auth.sign_in(admin_ctx.as_actor(None), "quinn", "green lantern river 18")
    [created] = audit.list_audit(admin_ctx, event="account created", username="admin")[:1]
    assert created.details["password"] == "set by administrator (temporary)"


def test_badge_and_pin_do_not_get_round_a_temporary_password(admin_ctx):
    row = _add(admin_ctx)
    auth.set_badge_and_pin(admin_ctx, row.id, "STAFF-77", "583920")
    with pytest.raises(PasswordChangeRequired, match="user name"):
        auth.sign_in_badge(admin_ctx.as_actor(None), "STAFF-77", "583920")
    with admin_ctx.db.read() as session:  # not a failure: nothing counts towards a lockout
        assert not session.query(SignInFailure).filter_by(staff_id=row.id).count()
    auth.sign_in(admin_ctx.as_actor(None), "quinn", TEMPORARY, new_password=OWN)
    assert auth.sign_in_badge(admin_ctx.as_actor(None), "STAFF-77", "583920").username == "quinn"


def test_a_supervisor_with_a_temporary_password_cannot_authorise_an_override(admin_ctx, clock):
    _add(admin_ctx, "sam", Role.SUPERVISOR)
    with admin_ctx.db.write() as session, pytest.raises(OverrideRefused, match="temporary"):
        verify_override(session, Override("sam", TEMPORARY, "dock broken"), "the check")
    auth.sign_in(admin_ctx.as_actor(None), "sam", TEMPORARY, new_password=OWN)
    with admin_ctx.db.write() as session:
        assert verify_override(session, Override("sam", OWN, "dock broken"), "x").username == "sam"


def test_the_command_line_refuses_an_account_with_a_temporary_password(admin_ctx):
    _add(admin_ctx, "ada2", Role.ADMIN)
    with pytest.raises(PasswordChangeRequired):
        staff_cli.signed_in_admin(admin_ctx.as_actor(None), "ada2", TEMPORARY, os_user="it")


def test_local_recovery_sets_a_temporary_password(admin_ctx):
    anyone = admin_ctx.as_actor(None)
    for _ in range(5):
        with pytest.raises(DomainError):
            auth.sign_in(anyone, "admin", "Wrong-Password-9")
    staff_cli.local_recovery_unlock(
        anyone, "admin", os_user="itdesk", host="PC-7", new_password=TEMPORARY
    )
    with pytest.raises(PasswordChangeRequired):
        auth.sign_in(anyone, "admin", TEMPORARY)
    actor = auth.sign_in(anyone, "admin", TEMPORARY, new_password=OWN)
    [record] = audit.list_audit(
        admin_ctx.as_actor(actor), event="temporary password set"
    )
    assert record.staff_username == "cli:itdesk" and record.details["how"] == "local recovery"


def test_existing_accounts_keep_their_own_password(admin_ctx):
    """The column's default (and the migration's): an account from before is "own"."""
    with admin_ctx.db.read() as session:
        assert [r.must_change_password for r in session.query(Staff)] == [False]
    assert auth.sign_in(admin_ctx.as_actor(None), "admin", PASSWORD).username == "admin"


@pytest.mark.sqlite_only
def test_a_temporary_password_is_replaced_on_the_command_line(capsys, tmp_path):
    from tests.test_cli import run, users_add

    dbfile = tmp_path / "cli.sqlite3"
    assert users_add(capsys, dbfile, "chief", "admin", PASSWORD + "\n")[0] == 0
    code, out, _ = users_add(capsys, dbfile, "quinn", "quartermaster",
                             f"{PASSWORD}\n{TEMPORARY}\n", "--as", "chief")
    assert code == 0 and "temporary password" in out
    backup = ("backup", str(tmp_path / "b"), "--database", str(dbfile), "--password-stdin")
    code, _, err = run(capsys, *backup, "--as", "quinn", stdin=TEMPORARY + "\n")
    assert code == 1 and "users password quinn" in err
    password = ("users", "password", "quinn", "--password-stdin", "--database", str(dbfile))
    code, _, err = run(capsys, *password, stdin=f"{TEMPORARY}\n{OWN}\n{OWN}x\n")
    assert code == 1 and "differ" in err
    code, out, err = run(capsys, *password, stdin=f"{TEMPORARY}\n{OWN}\n{OWN}\n")
    assert code == 0, err
    assert "your own password is set" in out
    code, _, err = run(capsys, *password, stdin=f"{TEMPORARY}\n{OWN}\n{OWN}\n")
    assert code == 1 and "wrong" in err  # the temporary one no longer works

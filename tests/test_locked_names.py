"""Locked user names with no staff account (a directory user who never signed in, or a name
that exists nowhere): listed for the administrators and unlocked by them, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from bwc_desk.domain.errors import DomainError, PermissionDenied
from bwc_desk.domain.roles import Role
from bwc_desk.services import audit, auth, sign_in_attempts
from bwc_desk.services.context import Ctx
from bwc_desk.store.models import NameLock
from tests.conftest import PASSWORD, make_actor
from tests.test_directory_signin import fake_dir  # noqa: F401 (a fixture)

pytestmark = pytest.mark.both_backends
ERIN = "erin directory pass"


def _lock(ctx: Ctx, name: str, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        with pytest.raises(DomainError):
            auth.sign_in(ctx, name, "Wrong-Password-9")
        clock.advance(seconds=30)


def test_a_directory_user_locked_before_any_sign_in_is_listed_and_unlocked(
    admin_ctx, fake_dir, clock  # noqa: F811
):
    fake_dir.people["erin"] = (ERIN, ["BWC-Quartermasters"])
    ctx = admin_ctx.as_actor(None)
    _lock(ctx, "erin", clock)
    with pytest.raises(DomainError, match="locked"):
        auth.sign_in(ctx, "erin", ERIN)  # the right password: still locked, and no bind
    assert all(s.username != "erin" for s in auth.list_staff(admin_ctx))  # no staff row
    locked = sign_in_attempts.list_locked_names(admin_ctx)
    assert [(n.name, n.station) for n in locked] == [("erin", "DESK-1")]
    clock.advance(minutes=1)
    done = sign_in_attempts.unlock_locked_name(admin_ctx, locked[0].id)
    assert done.name == "erin" and sign_in_attempts.list_locked_names(admin_ctx) == []
    record = audit.list_audit(admin_ctx, event="account unlocked")[0]
    assert record.staff_username == "admin" and record.station == "DESK-1"
    assert record.at == clock.now and record.details["account"] == "erin"
    assert auth.sign_in(ctx, "erin", ERIN).role is Role.QUARTERMASTER
    with pytest.raises(DomainError, match="no longer locked"):
        sign_in_attempts.unlock_locked_name(admin_ctx, locked[0].id)


def test_unlocking_a_name_by_typing_it(admin_ctx, clock):
    """Without a directory too; the lock comes back after five more failures."""
    ctx = admin_ctx.as_actor(None)
    _lock(ctx, "ghost", clock)
    with pytest.raises(DomainError, match="locked"):
        auth.sign_in(ctx, "ghost", "Wrong-Password-9")
    assert sign_in_attempts.unlock_name(admin_ctx, " Ghost ") == "ghost"
    assert sign_in_attempts.list_locked_names(admin_ctx) == []
    clock.advance(seconds=1)
    with pytest.raises(DomainError, match="wrong"):
        auth.sign_in(ctx, "ghost", "Wrong-Password-9")  # counted from zero again
    with pytest.raises(DomainError, match="not locked"):
        sign_in_attempts.unlock_name(admin_ctx, "ghost")
    _lock(ctx, "ghost", clock)
    assert [n.name for n in sign_in_attempts.list_locked_names(admin_ctx)] == ["ghost"]


def test_a_name_that_looked_like_a_password_is_listed_without_it(admin_ctx, clock):
    ctx = admin_ctx.as_actor(None)
    _lock(ctx, "Secret-Pass-77", clock)
    locked = sign_in_attempts.list_locked_names(admin_ctx)
    assert [n.name for n in locked] == [""]
    sign_in_attempts.unlock_name(admin_ctx, "Secret-Pass-77")
    assert sign_in_attempts.list_locked_names(admin_ctx) == []
    assert audit.list_audit(admin_ctx, event="account unlocked")[0].details["account"] == (
        sign_in_attempts.UNKNOWN_USER_NAME
    )


def test_a_name_locked_before_the_list_existed_is_unlocked_by_name(admin_ctx, clock):
    ctx = admin_ctx.as_actor(None)
    _lock(ctx, "olden", clock)
    with admin_ctx.db.write() as session:  # as an upgraded database has it: no lock row
        session.execute(delete(NameLock))
    sign_in_attempts.unlock_name(admin_ctx, "olden")
    clock.advance(seconds=1)
    with pytest.raises(DomainError, match="wrong"):
        auth.sign_in(ctx, "olden", "Wrong-Password-9")


def test_only_administrators_unlock_names_and_accounts_go_their_own_way(admin_ctx, clock):
    _lock(admin_ctx.as_actor(None), "ghost", clock)
    qm = make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    with pytest.raises(PermissionDenied):
        sign_in_attempts.unlock_name(qm, "ghost")
    with pytest.raises(PermissionDenied):
        sign_in_attempts.unlock_locked_name(qm, 1)
    with pytest.raises(PermissionDenied):
        sign_in_attempts.list_locked_names(qm)
    with pytest.raises(DomainError, match="has a staff account"):
        sign_in_attempts.unlock_name(admin_ctx, "quinn")
    assert auth.sign_in(admin_ctx.as_actor(None), "quinn", PASSWORD).username == "quinn"

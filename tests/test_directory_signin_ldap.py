"""Directory sign-in against a real OpenLDAP server (tests/ldap.py): a bind with the person's
own password, the role from their groups at each sign-in, the local lockout, a closed port."""

from __future__ import annotations

import socket

import pytest

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Role
from bwc_desk.services import auth, directory_settings
from bwc_desk.services.context import Ctx
from bwc_desk.services.directory_signin import UNREACHABLE, DirectoryUnreachable
from tests.conftest import PASSWORD
from tests.test_directory_signin import _events, _staff

pytestmark = pytest.mark.both_backends
DANA = "Dana-Directory-Pass1"


def configure(admin_ctx: Ctx, directory, **changes) -> None:  # type: ignore[no-untyped-def]
    values = directory.settings().as_dict()
    values.update(changes)
    directory_settings.set_directory(admin_ctx, values, password=directory.server.password)


@pytest.fixture
def dana(admin_ctx, directory):  # type: ignore[no-untyped-def]
    dn = directory.add_person("dana", "1001", "Doe", "Dana", password=DANA)
    groups = {
        "admins": directory.add_group("BWC-Admins", [dn]),
        "supervisors": directory.add_group("BWC-Supervisors", [directory.base_dn]),
    }
    configure(admin_ctx, directory)
    return dn, groups


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_directory_user_signs_in_with_their_own_password(admin_ctx, directory, dana):
    dn, _groups = dana
    ctx = admin_ctx.as_actor(None)
    actor = auth.sign_in(ctx, "dana", DANA)
    assert actor.role is Role.ADMIN and actor.username == "dana"
    row = _staff(ctx, "dana")
    assert row.source == "directory" and row.directory_dn.lower() == dn.lower()
    assert DANA not in row.password_hash
    assert ("account created", "dana") in _events(ctx) and _events(ctx)[-1] == ("sign-in", "dana")
    with pytest.raises(DomainError, match="wrong"):
        auth.sign_in(ctx, "dana", "Not-Her-Password1")


def test_leaving_a_group_changes_the_role_at_the_next_sign_in(admin_ctx, directory, dana, clock):
    dn, groups = dana
    ctx = admin_ctx.as_actor(None)
    assert auth.sign_in(ctx, "dana", DANA).role is Role.ADMIN
    directory.modify(groups["admins"], member=directory.base_dn)  # dana leaves BWC-Admins
    directory.modify(groups["supervisors"], member=dn)
    clock.advance(minutes=1)
    assert auth.sign_in(ctx, "dana", DANA).role is Role.SUPERVISOR
    assert next(s for s in auth.list_staff(admin_ctx) if s.username == "dana").role is \
        Role.SUPERVISOR
    directory.modify(groups["supervisors"], member=directory.base_dn)  # in no group now
    with pytest.raises(DomainError, match="none of BWC Desk's groups"):
        auth.sign_in(ctx, "dana", DANA)


def test_the_local_lockout_counts_directory_failures(admin_ctx, directory, dana, clock):
    ctx = admin_ctx.as_actor(None)
    auth.sign_in(ctx, "dana", DANA)
    clock.advance(minutes=1)
    for _ in range(4):
        with pytest.raises(DomainError, match="wrong"):
            auth.sign_in(ctx, "dana", "Not-Her-Password1")
    with pytest.raises(DomainError, match="locked"):
        auth.sign_in(ctx, "dana", "Not-Her-Password1")
    with pytest.raises(DomainError, match="locked"):
        auth.sign_in(ctx, "dana", DANA)  # the right password: still locked here


def test_a_closed_port_says_the_directory_cannot_be_reached_and_local_accounts_work(
    admin_ctx, directory, dana
):
    configure(admin_ctx, directory, url=f"ldaps://127.0.0.1:{closed_port()}", timeout_seconds=2)
    ctx = admin_ctx.as_actor(None)
    with pytest.raises(DirectoryUnreachable) as caught:
        auth.sign_in(ctx, "dana", DANA)
    assert str(caught.value) == UNREACHABLE
    assert auth.sign_in(ctx, "admin", PASSWORD).role is Role.ADMIN  # the break-glass admin


def test_a_refused_service_account_is_not_the_persons_failure(admin_ctx, directory, dana):
    """The station's bind password is wrong: nobody can be looked up. That is the directory
    being unusable (call IT), not five wrong passwords locking each person out."""
    directory_settings.set_directory(admin_ctx, {}, password="not the service password")
    ctx = admin_ctx.as_actor(None)
    for _ in range(6):
        with pytest.raises(DirectoryUnreachable):
            auth.sign_in(ctx, "dana", DANA)
    directory_settings.set_directory(admin_ctx, {}, password=directory.server.password)
    assert auth.sign_in(ctx, "dana", DANA).role is Role.ADMIN


# --- badge and PIN: the role asked of the directory with the service bind ------------------

BADGE, PIN = "STAFF-D1", "480271"


@pytest.fixture
def dana_badge(admin_ctx, dana):  # type: ignore[no-untyped-def]
    """Dana signed in once with her directory password, then was given a badge and PIN."""
    auth.sign_in(admin_ctx.as_actor(None), "dana", DANA)
    auth.set_badge_and_pin(admin_ctx, _staff(admin_ctx, "dana").id, BADGE, PIN)
    return dana


def _badge(ctx: Ctx):  # type: ignore[no-untyped-def]
    return auth.sign_in_badge(ctx.as_actor(None), BADGE, PIN)


def test_badge_sign_in_follows_a_group_removal_in_the_directory(
    admin_ctx, directory, dana_badge, clock
):
    dn, groups = dana_badge
    assert _badge(admin_ctx).role is Role.ADMIN
    directory.modify(groups["admins"], member=directory.base_dn)  # dana leaves BWC-Admins
    directory.modify(groups["supervisors"], member=dn)
    clock.advance(minutes=1)
    assert _badge(admin_ctx).role is Role.SUPERVISOR
    assert _staff(admin_ctx, "dana").role == "supervisor"
    directory.modify(groups["supervisors"], member=directory.base_dn)  # in no group now
    clock.advance(minutes=1)
    with pytest.raises(DomainError, match="none of BWC Desk's groups"):
        _badge(admin_ctx)
    assert _events(admin_ctx)[-1] == ("sign-in failed", "dana")


def test_badge_sign_in_of_a_disabled_directory_account_is_refused(
    admin_ctx, directory, dana_badge
):
    dn, _groups = dana_badge
    directory.disable(dn)
    with pytest.raises(DomainError, match="is disabled"):
        _badge(admin_ctx)
    directory.delete(dn)
    with pytest.raises(DomainError, match="no longer has the account"):
        _badge(admin_ctx)
    assert _events(admin_ctx)[-1] == ("sign-in failed", "dana")


def test_badge_sign_in_with_the_directory_unreachable_within_and_after_the_limit(
    admin_ctx, directory, dana_badge, clock
):
    configure(admin_ctx, directory, url=f"ldaps://127.0.0.1:{closed_port()}", timeout_seconds=2)
    clock.advance(hours=11)
    assert _badge(admin_ctx).role is Role.ADMIN  # confirmed 11 hours ago: within 12
    clock.advance(hours=2)
    with pytest.raises(DirectoryUnreachable, match="local account"):
        _badge(admin_ctx)
    configure(admin_ctx, directory)  # it answers again: confirmed anew
    assert _badge(admin_ctx).role is Role.ADMIN
    assert _staff(admin_ctx, "dana").role_confirmed_at == clock.now

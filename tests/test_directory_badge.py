"""Badge+PIN of a directory account: the role asked of the directory at each sign-in (with
the service bind, never the person's password), refused when the directory refuses the
account, and without the directory the cached role only within the agency's limit. Against
the in-memory directory of tests/test_directory_signin.py; the real OpenLDAP server's tests
are in tests/test_directory_signin_ldap.py."""

from __future__ import annotations

import pytest

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Role
from bwc_desk.services import audit, auth, directory_signin, settings
from bwc_desk.services.context import Ctx
from bwc_desk.services.directory_signin import DirectoryUnreachable
from tests.test_directory_signin import _staff, fake_dir  # noqa: F401 (a fixture)

pytestmark = pytest.mark.both_backends
BADGE, PIN = "STAFF-D1", "480271"


@pytest.fixture
def dana_badge(admin_ctx, fake_dir):  # type: ignore[no-untyped-def]  # noqa: F811
    """Dana signed in once with her directory password (admin), then got a badge and PIN."""
    assert auth.sign_in(admin_ctx.as_actor(None), "dana", "directory pass 1").role is Role.ADMIN
    auth.set_badge_and_pin(admin_ctx, _staff(admin_ctx, "dana").id, BADGE, PIN)
    return fake_dir


def _badge(ctx: Ctx):  # type: ignore[no-untyped-def]
    return auth.sign_in_badge(ctx.as_actor(None), BADGE, PIN)


def _last(admin_ctx: Ctx, event: str):  # type: ignore[no-untyped-def]
    return audit.list_audit(admin_ctx, event=event, username="dana")[0]


def test_badge_sign_in_takes_the_role_from_the_directory_groups(admin_ctx, dana_badge, clock):
    binds = dana_badge.binds
    assert _badge(admin_ctx).role is Role.ADMIN
    assert dana_badge.look_ups == 1 and dana_badge.binds == binds  # no password bind
    dana_badge.people["dana"] = ("directory pass 1", ["BWC-Auditors"])  # left BWC-Admins
    clock.advance(minutes=5)
    actor = _badge(admin_ctx)
    assert actor.role is Role.AUDITOR and _staff(admin_ctx, "dana").role == "auditor"
    changed = _last(admin_ctx, "role changed")
    assert changed.details["from"] == "admin" and changed.details["to"] == "auditor"
    assert "role from the directory" in _last(admin_ctx, "sign-in").details["how"]
    assert _staff(admin_ctx, "dana").role_confirmed_at == clock.now


def test_removed_from_every_group_is_refused_and_not_trusted_offline(
    admin_ctx, dana_badge, clock
):
    dana_badge.people["dana"] = ("directory pass 1", ["Domain Users"])
    clock.advance(minutes=5)
    with pytest.raises(DomainError, match="none of BWC Desk's groups"):
        _badge(admin_ctx)
    refused = _last(admin_ctx, "sign-in failed")
    assert refused.outcome == "refused" and "in no mapped group" in refused.details["how"]
    assert _staff(admin_ctx, "dana").role_confirmed_at is None
    dana_badge.up = False  # then the directory goes away: the old role is not taken
    with pytest.raises(DirectoryUnreachable, match="local account"):
        _badge(admin_ctx)


@pytest.mark.parametrize(("what", "message"), [("disabled", "is disabled"),
                                               ("gone", "no longer has the account")])
def test_a_disabled_or_removed_directory_account_is_refused(
    admin_ctx, dana_badge, what, message
):
    if what == "disabled":
        dana_badge.disabled.add("dana")
    else:
        del dana_badge.people["dana"]
    with pytest.raises(DomainError, match=message):
        _badge(admin_ctx)
    refused = _last(admin_ctx, "sign-in failed")
    assert refused.outcome == "refused" and "badge and PIN" in refused.details["how"]
    assert _staff(admin_ctx, "dana").role == "admin"  # refused, not changed


def test_unreachable_directory_takes_the_cached_role_only_within_the_limit(
    admin_ctx, dana_badge, clock
):
    dana_badge.up = False
    clock.advance(hours=11, minutes=59)  # confirmed at the password sign-in, default 12 h
    assert _badge(admin_ctx).role is Role.ADMIN
    how = _last(admin_ctx, "sign-in").details["how"]
    assert "directory unreachable" in how and "role admin as confirmed at" in how
    clock.advance(minutes=2)  # a badge sign-in without the directory confirms nothing
    with pytest.raises(DirectoryUnreachable) as caught:
        _badge(admin_ctx)
    text = str(caught.value)
    assert "cannot be reached" in text and "local account" in text
    assert "directory password" in text and "12 hours" in text
    refused = _last(admin_ctx, "sign-in failed")
    assert refused.outcome == "refused" and "not confirmed within 12 h" in refused.details["how"]
    assert refused.details["role confirmed at"] is not None
    settings.change_settings(admin_ctx, {"directory_role_hours": 24})
    assert _badge(admin_ctx).role is Role.ADMIN
    settings.change_settings(admin_ctx, {"directory_role_hours": 0})  # never without it
    with pytest.raises(DirectoryUnreachable):
        _badge(admin_ctx)


def test_when_the_directory_answers_again_the_confirmation_is_renewed(
    admin_ctx, dana_badge, clock
):
    clock.advance(hours=20)
    assert _badge(admin_ctx).role is Role.ADMIN  # asked: confirmed now
    dana_badge.up = False
    clock.advance(hours=3)
    assert _badge(admin_ctx).role is Role.ADMIN


def test_no_directory_set_up_any_more_counts_as_unreachable(
    admin_ctx, dana_badge, clock, monkeypatch
):
    monkeypatch.setattr(directory_signin, "configured_gate", lambda ctx: None)
    assert _badge(admin_ctx).role is Role.ADMIN  # within 12 h of the password sign-in
    clock.advance(hours=13)
    with pytest.raises(DirectoryUnreachable):
        _badge(admin_ctx)


def test_a_wrong_pin_never_asks_the_directory(admin_ctx, dana_badge):
    with pytest.raises(DomainError, match="badge or PIN is wrong"):
        auth.sign_in_badge(admin_ctx.as_actor(None), BADGE, "111111")
    assert dana_badge.look_ups == 0


def test_local_accounts_badge_in_without_the_directory(admin_ctx, dana_badge):
    dana_badge.up = False
    auth.set_badge_and_pin(admin_ctx, _staff(admin_ctx, "admin").id, "STAFF-A1", PIN)
    assert auth.sign_in_badge(admin_ctx.as_actor(None), "STAFF-A1", PIN).role is Role.ADMIN
    assert dana_badge.look_ups == 0

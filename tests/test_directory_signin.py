"""Directory sign-in: the rules around the bind (roles from groups, the local lockout, local
accounts first, an unreachable directory), against an in-memory directory; the real OpenLDAP
server's tests are in tests/test_directory_signin_ldap.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Role
from bwc_desk.services import auth, directory_signin
from bwc_desk.services.context import Ctx
from bwc_desk.services.directory_signin import (
    UNREACHABLE,
    BadCredentials,
    DirectoryAccount,
    DirectoryDown,
    DirectoryUnreachable,
    NotInDirectory,
    role_for,
)
from bwc_desk.store.models import AuditRecord, Staff
from tests.conftest import PASSWORD

pytestmark = pytest.mark.both_backends

GROUPS = {
    "BWC-Quartermasters": Role.QUARTERMASTER,
    "BWC-Supervisors": Role.SUPERVISOR,
    "BWC-Admins": Role.ADMIN,
    "BWC-Auditors": Role.AUDITOR,
}


def _dn(group: str) -> str:
    return f"cn={group},ou=groups,dc=example,dc=org"


@dataclass
class Directory:
    """A small directory: people, their passwords and groups; and whether it answers."""

    people: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    up: bool = True
    binds: int = 0
    group_roles: Mapping[str, Role] = field(default_factory=lambda: dict(GROUPS))
    disabled: set[str] = field(default_factory=set)
    look_ups: int = 0

    def bind(self, username: str, password: str) -> DirectoryAccount:
        self.binds += 1
        if not self.up:
            raise DirectoryDown("connection refused")
        if username not in self.people or self.people[username][0] != password:
            raise BadCredentials()
        return DirectoryAccount(
            f"uid={username},ou=people,dc=example,dc=org",
            tuple(_dn(g) for g in self.people[username][1]),
            username.title(),
        )

    def look_up(self, username: str) -> DirectoryAccount:
        """With the service bind: no password, and a disabled account says so."""
        self.look_ups += 1
        if not self.up:
            raise DirectoryDown("connection refused")
        if username not in self.people:
            raise NotInDirectory("no entry")
        if username in self.disabled:
            raise NotInDirectory("disabled")
        return DirectoryAccount(
            f"uid={username},ou=people,dc=example,dc=org",
            tuple(_dn(g) for g in self.people[username][1]),
            username.title(),
        )


@pytest.fixture
def fake_dir(monkeypatch) -> Directory:
    d = Directory({"dana": ("directory pass 1", ["BWC-Quartermasters", "BWC-Admins"])})
    monkeypatch.setattr(directory_signin, "configured_gate", lambda ctx: d)
    return d


def _staff(ctx: Ctx, name: str) -> Staff:
    with ctx.db.read() as s:
        row = s.execute(select(Staff).where(Staff.username == name)).scalar_one()
        s.expunge(row)
        return row


def _events(ctx: Ctx) -> list[tuple[str, str | None]]:
    with ctx.db.read() as s:
        return [tuple(r) for r in s.execute(
            select(AuditRecord.event, AuditRecord.staff_username).order_by(AuditRecord.seq))]


def test_the_highest_mapped_group_wins_by_cn_or_dn_without_case():
    assert role_for([_dn("BWC-Quartermasters"), _dn("BWC-Admins")], GROUPS) is Role.ADMIN
    assert role_for(["CN=bwc-supervisors,OU=G,DC=x"], GROUPS) is Role.SUPERVISOR
    assert role_for(["BWC-Auditors"], GROUPS) is Role.AUDITOR
    assert role_for([_dn("Domain Users")], GROUPS) is None
    assert role_for([_dn("Domain Users")], {_dn("domain users"): Role.AUDITOR}) is Role.AUDITOR


def test_a_directory_user_signs_in_and_gets_a_directory_account(admin_ctx, fake_dir):
    ctx = admin_ctx.as_actor(None)
    actor = auth.sign_in(ctx, "Dana", "directory pass 1")
    assert actor.username == "dana" and actor.role is Role.ADMIN
    row = _staff(ctx, "dana")
    assert row.source == "directory" and row.directory_dn.startswith("uid=dana,")
    assert "directory pass 1" not in row.password_hash and not row.password_hash.startswith("$")
    assert row.display_name == "Dana" and row.created_by == "directory"
    assert _events(ctx)[-2:] == [("account created", "dana"), ("sign-in", "dana")]
    assert actor.staff_id == row.id  # every record names who did it
    shown = {s.username: s.source for s in auth.list_staff(admin_ctx)}
    assert shown == {"admin": "local", "dana": "directory"}


def test_groups_decide_the_role_at_each_sign_in(admin_ctx, fake_dir):
    ctx = admin_ctx.as_actor(None)
    auth.sign_in(ctx, "dana", "directory pass 1")
    fake_dir.people["dana"] = ("directory pass 1", ["BWC-Supervisors"])
    assert auth.sign_in(ctx, "dana", "directory pass 1").role is Role.SUPERVISOR
    assert ("role changed", "dana") in _events(ctx)
    fake_dir.people["dana"] = ("directory pass 1", ["Domain Users"])
    with pytest.raises(DomainError, match=r"none of BWC Desk's groups.*BWC-Admins"):
        auth.sign_in(ctx, "dana", "directory pass 1")
    assert _events(ctx)[-1] == ("sign-in failed", "dana")


def test_the_local_lockout_applies_to_directory_sign_ins(admin_ctx, fake_dir, clock):
    ctx = admin_ctx.as_actor(None)
    auth.sign_in(ctx, "dana", "directory pass 1")
    clock.advance(seconds=5)
    for _ in range(4):
        with pytest.raises(DomainError, match="wrong"):
            auth.sign_in(ctx, "dana", "wrong pass 1")
    with pytest.raises(DomainError, match="locked"):
        auth.sign_in(ctx, "dana", "wrong pass 1")
    binds = fake_dir.binds
    with pytest.raises(DomainError, match="locked"):
        auth.sign_in(ctx, "dana", "directory pass 1")
    assert fake_dir.binds == binds  # refused before any bind
    staff = next(s for s in auth.list_staff(admin_ctx) if s.username == "dana")
    auth.unlock(admin_ctx, staff.id)
    clock.advance(seconds=5)
    assert auth.sign_in(ctx, "dana", "directory pass 1").role is Role.ADMIN


def test_unknown_names_fail_as_any_wrong_password_and_leave_no_account(admin_ctx, fake_dir):
    ctx = admin_ctx.as_actor(None)
    with pytest.raises(DomainError, match="wrong"):
        auth.sign_in(ctx, "nobody", "some pass 1")
    with pytest.raises(DomainError, match="wrong"):
        auth.sign_in(ctx, "dana", "Not Her Pass")
    assert [s.username for s in auth.list_staff(admin_ctx)] == ["admin"]


def test_local_accounts_sign_in_without_the_directory(admin_ctx, fake_dir):
    ctx = admin_ctx.as_actor(None)
    fake_dir.people["admin"] = ("directory pass 1", ["BWC-Quartermasters"])
    assert auth.sign_in(ctx, "admin", PASSWORD).role is Role.ADMIN
    with pytest.raises(DomainError, match="wrong"):
        auth.sign_in(ctx, "admin", "directory pass 1")  # a local name is never bound
    assert fake_dir.binds == 0
    fake_dir.up = False
    assert auth.sign_in(ctx, "admin", PASSWORD).role is Role.ADMIN  # the break-glass admin


def test_an_unreachable_directory_says_so_and_counts_no_failure(admin_ctx, fake_dir):
    ctx = admin_ctx.as_actor(None)
    auth.sign_in(ctx, "dana", "directory pass 1")
    fake_dir.up = False
    for _ in range(6):
        with pytest.raises(DirectoryUnreachable) as caught:
            auth.sign_in(ctx, "dana", "directory pass 1")
        assert str(caught.value) == UNREACHABLE
    fake_dir.up = True
    assert auth.sign_in(ctx, "dana", "directory pass 1").role is Role.ADMIN
    assert ("sign-in failed", "dana") in _events(ctx)


def test_a_password_typed_as_the_name_is_not_written_down(admin_ctx, fake_dir):
    ctx = admin_ctx.as_actor(None)
    fake_dir.up = False
    with pytest.raises(DirectoryUnreachable):
        auth.sign_in(ctx, "Secret!Pass99", "x")
    assert _events(ctx)[-1] == ("sign-in failed", "unknown user name")
    with admin_ctx.db.read() as s:
        assert "secret!pass99" not in str(list(s.execute(select(AuditRecord.details))))


def test_a_disabled_directory_account_stays_disabled(admin_ctx, fake_dir):
    ctx = admin_ctx.as_actor(None)
    auth.sign_in(ctx, "dana", "directory pass 1")
    staff = next(s for s in auth.list_staff(admin_ctx) if s.username == "dana")
    auth.set_active(admin_ctx, staff.id, False)
    with pytest.raises(DomainError, match="disabled"):
        auth.sign_in(ctx, "dana", "directory pass 1")



def test_a_name_never_signed_in_is_locked_too_and_not_bound_again(admin_ctx, fake_dir):
    """Five wrong passwords for a directory name with no account yet: the right one is
    refused after, without asking the directory (no unlimited guessing by new names)."""
    ctx = admin_ctx.as_actor(None)
    for _ in range(5):
        with pytest.raises(DomainError):
            auth.sign_in(ctx, "dana", "wrong pass 1")
    binds = fake_dir.binds
    with pytest.raises(DomainError, match="locked"):
        auth.sign_in(ctx, "dana", "directory pass 1")
    assert fake_dir.binds == binds
    assert [s.username for s in auth.list_staff(admin_ctx)] == ["admin"]


def test_a_directory_password_is_never_set_here(admin_ctx, fake_dir):
    ctx = admin_ctx.as_actor(None)
    dana = auth.sign_in(ctx, "dana", "directory pass 1")
    with pytest.raises(DomainError, match="changed in the directory"):
        auth.reset_password(admin_ctx, dana.staff_id, "a new pass 123")
    with pytest.raises(DomainError, match="changed in the directory"):
        auth.change_own_password(ctx.as_actor(dana), "directory pass 1", "a new pass 123")
    assert not _staff(admin_ctx, "dana").password_hash.startswith("$")

"""The directory settings: in the database for every station, the bind password never there
(the keyring, or a 0600 file where there is none)."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import select

from bwc_desk.domain.directory import DEFAULT_FILTER
from bwc_desk.domain.errors import PermissionDenied, ValidationError
from bwc_desk.services import directory_settings as ds
from bwc_desk.services.context import Ctx
from bwc_desk.store import keystore
from bwc_desk.store.models import Base
from bwc_desk.store.paths import config_dir, config_file

pytestmark = pytest.mark.both_backends
SECRET = "S3rvice-Acc0unt-Secret!"


def _everything_in_the_database(ctx: Ctx) -> str:
    with ctx.db.read() as session:
        return "\n".join(
            repr(row) for table in Base.metadata.sorted_tables
            for row in session.execute(select(table)).all()
        )


def test_settings_are_kept_for_every_station_and_the_password_only_in_a_private_file(
        admin_ctx: Ctx) -> None:
    config = ds.set_directory(admin_ctx, {
        "url": "ldaps://dc1.agency.local", "bind_dn": "CN=svc-bwc,OU=Service,DC=agency,DC=local",
        "base_dn": "OU=Sworn,DC=agency,DC=local",
        "attribute_map": {"shift": "extensionAttribute2", "scan_code": "extensionAttribute1"},
        "group_roles": {"admin": "BWC-Desk-Admins"},
    }, password=SECRET)
    assert config.password_set
    assert config.password_where == str(keystore.directory_password_file())
    shown = ds.directory_config(admin_ctx)
    assert shown.settings.url == "ldaps://dc1.agency.local"
    assert shown.settings.filter == DEFAULT_FILTER
    assert shown.settings.attribute("badge") == "employeeID"
    assert shown.settings.attribute("shift") == "extensionAttribute2"
    assert shown.settings.group("admin") == "BWC-Desk-Admins"
    assert shown.settings.group("supervisor") == "BWC-Supervisors"
    assert ds.load_directory_settings(admin_ctx.db) == shown.settings
    assert ds.bind_password() == SECRET
    path = keystore.directory_password_file()
    assert path.parent == config_dir()
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SECRET not in _everything_in_the_database(admin_ctx)  # audit log included
    for file in config_dir().rglob("*"):
        if file.is_file() and file != path:
            assert SECRET not in file.read_text(errors="replace"), file
    assert not config_file().exists() or SECRET not in config_file().read_text()


def test_a_change_keeps_the_rest_and_the_password(admin_ctx: Ctx) -> None:
    ds.set_directory(admin_ctx, {"url": "ldap://dc1", "bind_dn": "cn=svc", "base_dn": "dc=x"},
                     password=SECRET)
    config = ds.set_directory(admin_ctx, {"schedule_minutes": 30, "max_deactivate_pct": 5})
    assert (config.settings.url, config.settings.schedule_minutes,
            config.settings.max_deactivate_pct) == ("ldap://dc1", 30, 5)
    assert config.password_set and ds.bind_password() == SECRET


@pytest.mark.parametrize("changes, message", [
    ({"url": "http://dc1"}, "ldaps://"),
    ({"url": "ldaps://"}, "names no server"),
    ({"attribute_map": {"badge": ""}}, "needs an attribute for badge"),
    ({"attribute_map": {"height": "x"}}, "not an officer field"),
    ({"group_roles": {"boss": "X"}}, "not a role"),
    ({"filter": "objectClass=user"}, "LDAP filter in parentheses"),
    ({"max_deactivate_pct": 120}, "between 0 and 100"),
    ({"colour": "red"}, "no directory setting"),
])
def test_bad_settings_are_refused_and_nothing_changes(admin_ctx: Ctx, changes, message) -> None:
    ds.set_directory(admin_ctx, {"url": "ldaps://dc1", "bind_dn": "cn=a", "base_dn": "dc=x"})
    before = ds.directory_config(admin_ctx)
    with pytest.raises(ValidationError, match=message):
        ds.set_directory(admin_ctx, changes, password="new one")
    assert ds.directory_config(admin_ctx) == before
    assert ds.bind_password() is None


def test_only_administrators_see_or_change_them(sup_ctx: Ctx) -> None:
    with pytest.raises(PermissionDenied):
        ds.directory_config(sup_ctx)
    with pytest.raises(PermissionDenied):
        ds.set_directory(sup_ctx, {"url": "ldaps://dc1"}, password=SECRET)
    assert ds.bind_password() is None


@pytest.mark.sqlite_only
def test_the_password_goes_to_the_keyring_when_there_is_one(admin_ctx: Ctx, monkeypatch,
                                                           tmp_path) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            self.items: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.items.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.items[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.items.pop((service, username), None)

    memory = Memory()
    previous = keyring.get_keyring()
    monkeypatch.delenv("BWC_DESK_HOME")
    monkeypatch.setattr("bwc_desk.store.keystore.config_dir", lambda: tmp_path / "config")
    keyring.set_keyring(memory)
    try:
        config = ds.set_directory(admin_ctx, {"url": "ldaps://dc1"}, password=SECRET)
        assert config.password_where == "the system keyring"
        assert memory.items[(keystore.DIRECTORY_SERVICE, keystore.DIRECTORY_ACCOUNT)] == SECRET
        assert not keystore.directory_password_file().exists()
        assert ds.bind_password() == SECRET
    finally:
        keyring.set_keyring(previous)

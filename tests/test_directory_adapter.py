"""The directory adapter against a real OpenLDAP server (tests/ldap.py): TLS both ways,
binds, paged searches, stable ids, disabled accounts, groups, and a staff member's own bind."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from bwc_desk.adapters import directory as adapter
from bwc_desk.adapters.directory import (
    DirectoryBadCredentials,
    DirectoryServiceRefused,
    DirectoryTLSError,
    DirectoryUnreachable,
)
from tests.ldap import Directory


def test_binds_over_ldaps_and_starttls_and_refuses_a_bad_password(directory: Directory) -> None:
    directory.add_person("jsmith", "1001", "Smith")
    settings = directory.settings()
    assert [e.get("employeeID") for e in adapter.entries(settings, directory.server.password)] \
        == ["1001"]
    starttls = replace(settings, url=directory.server.starttls_url)
    assert len(adapter.entries(starttls, directory.server.password)) == 1
    with pytest.raises(DirectoryBadCredentials, match="check the bind DN and password"):
        adapter.entries(settings, "not the password")
    with pytest.raises(DirectoryBadCredentials, match="never sent"):
        adapter.entries(settings, "")


def test_tls_and_unreachable_errors_say_which(directory: Directory) -> None:
    settings = directory.settings()
    with pytest.raises(DirectoryTLSError, match="CA"):
        adapter.entries(replace(settings, ca_file=""), directory.server.password)
    with pytest.raises(DirectoryTLSError, match="does not exist"):
        adapter.entries(replace(settings, ca_file="/nonexistent/ca.pem"), "x")
    with pytest.raises(DirectoryUnreachable, match="does not answer"):
        adapter.entries(replace(settings, url="ldaps://127.0.0.1:1"), directory.server.password)


def test_paged_search_reads_more_entries_than_one_page(directory: Directory) -> None:
    for n in range(23):
        directory.add_person(f"user{n:02}", f"{2000 + n}", f"Last{n:02}")
    got = adapter.entries(directory.settings(page_size=5), directory.server.password)
    assert sorted(e.get("employeeID") for e in got) == [str(2000 + n) for n in range(23)]
    assert len({e.stable_id for e in got}) == 23


def test_entries_carry_guid_uuid_disabled_flag_and_groups(directory: Directory) -> None:
    with_guid = directory.add_person("a.guid", "1", "Guid")
    no_guid = directory.add_person("b.uuid", "2", "Uuid", guid=False, disabled=True)
    directory.add_group("BWC-Supervisors", [with_guid])
    raw = directory.conn
    raw.search(with_guid, "(objectClass=*)", attributes=["objectGUID", "entryUUID"])
    guid_bytes = raw.response[0]["raw_attributes"]["objectGUID"][0]
    by_dn = {e.dn: e for e in adapter.entries(directory.settings(), directory.server.password)}
    assert by_dn[with_guid].stable_id == str(uuid.UUID(bytes_le=guid_bytes))
    raw.search(no_guid, "(objectClass=*)", attributes=["entryUUID"])
    assert by_dn[no_guid].stable_id == raw.response[0]["raw_attributes"]["entryUUID"][0].decode()
    assert by_dn[no_guid].disabled and not by_dn[with_guid].disabled
    assert [adapter.group_name(g) for g in by_dn[with_guid].groups] == ["BWC-Supervisors"]
    assert by_dn[no_guid].groups == ()


def test_bind_as_finds_the_user_and_returns_dn_and_groups(directory: Directory) -> None:
    dn = directory.add_person("k.jones", "3003", "Jones", password="Her own pass 1")
    directory.add_person("off.user", "3004", "Off", password="Another pass 2", disabled=True)
    directory.add_group("BWC-Admins", [dn])
    settings = directory.settings()
    service = directory.server.password
    user = adapter.bind_as(settings, "k.jones", "Her own pass 1", service_password=service)
    assert user.dn == dn
    assert [adapter.group_name(g) for g in user.groups] == ["BWC-Admins"]
    for name, password in (("k.jones", "wrong"), ("k.jones", ""), ("nobody", "x"),
                           ("off.user", "Another pass 2"), ("k.jones)(cn=*", "x")):
        with pytest.raises(DirectoryBadCredentials, match="did not accept"):
            adapter.bind_as(settings, name, password, service_password=service)


def test_bind_as_looks_for_staff_under_the_staff_base_dn(directory: Directory) -> None:
    clerk = directory.add_person("clerk", "", "Clerk", password="Clerk pass 12")
    sworn = f"ou=sworn,{directory.base_dn}"
    directory.conn.add(sworn, ["organizationalUnit"], {"ou": "sworn"})
    settings = directory.settings(base_dn=sworn)
    service = directory.server.password
    with pytest.raises(DirectoryBadCredentials):  # not under the officers' base DN
        adapter.bind_as(settings, "clerk", "Clerk pass 12", service_password=service)
    staff = replace(settings, staff_base_dn=directory.base_dn)
    assert adapter.bind_as(staff, "clerk", "Clerk pass 12", service_password=service).dn == clerk


def test_bind_as_names_the_person_and_tells_a_refused_service_account_apart(
    directory: Directory,
) -> None:
    directory.add_person("k.jones", "3003", "Jones", "Kim", password="Her own pass 1")
    settings = directory.settings()
    user = adapter.bind_as(settings, "k.jones", "Her own pass 1",
                           service_password=directory.server.password)
    assert user.display_name == "Kim Jones"
    # BWC Desk's own account refused: not the person's failure, and said so
    with pytest.raises(DirectoryServiceRefused, match="service account"):
        adapter.bind_as(settings, "k.jones", "Her own pass 1", service_password="stale")
    assert not issubclass(DirectoryServiceRefused, DirectoryBadCredentials)

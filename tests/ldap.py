"""A real OpenLDAP server for the directory tests (scripts/slapd.py), and a per-test folder of
people and groups in it.

BWC_TEST_LDAP_URL (and the other BWC_TEST_LDAP_* names scripts/slapd.py prints) name a
running server (`make test` starts one). Without them the first test that needs one starts
its own for the session, and stops it at the end. Where slapd is not installed the tests
skip, saying so, unless BWC_REQUIRE_LDAP=1 (`make test`): then they fail."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from bwc_desk.domain.directory import DirectorySettings, parse_settings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", r"(tag|type)Map is deprecated", DeprecationWarning)
    from ldap3 import MODIFY_REPLACE, Connection, Server, Tls

ROOT = Path(__file__).resolve().parent.parent
INSTALL_HINT = (
    "install the OpenLDAP server (Debian/Ubuntu: `apt-get install slapd ldap-utils`; "
    "`make test` installs it itself when run as root) or start one with "
    "`python scripts/slapd.py start DIR` and export the BWC_TEST_LDAP_* lines it prints"
)
PEOPLE = "ou=people,dc=bwc,dc=test"


def required() -> bool:
    return os.environ.get("BWC_REQUIRE_LDAP", "").strip() not in ("", "0")


@dataclass(frozen=True)
class LdapServer:
    url: str  # ldaps://
    starttls_url: str  # ldap://, upgraded with StartTLS
    bind_dn: str
    password: str
    base_dn: str
    ca_file: str

    @classmethod
    def from_env(cls, env: dict[str, str]) -> LdapServer:
        return cls(url=env["BWC_TEST_LDAP_URL"], starttls_url=env["BWC_TEST_LDAP_STARTTLS_URL"],
                   bind_dn=env["BWC_TEST_LDAP_BIND_DN"], password=env["BWC_TEST_LDAP_PASSWORD"],
                   base_dn=env["BWC_TEST_LDAP_BASE_DN"], ca_file=env["BWC_TEST_LDAP_CA"])

    def connection(self) -> Connection:
        """An administrator's connection, for the tests to change the directory."""
        tls = Tls(validate=ssl.CERT_NONE)
        conn = Connection(Server(self.url, use_ssl=True, tls=tls), user=self.bind_dn,
                          password=self.password, raise_exceptions=True)
        conn.bind()
        return conn


def _parse_env(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


@pytest.fixture(scope="session")
def ldap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LdapServer]:
    if os.environ.get("BWC_TEST_LDAP_URL"):
        yield LdapServer.from_env(dict(os.environ))
        return
    folder = tmp_path_factory.mktemp("slapd") / "server"
    script = ROOT / "scripts" / "slapd.py"
    done = subprocess.run([sys.executable, str(script), "start", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        why = done.stderr.strip() or f"exit code {done.returncode}"
        if done.returncode == 3 and not required():
            pytest.skip(f"directory tests skipped: slapd is not installed ({INSTALL_HINT})")
        pytest.fail(f"could not start a test OpenLDAP server: {why}. {INSTALL_HINT}",
                    pytrace=False)
    try:
        yield LdapServer.from_env(_parse_env(done.stdout))
    finally:
        subprocess.run([sys.executable, str(script), "stop", str(folder)], check=False)


class Directory:
    """A fresh organizational unit for one test: its people and groups, added, renamed,
    disabled and deleted as an administrator would (through the real server)."""

    def __init__(self, server: LdapServer) -> None:
        self.server = server
        self.ou = f"t{uuid.uuid4().hex[:10]}"
        self.base_dn = f"ou={self.ou},{PEOPLE}"
        self.conn = server.connection()
        self.conn.add(self.base_dn, ["organizationalUnit"], {"ou": self.ou})

    def settings(self, **changes: Any) -> DirectorySettings:
        """Settings for this folder, as an administrator on Active Directory would set them
        (AD's attribute names; the card number in extensionAttribute1, the shift in 2)."""
        base = parse_settings({
            "url": self.server.url,
            "bind_dn": self.server.bind_dn,
            "base_dn": self.base_dn,
            "filter": "(&(objectClass=inetOrgPerson)(employeeID=*))",
            "attribute_map": {"shift": "extensionAttribute2", "scan_code": "extensionAttribute1"},
            "ca_file": self.server.ca_file,
        })
        return replace(base, **changes) if changes else base

    def add_person(self, username: str, badge: str, last: str, first: str = "", *,
                   rank: str = "", division: str = "", shift: str = "", card: str = "",
                   password: str = "", guid: bool = True, disabled: bool = False) -> str:
        dn = f"cn={username},{self.base_dn}"
        attrs: dict[str, Any] = {"sn": last, "sAMAccountName": username,
                                 "userAccountControl": "514" if disabled else "512"}
        for name, value in (("employeeID", badge), ("givenName", first), ("title", rank),
                            ("department", division),
                            ("extensionAttribute2", shift), ("extensionAttribute1", card),
                            ("userPassword", password)):
            if value:
                attrs[name] = value
        if guid:
            attrs["objectGUID"] = uuid.uuid4().bytes
        self.conn.add(dn, ["inetOrgPerson", "bwcADUser"], attrs)
        return dn

    def modify(self, dn: str, **attrs: str) -> None:
        self.conn.modify(dn, {k: [(MODIFY_REPLACE, [v] if v else [])] for k, v in attrs.items()})

    def disable(self, dn: str) -> None:
        self.modify(dn, userAccountControl="514")

    def rename(self, dn: str, new_username: str) -> str:
        self.conn.modify_dn(dn, f"cn={new_username}")
        new_dn = f"cn={new_username},{self.base_dn}"
        self.modify(new_dn, sAMAccountName=new_username)
        return new_dn

    def delete(self, dn: str) -> None:
        self.conn.delete(dn)

    def add_group(self, name: str, members: list[str]) -> str:
        dn = f"cn={name},{self.base_dn}"
        self.conn.add(dn, ["groupOfNames"], {"cn": name, "member": members})
        return dn

    def close(self) -> None:
        self.conn.unbind()


@pytest.fixture
def directory(ldap_server: LdapServer) -> Iterator[Directory]:
    folder = Directory(ldap_server)
    try:
        yield folder
    finally:
        folder.close()

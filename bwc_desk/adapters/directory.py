"""The agency's directory (Active Directory, OpenLDAP) over LDAP: bind, paged search, and a
staff member's own bind. No Qt, no database: entries come back as plain frozen values.

Always encrypted: ``ldaps://`` is TLS from the first byte, ``ldap://`` is upgraded with
StartTLS before anything else is sent; the server's certificate and name are checked against
the system's CAs and, if set, the agency's CA file. Errors say which of three things went
wrong: the server cannot be reached, the credentials are wrong, or TLS failed."""

from __future__ import annotations

import contextlib
import ssl
import uuid
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

with warnings.catch_warnings():
    # ldap3 2.9.1 imports pyasn1's old names (tagMap, typeMap), which pyasn1 0.6 deprecates.
    warnings.filterwarnings("ignore", r"(tag|type)Map is deprecated", DeprecationWarning)
    from ldap3 import NONE, SIMPLE, SUBTREE, Connection, Server, Tls
    from ldap3.core import exceptions as lx
    from ldap3.utils.conv import escape_filter_chars
    from ldap3.utils.dn import parse_dn

from bwc_desk.domain.directory import OFFICER_FIELDS, UAC_DISABLED, DirectorySettings, ready
from bwc_desk.domain.errors import DomainError, ValidationError


class DirectoryError(DomainError):
    """Talking to the directory failed; the message says what to check."""


class DirectoryUnreachable(DirectoryError):
    """No answer from the server (down, wrong host or port, firewall, timeout)."""


class DirectoryBadCredentials(DirectoryError):
    """The server answered and refused the DN or password."""


class DirectoryServiceRefused(DirectoryError):
    """The directory refused BWC Desk's own service account (its bind DN or password on this
    station): nobody can be looked up, and it is nobody's failed sign-in."""


class DirectoryTLSError(DirectoryError):
    """The TLS handshake failed: an untrusted certificate, a wrong name, no StartTLS."""


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """One entry of a search: its DN, its stable id (objectGUID as Active Directory writes a
    GUID, else entryUUID), its attributes (name -> first value, names as asked), whether
    Active Directory marks the account disabled, and the DNs of the groups it is in."""

    dn: str
    stable_id: str
    attributes: Mapping[str, str]
    disabled: bool
    groups: tuple[str, ...]

    def get(self, name: str) -> str:
        return self.attributes.get(name, "") if name else ""


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    """A staff member the directory accepted: their DN, the name they typed, their groups."""

    dn: str
    username: str
    groups: tuple[str, ...]
    display_name: str = ""  # the mapped first and last name ("Kim Jones"), or ""


class _CheckedTls(Tls):  # type: ignore[misc]
    """TLS with the standard library's own host-name check (ldap3's calls the deprecated
    ssl.match_hostname) and the agency's CA added to the system's."""

    def __init__(self, ca_file: str) -> None:
        super().__init__(validate=ssl.CERT_REQUIRED)
        self._ca = ca_file

    def wrap_socket(self, connection: Any, do_handshake: bool = False) -> None:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        if self._ca:
            context.load_verify_locations(cafile=self._ca)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            connection.socket = context.wrap_socket(
                connection.socket, server_hostname=connection.server.host,
                do_handshake_on_connect=True,
            )
        except OSError:
            connection.socket.close()  # ldap3 keeps the plain socket and would leak it
            raise


def _server(settings: DirectorySettings) -> Server:
    ready(settings)
    if settings.ca_file and not Path(settings.ca_file).is_file():
        raise DirectoryTLSError(
            f"The CA file {settings.ca_file} does not exist: give the path of the agency's "
            "CA certificate (PEM), or leave it empty to trust the system's CAs."
        )
    url = settings.url.rstrip("/")
    secure = url.lower().startswith("ldaps://")
    return Server(url, use_ssl=secure, tls=_CheckedTls(settings.ca_file), get_info=NONE,
                  connect_timeout=settings.timeout_seconds)


def _where(settings: DirectorySettings) -> str:
    return settings.url


def _raise_open(settings: DirectorySettings, exc: Exception) -> None:
    text = str(exc)
    lower = text.lower()
    if isinstance(exc, ssl.SSLError) or any(
        word in lower for word in ("ssl", "certificate", "tls", "handshake")
    ):
        raise DirectoryTLSError(
            f"The TLS connection to {_where(settings)} failed ({text}). Check that the server's "
            "certificate is valid for that host name and signed by a CA this PC trusts "
            "(set the agency's CA file in the directory settings)."
        ) from None
    raise DirectoryUnreachable(
        f"The directory {_where(settings)} does not answer ({text}). Check the server name "
        "and port, and that this PC can reach it (firewall, VPN); then try again."
    ) from None


def _close(conn: Connection) -> None:
    """Unbind, and close the socket ldap3 leaves open when opening it failed."""
    with contextlib.suppress(lx.LDAPException, OSError):
        conn.unbind()
    sock = getattr(conn, "socket", None)
    if sock is not None:
        sock.close()


def open_connection(settings: DirectorySettings, bind_dn: str, password: str) -> Connection:
    """An encrypted, bound connection, or DirectoryError saying what went wrong. An empty
    password is refused here: LDAP takes it for an anonymous bind and says yes."""
    if not password:
        raise DirectoryBadCredentials(
            f"No password for {bind_dn or 'the directory'}: an empty password is never sent."
        )
    server = _server(settings)
    conn = Connection(server, user=bind_dn, password=password, authentication=SIMPLE,
                      auto_bind=False, raise_exceptions=True,
                      receive_timeout=settings.timeout_seconds, read_only=True)
    try:
        conn.open()
        if not server.ssl and not conn.start_tls():
            raise DirectoryTLSError(
                f"The directory {_where(settings)} did not start TLS (StartTLS). Use an "
                "ldaps:// URL, or turn StartTLS on at the server."
            )
    except DirectoryError:
        _close(conn)
        raise
    except (lx.LDAPStartTLSError, lx.LDAPSSLConfigurationError, ssl.SSLError) as exc:
        _close(conn)
        _raise_open(settings, exc)
    except (lx.LDAPException, OSError) as exc:
        _close(conn)
        _raise_open(settings, exc)
    try:
        conn.bind()
    except (lx.LDAPInvalidCredentialsResult, lx.LDAPBindError,
            lx.LDAPInvalidDnError, lx.LDAPNoSuchObjectResult,
            lx.LDAPUnwillingToPerformResult) as exc:
        _close(conn)
        raise DirectoryBadCredentials(
            f"The directory refused the sign-in as {bind_dn} ({exc.__class__.__name__}): "
            "check the bind DN and password."
        ) from None
    except (lx.LDAPException, OSError) as exc:
        _close(conn)
        _raise_open(settings, exc)
    return conn


def _first(raw: Mapping[str, list[bytes]], name: str) -> bytes | None:
    for key, values in raw.items():
        if key.lower() == name.lower() and values:
            return values[0]
    return None


def _all(raw: Mapping[str, list[bytes]], name: str) -> list[bytes]:
    for key, values in raw.items():
        if key.lower() == name.lower():
            return list(values)
    return []


def _text(value: bytes | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", errors="replace").strip()


def stable_id(raw: Mapping[str, list[bytes]]) -> str:
    """objectGUID as Active Directory prints it (its first three fields little-endian), else
    entryUUID; "" when the entry has neither."""
    guid = _first(raw, "objectGUID")
    if guid is not None and len(guid) == 16:
        return str(uuid.UUID(bytes_le=guid))
    return _text(_first(raw, "entryUUID")).lower()


def _disabled(raw: Mapping[str, list[bytes]]) -> bool:
    text = _text(_first(raw, "userAccountControl"))
    try:
        return bool(int(text) & UAC_DISABLED) if text else False
    except ValueError:
        return False


def entry_attributes(settings: DirectorySettings) -> list[str]:
    mapped = [settings.attribute(name) for name in OFFICER_FIELDS]
    wanted = [a for a in mapped if a] + [settings.user_attribute, "objectGUID", "entryUUID",
                                         "userAccountControl", "memberOf"]
    seen: dict[str, str] = {}
    for name in wanted:
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def _entry(item: Mapping[str, Any], names: list[str]) -> DirectoryEntry:
    raw: Mapping[str, list[bytes]] = item.get("raw_attributes") or {}
    attrs = {name: _text(_first(raw, name)) for name in names}
    groups = tuple(_text(v) for v in _all(raw, "memberOf"))
    return DirectoryEntry(dn=str(item.get("dn", "")), stable_id=stable_id(raw),
                          attributes=MappingProxyType(attrs), disabled=_disabled(raw),
                          groups=groups)


def search(conn: Connection, settings: DirectorySettings, ldap_filter: str | None = None,
           page_size: int | None = None, base_dn: str | None = None) -> Iterator[DirectoryEntry]:
    """Every entry under the base DN that matches the filter, a page at a time (the simple
    paged results control), as DirectoryEntry values."""
    names = entry_attributes(settings)
    base = base_dn or settings.base_dn
    try:
        pages = conn.extend.standard.paged_search(
            base, ldap_filter or settings.filter, search_scope=SUBTREE,
            attributes=names, paged_size=page_size or settings.page_size, generator=True,
        )
        for item in pages:
            if item.get("type") == "searchResEntry":
                yield _entry(item, names)
    except lx.LDAPNoSuchObjectResult:
        raise DirectoryError(
            f"The base DN {base} does not exist on {_where(settings)}: check it."
        ) from None
    except (lx.LDAPInvalidFilterError, lx.LDAPFilterError) as exc:
        raise ValidationError(f"The filter {settings.filter} is not valid LDAP ({exc}).") from None
    except (lx.LDAPSocketOpenError, lx.LDAPSocketReceiveError,
            lx.LDAPSessionTerminatedByServerError, lx.LDAPCommunicationError, OSError) as exc:
        raise DirectoryUnreachable(
            f"The directory {_where(settings)} stopped answering during the search ({exc}); "
            "nothing was changed. Try again."
        ) from None
    except lx.LDAPException as exc:
        raise DirectoryError(f"The directory refused the search ({exc}).") from None


def entries(settings: DirectorySettings, password: str,
            page_size: int | None = None) -> list[DirectoryEntry]:
    """Bind with the service account and read every entry of the filter."""
    conn = open_connection(settings, settings.bind_dn, password)
    try:
        return list(search(conn, settings, page_size=page_size))
    finally:
        conn.unbind()


def check_connection(settings: DirectorySettings, password: str) -> int:
    """Bind and count the filter's entries (the settings' "Test" button)."""
    return len(entries(settings, password))


def group_name(dn: str) -> str:
    """The first RDN's value of a group DN ("BWC-Admins" of "CN=BWC-Admins,OU=Groups,...")."""
    try:
        return str(parse_dn(dn)[0][1])
    except (lx.LDAPInvalidDnError, IndexError):
        return dn


def _staff_entries(settings: DirectorySettings, username: str,
                   service_password: str | None) -> list[DirectoryEntry]:
    """The entries whose user-name attribute is ``username``, found with the service bind."""
    if service_password is None:
        from bwc_desk.store.keystore import load_directory_password

        service_password = load_directory_password() or ""
    try:
        conn = open_connection(settings, settings.bind_dn, service_password)
    except DirectoryBadCredentials as exc:
        raise DirectoryServiceRefused(
            f"The directory refused BWC Desk's service account ({settings.bind_dn}): {exc} "
            "An administrator sets its password under Administration > Directory."
        ) from None
    try:
        wanted = f"({settings.user_attribute}={escape_filter_chars(username)})"
        return list(search(conn, settings, ldap_filter=wanted, page_size=10,
                           base_dn=settings.staff_base_dn or settings.base_dn))
    finally:
        conn.unbind()


def _display_name(settings: DirectorySettings, entry: DirectoryEntry) -> str:
    name = " ".join(
        part for part in (entry.get(settings.attribute("first_name")),
                          entry.get(settings.attribute("last_name"))) if part.strip()
    )
    return name.strip()


@dataclass(frozen=True, slots=True)
class StaffLookup:
    """What the directory says of a staff member now, asked with the service bind (never
    their password): ``user`` None when no entry (or more than one) has that user name."""

    user: DirectoryUser | None
    disabled: bool = False


def look_up_staff(settings: DirectorySettings, username: str,
                  service_password: str | None = None) -> StaffLookup:
    """A staff member's entry and current groups, with the service bind only (badge+PIN
    sign-in re-checks the role this way). Raises the DirectoryErrors of a server that cannot
    be reached, TLS that fails, or a refused service account."""
    username = username.strip()
    if not username:
        return StaffLookup(None)
    found = _staff_entries(settings, username, service_password)
    if len(found) != 1:
        return StaffLookup(None)
    entry = found[0]
    user = DirectoryUser(dn=entry.dn, username=username, groups=entry.groups,
                         display_name=_display_name(settings, entry))
    return StaffLookup(user, entry.disabled)


def bind_as(settings: DirectorySettings, username: str, password: str,
            service_password: str | None = None) -> DirectoryUser:
    """Find ``username`` (the user-name attribute, under the staff base DN or else the base
    DN) with the service bind,
    then bind as that DN with ``password``. Returns their DN and groups; raises
    DirectoryBadCredentials for an unknown user, a disabled account or a wrong password
    (one message for all three: the directory must not tell a guesser which), and the other
    DirectoryErrors when the server cannot be reached or TLS fails. ``service_password``
    None: the one kept for this PC (keyring or private file)."""
    username = username.strip()
    refused = DirectoryBadCredentials(
        "The directory did not accept that user name and password."
    )
    if not username or not password:
        raise refused
    found = _staff_entries(settings, username, service_password)
    if len(found) != 1 or found[0].disabled:
        raise refused
    user = found[0]
    try:
        own = open_connection(settings, user.dn, password)
    except DirectoryBadCredentials:
        raise refused from None
    own.unbind()
    return DirectoryUser(dn=user.dn, username=username, groups=user.groups,
                         display_name=_display_name(settings, user))

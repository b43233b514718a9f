"""The directory (Active Directory or another LDAP server) that officers and staff come from:
its settings and the rules that check them. No network here (adapters/directory.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bwc_desk.domain.errors import ValidationError
from bwc_desk.domain.roles import Role

# The officer fields an attribute can fill, in the roster's order.
OFFICER_FIELDS = ("badge", "last_name", "first_name", "rank", "division", "shift", "scan_code")
REQUIRED_FIELDS = ("badge", "last_name")

# Active Directory's names; an OpenLDAP directory maps badge to employeeNumber, say.
DEFAULT_MAP: tuple[tuple[str, str], ...] = (
    ("badge", "employeeID"),
    ("last_name", "sn"),
    ("first_name", "givenName"),
    ("rank", "title"),
    ("division", "department"),
    ("shift", ""),
    ("scan_code", ""),
)
DEFAULT_GROUPS: tuple[tuple[str, str], ...] = (
    (Role.QUARTERMASTER.value, "BWC-Quartermasters"),
    (Role.SUPERVISOR.value, "BWC-Supervisors"),
    (Role.ADMIN.value, "BWC-Admins"),
    (Role.AUDITOR.value, "BWC-Auditors"),
)
DEFAULT_FILTER = "(&(objectClass=user)(employeeID=*))"
# Active Directory's userAccountControl flag ACCOUNTDISABLE.
UAC_DISABLED = 0x2


@dataclass(frozen=True, slots=True)
class DirectorySettings:
    """Where the directory is and how its entries become officers (the bind password is not
    here: it lives in the keyring or a private file, never in the database)."""

    url: str = ""  # ldaps://host[:port] (TLS) or ldap://host[:port] (always StartTLS)
    bind_dn: str = ""
    base_dn: str = ""
    filter: str = DEFAULT_FILTER
    attribute_map: tuple[tuple[str, str], ...] = DEFAULT_MAP  # officer field -> attribute
    group_roles: tuple[tuple[str, str], ...] = DEFAULT_GROUPS  # role -> group (cn or DN)
    user_attribute: str = "sAMAccountName"  # what staff type as their user name (uid on LDAP)
    staff_base_dn: str = ""  # where staff accounts are searched at sign-in ("": the base DN)
    schedule_minutes: int = 0  # 0: no scheduled sync
    max_deactivate_pct: int = 10  # a sync deactivating more officers than this stops and asks
    ca_file: str = ""  # a CA certificate (PEM) to trust besides the system's
    timeout_seconds: int = 10
    page_size: int = 500
    configured: bool = field(default=False, compare=False)

    def attribute(self, name: str) -> str:
        """The directory attribute mapped to officer field ``name`` ("" when none)."""
        return dict(self.attribute_map).get(name, "")

    def group(self, role: str) -> str:
        return dict(self.group_roles).get(role, "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "bind_dn": self.bind_dn,
            "base_dn": self.base_dn,
            "filter": self.filter,
            "attribute_map": dict(self.attribute_map),
            "group_roles": dict(self.group_roles),
            "user_attribute": self.user_attribute,
            "staff_base_dn": self.staff_base_dn,
            "schedule_minutes": self.schedule_minutes,
            "max_deactivate_pct": self.max_deactivate_pct,
            "ca_file": self.ca_file,
            "timeout_seconds": self.timeout_seconds,
            "page_size": self.page_size,
        }


def _int(data: Mapping[str, Any], key: str, default: int, low: int, high: int, label: str) -> int:
    raw = data.get(key, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError(f"{label}: {raw!r} is not a whole number.") from None
    if not low <= value <= high:
        raise ValidationError(f"{label} is between {low} and {high} (not {value}).")
    return value


def _text(data: Mapping[str, Any], key: str, default: str, label: str, limit: int = 1000) -> str:
    value = str(data.get(key, default) or "").strip()
    if len(value) > limit:
        raise ValidationError(f"{label} is longer than {limit} characters.")
    if any(ch in value for ch in "\r\n\x00"):
        raise ValidationError(f"{label} is one line.")
    return value


def check_url(url: str) -> str:
    url = url.strip()
    lower = url.lower()
    if not (lower.startswith("ldaps://") or lower.startswith("ldap://")):
        raise ValidationError(
            f"The directory URL {url!r} starts with ldaps:// (TLS) or ldap:// (StartTLS), "
            "for example ldaps://dc1.agency.local."
        )
    host = url.split("://", 1)[1].split("/", 1)[0]
    if not host or host.startswith(":"):
        raise ValidationError(f"The directory URL {url!r} names no server.")
    return url


def parse_settings(data: Mapping[str, Any]) -> DirectorySettings:
    """Settings from stored or typed values; ValidationError says what is wrong."""
    url = _text(data, "url", "", "Directory URL")
    if url:
        url = check_url(url)
    mapping = dict(DEFAULT_MAP)
    raw_map = data.get("attribute_map") or {}
    if not isinstance(raw_map, Mapping):
        raise ValidationError("The attribute map is FIELD=ATTRIBUTE pairs.")
    for name, attr in raw_map.items():
        if name not in OFFICER_FIELDS:
            raise ValidationError(
                f"{name!r} is not an officer field; map one of: {', '.join(OFFICER_FIELDS)}."
            )
        attr = str(attr or "").strip()
        if attr and not all(ch.isalnum() or ch in "-;." for ch in attr):
            raise ValidationError(f"{attr!r} is not an attribute name.")
        mapping[name] = attr
    for name in REQUIRED_FIELDS:
        if not mapping.get(name):
            raise ValidationError(f"The attribute map needs an attribute for {name}.")
    groups = dict(DEFAULT_GROUPS)
    raw_groups = data.get("group_roles") or {}
    if not isinstance(raw_groups, Mapping):
        raise ValidationError("The group map is ROLE=GROUP pairs.")
    roles = {r.value for r in Role}
    for role, group in raw_groups.items():
        if role not in roles:
            raise ValidationError(f"{role!r} is not a role; one of: {', '.join(sorted(roles))}.")
        groups[role] = str(group or "").strip()
    flt = _text(data, "filter", DEFAULT_FILTER, "Filter") or DEFAULT_FILTER
    if not (flt.startswith("(") and flt.endswith(")")) or flt.count("(") != flt.count(")"):
        raise ValidationError(f"The filter {flt!r} is an LDAP filter in parentheses, "
                              "for example (&(objectClass=user)(employeeID=*)).")
    return DirectorySettings(
        url=url,
        bind_dn=_text(data, "bind_dn", "", "Bind DN"),
        base_dn=_text(data, "base_dn", "", "Base DN"),
        filter=flt,
        attribute_map=tuple((name, mapping[name]) for name in OFFICER_FIELDS),
        group_roles=tuple((role.value, groups[role.value]) for role in Role),
        user_attribute=_text(data, "user_attribute", "sAMAccountName", "User name attribute")
        or "sAMAccountName",
        staff_base_dn=_text(data, "staff_base_dn", "", "Staff base DN"),
        schedule_minutes=_int(data, "schedule_minutes", 0, 0, 10080, "Sync every (minutes)"),
        max_deactivate_pct=_int(
            data, "max_deactivate_pct", 10, 0, 100, "Deactivations that stop a sync (%)"
        ),
        ca_file=_text(data, "ca_file", "", "CA file"),
        timeout_seconds=_int(data, "timeout_seconds", 10, 1, 300, "Directory timeout (s)"),
        page_size=_int(data, "page_size", 500, 1, 5000, "Page size"),
        configured=bool(url),
    )


def updated(settings: DirectorySettings, changes: Mapping[str, Any]) -> DirectorySettings:
    """``settings`` with ``changes`` applied (maps merge: ``{"shift": "x"}`` keeps the rest)."""
    data = settings.as_dict()
    for key, value in changes.items():
        if key in ("attribute_map", "group_roles"):
            data[key] = {**data[key], **dict(value)}
        elif key in data:
            data[key] = value
        else:
            raise ValidationError(f"There is no directory setting called {key!r}.")
    return replace(parse_settings(data))


def ready(settings: DirectorySettings) -> None:
    """Refuse to talk to a directory that is not fully set."""
    missing = [label for label, value in (("server URL", settings.url),
                                          ("bind DN", settings.bind_dn),
                                          ("base DN", settings.base_dn)) if not value]
    if missing:
        raise ValidationError(
            "The directory is not set up (no " + ", ".join(missing) + "): an administrator "
            "sets it in Settings > Directory or with `bwc-desk settings directory set`."
        )

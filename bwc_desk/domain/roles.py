"""Roles and what each may do. Enforced by the services; the UI only mirrors it."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    QUARTERMASTER = "quartermaster"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Permission(StrEnum):
    READ = "read"
    EXPORT = "export"
    VERIFY = "verify"
    ISSUE = "issue"
    RETURN = "return"
    DOCK = "dock"
    REPORT_DEFECT = "report defects"
    REASSIGN = "reassign"
    OVERRIDE_READINESS = "override the readiness gate"
    OUT_OF_SERVICE = "take units out of service"
    MANAGE_UNITS = "add and edit units"
    MANAGE_OFFICERS = "manage the officer roster"
    MANAGE_STAFF = "manage staff accounts"
    SETTINGS = "change settings"
    IMPORT = "import"
    BACKUP = "back up"
    RESTORE = "restore"
    VIEW_AUDIT = "view the audit log"
    REPORTS = "produce reports"


P = Permission
_READER = frozenset({P.READ})
_QUARTERMASTER = _READER | {P.ISSUE, P.RETURN, P.DOCK, P.REPORT_DEFECT}
_SUPERVISOR = _QUARTERMASTER | {
    P.REASSIGN,
    P.OVERRIDE_READINESS,
    P.OUT_OF_SERVICE,
    P.MANAGE_UNITS,
    P.MANAGE_OFFICERS,
    P.EXPORT,
    P.REPORTS,
}
_ADMIN = _SUPERVISOR | {
    P.MANAGE_STAFF,
    P.SETTINGS,
    P.IMPORT,
    P.BACKUP,
    P.RESTORE,
    P.VERIFY,
    P.VIEW_AUDIT,
}
_AUDITOR = _READER | {P.EXPORT, P.VERIFY, P.VIEW_AUDIT, P.REPORTS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.QUARTERMASTER: frozenset(_QUARTERMASTER),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.ADMIN: frozenset(_ADMIN),
    Role.AUDITOR: frozenset(_AUDITOR),
}


def has_permission(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def roles_with(permission: Permission) -> list[Role]:
    return [role for role in Role if permission in ROLE_PERMISSIONS[role]]


def who_may(permission: Permission) -> str:
    """'Supervisor or admin', for tooltips and refusals."""
    names = [role.label if i == 0 else role.value for i, role in enumerate(roles_with(permission))]
    if len(names) <= 1:
        return "".join(names) or "nobody"
    return ", ".join(names[:-1]) + " or " + names[-1]

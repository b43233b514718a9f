"""What the audit log records (CJIS 5.4: events, each with time, station, person, outcome)."""

from __future__ import annotations

from enum import StrEnum


class AuditEvent(StrEnum):
    SIGN_IN = "sign-in"
    SIGN_IN_FAILED = "sign-in failed"
    LOCKOUT = "account locked out"
    UNLOCK = "account unlocked"
    SIGN_OUT = "sign-out"
    IDLE_LOCK = "idle lock"
    LOCK = "locked by user"
    ACCOUNT_CREATED = "account created"
    ACCOUNT_CHANGED = "account changed"
    ROLE_CHANGED = "role changed"
    ACCOUNT_DISABLED = "account disabled"
    ACCOUNT_ENABLED = "account enabled"
    PASSWORD_RESET = "password reset"
    PASSWORD_CHANGED = "password changed"
    # A password someone else set is temporary: the account chooses its own at next sign-in.
    # (event names fit audit_log.event, 40 characters; who set it is in the record)
    PASSWORD_SET_TEMPORARY = "temporary password set"
    PASSWORD_CHOSEN = "password changed at first sign-in"
    PIN_SET = "PIN set"
    SETTINGS_CHANGED = "settings changed"
    IMPORT = "import"
    EXPORT = "export"
    BACKUP = "backup"
    RESTORE = "restore"
    VERIFY = "verification run"
    # The daily automatic verification (services/auto_verify.py): this station claims the
    # day's run before it starts the child process; the outcome is a "verification run".
    VERIFY_STARTED = "automatic verification started"
    REFUSED = "action refused"
    READINESS_OVERRIDE = "readiness override"
    POOL_OVERRIDE = "pool override"
    LOST_CAMERA_SCANNED = "lost camera scanned"
    KEY_REGISTERED = "station key registered"
    KEY_REVOKED = "station key revoked"
    KEY_REPLACED = "station key replaced"  # `keys new`: a new key pair for this station
    ANCHOR = "chain heads anchored"
    DOCK_REGISTERED = "dock registered"
    DOCK_REMOVED = "dock removed"
    DOCK_ADMISSION = "dock admission window"
    DOCK_ADMITTED = "dock admitted"
    STATION_REGISTERED = "station registered"
    DIRECTORY_SYNC = "directory sync"
    CAGE_AUDIT_STARTED = "cage audit started"
    CAGE_AUDIT_FINISHED = "cage audit finished"
    CAGE_CASE_RESOLVED = "missing camera case resolved"
    REPORT = "report produced"
    BATCH_CHANGED = "purchase batch changed"
    # Daily dock inspection and repairs (services/inspections.py, services/repairs.py).
    CHECKLIST_CHANGED = "inspection checklist changed"
    DOCK_INSPECTED = "dock inspected"
    DOCK_OUT_OF_SERVICE = "dock out of service"
    DOCK_BACK_IN_SERVICE = "dock back in service"
    REPAIR_CASE = "repair case"


class Outcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    REFUSED = "refused"

"""The directory's settings: in the agency settings in the database (every station), except
the bind password, which stays on the station: in the operating system's keyring, or where
there is none (a headless station) in a file only its owner can read in the config folder.
Never in the database, never in station.json, never in the audit log."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.directory import DirectorySettings, parse_settings, updated
from bwc_desk.domain.errors import ValidationError
from bwc_desk.domain.roles import Permission
from bwc_desk.services import audit
from bwc_desk.services.context import Ctx
from bwc_desk.store import keystore
from bwc_desk.store.db import Database
from bwc_desk.store.models import Setting

log = logging.getLogger(__name__)
KEY = "directory"


@dataclass(frozen=True, slots=True)
class DirectoryConfig:
    """What the settings screen and `bwc-desk settings directory` show: the settings, whether
    this station has the bind password and where it is kept (never the password)."""

    settings: DirectorySettings
    password_set: bool
    password_where: str


def read_directory(session: Session) -> DirectorySettings:
    row = session.get(Setting, KEY)
    if row is None:
        return DirectorySettings()
    try:
        return parse_settings(json.loads(row.value))
    except (ValueError, TypeError, ValidationError):
        log.error("The agency's directory setting is unreadable; it counts as not set")
        return DirectorySettings()


def load_directory_settings(db: Database) -> DirectorySettings:
    """For the sign-in screen, before anyone is signed in."""
    with db.read() as session:
        return read_directory(session)


def bind_password() -> str | None:
    """This station's copy of the directory's bind password (None: not set here)."""
    return keystore.load_directory_password()


def directory_config(ctx: Ctx) -> DirectoryConfig:
    ctx.require(Permission.SETTINGS, "see the directory settings")
    with ctx.db.read() as session:
        settings = read_directory(session)
    return DirectoryConfig(settings, bind_password() is not None,
                           keystore.directory_password_where())


def set_directory(ctx: Ctx, changes: Mapping[str, Any],
                  password: str | None = None) -> DirectoryConfig:
    """Change the directory settings (administrators; audited, without the password) and,
    if given, this station's bind password. ``changes`` holds only what changes; the
    attribute and group maps merge with the stored ones (``{"attribute_map":
    {"shift": "physicalDeliveryOfficeName"}}`` keeps the rest)."""
    actor = ctx.require(Permission.SETTINGS, "change the directory settings")
    if password is not None and not password:
        raise ValidationError("The bind password is empty: give the service account's password.")
    if password is not None and any(ch in password for ch in "\r\n\x00"):
        raise ValidationError("The bind password is one line.")
    with ctx.db.write() as session:
        old = read_directory(session)
        new = updated(old, changes)
        text = json.dumps(new.as_dict(), sort_keys=True)
        row = session.get(Setting, KEY)
        if row is None:
            session.add(Setting(key=KEY, value=text, updated_at=ctx.now(),
                                updated_by=actor.username))
        else:
            row.value, row.updated_at, row.updated_by = text, ctx.now(), actor.username
        before, after = old.as_dict(), new.as_dict()
        diff = {k: [before[k], v] for k, v in after.items() if before[k] != v}
        if diff or password is not None:
            details: dict[str, Any] = {"directory": diff}
            if password is not None:
                details["bind_password"] = "set on station " + ctx.station
            audit.write(session, station=ctx.station, at=ctx.now(), actor=actor,
                        event=AuditEvent.SETTINGS_CHANGED, details=details)
    # The password is kept only once the settings are in: a refused change keeps nothing.
    where = keystore.save_directory_password(password) if password is not None else None
    return DirectoryConfig(new, password is not None or bind_password() is not None,
                           where or keystore.directory_password_where())

"""What Administration > Directory does: read and save the directory settings (through
services.directory_settings), test the connection with what was typed, and a sync's preview
as rows a table shows (added, changed field by field, deactivated, holders of a camera) and
its apply (through services.directory_sync)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bwc_desk.adapters import directory
from bwc_desk.domain.directory import ready, updated
from bwc_desk.domain.errors import ValidationError
from bwc_desk.domain.roles import Permission
from bwc_desk.services.context import Ctx
from bwc_desk.services.directory_settings import (
    DirectoryConfig,
    bind_password,
    directory_config,
    set_directory,
)


def load_config(ctx: Ctx) -> DirectoryConfig:
    return directory_config(ctx)


def save_settings(ctx: Ctx, values: Mapping[str, Any], password: str | None) -> DirectoryConfig:
    return set_directory(ctx, values, password)


def test_connection(ctx: Ctx, values: Mapping[str, Any], password: str | None) -> str:
    """Bind with the settings as typed (not yet saved) and count the filter's entries. The
    typed password, or else this station's kept one."""
    ctx.require(Permission.SETTINGS, "test the directory connection")
    with ctx.db.read() as session:
        from bwc_desk.services.directory_settings import read_directory

        current = read_directory(session)
    settings = updated(current, values)
    ready(settings)
    secret = password or bind_password()
    if not secret:
        raise ValidationError(
            "No bind password is kept on this station: type the service account's password."
        )
    found = directory.check_connection(settings, secret)
    return (
        f"Connected to {settings.url} as {settings.bind_dn}: {found} "
        f"entr{'y' if found == 1 else 'ies'} under {settings.base_dn} match the filter."
    )


@dataclass(frozen=True, slots=True)
class PlanRow:
    kind: str  # added, changed, deactivated
    badge: str
    name: str
    field: str = ""  # a changed row: which field
    old: str = ""
    new: str = ""
    holds: str = ""  # the cameras a deactivated officer still holds ("" when none)
    seq: int = 0  # the preview's order


@dataclass(frozen=True, slots=True)
class SyncPlan:
    """A preview as the dialog shows it; ``preview`` is the sync's own, handed back to
    apply."""

    rows: tuple[PlanRow, ...]
    added: int
    changed: int
    deactivated: int
    holders: int
    summary: str
    threshold_text: str  # "" unless the sync would deactivate more than the set share
    preview: Any = None

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.deactivated)

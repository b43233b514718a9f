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
from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.domain.roles import Permission
from bwc_desk.services.context import Ctx
from bwc_desk.services.directory_settings import (
    DirectoryConfig,
    bind_password,
    directory_config,
    read_directory,
    set_directory,
)
from bwc_desk.services.directory_sync import (
    SyncNeedsConfirmation,
    SyncPreview,
    inactive_holders,
    preview_sync,
    sync_officers,
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


def plan_of(preview: SyncPreview) -> SyncPlan:
    """The sync's preview as rows: an added officer with what it brings, a changed one field
    by field, a deactivated one with the cameras it still holds, an entry skipped and why."""
    rows: list[PlanRow] = []

    def add(row: PlanRow) -> None:
        rows.append(row)

    for change in preview.added:
        brings = ", ".join(f"{f.field}: {f.new}" for f in change.changes if f.new)
        add(PlanRow("added", change.badge, change.name, "", "", brings, seq=len(rows)))
    for change in preview.changed:
        for f in change.changes:
            add(PlanRow("changed", change.badge, change.name, f.field, f.old, f.new,
                        seq=len(rows)))
    for change in preview.deactivated:
        add(PlanRow("deactivated", change.badge, change.name, "active", "yes",
                    change.why or "no", holds=", ".join(change.holding), seq=len(rows)))
    for problem in preview.skipped:
        add(PlanRow("skipped", "", problem.dn, "", "", problem.message, seq=len(rows)))
    threshold = ""
    if preview.stops:
        threshold = (
            f"This sync would deactivate {len(preview.deactivated)} of "
            f"{preview.active_before} active officers ({preview.deactivate_pct:.0f} %), more "
            f"than the {preview.threshold_pct} % set."
        )
    return SyncPlan(
        rows=tuple(rows),
        added=len(preview.added),
        changed=len(preview.changed),
        deactivated=len(preview.deactivated),
        holders=len(preview.flagged),
        summary=preview.summary(),
        threshold_text=threshold,
        preview=preview,
    )


def preview(ctx: Ctx) -> SyncPlan:
    """What a sync with the saved settings would do now; writes nothing."""
    return plan_of(preview_sync(ctx))


def apply(ctx: Ctx, plan: SyncPlan, *, force: bool = False) -> str:
    """Run the sync (it reads the directory again, so it applies what is there now).
    ``force``: the administrator answered Yes to deactivating more than the set share."""
    try:
        result = sync_officers(ctx, confirm=force)
    except SyncNeedsConfirmation as stop:
        raise DomainError(
            f"{plan_of(stop.preview).threshold_text} Nothing was changed: preview again "
            "(Sync now) and confirm if the leavers are real."
        ) from None
    done = result.preview
    return (
        f"{len(done.added)} added, {len(done.changed)} changed, "
        f"{len(done.deactivated)} deactivated"
        + (f"; {len(done.flagged)} still hold a camera" if done.flagged else "")
        + "."
    )


def holders(ctx: Ctx) -> list[tuple[int, str, tuple[str, ...]]]:
    """Inactive officers who still hold a camera (flagged to supervisors)."""
    return inactive_holders(ctx)

"""Agency settings: one place that names each, its type, default and limits."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bwc_desk.domain.errors import ValidationError


class AssignmentMode(StrEnum):
    OFFICER = "officer"  # each officer has a primary camera; others are spares
    POOLED = "pooled"  # any ready camera goes to whoever comes on shift
    MIXED = "mixed"  # both exist in the agency


class HandoverAck(StrEnum):
    OFF = "off"
    PIN = "pin"
    SIGNATURE = "signature"


@dataclass(frozen=True, slots=True)
class SettingSpec:
    key: str
    label: str
    default: Any
    kind: type
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()

    def parse(self, raw: Any) -> Any:
        """Coerce a stored or typed value; raise ValidationError with the limits if wrong."""
        try:
            if self.kind is bool:
                value: Any = (
                    raw if isinstance(raw, bool) else str(raw).lower() in {"1", "true", "yes", "on"}
                )
            elif self.kind is int:
                value = int(raw)
            else:
                value = str(raw)
        except (TypeError, ValueError):
            raise ValidationError(f"{self.label}: {raw!r} is not a valid value") from None
        if self.kind is int:
            if self.minimum is not None and value < self.minimum:
                raise ValidationError(f"{self.label} is at least {self.minimum}")
            if self.maximum is not None and value > self.maximum:
                raise ValidationError(f"{self.label} is at most {self.maximum}")
        if self.choices and value not in self.choices:
            raise ValidationError(f"{self.label} is one of: {', '.join(self.choices)}")
        return value

    def check_length(self, value: Any) -> None:
        """A text's maximum is its length, checked as it is written (not as a stored value
        is read: a longer one kept before the limit still opens)."""
        if self.kind is str and self.maximum is not None and len(value) > self.maximum:
            raise ValidationError(
                f"{self.label} is at most {self.maximum} characters (this one has {len(value)})."
            )


SPECS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in (
        # (A text's maximum is its length: SettingSpec.check_length.)
        SettingSpec("agency_name", "Agency name", "", str, maximum=120),
        SettingSpec(
            "assignment_mode",
            "Assignment model",
            AssignmentMode.MIXED.value,
            str,
            choices=tuple(m.value for m in AssignmentMode),
        ),
        SettingSpec("max_cameras_per_officer", "Cameras an officer may hold", 1, int, 1, 2),
        SettingSpec("min_battery_pct", "Minimum battery to issue (%)", 80, int, 1, 100),
        SettingSpec("function_test_required", "Pre-shift function test at issue", True, bool),
        SettingSpec("return_grace_minutes", "Grace after shift end (minutes)", 30, int, 0, 720),
        SettingSpec("default_shift_hours", "Shift length when unknown (hours)", 10, int, 1, 24),
        SettingSpec(
            "handover_ack",
            "Handover acknowledgement",
            HandoverAck.OFF.value,
            str,
            choices=tuple(m.value for m in HandoverAck),
        ),
        SettingSpec("idle_lock_minutes", "Lock after idle (minutes)", 15, int, 1, 30),
        SettingSpec("backup_keep", "Backups to keep", 14, int, 1, 365),
        SettingSpec("backup_folder", "Backup folder (blank: beside the database)", "", str),
        SettingSpec("not_docked_minutes", "Returned, not docked after (minutes)", 30, int, 1, 1440),
        SettingSpec("unassign_pool_on_dock", "Unassign pooled cameras on docking", True, bool),
        SettingSpec(
            "return_assigned_on_dock", "Return officers' own cameras on docking", False, bool
        ),
        SettingSpec("undo_window_seconds", "Undo window (seconds)", 120, int, 0, 600),
        SettingSpec(
            "double_scan_seconds", "A repeated scan within (seconds) is ignored", 5, int, 1, 60
        ),
        SettingSpec(
            "race_seconds",
            "Another counter's issue counts as simultaneous within (seconds)",
            60,
            int,
            0,
            600,
        ),
        SettingSpec(
            "verify_daily", "Verify records automatically (daily, in the background)", True, bool
        ),
        SettingSpec("anchor_folder", "Anchor folder for chain heads (blank: none)", "", str),
        SettingSpec("target_firmware", "Target camera firmware (blank: none)", "", str),
        SettingSpec(
            "inspection_due_hour", "Dock inspection missing after (hour, local)", 10, int, 0, 23
        ),
        # Badge+PIN of a directory account while the directory cannot be reached: its cached
        # role is accepted only if the directory confirmed it within this many hours (0: never).
        SettingSpec(
            "directory_role_hours",
            "Directory role trusted offline for (hours)",
            12,
            int,
            0,
            168,
        ),
    )
}


def default_settings() -> dict[str, Any]:
    return {key: spec.default for key, spec in SPECS.items()}


@dataclass(frozen=True, slots=True)
class KnownNames:
    """The agency's shifts and divisions, for checking what an import or a form brings in.
    Each check returns the agency's own spelling ("night" -> "Night"), or raises with the
    names it knows, so that a typo is caught on its line instead of making a new shift."""

    shifts: tuple[str, ...]
    divisions: tuple[str, ...]

    def shift(self, text: str) -> str:
        return _pick(text, self.shifts, "shift", "the agency's shifts", strict=True)

    def division(self, text: str) -> str:
        # An agency with no division yet (the first import) is building its list.
        return _pick(text, self.divisions, "division", "the divisions", strict=bool(self.divisions))


def _pick(text: str, names: tuple[str, ...], what: str, whose: str, strict: bool) -> str:
    wanted = " ".join(text.split())
    if not wanted:
        return ""
    for name in names:
        if name.lower() == wanted.lower():
            return name
    if not strict:
        return wanted
    known = ", ".join(names) if names else "none yet"
    raise ValidationError(f"{what} {wanted!r} is not one of {whose} ({known})")

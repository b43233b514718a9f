"""The plan of a directory sync: what the directory's entries would make of the roster
(added, changed field by field, deactivated, skipped and why), checked by the import's rule
that one code identifies one thing. Reads only; services/directory_sync.py applies it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.adapters.directory import DirectoryEntry
from bwc_desk.domain.directory import DirectorySettings
from bwc_desk.domain.errors import DomainError, ValidationError
from bwc_desk.services.dto import person_name
from bwc_desk.services.officers import OfficerInput, clean_officer
from bwc_desk.services.records import camera_codes
from bwc_desk.services.settings import shift_specs
from bwc_desk.store.models import Checkout, Officer, Unit

FIELDS = ("badge", "last_name", "first_name", "rank", "division", "shift", "scan_code")

@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class OfficerChange:
    """One officer the sync adds, changes or deactivates. ``changes``: for an added officer
    its values, for a changed one field by field (old -> new), for a deactivated one none.
    ``holding``: the cameras a deactivated officer still holds (flagged to supervisors)."""

    officer_id: int | None
    badge: str
    name: str
    dn: str
    changes: tuple[FieldChange, ...] = ()
    why: str = ""
    holding: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SyncProblem:
    dn: str
    message: str


@dataclass(frozen=True, slots=True)
class SyncPreview:
    entries: int
    added: tuple[OfficerChange, ...]
    changed: tuple[OfficerChange, ...]
    deactivated: tuple[OfficerChange, ...]
    unchanged: int
    skipped: tuple[SyncProblem, ...]
    left_alone: int  # active officers not from the directory
    active_before: int
    threshold_pct: int

    @property
    def deactivate_pct(self) -> float:
        if not self.deactivated:
            return 0.0
        return 100.0 * len(self.deactivated) / max(self.active_before, 1)

    @property
    def stops(self) -> bool:
        """More than the set share of active officers would be deactivated."""
        return bool(self.deactivated) and self.deactivate_pct > self.threshold_pct

    @property
    def flagged(self) -> tuple[OfficerChange, ...]:
        """Deactivated officers who still hold a camera."""
        return tuple(c for c in self.deactivated if c.holding)

    def counts(self) -> dict[str, int]:
        return {
            "entries": self.entries,
            "added": len(self.added),
            "changed": len(self.changed),
            "deactivated": len(self.deactivated),
            "unchanged": self.unchanged,
            "skipped": len(self.skipped),
            "flagged": len(self.flagged),
            "left_alone": self.left_alone,
        }

    def summary(self) -> str:
        c = self.counts()
        text = (
            f"{c['entries']} directory entries: {c['added']} to add, {c['changed']} to change, "
            f"{c['deactivated']} to deactivate, {c['unchanged']} unchanged, "
            f"{c['skipped']} skipped"
        )
        if c["flagged"]:
            text += f"; {c['flagged']} deactivated officer(s) still hold a camera"
        return text + "."


@dataclass
class Plan:
    preview: SyncPreview
    updates: list[tuple[int, OfficerInput, str]] = field(default_factory=list)  # id, data, sid
    inserts: list[tuple[OfficerInput, str]] = field(default_factory=list)  # data, stable id


Key = int | str  # an officer's id, or "new:" + stable id


def _raw(entry: DirectoryEntry, settings: DirectorySettings, current: Officer | None,
         name: str) -> str:
    attr = settings.attribute(name)
    if attr:
        return entry.get(attr)
    return str(getattr(current, name)) if current is not None else ""


def _entry_input(entry: DirectoryEntry, settings: DirectorySettings, current: Officer | None,
                 shifts: dict[str, Any]) -> OfficerInput:
    values = {name: _raw(entry, settings, current, name) for name in FIELDS}
    if (current is not None and not settings.attribute("scan_code")
            and current.scan_code == current.badge.upper()):
        values["scan_code"] = ""  # it followed the badge; it follows the new one
    data = clean_officer(OfficerInput(**values, active=True))
    if data.shift and (current is None or data.shift != current.shift):
        spec = shifts.get(data.shift.lower())
        if spec is None:
            known = ", ".join(s.name for s in sorted(shifts.values(), key=lambda s: s.starts))
            raise ValidationError(
                f"shift {data.shift!r} is not one of the agency's shifts ({known or 'none'}); "
                "correct it in the directory or add the shift in Administration"
            )
        data = replace(data, shift=spec.name)
    return data


def label(badge: str, last: str, first: str) -> str:
    return f"{person_name(last, first)} ({badge})"


def plan_sync(session: Session, settings: DirectorySettings,
          entries: Sequence[DirectoryEntry]) -> Plan:
    officers = list(session.execute(select(Officer)).scalars())
    by_id = {o.id: o for o in officers}
    by_dir = {o.directory_id: o for o in officers if o.directory_id}
    by_badge = {o.badge: o for o in officers}
    shifts = shift_specs(session)
    camera_tags = camera_codes(session)  # a camera's asset tag or serial -> (tag, which)
    wanted: dict[Key, OfficerInput] = {}
    where: dict[Key, tuple[str, str]] = {}  # key -> (dn, stable id)
    problems: list[SyncProblem] = []
    present: set[str] = set()
    disabled: set[str] = set()
    seen: dict[str, str] = {}
    for entry in entries:
        sid = entry.stable_id
        if not sid:
            problems.append(SyncProblem(entry.dn, "the entry has no objectGUID or entryUUID"))
            continue
        if sid in seen:
            problems.append(SyncProblem(entry.dn, f"the same entry as {seen[sid]}"))
            continue
        seen[sid] = entry.dn
        present.add(sid)
        if entry.disabled:
            disabled.add(sid)
            continue
        current = by_dir.get(sid)
        try:
            data = _entry_input(entry, settings, current, shifts)
        except DomainError as exc:
            problems.append(SyncProblem(entry.dn, f"{str(exc).rstrip('.')}. Nothing of this "
                                        "entry was changed; correct it in the directory."))
            continue
        if current is None:
            adopt = by_badge.get(data.badge)
            if adopt is not None and adopt.directory_id is None and adopt.id not in wanted:
                current = adopt  # already on the roster (a CSV import): linked, not doubled
        key: Key = current.id if current is not None else f"new:{sid}"
        wanted[key] = data
        where[key] = (entry.dn, sid)
    _drop_clashes(by_id, wanted, where, camera_tags, problems)

    added: list[OfficerChange] = []
    changed: list[OfficerChange] = []
    plan_updates: list[tuple[int, OfficerInput, str]] = []
    plan_inserts: list[tuple[OfficerInput, str]] = []
    unchanged = 0
    for key, data in wanted.items():
        dn, sid = where[key]
        if isinstance(key, str):
            plan_inserts.append((data, sid))
            added.append(OfficerChange(None, data.badge, person_name(data.last_name,
                                                                     data.first_name), dn,
                                       tuple(FieldChange(f, "", getattr(data, f))
                                             for f in FIELDS if getattr(data, f))))
            continue
        officer = by_id[key]
        diffs = [FieldChange(f, str(getattr(officer, f)), str(getattr(data, f)))
                 for f in FIELDS if getattr(officer, f) != getattr(data, f)]
        if not officer.active:
            diffs.append(FieldChange("active", "no", "yes"))
        if officer.directory_id != sid:
            diffs.append(FieldChange("directory", "", "linked to " + dn))
        if diffs:
            plan_updates.append((key, data, sid))
            changed.append(OfficerChange(key, data.badge, person_name(data.last_name,
                                                                      data.first_name), dn,
                                         tuple(diffs)))
        else:
            unchanged += 1
    held = holding(session)
    deactivated = []
    for officer in officers:
        if not officer.active or not officer.directory_id:
            continue
        if officer.directory_id in disabled:
            why = "the account is disabled in the directory"
        elif officer.directory_id not in present:
            why = "no longer in the directory (or no longer matches its filter)"
        else:
            continue
        deactivated.append(OfficerChange(
            officer.id, officer.badge, person_name(officer.last_name, officer.first_name), "",
            why=why, holding=tuple(held.get(officer.id, ()))))
    active = sum(1 for o in officers if o.active)
    left_alone = sum(1 for o in officers if o.active and not o.directory_id
                     and o.id not in wanted)
    preview = SyncPreview(
        entries=len(entries), added=tuple(added), changed=tuple(changed),
        deactivated=tuple(deactivated), unchanged=unchanged, skipped=tuple(problems),
        left_alone=left_alone, active_before=active,
        threshold_pct=settings.max_deactivate_pct,
    )
    return Plan(preview, plan_updates, plan_inserts)


def _drop_clashes(by_id: dict[int, Officer], wanted: dict[Key, OfficerInput],
                  where: dict[Key, tuple[str, str]], camera_tags: dict[str, tuple[str, str]],
                  problems: list[SyncProblem]) -> None:
    """One code identifies one thing, on the roster as it would be after the sync: entries
    whose badge or scan code clash are taken out of the plan (their officer stays as it
    was), again until none clash."""
    while bad := _clashes(by_id, wanted, camera_tags):
        for key, message in bad.items():
            problems.append(SyncProblem(
                where[key][0], f"{message}: a scan at the counter could not tell them apart. "
                "Nothing of this entry was changed; correct it in the directory."))
            del wanted[key]


def _clashes(by_id: dict[int, Officer], wanted: dict[Key, OfficerInput],
             camera_tags: dict[str, tuple[str, str]]) -> dict[Key, str]:
    def codes(key: Key) -> tuple[str, str, str]:
        data = wanted.get(key)
        if data is not None:
            return data.badge, data.scan_code, label(data.badge, data.last_name,
                                                      data.first_name)
        o = by_id[int(key)]
        return o.badge, o.scan_code, label(o.badge, o.last_name, o.first_name)

    def moved(key: Key) -> bool:
        if isinstance(key, str):
            return True
        o, data = by_id[key], wanted.get(key)
        return data is not None and (data.badge, data.scan_code) != (o.badge, o.scan_code)

    keys: list[Key] = [*by_id, *(k for k in wanted if isinstance(k, str))]
    badges: dict[str, list[Key]] = defaultdict(list)
    upper: dict[str, list[Key]] = defaultdict(list)
    scans: dict[str, list[Key]] = defaultdict(list)
    for key in keys:
        badge, scan, _ = codes(key)
        badges[badge].append(key)
        upper[badge.upper()].append(key)
        scans[scan].append(key)
    bad: dict[Key, str] = {}

    def blame(group: list[Key], what: str) -> None:
        for key in group:
            if moved(key) and key not in bad:
                others = ", ".join(codes(k)[2] for k in group if k != key)
                bad[key] = what.replace("{others}", others)

    for badge, group in badges.items():
        if len(group) > 1:
            blame(group, f"badge {badge} would also belong to {{others}}")
    for scan, group in scans.items():
        if len(group) > 1:
            blame(group, f"scan code {scan} would also belong to {{others}}")
        others = [k for k in upper.get(scan, ()) if k not in group]
        if others:
            blame(group + others, f"scan code {scan} would be a badge number too ({{others}})")
        if scan in camera_tags:
            tag, what = camera_tags[scan]
            blame(group, f"scan code {scan} is the {what} of camera {tag}")
    for code, group in upper.items():
        if code in camera_tags:  # (a badge with its own scan code is still scanned as is)
            tag, what = camera_tags[code]
            blame(group, f"badge {code} is the {what} of camera {tag}")
    return bad


def holding(session: Session) -> dict[int, list[str]]:
    held: dict[int, list[str]] = defaultdict(list)
    for officer_id, tag in session.execute(
        select(Checkout.officer_id, Unit.asset_tag)
        .join(Unit, Unit.id == Checkout.unit_id)
        .where(Checkout.returned_at.is_(None))
        .order_by(Unit.asset_tag)
    ):
        held[officer_id].append(tag)
    return held

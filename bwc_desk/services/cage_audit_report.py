"""A cage audit's records as values, and its report as CSV bytes and PDF lines: pure, so the
report a supervisor signs is rebuilt byte for byte from the audit's frozen JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any

from bwc_desk.adapters.csvfile import escape_cell
from bwc_desk.domain.ledger import format_ts
from bwc_desk.domain.values import plural
from bwc_desk.services.csv_formats import CAGE_AUDIT_COLUMNS

LISTS = ("expected", "found", "missing", "unexpected", "wrong place")


@dataclass(frozen=True, slots=True)
class AuditInfo:
    id: int
    scope: str
    scope_label: str
    state: str
    started_by: str
    station: str
    started_at: datetime
    finished_by: str = ""
    finished_station: str = ""
    finished_at: datetime | None = None
    report_sha256: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def title(self) -> str:
        return f"Cage audit #{self.id}: {self.scope_label}"


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One camera in one of the lists."""

    unit_id: int
    asset_tag: str
    serial: str
    model: str
    status: str
    recorded_location: str
    seen_location: str = ""
    source: str = ""  # "scan", "dock", or "" (not seen)
    seen_by: str = ""
    seen_at: datetime | None = None
    code: str = ""  # as scanned, or the dock and bay
    note: str = ""  # why it is unexpected

    @property
    def id(self) -> int:
        return self.unit_id


LINE_FIELDS = tuple(f.name for f in fields(AuditLine))


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    kind: str  # "found", "wrong place", "unexpected", "already"
    message: str
    unit_id: int
    asset_tag: str


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: int
    audit_id: int
    audit_label: str
    unit_id: int
    asset_tag: str
    serial: str
    location: str
    opened_at: datetime
    opened_by: str
    resolved_at: datetime | None = None
    resolved_by: str = ""
    outcome: str = ""
    found_location: str = ""
    report_number: str = ""


def _ts(moment: datetime | None) -> str:
    return format_ts(moment) if moment is not None else ""


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _shown(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


@dataclass(frozen=True, slots=True)
class AuditLists:
    audit: AuditInfo
    expected: tuple[AuditLine, ...]
    found: tuple[AuditLine, ...]
    missing: tuple[AuditLine, ...]
    unexpected: tuple[AuditLine, ...]
    wrong_place: tuple[AuditLine, ...]
    heads: str = ""  # both ledger chains' heads when the audit was finished

    def by_name(self, name: str) -> tuple[AuditLine, ...]:
        return getattr(self, name.replace(" ", "_"))  # type: ignore[no-any-return]

    def counts(self) -> dict[str, int]:
        return {name: len(self.by_name(name)) for name in LISTS}

    def replace_audit(self, audit: AuditInfo, heads: str) -> AuditLists:
        return replace(self, audit=audit, heads=heads)

    def to_json(self) -> str:
        """Canonical JSON; each camera as a list of values in LINE_FIELDS order (compact and
        fast: an audit of all cameras freezes 25,000 of them twice)."""

        def line(x: AuditLine) -> list[Any]:
            return [_ts(x.seen_at) if f == "seen_at" else getattr(x, f) for f in LINE_FIELDS]

        info = {
            **self.audit.as_dict(),
            "started_at": _ts(self.audit.started_at),
            "finished_at": _ts(self.audit.finished_at),
            "report_sha256": "",
        }
        body = {
            "audit": info,
            "fields": list(LINE_FIELDS),
            "heads": self.heads,
            **{name: [line(x) for x in self.by_name(name)] for name in LISTS},
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, info: AuditInfo, text: str) -> AuditLists:
        """The frozen lists; ``info`` is the audit as stored now (with the report's hash),
        the report itself is rebuilt from what was frozen."""
        body = json.loads(text)
        frozen = body["audit"]
        audit = replace(
            info,
            started_at=_parse(frozen["started_at"]) or info.started_at,
            finished_at=_parse(frozen["finished_at"]),
            finished_by=frozen["finished_by"],
            finished_station=frozen["finished_station"],
        )

        at = body["fields"].index("seen_at")

        def lines(name: str) -> tuple[AuditLine, ...]:
            out = []
            for values in body[name]:
                values[at] = _parse(values[at])
                out.append(AuditLine(**dict(zip(body["fields"], values, strict=True))))
            return tuple(out)

        return cls(
            audit,
            lines("expected"),
            lines("found"),
            lines("missing"),
            lines("unexpected"),
            lines("wrong place"),
            heads=body["heads"],
        )


def csv_rows(lists: AuditLists) -> list[tuple[object, ...]]:
    a = lists.audit
    started, finished = _ts(a.started_at), _ts(a.finished_at)
    return [
        (
            a.id,
            a.scope_label,
            name,
            x.asset_tag,
            x.serial,
            x.model,
            x.status,
            x.recorded_location,
            x.seen_location,
            x.source,
            x.seen_by,
            _ts(x.seen_at),
            x.note,
            a.started_by,
            a.station,
            started,
            a.finished_by,
            finished,
        )
        for name in LISTS
        for x in lists.by_name(name)
    ]


def csv_bytes(lists: AuditLists) -> bytes:
    """The CSV report exactly as written to a file (UTF-8 with BOM, CRLF, cells a
    spreadsheet would run as formulas escaped): its SHA-256 is the one in the audit log."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CAGE_AUDIT_COLUMNS)
    for row in csv_rows(lists):
        writer.writerow([escape_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def pdf_lines(lists: AuditLists) -> list[str]:
    a = lists.audit
    c = lists.counts()
    out = [
        a.title,
        f"Started {_shown(a.started_at)} by {a.started_by} at {a.station}",
        f"Finished {_shown(a.finished_at)} by {a.finished_by} at {a.finished_station}"
        if a.finished_at
        else "Not finished: the lists as they stand now",
        "Counts: " + ", ".join(f"{c[name]} {name}" for name in LISTS),
    ]
    if a.report_sha256:
        out.append(f"Report SHA-256 (the CSV file): {a.report_sha256}")
    out += ["", "Signed: ______________________________   Date: ______________", ""]
    for name in ("missing", "unexpected", "wrong place", "found", "expected"):
        rows = lists.by_name(name)
        out.append(f"{name.capitalize()} ({len(rows)})")
        out.append(
            f"  {'Asset tag':<18} {'Serial':<18} {'Status':<10} {'Kept at':<22} "
            f"{'Seen at':<22} {'How':<5} {'By':<12} Note"
        )
        for x in rows:
            out.append(
                f"  {x.asset_tag:<18} {x.serial:<18} {x.status:<10} "
                f"{x.recorded_location[:22]:<22} {x.seen_location[:22]:<22} {x.source:<5} "
                f"{x.seen_by[:12]:<12} {x.note}"
            )
        if not rows:
            out.append("  (none)")
        out.append("")
    return out


def describe_counts(lists: AuditLists) -> str:
    c = lists.counts()
    return (
        f"{plural(c['expected'], 'camera')} expected, {c['found']} found, {c['missing']} "
        f"missing, {c['unexpected']} unexpected, {c['wrong place']} in the wrong place"
    )

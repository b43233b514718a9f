"""What a report is made of: tables and chart series, frozen, with no Qt and no SQL. The
screen, the PDF and the CSV all render the same ``ReportResult``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class ChartKind(StrEnum):
    LINE = "line"  # a trend over time: one or more series against the labels
    BAR = "bar"  # values per category, series side by side
    SHARE = "share"  # parts of a whole (a pie): one series, one value per label


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    kind: ChartKind
    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    y_label: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    key: str  # file-name friendly: the CSV of this table is FILE-<key>.csv (the first: FILE)
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


@dataclass(frozen=True, slots=True)
class ReportRequest:
    name: str
    date_from: date | None = None  # local dates of the agency, inclusive
    date_to: date | None = None
    shift: str | None = None
    idle_days: int = 30  # utilization: cameras not issued for this many days


@dataclass(frozen=True, slots=True)
class ReportResult:
    name: str
    title: str
    period: str  # as people read it: "2026-11-01 to 2026-11-30 (America/New_York)"
    date_from: date
    date_to: date
    shift: str | None
    tables: tuple[Table, ...]
    charts: tuple[Chart, ...]
    footer: str  # both ledger heads as the report was made
    made_by: str
    station: str
    made_at: str  # UTC, ISO
    notes: tuple[str, ...] = field(default=())

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

"""The Audit view's tables: the five lists of a cage audit, and the missing-camera cases."""

from __future__ import annotations

from typing import Any

from bwc_desk.services.cage_audit_report import AuditLine, CaseRow
from bwc_desk.ui.models.table_model import Column, RowTableModel

_HOW = {"scan": "Scanned", "dock": "Dock", "": ""}


class AuditLineModel(RowTableModel[AuditLine]):
    (
        COL_TAG,
        COL_SERIAL,
        COL_MODEL,
        COL_STATUS,
        COL_KEPT,
        COL_SEEN,
        COL_HOW,
        COL_BY,
        COL_WHEN,
        COL_NOTE,
    ) = range(10)
    columns = (
        Column("Camera", lambda r: r.asset_tag),
        Column("Serial", lambda r: r.serial),
        Column("Model", lambda r: r.model),
        Column("Status", lambda r: r.status),
        Column("Kept at", lambda r: r.recorded_location),
        Column("Seen at", lambda r: r.seen_location or (r.code if r.source == "dock" else "")),
        Column("How", lambda r: _HOW.get(r.source, r.source)),
        Column("By", lambda r: r.seen_by),
        Column("When", lambda r: r.seen_at),
        Column("Note", lambda r: r.note),
    )

    def foreground(self, row: AuditLine, column: int) -> str | None:
        return "#991b1b" if row.note else None

    def tooltip(self, row: AuditLine, column: int) -> str:
        return row.code if row.source == "dock" else ""


class CaseTableModel(RowTableModel[CaseRow]):
    COL_TAG, COL_SERIAL, COL_KEPT, COL_AUDIT, COL_OPENED, COL_BY, COL_OUTCOME = range(7)
    columns = (
        Column("Camera", lambda r: r.asset_tag),
        Column("Serial", lambda r: r.serial),
        Column("Kept at", lambda r: r.location),
        Column("Audit", lambda r: r.audit_label),
        Column("Missing since", lambda r: r.opened_at),
        Column("Opened by", lambda r: r.opened_by),
        Column("Outcome", lambda r: _outcome(r)),
    )

    @staticmethod
    def key(row: Any) -> Any:
        return row.id


def _outcome(row: CaseRow) -> str:
    if row.outcome == "found":
        return f"Found at {row.found_location} ({row.resolved_by})"
    if row.outcome == "lost":
        return f"Lost, report {row.report_number} ({row.resolved_by})"
    return "Open"

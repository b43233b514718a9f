"""Custody history rows (a unit's, or the whole ledger's)."""

from __future__ import annotations

from typing import Any

from bwc_desk.domain.events import EventKind
from bwc_desk.services.dto import EventRow
from bwc_desk.ui.models.table_model import Column, RowTableModel


def describe_details(e: EventRow) -> str:
    parts = []
    for key, value in e.details.items():
        if key in ("signature",):
            parts.append("signature captured")
        elif key == "function_test" and isinstance(value, dict):
            ok = all(v for k, v in value.items() if k != "note")
            parts.append("function test passed" if ok else "function test FAILED")
        elif key == "changes" and isinstance(value, dict):
            parts.append("; ".join(f"{k}: {v[0]!s} -> {v[1]!s}" for k, v in value.items()))
        elif value not in (None, "", False):
            parts.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(parts)


class EventTableModel(RowTableModel[EventRow]):
    (
        COL_SEQ,
        COL_AT,
        COL_KIND,
        COL_UNIT,
        COL_OFFICER,
        COL_STAFF,
        COL_STATION,
        COL_REASON,
        COL_DETAILS,
    ) = range(9)
    columns = (
        Column("#", lambda e: e.seq, "Position in the custody ledger", align_right=True),
        Column("When", lambda e: e.at),
        Column("What", lambda e: e.kind.value),
        Column("Camera", lambda e: e.asset_tag),
        Column("Officer", lambda e: e.officer),
        Column("Staff", lambda e: e.staff_username),
        Column("Station", lambda e: e.station),
        Column(
            "Reason",
            lambda e: e.reason + (f" (corrects #{e.corrects_seq})" if e.corrects_seq else ""),
        ),
        Column("Details", describe_details),
    )

    @staticmethod
    def key(row: Any) -> Any:
        return row.seq

    def foreground(self, row: EventRow, column: int) -> str | None:
        if row.kind is EventKind.CORRECTION:
            return "#7c3aed"
        return None

"""Custody history rows (a unit's, or the whole ledger's)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bwc_desk.domain.events import EventKind
from bwc_desk.services.dto import EventRow
from bwc_desk.ui.models.table_model import Column, RowTableModel


def describe_details(e: EventRow) -> str:
    parts = []
    for key, value in e.details.items():
        if key.endswith("officer_id") and e.details.get(key[: -len("_id")]):
            continue  # the officer's name is there too: the id is for tools, not people
        if key in ("signature",):
            parts.append("signature captured")
        elif key == "function_test" and isinstance(value, dict):
            ok = all(v for k, v in value.items() if k != "note")
            parts.append("function test passed" if ok else "function test FAILED")
        elif key == "changes" and isinstance(value, dict):
            parts.append("; ".join(f"{k}: {v[0]!s} -> {v[1]!s}" for k, v in value.items()))
        elif value not in (None, "", False):
            parts.append(f"{key.replace('_', ' ')}: {_readable(value)}")
    return "; ".join(parts)


def _readable(value: object) -> object:
    """A stored UTC timestamp ("2026-11-21T06:35:11.320864+00:00") as local time to the
    second, as every other time is shown; anything else as it is."""
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    return value


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

"""The counter's "Returned, not docked" list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bwc_desk.domain.durations import span_text
from bwc_desk.services.counter import NotDockedRow
from bwc_desk.ui.models.table_model import Column, RowTableModel


class NotDockedModel(RowTableModel[NotDockedRow]):
    COL_TAG, COL_OFFICER, COL_RETURNED, COL_WAITING, COL_BY = range(5)
    columns = (
        Column("Camera", lambda r: r.asset_tag),
        Column("Returned by officer", lambda r: r.officer),
        Column("Returned at", lambda r: r.returned_at),
        Column(
            "Not docked for",
            lambda r: span_text(timedelta(minutes=r.minutes)),
            align_right=True,
            sort=lambda r: r.minutes,
        ),
        Column("Taken by", lambda r: r.returned_by),
    )

    @staticmethod
    def key(row: Any) -> Any:
        return row.unit_id

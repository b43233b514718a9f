"""The Out now list at the counter: every issued unit, overdue rows standing out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bwc_desk.domain.durations import overdue_text
from bwc_desk.services.dto import CheckoutRow
from bwc_desk.ui.models.table_model import Column, RowTableModel


def _now() -> datetime:
    return datetime.now(UTC)


class CheckoutTableModel(RowTableModel[CheckoutRow]):
    COL_TAG, COL_OFFICER, COL_BADGE, COL_OUT, COL_DUE, COL_OVERDUE, COL_BY = range(7)
    clock: Callable[[], datetime] = staticmethod(_now)
    columns = (
        Column("Camera", lambda c: c.asset_tag),
        Column("Officer", lambda c: c.officer),
        Column("Badge", lambda c: c.badge),
        Column("Out since", lambda c: c.issued_at),
        Column("Expected back", lambda c: c.expected_return),
        Column(
            "Overdue",
            lambda c: overdue_text(CheckoutTableModel.clock() - c.expected_return),
            sort=lambda c: c.expected_return,
        ),
        Column("Issued by", lambda c: f"{c.issued_by} at {c.station}"),
    )

    def background(self, row: CheckoutRow, column: int) -> str | None:
        return "#fee2e2" if row.expected_return < self.clock() else None

    def foreground(self, row: CheckoutRow, column: int) -> str | None:
        if row.expected_return < self.clock():
            return "#991b1b"
        return None

    def overdue_count(self) -> int:
        now = self.clock()
        return sum(1 for r in self.rows() if r.expected_return < now)

"""The audit log as a table (Administration > Audit log): refusals and failures in red."""

from __future__ import annotations

from bwc_desk.domain.audit import Outcome
from bwc_desk.services.audit import AuditRow
from bwc_desk.ui.models.table_model import Column, RowTableModel


def _details(row: AuditRow) -> str:
    return "; ".join(f"{k}: {v}" for k, v in row.details.items() if v not in (None, ""))


class AuditTableModel(RowTableModel[AuditRow]):
    COL_SEQ, COL_AT, COL_EVENT, COL_OUTCOME, COL_STAFF, COL_STATION, COL_DETAILS = range(7)
    columns = (
        Column("#", lambda a: a.seq, align_right=True),
        Column("When", lambda a: a.at),
        Column("Event", lambda a: a.event),
        Column("Outcome", lambda a: a.outcome),
        Column("Staff", lambda a: a.staff_username),
        Column("Station", lambda a: a.station),
        Column("Details", _details),
    )

    def foreground(self, row: AuditRow, column: int) -> str | None:
        return None if row.outcome == Outcome.OK.value else "#b91c1c"

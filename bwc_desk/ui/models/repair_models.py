"""Repair cases as a table (the Repairs view): open cases with their age, the oldest in red
after a month; closed ones grey; a camera back from repair that still owes its function
test says so in its state."""

from __future__ import annotations

from bwc_desk.services.repairs import RepairCaseRow
from bwc_desk.ui.models.table_model import Column, RowTableModel

OLD_AFTER_DAYS = 30


def state_text(c: RepairCaseRow) -> str:
    if c.closed_at is None:
        return c.state
    text = f"closed: {c.outcome}"
    if c.replacement_tag:
        text += f" by {c.replacement_tag}"
    return text + (" (function test due)" if c.awaiting_test else "")


class RepairCaseModel(RowTableModel[RepairCaseRow]):
    COL_ID, COL_TARGET, COL_MODEL, COL_SOURCE, COL_SYMPTOM, COL_REPORTED = range(6)
    COL_AGE, COL_STATE, COL_VENDOR, COL_RMA, COL_SENT, COL_COST = range(6, 12)
    columns = (
        Column("Case", lambda c: c.id, align_right=True),
        Column("Camera or dock", lambda c: c.target),
        Column("Model", lambda c: c.model),
        Column("Source", lambda c: c.source),
        Column("Symptom", lambda c: c.symptom),
        Column("Reported", lambda c: c.reported_at, "When, and by whom (on the tooltip)"),
        Column(
            "Age (days)",
            lambda c: c.age_days,
            "Days since it was reported (to its close)",
            align_right=True,
        ),
        Column("State", state_text),
        Column("Vendor", lambda c: c.vendor),
        Column("RMA", lambda c: c.rma),
        Column("Sent", lambda c: c.sent_on),
        Column("Cost", lambda c: c.cost_text, align_right=True, sort=lambda c: c.cost_cents),
    )

    def foreground(self, row: RepairCaseRow, column: int) -> str | None:
        if row.closed_at is not None:
            return "#6b7280"
        if column == self.COL_AGE and row.age_days >= OLD_AFTER_DAYS:
            return "#b91c1c"
        return None

    def tooltip(self, row: RepairCaseRow, column: int) -> str:
        if column in (self.COL_REPORTED, self.COL_TARGET):
            return f"Reported by {row.reported_by} at {row.station}: {row.symptom}"
        return ""

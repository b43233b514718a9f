"""Staff accounts as a table (Administration > Staff accounts): locked in red, disabled grey."""

from __future__ import annotations

from bwc_desk.services.dto import StaffRow
from bwc_desk.ui.models.table_model import Column, RowTableModel


class StaffTableModel(RowTableModel[StaffRow]):
    COL_USER, COL_NAME, COL_ROLE, COL_ACTIVE, COL_LOCKED, COL_BADGE, COL_SOURCE = range(7)
    columns = (
        Column("User name", lambda s: s.username),
        Column("Name", lambda s: s.display_name),
        Column("Role", lambda s: s.role.value),
        Column("Active", lambda s: s.active),
        Column("Locked", lambda s: "LOCKED" if s.locked else ""),
        Column("Badge sign-in", lambda s: s.badge_code if s.has_pin else ""),
        Column(
            "Password",
            lambda s: "directory"
            if s.source == "directory"
            else "temporary (must change)"
            if s.must_change_password
            else "own",
            "directory: the directory password; the role follows the directory groups at "
            "each sign-in. temporary (must change): set by an administrator; the account "
            "chooses its own at its next sign-in, and can do nothing else before",
        ),
    )

    def foreground(self, row: StaffRow, column: int) -> str | None:
        if row.locked:
            return "#b91c1c"
        return None if row.active else "#6b7280"

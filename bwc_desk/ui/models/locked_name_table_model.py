"""Locked user names with no staff account (Administration > Staff accounts, under the
accounts): a directory user locked out before their first sign-in, or a name that exists
nowhere. A name that looked like a password is not shown (it was never written down)."""

from __future__ import annotations

from bwc_desk.services.sign_in_attempts import LockedName
from bwc_desk.ui.models.table_model import Column, RowTableModel

HIDDEN_NAME = "(not shown: it looked like a password; use Unlock a user name...)"


class LockedNameTableModel(RowTableModel[LockedName]):
    COL_NAME, COL_LOCKED_AT, COL_STATION = range(3)
    columns = (
        Column(
            "User name (no account)",
            lambda n: n.name or HIDDEN_NAME,
            "No staff account has this name: a directory user who has never signed in, "
            "or a name that exists nowhere",
        ),
        Column("Locked at", lambda n: n.locked_at),
        Column("At station", lambda n: n.station),
    )

    def foreground(self, row: LockedName, column: int) -> str | None:
        return "#b91c1c" if row.name else "#6b7280"

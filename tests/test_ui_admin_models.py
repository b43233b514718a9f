"""The administration tables' models, now in ui/models: sound by qtmodeltester, then what
they show."""

from __future__ import annotations

from PySide6.QtCore import Qt

from bwc_desk.domain.roles import Role
from bwc_desk.services.dto import StaffRow
from bwc_desk.ui.models.staff_table_model import StaffTableModel


def test_staff_model_shows_locked_and_disabled_accounts(qtmodeltester):
    model = StaffTableModel()
    model.set_rows([
        StaffRow(1, "admin", "Ada Admin", Role.ADMIN, True),
        StaffRow(2, "quinn", "Quinn Q", Role.QUARTERMASTER, True, locked=True, has_pin=True,
                 badge_code="ID-77"),
        StaffRow(3, "gone", "Gone G", Role.AUDITOR, False, badge_code="ID-9"),
    ])  # fmt: skip
    qtmodeltester.check(model)
    text = [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]
    assert [row[StaffTableModel.COL_USER] for row in text] == ["admin", "quinn", "gone"]
    assert text[1][StaffTableModel.COL_LOCKED] == "LOCKED"
    assert text[1][StaffTableModel.COL_BADGE] == "ID-77"
    assert text[2][StaffTableModel.COL_BADGE] == ""  # a badge without a PIN cannot sign in
    colour = [
        model.index(r, 0).data(Qt.ItemDataRole.ForegroundRole) for r in range(model.rowCount())
    ]
    assert colour[0] is None
    assert colour[1] is not None and colour[1].color().name() == "#b91c1c"
    assert colour[2] is not None and colour[2].color().name() == "#6b7280"

"""Pools of shared cameras: create one for a division or a shift, put cameras in one."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QWidget

from bwc_desk.domain.values import plural
from bwc_desk.services import assignments
from bwc_desk.services.assignments import PoolRow
from bwc_desk.services.officers import RosterChoices
from bwc_desk.ui.dialogs.service_dialog import Request, ServiceDialog, heading
from bwc_desk.ui.state import AppState

ANY_DIVISION = "(any division)"
ANY_SHIFT = "(any shift)"


class NewPoolDialog(ServiceDialog):
    def __init__(
        self, state: AppState, choices: RosterChoices, parent: QWidget | None = None
    ) -> None:
        super().__init__(state, "New pool", parent)
        self.body.addWidget(
            heading(
                "A pool holds shared cameras that any officer of its division or shift may "
                "take out. Name it after whom it serves, e.g. <i>Traffic pool</i>."
            )
        )
        self.name_edit = QLineEdit(self)
        self.division_box = QComboBox(self)
        self.division_box.setEditable(True)
        self.division_box.addItems(["", *choices.divisions])
        edit = self.division_box.lineEdit()
        if edit is not None:
            edit.setPlaceholderText(ANY_DIVISION)
        self.shift_box = QComboBox(self)
        self.shift_box.addItem(ANY_SHIFT, "")
        for name in choices.shifts:
            self.shift_box.addItem(name, name)
        form = QFormLayout()
        form.addRow("&Name", self.name_edit)
        form.addRow("&Division", self.division_box)
        form.addRow("&Shift", self.shift_box)
        self.body.addLayout(form)
        self.ok_button.setText("&Create")
        self.name_edit.setFocus()

    def request(self) -> Request | None:
        name = self.name_edit.text()
        if not name.strip():
            self.show_error("Give the pool a name.")
            self.name_edit.setFocus()
            return None
        division = self.division_box.currentText()
        shift = str(self.shift_box.currentData() or "")
        return (lambda ctx: assignments.create_pool(ctx, name, division, shift)), "units"

    def refused(self, exc: BaseException) -> None:
        self.name_edit.setFocus()
        self.name_edit.selectAll()


class PoolPickerDialog(ServiceDialog):
    """Put the selected cameras in a pool; they leave their officers or other pools."""

    def __init__(
        self,
        state: AppState,
        unit_ids: Sequence[int],
        tags: Sequence[str],
        pools: Sequence[PoolRow],
        parent: QWidget | None = None,
    ) -> None:
        n = len(unit_ids)
        super().__init__(state, "Put in a pool", parent)
        self.unit_ids = list(unit_ids)
        shown = ", ".join(tags[:8]) + (f" and {n - 8} more" if n > 8 else "")
        self.body.addWidget(
            heading(
                f"Put <b>{plural(n, 'camera')}</b> ({shown}) in a pool. "
                "A camera that is an officer's primary camera leaves that officer."
            )
        )
        self.pool_box = QComboBox(self)
        for pool in pools:
            scope = ", ".join(x for x in (pool.division, pool.shift) if x) or "everyone"
            self.pool_box.addItem(f"{pool.name} ({scope}; {pool.units} now)", pool.id)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText("reason (optional)")
        form = QFormLayout()
        form.addRow("&Pool", self.pool_box)
        form.addRow("&Reason", self.reason_edit)
        self.body.addLayout(form)
        self.ok_button.setText("&Put in pool")
        self.pool_box.setFocus()

    def request(self) -> Request | None:
        pool_id = self.pool_box.currentData()
        if pool_id is None:
            self.show_error("There is no pool yet: create one first.")
            return None
        ids, reason = self.unit_ids, self.reason_edit.text()
        return (lambda ctx: assignments.put_in_pool(ctx, ids, int(pool_id), reason)), "units"

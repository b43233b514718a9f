"""Assignments, Cameras and pools: whose camera is whose (officers' primary cameras, pools
of shared ones, spares), and the pools themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.roles import Permission
from bwc_desk.domain.settings import AssignmentMode
from bwc_desk.domain.values import plural
from bwc_desk.services import assignments, officers
from bwc_desk.services.assignments import PoolRow
from bwc_desk.services.dto import UnitRow
from bwc_desk.services.officers import RosterChoices
from bwc_desk.ui.dialogs.officer_dialogs import OfficerPickerDialog, ReasonDialog
from bwc_desk.ui.dialogs.pool_dialogs import NewPoolDialog, PoolPickerDialog
from bwc_desk.ui.live_rows import unit_rows
from bwc_desk.ui.models.assignment_models import GONE, AssignmentUnitModel, PoolTableModel
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.action_page import OFFICERS_ONLY, POOLED_ONLY, ActionPage
from bwc_desk.ui.widgets import ColumnFitter, FilteredTable, camera_code_missed

ALL_CAMERAS = "All cameras"
SHOW_UNITS: dict[str, Callable[[UnitRow], bool] | None] = {
    ALL_CAMERAS: None,
    "Spares (nobody's, no pool)": lambda u: (
        u.primary_officer_id is None and u.pool_id is None and u.status not in GONE
    ),
    "Officers' primary cameras": lambda u: u.primary_officer_id is not None,
    "In a pool": lambda u: u.pool_id is not None,
}
# What the page shows: cameras, whose they are (officers' names, pools) and who has them out.
CAMERA_TOPICS = ("units", "officers", "custody", "pools")


class CamerasPage(ActionPage):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.choices = RosterChoices((), (), ())
        self.pools: list[PoolRow] = []
        self.model = AssignmentUnitModel(self)
        self.table = FilteredTable(self.model, "Filter cameras: tag, officer, pool...")
        self.table.filter_edit.setObjectName("camera_filter")
        # A camera scanned here (its tag or serial, then Enter) selects that camera.
        self.table.find_on_enter(
            lambda u: (u.asset_tag, u.serial),
            hidden=self._show_all,
            missed=lambda code, shown: self.say(camera_code_missed(code, shown), error=not shown),
        )
        self.show_box = QComboBox(self)
        self.show_box.setObjectName("camera_show")
        self.show_box.addItems(list(SHOW_UNITS))
        # Wide enough for its longest choice (a pool's name), whatever is chosen.
        self.show_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        show_label = QLabel("Li&st", self)
        show_label.setBuddy(self.show_box)
        self.table.top.insertWidget(1, show_label)
        self.table.top.insertWidget(2, self.show_box)
        self.pool_model = PoolTableModel(self)
        self.pool_view = QTableView(self)
        self.pool_view.setObjectName("pools")
        self.pool_view.setModel(self.pool_model)
        self.pool_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.pool_view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.pool_view.verticalHeader().setVisible(False)
        self.pool_view.horizontalHeader().setStretchLastSection(True)
        self.pool_fitter = ColumnFitter(self.pool_view, self.pool_model)
        pools_label = QLabel("&Pools (select one to list its cameras)", self)
        pools_label.setBuddy(self.pool_view)

        reassign = Permission.REASSIGN
        self.assign_button = self.button("&Assign to officer...", reassign, self._can_assign)
        self.unassign_button = self.button("&Unassign...", reassign, self._can_unassign)
        self.pool_button = self.button("Put &in pool...", reassign, self._can_pool)
        self.unpool_button = self.button("&Take out of pool...", reassign, self._can_unpool)
        self.new_pool_button = self.button("&New pool...", reassign, self._pools_allowed)
        buttons = QHBoxLayout()
        for button in self.buttons:
            buttons.addWidget(button)
        buttons.addStretch(1)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)  # (apart from the list's count)
        right_layout.addWidget(pools_label)
        right_layout.addWidget(self.pool_view, 1)
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        self._pools_sized = False
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

        self.assign_button.clicked.connect(self.assign)
        self.unassign_button.clicked.connect(self.unassign)
        self.pool_button.clicked.connect(self.put_in_pool)
        self.unpool_button.clicked.connect(self.take_out_of_pool)
        self.new_pool_button.clicked.connect(self.new_pool)
        self.table.selection_changed.connect(self.update_buttons)
        self.show_box.currentTextChanged.connect(self._show)
        self.pool_view.clicked.connect(self._pool_clicked)
        self.pool_view.activated.connect(self._pool_clicked)
        self.live = unit_rows(state, self.table, topics=CAMERA_TOPICS, watched=self)
        self.live.shown.connect(self._rows_shown)
        self.update_buttons()
        # A camera scanned with the focus on a button, the pools or the List box: found all
        # the same.
        self.table.scan_anywhere_in(self)
        self.table.code_entered.connect(lambda _code: self.say(""))  # (the last one's note)

    def focus_home(self) -> QWidget:
        return self.table.table

    def selected(self) -> list[UnitRow]:
        return list(self.table.selected_rows())

    def _pools_allowed(self) -> str:
        return OFFICERS_ONLY if self.mode == AssignmentMode.OFFICER.value else ""

    def _can_assign(self) -> str:
        if self.mode == AssignmentMode.POOLED.value:
            return POOLED_ONLY
        rows = self.selected()
        if len(rows) != 1:
            return "Select one camera first."
        if rows[0].status in GONE:
            return f"{rows[0].asset_tag} is {rows[0].status.value}."
        return ""

    def _can_unassign(self) -> str:
        rows = self.selected()
        if len(rows) != 1:
            return "Select one camera first."
        return "" if rows[0].assignee else f"{rows[0].asset_tag} is a spare already."

    def _can_pool(self) -> str:
        if why := self._pools_allowed():
            return why
        rows = self.selected()
        if not rows:
            return "Select the cameras first (Ctrl+click, Shift+click)."
        gone = [u.asset_tag for u in rows if u.status in GONE]
        if gone:
            return f"{', '.join(gone[:3])} cannot join a pool (out of service for good)."
        return "" if self.pools else "Create a pool first."

    def _can_unpool(self) -> str:
        rows = self.selected()
        if not rows:
            return "Select the cameras first."
        return "" if any(u.pool_id for u in rows) else "None of the selected is in a pool."

    # --- loading ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read every camera again (after the read in flight, if any), and the pools."""
        self.live.reload()
        self.state.read(officers.roster_choices, self._choices)

    def ensure_loaded(self) -> None:
        if not self.live.loaded:
            self.live.ensure_loaded()
            self.state.read(officers.roster_choices, self._choices)

    def _choices(self, choices: RosterChoices) -> None:
        self.choices = choices

    def _rows_shown(self, full: bool) -> None:
        first = not self.loaded
        self.loaded = True
        # The pools' counts follow their cameras (a short list: read whole).
        self.state.read(assignments.list_pools, self._loaded_pools)
        if first:
            self.table.fit_columns()
        self.update_buttons()

    def _loaded_pools(self, pools: list[PoolRow]) -> None:
        self.pools = pools
        self.pool_model.set_rows(pools)
        self._size_pools()
        current = self.show_box.currentText()
        self.show_box.blockSignals(True)
        self.show_box.clear()
        self.show_box.addItems([*SHOW_UNITS, *(f"Pool: {p.name}" for p in pools)])
        self.show_box.setCurrentText(current if self.show_box.findText(current) >= 0 else "")
        if self.show_box.currentIndex() < 0:
            self.show_box.setCurrentIndex(0)
        self.show_box.blockSignals(False)
        self._show()
        self.update_buttons()

    def _size_pools(self) -> None:
        """Once: the pools list as wide as its columns need (up to 2/5 of the page), so that
        a pool's name, division and count are read without scrolling."""
        sizes = self.splitter.sizes()
        if self._pools_sized or not self.pools or len(sizes) != 2 or not sum(sizes):
            return
        self._pools_sized = True
        self.pool_fitter.fit()
        need = (
            sum(self.pool_fitter.widths()) + self.pool_view.verticalScrollBar().sizeHint().width()
        )
        total = sum(sizes)
        right = min(max(sizes[1], need + 8), total * 2 // 5)
        self.splitter.setSizes([total - right, right])

    def _show_all(self, row: UnitRow) -> None:
        """A camera scanned that the list chosen hid: every camera shown, and said."""
        chosen = self.show_box.currentText()
        self.show_box.setCurrentText(ALL_CAMERAS)
        self.say(f"{row.asset_tag} was not in the list {chosen!r}: showing all cameras.")

    def _show(self, *_args: Any) -> None:
        text = self.show_box.currentText()
        if text.startswith("Pool: "):
            name = text.removeprefix("Pool: ")
            self.table.set_predicate(lambda u: u.pool == name)
        else:
            self.table.set_predicate(SHOW_UNITS.get(text))
        self.table.update_count()

    def _pool_clicked(self, index: Any) -> None:
        if index.isValid():
            self.show_box.setCurrentText(f"Pool: {self.pool_model.row_at(index.row()).name}")

    # --- actions ----------------------------------------------------------------------------
    def assign(self) -> None:
        rows = self.selected()
        if len(rows) != 1:
            return
        unit = rows[0]

        def done(row: UnitRow) -> None:
            self.model.upsert([row])
            self.say(f"{row.asset_tag} is now the primary camera of {row.primary_officer}.")

        self.open(OfficerPickerDialog(self.state, unit, self), done)

    def unassign(self) -> None:
        rows = self.selected()
        if len(rows) != 1 or not rows[0].assignee:
            return
        unit = rows[0]
        dialog = ReasonDialog(
            self.state,
            f"Unassign {unit.asset_tag}",
            f"Take <b>{unit.asset_tag}</b> from {unit.assignee}? It becomes a spare.",
            lambda ctx, reason: assignments.unassign(ctx, unit.asset_tag, reason),
            "units",
            parent=self,
        )
        dialog.ok_button.setText("&Unassign")

        def done(row: UnitRow) -> None:
            self.model.upsert([row])
            self.say(f"{row.asset_tag} is a spare now.")

        self.open(dialog, done)

    def put_in_pool(self) -> None:
        rows = self.selected()
        if self._can_pool():
            return
        dialog = PoolPickerDialog(
            self.state, [u.id for u in rows], [u.asset_tag for u in rows], self.pools, self
        )
        self.open(dialog, lambda n: self.say(f"{plural(n, 'camera')} put in the pool."))

    def take_out_of_pool(self) -> None:
        rows = [u for u in self.selected() if u.pool_id is not None]
        if not rows:
            return
        ids = [u.id for u in rows]
        tags = ", ".join(u.asset_tag for u in rows[:8]) + (" ..." if len(rows) > 8 else "")
        dialog = ReasonDialog(
            self.state,
            "Take out of pool",
            f"Take {plural(len(rows), 'camera')} out of "
            + ("its pool" if len(rows) == 1 else "their pools")
            + f" ({tags})? "
            + ("It becomes a spare." if len(rows) == 1 else "They become spares."),
            lambda ctx, reason: assignments.remove_from_pool(ctx, ids, reason),
            "units",
            parent=self,
        )
        dialog.ok_button.setText("&Take out")
        self.open(dialog, lambda n: self.say(f"{plural(n, 'camera')} taken out of pools."))

    def new_pool(self) -> None:
        dialog = NewPoolDialog(self.state, self.choices, self)
        self.open(dialog, lambda pool: self.say(f"Pool {pool.name} created."))

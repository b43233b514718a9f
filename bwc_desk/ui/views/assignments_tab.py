"""Assignments (Ctrl+2): the officer roster, whose camera is whose (officers' primary cameras
and pools of shared ones), and the shift change.

Three pages: Roster, Cameras and pools, Shift change. Every action is a button with a
mnemonic (and a few shortcuts); an action the signed-in role may not do is disabled, and its
tooltip says who may. The services enforce the same roles and write the custody records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.roles import Permission
from bwc_desk.domain.settings import AssignmentMode
from bwc_desk.domain.values import plural
from bwc_desk.services import assignments, inventory, officers, settings
from bwc_desk.services.assignments import PoolRow
from bwc_desk.services.dto import OfficerRow, UnitRow
from bwc_desk.services.officers import RosterChoices
from bwc_desk.ui.dialogs.officer_dialogs import (
    CameraPickerDialog,
    DeactivateDialog,
    HandoverPinDialog,
    OfficerDialog,
    OfficerPickerDialog,
    ReasonDialog,
    ServiceDialog,
)
from bwc_desk.ui.dialogs.pool_dialogs import NewPoolDialog, PoolPickerDialog
from bwc_desk.ui.models.assignment_models import GONE, AssignmentUnitModel, PoolTableModel
from bwc_desk.ui.models.officer_table_model import OfficerTableModel, needs_attention
from bwc_desk.ui.models.table_model import Prepared
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.first_steps import FirstSteps
from bwc_desk.ui.views.shift_change import ShiftChangePanel, reselect
from bwc_desk.ui.widgets import ColumnFitter, FilteredTable

POOLED_ONLY = (
    "The agency shares all its cameras through pools (Agency settings: assignment model "
    "'pooled'), so officers have no primary camera."
)
OFFICERS_ONLY = (
    "The agency gives every officer a camera of their own (Agency settings: assignment model "
    "'officer'), so there are no pools."
)


@dataclass
class Gate:
    """A button, the permission it needs, and what else it needs now ('' when nothing)."""

    button: QPushButton
    permission: Permission
    blocked: Callable[[], str]
    tip: str = ""


class ActionPage(QWidget):
    """A page with gated buttons and a line for results and refusals."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.gates: list[Gate] = []
        self.mode = AssignmentMode.MIXED.value
        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.loaded = False
        self.dialog: QDialog | None = None  # the one open, for tests and for focus
        state.actor_changed.connect(lambda _a: self.update_buttons())

    def button(
        self, text: str, permission: Permission, blocked: Callable[[], str], tip: str = ""
    ) -> QPushButton:
        button = QPushButton(text, self)
        self.gates.append(Gate(button, permission, blocked, tip))
        return button

    def update_buttons(self) -> None:
        for gate in self.gates:
            if not self.state.can(gate.permission):
                gate.button.setEnabled(False)
                gate.button.setToolTip(self.state.why_not(gate.permission))
                continue
            why = gate.blocked()
            gate.button.setEnabled(not why)
            gate.button.setToolTip(why or gate.tip)

    def refresh(self) -> None:
        raise NotImplementedError

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b91c1c; font-weight: bold;" if error else "")
        self.message.setText(text)

    def refused(self, exc: BaseException) -> None:
        self.say(str(exc), error=True)

    def open(self, dialog: ServiceDialog, done: Callable[[Any], None]) -> None:
        """Run a dialog that writes through a service; ``done`` gets what it wrote."""
        self.dialog = dialog
        dialog.written.connect(done)
        try:
            dialog.exec()
        finally:
            self.dialog = None
            self.setFocus()


# --- the roster -------------------------------------------------------------------------------

SHOW_ALL = "All officers"
SHOW = {
    SHOW_ALL: None,
    "Active": lambda o: o.active,
    "Inactive": lambda o: not o.active,
    "Deactivated, still holding a camera": needs_attention,
    "Holding a camera now": lambda o: bool(o.holding),
    "Active, without a primary camera": lambda o: o.active and not o.primary_unit,
}


class RosterPage(ActionPage):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.choices = RosterChoices((), (), ())
        self.model = OfficerTableModel(self)
        self.table = FilteredTable(self.model, "Filter officers: name, badge, division, camera...")
        self.table.filter_edit.setObjectName("roster_filter")
        self.show_box = QComboBox(self)
        self.show_box.setObjectName("roster_show")
        self.show_box.addItems(list(SHOW))
        show_label = QLabel("Li&st", self)
        show_label.setBuddy(self.show_box)
        self.table.top.insertWidget(1, show_label)
        self.table.top.insertWidget(2, self.show_box)
        self.attention = QPushButton(self)
        self.attention.setObjectName("attention")
        self.attention.setStyleSheet("color: #b91c1c; font-weight: bold; text-align: left;")
        self.attention.setFlat(True)
        self.attention.hide()
        self.attention.clicked.connect(
            lambda: self.show_box.setCurrentText("Deactivated, still holding a camera")
        )

        manage, reassign = Permission.MANAGE_OFFICERS, Permission.REASSIGN
        self.new_button = self.button("&New officer...", manage, lambda: "", "Ctrl+N")
        self.edit_button = self.button("&Edit...", manage, self._one, "Enter on a row")
        self.deactivate_button = self.button("&Deactivate...", manage, self._active_one)
        self.reactivate_button = self.button("Reac&tivate...", manage, self._inactive_one)
        self.pin_button = self.button("Handover &PIN...", manage, self._one)
        self.assign_button = self.button("&Assign camera...", reassign, self._can_assign)
        self.unassign_button = self.button("&Unassign camera...", reassign, self._has_primary)
        self.swap_button = self.button(
            "S&wap cameras...", reassign, self._can_swap, "Exchange the primary cameras of two"
        )
        buttons = QHBoxLayout()
        for gate in self.gates:
            buttons.addWidget(gate.button)
        buttons.addStretch(1)
        # An empty roster: what to do first, in the table's place.
        self.first_steps = FirstSteps(state, self)
        self.first_steps.hide()
        self.first_steps.done.connect(self.say)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.first_steps, 1)
        layout.addWidget(self.attention)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

        self.new_button.clicked.connect(self.new_officer)
        self.edit_button.clicked.connect(self.edit_officer)
        self.deactivate_button.clicked.connect(self.deactivate)
        self.reactivate_button.clicked.connect(self.reactivate)
        self.pin_button.clicked.connect(self.set_pin)
        self.assign_button.clicked.connect(self.assign_camera)
        self.unassign_button.clicked.connect(self.unassign_camera)
        self.swap_button.clicked.connect(self.swap)
        self.table.activated_row.connect(lambda _row: self._activated())
        self.table.selection_changed.connect(self.update_buttons)
        self.show_box.currentTextChanged.connect(self._show)
        shortcut = QShortcut(QKeySequence.StandardKey.New, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.new_button.click)
        self.update_buttons()

    # --- what is selected -------------------------------------------------------------------
    def selected(self) -> list[OfficerRow]:
        return list(self.table.selected_rows())

    def _one(self) -> str:
        return "" if len(self.selected()) == 1 else "Select one officer first."

    def _active_one(self) -> str:
        rows = self.selected()
        if len(rows) != 1:
            return "Select one officer first."
        return "" if rows[0].active else f"{rows[0].label} is already inactive."

    def _inactive_one(self) -> str:
        rows = self.selected()
        if len(rows) != 1:
            return "Select one officer first."
        return "" if not rows[0].active else f"{rows[0].label} is active."

    def _can_assign(self) -> str:
        if self.mode == AssignmentMode.POOLED.value:
            return POOLED_ONLY
        why = self._active_one()
        return why.replace("already inactive", "not active") if why else ""

    def _has_primary(self) -> str:
        rows = self.selected()
        if len(rows) != 1:
            return "Select one officer first."
        return "" if rows[0].primary_unit else f"{rows[0].label} has no primary camera."

    def _can_swap(self) -> str:
        if self.mode == AssignmentMode.POOLED.value:
            return POOLED_ONLY
        rows = self.selected()
        if len(rows) != 2:
            return "Select two officers (Ctrl+click) to exchange their primary cameras."
        for o in rows:
            if not o.primary_unit:
                return f"{o.label} has no primary camera."
            if not o.active:
                return f"{o.label} is not active."
        return ""

    # --- loading ----------------------------------------------------------------------------
    def refresh(self) -> None:
        self.state.read(
            lambda ctx: OfficerTableModel.prepare(officers.list_officers(ctx)), self._loaded_rows
        )
        self.state.read(officers.roster_choices, self._choices)

    def _choices(self, choices: RosterChoices) -> None:
        self.choices = choices

    def _loaded_rows(self, prepared: Prepared[OfficerRow]) -> None:
        first = not self.loaded
        keep = [o.id for o in self.selected()]
        self.model.set_rows(prepared)
        self.loaded = True
        self._show()
        reselect(self.table, keep)
        flagged = [o for o in prepared.rows if needs_attention(o)]
        if flagged:
            names = ", ".join(o.label for o in flagged[:3]) + (" ..." if len(flagged) > 3 else "")
            self.attention.setText(
                f"{plural(len(flagged), 'deactivated officer')} still "
                f"hold{'s' if len(flagged) == 1 else ''} a camera: {names} (click to list them)"
            )
        self.attention.setVisible(bool(flagged))
        if first:
            self.table.fit_columns()
        self.update_buttons()
        empty = not prepared.rows
        if empty:
            self.state.read(
                lambda ctx: len(inventory.list_units(ctx)),
                lambda n: self.first_steps.set_counts(n, 0),
                lambda _exc: None,  # the panel still shows; the cameras' count is a nicety
            )
        self.first_steps.setVisible(empty)
        self.table.setVisible(not empty)

    def _show(self, *_args: Any) -> None:
        self.table.proxy.set_predicate(SHOW.get(self.show_box.currentText()))
        self.table.update_count()

    # --- actions ----------------------------------------------------------------------------
    def _activated(self) -> None:
        if self.edit_button.isEnabled():
            self.edit_officer()

    def _saved(self, verb: str) -> Callable[[Any], None]:
        def done(row: OfficerRow) -> None:
            self.model.upsert([row])
            self.say(f"{verb} {row.label}.")
            self.update_buttons()

        return done

    def new_officer(self) -> None:
        self.open(OfficerDialog(self.state, self.choices, None, self), self._saved("Added"))

    def edit_officer(self) -> None:
        rows = self.selected()
        if len(rows) == 1:
            dialog = OfficerDialog(self.state, self.choices, rows[0], self)
            self.open(dialog, self._saved("Saved"))

    def deactivate(self) -> None:
        rows = self.selected()
        if len(rows) == 1 and rows[0].active:
            self.open(DeactivateDialog(self.state, rows[0], self), self._saved("Deactivated"))

    def reactivate(self) -> None:
        rows = self.selected()
        if len(rows) != 1 or rows[0].active:
            return
        o = rows[0]
        dialog = ReasonDialog(
            self.state,
            f"Reactivate {o.label}",
            f"Put <b>{o.label}</b> back on the active roster?",
            lambda ctx, reason: officers.reactivate_officer(ctx, o.id, reason),
            "officers",
            parent=self,
        )
        dialog.ok_button.setText("Reac&tivate")
        self.open(dialog, self._saved("Reactivated"))

    def set_pin(self) -> None:
        rows = self.selected()
        if len(rows) == 1:
            dialog = HandoverPinDialog(self.state, rows[0], self)
            saved = self._saved("Handover PIN set for")
            cleared = self._saved("Handover PIN cleared for")
            self.open(dialog, lambda row: (cleared if dialog.cleared else saved)(row))

    def assign_camera(self) -> None:
        rows = self.selected()
        if len(rows) != 1:
            return
        o = rows[0]

        def done(unit: UnitRow) -> None:
            self.say(f"{unit.asset_tag} is now the primary camera of {o.label}.")

        self.open(CameraPickerDialog(self.state, o, self), done)

    def unassign_camera(self) -> None:
        rows = self.selected()
        if len(rows) != 1 or not rows[0].primary_unit:
            return
        o, tag = rows[0], rows[0].primary_unit
        dialog = ReasonDialog(
            self.state,
            f"Unassign {tag}",
            f"Take <b>{tag}</b> away from <b>{o.label}</b>? It becomes a spare.",
            lambda ctx, reason: assignments.unassign(ctx, tag, reason),
            "units",
            parent=self,
        )
        dialog.ok_button.setText("&Unassign")
        self.open(dialog, lambda _unit: self.say(f"{tag} is no longer {o.label}'s camera."))

    def swap(self) -> None:
        rows = self.selected()
        if self._can_swap():
            return
        a, b = rows

        def done(_units: Any) -> None:
            self.say(
                f"Swapped: {a.primary_unit} is now {b.label}'s, {b.primary_unit} is {a.label}'s."
            )

        dialog = ReasonDialog(
            self.state,
            "Swap cameras",
            f"Exchange the primary cameras of <b>{a.label}</b> ({a.primary_unit}) and "
            f"<b>{b.label}</b> ({b.primary_unit})?",
            lambda ctx, reason: assignments.swap_primaries(ctx, a.id, b.id, reason),
            "units",
            parent=self,
        )
        dialog.ok_button.setText("S&wap")
        self.open(dialog, done)


# --- cameras and pools ------------------------------------------------------------------------

SHOW_UNITS: dict[str, Callable[[UnitRow], bool] | None] = {
    "All cameras": None,
    "Spares (nobody's, no pool)": lambda u: (
        u.primary_officer_id is None and u.pool_id is None and u.status not in GONE
    ),
    "Officers' primary cameras": lambda u: u.primary_officer_id is not None,
    "In a pool": lambda u: u.pool_id is not None,
}


class CamerasPage(ActionPage):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.choices = RosterChoices((), (), ())
        self.pools: list[PoolRow] = []
        self.model = AssignmentUnitModel(self)
        self.table = FilteredTable(self.model, "Filter cameras: tag, officer, pool...")
        self.table.filter_edit.setObjectName("camera_filter")
        self.show_box = QComboBox(self)
        self.show_box.setObjectName("camera_show")
        self.show_box.addItems(list(SHOW_UNITS))
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
        for gate in self.gates:
            buttons.addWidget(gate.button)
        buttons.addStretch(1)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(pools_label)
        right_layout.addWidget(self.pool_view, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
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
        self.update_buttons()

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
        self.state.read(
            lambda ctx: AssignmentUnitModel.prepare(inventory.list_units(ctx)), self._loaded_rows
        )
        self.state.read(assignments.list_pools, self._loaded_pools)
        self.state.read(officers.roster_choices, self._choices)

    def _choices(self, choices: RosterChoices) -> None:
        self.choices = choices

    def _loaded_rows(self, prepared: Prepared[UnitRow]) -> None:
        first = not self.loaded
        keep = [u.id for u in self.selected()]
        self.model.set_rows(prepared)
        self.loaded = True
        self._show()
        reselect(self.table, keep)
        if first:
            self.table.fit_columns()
        self.update_buttons()

    def _loaded_pools(self, pools: list[PoolRow]) -> None:
        self.pools = pools
        self.pool_model.set_rows(pools)
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

    def _show(self, *_args: Any) -> None:
        text = self.show_box.currentText()
        if text.startswith("Pool: "):
            name = text.removeprefix("Pool: ")
            self.table.proxy.set_predicate(lambda u: u.pool == name)
        else:
            self.table.proxy.set_predicate(SHOW_UNITS.get(text))
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


# --- the tab ----------------------------------------------------------------------------------


class AssignmentsTab(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.roster = RosterPage(state, self)
        self.cameras = CamerasPage(state, self)
        self.shift_change = ShiftChangePanel(state, self)
        self.pages = QTabWidget(self)
        self.pages.setObjectName("assignment_pages")
        self.pages.addTab(self.roster, "R&oster")
        self.pages.addTab(self.cameras, "Cameras and poo&ls")
        self.pages.addTab(self.shift_change, "Shift chan&ge")
        # The roster's table and model, as the window and its tests know them.
        self.model = self.roster.model
        self.table = self.roster.table
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.pages.currentChanged.connect(lambda _i: self.ensure_loaded())
        state.data_changed.connect(self._changed)
        state.actor_changed.connect(lambda _a: self._read_mode())

    def ensure_loaded(self) -> None:
        page = self.pages.currentWidget()
        if page is self.shift_change:
            self.shift_change.ensure_loaded()
        elif isinstance(page, ActionPage) and not page.loaded:
            page.refresh()
        self._read_mode()

    def refresh(self) -> None:
        self.roster.refresh()

    def _read_mode(self) -> None:
        if self.state.actor is None:
            return
        self.state.read(settings.get_settings, self._mode, lambda _exc: None)

    def _mode(self, agency: settings.AgencySettings) -> None:
        for page in (self.roster, self.cameras):
            page.mode = agency.assignment_mode
            page.update_buttons()
        self.shift_change.set_mode(agency.assignment_mode)

    def _changed(self, what: str) -> None:
        if what in ("settings", "all"):
            self._read_mode()
        if what in ("officers", "units", "custody", "all"):
            for page in (self.roster, self.cameras):
                if page.loaded:
                    page.refresh()
        if what in ("officers", "units", "custody", "docks", "all"):
            self.shift_change.changed(what)

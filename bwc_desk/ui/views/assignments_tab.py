"""Assignments (Ctrl+2): the officer roster, whose camera is whose (officers' primary cameras
and pools of shared ones), and the shift change.

Three pages: Roster, Cameras and pools, Shift change. Every action is a button with a
mnemonic (and a few shortcuts); an action the signed-in role may not do is disabled, and its
tooltip says who may. The services enforce the same roles and write the custody records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.roles import Permission
from bwc_desk.domain.settings import AssignmentMode
from bwc_desk.domain.values import plural
from bwc_desk.services import assignments, inventory, officers, settings
from bwc_desk.services.changeset import TOPICS, ChangeSet
from bwc_desk.services.dto import OfficerRow, UnitRow
from bwc_desk.services.officers import RosterChoices
from bwc_desk.ui.dialogs.officer_dialogs import (
    CameraPickerDialog,
    DeactivateDialog,
    HandoverPinDialog,
    OfficerDialog,
    ReasonDialog,
)
from bwc_desk.ui.gates import Gate
from bwc_desk.ui.live_rows import LiveRows
from bwc_desk.ui.models.officer_table_model import OfficerTableModel, needs_attention
from bwc_desk.ui.models.table_model import RowTableModel
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.action_page import OFFICERS_ONLY, POOLED_ONLY, ActionPage
from bwc_desk.ui.views.cameras_page import SHOW_UNITS, CamerasPage
from bwc_desk.ui.views.first_steps import FirstSteps
from bwc_desk.ui.views.shift_change import ShiftChangePanel
from bwc_desk.ui.widgets import FilteredTable

__all__ = [
    "OFFICERS_ONLY",
    "POOLED_ONLY",
    "SHOW_UNITS",
    "ActionPage",
    "AssignmentsTab",
    "CamerasPage",
    "Gate",
    "RosterPage",
]


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
# What the roster shows: officers, their primary camera (its tag: "units") and the cameras
# out with them ("custody").
ROSTER_TOPICS = ("officers", "units", "custody")


def officers_touched(change: ChangeSet, model: RowTableModel[OfficerRow]) -> set[int]:
    """The officers whose roster row a change touches: those it names, and those whose
    primary camera it names (the service adds the officers holding a camera it names)."""
    ids = set(change.officers)
    if change.units:
        units = change.units
        ids.update(o.id for o in model.rows() if o.primary_unit_id in units)
    return ids


class RosterPage(ActionPage):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.choices = RosterChoices((), (), ())
        self.model = OfficerTableModel(self)
        # No debounce: the proxy narrows the rows already shown as each key is typed, well
        # within a frame at 40,000 officers (roster_filter_p99_ms in docs/benchmarks.md).
        self.table = FilteredTable(
            self.model, "Filter officers: name, badge, division, camera...", filter_delay_ms=0
        )
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
        self.evidence_button = self.button(
            "Export e&vidence...", Permission.EXPORT, self._one,
            "The officer's custody history for a court, with the signed ledger's hashes")
        buttons = QHBoxLayout()
        for button in self.buttons:
            buttons.addWidget(button)
        buttons.addStretch(1)
        # An empty roster: what to do first, in the table's place.
        self.first_steps = FirstSteps(state, self)
        self.first_steps.hide()
        self.first_steps.done.connect(self.say)
        state.changed.connect(self._cameras_changed)
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
        self.evidence_button.clicked.connect(self.export_evidence)
        self.table.activated_row.connect(lambda _row: self._activated())
        # An ID badge scanned here (or a badge typed, then Enter) selects that officer.
        self.table.find_on_enter(
            lambda o: (o.badge, o.scan_code or ""),
            hidden=lambda o: self._show_all(o.label),
            missed=lambda code, shown: self.say(
                f"{shown:,} officers match {code}: choose one in the list."
                if shown
                else f"No officer has the badge or ID card {code}.",
                error=not shown,
            ),
        )
        self.table.selection_changed.connect(self.update_buttons)
        self.show_box.currentTextChanged.connect(self._show)
        shortcut = QShortcut(QKeySequence.StandardKey.New, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.new_button.click)
        self.live = LiveRows(
            state,
            self.table,
            topics=ROSTER_TOPICS,
            read_all=lambda ctx: officers.list_officers(ctx),
            read_some=lambda ctx, ids, change: officers.officers_by_id(
                ctx, list(ids), list(change.units)
            ),
            affected=lambda change: officers_touched(change, self.model),
            watched=self,
        )
        self.live.shown.connect(self._rows_shown)
        self.update_buttons()
        # A badge scanned with the focus on a button or the List box: found all the same.
        self.table.scan_anywhere_in(self)
        self.table.code_entered.connect(lambda _code: self.say(""))  # (the last one's note)

    # --- what is selected -------------------------------------------------------------------
    def focus_home(self) -> QWidget:
        return self.table.table

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
        """Read the whole roster again (after the read in flight, if any)."""
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
        rows = self.model.rows()
        flagged = [o for o in rows if needs_attention(o)]
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
        empty = not rows
        if empty:
            self._count_cameras()
        self.first_steps.setVisible(empty)
        self.table.setVisible(not empty)

    def _cameras_changed(self, change: ChangeSet) -> None:
        # A camera added names no officer: the roster's rows do not move, the step does.
        if self.first_steps.isVisible() and change.touches("units"):
            self._count_cameras()

    def _count_cameras(self) -> None:
        self.state.read(
            lambda ctx: len(inventory.list_units(ctx)),
            lambda n: self.first_steps.set_counts(n, 0),
            lambda _exc: None,  # the panel still shows; the cameras' count is a nicety
            key=(self, "count"), bulk=True,
        )

    def _show(self, *_args: Any) -> None:
        self.table.set_predicate(SHOW.get(self.show_box.currentText()))
        self.table.update_count()

    def _show_all(self, who: str) -> None:
        """An officer scanned that the list chosen hid: every officer shown, and said."""
        chosen = self.show_box.currentText()
        self.show_box.setCurrentText(SHOW_ALL)
        self.say(f"{who} was not in the list {chosen!r}: showing {SHOW_ALL.lower()}.")

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

    def export_evidence(self) -> None:
        from bwc_desk.ui.dialogs.evidence_dialog import EvidenceDialog

        rows = self.selected()
        if len(rows) == 1:
            dialog = EvidenceDialog(self.state, f"officer {rows[0].label}",
                                    officer_badge=rows[0].badge, parent=self)
            self.open(dialog, lambda result: self.say(result.summary()))

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
        state.changed.connect(self._changed)
        state.actor_changed.connect(lambda _a: self._read_mode())

    def ensure_loaded(self) -> None:
        page = self.pages.currentWidget()
        if page is self.shift_change:
            self.shift_change.ensure_loaded()
        elif isinstance(page, (RosterPage, CamerasPage)):
            page.ensure_loaded()
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

    def _changed(self, change: ChangeSet) -> None:
        # The roster and the cameras follow their own rows (LiveRows); the mode and the shift
        # change board are read here.
        if change.touches("settings"):
            self._read_mode()
        if change.topics >= TOPICS and not change.complete:
            self.shift_change.changed("all")
            return
        for what in ("officers", "units", "custody", "docks"):
            if change.touches(what):
                self.shift_change.changed(what)

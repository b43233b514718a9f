"""Inventory (Ctrl+1): every unit, sortable, with a filter box and quick filters; a detail
panel beside the table that follows the selected row; actions on one unit or a selection.

Every action is in the toolbar and in the table's context menu (the Menu key opens it too),
disabled with a tooltip naming the role that may when the signed-in role may not. The
services enforce the roles and the rules; a refusal is shown in the dialog, in the service's
own words, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMenu,
    QMessageBox,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.roles import Permission
from bwc_desk.domain.units import UnitAction, UnitStatus
from bwc_desk.domain.units import can as can_take
from bwc_desk.domain.values import plural
from bwc_desk.services import assignments, officers
from bwc_desk.services.assignments import PoolRow
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.dto import UnitRow
from bwc_desk.ui.gates import Gate, Gates
from bwc_desk.ui.live_rows import unit_rows
from bwc_desk.ui.models.unit_table_model import UnitTableModel
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.first_steps import FirstSteps
from bwc_desk.ui.views.unit_detail import UnitDetailPanel
from bwc_desk.ui.widgets import FilteredTable, Place, camera_code_missed

ALL = "All"
# What Inventory shows: a camera entering or leaving a bay is a custody event ("docks" is the
# bays' own state, shown by the Docks view); a pool's name is in its cameras' rows.
TOPICS = ("units", "custody", "officers", "pools")
ONE, SOME = "one", "some"  # how many selected rows an action needs


class InventoryTab(QWidget):
    # After each refresh has been shown (tests and the benchmark wait on it).
    rows_loaded = Signal(int)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = UnitTableModel(self)
        # Each keystroke is answered (well under 50 ms at 25,000 units, see
        # benchmarks/inventory.py), so the shared table's debounce is not needed here.
        self.table = FilteredTable(
            self.model, "Filter units: tag, serial, model, officer, location...", filter_delay_ms=0
        )
        self.table.filter_edit.setObjectName("inventory_filter")
        self.status_box = QComboBox(self)
        self.status_box.setObjectName("status_filter")
        self.status_box.addItems([ALL] + [s.value for s in UnitStatus])
        self.model_box = QComboBox(self)
        self.model_box.setObjectName("model_filter")
        self.model_box.addItem(ALL)
        for box in (self.status_box, self.model_box):
            # Wide enough for the longest choice, whatever is chosen (the count beside the
            # filter box must not squeeze the chosen model out of sight).
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            box.setMinimumContentsLength(12)
        self.selected_label = QLabel(self)
        self.selected_label.setObjectName("selected_count")
        self.table.top.insertWidget(1, QLabel("Status"))
        self.table.top.insertWidget(2, self.status_box)
        self.table.top.insertWidget(3, QLabel("Model"))
        self.table.top.insertWidget(4, self.model_box)
        self.table.top.addWidget(self.selected_label)
        self.status_box.currentTextChanged.connect(self._quick_filter)
        self.model_box.currentTextChanged.connect(self._quick_filter)

        self.detail = UnitDetailPanel(state, self)
        self.detail.hide()
        self.detail.close_requested.connect(self.close_details)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        self.toolbar = QToolBar("Inventory", self)
        self.toolbar.setObjectName("inventory_toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        # Gated by the role of whoever is signed in now, and by the selection.
        self.gates = Gates(state, self, tooltip=_action_tip)
        self._build_actions()

        # An agency without a camera sees what to do first instead of an empty table.
        self.first_steps = FirstSteps(state, self)
        self.first_steps.hide()
        self.first_steps.done.connect(lambda text: state.message.emit(text, 8000))

        layout = QVBoxLayout(self)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.first_steps, 1)

        view = self.table.table
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._context_menu)
        self.table.activated_row.connect(self.open_details)
        # A camera scanned here (a tag or a serial typed, then Enter) is found and shown,
        # never the first row of whatever the table's own type-ahead jumped to.
        self.table.find_on_enter(
            lambda u: (u.asset_tag, u.serial),
            self.open_details,
            hidden=self._show_every_unit,
            missed=self._not_found,
        )
        self.table.scan_anywhere_in(self)  # (the details' history, a quick filter...)
        self._missed_said = False  # the status bar says a code was missed (_not_found)
        self.table.code_entered.connect(self._code_entered)
        self.table.selection_changed.connect(self._selection_changed)
        # Holding an arrow key moves through many rows: load the one the user stops on.
        self._follow_timer = QTimer(self)
        self._follow_timer.setSingleShot(True)
        self._follow_timer.setInterval(120)
        self._follow_timer.timeout.connect(self._follow)
        view.selectionModel().currentRowChanged.connect(lambda *_a: self._follow_timer.start())
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.close_details)

        self._select_next: int | None = None  # a unit just added: select it when listed
        self._fitted = False
        self.live = unit_rows(state, self.table, topics=TOPICS, watched=self)
        self.live.shown.connect(self._rows_shown)
        # The first steps count the roster too: an officer added (here or at another station)
        # names no camera, so the rows above do not move, but the panel's step does.
        state.changed.connect(self._roster_changed)
        self._update_actions()

    # --- actions --------------------------------------------------------------------------
    def _build_actions(self) -> None:
        def add(
            text: str,
            slot: Callable[[], None],
            permission: Permission,
            needs: str | None,
            what: str,
            shortcut: QKeySequence | str | None = None,
        ) -> QAction:
            action = QAction(text, self)
            action.setObjectName(f"action_{what.split()[0].lower()}")
            action.triggered.connect(lambda _checked=False: slot())
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                # Only while the Inventory is the view in use: other views have their own.
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
            self.toolbar.addAction(action)
            self.gates.add(action, permission, partial(self._blocked, action, needs))
            return action

        self.details_action = add(
            "&Details", self.toggle_details, Permission.READ, ONE, "details", "Ctrl+D"
        )
        self.toolbar.addSeparator()
        self.add_action = add(
            "&Add unit...", self.add_unit, Permission.MANAGE_UNITS, None, "add units", "Ctrl+N"
        )
        self.edit_action = add(
            "&Edit...", self.edit_unit, Permission.MANAGE_UNITS, ONE, "edit units", "F2"
        )
        self.move_action = add(
            "&Move...", self.move_units, Permission.MANAGE_UNITS, SOME, "move units"
        )
        self.toolbar.addSeparator()
        self.out_action = add(
            "&Out of service...",
            self.out_of_service,
            Permission.OUT_OF_SERVICE,
            SOME,
            "out-of-service units",
        )
        self.back_action = add(
            "Return to &service...",
            self.return_to_service,
            Permission.OUT_OF_SERVICE,
            SOME,
            "return units to service",
        )
        self.retire_action = add(
            "&Retire...", self.retire, Permission.OUT_OF_SERVICE, SOME, "retire units"
        )
        self.pool_action = add(
            "Put in &pool...", self.put_in_pool, Permission.REASSIGN, SOME, "pool units"
        )
        self.toolbar.addSeparator()
        self.labels_action = add(
            "Print &labels...", self.print_labels, Permission.READ, SOME, "labels", "Ctrl+P"
        )
        self.import_action = add(
            "&Import CSV...", self.import_csv, Permission.IMPORT, None, "import units"
        )

    def _blocked(self, action: QAction, needs: str | None) -> str:
        """Why ``action`` cannot be used on the selection now ('' when it can)."""
        n = len(self.table.table.selectionModel().selectedRows())
        if action is self.details_action and (self.detail.isVisible() or n):
            return ""  # open on the current row, or close
        if needs == ONE and n != 1:
            return "Select one unit first."
        if needs == SOME and n == 0:
            return "Select one or more units first."
        return self._no_unit_can(action) or ""

    def _update_actions(self) -> None:
        self.gates.update()
        self.details_action.setCheckable(True)
        self.details_action.setChecked(self.detail.isVisible())

    def _no_unit_can(self, action: QAction) -> str | None:
        """Why ``action`` is of no use on the selection (none of the selected cameras can take
        it: a retired camera cannot go to repair), or None. A selection of which only some
        can is left to the dialog, which names each one that cannot."""
        actions = {
            self.out_action: (UnitAction.REPAIR, UnitAction.MARK_LOST, UnitAction.MARK_STOLEN),
            self.back_action: (UnitAction.RETURN_TO_SERVICE,),
            self.retire_action: (UnitAction.RETIRE,),
        }
        statuses = {u.status for u in self.selected_units()}
        if action is self.pool_action:
            gone = {UnitStatus.RETIRED, UnitStatus.LOST, UnitStatus.STOLEN}
            if statuses and statuses <= gone:
                return f"{' or '.join(sorted(s.label for s in statuses))} cameras join no pool."
            return None
        wanted = actions.get(action)
        if wanted is None or not statuses:
            return None
        if any(can_take(a, s) for a in wanted for s in statuses):
            return None
        listed = " or ".join(sorted(s.label.lower() for s in statuses))
        return f"Not for a camera that is {listed}."

    def _selection_changed(self) -> None:
        n = len(self.table.table.selectionModel().selectedRows())
        self.selected_label.setText(f"{n:,} selected" if n > 1 else "")
        self._update_actions()

    def build_context_menu(self) -> QMenu:
        """The table's context menu: the toolbar's own actions, so states and tooltips match."""
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        for action in (
            self.details_action,
            None,
            self.edit_action,
            self.move_action,
            None,
            self.out_action,
            self.back_action,
            self.retire_action,
            self.pool_action,
            None,
            self.labels_action,
        ):
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        return menu

    def _context_menu(self, pos: Any) -> None:
        menu = self.build_context_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.table.table.viewport().mapToGlobal(pos))

    def selected_units(self) -> list[UnitRow]:
        rows: list[UnitRow] = self.table.selected_rows()
        return rows

    # --- the detail panel -----------------------------------------------------------------
    def open_details(self, row: UnitRow | None = None) -> None:
        """Show the panel on ``row`` (Enter or double-click) or on the current row."""
        current = self.table.current_row()
        row = row or current
        if row is None:
            return
        if current is None or current.id != row.id:
            # The table's current row and the panel show the same unit (the panel follows it).
            pos = self.model.position(row.id)
            index = (
                self.table.proxy.mapFromSource(self.model.index(pos, 0))
                if pos is not None
                else None
            )
            if index is not None and index.isValid():
                self.table.table.setCurrentIndex(index)
        if not self.detail.isVisible():
            self.detail.show()
            width = max(self.splitter.width(), 900)
            self.splitter.setSizes([int(width * 0.6), int(width * 0.4)])
        self.detail.show_unit(row.id)
        self._update_actions()

    def close_details(self) -> None:
        if self.detail.isVisible():
            self.detail.hide()
            self.table.table.setFocus()
        self._update_actions()

    def toggle_details(self) -> None:
        if self.detail.isVisible():
            self.close_details()
        else:
            self.open_details()

    def _follow(self) -> None:
        row = self.table.current_row()
        if self.detail.isVisible() and row is not None and row.id != self.detail.unit_id:
            self.detail.show_unit(row.id)

    # --- changing units -------------------------------------------------------------------
    def _models(self) -> list[str]:
        return sorted({u.model for u in self.model.rows() if u.model})

    def _done(self, dialog: Any, text: Callable[[Any], str]) -> None:
        if dialog.exec():
            self.state.message.emit(text(dialog.result_value), 8000)
        _dispose(dialog)
        self.table.table.setFocus()  # back to the list: the keyboard shortcuts work there

    def add_unit(self) -> None:
        from bwc_desk.ui.dialogs.unit_dialogs import UnitDialog

        dialog = UnitDialog(self.state, None, self._models(), self)
        # The new camera is selected once the list has it, ready for the next step (labels).
        dialog.accepted.connect(lambda: setattr(self, "_select_next", dialog.result_value.id))
        self._done(dialog, lambda u: f"{u.asset_tag} registered; it is available.")

    def edit_unit(self) -> None:
        from bwc_desk.ui.dialogs.unit_dialogs import UnitDialog

        units = self.selected_units()
        if len(units) != 1:
            return
        dialog = UnitDialog(self.state, units[0], self._models(), self)
        self._done(dialog, lambda u: f"{u.asset_tag} saved.")

    def move_units(self) -> None:
        """Record where the selected cameras are kept now (one custody record each)."""
        from bwc_desk.ui.dialogs.move_dialog import MoveDialog

        units = self.selected_units()
        if not units:
            return
        dialog = MoveDialog(self.state, units, self)

        def said(moved: int) -> str:
            where = " ".join(dialog.location_edit.text().split())
            rest = len(units) - moved
            return f"{plural(moved, 'camera')} moved to {where}" + (
                f"; {rest:,} {'was' if rest == 1 else 'were'} there already." if rest else "."
            )

        self._done(dialog, said)

    def out_of_service(self) -> None:
        from bwc_desk.ui.dialogs.unit_dialogs import OutOfServiceDialog

        units = self.selected_units()
        if units:
            dialog = OutOfServiceDialog(self.state, units, parent=self)
            self._done(dialog, lambda r: _changed_text(r))

    def return_to_service(self) -> None:
        self._status(UnitAction.RETURN_TO_SERVICE)

    def retire(self) -> None:
        self._status(UnitAction.RETIRE)

    def _status(self, action: UnitAction) -> None:
        from bwc_desk.ui.dialogs.unit_dialogs import StatusDialog

        units = self.selected_units()
        if units:
            dialog = StatusDialog(self.state, units, action, self)
            self._done(dialog, lambda r: _changed_text(r))

    def put_in_pool(self) -> None:
        units = self.selected_units()
        if units:
            self.state.read(assignments.list_pools, lambda pools: self._pool_dialog(units, pools))

    def _pool_dialog(self, units: list[UnitRow], pools: list[PoolRow]) -> None:
        from bwc_desk.ui.dialogs.unit_dialogs import PoolDialog

        if not pools:
            QMessageBox.information(
                self, "Put in a pool", "There are no pools yet. Create one in Assignments first."
            )
            return
        dialog = PoolDialog(self.state, units, pools, self)

        def said(n: int) -> str:
            pool = dialog.pool_box.currentText()
            rest = len(units) - n
            return f"{plural(n, 'camera')} put in {pool}" + (
                f"; {rest:,} {'was' if rest == 1 else 'were'} in it already." if rest else "."
            )

        self._done(dialog, said)

    def print_labels(self) -> None:
        from bwc_desk.ui.dialogs.labels_dialog import LabelsDialog

        units = self.selected_units()
        if units:
            LabelsDialog(self.state, units, self).exec()
            self.table.table.setFocus()

    def import_csv(self) -> None:
        from bwc_desk.ui.dialogs.import_dialog import ImportDialog

        dialog = ImportDialog(self.state, "units", self)
        dialog.exec()
        _dispose(dialog)
        self.table.table.setFocus()

    # --- the table --------------------------------------------------------------------------
    def _show_every_unit(self, row: UnitRow) -> None:
        """A camera scanned that Status or Model hid: both back to All, and said."""
        hid = [
            f"{name} ({box.currentText()})"
            for name, box in (("Status", self.status_box), ("Model", self.model_box))
            if box.currentText() != ALL
        ]
        self.status_box.setCurrentText(ALL)
        self.model_box.setCurrentText(ALL)
        self.state.message.emit(
            f"{row.asset_tag} is {row.status.label.lower()}: {' and '.join(hid)} set back to "
            f"{ALL} to show it.",
            10_000,
        )

    def _not_found(self, code: str, shown: int) -> None:
        """A code scanned that is no one camera's: no camera's details stay open."""
        self.close_details()
        # The code stays in the box, selected: the next scan replaces it (closing the
        # details gave the list the focus).
        self.table.filter_edit.setFocus()
        self.table.filter_edit.selectAll()
        self.state.message.emit(camera_code_missed(code, shown), 10_000)
        self._missed_said = True

    def _code_entered(self, _code: str) -> None:
        """The next code: what the status bar said of the last one missed goes."""
        if self._missed_said:
            self._missed_said = False
            self.state.message.emit("", 0)

    def _quick_filter(self, *_args: Any) -> None:
        status = self.status_box.currentText()
        model = self.model_box.currentText()
        if status == ALL and model == ALL:
            self.table.set_predicate(None)
        else:

            def keep(u: UnitRow) -> bool:
                return (status == ALL or u.status.value == status) and (
                    model == ALL or u.model == model
                )

            self.table.set_predicate(keep)
        self.table.update_count()

    def refresh(self) -> None:
        """Read every unit again (one list read at a time: a burst of requests costs one
        more read after the current one)."""
        self.live.reload()

    def _rows_shown(self, full: bool) -> None:
        """Rows were loaded (``full``) or patched: what depends on them follows."""
        new = self._select_next
        if new is not None and self.model.position(new) is not None:
            self._select_next = None
            self.table.restore(Place((new,), new), scroll=False)
            self.table.table.scrollTo(self.table.table.currentIndex())
        models = sorted({u.model for u in self.model.rows() if u.model})
        if models != self._models_listed():
            chosen = self.model_box.currentText()
            self.model_box.blockSignals(True)
            self.model_box.clear()
            self.model_box.addItems([ALL, *models])
            self.model_box.setCurrentText(chosen if chosen in models else ALL)
            self.model_box.blockSignals(False)
            if chosen != self.model_box.currentText():
                self._quick_filter()
        if full:
            self.table.fit_columns(grow_only=self._fitted)
            self._fitted = True
        self._selection_changed()
        self._empty_agency(self.model.rowCount() == 0)
        self.rows_loaded.emit(self.model.rowCount())

    def _models_listed(self) -> list[str]:
        return [self.model_box.itemText(i) for i in range(1, self.model_box.count())]

    def _roster_changed(self, change: ChangeSet) -> None:
        if self.first_steps.isVisible() and change.touches("officers"):
            self._count_officers()

    def _empty_agency(self, empty: bool) -> None:
        """No camera at all: the first steps take the table's place (and say whether the
        roster is in already)."""
        if empty:
            self.first_steps.set_counts(0, self.first_steps.officers)
            self._count_officers()
        self.first_steps.setVisible(empty)
        self.splitter.setVisible(not empty)

    def _count_officers(self) -> None:
        self.state.read(
            lambda ctx: len(officers.list_officers(ctx)),
            lambda n: self.first_steps.set_counts(0, n),
            lambda _exc: None,  # the panel still shows; the roster's count is a nicety
            key=(self, "count"), bulk=True,
        )

    def ensure_loaded(self) -> None:
        self.live.ensure_loaded()


def _dispose(dialog: Any) -> None:
    """A closed dialog is freed (an import preview holds every line of its file), unless its
    work is still running (the lock screen closed it): its answer still arrives there."""
    if not getattr(dialog, "_busy", False):
        dialog.deleteLater()


def _changed_text(result: Any) -> str:
    if isinstance(result, UnitRow):
        return f"{result.asset_tag} is now {result.status.value}."
    return f"{plural(result, 'unit')} changed in one transaction."


def _action_tip(gate: Gate, why: str) -> str:
    """'Edit (F2): Select one unit first.': the action, its keys, and why not."""
    action = gate.widget
    assert isinstance(action, QAction)
    base = action.text().replace("&", "").rstrip(".")
    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    label = f"{base} ({keys})" if keys else base
    return f"{label}: {why}" if why else label

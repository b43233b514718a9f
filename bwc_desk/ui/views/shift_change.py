"""Shift change, the third page of Assignments: a supervisor's board for the handover from
one shift to the next.

Three lists side by side: who of the outgoing shift still holds a camera, which cameras are
ready for the incoming shift, and the incoming officers. A camera is given to an officer by
dragging it onto the officer, or by selecting both and pressing Assign; either way after a
confirmation. "Reassign this shift's units" builds a proposal (nothing written), shown on a
second page to review and edit, then committed in one transaction, or refused as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QItemSelectionModel,
    Qt,
    QTimer,
)
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.settings import AssignmentMode
from bwc_desk.services import shift_change
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.dto import CheckoutRow, OfficerRow, UnitRow
from bwc_desk.services.shift_change import (
    Proposal,
    ReadyKind,
    ReadyUnit,
    ShiftBoard,
    ShiftChoices,
)
from bwc_desk.ui.gates import Gates
from bwc_desk.ui.models.checkout_table_model import CheckoutTableModel
from bwc_desk.ui.models.shift_change_models import IncomingOfficerModel, ReadyUnitModel
from bwc_desk.ui.models.table_model import Prepared
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.shift_proposal import ProposalPage
from bwc_desk.ui.widgets import FilteredTable

POOLED_ONLY = (
    "The agency shares all its cameras through pools (Agency settings: assignment model "
    "'pooled'); at shift change the incoming officers take pool cameras at the counter."
)
OK_STYLE = "color: #14532d; font-weight: bold;"
PICK_TWO = "Pick two different shifts: the one going off and the one coming on."
ERROR_STYLE = "color: #b91c1c; font-weight: bold;"


def reselect(table: FilteredTable, keys: Sequence[Any]) -> None:
    """Select again the rows with these keys, if they are still there and shown."""
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for key in keys:
        position = table.model.position(key)
        if position is None:
            continue
        index = table.proxy.mapFromSource(table.model.index(position, 0))
        if index.isValid():
            table.table.selectionModel().select(index, flags)
            table.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.NoUpdate
            )


def _group(title: str, *widgets: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    for widget in widgets:
        layout.addWidget(widget)
    return box


class ShiftChangePanel(ProposalPage, QWidget):
    board_loaded = QtSignal()  # after every (re)load of the three lists
    proposal_ready = QtSignal()
    committed = QtSignal(object)  # the CommitResult
    assigned = QtSignal(object)  # the UnitRow after a drag or Assign

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.mode = AssignmentMode.MIXED.value
        self.board: ShiftBoard | None = None
        self.proposal: Proposal | None = None
        self.loaded = False
        self._choices_loaded = False
        self._generation = 0
        self._busy = False
        self._recheck_said = False  # the proposal's message is a recheck's (cleared with it)
        self._dock_timer = QTimer(self)
        self._dock_timer.setSingleShot(True)
        self._dock_timer.setInterval(5000)
        self._dock_timer.timeout.connect(self._docks_moved)
        self._build_board()
        self._build_proposal()
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.board_page)
        self.stack.addWidget(self.proposal_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        state.actor_changed.connect(lambda _a: self._actor_changed())
        state.changed.connect(self._on_change)
        self._stale = False
        # Reassigning needs the role of whoever is signed in now (ui/gates.py), then a mode
        # with primary cameras, then what each button needs on the board.
        self.gates = Gates(state, self)
        busy = "Wait: the last change is being written."
        self.gates.add(
            self.propose_button,
            Permission.REASSIGN,
            lambda: self._mode_blocked() or (busy if self._busy else ""),
            "Pair the outgoing shift's primary cameras with incoming officers who have "
            "none; you review the proposal before anything is written.",
        )
        self.gates.add(
            self.assign_button,
            Permission.REASSIGN,
            lambda: self._mode_blocked() or self._assign_blocked() or (busy if self._busy else ""),
            "Ctrl+Enter; or drag the camera",
        )
        self.gates.add(
            self.commit_button,
            Permission.REASSIGN,
            lambda: self._mode_blocked()
            or ("" if self.proposal_model.rowCount() else "No rows left.")
            or (busy if self._busy else ""),
        )
        self.update_buttons()

    # --- building ---------------------------------------------------------------------------
    def _build_board(self) -> None:
        page = self.board_page = QWidget(self)
        self.outgoing_box = QComboBox(page)
        self.outgoing_box.setObjectName("outgoing")
        self.incoming_box = QComboBox(page)
        self.incoming_box.setObjectName("incoming")
        out_label = QLabel("O&utgoing shift", page)
        out_label.setBuddy(self.outgoing_box)
        in_label = QLabel("&Incoming shift", page)
        in_label.setBuddy(self.incoming_box)
        self.refresh_button = QPushButton("Reloa&d", page)
        self.propose_button = QPushButton(
            "&Reassign this shift's units to the incoming officers...", page
        )
        self.propose_button.setObjectName("propose")
        top = QHBoxLayout()
        for w in (out_label, self.outgoing_box, QLabel("->"), in_label, self.incoming_box):
            top.addWidget(w)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        top.addWidget(self.propose_button)

        self.out_model = CheckoutTableModel(page)
        self.out_table = FilteredTable(self.out_model, "Filter: officer, badge, camera")
        self.ready_model = ReadyUnitModel(page)
        self.ready_table = FilteredTable(self.ready_model, "Filter: camera, officer, pool")
        self.ready_table.filter_edit.setObjectName("ready_filter")
        view = self.ready_table.table
        view.setDragEnabled(True)
        view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        view.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.show_held_box = QCheckBox("Also show cameras the doc&k holds back", page)
        self.officer_model = IncomingOfficerModel(page)
        self.officer_table = FilteredTable(self.officer_model, "Filter: name, badge, division")
        self.officer_table.filter_edit.setObjectName("incoming_filter")
        view = self.officer_table.table
        view.setAcceptDrops(True)
        view.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        view.setDragDropOverwriteMode(True)  # a drop lands on a row, never between rows
        view.setDropIndicatorShown(True)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.ready_table.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # What a supervisor needs at a handover: who, which camera, when it is due back.
        for column in (CheckoutTableModel.COL_OUT, CheckoutTableModel.COL_BY):
            self.out_table.table.setColumnHidden(column, True)
        self.ready_table.table.setColumnHidden(ReadyUnitModel.COL_MODEL, True)
        # Titles at the left: a wide last column would centre its title out of sight.
        for table in (self.out_table, self.ready_table, self.officer_table):
            table.table.horizontalHeader().setDefaultAlignment(
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            )
        self.out_group = _group("Outgoing: still holding a camera", self.out_table)
        self.ready_group = _group(
            "Ready for the incoming shift", self.ready_table, self.show_held_box
        )
        self.officer_group = _group("Incoming officers (drop a camera on one)", self.officer_table)
        splitter = QSplitter(Qt.Orientation.Horizontal, page)
        for group in (self.out_group, self.ready_group, self.officer_group):
            splitter.addWidget(group)
        splitter.setSizes([420, 440, 520])

        self.assign_button = QPushButton(
            "&Assign the selected camera to the selected officer", page
        )
        self.assign_button.setObjectName("assign")
        self.message = QLabel(page)
        self.message.setObjectName("shift_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bottom = QHBoxLayout()
        bottom.addWidget(self.assign_button)
        bottom.addWidget(self.message, 1)
        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

        self.outgoing_box.currentIndexChanged.connect(lambda _i: self.load_board())
        self.incoming_box.currentIndexChanged.connect(lambda _i: self.load_board())
        self.refresh_button.clicked.connect(self.load_board)
        self.propose_button.clicked.connect(self.propose)
        self.assign_button.clicked.connect(self.assign_selected)
        self.show_held_box.toggled.connect(lambda _on: self._ready_filter())
        self.officer_model.units_dropped.connect(self._dropped)
        self.ready_table.selection_changed.connect(self.update_buttons)
        self.officer_table.selection_changed.connect(self.update_buttons)
        assign = QShortcut(QKeySequence("Ctrl+Return"), page)
        assign.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        assign.activated.connect(self._assign_shortcut)

    # --- permissions ------------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        """Called whenever Agency settings change (here or at another station): the mode, and
        the agency's shifts, which may have changed too."""
        self.mode = mode
        self.update_buttons()
        if self._choices_loaded:
            self.state.read(shift_change.shift_choices, self._choices, lambda _exc: None)

    def _may_reassign(self) -> str:
        if not self.state.can(Permission.REASSIGN):
            return self.state.why_not(Permission.REASSIGN)
        return self._mode_blocked()

    def _mode_blocked(self) -> str:
        return POOLED_ONLY if self.mode == AssignmentMode.POOLED.value else ""

    def _actor_changed(self) -> None:
        # Someone else at the desk: the last person's messages are not theirs to read.
        self.message.clear()
        self.update_buttons()
        if self.board is not None:
            self._titles_for_role()

    def _titles_for_role(self) -> None:
        title = self.officer_group.title().removesuffix(": drop a camera on one")
        hint = "" if self._may_reassign() else ": drop a camera on one"
        self.officer_group.setTitle(title + hint)

    def update_buttons(self) -> None:
        why = self._may_reassign()
        self.officer_model.drops_enabled = not why
        self.ready_table.table.setDragEnabled(not why)
        self.gates.update()
        self.remove_button.setEnabled(not self._busy)
        self.back_button.setEnabled(not self._busy)

    def _assign_blocked(self) -> str:
        if len(self.ready_table.selected_rows()) != 1:
            return "Select a camera in the ready list."
        if len(self.officer_table.selected_rows()) != 1:
            return "Select an incoming officer."
        return ""

    # --- loading ----------------------------------------------------------------------------
    def ensure_loaded(self) -> None:
        if not self._choices_loaded:
            self.state.read(shift_change.shift_choices, self._choices)
        elif not self.loaded:
            self.load_board()

    def _choices(self, choices: ShiftChoices) -> None:
        # A reload after a change of the agency's shifts keeps what the supervisor picked,
        # as long as those shifts still exist.
        keep = self.shifts() if self._choices_loaded else ("", "")
        for box, current, kept in (
            (self.outgoing_box, choices.outgoing, keep[0]),
            (self.incoming_box, choices.incoming, keep[1]),
        ):
            box.blockSignals(True)
            box.clear()
            box.addItems(list(choices.names))
            box.setCurrentText(kept if kept in choices.names else current)
            box.blockSignals(False)
        self._choices_loaded = True
        if self.loaded and not self.isVisible():
            self._stale = True  # (the agency's settings read again while hidden: when shown)
        else:
            self.load_board()

    def shifts(self) -> tuple[str, str]:
        return self.outgoing_box.currentText(), self.incoming_box.currentText()

    def load_board(self) -> None:
        if not self._choices_loaded:
            return
        outgoing, incoming = self.shifts()
        self._generation += 1
        generation = self._generation
        if not outgoing or not incoming or outgoing == incoming:
            self.say(PICK_TWO, True)
            return
        if self.message.text() == PICK_TWO:
            self.say("")

        def read(ctx: Any) -> tuple[ShiftBoard, Prepared[Any], Prepared[Any], Prepared[Any]]:
            board = shift_change.board(ctx, outgoing, incoming)
            return (
                board,
                CheckoutTableModel.prepare(board.still_out),
                ReadyUnitModel.prepare(board.units),
                IncomingOfficerModel.prepare(board.incoming_officers),
            )

        if not self.loaded:  # (the counts say "loading...", not 0, until the first board)
            for table in (self.out_table, self.ready_table, self.officer_table):
                table.rows_pending()
        self.state.read(read, lambda r: self._board(generation, *r), key=(self, "b"), bulk=True)

    def _board(
        self,
        generation: int,
        board: ShiftBoard,
        out: Prepared[CheckoutRow],
        ready: Prepared[ReadyUnit],
        incoming: Prepared[OfficerRow],
    ) -> None:
        if generation != self._generation:
            return  # the supervisor picked other shifts since; a newer load is on its way
        first = not self.loaded
        self.board = board
        # A reload (the dock feed reports every few seconds) must not take away what the
        # supervisor has selected.
        keep = [
            (table, [table.model.key(r) for r in table.selected_rows()])
            for table in (self.ready_table, self.officer_table)
        ]
        self.out_model.set_rows(out)
        self.ready_model.set_rows(ready)
        self.officer_model.set_rows(incoming)
        self._ready_filter()
        for table, keys in keep:
            reselect(table, keys)
        for table in (self.out_table, self.ready_table, self.officer_table):
            table.rows_in()
        self.loaded = True
        pooled = len(board.pool_of)
        without = sum(1 for o in board.incoming_officers if not o.primary_unit) - pooled
        self.out_group.setTitle(
            f"{board.outgoing}: still holding a camera ({len(board.still_out)})"
        )
        held = len(board.units) - board.ready_count
        self.ready_group.setTitle(
            f"Ready for {board.incoming} ({board.ready_count}"
            + (f"; {held} held back by the dock)" if held else ")")
        )
        self.officer_group.setTitle(
            f"{board.incoming} officers ({len(board.incoming_officers)}, {without} without "
            "a camera"
            + (f", {pooled} use their division's pool" if pooled else "")
            + ")"
            + ("" if self._may_reassign() else ": drop a camera on one")
        )
        if first:
            for table in (self.out_table, self.ready_table, self.officer_table):
                table.fit_columns()
        self.update_buttons()
        self.board_loaded.emit()

    def _ready_filter(self) -> None:
        held = self.show_held_box.isChecked()
        self.ready_table.proxy.set_predicate(None if held else (lambda u: u.ready))
        self.ready_table.update_count()

    def changed(self, what: str) -> None:
        """(Kept for callers of the topic API: the panel follows AppState.changed itself.)"""

    def _on_change(self, change: ChangeSet) -> None:
        if not self.loaded:
            return
        self.recheck_if_touched(change)
        if change.touches("officers", "units", "custody"):
            if self.isVisible():
                self.load_board()
            else:
                self._stale = True  # hidden: read again when shown, not on every change
        # Readiness moves slowly: one reload for a burst of dock reports (and a steady
        # stream must not postpone it forever).
        elif change.touches("docks") and not self._dock_timer.isActive():
            self._dock_timer.start()

    def _docks_moved(self) -> None:
        if self.isVisible():
            self.load_board()
        else:
            self._stale = True  # (hidden: read when shown, as for the other changes)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale and self.loaded:
            self._stale = False
            self.load_board()

    def say(self, text: str, error: bool = False, done: bool = True) -> None:
        """A result in green, a refusal in red, anything else (cancelled) plain."""
        self.message.setStyleSheet(ERROR_STYLE if error else OK_STYLE if done else "")
        self.message.setText(text)

    # --- one camera to one officer ----------------------------------------------------------
    def _dropped(self, unit_ids: list[int], officer: OfficerRow) -> None:
        # After the drag has finished: a dialog opened inside a drop handler would run inside
        # the platform's drag loop.
        QTimer.singleShot(0, lambda: self.offer(unit_ids, officer))

    def _assign_shortcut(self) -> None:
        if self.assign_button.isEnabled():
            self.assign_selected()

    def assign_selected(self) -> None:
        units = self.ready_table.selected_rows()
        people = self.officer_table.selected_rows()
        if len(units) == 1 and len(people) == 1:
            self.offer([units[0].id], people[0])

    def offer(self, unit_ids: Sequence[int], officer: OfficerRow) -> None:
        """Confirm, then make the camera the officer's primary camera."""
        if why := self._may_reassign():
            self.say(why, True)
            return
        if len(unit_ids) != 1:
            self.say("Drop one camera on one officer: an officer has one primary camera.", True)
            return
        position = self.ready_model.position(unit_ids[0])
        if position is None:
            self.say("That camera is no longer on the board; refresh.", True)
            return
        unit = self.ready_model.row_at(position)
        if unit.kind == ReadyKind.PRIMARY and unit.owner_id == officer.id:
            self.say(
                f"{unit.asset_tag} is already the primary camera of {officer.label}.", done=False
            )
            return
        # The service refuses these too; saying so here saves a question that cannot succeed.
        uses = self.board.pool_of.get(officer.id, "") if self.board else ""
        why = (
            shift_change.pool_refusal(
                unit.owner, unit.division, unit.asset_tag, officer.label, officer.division
            )
            if unit.kind == ReadyKind.POOL
            else shift_change.pool_user_refusal(uses, officer.label)
            if unit.kind == ReadyKind.PRIMARY
            else ""
        )
        if why:
            self.say(f"{why[0].upper()}{why[1:]}. Nothing was changed.", True)
            return
        lines = [f"Make <b>{unit.asset_tag}</b> the primary camera of <b>{officer.label}</b>?"]
        if unit.kind == ReadyKind.PRIMARY:
            lines.append(f"{unit.owner} will have no primary camera.")
        elif unit.kind == ReadyKind.POOL:
            lines.append(f"It leaves the pool {unit.owner}.")
        if officer.primary_unit:
            lines.append(f"Their camera now, {officer.primary_unit}, becomes a spare.")
        if not unit.ready:
            lines.append(f"<span style='color:#b91c1c'>Not ready: {unit.not_ready}.</span>")
        outgoing, incoming = self.shifts()
        reason = shift_change.default_reason(outgoing, incoming)
        lines.append(f"Recorded as: {reason}.")
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Assign camera",
            "<br>".join(lines),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        if box.exec() != QMessageBox.StandardButton.Yes:
            self.say(f"{unit.asset_tag} was not assigned.", done=False)
            return
        tag, officer_id = unit.asset_tag, officer.id
        self._set_busy(True)
        self.state.write(
            lambda ctx: shift_change.assign_at_handover(ctx, tag, officer_id, reason),
            self._assigned,
            self._failed,
            changed="units",
        )

    def _assigned(self, unit: UnitRow) -> None:
        self._set_busy(False)
        self.say(f"{unit.asset_tag} is now the primary camera of {unit.primary_officer}.")
        self.assigned.emit(unit)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(exc, DomainError):
            raise exc
        self.say(str(exc), True)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.update_buttons()

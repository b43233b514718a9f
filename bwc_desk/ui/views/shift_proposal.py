"""The proposal page of Shift change: the batch reassignment under review. The supervisor
changes a row's incoming officer, removes rows, and commits all rows or none, after a
question that names every officer whose own camera the commit takes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.errors import DomainError
from bwc_desk.services import shift_change
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.shift_change import CommitResult, Move, Proposal, ProposalRefused
from bwc_desk.ui.models.proposal_model import ProposalModel
from bwc_desk.ui.widgets import FilteredTable

ERROR_STYLE = "color: #b91c1c; font-weight: bold;"

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QStackedWidget

    from bwc_desk.ui.state import AppState

    class _Base(QWidget):
        """What the page uses of ``ShiftChangePanel``."""

        state: AppState
        proposal: Proposal | None
        _busy: bool
        _recheck_said: bool
        stack: QStackedWidget
        board_page: QWidget
        proposal_ready: SignalInstance
        committed: SignalInstance

        def say(self, text: str, error: bool = False, done: bool = True) -> None: ...
        def _may_reassign(self) -> str: ...
        def _set_busy(self, busy: bool) -> None: ...
        def _failed(self, exc: BaseException) -> None: ...
        def shifts(self) -> tuple[str, str]: ...
        def update_buttons(self) -> None: ...

else:
    _Base = object


_ADVICE = ": take it out or make the proposal again"  # (the recheck's; the box says it once)


def attention_text(marked: Sequence[tuple[str, str]]) -> str:
    """What the commit says instead of asking while rows need attention: each such row by its
    camera (the table may be sorted or filtered), then that the commit would be refused."""
    k = len(marked)
    lines = [f"{k} row{' needs' if k == 1 else 's need'} attention:"]
    for tag, note in marked[:12]:
        note = note.removesuffix(_ADVICE)
        lines.append(f"  {note}" if note.startswith(tag) else f"  {tag}: {note}")
    if k > 12:
        lines.append(f"  ... and {k - 12} more (marked in the table)")
    it, select = ("it is", "it") if k == 1 else ("they are", "them")
    lines.append(
        f"The commit would be refused until {it} taken out (select {select}, then Remove or "
        "Del) or the proposal is made again; every row commits or none. Nothing was written."
    )
    return "\n".join(lines)


class CandidateDelegate(QStyledItemDelegate):
    """The editor of a proposal row's incoming officer: a combo of the incoming officers who
    have no camera, each saying whether another row already gives them one."""

    def __init__(self, source: ProposalModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        combo = QComboBox(parent)
        combo.setObjectName("candidate_editor")
        targets = self.source.targets()
        current = index.data(Qt.ItemDataRole.EditRole)
        for candidate in self.source.candidates.values():
            label = f"{candidate.label} - {candidate.division or 'no division'}"
            tag = targets.get(candidate.id)
            if tag and candidate.id != current:
                label += f" (gets {tag} in another row)"
            combo.addItem(label, candidate.id)
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        position = editor.findData(index.data(Qt.ItemDataRole.EditRole))
        editor.setCurrentIndex(max(position, 0))

    def setModelData(
        self,
        editor: QWidget,
        model: QAbstractItemModel,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class ProposalPage(_Base):
    """The proposal half of ``ShiftChangePanel`` (which holds its signals and state)."""

    def _build_proposal(self) -> None:
        page = self.proposal_page = QWidget(self)
        self.proposal_title = QLabel(page)
        self.proposal_title.setWordWrap(True)
        self.proposal_title.setStyleSheet("font-size: 15px;")
        self.proposal_model = ProposalModel(page)
        self.proposal_table = FilteredTable(self.proposal_model, "Filter: camera, officer")
        self.proposal_table.filter_edit.setObjectName("proposal_filter")
        view = self.proposal_table.table
        view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.delegate = CandidateDelegate(self.proposal_model, view)
        view.setItemDelegateForColumn(ProposalModel.COL_TO, self.delegate)
        self.proposal_notes = QLabel(page)
        self.proposal_notes.setWordWrap(True)
        self.reason_edit = QLineEdit(page)
        self.reason_edit.setObjectName("proposal_reason")
        reason = QFormLayout()
        reason.addRow("Reason in the custody &records", self.reason_edit)
        self.remove_button = QPushButton("R&emove the selected rows (Del)", page)
        self.back_button = QPushButton("&Back to the board", page)
        self.commit_button = QPushButton("&Commit", page)
        self.commit_button.setObjectName("commit")
        self.proposal_message = QLabel(page)
        self.proposal_message.setObjectName("proposal_message")
        self.proposal_message.setWordWrap(True)
        self.proposal_message.setStyleSheet(ERROR_STYLE)
        self.proposal_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.commit_button)
        layout = QVBoxLayout(page)
        layout.addWidget(self.proposal_title)
        layout.addWidget(self.proposal_table, 1)
        layout.addWidget(self.proposal_notes)
        layout.addLayout(reason)
        layout.addWidget(self.proposal_message)
        layout.addLayout(buttons)
        self.remove_button.clicked.connect(self.remove_rows)
        self.back_button.clicked.connect(self.back_to_board)
        self.commit_button.clicked.connect(self.commit)
        remove = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), view)
        remove.setContext(Qt.ShortcutContext.WidgetShortcut)
        remove.activated.connect(self.remove_rows)
        for signal in (
            self.proposal_model.modelReset,
            self.proposal_model.rowsRemoved,
            self.proposal_model.dataChanged,
        ):
            signal.connect(lambda *_a: self._proposal_counts())

    # --- the proposal -----------------------------------------------------------------------
    def propose(self) -> None:
        if why := self._may_reassign():
            self.say(why, True)
            return
        outgoing, incoming = self.shifts()
        self._set_busy(True)
        self.state.read(
            lambda ctx: shift_change.propose_reassignment(ctx, outgoing, incoming),
            self._proposed,
            self._failed,
        )

    def _proposed(self, proposal: Proposal) -> None:
        self._set_busy(False)
        if not proposal.moves:
            why = (
                f"Nothing to propose: no {proposal.incoming} officer is without a camera."
                if not proposal.candidates
                else f"Nothing to propose: no camera of the {proposal.outgoing} shift is "
                "on the shelf."
            )
            if proposal.pool_users:
                why += (
                    f" {len(proposal.pool_users)} {proposal.incoming} officer(s) without a "
                    "camera use their division's pool and take a pool camera at the counter; "
                    "no officer's own camera is taken for them."
                )
            if proposal.still_out:
                why += f" Still out: {', '.join(proposal.still_out[:5])}."
            self.say(why, True)
            return
        self.proposal = proposal
        self._recheck_said = False
        self.proposal_model.set_proposal(proposal)
        self.proposal_table.fit_columns()
        self.reason_edit.setText(proposal.reason)
        self.proposal_message.setText("")
        self.proposal_title.setText(
            f"<b>Proposal: {proposal.outgoing} -> {proposal.incoming}.</b> Each outgoing "
            "officer's camera goes to an incoming officer without one, same division first. "
            "Change the incoming officer of a row (double-click or F2), remove rows, then "
            "commit: all rows in one go, or none."
        )
        notes = []
        if proposal.still_out:
            more = " ..." if len(proposal.still_out) > 4 else ""
            notes.append(
                f"Not proposed, still out with their officers: {len(proposal.still_out)} "
                f"({', '.join(proposal.still_out[:4])}{more})."
            )
        if proposal.unpaired:
            notes.append(
                f"Left with their officers, nobody left to take them: {len(proposal.unpaired)}."
            )
        left = len(proposal.candidates) - len(proposal.moves)
        if left > 0:
            notes.append(f"{left} incoming officer(s) stay without a camera.")
        if proposal.pool_users:
            notes.append(
                f"Not offered an officer's camera: {len(proposal.pool_users)} who use their "
                "division's pool (they take a pool camera at the counter)."
            )
        self.proposal_notes.setText(" ".join(notes))
        self.stack.setCurrentWidget(self.proposal_page)
        self.proposal_table.table.setFocus()
        self.proposal_table.table.selectRow(0)
        self.update_buttons()
        self.proposal_ready.emit()

    def _proposal_counts(self) -> None:
        n = self.proposal_model.rowCount()
        k = self.proposal_model.attention()
        marked = f" ({k} need{'s' if k == 1 else ''} attention)" if k else ""
        self.commit_button.setText(f"&Commit {n} move{'s' if n != 1 else ''}{marked}")
        if not k and self._recheck_said:
            self._recheck_said = False
            self.proposal_message.setText("")
        self.update_buttons()

    # --- another station's change -----------------------------------------------------------
    def recheck_if_touched(self, change: ChangeSet) -> None:
        """A change (another station's, or this window's elsewhere) to a camera or officer of
        the open proposal: its rows are checked again as the commit would check them, so the
        supervisor learns now what the commit would refuse."""
        if self.proposal is None or self._busy or not self.proposal_model.rowCount():
            return
        if not change.touches("units", "custody", "officers", "pools", "settings"):
            return
        if not change.large():
            rows = self.proposal_model.rows()
            units = {m.unit_id for m in rows}
            people = {m.to_officer_id for m in rows}
            people |= {m.from_officer_id for m in rows if m.from_officer_id is not None}
            # (A target given another camera: the change names that camera and the officer.)
            if not (
                change.units & units
                or change.officers & people
                or change.touches("pools", "settings")
            ):
                return
        self.recheck()

    def recheck(self) -> None:
        moves = self.proposal_model.moves()
        self.state.read(
            lambda ctx: shift_change.recheck_proposal(ctx, moves),
            lambda problems: self._rechecked(moves, problems),
            self._recheck_failed,
            key=(self, "recheck"),
            parent=self,
        )

    def _rechecked(self, moves: list[Move], problems: tuple[tuple[int, str], ...]) -> None:
        if self.proposal is None or self._busy:
            return  # (gone back to the board, or committing: the commit's answer tells)
        self.proposal_model.apply_recheck(moves, problems)
        marked = [
            m.asset_tag
            for m in self.proposal_model.rows()
            if m.unit_id in self.proposal_model.problems
        ]
        if marked:
            more = f" and {len(marked) - 5} more" if len(marked) > 5 else ""
            self._recheck_said = True
            self.proposal_message.setStyleSheet(ERROR_STYLE)
            self.proposal_message.setText(
                f"Changed since this proposal was made: {', '.join(marked[:5])}{more} "
                "(marked in the table). The commit would refuse every row while they are in "
                "it: take them out or make the proposal again."
            )
        self._proposal_counts()

    def _recheck_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, DomainError):
            self.state.report(exc)  # (an outage: the window's status line says so)
        elif not self.state.silenced(exc):
            self.proposal_message.setText(
                f"Could not check the proposal again ({exc}); the commit checks every row."
            )

    def remove_rows(self) -> None:
        rows = self.proposal_table.selected_rows()
        if rows:
            self.proposal_model.remove_units([r.unit_id for r in rows])

    def back_to_board(self) -> None:
        if self._busy:
            return
        self.proposal = None
        self.proposal_model.set_rows([])
        self.stack.setCurrentWidget(self.board_page)

    def commit(self) -> None:
        if self._may_reassign() or self._busy:
            return
        moves = self.proposal_model.moves()
        if not moves:
            return
        if marked := self._marked():
            # The commit would be refused whole: say which rows and why, and ask nothing.
            refused = QMessageBox(
                QMessageBox.Icon.Warning,
                "Commit the shift change",
                attention_text(marked),
                QMessageBox.StandardButton.Cancel,
                self,
            )
            refused.setObjectName("commit_refused_question")
            refused.exec()
            return
        reason = self.reason_edit.text()
        if not reason.strip():
            # (Said now: the question named an empty reason, and Yes was then refused.)
            self.proposal_message.setStyleSheet("color: #b91c1c;")
            self.proposal_message.setText(
                "Give a reason: it is kept in the custody record of every move."
            )
            self.reason_edit.setFocus()
            return
        n = len(moves)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Commit the shift change",
            shift_change.commit_question(self.proposal_model.rows(), reason),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("commit_question")
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        if box.exec() != QMessageBox.StandardButton.Yes:
            return
        self._set_busy(True)
        self.proposal_message.setStyleSheet("")
        self.proposal_message.setText(f"Committing {n} moves...")
        self.state.write(
            lambda ctx: shift_change.commit_reassignment(ctx, moves, reason),
            self._committed,
            self._commit_refused,
            changed="units",
        )

    def _marked(self) -> list[tuple[str, str]]:
        """(camera, what is wrong) of each row that needs attention, in the model's order:
        marked by a recheck or a refused commit, or giving an officer a second camera."""
        model = self.proposal_model
        rows = model.rows()
        targets = Counter(r.to_officer_id for r in rows)
        return [
            (r.asset_tag, model.note(r))
            for r in rows
            if r.unit_id in model.problems or targets[r.to_officer_id] > 1
        ]

    def _committed(self, result: CommitResult) -> None:
        self._set_busy(False)
        self.back_to_board()
        self.say(result.message)
        self.committed.emit(result)

    def _commit_refused(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.proposal_message.setStyleSheet(ERROR_STYLE)
        if isinstance(exc, ProposalRefused):
            self.proposal_model.set_problems(exc.problems)
        elif not isinstance(exc, DomainError):
            raise exc
        self.proposal_message.setText(str(exc))

"""The shift-change proposal under review: one row per camera to move. The supervisor changes
the incoming officer of a row (the "To" column is editable, with a combo of the incoming
officers who have no camera) or removes rows; rows the service refused are marked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from bwc_desk.services.shift_change import Candidate, Move, Proposal, ProposedMove
from bwc_desk.ui.models.table_model import Column, Index, RowTableModel

CANDIDATE_ROLE = Qt.ItemDataRole.UserRole + 10


class ProposalModel(RowTableModel[ProposedMove]):
    COL_CAMERA, COL_FROM, COL_FROM_DIVISION, COL_TO, COL_TO_DIVISION, COL_NOTE = range(6)
    columns = (
        Column("Camera", lambda m: m.asset_tag),
        Column("From (outgoing)", lambda m: m.from_officer),
        Column("Division", lambda m: m.from_division),
        Column("To (incoming)", lambda m: m.to_officer, "Double-click or F2 to pick another"),
        Column("Division ", lambda m: m.to_division),
        Column("Note", lambda m: "same division" if m.same_division else "other division"),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.candidates: dict[int, Candidate] = {}
        self.problems: dict[int, str] = {}  # unit id -> what the service refused
        self._targets: Counter[int] = Counter()

    # --- content ----------------------------------------------------------------------------
    def set_proposal(self, proposal: Proposal) -> None:
        self.candidates = {c.id: c for c in proposal.candidates}
        self.problems = {}
        self.set_rows(list(proposal.moves))
        self._count_targets()

    def moves(self) -> list[Move]:
        return [m.move() for m in self.rows()]

    def set_problems(self, problems: Sequence[tuple[int, str]]) -> None:
        self.problems = dict(problems)
        self._everything_changed()

    def apply_recheck(self, checked: Sequence[Move], problems: Sequence[tuple[int, str]]) -> None:
        """The outcome of ``recheck_proposal`` for the rows as they were when it was asked:
        a row edited or removed since keeps what it has (an edit clears its mark anyway)."""
        found = dict(problems)
        current = {m.unit_id: m for m in self.moves()}
        for move in checked:
            if current.get(move.unit_id) != move:
                continue
            if move.unit_id in found:
                self.problems[move.unit_id] = found[move.unit_id]
            else:
                self.problems.pop(move.unit_id, None)
        self._everything_changed()

    def attention(self) -> int:
        """How many rows are marked: the commit would refuse them (and so all rows)."""
        return sum(
            1
            for m in self.rows()
            if m.unit_id in self.problems or self._targets[m.to_officer_id] > 1
        )

    def targets(self) -> dict[int, str]:
        """Officer id -> the camera a row gives them (for the editor's labels)."""
        return {m.to_officer_id: m.asset_tag for m in self.rows()}

    def note(self, row: ProposedMove) -> str:
        if row.unit_id in self.problems:
            return self.problems[row.unit_id]
        if self._targets[row.to_officer_id] > 1:
            return f"{row.to_officer} gets more than one camera: change one of the rows"
        return "same division" if row.same_division else "other division"

    def _count_targets(self) -> None:
        self._targets = Counter(m.to_officer_id for m in self.rows())

    def _everything_changed(self) -> None:
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1)
            )

    # --- Qt: editing ------------------------------------------------------------------------
    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == self.COL_TO and self.candidates:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        row = self.row_at(index.row())
        if role == Qt.ItemDataRole.EditRole and index.column() == self.COL_TO:
            return row.to_officer_id
        if role == Qt.ItemDataRole.DisplayRole and index.column() == self.COL_NOTE:
            return self.note(row)
        if role == Qt.ItemDataRole.BackgroundRole and (
            row.unit_id in self.problems or self._targets[row.to_officer_id] > 1
        ):
            return QBrush(QColor("#fee2e2"))
        return super().data(index, role)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        if index.column() != self.COL_TO or not 0 <= index.row() < self.rowCount():
            return False
        try:
            candidate = self.candidates.get(int(value))
        except (TypeError, ValueError):
            return False
        if candidate is None:
            return False
        row = self.row_at(index.row())
        if candidate.id == row.to_officer_id:
            return True
        self.problems.pop(row.unit_id, None)
        self.upsert([row.to(candidate)])
        self._count_targets()
        self._everything_changed()  # another row's "gets two cameras" note may change
        return True

    def remove_units(self, unit_ids: Sequence[int]) -> None:
        self.remove(list(unit_ids))
        for key in unit_ids:
            self.problems.pop(key, None)
        self._count_targets()
        self._everything_changed()

    def removeRows(self, row: int, count: int, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() or row < 0 or count <= 0 or row + count > self.rowCount():
            return False
        keys = [self.key(self.row_at(r)) for r in range(row, row + count)]
        self.remove(keys)
        for key in keys:
            self.problems.pop(key, None)
        self._count_targets()
        self._everything_changed()
        return True

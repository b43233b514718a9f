"""Assignments (Ctrl+2): the officer roster and who holds which camera."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from bwc_desk.services import officers
from bwc_desk.services.dto import OfficerRow
from bwc_desk.ui.models.officer_table_model import OfficerTableModel
from bwc_desk.ui.models.table_model import Prepared
from bwc_desk.ui.state import AppState
from bwc_desk.ui.widgets import FilteredTable


class AssignmentsTab(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = OfficerTableModel(self)
        self.table = FilteredTable(self.model, "Filter officers: name, badge, division, camera...")
        self.table.filter_edit.setObjectName("roster_filter")
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self._loaded = False
        state.data_changed.connect(self._changed)

    def refresh(self) -> None:
        self.state.read(
            lambda ctx: OfficerTableModel.prepare(officers.list_officers(ctx)), self._loaded_rows
        )

    def _loaded_rows(self, prepared: Prepared[OfficerRow]) -> None:
        first = not self._loaded
        self.model.set_rows(prepared)
        self._loaded = True
        if first:
            self.table.fit_columns()

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def _changed(self, what: str) -> None:
        if self._loaded and what in ("officers", "units", "custody", "all"):
            self.refresh()

"""Docks (Ctrl+4): every bay of every dock as last reported."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from bwc_desk.services import docks
from bwc_desk.services.docks import BayRow
from bwc_desk.ui.models.table_model import Column, Prepared, RowTableModel
from bwc_desk.ui.state import AppState
from bwc_desk.ui.widgets import FilteredTable


class BayTableModel(RowTableModel[BayRow]):
    columns = (
        Column("Dock", lambda b: b.dock),
        Column("Bay", lambda b: b.bay, align_right=True),
        Column("State", lambda b: b.state.label),
        Column(
            "Camera", lambda b: b.asset_tag or (f"{b.serial} (unregistered)" if b.serial else "")
        ),
        Column("Battery %", lambda b: b.battery, align_right=True),
        Column("Upload", lambda b: b.upload.describe() if b.upload else ""),
        Column("Error", lambda b: b.error),
        Column("Reported", lambda b: b.reported_at),
    )


class DocksTab(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = BayTableModel(self)
        self.table = FilteredTable(self.model, "Filter bays: dock, camera, state...")
        self.empty_label = QLabel("No dock has reported yet.")
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table)
        self._loaded = False
        state.data_changed.connect(self._changed)

    def refresh(self) -> None:
        self.state.read(lambda ctx: BayTableModel.prepare(docks.list_bays(ctx)), self._loaded_rows)

    def _loaded_rows(self, prepared: Prepared[BayRow]) -> None:
        self.model.set_rows(prepared)
        self._loaded = True
        self.empty_label.setVisible(not prepared.rows)

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def _changed(self, what: str) -> None:
        if self._loaded and what in ("docks", "units", "all"):
            self.refresh()

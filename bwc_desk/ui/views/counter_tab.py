"""Check-in / Check-out (Ctrl+3): what is out now, and with whom."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from bwc_desk.services import counter
from bwc_desk.services.dto import CheckoutRow
from bwc_desk.ui.models.checkout_table_model import CheckoutTableModel
from bwc_desk.ui.models.table_model import Prepared
from bwc_desk.ui.state import AppState
from bwc_desk.ui.widgets import FilteredTable


class CounterTab(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = CheckoutTableModel(self)
        self.out_table = FilteredTable(self.model, "Filter: camera, officer, badge...")
        self.out_table.filter_edit.setObjectName("out_filter")
        self.summary = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Out now</b>"))
        layout.addWidget(self.summary)
        layout.addWidget(self.out_table)
        self._loaded = False
        state.data_changed.connect(self._changed)

    def refresh(self) -> None:
        self.state.read(
            lambda ctx: CheckoutTableModel.prepare(counter.out_now(ctx)), self._loaded_rows
        )

    def _loaded_rows(self, prepared: Prepared[CheckoutRow]) -> None:
        first = not self._loaded
        self.model.set_rows(prepared)
        self._loaded = True
        overdue = self.model.overdue_count()
        self.summary.setText(
            f"{self.model.rowCount()} cameras out; {overdue} overdue"
            if overdue
            else f"{self.model.rowCount()} cameras out; none overdue"
        )
        if first:
            self.out_table.fit_columns()

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def _changed(self, what: str) -> None:
        if self._loaded and what in ("custody", "units", "officers", "all"):
            self.refresh()

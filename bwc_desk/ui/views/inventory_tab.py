"""Inventory (Ctrl+1): every unit, sortable, with a filter box and quick filters."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from bwc_desk.domain.units import UnitStatus
from bwc_desk.services import inventory
from bwc_desk.services.dto import UnitRow
from bwc_desk.ui.models.table_model import Prepared
from bwc_desk.ui.models.unit_table_model import UnitTableModel
from bwc_desk.ui.state import AppState
from bwc_desk.ui.widgets import FilteredTable

ALL = "All"


class InventoryTab(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = UnitTableModel(self)
        self.table = FilteredTable(self.model, "Filter units: tag, serial, model, officer...")
        self.table.filter_edit.setObjectName("inventory_filter")
        self.status_box = QComboBox(self)
        self.status_box.setObjectName("status_filter")
        self.status_box.addItems([ALL] + [s.value for s in UnitStatus])
        self.model_box = QComboBox(self)
        self.model_box.setObjectName("model_filter")
        self.model_box.addItem(ALL)
        self.table.top.insertWidget(1, QLabel("Status"))
        self.table.top.insertWidget(2, self.status_box)
        self.table.top.insertWidget(3, QLabel("Model"))
        self.table.top.insertWidget(4, self.model_box)
        self.status_box.currentTextChanged.connect(self._quick_filter)
        self.model_box.currentTextChanged.connect(self._quick_filter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self._loaded = False
        state.data_changed.connect(self._changed)

    def _quick_filter(self, *_args: Any) -> None:
        status = self.status_box.currentText()
        model = self.model_box.currentText()
        if status == ALL and model == ALL:
            self.table.proxy.set_predicate(None)
        else:

            def keep(u: UnitRow) -> bool:
                return (status == ALL or u.status.value == status) and (
                    model == ALL or u.model == model
                )

            self.table.proxy.set_predicate(keep)
        self.table.update_count()

    def refresh(self) -> None:
        self.state.read(
            lambda ctx: UnitTableModel.prepare(inventory.list_units(ctx)), self._loaded_rows
        )

    def _loaded_rows(self, prepared: Prepared[UnitRow]) -> None:
        first = not self._loaded
        self.model.set_rows(prepared)
        self._loaded = True
        models = sorted({u.model for u in prepared.rows if u.model})
        current = self.model_box.currentText()
        self.model_box.blockSignals(True)
        self.model_box.clear()
        self.model_box.addItems([ALL, *models])
        self.model_box.setCurrentText(current if current in models else ALL)
        self.model_box.blockSignals(False)
        self._quick_filter()
        if first:
            self.table.fit_columns()

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def _changed(self, what: str) -> None:
        if self._loaded and what in ("units", "custody", "officers", "docks", "all"):
            self.refresh()

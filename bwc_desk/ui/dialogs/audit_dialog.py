"""Administration > Audit log: every sign-in, refusal, account change, export... with filters.
Admins and auditors only (the service refuses anyone else)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.audit import AuditEvent, Outcome
from bwc_desk.services import audit
from bwc_desk.services.audit import AuditRow
from bwc_desk.ui.files import save_file
from bwc_desk.ui.models.audit_table_model import AuditTableModel
from bwc_desk.ui.ops import ExportOp
from bwc_desk.ui.state import AppState
from bwc_desk.ui.widgets import FilteredTable

ANY = "(any)"


class AuditDialog(QDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setWindowTitle("Audit log - BWC Desk")
        self.resize(1200, 640)
        self.model = AuditTableModel(self)
        self.table = FilteredTable(self.model, "Filter the rows shown")
        # Newest first, as the heading says (the first column is the record's number).
        self.table.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.event_box = QComboBox(self)
        self.event_box.addItems([ANY] + [e.value for e in AuditEvent])
        self.outcome_box = QComboBox(self)
        self.outcome_box.addItems([ANY] + [o.value for o in Outcome])
        self.user_edit = QLineEdit(self)
        self.user_edit.setPlaceholderText("staff user name")
        apply_button = QPushButton("&Show")
        export_button = QPushButton("&Export CSV...")
        top = QHBoxLayout()
        for label, widget in (
            ("Event", self.event_box),
            ("Outcome", self.outcome_box),
            ("Staff", self.user_edit),
        ):
            top.addWidget(QLabel(label))
            top.addWidget(widget)
        top.addWidget(apply_button)
        top.addStretch(1)
        top.addWidget(export_button)
        self.note = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table)
        layout.addWidget(self.note)
        apply_button.clicked.connect(self.refresh)
        self.user_edit.returnPressed.connect(self.refresh)
        export_button.clicked.connect(self._export)
        self.refresh()

    def refresh(self) -> None:
        event = "" if self.event_box.currentText() == ANY else self.event_box.currentText()
        outcome = "" if self.outcome_box.currentText() == ANY else self.outcome_box.currentText()
        user = self.user_edit.text()

        def load(ctx: Any) -> list[AuditRow]:
            return audit.list_audit(ctx, event=event, outcome=outcome, username=user)

        self.state.read(load, self._loaded)

    def _loaded(self, rows: list[AuditRow]) -> None:
        self.model.set_rows(rows)
        self.table.fit_columns()
        self.note.setText(
            f"{len(rows):,} records, newest first"
            + (" (the newest 5,000)" if len(rows) >= 5000 else "")
        )

    def _export(self) -> None:
        path = save_file(
            self, "Export the audit log", "audit.csv", "CSV files (*.csv)"
        )
        if path:
            self.state.run(
                ExportOp(
                    lambda ctx: audit.export_audit(ctx, path),
                    lambda n: self.note.setText(f"Exported {n:,} records to {path}"),
                    parent=self,
                )
            )

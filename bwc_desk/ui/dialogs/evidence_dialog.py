"""Export evidence...: the folder and the date range of a court-ready export of one camera's
or one officer's custody history (services/evidence.py). Run as an ExportOp (the bulk lane)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from bwc_desk.domain.errors import ValidationError
from bwc_desk.services.context import Ctx
from bwc_desk.services.evidence import EvidenceRequest, default_folder_name, export_evidence
from bwc_desk.ui.dialogs.service_dialog import Request, ServiceDialog
from bwc_desk.ui.files import start_folder
from bwc_desk.ui.ops import ExportOp
from bwc_desk.ui.state import AppState


def _free(folder: Path) -> Path:
    """``folder`` if it is new or empty, else the first free ``folder-2``, ``folder-3``..."""
    candidate, n = folder, 1
    while candidate.exists() and (not candidate.is_dir() or any(candidate.iterdir())):
        n += 1
        candidate = folder.with_name(f"{folder.name}-{n}")
    return candidate


class EvidenceDialog(ServiceDialog):
    """The result (``written``) is the service's ``EvidenceExport``."""

    def __init__(self, state: AppState, subject: str, *, unit_tag: str | None = None,
                 officer_badge: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(state, f"Export evidence: {subject}", parent)
        self.base = EvidenceRequest(unit_tag=unit_tag, officer_badge=officer_badge)
        intro = QLabel(
            f"The custody history of {subject} for a court: PDF and CSV, the hashes that link "
            "it to the signed ledger, a signed manifest, a certificate template and a checker "
            "(see README.txt in the folder).", self)
        intro.setWordWrap(True)
        self.folder_edit = QLineEdit(str(_free(start_folder() / default_folder_name(self.base))),
                                     self)
        self.folder_edit.setObjectName("evidence_folder")
        browse = QPushButton("&Browse...", self)
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        self.all_dates = QCheckBox("&All dates", self)
        self.all_dates.setObjectName("evidence_all_dates")
        self.all_dates.setChecked(True)
        today = QDate.currentDate()
        self.from_edit = QDateEdit(today.addMonths(-1), self)
        self.to_edit = QDateEdit(today, self)
        for edit, name in ((self.from_edit, "evidence_from"), (self.to_edit, "evidence_to")):
            edit.setObjectName(name)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.all_dates.toggled.connect(self._all_dates)
        form = QFormLayout()
        folder_label = QLabel("&Folder (new or empty)", self)
        folder_label.setBuddy(self.folder_edit)  # (a row of widgets: Alt+F needs a buddy)
        form.addRow(folder_label, folder_row)
        form.addRow("", self.all_dates)
        form.addRow("Fro&m", self.from_edit)
        form.addRow("&To (included)", self.to_edit)
        self.body.addWidget(intro)
        self.body.addLayout(form)
        self.ok_button.setText("E&xport")

    def _all_dates(self, on: bool) -> None:
        self.from_edit.setEnabled(not on)
        self.to_edit.setEnabled(not on)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Export evidence into", str(start_folder()))
        if chosen:
            folder = Path(chosen)
            if any(folder.iterdir()):  # a parent folder: the export gets a folder of its own
                folder = _free(folder / default_folder_name(self.base))
            self.folder_edit.setText(str(folder))

    def run_request(self, fn: Callable[[Ctx], Any], changed: str) -> None:
        """An export (the bulk lane, not the writer: a year of an officer's records would
        hold up every scan at the counter while it is written)."""
        self.state.run(ExportOp(fn, self._succeeded, parent=self, on_error=self._refused))

    def request(self) -> Request | None:
        text = self.folder_edit.text().strip()
        if not text:
            raise ValidationError("Choose the folder the export goes to.")
        folder = Path(text)
        start: date | None = None
        end: date | None = None
        if not self.all_dates.isChecked():
            d = self.from_edit.date()
            start = date(d.year(), d.month(), d.day())
            d = self.to_edit.date()
            end = date(d.year(), d.month(), d.day())
        request = EvidenceRequest(self.base.unit_tag, self.base.officer_badge, start, end)
        return (lambda ctx: export_evidence(ctx, request, folder)), ""

"""The Audit view: an audit of the cage. Start one (all cameras, a location or a pool), scan
every camera on the shelves with the barcode scanner (wherever the focus is in the view),
watch the five lists fill as scans and dock reports arrive, finish with a confirmation that
shows the counts, export the report to sign, and resolve the missing cameras' cases.

The audit lives in the database: after a restart the view picks the open audit up again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.roles import Permission
from bwc_desk.services import cage_audit, cage_audit_cases, unit_location
from bwc_desk.services.cage_audit_report import LISTS, AuditInfo, AuditLists, CaseRow, ScanOutcome
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.context import Ctx
from bwc_desk.ui.feedback import Feedback, Sound
from bwc_desk.ui.files import save_file
from bwc_desk.ui.gates import Gates
from bwc_desk.ui.models.audit_list_models import AuditLineModel, CaseTableModel
from bwc_desk.ui.models.rows import Prepared
from bwc_desk.ui.ops import ExportOp, Lane, MutationOp, QueryOp
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.audit_dialogs import ResolveCaseDialog, StartAuditDialog
from bwc_desk.ui.views.counter_parts import ScannerKeys
from bwc_desk.ui.widgets import FilteredTable

log = logging.getLogger(__name__)
REFRESH_MS = 5000  # a dock that stops reporting turns its cameras back to missing
COLOURS = {
    "found": "#15803d",
    "wrong place": "#b45309",
    "unexpected": "#b91c1c",
    "already": "#1d4ed8",
    "refused": "#b91c1c",
}


@dataclass(frozen=True)
class AuditSnapshot:
    """One read for the whole view: the audits to pick from, the chosen one's lists
    (prepared for the tables) and the open cases."""

    audits: list[AuditInfo]
    lists: AuditLists | None
    prepared: dict[str, Prepared[Any]]
    cases: Prepared[CaseRow]


def read_snapshot(ctx: Ctx, wanted: int | None) -> AuditSnapshot:
    audits = cage_audit.list_audits(ctx, limit=30)
    ids = [a.id for a in audits]
    if wanted not in ids:
        wanted = next((a.id for a in audits if a.state == "open"), ids[0] if ids else None)
    lists = cage_audit.audit_lists(ctx, wanted) if wanted is not None else None
    prepared = {
        name: AuditLineModel.prepare(lists.by_name(name) if lists else ()) for name in LISTS
    }
    return AuditSnapshot(
        audits, lists, prepared, CaseTableModel.prepare(cage_audit_cases.open_cases(ctx))
    )


class AuditTab(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setObjectName("audit_tab")
        self.snapshot: AuditSnapshot | None = None
        self._loaded = False
        self.audit_box = QComboBox(self)
        self.audit_box.setObjectName("audit_picker")
        self.audit_box.setMinimumWidth(320)
        self.audit_box.activated.connect(lambda _i: self.refresh())
        self.start_button = QPushButton("&Start an audit...", self)
        self.start_button.clicked.connect(self.start)
        self.finish_button = QPushButton("&Finish audit...", self)
        self.finish_button.clicked.connect(self.finish)
        self.export_button = QPushButton("E&xport report...", self)
        self.export_button.clicked.connect(self.export)
        top = QHBoxLayout()
        top.addWidget(QLabel("Audit:", self))
        top.addWidget(self.audit_box, 1)
        for button in (self.start_button, self.finish_button, self.export_button):
            top.addWidget(button)

        self.where_edit = QLineEdit(self)
        self.where_edit.setObjectName("audit_where")
        self.where_edit.setMaxLength(120)
        self.where_edit.setPlaceholderText("where you are scanning (a shelf, a room)")
        self.scan_edit = QLineEdit(self)
        self.scan_edit.setObjectName("audit_scan")
        self.scan_edit.setPlaceholderText("Scan each camera on the shelves (or type its tag)")
        self.scan_edit.setStyleSheet("font-size: 18px; padding: 6px;")
        self.scan_edit.returnPressed.connect(self._enter)
        scan_row = QHBoxLayout()
        scan_row.addWidget(QLabel("Scanning at:", self))
        scan_row.addWidget(self.where_edit)
        scan_row.addWidget(self.scan_edit, 2)
        self.banner = QLabel(self)
        self.banner.setObjectName("audit_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.list_tabs = QTabWidget(self)
        self.list_tabs.setObjectName("audit_lists")
        self.models: dict[str, AuditLineModel] = {}
        self.tables: dict[str, FilteredTable] = {}
        for name in LISTS:
            model = AuditLineModel(self)
            table = FilteredTable(model, "Filter: camera, serial, place...", self)
            table.setObjectName(f"audit_{name.replace(' ', '_')}")
            self.models[name], self.tables[name] = model, table
            self.list_tabs.addTab(table, name.capitalize())

        self.case_model = CaseTableModel(self)
        self.case_table = FilteredTable(self.case_model, "Filter the open cases", self)
        self.case_table.setObjectName("audit_cases")
        self.case_table.activated_row.connect(self.resolve)
        self.resolve_button = QPushButton("&Resolve case...", self)
        self.resolve_button.clicked.connect(lambda: self.resolve(None))
        cases = QWidget(self)
        cases_layout = QVBoxLayout(cases)
        cases_layout.setContentsMargins(0, 0, 0, 0)
        cases_head = QHBoxLayout()
        cases_head.addWidget(QLabel("<b>Missing cameras: open cases</b>", cases), 1)
        cases_head.addWidget(self.resolve_button)
        cases_layout.addLayout(cases_head)
        cases_layout.addWidget(self.case_table)
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.keep_button = QPushButton("&Keep selected where seen", self)
        self.keep_button.setObjectName("keep_where_seen")
        self.keep_button.setToolTip(
            "Record the place each selected camera was seen as the place it is kept "
            "(a custody record each): for cameras that moved, or for a first count."
        )
        self.keep_button.clicked.connect(self.keep_where_seen)
        lists = QWidget(self)
        lists_layout = QVBoxLayout(lists)
        lists_layout.setContentsMargins(0, 0, 0, 0)
        lists_layout.addWidget(self.list_tabs)
        keep_row = QHBoxLayout()
        keep_row.addStretch(1)
        keep_row.addWidget(self.keep_button)
        lists_layout.addLayout(keep_row)
        split.addWidget(lists)
        split.addWidget(cases)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(scan_row)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)
        self.scanner = ScannerKeys(self, self.scan_edit, self.scan)
        self.feedback = Feedback()  # a beep per scan, as at the counter
        self.ask_path: Callable[[QWidget, str, str, str], str] = save_file
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        state.changed.connect(self._changed)
        state.actor_changed.connect(lambda _a: self._update_buttons())  # (before the gates)
        # Whoever is signed in now (the next person signs in on this window after the lock):
        # audits are run by whoever docks cameras; cases and places are a supervisor's.
        self.gates = Gates(state, self)
        for widget in (self.start_button, self.finish_button, self.scan_edit, self.where_edit):
            self.gates.add(widget, Permission.DOCK, partial(self._audit_blocked, widget))
        self.gates.add(self.resolve_button, Permission.OUT_OF_SERVICE)
        self.gates.add(self.keep_button, Permission.MANAGE_UNITS, tip=self.keep_button.toolTip())
        self._update_buttons()

    # --- reading ----------------------------------------------------------------------------
    @property
    def current(self) -> AuditInfo | None:
        return self.snapshot.lists.audit if self.snapshot and self.snapshot.lists else None

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.timer.start()
        self.refresh()
        self.scan_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self.timer.stop()

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def refresh(self) -> None:
        if self.state.actor is None:
            return
        wanted = self.audit_box.currentData()
        # On the bulk lane: the lists of an audit of all cameras hold every camera.
        self.state.run(
            QueryOp(
                lambda ctx: read_snapshot(ctx, wanted),
                self._show,
                parent=self,
                on_error=self._failed,
                key=(self, "audit"),
                lane=Lane.BULK,
            )
        )

    def _changed(self, change: ChangeSet) -> None:
        # Scans and cases ("audits"), dock reports, and cameras changing status or place.
        if change.touches("audits", "docks", "units", "custody") and (
            self.isVisible() or self._loaded
        ):
            if not self.isVisible():
                self._loaded = False  # stale: read again when shown
            elif change.topics - {"docks"}:
                self.refresh()
            # (Dock reports alone, twice a second from the feed: the view's timer reads them;
            # a read per report would drop each running read of a large audit for the next.)

    def _failed(self, exc: BaseException) -> None:
        self._say(f"The audit could not be read: {exc}", "refused")

    def _show(self, snap: AuditSnapshot) -> None:
        self._loaded = True
        self.snapshot = snap
        self.audit_box.blockSignals(True)
        self.audit_box.clear()
        for a in snap.audits:
            state = "open" if a.state == "open" else f"finished by {a.finished_by}"
            started = a.started_at.astimezone(self.state.ctx.zone)
            self.audit_box.addItem(
                f"#{a.id} {a.scope_label} ({state}; started {started:%Y-%m-%d %H:%M} by "
                f"{a.started_by})",
                a.id,
            )
        if snap.lists is not None:
            self.audit_box.setCurrentIndex(self.audit_box.findData(snap.lists.audit.id))
        self.audit_box.blockSignals(False)
        counts = snap.lists.counts() if snap.lists else dict.fromkeys(LISTS, 0)
        for i, name in enumerate(LISTS):
            self._set_rows(self.tables[name], snap.prepared[name])
            self.list_tabs.setTabText(i, f"{name.capitalize()} ({counts[name]})")
        self._set_rows(self.case_table, snap.cases)
        self._update_buttons()

    @staticmethod
    def _set_rows(table: FilteredTable, rows: Prepared[Any]) -> None:
        place = table.place()  # the selection and scroll stay as scans arrive
        table.model.set_rows(rows)
        table.restore(place)

    def _audit_blocked(self, widget: QWidget) -> str:
        """Why ``widget`` (start, finish, the scan and place fields) is of no use now."""
        audit = self.current
        if widget is self.start_button:
            return ""
        if audit is None or audit.state != "open":
            return "Start an audit, or pick an open one."
        if widget is self.where_edit and audit.scope == "location":
            return "An audit of one place: the place is the audit's."
        return ""

    def _update_buttons(self) -> None:
        audit = self.current
        is_open = audit is not None and audit.state == "open"
        self.export_button.setEnabled(audit is not None and not is_open)
        could_scan = self.scan_edit.isEnabled()
        self.gates.update()
        if self.scan_edit.isEnabled() and not could_scan and self.isVisible():
            # An audit just opened (started, or picked): the next scan goes to the field,
            # wherever the focus was while there was nothing to scan into.
            self.scan_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        if not is_open:
            self.scan_edit.setPlaceholderText("Start an audit (or pick an open one) to scan")
        else:
            self.scan_edit.setPlaceholderText("Scan each camera on the shelves (or type its tag)")

    # --- scanning ---------------------------------------------------------------------------
    def _enter(self) -> None:
        code = self.scan_edit.text()
        self.scan_edit.clear()
        if code.strip():
            self.scan(code)

    def scan(self, code: str) -> None:
        audit = self.current
        if audit is None or audit.state != "open":
            self._say("Start an audit, or pick an open one, before scanning.", "refused")
            return
        audit_id, where = audit.id, self.where_edit.text()
        self.state.run(
            MutationOp(
                lambda ctx: cage_audit.scan(ctx, audit_id, code, where),
                self._scanned,
                parent=self,
                on_error=self._refused,
                changed="audits",
            )
        )

    def _scanned(self, outcome: ScanOutcome) -> None:
        self._say(outcome.message, outcome.kind)
        self.feedback.play(Sound.OK if outcome.kind in ("found", "already") else Sound.NOTICE)
        self.refresh()

    def _refused(self, exc: BaseException) -> None:
        self._say(str(exc), "refused")
        self.feedback.play(Sound.ERROR)

    def _say(self, text: str, kind: str) -> None:
        self.banner.setText(text)
        self.banner.setStyleSheet(
            f"color: {COLOURS.get(kind, '#111827')}; font-size: 16px; font-weight: bold;"
        )

    # --- start, finish, export ------------------------------------------------------------
    def start(self) -> None:
        dialog = StartAuditDialog(self.state, self)
        if dialog.exec():
            started: AuditInfo = dialog.result_value
            self._say(f"Audit of {started.scope_label} started: scan every camera.", "found")
            self.audit_box.addItem(started.scope_label, started.id)
            self.audit_box.setCurrentIndex(self.audit_box.count() - 1)
            self.refresh()

    def finish_text(self) -> str:
        lists = self.snapshot.lists if self.snapshot else None
        if lists is None:
            return ""
        c = lists.counts()
        lines = [f"Finish the audit of {lists.audit.scope_label}?", ""]
        lines += [f"{c[name]} {name}" for name in LISTS]
        if c["missing"]:
            tags = ", ".join(x.asset_tag for x in lists.missing[:10])
            more = f" and {c['missing'] - 10} more" if c["missing"] > 10 else ""
            lines += ["", f"A case is opened for each missing camera: {tags}{more}."]
        lines += ["", "The lists are then frozen into the report; nothing can be scanned."]
        return "\n".join(lines)

    def finish(self) -> None:
        audit = self.current
        if audit is None or audit.state != "open":
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Finish the audit",
            self.finish_text(),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        if box.exec() != QMessageBox.StandardButton.Yes:
            return
        audit_id = audit.id
        self.state.run(
            MutationOp(
                lambda ctx: cage_audit.finish_audit(ctx, audit_id),
                self._finished,
                parent=self,
                on_error=self._refused,
                changed="audits",
            )
        )

    def _finished(self, lists: AuditLists) -> None:
        self._say(
            f"Audit of {lists.audit.scope_label} finished: "
            f"{cage_audit.describe_counts(lists)}. Save the report to sign it.",
            "found",
        )
        self.refresh()
        self.export(lists.audit)  # finishing writes the report: ask where, at once

    def export(self, audit: AuditInfo | None = None) -> None:
        """Ask where to save a finished audit's report (the PDF goes beside the CSV)."""
        audit = audit or self.current
        if audit is None or audit.state == "open":
            return
        path = self.ask_path(
            self, "Save the audit report", f"cage-audit-{audit.id}.csv", "CSV files (*.csv)"
        )
        if path:
            self.export_to(Path(path), audit.id)

    def export_to(self, csv_path: Path, audit_id: int | None = None) -> None:
        if audit_id is None:
            audit = self.current
            assert audit is not None
            audit_id = audit.id
        pdf_path = csv_path.with_suffix(".pdf")
        self.state.run(
            ExportOp(
                lambda ctx: cage_audit.export_report(ctx, audit_id, csv_path, pdf_path),
                lambda _l: self._say(f"Report written: {csv_path} and {pdf_path.name}.", "found"),
                parent=self,
                on_error=self._refused,
            )
        )

    def keep_where_seen(self) -> None:
        name = LISTS[self.list_tabs.currentIndex()]
        picked = [x for x in self.tables[name].selected_rows() if x.seen_location]
        if not picked:
            self._say(
                "Select cameras that were seen at a place (Found or Wrong place), "
                "then Keep selected where seen.",
                "refused",
            )
            return
        moves = [(x.unit_id, x.seen_location) for x in picked]
        audit = self.current
        reason = f"Seen there in cage audit #{audit.id}" if audit else ""
        self.state.run(
            MutationOp(
                lambda ctx: unit_location.set_locations(ctx, moves, reason),
                lambda n: self._say(
                    f"{n} of {len(moves)} selected cameras now kept where seen.", "found"
                ),
                parent=self,
                on_error=self._refused,
                changed="units",
            )
        )

    # --- cases -----------------------------------------------------------------------------
    def resolve(self, case: CaseRow | None) -> None:
        if case is None:
            case = self.case_table.current_row()
        if case is None:
            self._say("Pick a case in the list, then Resolve.", "refused")
            return
        if not self.state.can(Permission.OUT_OF_SERVICE):
            self._say(self.state.why_not(Permission.OUT_OF_SERVICE), "refused")
            return
        dialog = ResolveCaseDialog(self.state, case, self)
        if dialog.exec():
            self._say(dialog.done_text(), "found")
            self.refresh()

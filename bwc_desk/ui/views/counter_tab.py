"""Check-in / Check-out (Ctrl+3): the counter, driven by a barcode scanner.

A scanner is a keyboard that types a code and presses Enter. Whenever this view is shown, and
after every dialog, the scan field has the keyboard focus. Scan an officer's ID badge and a
camera, in either order, and the camera is issued; scan a camera that is out and it is
returned. Every service call runs on a worker; the main thread only shows results.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.durations import window_text
from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Permission
from bwc_desk.services import counter
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.counter import (
    IssuePlan,
    IssueResult,
    NotDockedRow,
    ReturnResult,
    ScanKind,
    ScanMatch,
    UndoResult,
)
from bwc_desk.services.dto import CheckoutRow, OfficerRow
from bwc_desk.ui.feedback import Feedback, Sound
from bwc_desk.ui.models.checkout_table_model import CheckoutTableModel
from bwc_desk.ui.models.not_docked_model import NotDockedModel
from bwc_desk.ui.models.table_model import Prepared
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.counter_issue import IssueFlow
from bwc_desk.ui.views.counter_parts import (
    AlertList,
    ConditionRow,
    ScannerKeys,
    SearchPicker,
    card_html,
)
from bwc_desk.ui.widgets import FilteredTable

log = logging.getLogger(__name__)
STYLE = {
    "ok": "background:#dcfce7; color:#14532d; border:2px solid #16a34a;",
    "error": "background:#fee2e2; color:#991b1b; border:2px solid #dc2626;",
    "notice": "background:#fef9c3; color:#713f12; border:2px solid #ca8a04;",
    "idle": "background:#f1f5f9; color:#334155; border:2px solid #cbd5e1;",
}


class CounterTab(QWidget):
    # For tests and the benchmark: emitted after each scan has been fully handled.
    scan_handled = Signal(str)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.feedback = Feedback()
        self.officer: OfficerRow | None = None
        self.pending_unit: str | None = None
        self.last_seq: int | None = None
        self.last_at: datetime | None = None
        self._busy = False
        self._queue: list[str] = []
        # The officer of the last completed issue: their card stays in view, dimmed.
        self.done_officer: OfficerRow | None = None
        self.undo_seconds = 120  # the agency's setting, as the last transaction said
        self._build()
        # The scanner owns the view: keys at scanner speed ending in Enter are a scan,
        # whichever widget of the view has the focus.
        self.scanner = ScannerKeys(self, self.scan_edit, self._scanned_elsewhere)
        self.keys = self.scanner.burst
        self._loaded = False
        state.changed.connect(self._changed)
        state.actor_changed.connect(lambda _a: self._permissions())
        # The officer at the counter belongs to the one who scanned them: a lock or another
        # staff member signing in starts from no officer.
        state.actor_changed.connect(lambda _a: self._forget_officer())
        self._permissions()
        self._clock = QTimer(self)  # overdue times and the not-docked list move with time
        self._clock.setInterval(60_000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()

    # --- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.scan_edit = QLineEdit(self)
        self.scan_edit.setObjectName("scan")
        self.scan_edit.setPlaceholderText(
            "Scan an officer's ID badge or a camera - or type a name, badge or tag"
        )
        self.scan_edit.setStyleSheet("font-size: 18px; padding: 6px;")
        self.scan_edit.returnPressed.connect(self._enter)
        self.scan_edit.installEventFilter(self)
        self.picker = SearchPicker(self.state, self.scan_edit, self._picked, self)

        self.end_of_shift = QCheckBox("&End-of-shift mode (returns only, no questions)", self)
        self.end_of_shift.setObjectName("end_of_shift")
        self.end_of_shift.toggled.connect(self._mode_changed)
        self.lineup_button = QPushButton("&Line-up sheet...", self)
        self.lineup_button.clicked.connect(self._lineup)
        self.undo_button = QPushButton("&Undo last (Ctrl+Z)", self)
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo)
        undo = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)
        undo.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo.activated.connect(self.undo)

        self.banner = QLabel("Ready. Scan a badge or a camera.", self)
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setMinimumHeight(64)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._show("idle", "Ready. Scan a badge or a camera.")
        self.spare_button = QPushButton(self)
        self.spare_button.hide()
        self.spare_button.clicked.connect(self._issue_spare)

        self.card = QLabel(self)
        self.card.setObjectName("officer_card")
        self.card.setWordWrap(True)
        self.card.setFrameShape(QFrame.Shape.StyledPanel)
        self.card.setMinimumWidth(360)
        self.card.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.clear_officer_button = QPushButton("Clear officer (Esc)", self)
        self.clear_officer_button.clicked.connect(self.clear_officer)
        self._show_card()

        self.condition_row = ConditionRow(self)
        self.damaged_box = self.condition_row.damaged_box
        self.missing_box = self.condition_row.missing_box
        self.note_edit = self.condition_row.note_edit
        self.applied_label = self.condition_row.applied_label
        self.alert_list = AlertList(self.state, self)

        self.model = CheckoutTableModel(self)
        self.out_table = FilteredTable(self.model, "Filter: camera, officer, badge...")
        self.out_table.filter_edit.setObjectName("out_filter")
        self.not_docked_model = NotDockedModel(self)
        self.not_docked_table = FilteredTable(self.not_docked_model, "Filter")
        self.session_list = QListWidget(self)
        self.session_list.setObjectName("session_list")
        self.lists = QTabWidget(self)
        self.lists.addTab(self.out_table, "Out now")
        self.lists.addTab(self.not_docked_table, "Returned, not docked")
        self.lists.addTab(self.session_list, "This session")

        top = QHBoxLayout()
        top.addWidget(self.scan_edit, 1)
        top.addWidget(self.undo_button)
        top.addWidget(self.lineup_button)
        card_box = QVBoxLayout()
        card_box.addWidget(self.card, 1)
        card_box.addWidget(self.clear_officer_button)
        middle = QHBoxLayout()
        middle.addLayout(card_box)
        banner_box = QVBoxLayout()
        banner_box.addWidget(self.banner, 1)
        banner_box.addWidget(self.spare_button)
        banner_box.addWidget(self.condition_row)
        banner_box.addWidget(self.end_of_shift)
        middle.addLayout(banner_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.picker)
        layout.addWidget(self.alert_list)
        layout.addLayout(middle)
        layout.addWidget(self.lists, 1)

    def _permissions(self) -> None:
        """Auditors and the locked screen see the lists; only counter staff can scan."""
        may = self.state.can(Permission.ISSUE) or self.state.can(Permission.RETURN)
        for widget in (
            self.scan_edit,
            self.undo_button,
            self.end_of_shift,
            self.damaged_box,
            self.missing_box,
            self.note_edit,
        ):
            widget.setEnabled(may)
        self.scan_edit.setToolTip("" if may else self.state.why_not(Permission.ISSUE))
        if not may:
            self._show("idle", "Read only: " + self.state.why_not(Permission.ISSUE).lower())
        elif self.banner.property("kind") == "idle":
            self._show("idle", "Ready. Scan a badge or a camera.")
        self.undo_button.setEnabled(may and self.last_seq is not None)

    # --- focus: the scan field always has it ----------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.focus_scan()

    def focus_scan(self) -> None:
        self.scan_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def eventFilter(self, watched: Any, event: Any) -> bool:
        from PySide6.QtCore import QEvent

        if watched is self.scan_edit and event.type() == QEvent.Type.KeyPress:
            if event.matches(QKeySequence.StandardKey.Undo):
                # The scan field's own text undo is of no use; Ctrl+Z undoes the transaction.
                self.undo()
                return True
            if event.key() == Qt.Key.Key_Down and self.picker.isVisible():
                self.picker.setFocus()
                self.picker.setCurrentRow(0)
                return True
            if event.key() == Qt.Key.Key_Escape:
                if self.scan_edit.text():
                    self.scan_edit.clear()
                    self.picker.hide()
                else:
                    self.clear_officer()
                return True
        return super().eventFilter(watched, event)

    def exec_dialog(self, dialog: QDialog) -> bool:
        """Run a dialog, then give the scan field its focus back whatever happened."""
        try:
            return bool(dialog.exec())
        finally:
            self.focus_scan()

    # --- loading --------------------------------------------------------------------------
    def refresh(self) -> None:
        self.state.read(
            lambda ctx: CheckoutTableModel.prepare(counter.out_now(ctx)), self._loaded_rows
        )
        self.state.read(counter.returned_not_docked, self._not_docked)
        self._refresh_officer()  # "holds now" on the card follows other stations too
        self.refresh_alerts()

    def refresh_alerts(self) -> None:
        self.alert_list.refresh()

    def _loaded_rows(self, prepared: Prepared[CheckoutRow]) -> None:
        first = not self._loaded
        self.model.set_rows(prepared)
        self._loaded = True
        self._update_counts()
        if first:
            self.out_table.fit_columns()

    def _not_docked(self, rows: list[NotDockedRow]) -> None:
        self.not_docked_model.set_rows(rows)
        self.lists.setTabText(1, f"Returned, not docked ({len(rows)})")

    def _update_counts(self) -> None:
        overdue = self.model.overdue_count()
        text = f"Out now ({self.model.rowCount()}"
        self.lists.setTabText(0, text + (f", {overdue} overdue)" if overdue else ")"))

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()
        self.focus_scan()

    def _changed(self, change: ChangeSet) -> None:
        # Not on "docks" (dock reports, several a second): what the counter shows changes
        # with custody events ("custody", "units"); its readiness check reads at scan time.
        if self._loaded and change.touches("units", "officers", "settings"):
            self.refresh()  # (the alerts included)
        elif change.touches("docks", "custody"):
            # A camera that is out turning up in a dock; a lost camera scanned elsewhere.
            self.alert_list.refresh_soon()

    def _tick(self) -> None:
        # The rows' texts are prepared once; "overdue 2 h 05 min" must move with the clock,
        # so the lists are prepared again (on a worker), not merely repainted.
        if self._loaded:
            self.refresh()

    # --- messages -------------------------------------------------------------------------
    def _show(self, kind: str, text: str) -> None:
        size = 22 if kind == "error" else 18
        self.banner.setStyleSheet(
            f"{STYLE[kind]} font-size: {size}px; font-weight: bold; "
            "padding: 8px; border-radius: 6px;"
        )
        self.banner.setText(text)
        self.banner.setProperty("kind", kind)

    def _error(self, text: str) -> None:
        self._show("error", text)
        self.feedback.play(Sound.ERROR)

    def _log(self, text: str) -> None:
        item = QListWidgetItem(f"{datetime.now():%H:%M:%S}  {text}")
        self.session_list.insertItem(0, item)

    def _show_card(self) -> None:
        # After a completed issue its officer stays in view, dimmed; the next scan, a
        # camera or a badge, starts afresh.
        dimmed = self.officer is None and self.done_officer is not None
        self.card.setEnabled(not dimmed)
        self.card.setText(card_html(self.officer, self.done_officer))
        self.clear_officer_button.setEnabled(self.officer is not None)

    def clear_officer(self) -> None:
        self.officer = None
        self.done_officer = None
        self.pending_unit = None
        self.spare_button.hide()  # the spare was offered to that officer
        self._show_card()
        self._show("idle", "Ready. Scan a badge or a camera.")
        self.focus_scan()

    def _forget_officer(self) -> None:
        if self.officer is not None or self.pending_unit is not None or self.done_officer:
            self.officer = None
            self.done_officer = None
            self.pending_unit = None
            self._show_card()
            self._show("idle", "Ready. Scan a badge or a camera.")

    def _mode_changed(self, on: bool) -> None:
        self.officer = None
        self.done_officer = None
        self.pending_unit = None
        self._show_card()
        self.card.setEnabled(not on)
        if on:
            self._show(
                "notice",
                "End-of-shift mode: scan the cameras coming back, one after "
                "another. Each is returned at once.",
            )
        else:
            self._show("idle", "Ready. Scan a badge or a camera.")
        self.focus_scan()

    # --- scanning -------------------------------------------------------------------------
    def _enter(self) -> None:
        code = self.scan_edit.text()
        self.scan_edit.clear()
        self.picker.stop()
        if code.strip():
            self.scan(code)

    def scan(self, code: str) -> None:
        """Handle one scan. Scans that arrive while one is being handled wait their turn, so
        30 cameras scanned in a row are returned in the order they were scanned."""
        if self._busy:
            self._queue.append(code)
            return
        if not self.state.can(Permission.READ):
            return
        self._busy = True
        self.state.read(
            lambda ctx: counter.identify(ctx, code),
            lambda match: self._identified(code, match),
            lambda exc: self.scan_failed(code, exc),
        )

    def _done(self, code: str) -> None:
        self._busy = False
        self.focus_scan()
        self.scan_handled.emit(code)
        if self._queue:
            self.scan(self._queue.pop(0))

    def scan_failed(self, code: str, exc: BaseException) -> None:
        if isinstance(exc, DomainError):
            self._error(str(exc))
            self._log(f"{code.strip()}: {exc}")
        else:
            log.error("scan %r failed", code, exc_info=exc)
            self._error(
                f"Something went wrong with that scan: {exc}. Nothing was changed. "
                "Scan again; if it keeps happening, tell your administrator."
            )
        self._done(code)

    def _identified(self, code: str, match: ScanMatch) -> None:
        if match.kind is ScanKind.OFFICER:
            self._officer_scanned(code, match)
        else:
            self._unit_scanned(code, match)

    def _officer_scanned(self, code: str, match: ScanMatch) -> None:
        assert match.officer is not None
        if self.end_of_shift.isChecked():
            self._show(
                "notice",
                f"{match.officer.label}: end-of-shift mode takes cameras only. Scan the camera.",
            )
            self.feedback.play(Sound.NOTICE)
            self._done(code)
            return
        self.officer = match.officer
        self.done_officer = None
        self._show_card()
        if self.pending_unit is not None:
            unit, self.pending_unit = self.pending_unit, None
            self._start_issue(code, unit)
            return
        self._show("notice", f"{match.officer.label}: now scan the camera.")
        self.feedback.play(Sound.OK)
        self._done(code)

    def _unit_scanned(self, code: str, match: ScanMatch) -> None:
        unit = match.unit
        assert unit is not None
        if match.checkout is not None:
            out = match.checkout
            elsewhere = out.station != self.state.ctx.station
            just_now = self.state.ctx.now() - out.issued_at < timedelta(
                seconds=counter.RACE_SECONDS
            )
            if (
                self.officer is not None
                and out.officer_id != self.officer.id
                and (elsewhere and just_now)
            ):
                # An officer is waiting here and another station issued this camera to
                # someone else a moment ago: both counters reached for the same camera. An
                # issue was meant; its rules refuse it, naming who has it and where. (Later,
                # scanning a camera that is out is its return, whoever is at the counter.)
                self._start_issue(code, unit.asset_tag)
                return
            if match.recent and elsewhere:
                self._error(
                    f"{unit.asset_tag} was just issued to {out.officer} at {out.station}. "
                    "Nothing was changed. If it really is back already, scan it again in a "
                    "few seconds to return it."
                )
                self._done(code)
                return
            if match.recent:
                self._show(
                    "notice",
                    f"{unit.asset_tag} was issued to {out.officer} "
                    "a moment ago (scanned twice). Nothing was changed.",
                )
                self.feedback.play(Sound.NOTICE)
                self._done(code)
                return
            self._return(code, unit.asset_tag)
            return
        if match.recent:
            self._show(
                "notice",
                f"{unit.asset_tag} was returned a moment ago (scanned twice). Nothing was changed.",
            )
            self.feedback.play(Sound.NOTICE)
            self._done(code)
            return
        if match.refusal:
            # Lost, stolen, in repair, retired: said at once, before any badge is asked for.
            waiting = f" (for {self.officer.label})" if self.officer is not None else ""
            self._error(match.refusal + waiting)
            self._log(f"{unit.asset_tag}: {match.refusal}{waiting}")
            if unit.status.value in ("lost", "stolen"):
                self.refresh_alerts()
            self._done(code)
            return
        if self.end_of_shift.isChecked():
            self._error(
                f"{unit.asset_tag} is {unit.status.value}, not out with an officer: "
                "nothing to return. Put it aside and carry on."
            )
            self._log(f"{unit.asset_tag}: not out")
            self._done(code)
            return
        if self.officer is None:
            before, self.pending_unit = self.pending_unit, unit.asset_tag
            if before is not None and before != unit.asset_tag:
                # Never drop a scanned camera silently: the one waiting is replaced, aloud.
                text = (
                    f"{unit.asset_tag} is waiting for a badge now, instead of {before} "
                    f"(put {before} back). Now scan the officer's ID badge."
                )
                self._log(f"{before}: replaced by {unit.asset_tag} before a badge was scanned")
            else:
                text = f"{unit.asset_tag} ({unit.status.value}): now scan the officer's ID badge."
            self._show("notice", text)
            self.feedback.play(Sound.OK)
            self._done(code)
            return
        self._start_issue(code, unit.asset_tag)

    # --- issuing --------------------------------------------------------------------------
    def _start_issue(self, code: str, unit_code: str) -> None:
        officer = self.officer
        assert officer is not None
        self.state.read(
            lambda ctx: counter.plan_issue(ctx, officer.id, unit_code),
            lambda plan: self._plan_ready(code, plan),
            lambda exc: self.scan_failed(code, exc),
        )

    def _plan_ready(self, code: str, plan: IssuePlan) -> None:
        IssueFlow(self, code, plan).start()

    def not_issued(self, code: str, text: str) -> None:
        self._show("notice", text)
        self._done(code)

    def issued(self, code: str, result: IssueResult) -> None:
        self.spare_button.hide()
        if result.duplicate:
            self._show("notice", result.message)
            self.feedback.play(Sound.NOTICE)
        elif result.issued:
            assert result.checkout is not None
            self.model.upsert([result.checkout])
            self._update_counts()
            self._remember(result.seq, result.undo_window_seconds)
            self._show("ok", result.message)
            self.feedback.play(Sound.OK)
            self._log(result.message)
            # The issue is complete: the officer is let go (the card stays, dimmed), so the
            # next scan, a camera or a badge, starts the next issue.
            if self.officer is not None:
                self.done_officer, self.officer = self.officer, None
                self._show_card()
                done = self.done_officer
                self.state.read(lambda ctx: counter.officer_card(ctx, done.badge), self._card)
        else:
            self._show("error", result.message)
            self.feedback.play(Sound.ERROR)
            self._log(result.message)
            if result.next_spare is not None:
                self.spare_button.setText(f"Issue the spare {result.next_spare.asset_tag} instead")
                self.spare_button.setProperty("unit", result.next_spare.asset_tag)
                self.spare_button.show()
        self._done(code)

    def _issue_spare(self) -> None:
        unit = self.spare_button.property("unit")
        self.spare_button.hide()
        if unit and self.officer is not None:
            self.scan(str(unit))

    def _refresh_officer(self) -> None:
        officer = self.officer
        if officer is None:
            return
        self.state.read(lambda ctx: counter.officer_card(ctx, officer.badge), self._card)

    def _card(self, officer: OfficerRow) -> None:
        if self.officer is not None and self.officer.id == officer.id:
            self.officer = officer
            self._show_card()
        elif self.done_officer is not None and self.done_officer.id == officer.id:
            self.done_officer = officer
            self._show_card()

    # --- returning ------------------------------------------------------------------------
    def _return(self, code: str, unit: str) -> None:
        condition = self.condition_row.condition()
        self.state.write(
            lambda ctx: counter.return_unit(ctx, unit, condition),
            lambda result: self._returned(code, result),
            lambda exc: self.scan_failed(code, exc),
            changed="custody",
        )

    def _returned(self, code: str, result: ReturnResult) -> None:
        if result.duplicate:
            self._show("notice", result.message)
            self.feedback.play(Sound.NOTICE)
            self._done(code)
            return
        applied = self.condition_row.went_with(result.unit.asset_tag)
        self.model.remove([r.id for r in self.model.rows() if r.unit_id == result.unit.id])
        self._update_counts()
        self._remember(result.seq, result.undo_window_seconds)
        self._show("notice" if result.in_repair else "ok", result.message)
        self.feedback.play(Sound.OK)
        self._log(result.message)
        if applied:
            self._log(applied)
        if self.officer is not None:
            self._refresh_officer()
        self._done(code)

    # --- undo -----------------------------------------------------------------------------
    def _remember(self, seq: int | None, window_seconds: int) -> None:
        self.undo_seconds = window_seconds
        self.last_seq = seq if window_seconds > 0 else None
        self.last_at = self.state.ctx.now()
        self.undo_button.setEnabled(self.last_seq is not None)

    def undo(self) -> None:
        if self.last_seq is None or self._busy:
            return
        late = self.last_at is not None and self.state.ctx.now() - self.last_at > timedelta(
            seconds=self.undo_seconds
        )
        if late:
            self._error(
                f"Undo is only possible within {window_text(self.undo_seconds)}. Make the "
                "correction as a new transaction."
            )
            self.undo_button.setEnabled(False)
            return
        seq = self.last_seq
        self.state.write(
            lambda ctx: counter.undo(ctx, seq),
            self._undone,
            lambda exc: self._error(str(exc)),
            changed="custody",
        )

    def _undone(self, result: UndoResult) -> None:
        self.last_seq = None
        self.undo_button.setEnabled(False)
        self._show("notice", result.message)
        self.feedback.play(Sound.NOTICE)
        self._log(result.message)
        self.refresh()
        self._refresh_officer()
        self.focus_scan()

    def _picked(self, code: str) -> None:
        self.focus_scan()
        self.scan(code)

    def _scanned_elsewhere(self, code: str) -> None:
        """A scan that arrived while another widget of the view had the focus."""
        self.scan_edit.clear()
        self.focus_scan()
        self.scan(code)

    def _lineup(self) -> None:
        from bwc_desk.ui.dialogs.lineup_dialog import LineupDialog

        dialog = LineupDialog(self.state, self)
        self.exec_dialog(dialog)

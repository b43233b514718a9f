"""Check-in / Check-out (Ctrl+3): the counter, driven by a barcode scanner.

A scanner is a keyboard that types a code and presses Enter. Whenever this view is shown, and
after every dialog, the scan field has the keyboard focus. Scan an officer's ID badge and a
camera, in either order, and the camera is issued; scan a camera that is out and it is
returned. Every service call runs on a worker; the main thread only shows results.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.errors import DomainError, NotFoundError, UnavailableError
from bwc_desk.domain.roles import Permission
from bwc_desk.services import counter
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.counter import (
    CounterScan,
    ReturnResult,
    UndoResult,
)
from bwc_desk.services.counter.router import (
    Act,
    CounterState,
    LastTransaction,
    Tone,
    UndoAct,
    route,
)
from bwc_desk.services.dto import OfficerRow
from bwc_desk.ui.feedback import Feedback, Sound
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.counter_dialog_scans import DialogScans
from bwc_desk.ui.views.counter_issue import IssueFlow
from bwc_desk.ui.views.counter_lists import CounterLists
from bwc_desk.ui.views.counter_parts import (
    READY,
    AlertList,
    Banner,
    ConditionRow,
    OfficerCard,
    ScanField,
    ScannerKeys,
    SearchPicker,
)
from bwc_desk.ui.views.counter_undo import UndoControl

log = logging.getLogger(__name__)
# Changes (this station's scans, other stations', the docks') are taken in one refresh this
# long after the first of them, and not while a scan is being answered.
REFRESH_SOON_MS = 400
EOS_TEXT = (
    "End-of-shift mode: scan the cameras coming back, one after another. Each is returned at once."
)


class CounterTab(QWidget):
    # For tests and the benchmark: emitted after each scan has been fully handled.
    scan_handled = Signal(str)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.feedback = Feedback()
        self.officer: OfficerRow | None = None
        self.pending_unit: str | None = None
        self._lineup_window: Any = None  # the line-up sheet (LineupDialog), while it is open
        self.previous_scan: str | None = None  # the camera scanned last here (the router's)
        self.confirm_return: str | None = None  # (the router's: a return to scan again)
        self._busy = False
        self._queue: list[str] = []
        self._typed: tuple[str, list[str]] = ("", [])  # the last Enter's text, its matches
        # The officer of the last completed issue: their card stays in view, dimmed.
        self.done_officer: OfficerRow | None = None
        self._build()
        # The scanner owns the view: keys at scanner speed ending in Enter are a scan,
        # whichever widget of the view has the focus.
        self.scanner = ScannerKeys(self, self.scan_edit, self._scanned_elsewhere)
        self.keys = self.scanner.burst
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(REFRESH_SOON_MS)
        self._soon.timeout.connect(self._refresh_due)
        self._changes: ChangeSet | None = None  # what the next refresh patches in
        # What was scanned while the server was away, and the banner that says the last of
        # them (None: the banner has moved on since): said again when the server answers.
        self._not_recorded: list[str] = []
        self._outage_text: str | None = None
        state.changed.connect(self._changed)
        state.database_back.connect(self._database_back)
        # Who the counter's mode and its last transaction belong to (the one signed in last:
        # a lock keeps them for that person, another person signing in lets them go).
        self._clerk = state.actor.username if state.actor is not None else None
        self._mode_ended_by_sign_out = False
        # An issue a lock cut short (its dialog closed by the lock): said after the sign-in.
        self._cut_by_lock: str | None = None
        state.actor_changed.connect(self._actor_changed)
        self._permissions()
        self._clock = QTimer(self)  # overdue times and the not-docked list move with time
        self._clock.setInterval(60_000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()

    # --- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.scan_edit = ScanField(self)
        self.scan_edit.returnPressed.connect(self._enter)
        self.scan_edit.undo_pressed.connect(self.undo)
        self.scan_edit.escape_on_empty.connect(self.clear_officer)
        self._listing: str | None = None  # the banner's words about the listed matches
        self.picker = SearchPicker(self.state, self.scan_edit, self._picked, self,
                                   on_listed=self._listed, on_unlisted=self._unlisted)
        self.scan_edit.picker = self.picker

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
        self.undo_control = UndoControl(
            self.undo_button, lambda: self.state.ctx.now(), self.scan_edit.isEnabled
        )

        self.banner = Banner(self)
        self.spare_button = QPushButton(self)
        self.spare_button.hide()
        self.spare_button.clicked.connect(self._issue_spare)

        self.officer_card = OfficerCard(self.clear_officer, self)
        self.card = self.officer_card.label

        self.condition_row = ConditionRow(self)
        self.damaged_box = self.condition_row.damaged_box
        self.missing_box = self.condition_row.missing_box
        self.note_edit = self.condition_row.note_edit
        self.applied_label = self.condition_row.applied_label
        self.alert_list = AlertList(self.state, self)

        self.lists = CounterLists(self.state, self)
        self.model, self.out_table = self.lists.model, self.lists.out_table
        self.session_list = self.lists.session_list
        self.not_docked_model = self.lists.not_docked_model

        top = QHBoxLayout()
        top.addWidget(self.scan_edit, 1)
        top.addWidget(self.undo_button)
        top.addWidget(self.lineup_button)
        middle = QHBoxLayout()
        middle.addWidget(self.officer_card)
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
            self._show("idle", READY)
        self.undo_control.update()

    # --- focus: the scan field always has it ----------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.focus_scan()

    def focus_scan(self) -> None:
        self.scan_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def exec_dialog(self, dialog: QDialog) -> bool:
        """Run a dialog, then give the scan field its focus back whatever happened. A scan
        typed while it is open is never its answer (it says so and stays open)."""
        scans = DialogScans(dialog, self._scanned_into_dialog, self.keys.clock)
        try:
            return bool(dialog.exec())
        finally:
            # (The dialog is kept, its watch is not: it follows the focus through a slot of
            # the application's, which each dialog ever shown would be called on.)
            scans.unfollow()
            self.focus_scan()

    def _scanned_into_dialog(self, code: str) -> None:
        # (No code: the window had a password or PIN field, and names nothing typed there.)
        self.feedback.play(Sound.ERROR)
        what = f"{code}: scanned" if code else "A scan came in"
        self._log(f"{what} while a window was open; not used. Scan it again.", refused=True)

    # --- loading --------------------------------------------------------------------------
    def refresh(self, texts: bool = False) -> None:
        self.lists.refresh(texts)
        self._refresh_officer()  # "holds now" on the card follows other stations too
        self.refresh_alerts()

    def refresh_alerts(self) -> None:
        self.alert_list.refresh()

    @property
    def _loaded(self) -> bool:
        return self.lists.loaded

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()
        self.focus_scan()

    def _changed(self, change: ChangeSet) -> None:
        # Not on "docks" (dock reports, several a second): what the counter shows changes
        # with custody events ("custody", "units"); its readiness check reads at scan time.
        if self._loaded and change.touches("units", "officers", "settings"):
            if not (change.units or change.officers or change.checkouts):
                change = replace(change, complete=False)  # (names no row: read them all)
            self._changes = change if self._changes is None else self._changes.merged(change)
            self.refresh_soon()  # (the alerts included)
        elif change.touches("docks", "custody"):
            # A camera that is out turning up in a dock; a lost camera scanned elsewhere.
            self.alert_list.refresh_soon()

    def refresh_soon(self) -> None:
        """One refresh for a burst of changes (a scan is two transactions; another station
        and the docks add theirs): the lists patch only the rows that changed."""
        if not self._soon.isActive():
            self._soon.start()

    def _refresh_due(self) -> None:
        if self._busy:  # a scan is being answered: its banner first
            self._soon.start()
            return
        change, self._changes = self._changes, None
        if change is None:
            self.refresh()
            return
        self.lists.changed(change)  # (the rows it names, patched in)
        card = self.officer or self.done_officer
        # (A checkout written names its officer: "holds now" on the card, dimmed or not,
        # follows other stations' issues and returns.)
        if card is not None and (
            change.large() or card.id in change.officers or change.touches("settings")
        ):
            self._refresh_officer()
        self.refresh_alerts()

    def _tick(self) -> None:
        # The rows' texts are prepared once; "overdue 2 h 05 min" must move with the clock,
        # so the lists are prepared again (on a worker), not merely repainted.
        if self._loaded:
            self.refresh(texts=True)

    # --- messages -------------------------------------------------------------------------
    def _show(self, kind: str, text: str) -> None:
        self._outage_text = None
        self.banner.say(kind, text)

    def _unrecorded(self, code: str, exc: UnavailableError) -> None:
        """A scan the server did not answer: which, when, and what to do with the camera
        (the store's words say what happened; every later scan says its own)."""
        at = self.state.ctx.now().astimezone()  # (the counter's wall clock)
        code = code.strip()
        if code not in self._not_recorded:
            self._not_recorded.append(code)
        text = (
            f"{at:%H:%M:%S} {code}: not recorded. The camera was not recorded as issued or "
            f"returned: keep it at the counter and scan it again once the server answers.\n{exc}"
        )
        self._error(text)
        self._outage_text = text
        self._log(f"{code}: not recorded, the database server cannot be reached", refused=True)
        self.state.report(exc)  # the window's status line and its probe

    def _database_back(self) -> None:
        """The server answers again: a banner still showing the outage says so, calmly."""
        codes, self._not_recorded = self._not_recorded, []
        undo = self.undo_control.answers_again()  # (an undo the outage refused)
        if self._outage_text is None or self.banner.text() != self._outage_text:
            return
        at = self.state.ctx.now().astimezone()
        what = [f"scan again what was not recorded ({', '.join(codes)})"] if codes else []
        what += [undo] if undo else []
        self._show(
            "idle",
            f"{at:%H:%M:%S} The database server answers again"
            + (f": {'; '.join(what)}." if what else "."),
        )

    def _error(self, text: str) -> None:
        self._show("error", text)
        self.feedback.play(Sound.ERROR)

    def _log(self, text: str, refused: bool = False) -> None:
        self.lists.log(text, refused)

    def _show_card(self) -> None:
        self.officer_card.show_officer(self.officer, self.done_officer)

    def _let_go(self) -> None:
        """No officer at the counter, no camera waiting, no card."""
        self.officer = self.done_officer = None
        self.pending_unit = None
        self._show_card()

    def clear_officer(self) -> None:
        self._let_go()
        self.spare_button.hide()  # the spare was offered to that officer
        self._show("idle", READY)
        self.focus_scan()

    def _actor_changed(self, actor: Any) -> None:
        self._permissions()
        # The officer at the counter belongs to the one who scanned them: a lock or another
        # staff member signing in starts from no officer.
        self._forget_officer()
        if actor is None:  # locked: what is the clerk's waits for who signs in
            # Scans still queued (behind a slow undo) are the clerk's: never run later as
            # whoever signs in next.
            self._queue.clear()
            return
        before, self._clerk = self._clerk, actor.username
        if before is not None and before != actor.username:
            self._new_clerk(actor.display_name or actor.username)
        elif self._mode_ended_by_sign_out:
            self._show(
                "notice",
                "End-of-shift mode was switched off at the sign-out: tick it again for "
                "returns only.",
            )
        elif self.end_of_shift.isChecked():
            self._show("notice", EOS_TEXT)  # (the same clerk, back: their mode still on)
        self._mode_ended_by_sign_out = False
        if self._cut_by_lock is not None:
            text, self._cut_by_lock = self._cut_by_lock, None
            self.say("notice", text, Sound.NOTICE, log=True, refused=True)

    def signed_out(self) -> None:
        """An explicit sign-out (not a lock): whoever signs in next starts clean, the same
        person too: no Undo of the last transaction, end-of-shift mode off."""
        self.undo_control.forget()
        self._clerk = None
        if self.end_of_shift.isChecked():
            self.end_of_shift.setChecked(False)
            self._mode_ended_by_sign_out = True  # (said at the next sign-in)

    def _new_clerk(self, name: str) -> None:
        """Another staff member signed in: the previous one's mode and transaction are not
        theirs (end-of-shift mode would refuse their badges; Undo, their undo)."""
        self.undo_control.forget()
        if self.end_of_shift.isChecked():
            self.end_of_shift.setChecked(False)
            self._show(
                "notice",
                f"End-of-shift mode is off: {name} signed in. Badges and cameras are taken "
                "again (tick End-of-shift mode for returns only).",
            )

    def _forget_officer(self) -> None:
        if self.officer is not None or self.pending_unit is not None or self.done_officer:
            self._let_go()
            self._show("idle", READY)

    def _mode_changed(self, on: bool) -> None:
        self._let_go()
        self.card.setEnabled(not on)
        if on:
            self._show("notice", EOS_TEXT)
        else:
            self._show("idle", READY)
        self.focus_scan()

    # --- scanning -------------------------------------------------------------------------
    def _enter(self) -> None:
        code = self.scan_edit.text()
        # A name typed by hand with its matches listed: if it is no code, Enter takes the
        # one match or asks to pick one (``_typed_not_found``), never "Nothing matches".
        self._typed = (code, self.picker.matches_for(code))
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
        # The issue this scan most likely starts is planned in the same read (one trip to a
        # worker less for an issue's answer); the router still decides what it means.
        officer_id = self.officer.id if self.officer is not None else None
        pending = self.pending_unit
        self.state.read(
            lambda ctx: counter.identify_at_counter(ctx, code, officer_id, pending),
            lambda scan: self._identified(code, scan),
            lambda exc: self._not_identified(code, exc),
        )

    def _not_identified(self, code: str, exc: BaseException) -> None:
        self.previous_scan = None  # (something else came between two scans of a camera)
        self.confirm_return = None
        typed, matches = self._typed
        self._typed = ("", [])
        if isinstance(exc, NotFoundError) and typed == code and matches:
            self._typed_not_found(code, matches)
            return
        self.scan_failed(code, exc)

    def _listed(self, text: str, shown: int, many: bool) -> None:
        """Matches of a search typed by hand are listed: the banner speaks of them now, not
        of the last scan (a refused scan's red stayed on while the clerk searched)."""
        if self._busy:
            return
        what = text.strip()
        if many:
            words = (f"More match {what!r} than are listed: type more, or pick one with "
                     "\u2193 and Enter.")
        elif shown == 1:
            words = f"One match for {what!r}: press Enter to take it."
        else:
            words = f"{shown} match {what!r}: pick one with \u2193 and Enter, or type more."
        self._show("idle", words)
        self._listing = words

    def _unlisted(self) -> None:
        """The list went (Escape, the text typed away, a pick): its words go with it."""
        if self._listing is not None and self.banner.text() == self._listing:
            self._show("idle", READY)
        self._listing = None

    def _typed_not_found(self, code: str, matches: list[str]) -> None:
        """Enter on a name typed by hand whose matches were listed: the one match is taken;
        of several, the text and the list come back and the banner says to pick one."""
        self.scan_done(code)
        if len(matches) == 1:
            self._picked(matches[0])
            return
        self.scan_edit.setText(code)
        self.picker.show()
        self._show("notice", f"{len(matches)} match {code.strip()!r}: pick one with \u2193 "
                   "and Enter, or type more.")

    def scan_done(self, code: str) -> None:
        self._busy = False
        self.focus_scan()
        self.scan_handled.emit(code)
        self._scan_next()

    def _scan_next(self) -> None:
        """The next scan that waited its turn, if any."""
        if self._queue:
            self.scan(self._queue.pop(0))

    def say_under_way(self, text: str) -> None:
        """What the counter is doing now (an issue whose dialogs come next)."""
        self._show("idle", text)

    def scan_failed(self, code: str, exc: BaseException) -> None:
        if isinstance(exc, UnavailableError):
            self._unrecorded(code, exc)
        elif isinstance(exc, DomainError):
            waiting = self.pending_unit
            self._error(
                f"{exc}\n{waiting} still waits for a badge: scan the officer's ID badge "
                "(Esc lets it go)." if waiting else str(exc)
            )
            self._log(f"{code.strip()}: {exc}", refused=True)
        else:
            log.error("scan %r failed", code, exc_info=exc)
            self._error(
                f"Something went wrong with that scan: {exc}. Nothing was changed. "
                "Scan again; if it keeps happening, tell your administrator."
            )
            self._log(f"{code.strip()}: something went wrong; nothing was changed", refused=True)
        self.scan_done(code)

    def _identified(self, code: str, scan: CounterScan) -> None:
        """The router decides what the scan means here and now; the view carries it out."""
        decision = route(self._counter_state(), scan.match, self.state.ctx.now())
        unit = scan.match.unit
        self.previous_scan = unit.asset_tag if unit is not None else None
        self.confirm_return = decision.confirm_return or None
        if decision.released:  # another camera was scanned: the waiting one is let go
            self.pending_unit = None
        if decision.officer is not None:  # a badge: the officer now at the counter
            self.officer, self.done_officer = decision.officer, None
            self._show_card()
        if decision.act is Act.ISSUE:
            assert self.officer is not None
            self.pending_unit = None
            planned = scan.plan_for(self.officer.id, decision.unit)
            IssueFlow.begin(self, code, self.officer, decision.unit, planned)
            return
        if decision.act is Act.RETURN:
            if decision.log:  # (the camera that waited, let go: said whatever the return says)
                self._log(decision.log)
            self._return(code, decision.unit, decision.text)
            return
        if decision.act is Act.HOLD_CAMERA:
            self.pending_unit = decision.unit
        if decision.tone is Tone.ERROR:
            self._error(decision.text)
        else:
            self._show(decision.tone.value, decision.text)
            self.feedback.play(Sound.OK if decision.tone is Tone.OK else Sound.NOTICE)
        if decision.log:  # (every SAY has one: that scan did nothing)
            self._log(decision.log, refused=decision.act is Act.SAY)
        if decision.refresh_alerts:
            self.refresh_alerts()
        self.scan_done(code)

    def _counter_state(self) -> CounterState:
        return CounterState(
            station=self.state.ctx.station,
            officer=self.officer,
            pending_unit=self.pending_unit,
            end_of_shift=self.end_of_shift.isChecked(),
            condition_pending=self.condition_row.pending(),
            last=self.undo_control.last,
            previous_scan=self.previous_scan,
            confirm_return=self.confirm_return,
            clerk=self.state.actor.username if self.state.actor is not None else "",
            zone=self.state.ctx.zone,
        )

    # --- issuing --------------------------------------------------------------------------
    # The issue's own steps are IssueFlow's (counter_issue.py); these show where it ended.
    def say(
        self,
        kind: str,
        text: str,
        sound: Sound | None = None,
        log: bool = False,
        refused: bool = False,
    ) -> None:
        """The banner says ``text``; ``log``: This session keeps it (``refused``: marked as
        a scan that did nothing)."""
        self._show(kind, text)
        if sound is not None:
            self.feedback.play(sound)
        if log:
            self._log(text, refused)

    def cut_by_lock(self, text: str) -> None:
        """An issue whose dialog the lock closed: nothing was recorded; the banner and This
        session say so after the next sign-in (the lock screen hides the view now)."""
        self._cut_by_lock = text

    def served(self) -> None:
        """An issue is complete: the officer is let go (the card stays, dimmed), so the next
        scan, a camera or a badge, starts the next issue."""
        if self.officer is None:
            return
        self.done_officer, self.officer = self.officer, None
        self._show_card()
        done = self.done_officer
        self.state.read(lambda ctx: counter.officer_card(ctx, done.badge), self._card)

    def offer_spare(self, asset_tag: str | None) -> None:
        """The button under the banner that issues the next ready spare (None: hide it)."""
        self.spare_button.setVisible(asset_tag is not None)
        if asset_tag is not None:
            self.spare_button.setText(f"Issue the spare {asset_tag} instead")
            self.spare_button.setProperty("unit", asset_tag)

    def _issue_spare(self) -> None:
        unit = self.spare_button.property("unit")
        self.spare_button.hide()
        if unit and self.officer is not None:
            self.scan(str(unit))

    def _refresh_officer(self) -> None:
        """The card read again: of the officer at the counter, or of the one just served
        (dimmed), whose "Holds now" a return or an undo changes too."""
        officer = self.officer or self.done_officer
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
    def _return(self, code: str, unit: str, note: str = "") -> None:
        """``note``: the router's words to add to the banner (a waiting camera let go)."""
        condition = self.condition_row.condition()
        self.state.write(
            lambda ctx: counter.return_unit(ctx, unit, condition),
            lambda result: self._returned(code, result, note),
            lambda exc: self.scan_failed(code, exc),
            changed="custody",
        )

    def _returned(self, code: str, result: ReturnResult, note: str = "") -> None:
        if result.duplicate:
            self.say("notice", f"{result.message} {note}".rstrip(), Sound.NOTICE)
            self._log(result.message, refused=True)
            self.scan_done(code)
            return
        applied = self.condition_row.went_with(result.unit.asset_tag)
        kind = "notice" if result.in_repair else "ok"
        self.say(kind, f"{result.message} {note}".rstrip(), Sound.OK)  # (painted at once)
        self.lists.returned(result.unit.id)
        done = self.done_officer
        if self.officer is None and done is not None and done.label != result.officer:
            self.done_officer = None  # (the card named the officer served before)
            self._show_card()
        self.undo_control.remember(result.seq, result.undo_window_seconds, result.unit.asset_tag)
        self._log(result.message)  # (a waiting camera let go has its line already)
        if applied:
            self._log(applied)
        self._refresh_officer()
        self.scan_done(code)

    # --- undo -----------------------------------------------------------------------------
    def undo(self) -> None:
        if self._busy:
            return
        decision = self.undo_control.decide()
        last = self.undo_control.last
        if decision.act is UndoAct.NOTHING or last is None:
            # Said, without a sound: a second press is the usual cause.
            if self.scan_edit.isEnabled():  # (not over "Read only")
                self._show("notice", self.undo_control.nothing_text())
            return
        if decision.act is not UndoAct.UNDO:
            self._error(decision.text)
            self._log(f"Undo of {last.asset_tag}: not done. {decision.text}", refused=True)
            self.undo_control.update()
            return
        seq = decision.seq
        assert seq is not None
        # Under way: said, a second press does nothing, and scans meanwhile wait their turn
        # (an undo that took 30 s on a busy database said nothing, a second Ctrl+Z was
        # refused while the first still ran, and scans went by unanswered).
        self._busy = True
        self._show("idle", f"Undoing {last.asset_tag}...")

        def done(result: UndoResult) -> None:
            self._undo_over()
            self._undone(result)

        def refused(exc: BaseException) -> None:
            self._undo_over()
            self._undo_refused(last, exc)

        self.state.write(
            lambda ctx: counter.undo(ctx, seq), done, refused, changed="custody"
        )

    def _undo_over(self) -> None:
        """The undo answered: the scans that came meanwhile are handled, in order, after
        what it says."""
        self._busy = False
        if self._queue:
            QTimer.singleShot(0, self, self._scan_next)

    def _undo_refused(self, last: LastTransaction, exc: BaseException) -> None:
        """Nothing was undone: the banner and This session say why and what to do; the
        button stays only if pressing again may work (the server away, the window open)."""
        if self.state.silenced(exc):  # (locked meanwhile: nothing over the lock screen)
            return
        if not isinstance(exc, DomainError):
            log.error("undo of #%s failed", last.seq, exc_info=exc)
        refused = self.undo_control.refused(last, exc)
        if not refused.outage:
            self._error(refused.text)
            self._log(refused.log, refused=True)
            return
        at = self.state.ctx.now().astimezone()  # (the counter's wall clock, as a scan's)
        text = f"{at:%H:%M:%S} {refused.text}"
        self._error(text)
        self._outage_text = text  # (said otherwise when the server answers)
        self._log(refused.log, refused=True)
        self.state.report(exc)  # the window's status line and its probe

    def _undone(self, result: UndoResult) -> None:
        self.undo_control.undone()
        self.say("notice", result.message, Sound.NOTICE, log=True)
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
        """The line-up sheet in a window of its own, beside the counter: a modal sheet held
        up every scan while it was open at roll call. One at a time (the button brings it
        back); the lock closes it as any dialog. A scan typed into it is its own (a camera
        or a badge scanned into its search finds the row): a custody transaction is only
        ever the counter's, where its banner answers."""
        from bwc_desk.ui.dialogs.lineup_dialog import LineupDialog

        window = self._lineup_window
        if window is not None:
            if window.isMinimized():
                window.showNormal()
            window.raise_()
            window.activateWindow()
            return
        window = LineupDialog(self.state, self)
        window.setModal(False)

        def closed() -> None:
            self._lineup_window = None
            window.dispose_when_done()  # (a PDF or print under way finishes first)
            self.focus_scan()

        window.finished.connect(lambda _result: closed())
        self._lineup_window = window
        window.show()

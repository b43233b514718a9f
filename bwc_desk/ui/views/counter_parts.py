"""Parts of the counter view with a life of their own: the scanner's key watch, the banner,
the officer card, the alert list, the condition row and the search-as-you-type picker."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import SIGNAL, SLOT, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.services import counter, dock_board
from bwc_desk.services.counter import ReturnCondition
from bwc_desk.services.dto import OfficerRow, UnitRow
from bwc_desk.ui.scan_keys import FieldText, Restorable, ScanWatch
from bwc_desk.ui.state import AppState

log = logging.getLogger(__name__)
READY = "Ready. Scan a badge or a camera."
ALERTS_SOON_MS = 2000  # dock reports and other stations' records: one read of the alerts each
DOCK_ALERTS_FRESH_S = 20.0  # the Docks view's alerts this recent are taken, not read again
STYLE = {
    "ok": "background:#dcfce7; color:#14532d; border:2px solid #16a34a;",
    "error": "background:#fee2e2; color:#991b1b; border:2px solid #dc2626;",
    "notice": "background:#fef9c3; color:#713f12; border:2px solid #ca8a04;",
    "idle": "background:#f1f5f9; color:#334155; border:2px solid #cbd5e1;",
}


class Banner(QLabel):
    """The big line that says what the last scan did, in its colour (property "kind").

    Its answer is painted at once (``say``), before the caller goes on to the lists: the
    Out now table's repaint asks its model from Python cell by cell, each call waiting for
    the interpreter while the workers read what the scan changed; painted in the same pass,
    the answer waited for all of it (up to 100 ms and more on a busy station)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Room for three lines in the largest style (an error's): the answers keep the
        # banner's height, so the lists below do not jump from scan to scan.
        self.say("error", "Three\nlines\nof room")
        self.ensurePolished()
        self.setMinimumHeight(max(64, self.sizeHint().height()))
        self.say("idle", READY)

    def say(self, kind: str, text: str) -> None:
        # A style sheet set again re-polishes the label and lays the view out again, even
        # when it is the same: only when the kind changes (a scan's answer is painted sooner).
        if kind != self.property("kind"):
            size = 22 if kind == "error" else 18
            self.setStyleSheet(
                f"{STYLE[kind]} font-size: {size}px; font-weight: bold; "
                "padding: 8px; border-radius: 6px;"
            )
            self.setProperty("kind", kind)
        self.setText(text)
        if self.isVisible():
            self.repaint()


class OfficerCard(QWidget):
    """The officer at the counter, or (dimmed) the one just served, and "Clear officer"."""

    def __init__(self, on_clear: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setObjectName("officer_card")
        self.label.setWordWrap(True)
        self.label.setFrameShape(QFrame.Shape.StyledPanel)
        self.label.setMinimumWidth(360)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.clear_button = QPushButton("Clear officer (Esc)", self)
        self.clear_button.clicked.connect(on_clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.clear_button)
        self.show_officer(None, None)

    def show_officer(self, officer: OfficerRow | None, done: OfficerRow | None) -> None:
        # After a completed issue its officer stays in view, dimmed; the next scan, a
        # camera or a badge, starts afresh.
        self.label.setEnabled(not (officer is None and done is not None))
        html = card_html(officer, done)
        if html != self.label.text():  # (the same card read again: not laid out again)
            self.label.setText(html)
        self.clear_button.setEnabled(officer is not None)


class ScanField(QLineEdit):
    """The scan field. Ctrl+Z undoes the last transaction (its own text undo is of no use at
    the counter); Down goes to the picker; Esc clears the text, or else the officer."""

    undo_pressed = Signal()
    escape_on_empty = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scan")
        self.setPlaceholderText(
            "Scan an officer's ID badge or a camera - or type a name, badge or tag"
        )
        self.setStyleSheet("font-size: 18px; padding: 6px;")
        self.picker: QListWidget | None = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo_pressed.emit()
        elif event.key() == Qt.Key.Key_Down and self.picker and self.picker.isVisible():
            self.picker.setFocus()
            self.picker.setCurrentRow(0)
        elif event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            if self.picker is not None:
                self.picker.hide()
        elif event.key() == Qt.Key.Key_Escape:
            self.escape_on_empty.emit()
        else:
            super().keyPressEvent(event)


class ScannerKeys(ScanWatch):
    """Watches the keys typed anywhere in the view but the scan field: a burst at scanner
    speed that ends in Enter is a scan. It goes to ``on_scan``, and the field it fell into
    gets back what it held before (a note being typed stays a note)."""

    follows_focus = True  # (counts: the focus widget's keys only)

    def __init__(
        self,
        view: QWidget,
        scan_edit: QLineEdit,
        on_scan: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(view, clock)
        self.scan_edit = scan_edit
        self.on_scan = on_scan
        self.watch(c for c in view.findChildren(QWidget) if c is not scan_edit)

    def counts(self, watched: Any) -> bool:
        return watched is QApplication.focusWidget() and self.scan_edit.isEnabled()

    def snapshot(self, watched: Any) -> Restorable | None:
        return FieldText(watched) if isinstance(watched, QLineEdit) else None

    def scanned(self, code: str) -> None:
        self.on_scan(code)


def _issued(alerts: Any) -> list[str]:
    """The docks' alerts the counter shows: cameras that are out, seen in a dock."""
    return [a.text for a in alerts if "issued" in a.kind.lower()]


class AlertList(QListWidget):
    """For the supervisor, above the counter: lost or stolen cameras scanned at a counter,
    and cameras that are out but turned up in a dock (the docks' alerts of that kind)."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app_state = state
        self.setObjectName("counter_alerts")
        self.setStyleSheet("color: #991b1b; font-weight: bold;")
        self.setMaximumHeight(90)
        self.hide()
        self._soon = QTimer(self)  # dock reports come several a second: one read for many
        self._soon.setSingleShot(True)
        self._soon.setInterval(ALERTS_SOON_MS)
        self._soon.timeout.connect(self.refresh)
        self._reading = False  # a read in flight
        self._again = False  # asked again meanwhile
        self._counter_lines: list[str] = []
        self._dock_lines: list[str] = []
        self._shown: list[str] | None = None
        state.dock_alerts_changed.connect(self._docks_said)

    def refresh_soon(self) -> None:
        # Not restarted by each report: reports keep coming, the list must still refresh.
        if not self._soon.isActive():
            self._soon.start()

    def refresh(self) -> None:
        """Read the alerts: the counter's, and the docks' unless the Docks view read them
        lately (the board: every bay). On the bulk lane, so a scan never waits behind it,
        and one read at a time; asked again meanwhile, once more after it."""
        if self._reading:
            self._again = True
            return
        self._reading, self._again = True, False
        read_docks = self.app_state.fresh_dock_alerts(DOCK_ALERTS_FRESH_S) is None

        def read(ctx: Any) -> tuple[list[str], list[str] | None]:
            lines = [a.text for a in counter.counter_alerts(ctx)]
            return lines, _issued(dock_board.alerts(ctx)) if read_docks else None

        self.app_state.read(read, self._read, self._failed, bulk=True, parent=self)

    def _read(self, lines: tuple[list[str], list[str] | None]) -> None:
        self._reading = False
        self._counter_lines, dock_lines = lines
        if dock_lines is None:
            dock_lines = _issued(self.app_state.fresh_dock_alerts(DOCK_ALERTS_FRESH_S) or ())
        self._dock_lines = dock_lines
        self._show(self._counter_lines + self._dock_lines)
        if self._again:
            self.refresh()

    def _docks_said(self, alerts: tuple[Any, ...]) -> None:
        lines = _issued(alerts)
        if lines != self._dock_lines:
            self._dock_lines = lines
            self._show(self._counter_lines + self._dock_lines)

    def _failed(self, exc: BaseException) -> None:
        self._reading = False
        log.warning("counter alerts: %s", exc)
        if self._again:
            self.refresh()

    def _show(self, lines: list[str]) -> None:
        if lines == self._shown:
            return  # (not rebuilt, nor the view laid out again, for the same lines)
        self._shown = lines
        self.clear()
        for line in lines:
            self.addItem(QListWidgetItem(f"\u26a0 {line}"))
        self.setVisible(bool(lines))
        self.setFixedHeight(min(90, 8 + 22 * max(1, len(lines))))


class SearchPicker(QListWidget):
    """Typing by hand in the scan field: officers and cameras that match, to pick from.
    ``on_listed(text, shown, many)`` hears that matches are listed (``many``: more match
    than are shown); ``on_unlisted()`` that the list went."""

    def __init__(
        self,
        state: AppState,
        scan_edit: QLineEdit,
        on_pick: Callable[[str], None],
        parent: QWidget | None = None,
        on_listed: Callable[[str, int, bool], None] | None = None,
        on_unlisted: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.app_state = state
        self.scan_edit = scan_edit
        self.on_pick = on_pick
        self.on_listed = on_listed
        self.on_unlisted = on_unlisted
        self.setObjectName("picker")
        self.setMaximumHeight(150)
        self.hide()
        self.itemActivated.connect(self._picked)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(250)
        self._searched = ""  # the text the listed matches are for
        self.timer.timeout.connect(self._search)
        # Each key typed restarts the timer in Qt, not through Python: a scanner's keys
        # come here too, and each call into Python waits for the interpreter while the
        # workers read (the text's length is looked at once the typing pauses).
        QObject.connect(scan_edit, SIGNAL("textEdited(QString)"), self.timer, SLOT("start()"))

    def stop(self) -> None:
        self.hide()
        self.timer.stop()

    def _search(self) -> None:
        text = self.scan_edit.text()
        if len(text.strip()) < 2:
            self.hide()
            return
        self.app_state.read(
            lambda ctx: counter.search(ctx, text),
            lambda rows: self._found(text, rows),
            lambda _e: self.hide(),
        )

    def matches_for(self, text: str) -> list[str]:
        """The codes of the matches listed for exactly ``text`` (none when the list is
        hidden or shows another text's)."""
        if not self.isVisible() or self._searched != text:
            return []
        return [str(self.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.count())]

    def _found(self, text: str, rows: list[OfficerRow | UnitRow]) -> None:
        if not self.scan_edit.text().strip() or self.scan_edit.text() != text:
            return  # (typed on, or a scan came: the next pause searches again)
        self._searched = text
        self.clear()
        for row in rows:
            if isinstance(row, OfficerRow):
                item = QListWidgetItem(
                    f"Officer  {row.name}  badge {row.badge}  ({row.shift or 'no shift'})"
                )
                item.setData(Qt.ItemDataRole.UserRole, row.badge)
            else:
                holder = f" - out: {row.holder}" if row.holder else ""
                item = QListWidgetItem(
                    f"Camera  {row.asset_tag}  {row.serial}  {row.status.value}{holder}"
                )
                item.setData(Qt.ItemDataRole.UserRole, row.asset_tag)
            self.addItem(item)
        self.setVisible(bool(rows))
        if rows and self.on_listed is not None:
            officers = sum(isinstance(row, OfficerRow) for row in rows)
            many = max(officers, len(rows) - officers) >= counter.SEARCH_LIMIT
            self.on_listed(text, len(rows), many)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if self.on_unlisted is not None:
            self.on_unlisted()

    def _picked(self, item: QListWidgetItem) -> None:
        code = str(item.data(Qt.ItemDataRole.UserRole))
        self.scan_edit.clear()
        self.hide()
        self.on_pick(code)


def card_html(officer: OfficerRow | None, done: OfficerRow | None) -> str:
    """The officer card: the officer at the counter, or (dimmed) the one just served."""
    o = officer
    if o is None and done is not None:
        return (
            f"<i>Done:</i> <b>{done.name}</b> ({done.badge})<br>Holds now: "
            f"<b>{', '.join(done.holding) or 'nothing'}</b><br><br>"
            "<i>No officer selected.</i> Scan the next badge or camera."
        )
    if o is None:
        return "<i>No officer selected.</i><br>Scan an ID badge."
    holding = ", ".join(o.holding) or "nothing"
    overdue = (
        f"<br><b style='color:#b91c1c'>Overdue: {', '.join(o.overdue)}</b>" if o.overdue else ""
    )
    inactive = "" if o.active else "<br><b style='color:#b91c1c'>NOT ACTIVE</b>"
    return (
        f"<span style='font-size:18px'><b>{o.name}</b></span><br>Badge <b>{o.badge}</b>"
        f" &middot; {o.rank or 'Officer'} &middot; {o.division or 'no division'}<br>"
        f"Shift: {o.shift or 'not set'}<br>Primary camera: <b>{o.primary_unit or 'none'}"
        f"</b><br>Holds now: <b>{holding}</b>{overdue}{inactive}"
    )


class ConditionRow(QWidget):
    """The condition of the next return: ticks and a note. They go with the next camera
    returned and are then cleared, with a line saying which camera they went with."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.damaged_box = QCheckBox("&Damaged", self)
        self.missing_box = QCheckBox("&Accessory missing", self)
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText("note for the next return")
        self.applied_label = QLabel(self)
        self.applied_label.setObjectName("condition_applied")
        self.applied_label.setWordWrap(True)
        self.applied_label.setStyleSheet("color: #475569;")
        row = QHBoxLayout()
        row.addWidget(QLabel("Condition on the next return:", self))
        row.addWidget(self.damaged_box)
        row.addWidget(self.missing_box)
        row.addWidget(self.note_edit, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.applied_label)

    def condition(self) -> ReturnCondition:
        return ReturnCondition(
            self.damaged_box.isChecked(), self.missing_box.isChecked(), self.note_edit.text()
        )

    def pending(self) -> bool:
        """Ticks or a note wait for the next return."""
        return (
            self.damaged_box.isChecked()
            or self.missing_box.isChecked()
            or bool(self.note_edit.text().strip())
        )

    def went_with(self, asset_tag: str) -> str:
        """Clear the row after a return; the line saying where it went, or ''."""
        applied = [
            text
            for box, text in (
                (self.damaged_box, "damaged"),
                (self.missing_box, "accessory missing"),
            )
            if box.isChecked()
        ]
        if self.note_edit.text().strip():
            applied.append(f"note \u201c{self.note_edit.text().strip()}\u201d")
        self.damaged_box.setChecked(False)
        self.missing_box.setChecked(False)
        self.note_edit.clear()
        if not applied:
            return ""
        line = f"{', '.join(applied).capitalize()} went with {asset_tag}."
        self.applied_label.setText(line)
        return line

"""Docks (Ctrl+4): every dock and bay, live. The view reads the board from the database on a
worker at a steady rate (once a second while shown), so a dock sending a message per bay per
second costs one repaint per second, not one per message; and docks that report to other
stations show here too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.docking import BayState
from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.units import UnitStatus
from bwc_desk.services import dock_board, inventory
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.dock_board import LISTENING, TURNED_OFF, Alert, BayRow, Board, FeedAddress
from bwc_desk.services.dto import UnitRow
from bwc_desk.ui.gates import Gates
from bwc_desk.ui.scan_keys import Restorable, ScanWatch
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.dock_dialogs import AddDockDialog, RegisterDialog, RemoveDockDialog
from bwc_desk.ui.views.dock_grid import COLOURS, COLUMNS, DockWidget, dock_width

REFRESH_MS = 1000
BACKGROUND_MS = 15_000  # alerts for the status bar while another view is shown
HIDDEN_SOON_MS = 3000  # hidden: changes read the board (for its alerts) once this long after
SUMMARY = (
    BayState.READY,
    BayState.CHARGING,
    BayState.UPLOADING,
    BayState.UPDATING,
    BayState.ERROR,
    BayState.NOT_REGISTERED,
    BayState.OFFLINE,
    BayState.EMPTY,
)
ADMIT_MINUTES = 5


def empty_text(feed: FeedAddress | None) -> str:
    """What the view says with no dock registered, naming where docks reach this station."""
    intro = (
        "No dock is registered yet. An administrator registers docks here (Register "
        "dock..., or Admit new docks while they connect) or with `bwc-desk docks add NAME "
        "--bays N`. "
    )
    tail = (
        " They send the station's dock token (see docs/dock-protocol.md); `bwc-desk dock-sim` "
        "plays simulated docks."
    )
    if feed is None:
        return intro + "Docks connect to this station's dock feed over TCP." + tail
    where = f"TCP {feed.host}:{feed.port}"
    if feed.host.strip() in ("", "0.0.0.0", "::"):
        where += " (any of this PC's addresses)"
    if feed.state == LISTENING:
        said = f"Docks connect to this station on {where}."
    elif feed.state == TURNED_OFF:
        said = (
            f"This station's dock feed is turned off (dock_feed_enabled in station.json): "
            f"docks cannot report here. Turned on, it listens on {where}."
        )
    else:
        why = f": {feed.problem}" if feed.problem else ""
        said = (
            f"This station's dock feed is not running{why}. It is configured for {where}; "
            "docks cannot report here until it runs"
            + ("." if why else " (it starts shortly after sign-in; if not, the log says why).")
        )
    return intro + said + tail


class DocksTab(QWidget):
    alerts_changed = Signal(object)  # tuple[Alert, ...]
    board_shown = Signal()  # after each repaint of fresh data (tests, benchmark)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.board: Board | None = None
        self.widgets: dict[str, DockWidget] = {}
        self._loading = False
        self._again = False  # a change came while the board was being read
        self._loaded = False
        self._shown_alerts: tuple[Alert, ...] | None = None
        self.summary = QLabel(self)
        self.summary.setObjectName("dock_summary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)  # nothing cut short in a narrow window
        self.admission_label = QLabel(self)
        self.admission_label.setObjectName("dock_admission")
        self.admission_label.setStyleSheet("color: #92400e; font-weight: bold;")
        self.admission_label.hide()
        self.add_button = QPushButton("&Register dock...", self)
        self.add_button.clicked.connect(self._add_dock)
        self.remove_button = QPushButton("Remove doc&k...", self)
        self.remove_button.clicked.connect(self._remove_dock)
        self.admit_button = QPushButton(f"&Admit new docks ({ADMIT_MINUTES} min)", self)
        self.admit_button.setToolTip(
            f"For {ADMIT_MINUTES} minutes, docks that say hello with this station's token "
            "are registered"
        )
        self.admit_button.clicked.connect(self._toggle_admission)
        self.inspect_button = QPushButton("&Inspect dock...", self)
        self.inspect_button.setToolTip("The daily dock inspection (a checklist per dock)")
        self.inspect_button.clicked.connect(self._inspect)
        self.alert_list = QListWidget(self)
        self.alert_list.setObjectName("dock_alerts")
        self.alert_list.setMaximumHeight(110)
        self.alert_list.itemActivated.connect(self._alert_activated)
        self.empty_label = QLabel(empty_text(None), self)
        self.empty_label.setObjectName("docks_empty")
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()  # (until a board with no dock is read)
        self._feed: FeedAddress | None = None  # where this station's dock feed listens
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidget(self.grid_host)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.viewport().installEventFilter(self)
        self._placed: tuple[int, int, int] | None = None  # tiles a row, docks a row, docks
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        admin = QHBoxLayout()
        admin.addWidget(self.admission_label, 1)
        admin.addWidget(self.inspect_button)
        for button in (self.admit_button, self.add_button, self.remove_button):
            admin.addWidget(button)
        # Whoever is signed in NOW: the next person signs in on this same window after the
        # idle lock. The inspection is the supervisors' daily round; the rest administrators'.
        self.gates = Gates(state, self)
        self.gates.add(self.inspect_button, Permission.OUT_OF_SERVICE,
                       tip=self.inspect_button.toolTip(), hide=True)
        for button in (self.admit_button, self.add_button, self.remove_button):
            self.gates.add(button, Permission.SETTINGS, tip=button.toolTip(), hide=True)
        self.gates.update()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(admin)
        layout.addWidget(self.alert_list)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.scroll_area, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.background = QTimer(self)
        self.background.setInterval(BACKGROUND_MS)
        self.background.timeout.connect(self._background)
        self.background.start()
        self._hidden_soon = QTimer(self)
        self._hidden_soon.setSingleShot(True)
        self._hidden_soon.setInterval(HIDDEN_SOON_MS)
        self._hidden_soon.timeout.connect(self._background)
        state.changed.connect(self._changed)
        self.scans = DockScans(self)

    # --- a scan here ------------------------------------------------------------------------
    def _not_in_a_bay(self, code: str) -> None:
        """A code in no bay: a camera of the agency is said where it is instead."""
        def read(ctx: Any) -> UnitRow | None:
            try:
                return inventory.unit_detail(ctx, code)
            except DomainError:
                return None

        self.state.read(
            read,
            lambda unit: self.state.message.emit(_not_in_a_bay_text(code, unit), 8000),
            lambda _exc: self.state.message.emit(_not_in_a_bay_text(code, None), 8000),
        )

    def find_scanned(self, code: str) -> None:
        """A code scanned on this view: a camera in a bay is shown (scrolled to, outlined,
        said); any other code is said to belong at the counter."""
        if self.board is None:
            self.state.message.emit(
                f"{code.strip()}: the docks are still being read. Scan it again in a moment.",
                8000)
            return
        wanted = code.strip().upper()
        found: BayRow | None = None
        for dock in self.board.docks if self.board is not None else ():
            for bay in dock.bay_rows:
                if bay.serial and wanted in (bay.serial.upper(), bay.asset_tag.upper()):
                    found = bay
        for widget in self.widgets.values():
            widget.mark(None)
        if found is None:
            self._not_in_a_bay(code.strip())
            return
        shown = self.widgets.get(found.dock)
        if shown is not None:
            shown.mark(found.bay)
            tile = shown.tile_of(found.bay)
            if tile is not None:
                centre = shown.mapTo(self.grid_host, tile.center())
                self.scroll_area.ensureVisible(centre.x(), centre.y(), tile.width(),
                                               tile.height())
        name = found.asset_tag or found.serial
        what = found.held or found.state.label.lower()
        self.state.message.emit(f"{name} is in {found.label} ({what}).", 8000)

    # --- refreshing at a steady rate ------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.timer.start()
        self.refresh()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self.timer.stop()

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.refresh()

    def refresh(self) -> None:
        if self.state.actor is None:
            return
        if self._loading:
            # The running read may have started before this change was committed: one more
            # read once it is done (not one per change, and not a second's wait either).
            self._again = True
            return
        self._loading = True
        self._again = False
        self.state.read(
            dock_board.board, self._show_board, self._failed, key=(self, "b"), bulk=True
        )

    def _background(self) -> None:
        if not self.isVisible():
            self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self._loading = self._again = False
        self.summary.setText(f"<b style='color:#b91c1c'>Dock states could not be read: {exc}</b>")

    def _changed(self, change: ChangeSet) -> None:
        # Shown: one read of the board per change set, not per topic (a second's timer
        # repaints anyway). Hidden, the board is read only for its alerts (the status bar):
        # once for a burst of changes, not for each (the counter's scans, another station,
        # the docks: several a second, each a read of 1,200 bays).
        if not (self._loaded and change.touches("units", "docks", "settings")):
            return
        if self.isVisible():
            self.refresh()
        elif not self._hidden_soon.isActive():
            self._hidden_soon.start()

    def _show_board(self, board: Board) -> None:
        self._loading = False
        self._loaded = True
        if self._again:
            self.refresh()
        self.board = board
        self.alerts_changed.emit(board.alerts)
        self.state.publish_dock_alerts(board.alerts)  # (the counter's alert list takes them)
        if not self.isVisible():
            return
        self._show_summary(board)
        self._show_admission(board)
        self._show_alerts(board.alerts)
        self.empty_label.setVisible(not board.docks)
        if not board.docks and (self._feed is None or self._feed.state != LISTENING):
            # (Asked again until it listens: the feed starts after the window.)
            self.state.read(dock_board.feed_address, self._show_feed, key=(self, "f"))
        now = board.at or datetime.now().astimezone()
        names = [d.name for d in board.docks]
        if names != list(self.widgets):
            self._rebuild(board)
        for dock in board.docks:
            self.widgets[dock.name].set_dock(dock, now)
        self.board_shown.emit()

    def _show_feed(self, feed: FeedAddress) -> None:
        self._feed = feed
        text = empty_text(feed)
        if text != self.empty_label.text():
            self.empty_label.setText(text)

    def _rebuild(self, board: Board) -> None:
        for widget in self.widgets.values():
            self.grid.removeWidget(widget)
            widget.deleteLater()
        self.widgets = {}
        self._placed = None
        for dock in board.docks:
            widget = DockWidget(dock, self.grid_host)
            widget.setObjectName(f"dock_{dock.name}")
            widget.bay_clicked.connect(self._bay_clicked)
            self.widgets[dock.name] = widget
        self._reflow()

    def eventFilter(self, watched: Any, event: Any) -> bool:
        # The viewport's width, not the view's: it narrows when the vertical scroll bar
        # comes, and the docks must then fit it again.
        if event.type() == QEvent.Type.Resize and watched is self.scroll_area.viewport():
            self._reflow()
        return super().eventFilter(watched, event)

    def _reflow(self) -> None:
        """The docks flow into the width there is: as many docks a row as fit, and fewer
        tiles a row in each dock when four do not fit. Scrolled down, never across."""
        if not self.widgets:
            return
        margins = self.grid.contentsMargins()
        room = self.scroll_area.viewport().width() - margins.left() - margins.right()
        spacing = max(0, self.grid.horizontalSpacing())
        # As many tiles a row as fit, in whole docks: four a dock where that loses nothing
        # (two docks of four), else fewer a dock and more docks (two of three, not one of
        # four, where two of four do not fit).
        tiles, per_row = max(
            ((t, max(1, (room + spacing) // (dock_width(t) + spacing)))
             for t in range(1, COLUMNS + 1)
             if t == 1 or dock_width(t) <= room),
            key=lambda option: (option[0] * option[1], option[0]),
        )
        if (tiles, per_row, len(self.widgets)) == self._placed:
            return
        self._placed = (tiles, per_row, len(self.widgets))
        for widget in self.widgets.values():
            self.grid.removeWidget(widget)
        for i, widget in enumerate(self.widgets.values()):
            widget.set_columns(tiles)
            self.grid.addWidget(widget, i // per_row, i % per_row)

    def _show_summary(self, board: Board) -> None:
        chips = []
        for state in SUMMARY:
            fill, border, text = COLOURS[state]
            chips.append(
                f"<span style='background:{fill}; color:{text}; border:1px solid "
                f"{border};'>&nbsp;{state.label}: <b>{board.counts.get(state.value, 0)}"
                "</b>&nbsp;</span>"
            )
        # Not ready to hand out whatever their bays say: issued at the counter (out), or
        # recorded as stolen, lost, in repair or retired.
        for key, words in ((dock_board.ISSUED_COUNT, "Issued, still in a bay"),
                           (dock_board.HELD_COUNT, "Not to hand out (stolen, lost, repair)")):
            count = board.counts.get(key, 0)
            if count:
                fill, border, text = COLOURS[BayState.ERROR]
                chips.append(
                    f"<span style='background:{fill}; color:{text}; border:1px solid "
                    f"{border};'>&nbsp;{words}: <b>{count}</b>&nbsp;</span>"
                )
        docks_text = f"{len(board.docks)} dock{'' if len(board.docks) == 1 else 's'}" + (
            f", {sum(1 for d in board.docks if d.offline)} offline"
            if any(d.offline for d in board.docks)
            else ""
        )
        text = f"<b>{docks_text}</b> &nbsp; " + " &nbsp;".join(chips)
        if text != self.summary.text():
            self.summary.setText(text)

    def _show_alerts(self, alerts: tuple[Alert, ...]) -> None:
        # Rebuilt only when the alerts change, not once a second: an idle view makes no
        # garbage (the list's items, their brushes) while nothing happens.
        if alerts == self._shown_alerts:
            return
        self._shown_alerts = alerts
        self.alert_list.clear()
        for alert in alerts:
            item = QListWidgetItem(f"\u26a0 {alert.text}")
            item.setData(Qt.ItemDataRole.UserRole, alert.dock)
            item.setForeground(Qt.GlobalColor.darkRed)
            self.alert_list.addItem(item)
        self.alert_list.setVisible(bool(alerts))
        self.alert_list.setFixedHeight(min(110, 8 + 20 * max(1, len(alerts))))

    def _alert_activated(self, item: QListWidgetItem) -> None:
        widget = self.widgets.get(str(item.data(Qt.ItemDataRole.UserRole)))
        if widget is not None:
            self.scroll_area.ensureWidgetVisible(widget)

    # --- registering docks (administrators) -------------------------------------------------
    def _show_admission(self, board: Board) -> None:
        until = board.admit_until
        self.admission_label.setVisible(until is not None)
        if until is not None:
            self.admission_label.setText(
                f"Admitting new docks until {until.astimezone(self.state.ctx.zone):%H:%M:%S}: "
                "docks that say hello with the station's token are registered."
            )
        self.admit_button.setText(
            "Stop &admitting" if until is not None
            else f"&Admit new docks ({ADMIT_MINUTES} min)"
        )

    def _add_dock(self) -> None:
        dialog = AddDockDialog(self.state, self)
        if dialog.exec():
            self._done(dialog.done_text())

    def _remove_dock(self) -> None:
        names = [d.name for d in self.board.docks] if self.board else []
        if not names:
            self.state.message.emit("No dock is registered.", 5000)
            return
        dialog = RemoveDockDialog(self.state, names, self)
        if dialog.exec():
            self._done(dialog.done_text())

    def _toggle_admission(self) -> None:
        from bwc_desk.services import dock_registry

        if self.board is not None and self.board.admit_until is not None:
            self.state.write(
                dock_registry.close_admission,
                lambda _r: self._done("No new docks are admitted."),
                changed="docks",
            )
            return
        self.state.write(
            lambda ctx: dock_registry.open_admission(ctx, ADMIT_MINUTES),
            lambda _r: self._done(
                f"For {ADMIT_MINUTES} minutes, docks that say hello are registered."
            ),
            changed="docks",
        )

    def _done(self, text: str) -> None:
        self.state.message.emit(text, 8000)
        self.refresh()

    def _inspect(self) -> None:
        from bwc_desk.ui.views.inspect import inspect_dock

        inspect_dock(self, self.state, [d.name for d in self.board.docks] if self.board else [])

    # --- clicking a bay -------------------------------------------------------------------
    def _bay_clicked(self, bay: BayRow) -> None:
        if bay.unit_id is not None:
            from bwc_desk.ui.views.unit_detail import UnitDetailDialog

            UnitDetailDialog(self.state, bay.unit_id, self).exec()
            return
        if not self.state.can(Permission.MANAGE_UNITS):
            self.state.message.emit(
                f"{bay.label}: {bay.serial} is not registered. "
                + self.state.why_not(Permission.MANAGE_UNITS),
                10_000,
            )
            return
        dialog = RegisterDialog(self.state, bay, self)
        if dialog.exec():
            self.state.message.emit(dialog.done_text(), 8000)


def _not_in_a_bay_text(code: str, unit: UnitRow | None) -> str:
    if unit is None:
        return (f"{code} is no camera in a dock bay. Badges and cameras are issued and "
                "returned at Check-in / Check-out.")
    where = f"out: {unit.holder}" if unit.holder and unit.status is UnitStatus.ISSUED else (
        unit.status.value)
    return f"{unit.asset_tag} is not in a dock bay ({where})."


class DockScans(ScanWatch):
    """A burst at scanner speed that ends in Enter, anywhere in the Docks view: the code goes
    to ``DocksTab.find_scanned`` (a scan there did nothing at all)."""

    follows_focus = True  # (counts: the focus widget's keys only)

    def __init__(self, tab: DocksTab) -> None:
        super().__init__(tab)
        self.tab = tab
        self.watch(tab.findChildren(QWidget))

    def counts(self, watched: Any) -> bool:
        return watched is QApplication.focusWidget() and self.tab.isVisible()

    def snapshot(self, watched: Any) -> Restorable | None:
        return None  # (no field here takes text: the keys only moved a list's highlight)

    def scanned(self, code: str) -> None:
        if code:
            self.tab.find_scanned(code)


"""The main window: four views, menus that hold only what works, a status bar that says who
is signed in at which station against which database, and the lock screen."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QMargins, QModelIndex, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.domain.errors import DomainError, UnavailableError
from bwc_desk.domain.roles import Permission, Role
from bwc_desk.services import anchors, auth, changes
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.settings import AgencySettings, get_settings
from bwc_desk.services.stations import station_info
from bwc_desk.ui.directory_alerts import HolderAlerts
from bwc_desk.ui.elided_label import ElidedLabel, StatusLine
from bwc_desk.ui.lazy_tabs import LazyTabs, LazyView
from bwc_desk.ui.lock_screen import IdleWatcher, LockScreen, PopupGuard
from bwc_desk.ui.menu_focus import MenuFocus
from bwc_desk.ui.ops import Lane, MutationOp, Task
from bwc_desk.ui.paint_hold import PaintHold
from bwc_desk.ui.state import AppState
from bwc_desk.ui.verify_banner import VerifyBanner
from bwc_desk.ui.widgets import FilteredTable
from bwc_desk.ui.window_actions import WindowActions

if TYPE_CHECKING:
    from bwc_desk.ui.views.assignments_tab import AssignmentsTab
    from bwc_desk.ui.views.counter_tab import CounterTab
    from bwc_desk.ui.views.docks_tab import DocksTab
    from bwc_desk.ui.views.inventory_tab import InventoryTab

log = logging.getLogger(__name__)

# The views, in tab order: each is imported and built the first time its tab is shown
# (ui/lazy_tabs.py). A new view joins with one line here.
VIEWS = (
    LazyView("&Inventory", "inventory_tab", "bwc_desk.ui.views.inventory_tab:InventoryTab"),
    LazyView("&Assignments", "assignments_tab", "bwc_desk.ui.views.assignments_tab:AssignmentsTab"),
    LazyView("Check-in / &Check-out", "counter_tab", "bwc_desk.ui.views.counter_tab:CounterTab"),
    LazyView("&Docks", "docks_tab", "bwc_desk.ui.views.docks_tab:DocksTab"),
    LazyView("A&udit", "audit_tab", "bwc_desk.ui.views.audit_tab:AuditTab"),
    LazyView("Re&pairs", "repairs_tab", "bwc_desk.ui.views.repairs_tab:RepairsTab"),
    LazyView("&Reports", "reports_tab", "bwc_desk.ui.views.reports_tab:ReportsTab"),
)
HOME_VIEWS = ("counter_tab", "inventory_tab")  # where MainWindow.home_view() opens


def preload_home_views() -> None:
    """Load what the first view needs before the window is built (its module and Qt's
    fonts), where the start-up would otherwise wait: while a person types the password, or
    while it is checked (Argon2 leaves the interpreter free). Builds nothing."""
    for spec in VIEWS:
        if spec.name in HOME_VIEWS:
            spec.load()
    QFontMetrics(QApplication.font()).horizontalAdvance("BWC Desk")  # (the font database)


# The Docks view keeps the status bar's dock alerts current while another view is shown:
# built this long after start-up if nobody has opened it (its own background period).
DOCK_ALERTS_AFTER_MS = 15_000
# Building the Docks view takes a few dozen milliseconds on the main thread: done while nobody
# is using the station (no key, click or scan for this long), asked again every second, and
# done anyway once this long has gone by (a counter busy for minutes on end).
DOCK_ALERTS_QUIET_S = 3.0
DOCK_ALERTS_LATEST_MS = 180_000


class MainWindow(WindowActions):
    def __init__(
        self,
        state: AppState,
        agency: str = "",
        idle_minutes: int = 15,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.agency = agency
        self.station = station_info(state.ctx)
        state.error_handler = self.show_error
        self.setObjectName("main_window")
        self.fit_to_screen()
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("views")
        self.pages = LazyTabs(self.tabs, VIEWS, state, self._view_built)
        # The first view first (the one built now, the others when first shown), and its
        # read under way while the rest of the window is built.
        home = self.home_view()
        self.tabs.setCurrentIndex(home)  # (before the window follows currentChanged)
        self._first_read = self._load(self.pages.view_at(home))
        self.lock_screen = LockScreen(
            self._sign_in_call(auth.sign_in), self._sign_in_call(auth.sign_in_badge)
        )
        self.lock_screen.unlocked.connect(self._unlocked)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.tabs)
        self.stack.addWidget(self.lock_screen)
        # Records that failed verification are said above every view and the lock screen.
        self.verify_banner = VerifyBanner(self)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.verify_banner)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.tabs.currentChanged.connect(self._view_shown)
        self.permission_actions: list[tuple[QAction, Permission]] = []
        self._build_menus()
        self._build_status_bar()
        self._alerts: tuple[Any, ...] = ()
        self.popup_guard = PopupGuard(self)
        self._last_actor: Actor | None = None  # who was signed in before the lock
        self._closed_by_lock: list[str] = []  # the open forms' titles: said at the sign-in
        self._closed = False
        self.idle = IdleWatcher(idle_minutes, self)
        self.paint_hold = PaintHold(self)  # (its paints in one hold of the interpreter)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._lock_key_in_dialog)
        self.idle.idle.connect(lambda: self.lock(idle=True))
        state.actor_changed.connect(lambda _a: self._update_identity())
        state.message.connect(self._message)
        self._update_identity()
        QTimer.singleShot(DOCK_ALERTS_AFTER_MS, self._dock_alerts_due)
        QTimer.singleShot(0, self._record_owed)  # (sign-outs an outage left, even last run)

    # --- the views, built on first use ----------------------------------------------------
    def view(self, name: str) -> QWidget:
        """A view by its name in VIEWS, built now if it was not yet."""
        return self.pages.view(name)

    @property
    def inventory_tab(self) -> InventoryTab:
        return cast("InventoryTab", self.pages.view("inventory_tab"))

    @property
    def assignments_tab(self) -> AssignmentsTab:
        return cast("AssignmentsTab", self.pages.view("assignments_tab"))

    @property
    def counter_tab(self) -> CounterTab:
        return cast("CounterTab", self.pages.view("counter_tab"))

    @property
    def docks_tab(self) -> DocksTab:
        return cast("DocksTab", self.pages.view("docks_tab"))

    def _view_built(self, name: str, view: QWidget) -> None:
        if name == "docks_tab":
            view.alerts_changed.connect(self._dock_alerts)  # type: ignore[attr-defined]

    def _dock_alerts_due(self, waited_ms: int = 0) -> None:
        """Nobody opened Docks yet: build it hidden, so that the status bar says when a bay
        needs someone (as it did when every view was built at start-up); between scans, not
        during one (see DOCK_ALERTS_QUIET_S)."""
        if self.pages.built("docks_tab") is not None:
            return
        if self.idle.quiet_s() < DOCK_ALERTS_QUIET_S and waited_ms < DOCK_ALERTS_LATEST_MS:
            QTimer.singleShot(1000, lambda: self._dock_alerts_due(waited_ms + 1000))
            return
        self.docks_tab.refresh()  # (hidden, it reads the board for the alerts only)

    def fit_to_screen(self, preferred: QSize | None = None) -> None:
        """The preferred size, or on a smaller screen (a 1280x720 counter PC) maximized:
        never wider or taller than the screen (the status bar stays in sight)."""
        preferred = preferred or QSize(1400, 860)
        screen = self.screen()
        room = screen.availableGeometry().size() if screen is not None else preferred
        # (Room for the title bar and frame, which are not known before the window shows.)
        if room.width() < preferred.width() + 16 or room.height() < preferred.height() + 48:
            self.resize(room.shrunkBy(QMargins(0, 0, 16, 48)))
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        else:
            self.resize(preferred)

    def home_view(self) -> int:
        """The counter for a quartermaster (their work is there), Inventory for the rest."""
        actor = self.state.actor
        quartermaster = actor is not None and actor.role is Role.QUARTERMASTER
        return self.pages.index_of("counter_tab" if quartermaster else "inventory_tab")

    @property
    def locked(self) -> bool:
        return self.stack.currentWidget() is self.lock_screen

    # --- menus ----------------------------------------------------------------------------
    def _action(
        self,
        menu: Any,
        label: str,
        slot: Callable[[], object],
        permission: Permission | None = None,
        shortcut: str = "",
    ) -> QAction:
        action: QAction = menu.addAction(label)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        if permission is not None:
            self.permission_actions.append((action, permission))
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        # The audit log's export needs what reading it needs (a supervisor exports data but
        # never reads the audit log: services/audit.export_audit).
        self.export_actions = [
            self._action(file_menu, label, partial(self._export, name), permission)
            for label, name, permission in (
                ("Export &officers as CSV...", "officers", Permission.EXPORT),
                ("Export &units as CSV...", "units", Permission.EXPORT),
                ("Export &custody history as CSV...", "custody", Permission.EXPORT),
                ("Export the &audit log as CSV...", "audit", Permission.VIEW_AUDIT),
            )
        ]
        file_menu.addSeparator()
        self.backup_action = self._action(
            file_menu, "&Back up now", self.back_up_now, Permission.BACKUP
        )
        self.restore_action = self._action(
            file_menu, "&Restore from a backup...", self.restore_backup, Permission.RESTORE
        )
        file_menu.addSeparator()
        self.lock_action = self._action(
            file_menu, "&Lock now", lambda: self.lock(False), shortcut="Ctrl+L"
        )
        # Every role's, for a local account (a directory account's password is the
        # directory's: the service says so).
        self.password_action = self._action(
            file_menu, "Change my &password...", self.change_password
        )
        self.sign_out_action = self._action(file_menu, "Sign &out", self.sign_out)
        self.quit_action = self._action(file_menu, "&Quit", self.close, shortcut="Ctrl+Q")

        view_menu = bar.addMenu("&View")
        self.view_actions = [
            self._action(
                view_menu, title, partial(self.tabs.setCurrentIndex, i), shortcut=f"Ctrl+{i + 1}"
            )
            for i, title in enumerate(spec.title for spec in VIEWS)
        ]
        view_menu.addSeparator()
        refresh = self._action(
            view_menu, "&Refresh", lambda: self.state.announce(ChangeSet.everything(local=True))
        )
        refresh.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        # Nothing of these while locked (the shortcuts are application-wide).
        self.unlocked_only_actions = [*self.view_actions, refresh, self.password_action]

        admin_menu = bar.addMenu("Ad&ministration")
        self.staff_action = self._action(
            admin_menu, "&Staff accounts...", self.show_staff, Permission.MANAGE_STAFF
        )
        self.settings_action = self._action(
            admin_menu, "Agency s&ettings...", self.show_settings, Permission.SETTINGS
        )
        self.directory_action = self._action(
            admin_menu, "&Directory...", self.show_directory, Permission.SETTINGS
        )
        admin_menu.addSeparator()
        self.audit_action = self._action(
            admin_menu, "&Audit log...", self.show_audit, Permission.VIEW_AUDIT
        )
        self.verify_action = self._action(
            admin_menu, "&Verify records...", self.show_verify, Permission.VERIFY
        )

        help_menu = bar.addMenu("&Help")
        self.unlocked_only_actions.append(
            self._action(help_menu, "&About BWC Desk", self.show_about)
        )
        self.file_menu, self.view_menu, self.admin_menu = file_menu, view_menu, admin_menu
        self.help_menu = help_menu
        # A menu closed with Escape gives the focus back (the scan field at the counter).
        self.menu_focus = MenuFocus(bar, (file_menu, view_menu, admin_menu, help_menu))

    def _build_status_bar(self) -> None:
        # Messages take the room that is left and are cut with "..." (whole in the tooltip);
        # the labels on the right give way too before the window grows past the screen.
        self.status_line = StatusLine(self)
        self.statusBar().addWidget(self.status_line, 1)
        self.station_label = ElidedLabel(self)
        self.station_label.setObjectName("station_label")
        self.staff_label = ElidedLabel(self)
        self.staff_label.setObjectName("staff_label")
        self.db_label = ElidedLabel(self, Qt.TextElideMode.ElideMiddle)
        self.db_label.setObjectName("db_label")
        self.db_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.alerts_button = QPushButton(self)
        self.alerts_button.setObjectName("dock_alerts_button")
        self.alerts_button.setFlat(True)
        self.alerts_button.setStyleSheet("color: #b91c1c; font-weight: bold;")
        self.alerts_button.hide()
        self.alerts_button.clicked.connect(lambda: self.tabs.setCurrentWidget(self.docks_tab))
        self.statusBar().addPermanentWidget(self.alerts_button)
        self.holder_alerts = HolderAlerts(self.state, self)  # (directory sync: supervisors)
        self.holder_alerts.clicked.connect(
            lambda: self.tabs.setCurrentWidget(self.assignments_tab)
        )
        self.statusBar().addPermanentWidget(self.holder_alerts)
        # The database server away: said once, here, not in a dialog per failed refresh.
        self.offline_label = ElidedLabel(self)
        self.offline_label.setObjectName("offline_label")
        self.offline_label.setStyleSheet("color: white; background: #b91c1c; padding: 1px 6px;")
        self.offline_label.hide()
        self.statusBar().addPermanentWidget(self.offline_label)
        self._probe = QTimer(self)
        self._probe.setInterval(5000)
        self._probe.timeout.connect(self._probe_database)
        self.ledger_label = ElidedLabel(self)
        self.ledger_label.setObjectName("ledger_label")
        self.ledger_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.ledger_label, self.station_label, self.staff_label, self.db_label):
            self.statusBar().addPermanentWidget(label)
        self.state.changed.connect(self._changed)
        self.refresh_ledger_head()
        # The daily anchor of the chain heads in the agency's anchor folder (docs/ledger.md):
        # looked at every hour and after each sign-in; any station may write it.
        self._anchor_timer = QTimer(self)
        self._anchor_timer.setInterval(3_600_000)
        self._anchor_timer.timeout.connect(self.anchor_if_due)
        self._anchor_timer.start()
        QTimer.singleShot(0, self.anchor_if_due)

    def anchor_if_due(self) -> None:
        if not self.locked and self.state.actor is not None:
            self.state.write(anchors.anchor_if_due, self._anchored, self._anchor_failed)

    def _anchored(self, anchor: anchors.Anchor | None) -> None:
        if anchor is not None:
            log.info("chain heads anchored in %s", anchor.path)

    def _anchor_failed(self, exc: BaseException) -> None:
        log.warning("the daily anchor of the chain heads failed: %s", exc)
        if not self.locked:
            self.state.message.emit(f"The daily ledger anchor could not be written: {exc}", 30_000)

    def _message(self, text: str, ms: int) -> None:
        if self.state.locked:  # (a late result of the previous person's work: not theirs)
            log.info("not shown on the lock screen: %s", text)
            return
        self.status_line.show_message(text, ms)

    def _dock_alerts(self, alerts: tuple[Any, ...]) -> None:
        self._alerts = alerts
        self.alerts_button.setVisible(bool(alerts) and not self.state.locked)
        self.alerts_button.setText(
            f"\u26a0 {len(alerts)} dock alert{'s' if len(alerts) > 1 else ''}"
        )
        self.alerts_button.setToolTip("\n".join(a.text for a in alerts[:10]))

    def refresh_ledger_head(self) -> None:
        """The custody chain head, always in view: an auditor can note it at any time."""
        from bwc_desk.services.verify import ChainHeads, chain_heads

        def show(heads: ChainHeads) -> None:
            self.ledger_label.setText(f"Ledger #{heads.custody_seq} {heads.custody_hash[:12]}")
            self.ledger_label.setToolTip(heads.text())

        if self.state.actor is not None:
            # Latest wins, off the person's lane: another station's records come several a
            # second, and each read went before this station's next scan.
            self.state.read(chain_heads, show, lambda _exc: None, key="ledger-head", bulk=True)

    def _changed(self, change: ChangeSet) -> None:
        # The chain head moves with records, not with dock reports alone (several a second).
        if change.topics - {"docks"}:
            self.refresh_ledger_head()
        if change.touches("settings"):
            self._settings_changed()

    def _settings_changed(self) -> None:
        """The agency's name in the title and the idle lock follow Agency settings (changed
        here or at any station)."""
        if self.state.actor is None:
            return

        def got(agency: AgencySettings) -> None:
            if agency.agency_name and agency.agency_name != self.agency:
                self.agency = agency.agency_name
                self._update_identity()
            if agency.idle_lock_minutes * 60_000 != self.idle.interval_ms():
                self.apply_settings(agency)

        self.state.read(get_settings, got, lambda _exc: None)

    def _update_identity(self) -> None:
        ctx = self.state.ctx
        actor = ctx.actor
        demo = " [DEMO]" if self.state.demo else ""
        agency = f"{self.agency} - " if self.agency.strip() else ""  # (none set yet)
        self.setWindowTitle(f"BWC Desk - {agency}{ctx.station}{demo}")
        self.station_label.setText(f"Station: {ctx.station}")
        if self.locked or actor is None:
            self.staff_label.setText("LOCKED: sign in to continue")
        else:
            self.staff_label.setText(f"Signed in: {actor.display_name} ({actor.role.value})")
        # Short, so that the status bar keeps room for messages; the whole place in the
        # tooltip and in Help > About.
        self.db_label.setText(f"Database: {self.station.database_short}")
        self.db_label.setToolTip(self.station.database)
        # Mirror the roles the services enforce: disabled, with a tooltip saying who may.
        for action, permission in self.permission_actions:
            may = self.state.can(permission) and not self.locked
            action.setEnabled(may)
            action.setToolTip("" if may else self.state.why_not(permission))
            action.setStatusTip(action.toolTip())
        sqlite = self.station.path is not None
        for action in (self.backup_action, self.restore_action):
            if not sqlite:
                action.setEnabled(False)
                action.setToolTip(
                    "The PostgreSQL server is backed up with pg_dump on the "
                    "server (docs/deploy-multi-station.md)."
                )
        for action in self.unlocked_only_actions:
            action.setEnabled(not self.locked)
        # Nothing of the agency's data while locked (CJIS: hidden until someone signs in).
        self.alerts_button.setVisible(bool(self._alerts) and not self.locked)
        self.ledger_label.setVisible(not self.locked)
        for menu in (self.file_menu, self.view_menu, self.admin_menu, self.help_menu):
            menu.setToolTipsVisible(True)

    # --- views ----------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.idle.watch(self.windowHandle())  # (shown without the focus, on some platforms)
        QTimer.singleShot(0, self._focus_view)
        if self._first_read:  # (asked for in __init__: not twice, the newest would win)
            self._first_read = False
            return
        self._view_shown(self.tabs.currentIndex())

    def _view_shown(self, index: int) -> None:
        view = self.pages.view_at(index)  # built the first time it is shown
        if not self.locked:
            self._load(view)
            QTimer.singleShot(0, self._focus_view)

    def _focus_view(self) -> None:
        """With nothing of this window holding the keyboard's focus, the view shown takes
        it (its first field: Inventory's search box, the counter's scan field). After the
        start-up sign-in nothing had it: a clerk's first scans went nowhere, unanswered."""
        if self.locked or self.stack.currentWidget() is not self.tabs:
            return
        focus = QApplication.focusWidget()
        if focus is not None and focus.window() is not self:
            return  # (a dialog has it)
        view = self.tabs.currentWidget()
        if view is None or (focus is not None and view.isAncestorOf(focus)):
            return
        if focus is not None and focus is not self.tabs.tabBar() and focus.isVisible():
            return  # (the person put it somewhere of the window: left there)
        box = getattr(getattr(view, "table", None), "filter_edit", None)  # (a list's search)
        if isinstance(box, QWidget) and box.isVisible() and box.isEnabled():
            box.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        first = view.nextInFocusChain()
        while first is not view and first is not None:
            if (view.isAncestorOf(first) and first.isVisible() and first.isEnabled()
                    and first.focusPolicy() & Qt.FocusPolicy.TabFocus):
                first.setFocus(Qt.FocusReason.OtherFocusReason)
                return
            first = first.nextInFocusChain()

    @staticmethod
    def _load(view: QWidget | None) -> bool:
        ensure = getattr(view, "ensure_loaded", None)
        if ensure is not None:
            ensure()
        return ensure is not None

    # --- locking --------------------------------------------------------------------------
    def _sign_in_call(self, fn: Callable[..., Actor]) -> Callable[..., None]:
        def call(
            first: str,
            secret: str,
            on_done: Callable[[Actor], None],
            on_error: Callable[[BaseException], None],
            **more: str,  # new_password: a temporary password replaced (auth.sign_in)
        ) -> None:
            ctx = self.state.ctx.as_actor(None)
            # (Straight to the writer: the window is locked, where AppState refuses writes.)
            self.state.runner.submit(
                Task(
                    lambda: fn(ctx, first, secret, **more),
                    on_done,
                    on_error,
                    parent=self.lock_screen,
                    lane=Lane.WRITER,
                )
            )

        return call

    def _lock_key_in_dialog(self, _old: QWidget | None, new: QWidget | None) -> None:
        """A modal dialog of this window shadows its shortcuts: Ctrl+L (Lock now) did nothing
        while a counter dialog was open. The dialog gets the lock key of its own."""
        dialog = new.window() if new is not None else None
        if (
            not isinstance(dialog, QDialog)
            or dialog.windowModality() == Qt.WindowModality.NonModal
            or dialog.property("bwc_lock_key")
        ):
            return
        parent = dialog.parentWidget()
        while parent is not None and parent is not self:
            parent = parent.parentWidget()
        if parent is None:
            return  # (not this window's)
        dialog.setProperty("bwc_lock_key", True)
        key = QShortcut(self.lock_action.shortcut(), dialog)
        key.activated.connect(lambda: self.lock(False) if self.state.actor is not None else None)

    def lock(self, idle: bool, signed_out: bool = False) -> None:
        """Hide every view and open dialog until a staff member signs in. While locked no
        background work runs (reads wait for the sign-in, see AppState) and nothing opens
        over the lock screen (PopupGuard). After a sign-out (audited as such) no lock is
        recorded, and the screen says signed out."""
        if self.locked:
            return
        actor = self.state.actor
        who = actor.display_name if actor else "nobody"
        if actor is not None and not signed_out:
            self.state.run(
                MutationOp(
                    lambda ctx: auth.record_lock(ctx, idle),
                    parent=None,  # (recorded whatever happens to the window)
                    on_error=lambda exc: log.warning("could not audit the lock: %s", exc),
                )
            )
        self._last_actor = actor
        self.state.set_locked(True)  # first: what the views do on the actor change waits
        self.popup_guard.start()
        while (popup := QApplication.activePopupWidget()) is not None:
            popup.close()  # an open menu or completer
        QToolTip.hideText()
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                title = widget.windowTitle().removesuffix(" - BWC Desk").strip()
                form = not isinstance(widget, QMessageBox) and title != "BWC Desk"
                if form and title and title not in self._closed_by_lock:
                    self._closed_by_lock.append(title)
                widget.reject()
        self.stack.setCurrentWidget(self.lock_screen)
        self.verify_banner.set_locked(True)
        self.idle.stop()
        self.state.set_actor(None)
        self.status_line.clear_message()
        self.lock_screen.show_locked(who, idle, signed_out)
        self._update_identity()

    def sign_out(self) -> None:
        self._audit_sign_out()
        self.start_clean()  # (before the lock screen takes the focus)
        if self.pages.built("counter_tab") is not None:
            self.counter_tab.signed_out()  # (Undo and end-of-shift mode: nobody's now)
        self.lock(idle=False, signed_out=True)
        self._last_actor = None  # whoever signs in next starts clean, even the same person

    def _audit_sign_out(self, *, on_screen: bool = True) -> None:
        """Record the sign-out of the person signed in. The session ends at the station
        whatever the database says: a record that could not be written (the server away)
        is kept in the station's log and, ``on_screen``, said on the lock screen; it is
        owed (kept in the station's file, store/owed.py) and written once someone signs in
        again, here, even after a restart (``_record_owed``)."""
        actor = self.state.actor
        if actor is None:
            return
        station = self.state.ctx.station
        at = self.state.ctx.now().astimezone(UTC)

        def sign_out(ctx: Ctx) -> None:
            try:
                auth.sign_out_or_owe(ctx)
            except Exception as exc:
                # (Logged here, on the writer: a window closing may never hear the answer.)
                log.warning(
                    "sign-out of %s (%s) at station %s at %s UTC not recorded in the audit "
                    "log: %s",
                    actor.username,
                    actor.display_name,
                    station,
                    at.strftime("%Y-%m-%dT%H:%M:%S"),
                    exc,
                )
                raise

        def not_recorded(exc: BaseException) -> None:
            if on_screen and self.locked:
                if isinstance(exc, UnavailableError):
                    why = "the database server cannot be reached."
                else:
                    why = str(exc) if isinstance(exc, DomainError) else f"{exc}."
                local = at.astimezone().strftime("%H:%M")
                self.lock_screen.sign_out_not_recorded(
                    f"{actor.display_name} is signed out at this station, but the sign-out "
                    f"({local}) could not be recorded in the audit log: {why} It is noted in "
                    "this station's log file, and recorded once someone signs in here again."
                )

        self.state.run(MutationOp(sign_out, parent=None, on_error=not_recorded))

    def _record_owed(self) -> None:
        """Sign-outs this station owes the database (the server was away when the person
        signed out, in this run or an earlier one), written now that someone is signed in:
        for those who signed out, each with the time it happened. The server away again:
        they stay owed; anything else is said in the log (auth.record_owed_sign_outs)."""
        if self.state.actor is None or self._closed:
            return

        def failed(exc: BaseException) -> None:
            if isinstance(exc, UnavailableError):
                log.info("owed sign-outs stay owed: %s", exc)
            else:
                log.warning("owed sign-outs not recorded: %s", exc)

        self.state.run(MutationOp(auth.record_owed_sign_outs, parent=self, on_error=failed))

    def start_clean(self) -> None:
        """What one person typed, chose and was told is not shown to the next: filters and
        search text, selections, messages, the counter's officer."""
        views = self.tabs
        for edit in views.findChildren(QLineEdit):
            if not edit.isReadOnly() and not isinstance(
                edit.parent(), (QAbstractSpinBox, QComboBox)
            ):  # (not the line inside a spin box or an editable list)
                edit.clear()
        for box in views.findChildren(QComboBox):
            if box.objectName().endswith(("_filter", "_show")) and box.count():
                box.setCurrentIndex(0)
        for item_view in views.findChildren(QAbstractItemView):
            if item_view.window() is self and item_view.selectionModel() is not None:
                item_view.clearSelection()
                item_view.setCurrentIndex(QModelIndex())
        for table in views.findChildren(FilteredTable):
            table.apply_filter()
        for label in views.findChildren(QLabel):
            if label.objectName() in ("message", "shift_message"):
                label.clear()
        # (Views not built yet hold nothing of anybody's.)
        if self.pages.built("inventory_tab") is not None:
            self.inventory_tab.detail.hide()
            self.inventory_tab.close_details()
        if self.pages.built("assignments_tab") is not None:
            # A shift-change proposal is its maker's (the next person had it, reason blank).
            self.assignments_tab.shift_change.back_to_board()
        if self.pages.built("counter_tab") is not None:
            self.counter_tab.clear_officer()
            self.counter_tab.picker.hide()  # what the half-typed search found
            self.counter_tab.session_list.clear()  # "This session": the previous person's
        self.status_line.clear_message()

    def _unlocked(self, actor: Actor) -> None:
        QTimer.singleShot(0, self.anchor_if_due)
        if self._last_actor is None or self._last_actor.username != actor.username:
            self.start_clean()  # someone else: nothing of the previous person's work
        self.stack.setCurrentWidget(self.tabs)
        self.verify_banner.set_locked(False)
        self.state.set_actor(actor)
        QTimer.singleShot(0, self._focus_view)
        if self._last_actor is None or self._last_actor.username != actor.username:
            # Someone else: their own first view (an auditor who signs in at the counter
            # lands on Inventory, not on a counter that is read-only for them).
            self.tabs.setCurrentIndex(self.home_view())
        self.popup_guard.stop()
        self.state.set_locked(False)  # the reads held back run now, as the new person
        self.idle.poke()
        self._update_identity()
        closed, self._closed_by_lock = self._closed_by_lock, []
        same = self._last_actor is not None and self._last_actor.username == actor.username
        if closed and same:
            # (A form filled in, locked, signed in again: it was gone, and nothing said so.)
            self.state.message.emit(
                f"Transactions now recorded for {actor.display_name}. The lock closed "
                f"{', '.join(closed)}: what was typed there and not saved was not kept; "
                "open it again.",
                30_000,
            )
        else:
            self.state.message.emit(
                f"Transactions now recorded for {actor.display_name}.",
                8000,
            )
        self.state.announce(ChangeSet.everything(local=True))
        self._view_shown(self.tabs.currentIndex())
        self._record_owed()

    def apply_settings(self, settings: AgencySettings) -> None:
        self.idle.set_minutes(settings.idle_lock_minutes)

    def show_error(self, exc: BaseException) -> None:
        if self.state.silenced(exc):  # locked, or refused because nobody is signed in
            return
        if isinstance(exc, UnavailableError):
            self._database_away(exc)
            return
        if isinstance(exc, DomainError):
            QMessageBox.warning(self, "BWC Desk", str(exc))
            return
        log.error("unexpected error", exc_info=exc)
        QMessageBox.critical(
            self,
            "BWC Desk - unexpected error",
            f"Something went wrong: {exc}\n\nNothing was half-written: the action was rolled "
            f"back. Details are in the log folder:\n{self.state.log_dir}",
        )

    def _database_away(self, exc: UnavailableError) -> None:
        self.state.database_unreachable(exc)  # (views that showed the outage hear it end)
        if not self.offline_label.isVisible():
            log.warning("database unreachable: %s", exc.__cause__ or exc)
            self.offline_label.setText(
                f"\u26a0 Database unreachable since {datetime.now():%H:%M:%S}"
            )
            self.offline_label.setToolTip(f"{exc}\nTrying again every 5 seconds.")
            self.offline_label.show()
        if not self._probe.isActive():
            self._probe.start()

    def _probe_database(self) -> None:
        """While the server is away: a cheap read every 5 s; the first that works clears the
        warning and refreshes every view (what changed meanwhile is not known)."""

        def back(_marks: object) -> None:
            self.state.database_reachable()  # (the counter's banner says so, once)
            if self.offline_label.isVisible():
                log.info("database reachable again")
                self.offline_label.hide()
                self._probe.stop()
                self.state.message.emit("The database is reachable again.", 8000)
                self.state.announce(ChangeSet.everything(local=True))

        self.state.read(changes.marks, back, lambda _exc: None)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closed = True  # (its session is over: nothing more is written for it)
        self.idle.stop()
        self.popup_guard.stop()
        self._audit_sign_out(on_screen=False)  # quitting ends the session: the audit log says so
        self.state.closing.emit()
        self.state.runner.shutdown()  # (waits for the writer, this record included)
        super().closeEvent(event)

"""The main window: four views, menus that hold only what works, a status bar that says who
is signed in at which station against which database."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Permission, Role
from bwc_desk.ui.dialogs.about_dialog import AboutDialog
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.assignments_tab import AssignmentsTab
from bwc_desk.ui.views.counter_tab import CounterTab
from bwc_desk.ui.views.docks_tab import DocksTab
from bwc_desk.ui.views.inventory_tab import InventoryTab

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    def __init__(self, state: AppState, agency: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.agency = agency
        state.error_handler = self.show_error
        self.setObjectName("main_window")
        self.resize(1400, 860)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("views")
        self.inventory_tab = InventoryTab(state)
        self.assignments_tab = AssignmentsTab(state)
        self.counter_tab = CounterTab(state)
        self.docks_tab = DocksTab(state)
        self.views = [
            ("&Inventory", self.inventory_tab),
            ("&Assignments", self.assignments_tab),
            ("Check-in / &Check-out", self.counter_tab),
            ("&Docks", self.docks_tab),
        ]
        for title, view in self.views:
            self.tabs.addTab(view, title.replace("&", ""))
        self.setCentralWidget(self.tabs)
        self.tabs.currentChanged.connect(self._view_shown)
        self._build_menus()
        self._build_status_bar()
        state.actor_changed.connect(lambda _a: self._update_identity())
        state.message.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        self._update_identity()
        self.tabs.setCurrentIndex(self.home_view())

    def home_view(self) -> int:
        """The counter for a quartermaster (their work is there), Inventory for the rest."""
        actor = self.state.actor
        return 2 if actor is not None and actor.role is Role.QUARTERMASTER else 0

    # --- menus ----------------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.export_actions: list[QAction] = []
        for label, name in (
            ("Export &officers as CSV...", "officers"),
            ("Export &units as CSV...", "units"),
            ("Export &custody history as CSV...", "custody"),
        ):
            action = file_menu.addAction(label)
            action.triggered.connect(lambda _c=False, n=name: self._export(n))
            self.export_actions.append(action)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit")
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        quit_action.triggered.connect(self.close)
        self.quit_action = quit_action

        view_menu = bar.addMenu("&View")
        self.view_actions: list[QAction] = []
        for i, (title, _view) in enumerate(self.views):
            action = view_menu.addAction(title)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            action.triggered.connect(lambda _c=False, n=i: self.tabs.setCurrentIndex(n))
            self.view_actions.append(action)
        view_menu.addSeparator()
        refresh = view_menu.addAction("&Refresh")
        refresh.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        refresh.triggered.connect(lambda: self.state.data_changed.emit("all"))

        help_menu = bar.addMenu("&Help")
        about = help_menu.addAction("&About BWC Desk")
        about.triggered.connect(self.show_about)
        self.file_menu, self.view_menu, self.help_menu = file_menu, view_menu, help_menu

    def _build_status_bar(self) -> None:
        self.station_label = QLabel(self)
        self.station_label.setObjectName("station_label")
        self.staff_label = QLabel(self)
        self.staff_label.setObjectName("staff_label")
        self.db_label = QLabel(self)
        self.db_label.setObjectName("db_label")
        self.db_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.station_label, self.staff_label, self.db_label):
            self.statusBar().addPermanentWidget(label)

    def _update_identity(self) -> None:
        ctx = self.state.ctx
        actor = ctx.actor
        demo = " [DEMO]" if self.state.demo else ""
        self.setWindowTitle(f"BWC Desk - {self.agency} - {ctx.station}{demo}")
        self.station_label.setText(f"Station: {ctx.station}")
        self.staff_label.setText(
            f"Signed in: {actor.display_name} ({actor.role.value})" if actor else "Not signed in"
        )
        self.db_label.setText(f"Database: {ctx.db.display}")
        may_export = self.state.can(Permission.EXPORT)
        for action in self.export_actions:
            action.setEnabled(may_export)
            action.setToolTip("" if may_export else self.state.why_not(Permission.EXPORT))

    # --- views ----------------------------------------------------------------------------
    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self._view_shown(self.tabs.currentIndex())

    def _view_shown(self, index: int) -> None:
        view = self.tabs.widget(index)
        ensure = getattr(view, "ensure_loaded", None)
        if ensure is not None:
            ensure()

    # --- actions --------------------------------------------------------------------------
    def _export(self, name: str) -> None:
        from bwc_desk.services import exports

        fn = getattr(exports, f"export_{name}")
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export {name}", f"{name}.csv", "CSV files (*.csv)"
        )
        if not path:
            return
        self.state.read(
            lambda ctx: fn(ctx, Path(path)),
            lambda n: self.state.message.emit(f"Exported {n:,} {name} rows to {path}", 8000),
        )

    def show_about(self) -> None:
        ctx = self.state.ctx
        AboutDialog(ctx.db.display, self.state.log_dir, ctx.station, self).exec()

    def show_error(self, exc: BaseException) -> None:
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

    def closeEvent(self, event: QCloseEvent) -> None:
        self.state.runner.shutdown()
        super().closeEvent(event)

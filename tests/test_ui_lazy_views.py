"""The main window builds the view it opens on; the others the first time they are shown."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWidget

from bwc_desk.ui.lazy_tabs import LazyTabs, LazyView
from bwc_desk.ui.main_window import VIEWS, MainWindow
from bwc_desk.ui.state import AppState
from tests.conftest import demo_ctx


class ExtraView(QWidget):
    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state


@pytest.fixture
def window(qtbot, demo_db):
    state = AppState(demo_ctx(demo_db), demo=True, log_dir="/tmp/logs")
    win = MainWindow(state, "Harbor City Police Department (demo)")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    state.runner.shutdown()


def test_only_the_first_view_is_built_and_the_others_when_shown(qtbot, window):
    # A quartermaster opens on the counter: only the counter is built, and it reads.
    assert window.tabs.currentIndex() == 2
    assert window.pages.built("counter_tab") is window.tabs.widget(2)
    qtbot.waitUntil(lambda: window.counter_tab.model.rowCount() > 50, timeout=10_000)
    for name in ("inventory_tab", "assignments_tab", "docks_tab"):
        assert window.pages.built(name) is None
    placeholder = window.tabs.widget(0)
    assert placeholder.objectName() == "inventory_tab_placeholder"
    assert not placeholder.findChildren(QWidget)  # nothing in it, nothing reading

    window.tabs.setCurrentIndex(0)  # Inventory shown: built in its place, and filled
    inventory = window.pages.built("inventory_tab")
    assert inventory is not None and inventory is window.inventory_tab
    assert window.tabs.widget(0) is inventory and window.tabs.currentWidget() is inventory
    qtbot.waitUntil(lambda: window.inventory_tab.model.rowCount() == 475, timeout=10_000)
    assert window.pages.built("assignments_tab") is None  # still not shown: still not built
    assert window.pages.built("docks_tab") is None


def test_tabs_keep_their_order_titles_and_mnemonics(window):
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == [
        "Inventory", "Assignments", "Check-in / Check-out", "Docks", "Audit", "Repairs", "Reports"
    ]
    assert [a.text() for a in window.view_actions] == [
        "&Inventory",
        "&Assignments",
        "Check-in / &Check-out",
        "&Docks",
        "A&udit",
        "Re&pairs",
        "&Reports",
    ]
    window.tabs.setCurrentIndex(3)
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == titles
    assert window.tabs.widget(3) is window.docks_tab


def test_a_view_reached_by_name_is_built_without_being_shown(qtbot, window):
    # (What tests and the dock-alerts button do: the view takes its tab; the counter stays.)
    docks = window.docks_tab
    assert window.tabs.indexOf(docks) == 3
    assert window.tabs.currentIndex() == 2
    assert window.tabs.currentWidget() is window.counter_tab
    window.tabs.setCurrentWidget(docks)
    qtbot.waitUntil(lambda: docks._loaded, timeout=10_000)


def test_the_dock_alerts_come_without_opening_docks(qtbot, window, monkeypatch):
    # The status bar's dock alerts come from the Docks view: built hidden after a while.
    assert window.pages.built("docks_tab") is None
    monkeypatch.setattr(window.idle, "quiet_s", lambda: 60.0)
    window._dock_alerts_due()
    docks = window.pages.built("docks_tab")
    assert docks is not None and not docks.isVisible()
    assert window.tabs.currentIndex() == 2
    qtbot.waitUntil(lambda: docks._loaded, timeout=10_000)


def test_the_hidden_docks_view_waits_for_a_pause_between_scans(qtbot, window, monkeypatch):
    # Built during a scan, it would hold the counter's answer up: it waits until nobody has
    # pressed a key for a while, and is built anyway after DOCK_ALERTS_LATEST_MS.
    from bwc_desk.ui import main_window

    quiet = [0.5]
    monkeypatch.setattr(window.idle, "quiet_s", lambda: quiet[0])
    monkeypatch.setattr(main_window, "DOCK_ALERTS_LATEST_MS", 60_000)
    asked: list[int] = []
    monkeypatch.setattr(main_window.QTimer, "singleShot",
                        lambda ms, call: asked.append(ms) or None)
    window._dock_alerts_due()
    assert window.pages.built("docks_tab") is None and asked == [1000]
    window._dock_alerts_due(59_000)  # still scanning, a minute on
    assert window.pages.built("docks_tab") is None and asked == [1000, 1000]
    quiet[0] = main_window.DOCK_ALERTS_QUIET_S
    window._dock_alerts_due(2000)  # a pause
    assert window.pages.built("docks_tab") is not None and len(asked) == 2


def test_the_hidden_docks_view_is_built_at_the_latest_after_a_while(qtbot, window, monkeypatch):
    from bwc_desk.ui import main_window

    monkeypatch.setattr(window.idle, "quiet_s", lambda: 0.1)  # scans without a pause
    window._dock_alerts_due(main_window.DOCK_ALERTS_LATEST_MS)
    assert window.pages.built("docks_tab") is not None


def test_a_new_view_joins_with_one_line(qtbot, demo_db):
    from PySide6.QtWidgets import QTabWidget

    state = AppState(demo_ctx(demo_db), demo=True, log_dir="/tmp/logs")
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    built: list[str] = []
    pages = LazyTabs(
        tabs,
        (*VIEWS, LazyView("&Extra", "extra", "tests.test_ui_lazy_views:ExtraView")),
        state,
        lambda name, _view: built.append(name),
    )
    extra = len(VIEWS)
    assert tabs.count() == extra + 1 and tabs.tabText(extra) == "Extra"
    tabs.setCurrentIndex(extra)
    assert built == []  # (the window builds on currentChanged; LazyTabs only on demand)
    view = pages.view_at(extra)
    assert isinstance(view, ExtraView) and view.state is state
    assert built == ["extra"] and tabs.widget(extra) is view and tabs.currentWidget() is view
    state.runner.shutdown()


def test_the_first_view_reads_once_and_the_scan_field_has_the_focus(qtbot, demo_db):
    from tests.conftest import activate

    state = AppState(demo_ctx(demo_db), demo=True, log_dir="/tmp/logs")
    refreshes: list[int] = []
    win = MainWindow(state, "Harbor City Police Department (demo)")
    counter = win.counter_tab
    qtbot.addWidget(win)
    original = counter.lists.refresh
    counter.lists.refresh = lambda *a: (refreshes.append(1), original(*a))  # type: ignore[method-assign]
    win.show()
    activate(qtbot, win)
    qtbot.waitUntil(lambda: counter.model.rowCount() > 50, timeout=10_000)
    assert refreshes == []  # asked for once, while the window was built; not again on show
    qtbot.waitUntil(lambda: counter.scan_edit.hasFocus(), timeout=5000)
    state.runner.shutdown()

"""The Docks view, live: a real dock feed on a socket, tiles that change when a bay message
arrives, summary counts, alerts, registering an unknown camera."""

from __future__ import annotations

import json
import socket

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from bwc_desk.domain.docking import BayState
from bwc_desk.services import inventory
from bwc_desk.services.dockfeed import DockFeed
from bwc_desk.services.inventory import UnitInput
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.dock_grid import tile_lines
from bwc_desk.ui.views.docks_tab import DocksTab


@pytest.fixture
def live(qtbot, admin_ctx):
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "X60A0001"))
    feed = DockFeed(admin_ctx, "127.0.0.1", 0, flush_seconds=0.05)
    feed.start()
    conn = socket.create_connection(feed.address, timeout=5)
    state = AppState(admin_ctx)
    tab = DocksTab(state)
    tab.timer.setInterval(100)  # a test need not wait a second per repaint
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)

    def send(*messages: dict) -> None:
        conn.sendall(b"".join(json.dumps({"v": 1, **m}).encode() + b"\n" for m in messages))

    send({"type": "hello", "dock": "DOCK-T", "bays": 4})
    yield tab, send
    conn.close()
    feed.stop()
    state.runner.shutdown()


def bay_state(tab: DocksTab, n: int) -> BayState | None:
    widget = tab.widgets.get("DOCK-T")
    if widget is None:
        return None
    found = [b for b in widget.dock.bay_rows if b.bay == n]
    return found[0].state if found else None


def test_a_tile_changes_state_when_a_bay_message_arrives(qtbot, live):
    tab, send = live
    send({"type": "bay", "dock": "DOCK-T", "bay": 1, "serial": "X60A0001", "battery": 40,
          "charging": True, "ts": "2026-11-26T22:00:00Z"})
    qtbot.waitUntil(lambda: bay_state(tab, 1) is BayState.CHARGING, timeout=10_000)
    assert "Charging: <b>1</b>" in tab.summary.text()
    widget = tab.widgets["DOCK-T"]
    lines = tile_lines(widget.dock.bay_rows[0], widget.now)
    assert lines[:3] == ["Bay 1: CHARGING", "HPD-1", "battery 40 %, charging"]
    send({"type": "bay", "dock": "DOCK-T", "bay": 1, "serial": "X60A0001", "battery": 100,
          "charging": False, "upload": {"files_done": 4, "files_total": 4,
                                        "bytes_done": 9, "bytes_total": 9},
          "ts": "2026-11-26T22:00:05Z"})
    qtbot.waitUntil(lambda: bay_state(tab, 1) is BayState.READY, timeout=10_000)
    widget.grab()  # paints without error


def test_an_unregistered_camera_is_flagged_and_can_be_registered(qtbot, live, admin_ctx):
    tab, send = live
    send({"type": "bay", "dock": "DOCK-T", "bay": 2, "serial": "NEW-555", "battery": 60,
          "ts": "2026-11-26T22:00:00Z"})
    qtbot.waitUntil(lambda: tab.alert_list.count() == 1, timeout=10_000)
    assert "NEW-555 is not in the inventory" in tab.alert_list.item(0).text()
    widget = tab.widgets["DOCK-T"]
    bay2 = next(b for b in widget.dock.bay_rows if b.bay == 2)
    assert "(unregistered)" in tile_lines(bay2, widget.now)[1]

    def fill(dialog: QDialog) -> None:
        dialog.tag_edit.setText("HPD-555")
        dialog.accept()

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog):
            fill(dialog)
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    rect = widget.tile_rect([b.bay for b in widget.dock.bay_rows].index(2))
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=rect.center())
    def registered() -> bool:
        try:
            return inventory.unit_detail(admin_ctx, "NEW-555").dock_bay == "DOCK-T / bay 2"
        except Exception:
            return False

    qtbot.waitUntil(registered, timeout=10_000)
    qtbot.waitUntil(lambda: tab.alert_list.count() == 0, timeout=10_000)
    _ = QPoint


def test_main_window_status_bar_shows_dock_alerts(qtbot, admin_ctx):
    from bwc_desk.ui.main_window import MainWindow

    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "X60A0001"))
    feed = DockFeed(admin_ctx, "127.0.0.1", 0, flush_seconds=0.05)
    feed.start()
    try:
        with socket.create_connection(feed.address, timeout=5) as conn:
            conn.sendall(b'{"v":1,"type":"hello","dock":"DOCK-U","bays":2}\n'
                         b'{"v":1,"type":"bay","dock":"DOCK-U","bay":1,"serial":"ZZ-1",'
                         b'"ts":"2026-11-26T22:00:00Z"}\n')
            state = AppState(admin_ctx)
            win = MainWindow(state, "Test PD")
            qtbot.addWidget(win)
            win.show()
            win.tabs.setCurrentWidget(win.docks_tab)
            win.docks_tab.timer.setInterval(100)
            qtbot.waitUntil(lambda: win.alerts_button.isVisible(), timeout=10_000)
            assert win.alerts_button.text() == "\u26a0 1 dock alert"
            state.runner.shutdown()
    finally:
        feed.stop()

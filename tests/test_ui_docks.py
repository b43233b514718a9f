"""The Docks view, live: a real dock feed on a socket, tiles that change when a bay message
arrives, summary counts, alerts, registering an unknown camera."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from bwc_desk.domain.docking import BayState
from bwc_desk.services import counter, dock_registry, inventory, officers
from bwc_desk.services.dockfeed import DockFeed
from bwc_desk.services.inventory import UnitInput
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.dock_grid import tile_lines
from bwc_desk.ui.views.docks_tab import DocksTab


@pytest.fixture
def live(qtbot, admin_ctx):
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "X60A0001"))
    dock_registry.add_dock(admin_ctx, "DOCK-T", 4)
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


def alert_texts(tab: DocksTab) -> list[str]:
    return [tab.alert_list.item(i).text() for i in range(tab.alert_list.count())]


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


def test_a_camera_scanned_on_the_docks_view_shows_its_bay(qtbot, live, admin_ctx):
    """A hands-on tester scanned at the Docks view and nothing happened at all. A camera's
    scan there finds its bay (scrolled to, outlined, said in the status bar); any other code
    says where it belongs (a badge goes to the counter)."""
    from bwc_desk.ui.scan_keys import ScanBurst

    tab, send = live
    send({"type": "bay", "dock": "DOCK-T", "bay": 3, "serial": "X60A0001", "battery": 40,
          "charging": True, "ts": "2026-11-26T22:00:00Z"})
    qtbot.waitUntil(lambda: bay_state(tab, 3) is BayState.CHARGING, timeout=10_000)
    said: list[str] = []
    tab.state.message.connect(lambda text, _ms: said.append(text))
    tab.activateWindow()
    tab.scroll_area.setFocus()  # (the board: what a clerk clicked last)
    qtbot.waitUntil(tab.scroll_area.hasFocus, timeout=5000)
    ticks = iter(i * 0.005 for i in range(10_000))  # (a scanner's speed)
    tab.scans.burst = ScanBurst(lambda: next(ticks))
    qtbot.keyClicks(tab.scroll_area, "hpd-1")
    qtbot.keyClick(tab.scroll_area, Qt.Key.Key_Return)
    assert said[-1] == "HPD-1 is in DOCK-T bay 3 (charging)."
    assert tab.widgets["DOCK-T"].marked == 3
    with qtbot.waitSignal(tab.state.message, timeout=10_000):
        qtbot.keyClicks(tab.scroll_area, "ID-0412")
        qtbot.keyClick(tab.scroll_area, Qt.Key.Key_Return)
    assert said[-1] == ("ID-0412 is no camera in a dock bay. Badges and cameras are issued "
                        "and returned at Check-in / Check-out.")
    inventory.add_unit(admin_ctx, UnitInput("HPD-2", "X60A0002"))  # (on the shelf)
    with qtbot.waitSignal(tab.state.message, timeout=10_000):
        qtbot.keyClicks(tab.scroll_area, "X60A0002")
        qtbot.keyClick(tab.scroll_area, Qt.Key.Key_Return)
    assert said[-1] == "HPD-2 is not in a dock bay (available)."
    assert tab.widgets["DOCK-T"].marked is None


def test_a_scan_before_the_docks_are_read_says_so(qtbot, admin_ctx):
    state = AppState(admin_ctx)
    tab = DocksTab(state)
    qtbot.addWidget(tab)
    said: list[str] = []
    state.message.connect(lambda text, _ms: said.append(text))
    assert tab.board is None
    tab.find_scanned("HPD-1")
    assert said == ["HPD-1: the docks are still being read. Scan it again in a moment."]
    state.runner.shutdown()


def test_an_unregistered_camera_is_flagged_and_can_be_registered(qtbot, live, admin_ctx):
    tab, send = live
    send({"type": "bay", "dock": "DOCK-T", "bay": 2, "serial": "NEW-555", "battery": 60,
          "ts": "2026-11-26T22:00:00Z"})
    qtbot.waitUntil(lambda: alert_texts(tab) == ["\u26a0 DOCK-T bay 2: camera NEW-555 is not in "
                                                 "the inventory. Register it or take it out."],
                    timeout=10_000)
    widget = tab.widgets["DOCK-T"]
    bay2 = next(b for b in widget.dock.bay_rows if b.bay == 2)
    assert tile_lines(bay2, widget.now)[:2] == ["Bay 2: NOT REGISTERED", "serial NEW-555"]
    assert bay2.state is not BayState.READY

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
    qtbot.waitUntil(lambda: alert_texts(tab) == [], timeout=10_000)
    _ = QPoint


def test_main_window_status_bar_shows_dock_alerts(qtbot, admin_ctx):
    from bwc_desk.ui.main_window import MainWindow

    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "X60A0001"))
    dock_registry.add_dock(admin_ctx, "DOCK-U", 2)
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
            # (A board read before the feed has written the dock's report says "offline (never
            # reported)" instead or as well, until the next read a tenth later.)
            qtbot.waitUntil(
                lambda: win.alerts_button.isVisible()
                and win.alerts_button.text() == "\u26a0 1 dock alert"
                and "ZZ-1" in win.alerts_button.toolTip(),
                timeout=10_000,
            )
            state.runner.shutdown()
    finally:
        feed.stop()


def test_an_issued_camera_in_a_bay_shows_issued_and_is_alerted(qtbot, live, admin_ctx):
    from bwc_desk.services.counter import FunctionTest
    from bwc_desk.services.officers import OfficerInput

    tab, send = live
    officer = officers.add_officer(admin_ctx, OfficerInput("0226", "Mendoza", "Ana"))
    counter.issue_unit(admin_ctx, officer.id, "HPD-1", function_test=FunctionTest())
    send({"type": "bay", "dock": "DOCK-T", "bay": 1, "serial": "X60A0001", "battery": 100,
          "ts": "2026-11-26T22:00:00Z"})
    qtbot.waitUntil(lambda: any(t.startswith("\u26a0 HPD-1 is in DOCK-T bay 1 but is issued "
                                             "to Mendoza since ") for t in alert_texts(tab)),
                    timeout=10_000)
    widget = tab.widgets["DOCK-T"]
    lines = tile_lines(widget.dock.bay_rows[0], widget.now)
    assert lines[0] == "Bay 1: READY · ISSUED" and lines[2].startswith("issued to Mendoza")
    widget.grab()


def test_long_dock_text_is_elided_with_the_whole_text_in_the_tooltip(qtbot, admin_ctx):
    from bwc_desk.services.dock_board import DockRow
    from bwc_desk.ui.views.dock_grid import DockWidget

    name = "DOCK-" + "W" * 59
    widget = DockWidget(DockRow(name, 64, "DESK-1", None, True, 12345, "line 9: " + "x" * 300))
    qtbot.addWidget(widget)
    assert name in widget.toolTip() and "x" * 300 in widget.toolTip()
    metrics = widget.fontMetrics()
    assert metrics.horizontalAdvance(widget.header_text()) > widget.sizeHint().width()
    widget.grab()  # paints the elided header without error


def test_admins_register_and_remove_docks_in_the_view(qtbot, admin_ctx, qm_ctx):
    from tests.conftest import answer

    state = AppState(admin_ctx)
    tab = DocksTab(state)
    tab.timer.setInterval(100)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    assert tab.add_button.isVisible() and tab.admit_button.isVisible()

    def fill(dialog):
        dialog.name_edit.setText("DOCK-G")
        dialog.bays_spin.setValue(6)
        dialog.accept()

    answer(qtbot, fill)
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "DOCK-G" in tab.widgets, timeout=10_000)
    assert [d.bays for d in dock_registry.list_docks(admin_ctx)] == [6]
    qtbot.mouseClick(tab.admit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.admission_label.isVisible(), timeout=10_000)
    assert "Admitting new docks until" in tab.admission_label.text()
    answer(qtbot, lambda dialog: dialog.accept())
    qtbot.mouseClick(tab.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.widgets, timeout=10_000)
    state.runner.shutdown()

    clerk = DocksTab(AppState(qm_ctx))
    qtbot.addWidget(clerk)
    clerk.show()
    assert not clerk.add_button.isVisible() and not clerk.remove_button.isVisible()
    clerk.state.runner.shutdown()


def test_nothing_is_cut_short_at_1280_by_720(qtbot, admin_ctx):
    from PySide6.QtWidgets import QAbstractButton, QLabel

    from bwc_desk.ui.main_window import MainWindow

    dock_registry.add_dock(admin_ctx, "DOCK-A", 8)
    state = AppState(admin_ctx)
    win = MainWindow(state, "Test PD")
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    win.tabs.setCurrentWidget(win.docks_tab)
    qtbot.waitUntil(lambda: "DOCK-A" in win.docks_tab.widgets, timeout=10_000)
    tab = win.docks_tab
    for button in tab.findChildren(QAbstractButton):
        if button.isVisible():
            assert button.width() >= button.sizeHint().width(), button.text()
    for label in (tab.summary, tab.empty_label):
        if label.isVisible():
            assert label.wordWrap() or label.width() >= label.sizeHint().width()
    assert isinstance(tab.summary, QLabel)
    state.runner.shutdown()


def test_a_change_during_a_read_of_the_board_is_read_again_at_once(qtbot, admin_ctx,
                                                                   monkeypatch):
    """A bay report committed while the view was reading the board used to wait for the
    next tick of the view's timer (a second, more under load): the change was dropped as
    "a read is running". It is now read again as soon as the running read is done."""
    import threading

    from bwc_desk.services import dock_board
    from bwc_desk.services.changeset import ChangeSet

    dock_registry.add_dock(admin_ctx, "DOCK-R", 2)
    state = AppState(admin_ctx)
    tab = DocksTab(state)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    qtbot.waitUntil(lambda: "DOCK-R" in tab.widgets, timeout=10_000)
    tab.timer.stop()
    tab.timer.setInterval(10**8)  # only changes read the board from here on
    release = threading.Event()
    reads: list[int] = []
    real = dock_board.board

    def slow_board(ctx):
        reads.append(1)
        if len(reads) == 1:
            release.wait(10)
        return real(ctx)

    monkeypatch.setattr(dock_board, "board", slow_board)
    shown: list[int] = []
    tab.board_shown.connect(lambda: shown.append(1))
    tab.refresh()
    qtbot.waitUntil(lambda: len(reads) == 1, timeout=5_000)
    state.changed.emit(ChangeSet.of({"docks"}, docks=[1], local=False))
    release.set()
    qtbot.waitUntil(lambda: len(reads) == 2 and len(shown) == 2, timeout=5_000)
    state.runner.shutdown()


def test_a_bay_report_reaches_its_tile_by_the_feeds_own_word(qtbot, admin_ctx):
    """The feed tells the window what each flush wrote (as the launcher wires it on SQLite):
    the tile follows without the view's timer."""
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "X60A0001"))
    dock_registry.add_dock(admin_ctx, "DOCK-T", 4)
    state = AppState(admin_ctx)
    feed = DockFeed(admin_ctx, "127.0.0.1", 0, flush_seconds=0.05,
                    on_change=state.announce_from_thread)
    feed.start()
    tab = DocksTab(state)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    qtbot.waitUntil(lambda: tab.board is not None, timeout=10_000)
    tab.timer.stop()
    tab.timer.setInterval(10**8)
    tab.background.stop()
    with socket.create_connection(feed.address, timeout=5) as conn:
        for battery in (40, 41):
            conn.sendall(b"".join(json.dumps({"v": 1, **m}).encode() + b"\n" for m in (
                {"type": "hello", "dock": "DOCK-T", "bays": 4},
                {"type": "bay", "dock": "DOCK-T", "bay": 1, "serial": "X60A0001",
                 "battery": battery, "charging": True, "ts": "2026-11-26T22:00:00Z"})))

            def shown(battery=battery):
                widget = tab.widgets.get("DOCK-T")
                rows = widget.dock.bay_rows if widget is not None else ()
                return any(b.bay == 1 and b.battery == battery for b in rows)

            qtbot.waitUntil(shown, timeout=10_000)
    feed.stop()
    state.runner.shutdown()


def test_the_summary_counts_issued_cameras_still_in_a_bay_apart(qtbot, live):
    from bwc_desk.services import dock_board
    from bwc_desk.services.dock_board import Board

    tab, _send = live
    counts = {s.value: 0 for s in BayState} | {"ready": 3, dock_board.ISSUED_COUNT: 2}
    tab._show_summary(Board((), counts, (), datetime.now(UTC), None))
    assert "Ready: <b>3</b>" in tab.summary.text()
    assert "Issued, still in a bay: <b>2</b>" in tab.summary.text()
    tab._show_summary(Board((), counts | {dock_board.ISSUED_COUNT: 0}, (), datetime.now(UTC),
                            None))
    assert "Issued, still in a bay" not in tab.summary.text()


def test_at_1024_wide_the_docks_reflow_with_no_horizontal_scroll(qtbot, admin_ctx):
    """A small station screen: the view shown wider first (a larger screen, or before it
    was fitted), then 1024 px wide: the docks flow into fewer columns, scrolled down only."""
    for name in ("DOCK-A", "DOCK-B", "DOCK-C"):
        dock_registry.add_dock(admin_ctx, name, 8)
    state = AppState(admin_ctx)
    tab = DocksTab(state)
    qtbot.addWidget(tab)
    tab.resize(1900, 700)
    tab.show()
    qtbot.waitExposed(tab)
    qtbot.waitUntil(lambda: len(tab.widgets) == 3, timeout=10_000)
    qtbot.waitUntil(lambda: tab.grid_host.width() > 1024, timeout=5000)  # two docks a row
    tab.resize(1024, 700)
    qtbot.waitUntil(lambda: tab.scroll_area.viewport().width() < 1024, timeout=5000)
    qtbot.wait(50)  # (no timing asserted: the layout's posted events run)
    assert not tab.scroll_area.horizontalScrollBar().isVisible()
    assert tab.scroll_area.horizontalScrollBar().maximum() == 0
    viewport = tab.scroll_area.viewport()
    for widget in tab.widgets.values():
        right = widget.mapTo(viewport, QPoint(widget.width(), 0)).x()
        assert right <= viewport.width(), widget.objectName()
    tab.resize(560, 700)  # narrower than a dock of four tiles a row: fewer tiles a row
    qtbot.waitUntil(lambda: tab.scroll_area.viewport().width() < 560, timeout=5000)
    qtbot.wait(50)
    assert tab.scroll_area.horizontalScrollBar().maximum() == 0
    for widget in tab.widgets.values():
        assert widget.mapTo(viewport, QPoint(widget.width(), 0)).x() <= viewport.width()
        assert widget.tile_rect(7).bottom() < widget.height()  # every bay still drawn
    state.runner.shutdown()


def test_a_tiles_usual_lines_are_whole(qtbot):
    """A hands-on tester's finding: "Bay 7: NOT REGIST...", "V3C0009921 (not r...", "348/348
    files, 1.5 GB/..." were cut in every such tile (the tooltip had them, nobody hovers a
    board of 1,200 bays)."""
    from datetime import timedelta

    from bwc_desk.domain.docking import Upload
    from bwc_desk.services.dock_board import BayRow, DockRow
    from bwc_desk.ui.views.dock_grid import DockWidget

    now = datetime.now(UTC)
    since = now - timedelta(seconds=20)

    def bay(n: int, state: BayState, tag: str | None, upload: Upload | None) -> BayRow:
        return BayRow(("DOCK-W", n), "DOCK-W", n, state, "V3C0009921", tag, 1, 93, True,
                      upload, False, "", now, since, tag is not None, eta=timedelta(seconds=40))

    bays = (
        bay(12, BayState.NOT_REGISTERED, None, Upload(385, 385, 4_700_000_000, 4_700_000_000)),
        bay(11, BayState.UPLOADING, "HPD-BWC-0388", Upload(158, 189, 1_700_000_000,
                                                             12_000_000_000)),
        bay(10, BayState.CHARGING, "HPD-BWC-0051", Upload(348, 348, 1_500_000_000,
                                                            1_500_000_000)),
    )
    widget = DockWidget(DockRow("DOCK-W", 12, "DESK-1", now, False, 0, "", bays))
    qtbot.addWidget(widget)
    for row in bays:
        assert widget.shown_lines(row) == tile_lines(row, now)
    assert tile_lines(bays[0], now)[:3] == [
        "Bay 12: NOT REGISTERED", "serial V3C0009921", "battery 93 %, charging"]
    assert tile_lines(bays[1], now)[3] == "158/189 files, 1.7/12.0 GB"
    assert tile_lines(bays[2], now)[3] == "348 files uploaded, 1.5 GB"


def test_a_stolen_camera_in_a_bay_says_so_on_its_tile_and_in_the_summary(qtbot, admin_ctx):
    from dataclasses import replace

    from bwc_desk.services.dock_board import HELD_COUNT, BayRow, Board

    now = datetime.now(UTC)
    ready = BayRow(("DOCK-S", 3), "DOCK-S", 3, BayState.READY, "X60A0001", "HPD-BWC-24997", 1,
                   100, False, None, False, "", now, now, True)
    assert tile_lines(ready, now)[0] == "Bay 3: READY"
    stolen = replace(ready, held="stolen")
    assert tile_lines(stolen, now)[:2] == ["Bay 3: STOLEN", "HPD-BWC-24997"]
    assert "not to hand out" in tile_lines(replace(stolen, state=BayState.CHARGING,
                                                   eta=timedelta(minutes=3)), now)
    assert not any("ready in" in line for line in tile_lines(
        replace(stolen, state=BayState.CHARGING, eta=timedelta(minutes=3)), now))
    failed = replace(stolen, state=BayState.ERROR, error="upload failed")
    assert {"not to hand out", "upload failed"} <= set(tile_lines(failed, now))
    state = AppState(admin_ctx)
    tab = DocksTab(state)
    qtbot.addWidget(tab)
    counts = {s.value: 0 for s in BayState} | {BayState.READY.value: 1, HELD_COUNT: 2}
    tab._show_summary(Board((), counts, (), datetime.now(UTC), None))
    assert "Ready: <b>1</b>" in tab.summary.text()
    assert "Not to hand out (stolen, lost, repair): <b>2</b>" in tab.summary.text()
    state.runner.shutdown()


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # (a tooltip, offscreen)
def test_a_long_tile_line_is_never_cut_without_its_whole_text_on_hover(qtbot):
    from datetime import timedelta

    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QToolTip

    from bwc_desk.domain.docking import Upload
    from bwc_desk.services.dock_board import BayRow, DockRow
    from bwc_desk.ui.views.dock_grid import DockWidget

    now = datetime.now(UTC)
    bay = BayRow(("DOCK-U", 1), "DOCK-U", 1, BayState.UPLOADING, "X60A0001", "HPD-BWC-0001",
                 1, 64, True, Upload(1234, 12345, 123_400_000_000, 999_900_000_000), False,
                 "", now, now - timedelta(minutes=40), True, eta=timedelta(hours=3),
                 issued_to="Officer Maximilian Bartholomew-Featherstonehaugh", issued_at=now)
    dock = DockRow("DOCK-U", 4, "DESK-1", now, False, 0, "", (bay,))
    widget = DockWidget(dock)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    lines = tile_lines(bay, now)
    shown = widget.shown_lines(bay)
    cut = [full for full, drawn in zip(lines, shown, strict=False) if drawn != full]
    cut += lines[len(shown):]
    assert cut  # the upload line and the officer's name do not fit a tile ...
    assert any("..." in d or "\u2026" in d for d in shown)  # ... and say so where they are cut
    widget.set_dock(dock, now)  # the view's once-a-second refresh, with the mouse on the tile
    centre = widget.tile_rect(0).center()
    QApplication.sendEvent(
        widget, QHelpEvent(QEvent.Type.ToolTip, centre, widget.mapToGlobal(centre)))
    assert QToolTip.isVisible()
    assert all(full in QToolTip.text() for full in cut)  # ... and are whole on hover
    QToolTip.hideText()


def _sign_in_again(state: AppState, ctx) -> None:
    """As the lock screen does it: locked, nobody, then the next person on the same window."""
    state.set_locked(True)
    state.set_actor(None)
    state.set_actor(ctx.actor)
    state.set_locked(False)


def test_the_buttons_follow_whoever_signs_in_after_the_lock(qtbot, admin_ctx, qm_ctx, sup_ctx,
                                                            auditor_ctx):
    # An administrator first, then a quartermaster on the same window: no administrator's
    # tools left behind (they were shown, and refused on click).
    state = AppState(admin_ctx)
    tab = DocksTab(state)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    admin_tools = (tab.add_button, tab.remove_button, tab.admit_button)
    assert all(b.isVisible() for b in admin_tools) and tab.inspect_button.isVisible()
    _sign_in_again(state, qm_ctx)
    assert not any(b.isVisible() and b.isEnabled() for b in admin_tools)
    assert not (tab.inspect_button.isVisible() and tab.inspect_button.isEnabled())
    state.runner.shutdown()

    # An auditor first, then a supervisor: the daily dock inspection can be done.
    state = AppState(auditor_ctx)
    tab = DocksTab(state)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    assert not (tab.inspect_button.isVisible() and tab.inspect_button.isEnabled())
    _sign_in_again(state, sup_ctx)
    assert tab.inspect_button.isVisible() and tab.inspect_button.isEnabled()
    admin_tools = (tab.add_button, tab.remove_button, tab.admit_button)
    assert not any(b.isVisible() for b in admin_tools)
    _sign_in_again(state, admin_ctx)
    assert all(b.isVisible() and b.isEnabled() for b in admin_tools)
    state.runner.shutdown()


def empty_docks_tab(qtbot, ctx):
    state = AppState(ctx)
    tab = DocksTab(state)
    tab.timer.setInterval(100)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    return tab, state


def test_the_empty_docks_view_names_the_port_the_feed_listens_on(qtbot, admin_ctx):
    """It said TCP 127.0.0.1:47800 whatever the station listened on."""
    from bwc_desk.store import config

    config.save(config.StationConfig(dock_port=47812))
    feed = DockFeed(admin_ctx, "127.0.0.1", 0)  # (the port the system gives: not 47812)
    feed.start()
    tab, state = empty_docks_tab(qtbot, admin_ctx)
    try:
        port = feed.address[1]
        qtbot.waitUntil(lambda: f"127.0.0.1:{port}" in tab.empty_label.text(), timeout=10_000)
        assert tab.empty_label.isVisible() and "47800" not in tab.empty_label.text()
        assert "not running" not in tab.empty_label.text()
    finally:
        feed.stop()
        state.runner.shutdown()


def test_without_a_running_feed_the_empty_view_names_the_configured_port(qtbot, admin_ctx):
    from bwc_desk.store import config

    config.save(config.StationConfig(dock_port=47812))
    tab, state = empty_docks_tab(qtbot, admin_ctx)
    try:
        qtbot.waitUntil(lambda: "127.0.0.1:47812" in tab.empty_label.text(), timeout=10_000)
        assert "not running" in tab.empty_label.text() and "47800" not in tab.empty_label.text()
    finally:
        state.runner.shutdown()


def test_a_feed_that_could_not_listen_is_said_with_its_reason(qtbot, admin_ctx):
    taken = socket.create_server(("127.0.0.1", 0))  # (another program holds the port)
    port = taken.getsockname()[1]
    feed = DockFeed(admin_ctx, "127.0.0.1", port)
    with pytest.raises(OSError):
        feed.start()
    tab, state = empty_docks_tab(qtbot, admin_ctx)
    try:
        qtbot.waitUntil(lambda: f"127.0.0.1:{port}" in tab.empty_label.text(), timeout=10_000)
        assert "dock feed is not running: " in tab.empty_label.text()
    finally:
        feed.journal.close()
        taken.close()
        state.runner.shutdown()

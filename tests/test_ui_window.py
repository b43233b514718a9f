"""The main window on the demo agency, driven the way a person would."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bwc_desk.services.changeset import TOPICS, ChangeSet
from bwc_desk.ui.main_window import MainWindow
from bwc_desk.ui.state import AppState
from tests.conftest import activate, demo_ctx


@pytest.fixture
def window(qtbot, demo_db):
    state = AppState(demo_ctx(demo_db), demo=True, log_dir="/tmp/logs")
    win = MainWindow(state, "Harbor City Police Department (demo)")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    state.runner.shutdown()


def test_each_view_lists_real_rows(qtbot, window):
    assert window.tabs.currentIndex() == 2  # a quartermaster starts at the counter
    window.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: window.inventory_tab.model.rowCount() == 475, timeout=10_000)
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: window.assignments_tab.model.rowCount() == 450, timeout=10_000)
    window.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: window.counter_tab.model.rowCount() > 50, timeout=10_000)
    window.tabs.setCurrentIndex(3)
    qtbot.waitUntil(lambda: window.docks_tab._loaded, timeout=10_000)


def test_shortcuts_switch_views_and_quit(qtbot, window):
    activate(qtbot, window)
    for key, index in ((Qt.Key.Key_2, 1), (Qt.Key.Key_3, 2), (Qt.Key.Key_4, 3), (Qt.Key.Key_1, 0)):
        qtbot.keyClick(window.tabs, key, Qt.KeyboardModifier.ControlModifier)
        assert window.tabs.currentIndex() == index
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"


def test_filter_box_narrows_the_inventory(qtbot, window):
    window.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: window.inventory_tab.model.rowCount() == 475, timeout=10_000)
    table = window.inventory_tab.table
    qtbot.keyClicks(table.filter_edit, "retired")
    qtbot.waitUntil(lambda: table.proxy.rowCount() == 2, timeout=3000)
    assert table.count_label.text() == "2 of 475"
    table.filter_edit.clear()
    qtbot.waitUntil(lambda: table.proxy.rowCount() == 475, timeout=3000)


def test_clicking_a_header_sorts(qtbot, window):
    window.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: window.inventory_tab.model.rowCount() == 475, timeout=10_000)
    view = window.inventory_tab.table.table
    view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert view.model().index(0, 0).data() == "HPD-BWC-0475"
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert view.model().index(0, 0).data() == "HPD-BWC-0001"


def test_status_bar_names_station_staff_and_database(window, demo_db):
    assert window.station_label.text() == "Station: EVIDENCE-DESK-1"
    assert window.staff_label.text() == "Signed in: Pat Jordan (quartermaster)"
    # The file's name (short, so that the status bar keeps room); the whole path in the
    # tooltip and in Help > About.
    assert window.db_label.text() == f"Database: {demo_db.path.name}"
    assert window.db_label.toolTip() == str(demo_db.path)
    assert "[DEMO]" in window.windowTitle()


def test_about_shows_version_database_and_logs(qtbot, window, monkeypatch):
    from bwc_desk import __version__
    from bwc_desk.ui.dialogs import about_dialog

    shown = {}

    def fake_exec(self):
        from PySide6.QtWidgets import QLabel

        shown["text"] = self.findChild(QLabel, "about_text").text()
        return 0

    monkeypatch.setattr(about_dialog.AboutDialog, "exec", fake_exec)
    window.show_about()
    assert __version__ in shown["text"] and "/tmp/logs" in shown["text"]
    assert "demo.sqlite3" in shown["text"]


def test_quartermaster_cannot_export_and_is_told_who_can(window):
    assert not any(a.isEnabled() for a in window.export_actions)
    assert "supervisor" in window.export_actions[0].toolTip()


def test_ctrl_q_closes(qtbot, window):
    activate(qtbot, window)
    qtbot.keyClick(window.tabs, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=3000)
    assert QApplication.instance() is not None


def test_a_database_that_goes_away_is_one_status_line_not_a_dialog_per_refresh(
    qtbot, window, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    from bwc_desk.domain.errors import UnavailableError
    from bwc_desk.services import changes

    dialogs: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: dialogs.append("critical"))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: dialogs.append("warning"))
    away = UnavailableError("The database server (db) cannot be reached: nothing was written.")
    for _ in range(12):  # every view's refresh failing at once
        window.show_error(away)
    assert dialogs == []
    assert window.offline_label.isVisible() and "unreachable" in window.offline_label.text()
    # The probe finds it back: the line goes and every view refreshes once.
    refreshed: list[object] = []
    window.state.changed.connect(refreshed.append)
    monkeypatch.setattr(changes, "marks", lambda ctx: None)
    window._probe_database()
    qtbot.waitUntil(lambda: not window.offline_label.isVisible(), timeout=5000)
    assert any(not c.complete and c.topics >= TOPICS for c in refreshed)  # type: ignore[attr-defined]
    assert not window._probe.isActive()


def test_an_unreachable_server_is_said_as_such():
    from bwc_desk.domain.errors import UnavailableError
    from bwc_desk.store.db import Database

    db = Database("postgresql+psycopg://nobody@127.0.0.1:1/bwc")  # nothing listens there
    from sqlalchemy import text

    reached = pytest.raises(UnavailableError, match=r"127\.0\.0\.1\) cannot be reached")
    with reached, db.read() as s:
        s.execute(text("SELECT 1"))
    db.dispose()


def test_the_title_follows_the_agency_name(qtbot, window):
    from bwc_desk.services import settings

    admin = demo_ctx(window.state.ctx.db, "admin")
    settings.change_settings(admin, {"agency_name": "Harbor City PD"})
    window.state.announce(ChangeSet.of({"settings"}, complete=False, local=False))  # as the watcher
    qtbot.waitUntil(lambda: "Harbor City PD - " in window.windowTitle(), timeout=5000)


def test_the_window_writes_the_daily_anchor_of_the_chain_heads(qtbot, demo_db, tmp_path):
    from bwc_desk.services import settings
    from tests.conftest import demo_ctx as signed_in

    folder = tmp_path / "anchors"
    settings.change_settings(signed_in(demo_db, "admin"), {"anchor_folder": str(folder)})
    state = AppState(signed_in(demo_db), demo=True, log_dir="/tmp/logs")
    win = MainWindow(state, "Harbor City Police Department (demo)")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: any(folder.glob("*.jsonl")), timeout=20_000)
    written = next(folder.glob("*.jsonl")).read_text("utf-8")
    win.anchor_if_due()  # again the same day: nothing more
    qtbot.wait(500)
    assert next(folder.glob("*.jsonl")).read_text("utf-8") == written
    state.runner.shutdown()


def test_the_ledger_head_is_read_once_for_a_burst_of_changes(qtbot, window, monkeypatch):
    """Another station's records arrive several a second: the status bar's chain head is
    read for the latest of them, not once each (each read went before the person's next scan
    on the interactive lane)."""
    from bwc_desk.services import verify

    heads = verify.chain_heads(window.state.ctx)
    qtbot.waitUntil(lambda: f"Ledger #{heads.custody_seq} " in window.ledger_label.text(),
                    timeout=20_000)
    reads: list[int] = []
    real = verify.chain_heads

    def counted(ctx):  # type: ignore[no-untyped-def]
        reads.append(1)
        return real(ctx)

    monkeypatch.setattr(verify, "chain_heads", counted)
    window.ledger_label.setText("")
    for _ in range(6):
        window.state.announce(ChangeSet.of({"custody"}, complete=False, local=False))
    qtbot.waitUntil(lambda: f"Ledger #{heads.custody_seq} " in window.ledger_label.text(),
                    timeout=20_000)
    qtbot.wait(200)
    # Six changes, far fewer reads: one may have started before the next change came, and
    # on a loaded machine the status bar's own refresh can land between them.
    assert 1 <= len(reads) <= 3


def test_a_menu_export_says_it_is_at_work_then_what_it_wrote_or_that_it_did_not(
    qtbot, demo_db, tmp_path, monkeypatch
):
    """A tester's custody export at 25,000 cameras took 35 s with nothing said until it
    ended: the status line says it is exporting, and where, until it is written; a refusal
    says it was not exported (and the box says why)."""
    from PySide6.QtWidgets import QFileDialog

    state = AppState(demo_ctx(demo_db, "sgt.reyes"), demo=True, log_dir="/tmp/logs")
    win = MainWindow(state, "Harbor City Police Department (demo)")
    qtbot.addWidget(win)
    win.show()
    shown = []
    monkeypatch.setattr(win, "show_error", shown.append)
    state.error_handler = win.show_error
    target = tmp_path / "custody.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    custody = next(a for a in win.export_actions if "custody" in a.text())
    custody.trigger()
    assert win.status_line.text().startswith(f"Exporting the custody history to {target}...")
    qtbot.waitUntil(lambda: win.status_line.text().startswith("Exported"), timeout=20_000)
    assert f"custody rows to {target}" in win.status_line.text() and target.exists()
    missing = tmp_path / "no such folder" / "custody.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(missing), "")))
    custody.trigger()
    qtbot.waitUntil(lambda: "not exported" in win.status_line.text(), timeout=20_000)
    assert win.status_line.text() == "The custody history not exported."
    assert len(shown) == 1 and not missing.exists()
    state.runner.shutdown()

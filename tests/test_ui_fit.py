"""Nothing cut short: the status bar elides long messages (whole in the tooltip), and at a
1280x720 counter PC the status bar, the lock screen and the administration dialogs show all
of what they hold."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from bwc_desk.domain.errors import UnavailableError
from bwc_desk.services.settings import get_settings
from bwc_desk.ui.elided_label import ElidedLabel
from bwc_desk.ui.main_window import MainWindow
from bwc_desk.ui.state import AppState
from tests.conftest import demo_ctx

# A maximized window on a 1280x720 screen: less a title bar and a task bar.
CLIENT_1280x720 = QSize(1280, 650)


class Alert:
    text = "DOCK-C bay 4: camera HPD-BWC-0412 reports a battery error"


FIELDS = (QLineEdit, QComboBox, QAbstractSpinBox, QAbstractButton, QLabel)


def clipped(root: QWidget) -> list[str]:
    """Visible fields, buttons and labels smaller than the least they need (Qt's own
    parts of a widget, like a spin box's inner line, are left out); a wrapped label
    shorter than its lines."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if (
            not isinstance(widget, FIELDS)
            or not widget.isVisible()
            or widget.objectName().startswith("qt_")
            or widget.window() is not root.window()
        ):
            continue
        need = widget.minimumSizeHint()
        if isinstance(widget, QLabel) and widget.wordWrap():
            need = QSize(0, widget.heightForWidth(widget.width()) if widget.text() else 0)
        if widget.width() < need.width() or widget.height() < need.height():
            found.append(
                f"{type(widget).__name__} {widget.objectName()!r} "
                f"{widget.width()}x{widget.height()} < {need.width()}x{need.height()}"
            )
    return found


@pytest.fixture
def window(qtbot, demo_db):
    state = AppState(demo_ctx(demo_db, "sgt.reyes"), demo=True, log_dir="/tmp/logs")
    win = MainWindow(state, "Harbor City Police Department (demo)")
    qtbot.addWidget(win)
    win.setWindowState(Qt.WindowState.WindowNoState)
    win.show()
    qtbot.waitExposed(win)
    yield win
    state.runner.shutdown()


def test_a_long_status_message_is_cut_with_an_ellipsis_and_whole_in_the_tooltip(qtbot, window):
    window.resize(CLIENT_1280x720)
    long = (
        "Exported 25,000 custody history rows to /home/evidence/Documents/Audits/2026/"
        "November/custody-history-for-the-county-auditor-HPD.csv"
    )
    window.state.message.emit(long, 0)
    line = window.status_line
    qtbot.waitUntil(lambda: line.is_elided(), timeout=3000)
    assert line.text() == long and line.shown_text().endswith("\u2026")
    assert line.toolTip() == long
    assert window.width() == CLIENT_1280x720.width()  # the message did not widen the window
    window.state.message.emit("Backed up.", 0)
    qtbot.waitUntil(lambda: not line.is_elided(), timeout=3000)
    assert line.shown_text() == "Backed up." and line.toolTip() == ""


def test_a_timed_message_goes_away(qtbot, window):
    window.state.message.emit("The database is reachable again.", 50)
    qtbot.waitUntil(lambda: window.status_line.text() == "", timeout=3000)


def test_at_1280x720_the_status_bar_shows_everything(qtbot, window):
    window.resize(CLIENT_1280x720)
    window._dock_alerts((Alert(), Alert(), Alert()))
    window._database_away(UnavailableError("The database server (db:5432) cannot be reached."))
    qtbot.waitUntil(lambda: window.offline_label.isVisible(), timeout=3000)
    qtbot.waitUntil(lambda: window.ledger_label.text() != "", timeout=10_000)
    qtbot.wait(200)  # (the status bar lays out its labels again after the ledger's text)
    assert window.width() == CLIENT_1280x720.width()
    bar = window.statusBar().rect()
    for label in window.statusBar().findChildren(ElidedLabel):
        if label is window.status_line or not label.isVisible():
            continue
        assert not label.is_elided(), (label.objectName(), label.text(), label.width())
        assert bar.contains(label.geometry()), label.objectName()
    assert window.alerts_button.isVisible()
    assert bar.contains(window.alerts_button.geometry())
    assert window.db_label.toolTip() == window.state.ctx.db.display  # the whole place


def test_at_1280x720_the_lock_screen_shows_everything(qtbot, window):
    window.resize(CLIENT_1280x720)
    window.lock(idle=True)
    form = window.lock_screen.form
    from bwc_desk.services.sign_in_attempts import locked_text

    form.error_label.setText(locked_text("sgt.reyes"))  # the longest refusal it shows
    qtbot.waitUntil(lambda: clipped(window.lock_screen) == [], timeout=3000)
    assert window.width() == CLIENT_1280x720.width()
    assert window.lock_screen.height() <= CLIENT_1280x720.height()
    assert not window.staff_label.is_elided()
    screen = window.lock_screen.rect()
    for widget in (form.user_edit, form.password_edit, form.sign_in_button, form.error_label):
        top_left = widget.mapTo(window.lock_screen, widget.rect().topLeft())
        assert screen.contains(widget.rect().translated(top_left)), widget.objectName()


def test_a_small_screen_gets_a_maximized_window_a_large_one_the_preferred_size(window):
    window.fit_to_screen(QSize(5000, 3000))  # does not fit: maximized (the WM fits it)
    assert window.windowState() & Qt.WindowState.WindowMaximized
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.fit_to_screen(QSize(700, 500))
    assert not window.windowState() & Qt.WindowState.WindowMaximized
    assert window.height() == 500


def test_the_staff_dialogs_fit_their_fields(qtbot, admin_ctx):
    from bwc_desk.ui.dialogs.staff_dialog import NewStaffDialog, StaffDialog

    state = AppState(admin_ctx)
    for dialog in (StaffDialog(state), NewStaffDialog(state)):
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        qtbot.waitUntil(lambda d=dialog: clipped(d) == [], timeout=3000)
    new = NewStaffDialog(state)
    qtbot.addWidget(new)
    new.show()
    qtbot.keyClicks(new.user_edit, "quinn")
    for edit in (new.password_edit, new.confirm_edit):
        qtbot.keyClicks(edit, "shelby123")  # on the leaked list: a long message
    qtbot.mouseClick(new.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "leaked" in new.error_label.text(), timeout=10_000)
    qtbot.waitUntil(lambda: clipped(new) == [], timeout=3000)
    state.runner.shutdown()


def test_the_settings_dialog_fits_its_fields(qtbot, admin_ctx):
    from bwc_desk.ui.dialogs.settings_dialog import SettingsDialog

    dialog = SettingsDialog(AppState(admin_ctx), get_settings(admin_ctx))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: clipped(dialog) == [], timeout=3000)


def test_the_settings_dialog_keeps_save_on_a_small_screen(qtbot, admin_ctx):
    """890 pixels of settings on a 1366x800 screen: Save was below its edge. The fields
    scroll; the dialog stays within the screen, Save and Cancel in it."""
    from bwc_desk.ui.dialogs.settings_dialog import SettingsDialog

    dialog = SettingsDialog(AppState(admin_ctx), get_settings(admin_ctx))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    screen = dialog.screen().availableGeometry()
    assert dialog.height() <= screen.height()
    save = dialog.ok_button
    assert save.isVisible() and save.mapTo(dialog, save.rect().bottomLeft()).y() < dialog.height()
    scroll = dialog.findChild(QWidget, "form_scroll")
    assert scroll is not None
    holder = scroll.widget()  # type: ignore[attr-defined]
    if holder.sizeHint().height() > scroll.height():  # (a screen too small for the form)
        assert scroll.verticalScrollBar().isVisible()  # type: ignore[attr-defined]
    # Every setting is still in the form, reachable by scrolling to it.
    assert all(editor.isVisibleTo(dialog) for editor in dialog.editors.values())


def test_the_directory_bind_password_label_has_its_shortcut(qtbot, admin_ctx):
    from PySide6.QtWidgets import QLabel

    from bwc_desk.services.directory_admin import load_config
    from bwc_desk.ui.dialogs.directory_dialog import DirectoryDialog

    dialog = DirectoryDialog(AppState(admin_ctx), load_config(admin_ctx))
    qtbot.addWidget(dialog)
    (label,) = [w for w in dialog.findChildren(QLabel) if w.text() == "Bind &password"]
    assert label.buddy() is dialog.password_edit  # (shown as "Bind password", Alt+P)


def test_a_long_agency_name_is_shown_from_its_start_in_the_settings(qtbot, admin_ctx):
    from bwc_desk.services import settings
    from bwc_desk.ui.dialogs.settings_dialog import SettingsDialog

    name = "Harbor City Police Department, Property and Evidence Unit (demo)"
    settings.change_settings(admin_ctx, {"agency_name": name})
    dialog = SettingsDialog(AppState(admin_ctx), get_settings(admin_ctx))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    line = dialog.editors["agency_name"]
    qtbot.waitUntil(lambda: line.cursorPosition() == 0)  # (its start in view)
    assert line.text() == name
    assert line.width() >= line.fontMetrics().horizontalAdvance(name[:40])


def test_at_1024x700_a_cameras_details_beside_inventory_show_every_button(qtbot, window):
    window.resize(1024, 700)
    window.tabs.setCurrentIndex(0)
    tab = window.inventory_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() > 0, timeout=10_000)
    tab.table.table.setFocus()
    tab.table.table.selectRow(0)
    tab.open_details()
    detail = tab.detail
    qtbot.waitUntil(lambda: detail.unit is not None and detail.history_label.text() != "",
                    timeout=10_000)
    qtbot.wait(100)  # (laid out)
    assert clipped(detail) == []


def test_a_number_setting_says_its_range(qtbot, admin_ctx):
    """'45' typed where 30 is the most became '4' without a word: the range is shown."""
    from PySide6.QtWidgets import QSpinBox

    from bwc_desk.ui.dialogs.settings_dialog import SettingsDialog

    dialog = SettingsDialog(AppState(admin_ctx), get_settings(admin_ctx))
    qtbot.addWidget(dialog)
    spin = dialog.editors["idle_lock_minutes"]
    assert isinstance(spin, QSpinBox)
    assert spin.maximum() == 30 and "(1 to 30)" in spin.suffix()
    assert dialog.changes() == {}  # (the suffix is not part of the value)

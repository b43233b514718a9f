"""The counter's dialogs and the scan watch, key by key, on injected clocks (no real time):
a password typed as fast as a scanner is never a scan and never shown; Tab ends a burst;
the keys' own times (the window system's) tell a person from a scanner; the notice of a
refused scan makes its dialog grow to show it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QVBoxLayout

from bwc_desk.domain.docking import GateResult
from bwc_desk.ui.dialogs.counter_dialogs import FunctionTestDialog, GateDialog
from bwc_desk.ui.views.counter_dialog_scans import DialogScans
from tests.test_scan_keys import Ticks

SECRET = "Secret-Pass-99"


def watched(qtbot, dialog: QDialog, step: float = 0.004):
    """``dialog`` shown with the counter's watch on it; keys read ``step`` s apart."""
    scans: list[str] = []
    DialogScans(dialog, scans.append, clock=Ticks(step))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitExposed(dialog)
    return scans


def gate_with_form(qtbot, step: float = 0.004):
    dialog = GateDialog("HPD-BWC-0006", "Jones, Ann", GateResult(False, ("battery 40%",)))
    scans = watched(qtbot, dialog, step)
    dialog.override_button.click()  # the override form opens, the user name has the focus
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.user_edit, timeout=5000)
    return dialog, scans


def everything_shown(dialog: QDialog) -> str:
    return " ".join(label.text() for label in dialog.findChildren(QLabel))


def test_a_password_auto_typed_then_enter_is_the_password_not_a_scan(qtbot):
    dialog, scans = gate_with_form(qtbot)
    dialog.user_edit.setText("sam")
    dialog.reason_edit.setText("need it")
    dialog.password_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.password_edit, timeout=5000)
    QTest.keyClicks(dialog.password_edit, SECRET)  # a password manager: 4 ms a key
    QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert scans == [] and dialog.findChild(QLabel, "scan_not_used") is None
    assert SECRET not in everything_shown(dialog)
    assert dialog.override is not None and dialog.override.password == SECRET


def test_name_tab_password_tab_reason_at_speed_never_shows_the_password(qtbot):
    dialog, scans = gate_with_form(qtbot)
    for text in ("qm.jordan", "demo-counter-2026", "need it"):
        QTest.keyClicks(QApplication.focusWidget(), text)
        if text != "need it":
            QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.reason_edit
    QTest.keyClick(dialog.reason_edit, Qt.Key.Key_Return)
    # Only the reason came at speed after the last Tab: that is what a scan would be. The
    # dialog has a password field: its notice names no code, and the counter gets none.
    assert scans == [""]
    shown = everything_shown(dialog)
    assert "scan came in" in shown
    assert "demo-counter-2026" not in shown and "jordan" not in shown
    assert "need it" not in shown
    assert dialog.user_edit.text() == "qm.jordan"  # Tab ended its burst: it stays typed
    assert dialog.password_edit.text() == "demo-counter-2026"
    assert dialog.reason_edit.text() == "" and dialog.isVisible()


@pytest.mark.parametrize(
    "mode",
    [QLineEdit.EchoMode.Password, QLineEdit.EchoMode.PasswordEchoOnEdit,
     QLineEdit.EchoMode.NoEcho],
)
def test_keys_in_a_hidden_field_are_never_a_scan(qtbot, mode):
    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    secret = QLineEdit(dialog)
    secret.setEchoMode(mode)
    layout.addWidget(secret)
    scans = watched(qtbot, dialog)
    secret.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is secret, timeout=5000)
    QTest.keyClicks(secret, SECRET)
    QTest.keyClick(secret, Qt.Key.Key_Return)
    assert scans == [] and dialog.findChild(QLabel, "scan_not_used") is None


def test_a_burst_that_ran_into_a_hidden_field_is_not_a_scan_after_it(qtbot):
    """No Tab (the focus moved by a click): the password's keys still end the name's
    burst, and the reason after them starts its own."""
    dialog, scans = gate_with_form(qtbot)
    QTest.keyClicks(dialog.user_edit, "qm.jordan")
    dialog.password_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.password_edit, timeout=5000)
    QTest.keyClicks(dialog.password_edit, SECRET)
    dialog.reason_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.reason_edit, timeout=5000)
    QTest.keyClicks(dialog.reason_edit, "ok")  # too short for a code on its own
    QTest.keyClick(dialog.reason_edit, Qt.Key.Key_Return)
    assert scans == [] and dialog.findChild(QLabel, "scan_not_used") is None


def test_tab_ends_a_burst(qtbot):
    dialog = FunctionTestDialog("HPD-BWC-0014", "Jones, Ann")
    scans = watched(qtbot, dialog)
    dialog.note_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.note_edit, timeout=5000)
    QTest.keyClicks(dialog.note_edit, "HPD-BWC")
    QTest.keyClick(dialog.note_edit, Qt.Key.Key_Backtab)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    QTest.keyClicks(QApplication.focusWidget(), "15")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert scans == []


def key_at(widget, key: Qt.Key, text: str, ms: int) -> None:
    """A key press as the window system delivers it: with its own time."""
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text)
        event.setTimestamp(ms)
        QApplication.sendEvent(widget, event)


def test_keys_a_person_typed_while_the_station_was_busy_are_not_a_scan(qtbot):
    """xdotool --delay 120: the keys' own times are 120 ms apart, but they were handled
    together (the clock that reads them hardly moves)."""
    dialog, scans = gate_with_form(qtbot, step=0.0001)
    dialog.reason_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.reason_edit, timeout=5000)
    for i, char in enumerate("need it"):
        key_at(dialog.reason_edit, Qt.Key(ord(char.upper())), char, 50_000 + 120 * i)
    key_at(dialog.reason_edit, Qt.Key.Key_Return, "\r", 50_000 + 120 * 7)
    assert scans == [] and dialog.reason_edit.text() == "need it"
    # A scanner, with its own times: a scan (refused here, the reason put back).
    for i, char in enumerate("HPD-BWC-0015"):
        key_at(dialog.reason_edit, Qt.Key(ord(char.upper())), char, 60_000 + 3 * i)
    key_at(dialog.reason_edit, Qt.Key.Key_Return, "\r", 60_000 + 40)
    assert scans == [""] and dialog.reason_edit.text() == "need it"


def test_the_notice_of_a_scan_makes_the_dialog_grow_to_show_it(qtbot):
    dialog = FunctionTestDialog("HPD-BWC-0014", "Jones, Ann")
    scans = watched(qtbot, dialog)
    before = dialog.size()
    dialog.note_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.note_edit, timeout=5000)
    QTest.keyClicks(dialog.note_edit, "HPD-BWC-0015")
    QTest.keyClick(dialog.note_edit, Qt.Key.Key_Return)
    assert scans == ["HPD-BWC-0015"]
    notice = dialog.findChild(QLabel, "scan_not_used")
    assert notice is not None and "HPD-BWC-0015" in notice.text()
    assert dialog.height() > before.height()
    assert dialog.height() >= dialog.sizeHint().height()
    assert dialog.width() >= dialog.minimumSizeHint().width()

"""A menu opened and closed with Escape leaves the menu bar in its keyboard mode (Qt: the
menu's title stays highlighted, letters are its mnemonics): the next scan would go into the
menus. After a menu closes, the focus goes back where it was: the counter's scan field."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.conftest import activate
from tests.test_ui_window import window

__all__ = ["window"]  # the fixture, shared with test_ui_window

# What the offscreen platform says of a popup menu (a real display does all three).
pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support raise", "This plugin does not support grabbing the keyboard"
)


def at_the_counter(qtbot, window):
    activate(qtbot, window)
    tab = window.counter_tab
    assert window.tabs.currentWidget() is tab
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tab.scan_edit, timeout=5000)
    return tab


def focus_back_at_the_counter(qtbot, window, tab):
    """The window's focus is the scan field again and no menu title is left highlighted.
    (Offscreen, a closed menu keeps the window activation, which a real window manager gives
    back: the window is activated again, as it is under X11.)"""
    bar = window.menuBar()
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=3000)
    qtbot.waitUntil(
        lambda: window.focusWidget() is tab.scan_edit and not bar.hasFocus(), timeout=3000
    )
    assert bar.activeAction() is None  # not in the bar's keyboard mode
    activate(qtbot, window)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tab.scan_edit, timeout=3000)


def typed_scan_reaches_the_counter(qtbot, tab, code="NO-SUCH-CODE"):
    """What a USB scanner does: types into whatever has the focus, then Enter."""
    with qtbot.waitSignal(tab.scan_handled, timeout=10_000) as handled:
        QTest.keyClicks(QApplication.focusWidget(), code)
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert handled.args == [code]
    assert "Nothing matches 'NO-SUCH-CODE'" in tab.banner.text()


def test_escape_from_a_menu_gives_the_scan_field_its_focus_back(qtbot, window):
    tab = at_the_counter(qtbot, window)
    bar = window.menuBar()
    bar.setActiveAction(window.view_menu.menuAction())  # opened (as a click does)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is window.view_menu, timeout=3000)
    QTest.keyClick(window.view_menu, Qt.Key.Key_Escape)
    focus_back_at_the_counter(qtbot, window, tab)
    typed_scan_reaches_the_counter(qtbot, tab)
    assert QApplication.activePopupWidget() is None  # no letter opened a menu


def test_alt_and_a_mnemonic_then_escape_too(qtbot, window):
    tab = at_the_counter(qtbot, window)
    QTest.keyClick(tab.scan_edit, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)  # Alt+F
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is window.file_menu, timeout=3000)
    QTest.keyClick(window.file_menu, Qt.Key.Key_Escape)
    focus_back_at_the_counter(qtbot, window, tab)
    typed_scan_reaches_the_counter(qtbot, tab)

"""The keyboard focus after a menu closes goes back where it was.

Qt leaves a menu bar in its keyboard mode when a menu is closed with Escape (the menu's
title stays highlighted and the bar holds the focus, so letters are its mnemonics): at the
counter the next scan went into the menus ("H" opened Help) instead of the scan field. Here
the widget that had the focus before is given it back as soon as the menu has closed, which
also ends the bar's keyboard mode (the bar leaves it when it loses the focus).
"""

from __future__ import annotations

from collections.abc import Iterable

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMenu, QMenuBar, QWidget


class MenuFocus(QObject):
    def __init__(self, bar: QMenuBar, menus: Iterable[QMenu]) -> None:
        super().__init__(bar)
        self.bar = bar
        self._before: QWidget | None = None  # the last widget of the window with the focus
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus_changed)
        for menu in menus:
            menu.aboutToHide.connect(self._menu_closing)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None or new is self.bar or isinstance(new, QMenu):
            return
        if shiboken6.isValid(self.bar) and new.window() is self.bar.window():
            self._before = new

    def _menu_closing(self) -> None:
        # Escape hides the menu first, then puts the bar in its keyboard mode: after it.
        QTimer.singleShot(0, self._restore)

    def _restore(self) -> None:
        if not shiboken6.isValid(self.bar) or QApplication.activePopupWidget() is not None:
            return  # (another menu opened: Left/Right from one menu to the next)
        if not self.bar.hasFocus():
            return  # an action's dialog, or the lock screen, has it: theirs
        target = self._before
        if (
            target is not None
            and shiboken6.isValid(target)
            and target.isVisible()
            and target.isEnabled()
        ):
            target.setFocus(Qt.FocusReason.PopupFocusReason)
        else:
            self.bar.clearFocus()

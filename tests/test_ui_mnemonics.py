"""Alt+letter does one thing on every page of the main window: a letter underlined twice
among what is on screen (a tab, a menu, a button, a labelled field) makes Qt cycle the focus
between them instead of acting, and a keyboard user's Alt+R does nothing."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QMainWindow,
    QTabBar,
    QWidget,
)

from bwc_desk.ui.state import AppState
from tests.conftest import demo_ctx

pytestmark = pytest.mark.usefixtures("qapp")

_MNEMONIC = re.compile(r"&([^&\s])")


def _letter(text: str) -> str | None:
    found = _MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else None


def _mnemonics(window: QMainWindow) -> dict[str, list[str]]:
    """Letter -> what on screen answers Alt+letter now."""
    seen: dict[str, list[str]] = defaultdict(list)
    for action in window.menuBar().actions():
        if (letter := _letter(action.text())) is not None:
            seen[letter].append(f"menu {action.text()!r}")
    for bar in window.findChildren(QTabBar):
        if not bar.isVisible():
            continue
        for i in range(bar.count()):
            # QTabWidget keeps the title's & in its text; the bar shows it underlined
            if (letter := _letter(bar.tabText(i))) is not None:
                seen[letter].append(f"tab {bar.tabText(i)!r}")
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or not widget.isEnabled():
            continue
        if isinstance(widget, QAbstractButton | QGroupBox):
            text = widget.text() if isinstance(widget, QAbstractButton) else widget.title()
        elif isinstance(widget, QLabel) and widget.buddy() is not None:
            text = widget.text()
        else:
            continue
        if (letter := _letter(text)) is not None:
            seen[letter].append(f"{type(widget).__name__} {text!r}")
    return seen


def test_every_page_of_the_window_has_one_thing_per_alt_letter(qtbot, demo_db):
    from bwc_desk.ui.main_window import MainWindow

    state = AppState(demo_ctx(demo_db, "admin"), demo=True, log_dir="/tmp/logs")
    window = MainWindow(state, "Demo PD")
    qtbot.addWidget(window)
    window.show()
    clashes: dict[str, dict[str, list[str]]] = {}
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        qtbot.waitUntil(lambda i=index: window.tabs.currentIndex() == i)
        page = window.tabs.tabText(index).replace("&", "")
        double = {k: v for k, v in _mnemonics(window).items() if len(v) > 1}
        if double:
            clashes[page] = double
    state.runner.shutdown()
    assert clashes == {}

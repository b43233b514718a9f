"""The counter's banner keeps its height for answers of one or two lines: the lists below
do not jump down and up from one scan to the next (a clerk's eyes go to the Out now list
right after the answer)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from tests.test_ui_counter_lock import window  # noqa: F401  (the fixture)

TWO_LINES = (
    "HPD-BWC-0001 is not issued: it was returned 10 seconds ago by quinn.\n"
    "Scan the officer's badge first, then the camera."
)


def test_two_lines_do_not_push_the_lists_down(qtbot, window):  # noqa: F811
    win, tab = window["win"], window["tab"]
    win.resize(1400, 860)
    tab._show("ok", "Issued HPD-BWC-0001 to Smith, John.")
    QApplication.processEvents()
    short_top, short_height = tab.lists.y(), tab.banner.height()
    for kind in ("error", "notice", "ok"):
        tab._show(kind, TWO_LINES)
        QApplication.processEvents()
        assert tab.banner.height() == short_height, kind
        assert tab.lists.y() == short_top, kind

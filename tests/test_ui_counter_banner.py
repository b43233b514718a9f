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


def test_a_long_wrong_code_is_said_cut_and_keeps_the_banners_height(qtbot, window):  # noqa: F811
    """A web address's QR code scanned by mistake: the code said back cut, in two lines."""
    import pytest

    from bwc_desk.domain.errors import NotFoundError
    from bwc_desk.services import counter

    win, tab = window["win"], window["tab"]
    win.resize(1400, 860)
    tab._show("ok", "Issued HPD-BWC-0001 to Smith, John.")
    QApplication.processEvents()
    top, height = tab.lists.y(), tab.banner.height()
    url = "HTTPS://WWW.EXAMPLE-COUNTY.GOV/SHERIFF/EVIDENCE/BODY-CAMERAS/POLICY?REF=QR-CODE-2027"
    with pytest.raises(NotFoundError) as refused:
        counter.identify(window["quinn"], url)
    text = str(refused.value)
    assert url not in text and f"(a code of {len(url)} characters)" in text
    tab._show("error", text)
    QApplication.processEvents()
    assert tab.banner.height() == height and tab.lists.y() == top

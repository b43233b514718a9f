"""Shift change on screen, where pools are in use: the board refuses an officer's own camera
for a pool user and a pool camera outside its division without asking, and the commit asks
with the names of the officers whose cameras it takes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from bwc_desk.services import assignments
from tests import test_ui_assignments as ua
from tests.conftest import answer
from tests.test_ui_assignments import click_row, press, snapshot

desk, board = ua.desk, ua.board  # the Assignments tab's fixtures


def test_the_commit_names_whose_cameras_it_takes_and_asks(qtbot, board, desk):
    sup = desk["sup"]
    with qtbot.waitSignal(board.proposal_ready, timeout=10_000):
        qtbot.mouseClick(board.propose_button, Qt.MouseButton.LeftButton)
    before = snapshot(sup)
    seen = {}

    def read_and_decline(box: QMessageBox) -> None:
        seen["text"] = box.text()
        press(Qt.Key.Key_Escape)(box)

    answer(qtbot, read_and_decline, QMessageBox)
    qtbot.mouseClick(board.commit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "text" in seen, timeout=5000)
    assert "takes their own camera from 2 officers" in seen["text"]
    assert "Adams, Pat (1001): HPD-BWC-0001 -> Ford, Pat (2002)" in seen["text"]
    assert "Baker, Pat (1002): HPD-BWC-0002 -> Evans, Pat (2001)" in seen["text"]
    assert snapshot(sup) == before
    assert board.stack.currentWidget() is board.proposal_page


def test_the_board_refuses_pool_mistakes_without_asking(qtbot, board, desk):
    sup, ids = desk["sup"], desk["ids"]
    pool = assignments.create_pool(sup, "Traffic pool", division="Traffic")
    assignments.put_in_pool(sup, [ids["HPD-BWC-0004"]], pool.id)
    with qtbot.waitSignal(board.board_loaded, timeout=10_000):
        board.load_board()
    assert "1 without a camera, 1 use their division's pool" in board.officer_group.title()
    before = snapshot(sup)
    asked = []
    answer(qtbot, lambda box: (asked.append(box.text()), box.reject()), QMessageBox, tries=20)
    # Gray's own camera for Evans, who uses the Traffic pool.
    click_row(qtbot, board.ready_table, lambda u: u.asset_tag == "HPD-BWC-0005")
    click_row(qtbot, board.officer_table, lambda x: x.badge == "2001")
    qtbot.mouseClick(board.assign_button, Qt.MouseButton.LeftButton)
    assert "Evans, Pat (2001) uses the Traffic pool" in board.message.text()
    # The Traffic pool's camera for Ford, of Patrol.
    click_row(qtbot, board.ready_table, lambda u: u.asset_tag == "HPD-BWC-0004")
    click_row(qtbot, board.officer_table, lambda x: x.badge == "2002")
    qtbot.mouseClick(board.assign_button, Qt.MouseButton.LeftButton)
    assert "goes only to an officer of Traffic" in board.message.text()
    assert asked == [] and snapshot(sup) == before


def test_the_shift_lists_follow_a_change_of_the_agencys_shifts(qtbot, board, desk):
    from datetime import time, timedelta

    from bwc_desk.domain.shifts import DEFAULT_SHIFTS, ShiftSpec
    from bwc_desk.services import settings

    power = ShiftSpec.of_length("Power", time(18), timedelta(hours=10))
    settings.replace_shifts(desk["admin"], [*DEFAULT_SHIFTS, power])
    from bwc_desk.services.changeset import ChangeSet

    # What another station's change delivers.
    desk["state"].announce(ChangeSet.of({"settings"}, complete=False, local=False))
    box = board.outgoing_box
    qtbot.waitUntil(lambda: "Power" in [box.itemText(i) for i in range(box.count())],
                    timeout=10_000)
    assert [box.itemText(i) for i in range(box.count())] == ["Day", "Evening", "Power",
                                                             "Night"]
    assert board.shifts() == ("Day", "Evening")  # what the supervisor picked stays


def test_hidden_the_board_waits_for_dock_reports_until_shown(qtbot, board, desk, monkeypatch):
    """Dock reports arrive several a second: a hidden shift change does not read its board
    for them (a read of every camera's readiness); it reads once when shown."""
    from bwc_desk.services import shift_change
    from bwc_desk.services.changeset import ChangeSet

    tab = desk["tab"]
    reads: list[int] = []
    real = shift_change.board

    def counted(*args):  # type: ignore[no-untyped-def]
        reads.append(1)
        return real(*args)

    monkeypatch.setattr(shift_change, "board", counted)
    tab.pages.setCurrentWidget(tab.roster)
    assert not board.isVisible()
    board._dock_timer.setInterval(10)
    for _ in range(3):
        desk["state"].announce(ChangeSet.of({"docks"}, local=False))
    qtbot.waitUntil(lambda: board._stale, timeout=5000)
    assert reads == []
    with qtbot.waitSignal(board.board_loaded, timeout=10_000):
        tab.pages.setCurrentWidget(board)
    assert reads  # (read when shown)


def test_the_lists_say_loading_not_0_until_the_first_board(qtbot, desk, monkeypatch):
    """A hands-on tester read "still holding a camera 0" for 2-3 s at 40,000 officers
    while the first board was read: the counts say it is loading until it is in."""
    import threading

    from bwc_desk.services import shift_change

    hold = threading.Event()
    real = shift_change.board

    def slow_board(*args, **kwargs):  # type: ignore[no-untyped-def]
        assert hold.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(shift_change, "board", slow_board)
    tab = desk["tab"]
    panel = tab.shift_change
    try:
        tab.pages.setCurrentWidget(panel)
        qtbot.waitUntil(lambda: panel.out_table.count_label.text() == "loading...",
                        timeout=10_000)
        assert panel.ready_table.count_label.text() == "loading..."
        with qtbot.waitSignal(panel.board_loaded, timeout=10_000):
            hold.set()
        assert panel.out_table.count_label.text()[0].isdigit()
        assert panel.officer_table.count_label.text()[0].isdigit()
    finally:
        hold.set()


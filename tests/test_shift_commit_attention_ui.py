"""The commit's question when rows of the proposal need attention (another station changed
them, or two rows give one officer a camera): it names those rows first, by camera, says the
commit would be refused, and offers only Cancel; nothing is written."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from bwc_desk.services import counter
from bwc_desk.services.counter import FunctionTest
from tests import test_ui_assignments as ua
from tests.conftest import answer
from tests.test_shift_recheck_ui import BAKER_ISSUED, from_station_b, note, propose
from tests.test_ui_assignments import press, snapshot

desk, board = ua.desk, ua.board  # the Assignments tab's fixtures


def ask_commit(qtbot, board) -> dict[str, object]:
    seen: dict[str, object] = {}

    def read_and_cancel(box: QMessageBox) -> None:
        seen["text"] = box.text()
        seen["buttons"] = [box.standardButton(b) for b in box.buttons()]
        press(Qt.Key.Key_Escape)(box)

    answer(qtbot, read_and_cancel, QMessageBox)
    qtbot.mouseClick(board.commit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "text" in seen, timeout=5000)
    return seen


def test_a_row_marked_by_another_stations_change_is_named_and_only_cancel_offered(
    qtbot, board, desk, db_url
):
    o, state = desk["o"], desk["state"]
    propose(qtbot, board)
    desk["clock"].advance(minutes=5)
    change = from_station_b(db_url, desk["qm"], lambda c: counter.issue_unit(
        c, o["d2"].id, "HPD-BWC-0002", function_test=FunctionTest()))
    state.announce(change)
    qtbot.waitUntil(lambda: note(board, 1) == BAKER_ISSUED, timeout=10_000)
    before = snapshot(desk["sup"])
    seen = ask_commit(qtbot, board)
    text = str(seen["text"])
    assert text.startswith(
        "1 row needs attention:\n  HPD-BWC-0002 was issued to Baker, Pat (1002) at DESK-2 at "
        "01:50 since this proposal was made\n"
    )
    assert "The commit would be refused until it is taken out" in text
    assert "Reassign" not in text  # not asked as if it could go through
    assert seen["buttons"] == [QMessageBox.StandardButton.Cancel]
    assert snapshot(desk["sup"]) == before
    assert board.stack.currentWidget() is board.proposal_page
    assert board.commit_button.text() == "&Commit 2 moves (1 needs attention)"


def test_two_rows_giving_one_officer_a_camera_are_named_by_camera(qtbot, board, desk):
    propose(qtbot, board)
    model = board.proposal_model
    first, second = model.rows()
    # The supervisor gives the second camera to the first row's officer too.
    model.setData(model.index(1, model.COL_TO), first.to_officer_id, Qt.ItemDataRole.EditRole)
    assert board.commit_button.text() == "&Commit 2 moves (2 need attention)"
    before = snapshot(desk["sup"])
    seen = ask_commit(qtbot, board)
    text = str(seen["text"])
    assert text.startswith("2 rows need attention:\n")
    assert f"  {first.asset_tag}: {first.to_officer} gets more than one camera" in text
    assert f"  {second.asset_tag}: {first.to_officer} gets more than one camera" in text
    assert "until they are taken out" in text
    assert seen["buttons"] == [QMessageBox.StandardButton.Cancel]
    assert snapshot(desk["sup"]) == before

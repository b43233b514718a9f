"""The proposal page while another station changes the database: the rows the change
touched are checked again and marked with what changed, and the commit button counts the
rows that need attention. The other station is a second engine on the same SQLite file,
writing through the services; its change is delivered as the change watcher delivers it."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from bwc_desk.services import counter
from bwc_desk.services.changes import collect
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.startup import open_database
from bwc_desk.ui.models.proposal_model import ProposalModel
from tests import test_ui_assignments as ua
from tests.test_ui_assignments import snapshot

desk, board = ua.desk, ua.board  # the Assignments tab's fixtures

BAKER_ISSUED = (
    "HPD-BWC-0002 was issued to Baker, Pat (1002) at DESK-2 at 01:50 since this proposal was "
    "made: take it out or make the proposal again"
)


def from_station_b(db_url, ctx, fn) -> ChangeSet:
    """Run ``fn`` at station DESK-2 (its own engine on the same database) and return what
    the change watcher would announce for it."""
    other = open_database(db_url).db
    try:
        _result, change = collect(Ctx(other, "DESK-2", ctx.actor, ctx.clock, ctx.zone), fn)
    finally:
        other.dispose()
    assert change is not None and change.complete
    return replace(change, local=False)


def propose(qtbot, board) -> None:
    with qtbot.waitSignal(board.proposal_ready, timeout=10_000):
        qtbot.mouseClick(board.propose_button, Qt.MouseButton.LeftButton)


def note(board, row: int) -> str:
    return board.proposal_model.index(row, ProposalModel.COL_NOTE).data()


def test_a_camera_issued_at_another_station_is_marked_on_the_proposal(
    qtbot, board, desk, db_url
):
    o, state = desk["o"], desk["state"]
    propose(qtbot, board)
    model = board.proposal_model
    assert [r.asset_tag for r in model.rows()] == ["HPD-BWC-0001", "HPD-BWC-0002"]
    assert board.commit_button.text() == "&Commit 2 moves"
    # Station B, five minutes later: Baker takes his camera out at the counter.
    desk["clock"].advance(minutes=5)
    change = from_station_b(db_url, desk["qm"], lambda c: counter.issue_unit(
        c, o["d2"].id, "HPD-BWC-0002", function_test=FunctionTest()))
    state.announce(change)
    qtbot.waitUntil(lambda: note(board, 1) == BAKER_ISSUED, timeout=10_000)
    assert model.index(1, 0).data(Qt.ItemDataRole.BackgroundRole).color().name() == "#fee2e2"
    assert note(board, 0) == "same division"
    assert model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert board.commit_button.text() == "&Commit 2 moves (1 needs attention)"
    assert "HPD-BWC-0002" in board.proposal_message.text()
    # The supervisor takes it out: nothing needs attention, the rest commits.
    before = snapshot(desk["sup"])
    model.removeRows(1, 1)
    assert board.commit_button.text() == "&Commit 1 move"
    assert snapshot(desk["sup"]) == before


def test_a_change_that_names_no_ids_checks_every_row_again(qtbot, board, desk, db_url):
    o, state = desk["o"], desk["state"]
    propose(qtbot, board)
    desk["clock"].advance(minutes=5)
    from_station_b(db_url, desk["qm"], lambda c: counter.issue_unit(
        c, o["d2"].id, "HPD-BWC-0002", function_test=FunctionTest()))
    # (A lost listener, or a write outside the app: the ids are not known.)
    state.announce(ChangeSet.of({"units", "custody"}, complete=False, local=False))
    qtbot.waitUntil(lambda: note(board, 1) == BAKER_ISSUED, timeout=10_000)
    assert board.commit_button.text() == "&Commit 2 moves (1 needs attention)"
    # Station B's camera comes back: the next change clears the mark.
    desk["clock"].advance(minutes=1)
    change = from_station_b(db_url, desk["qm"], lambda c: counter.return_unit(
        c, "HPD-BWC-0002"))
    state.announce(change)
    qtbot.waitUntil(lambda: board.commit_button.text() == "&Commit 2 moves", timeout=10_000)
    assert board.proposal_model.index(1, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert board.proposal_message.text() == ""


def test_a_change_to_other_cameras_and_officers_checks_nothing_again(
    qtbot, board, desk, db_url, monkeypatch
):
    o, ids, state = desk["o"], desk["ids"], desk["state"]
    propose(qtbot, board)
    asked: list[int] = []
    monkeypatch.setattr(board, "recheck", lambda: asked.append(1))
    # Station B issues Gray his own camera: neither is in the proposal.
    change = from_station_b(db_url, desk["qm"], lambda c: counter.issue_unit(
        c, o["e3"].id, "HPD-BWC-0005", function_test=FunctionTest()))
    state.announce(change)
    state.announce(ChangeSet.of({"docks"}, docks={1}, local=False))
    assert asked == []
    state.announce(ChangeSet.of({"units"}, units={ids["HPD-BWC-0001"]}, local=False))
    assert asked == [1]
    state.announce(ChangeSet.of({"officers"}, officers={o["e1"].id}, local=False))
    assert asked == [1, 1]

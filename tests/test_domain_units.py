import pytest

from bwc_desk.domain.errors import TransitionError
from bwc_desk.domain.units import TRANSITIONS, UnitAction, UnitStatus, allowed_actions, transition

S, A = UnitStatus, UnitAction


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        (S.AVAILABLE, A.ISSUE, S.ISSUED),
        (S.ISSUED, A.RETURN, S.AVAILABLE),
        (S.AVAILABLE, A.REPAIR, S.IN_REPAIR),
        (S.IN_REPAIR, A.RETURN_TO_SERVICE, S.AVAILABLE),
        (S.ISSUED, A.MARK_LOST, S.LOST),
        (S.LOST, A.RETURN_TO_SERVICE, S.AVAILABLE),
        (S.STOLEN, A.RETIRE, S.RETIRED),
        (S.ISSUED, A.UNDO_ISSUE, S.AVAILABLE),
        (S.IN_REPAIR, A.UNDO_RETURN, S.ISSUED),
    ],
)
def test_allowed_transitions(status, action, expected):
    assert transition("HPD-BWC-0001", status, action) is expected


def test_forbidden_transition_names_the_unit_and_what_to_do():
    with pytest.raises(TransitionError) as err:
        transition("HPD-BWC-0412", S.RETIRED, A.ISSUE)
    assert str(err.value).startswith("HPD-BWC-0412 is retired; it cannot be issued.")
    assert "Pick another camera" in str(err.value)


@pytest.mark.parametrize("status", list(UnitStatus))
def test_every_forbidden_pair_is_refused_with_a_message(status):
    for action in UnitAction:
        if (action, status) in TRANSITIONS:
            continue
        with pytest.raises(TransitionError, match=f"is {status.value}; it cannot be"):
            transition("T-1", status, action)


def test_retired_is_terminal_and_issued_cannot_go_to_repair_directly():
    assert allowed_actions(S.RETIRED) == []
    assert A.REPAIR not in allowed_actions(S.ISSUED)


def test_every_status_is_reachable_from_available():
    seen = {S.AVAILABLE}
    frontier = [S.AVAILABLE]
    while frontier:
        status = frontier.pop()
        for action in allowed_actions(status):
            nxt = TRANSITIONS[(action, status)]
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(UnitStatus)

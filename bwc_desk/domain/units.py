"""The unit (camera) lifecycle: every status and every allowed transition, in one place."""

from __future__ import annotations

from enum import StrEnum

from bwc_desk.domain.errors import TransitionError


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    ISSUED = "issued"
    IN_REPAIR = "in repair"
    LOST = "lost"
    STOLEN = "stolen"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# A status read from the database, by its value: what a list of 25,000 rows looks up once a
# row (the enum's own call costs a microsecond more each time).
STATUS_OF: dict[str, UnitStatus] = {s.value: s for s in UnitStatus}


class UnitAction(StrEnum):
    """Things that change a unit's status. Values read well inside a sentence."""

    ISSUE = "issued"
    RETURN = "returned"
    REPAIR = "sent to repair"
    RETURN_TO_SERVICE = "returned to service"
    MARK_LOST = "marked lost"
    MARK_STOLEN = "marked stolen"
    RETIRE = "retired"
    # Corrections (undo) reverse a transaction; they are new records, never edits.
    UNDO_ISSUE = "un-issued (correction)"
    UNDO_RETURN = "re-opened (correction)"


S = UnitStatus
A = UnitAction

# (action, from) -> to. Anything not listed is refused.
TRANSITIONS: dict[tuple[UnitAction, UnitStatus], UnitStatus] = {
    (A.ISSUE, S.AVAILABLE): S.ISSUED,
    (A.RETURN, S.ISSUED): S.AVAILABLE,
    (A.REPAIR, S.AVAILABLE): S.IN_REPAIR,
    (A.RETURN_TO_SERVICE, S.IN_REPAIR): S.AVAILABLE,
    (A.RETURN_TO_SERVICE, S.LOST): S.AVAILABLE,
    (A.RETURN_TO_SERVICE, S.STOLEN): S.AVAILABLE,
    (A.MARK_LOST, S.AVAILABLE): S.LOST,
    (A.MARK_LOST, S.ISSUED): S.LOST,
    (A.MARK_LOST, S.IN_REPAIR): S.LOST,
    (A.MARK_STOLEN, S.AVAILABLE): S.STOLEN,
    (A.MARK_STOLEN, S.ISSUED): S.STOLEN,
    (A.MARK_STOLEN, S.IN_REPAIR): S.STOLEN,
    (A.MARK_STOLEN, S.LOST): S.STOLEN,
    (A.RETIRE, S.AVAILABLE): S.RETIRED,
    (A.RETIRE, S.IN_REPAIR): S.RETIRED,
    (A.RETIRE, S.LOST): S.RETIRED,
    (A.RETIRE, S.STOLEN): S.RETIRED,
    (A.UNDO_ISSUE, S.ISSUED): S.AVAILABLE,
    (A.UNDO_RETURN, S.AVAILABLE): S.ISSUED,
    (A.UNDO_RETURN, S.IN_REPAIR): S.ISSUED,
}

# What a person should do instead, by the status that blocked the action.
_ADVICE: dict[UnitStatus, str] = {
    S.AVAILABLE: "it is on the shelf; check the unit and try the right action",
    S.ISSUED: "return it at the counter first",
    S.IN_REPAIR: "return it to service first, or pick another camera",
    S.LOST: "if it was found, return it to service first",
    S.STOLEN: "if it was recovered, return it to service first",
    S.RETIRED: "pick another camera; retired units never go back into service",
}

_VERB: dict[UnitAction, str] = {
    A.ISSUE: "issued",
    A.RETURN: "returned",
    A.REPAIR: "sent to repair",
    A.RETURN_TO_SERVICE: "returned to service",
    A.MARK_LOST: "marked lost",
    A.MARK_STOLEN: "marked stolen",
    A.RETIRE: "retired",
    A.UNDO_ISSUE: "un-issued",
    A.UNDO_RETURN: "re-opened",
}


def allowed_actions(status: UnitStatus) -> list[UnitAction]:
    return [action for (action, src) in TRANSITIONS if src is status]


def can(action: UnitAction, status: UnitStatus) -> bool:
    return (action, status) in TRANSITIONS


def transition(asset_tag: str, status: UnitStatus, action: UnitAction) -> UnitStatus:
    """Return the status after ``action`` or raise with a message a clerk can act on.

    >>> transition("HPD-BWC-0412", UnitStatus.RETIRED, UnitAction.ISSUE)
    Traceback (most recent call last):
    ...
    bwc_desk.domain.errors.TransitionError: HPD-BWC-0412 is retired; it cannot be issued. ...
    """
    try:
        return TRANSITIONS[(action, status)]
    except KeyError:
        raise TransitionError(
            f"{asset_tag} is {status.value}; it cannot be {_VERB[action]}. "
            f"{_ADVICE[status].capitalize()}."
        ) from None


# Statuses in which a unit counts as in service (on the shelf, out, or docked).
IN_SERVICE = frozenset({S.AVAILABLE, S.ISSUED})
OUT_OF_SERVICE = frozenset({S.IN_REPAIR, S.LOST, S.STOLEN})

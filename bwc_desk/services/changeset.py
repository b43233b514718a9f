"""What one transaction changed: the shape every view's refresh starts from.

One ``ChangeSet`` per transaction, local or remote. Views patch the rows named here; an
incomplete set (ids unknown: a lost listener, a change made outside the app) or a large one
means "reload what these topics show"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# The topics a change can touch; "custody" also moves units' and officers' "out" columns.
TOPICS = frozenset(
    {"units", "officers", "custody", "settings", "docks", "staff", "pools", "repairs"}
)
LARGE = 500  # more ids than this in one set: a view reloads instead of patching


@dataclass(frozen=True, slots=True)
class ChangeSet:
    topics: frozenset[str]
    units: frozenset[int] = frozenset()
    officers: frozenset[int] = frozenset()
    checkouts: frozenset[int] = frozenset()
    docks: frozenset[int] = frozenset()
    complete: bool = True  # False: the ids are not known, reload everything under `topics`
    local: bool = True  # made by this window (False: another station or process)

    @classmethod
    def of(
        cls,
        topics: Iterable[str],
        *,
        units: Iterable[int] = (),
        officers: Iterable[int] = (),
        checkouts: Iterable[int] = (),
        docks: Iterable[int] = (),
        complete: bool = True,
        local: bool = True,
    ) -> ChangeSet:
        return cls(
            frozenset(topics), frozenset(units), frozenset(officers), frozenset(checkouts),
            frozenset(docks), complete, local,
        )

    @classmethod
    def everything(cls, *, local: bool = False) -> ChangeSet:
        """Anything may have changed (a lost listener, a sign-in after a lock)."""
        return cls(TOPICS, complete=False, local=local)

    def touches(self, *topics: str) -> bool:
        return any(t in self.topics for t in topics)

    def large(self, limit: int = LARGE) -> bool:
        """Reload rather than patch: ids unknown, or more of them than patching is worth."""
        return not self.complete or max(
            len(self.units), len(self.officers), len(self.checkouts), len(self.docks)
        ) > limit

    def merged(self, other: ChangeSet) -> ChangeSet:
        return ChangeSet(
            self.topics | other.topics, self.units | other.units,
            self.officers | other.officers, self.checkouts | other.checkouts,
            self.docks | other.docks, self.complete and other.complete,
            self.local and other.local,
        )

    def __bool__(self) -> bool:
        return bool(self.topics)

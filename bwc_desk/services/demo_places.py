"""Where the demo agency keeps its cameras: patrol's primary cameras by cage and shelf, the
pooled cameras in the dock room, the spares in one cage, cameras in repair on the repair
bench, retired ones in retired stock. Every place is set through ``unit_location`` (a
"location changed" custody record each, by the supervisor), so a camera's history shows
when it was put where, as in a real room. No randomness: the same agency, the same places."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bwc_desk.services import unit_location
from bwc_desk.services.context import Ctx

CAGES = {"Patrol North": "Cage A", "Patrol South": "Cage B", "Patrol Central": "Cage C",
         "K-9": "Cage D"}
PER_SHELF = 40
DOCK_ROOM = "Dock room"  # also where the demo's docks stand (dock_registry)
SPARES = "Spares cage"
REPAIR_BENCH = "Repair bench"
RETIRED = "Retired stock"


class Places:
    """The demo's camera places, set as the supervisor (who may move cameras)."""

    def __init__(self, sup: Ctx, unit_ids: Mapping[str, int]) -> None:
        self.sup = sup
        self.ids = dict(unit_ids)
        self.home: dict[str, str] = {}

    def shelve(
        self,
        primaries: Sequence[tuple[str, str]],
        pooled: Sequence[str],
        spares: Sequence[str],
    ) -> None:
        """Where each camera lives when it is not out: ``primaries`` as (division, tag),
        a cage per patrol division, forty to a shelf; one move per place, as a clerk
        shelving a delivery would record it."""
        shelved: dict[str, list[str]] = {}
        count: dict[str, int] = {}
        for division, tag in primaries:
            cage = CAGES.get(division)
            if cage is None:
                shelved.setdefault(SPARES, []).append(tag)
                continue
            n = count[cage] = count.get(cage, 0) + 1
            shelved.setdefault(f"{cage}, shelf {(n - 1) // PER_SHELF + 1}", []).append(tag)
        shelved.setdefault(DOCK_ROOM, []).extend(pooled)
        shelved.setdefault(SPARES, []).extend(spares)
        for place, tags in shelved.items():
            self.move(tags, place, "shelved when the cameras were delivered")
            self.home.update(dict.fromkeys(tags, place))

    def move(self, tags: Sequence[str], place: str, reason: str) -> None:
        if tags:
            unit_location.move_units(self.sup, [self.ids[t] for t in tags], place, reason)

    def to_bench(self, tag: str, reason: str) -> None:
        self.move([tag], REPAIR_BENCH, reason)

    def back_home(self, tag: str, reason: str) -> None:
        self.move([tag], self.home.get(tag, SPARES), reason)

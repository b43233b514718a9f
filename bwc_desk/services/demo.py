"""The demo agency: the size of the seed (475 cameras, ~450 officers, 6 docks of 8 bays) with
two weeks of custody history made by calling the services, as the counter would have.

Deterministic: the same seed gives the same agency, so screenshots and bug reports match.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Role
from bwc_desk.domain.units import UnitStatus
from bwc_desk.services import assignments, auth, batches, counter, inventory, officers, repairs
from bwc_desk.services.batches import BatchInput
from bwc_desk.services.context import Actor, Ctx, local_zone
from bwc_desk.services.counter import FunctionTest, ReturnCondition
from bwc_desk.services.demo_places import DOCK_ROOM, RETIRED, Places
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.services.startup import DEMO_STATION
from bwc_desk.store.db import Database

AGENCY = "Harbor City Police Department (demo)"
# (user name, password, role): shown on the sign-in dialog of the demo only.
DEMO_ACCOUNTS = (
    ("admin", "demo-admin-2026", Role.ADMIN),
    ("sgt.reyes", "demo-supervisor-2026", Role.SUPERVISOR),
    ("qm.jordan", "demo-counter-2026", Role.QUARTERMASTER),
    ("auditor.lee", "demo-auditor-2026", Role.AUDITOR),
)
STATIONS = (DEMO_STATION, "EVIDENCE-DESK-2")  # the first is the one --demo works as
MODELS = (
    # model, count, bought, serial prefix, firmware
    ("Axon Body 3", 300, date(2019, 6, 3), "X60A", "1.26.4"),
    ("Motorola V300", 25, date(2019, 6, 3), "V3C", "7.2.1"),
    ("Axon Body 4", 150, date(2021, 10, 5), "X61B", "2.8.0"),
)
DIVISIONS = (
    ("Patrol North", 120),
    ("Patrol South", 120),
    ("Patrol Central", 120),
    ("Traffic", 45),
    ("Community Services", 30),
    ("K-9", 15),
)
POOLED_DIVISIONS = ("Traffic", "Community Services")
SHIFTS = ("Day", "Evening", "Night")
SHIFT_START = {"Day": time(7), "Evening": time(15), "Night": time(23)}
FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Karen",
    "Daniel",
    "Lisa",
    "Matthew",
    "Nancy",
    "Anthony",
    "Betty",
    "Mark",
    "Sandra",
    "Luis",
    "Ashley",
    "Steven",
    "Kimberly",
    "Andrew",
    "Emily",
    "Kevin",
    "Donna",
    "Brian",
    "Michelle",
    "Jose",
    "Carol",
    "Ryan",
    "Amanda",
    "Jacob",
    "Melissa",
    "Nicholas",
    "Deborah",
    "Eric",
    "Stephanie",
    "Jonathan",
    "Rebecca",
    "Angel",
    "Laura",
    "Juan",
    "Sharon",
    "Kenji",
    "Aisha",
    "Darnell",
    "Priya",
    "Tomas",
    "Mei",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Gomez",
    "Phillips",
    "Evans",
    "Turner",
    "Diaz",
    "Parker",
    "Cruz",
    "Edwards",
    "Collins",
    "Reyes",
    "Stewart",
    "Morris",
    "Morales",
    "Murphy",
    "Cook",
    "Rogers",
    "Gutierrez",
    "Ortiz",
    "Morgan",
    "Cooper",
    "Peterson",
    "Bailey",
    "Reed",
    "Kelly",
    "Howard",
    "Ramos",
    "Kim",
    "Cox",
    "Ward",
    "Richardson",
    "Watson",
    "Brooks",
    "Chavez",
    "Wood",
    "O'Brien",
    "Bennett",
    "Gray",
    "Mendoza",
    "Ruiz",
    "Hughes",
    "Price",
    "Alvarez",
    "Castillo",
    "Sanders",
    "Patel",
]


@dataclass(frozen=True, slots=True)
class DemoSummary:
    units: int
    officers: int
    events: int


Progress = Callable[[int, str], None]  # percent, what


def seed_demo(
    db: Database,
    *,
    now: datetime | None = None,
    days: int = 14,
    seed: int = 2019,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill an empty, migrated database with the demo agency."""
    rng = random.Random(seed)
    zone: tzinfo = local_zone()  # shifts in the station's own wall-clock time
    end = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    start = end - timedelta(days=days)
    clock = _Clock(start - timedelta(days=30))
    report = progress or (lambda _p, _w: None)

    report(1, "Creating the agency and staff accounts")
    admin = auth.first_run(
        db,
        agency_name=AGENCY,
        station=STATIONS[0],
        username="admin",
        password=DEMO_ACCOUNTS[0][1],
        display_name="Alex Admin",
        clock=clock,
    )
    ctx = Ctx(db, STATIONS[0], admin, clock, zone)
    staff: dict[Role, Actor] = {Role.ADMIN: admin}
    names = {"sgt.reyes": "Sgt. Maria Reyes", "qm.jordan": "Pat Jordan", "auditor.lee": "Dana Lee"}
    for username, password, role in DEMO_ACCOUNTS[1:]:
        staff_row = auth.add_staff(ctx, username, role, password, names[username])
        auth.mark_password_own(db, staff_row.id)  # (shown on the demo's sign-in form)
        staff[role] = Actor(
            staff_row.id, staff_row.username, staff_row.display_name, staff_row.role
        )
    sup = ctx.as_actor(staff[Role.SUPERVISOR])

    report(3, "Adding 475 cameras")
    tags: list[str] = []
    n = 0
    for model, count, bought, prefix, firmware in MODELS:
        for _ in range(count):
            n += 1
            tag = f"HPD-BWC-{n:04d}"
            serial = f"{prefix}{rng.randrange(10**6, 10**7)}"
            while True:
                try:
                    inventory.add_unit(
                        ctx,
                        UnitInput(
                            tag,
                            serial,
                            model,
                            firmware,
                            purchase_date=bought,
                            warranty_until=bought.replace(year=bought.year + 5),
                        ),
                    )
                    break
                except DomainError:
                    serial = f"{prefix}{rng.randrange(10**6, 10**7)}"
            tags.append(tag)
    # Hartford's two purchases (costs are illustrative): the lifecycle and cost report.
    for name, bought, count, unit_cost, licence in (
        ("2019 lot", date(2019, 6, 3), 325, 89_900, 19_900),
        ("2021 lot", date(2021, 10, 5), 150, 99_900, 21_900),
    ):
        batches.add_batch(ctx, BatchInput(name, bought, count, unit_cost, licence, "USD", 5, 60))
    batches.assign_units(ctx, "2019 lot", tags[:325])
    batches.assign_units(ctx, "2021 lot", tags[325:])

    report(8, "Adding 450 officers")
    roster: list[tuple[int, str, str]] = []  # id, division, shift
    badge_numbers = rng.sample(range(100, 9999), 450)
    i = 0
    for division, count in DIVISIONS:
        for k in range(count):
            badge = f"{badge_numbers[i]:04d}"
            i += 1
            rank = "Sergeant" if k % 12 == 0 else "Lieutenant" if k % 40 == 5 else "Officer"
            shift = SHIFTS[k % 3]
            row = officers.add_officer(
                ctx,
                OfficerInput(
                    badge,
                    rng.choice(LAST),
                    rng.choice(FIRST),
                    rank,
                    division,
                    shift,
                    True,
                    f"HCPD{badge}{rng.randrange(10)}",
                ),
            )
            roster.append((row.id, division, shift))

    report(12, "Assigning primary cameras and pools")
    pools = {d: assignments.create_pool(sup, f"{d} pool", d) for d in POOLED_DIVISIONS}
    assigned = [o for o in roster if o[1] not in POOLED_DIVISIONS]
    primary_of: dict[int, str] = {}
    for (officer_id, _d, _s), tag in zip(assigned, tags, strict=False):
        assignments.assign_primary(sup, tag, officer_id, "initial issue of cameras")
        primary_of[officer_id] = tag
    rest = tags[len(assigned) :]
    pool_units: dict[str, list[str]] = {d: [] for d in POOLED_DIVISIONS}
    rest_iter = iter(rest)
    ids = {u.asset_tag: u.id for u in inventory.list_units(ctx)}
    for division in POOLED_DIVISIONS:
        wanted = {"Traffic": 20, "Community Services": 12}[division]
        chosen = [next(rest_iter) for _ in range(wanted)]
        assignments.put_in_pool(
            sup, [ids[t] for t in chosen], pools[division].id, "shared cameras for the division"
        )
        pool_units[division] = chosen
    spares = list(rest_iter)
    places = Places(sup, ids)
    places.shelve([(d, primary_of[o]) for o, d, _s in assigned if o in primary_of],
                  [t for d in POOLED_DIVISIONS for t in pool_units[d]], spares)
    retired, lost = spares[-2:], spares[-3]
    repair = spares[-6:-3]
    spares = spares[:-6]
    for tag in retired:
        inventory.retire(sup, tag, "end of life: cracked housing, battery no longer holds a charge")
        places.move([tag], RETIRED, "retired: kept until disposal")
    inventory.mark_lost(sup, lost, "not returned after foot pursuit; officer report 26-0412")
    for tag, vendor in zip(repair, ("Axon RMA", "Axon RMA", "Motorola Solutions"), strict=True):
        inventory.send_to_repair(
            sup, tag, "record button sticks", vendor, f"RMA-{rng.randrange(100000, 999999)}"
        )
        places.to_bench(tag, f"waiting for {vendor} to collect it")
    # Two spares went to the vendor and came back before the fortnight (closed cases).
    for tag, days_away in zip(spares[-2:], (9, 12), strict=True):
        case = repairs.open_case(sup, tag, "battery does not hold a charge")
        places.to_bench(tag, "waiting for Axon RMA to collect it")
        repairs.send_to_vendor(sup, case.id, "Axon RMA", f"RMA-{rng.randrange(100000, 999999)}")
        clock.tick(days_away * 24 * 60)
        repairs.record_cost(sup, case.id, "0")  # under warranty
        repairs.mark_back(sup, case.id, "battery replaced under warranty")
        places.back_home(tag, "back from Axon RMA")

    # Two weeks of shifts at the counter: the returns of the shift going off and the issues
    # of the shift coming on, interleaved in time as they happen at a real counter.
    qm = [
        ctx.as_actor(staff[Role.QUARTERMASTER]),
        replace(ctx, station=STATIONS[1]).as_actor(staff[Role.QUARTERMASTER]),
    ]
    out: dict[int, tuple[str, datetime, datetime]] = {}  # officer -> (tag, due, back at)
    free = {d: list(u) for d, u in pool_units.items()}
    pool_of = {tag: d for d, tags_ in pool_units.items() for tag in tags_}
    spare_pool = list(spares)
    serial_of = {u.asset_tag: u.serial for u in inventory.list_units(ctx)}
    room = _DockRoom(ctx, clock, rng, since=end - timedelta(days=2))
    in_house: list[tuple[datetime, str]] = []  # (when repaired, camera) of damaged returns
    day0 = start.astimezone(zone).date()
    total_days = days + 1
    for day_index in range(total_days):
        day = day0 + timedelta(days=day_index)
        report(15 + int(80 * day_index / total_days), f"Two weeks of history: {day:%a %d %b}")
        for shift in SHIFTS:
            shift_start = datetime.combine(day, SHIFT_START[shift], tzinfo=zone).astimezone(UTC)
            if shift_start > end:
                break
            timeline: list[tuple[datetime, int, int, str]] = []
            for officer_id, (_tag, _due, back) in out.items():
                if back <= min(shift_start + timedelta(hours=1), end):
                    timeline.append((back, 0, officer_id, ""))
            moment = shift_start - timedelta(minutes=25)
            for officer_id, division, _s in roster:
                if _s == shift and rng.random() < 0.72:
                    moment += timedelta(minutes=rng.uniform(0.05, 0.3))  # two desks
                    if moment <= end:
                        timeline.append((moment, 1, officer_id, division))
            timeline.sort()
            for when, action, officer_id, division in timeline:
                while in_house and in_house[0][0] <= when:  # (repaired in house meanwhile)
                    due, fixed = heapq.heappop(in_house)
                    room.advance(due)
                    clock.set(due)
                    _back_from_repair(sup, places, fixed)
                room.advance(when)
                clock.set(when)
                desk = qm[rng.random() < 0.3]
                if action == 0:
                    tag = out[officer_id][0]
                    returned = _return(rng, desk, places, tag)
                    if returned == "damaged":  # repaired in house within one to four days
                        due = when + timedelta(hours=rng.uniform(20, 96))
                        heapq.heappush(in_house, (due, tag))
                    if returned:
                        if returned == "returned":  # (a damaged one waits on the bench)
                            room.returned(serial_of[tag], clock.now)
                        out.pop(officer_id)
                        if tag in pool_of:
                            free[pool_of[tag]].append(tag)
                    continue
                if officer_id in out:
                    continue  # still out from an earlier shift (overdue)
                issued = _issue(rng, desk, places, officer_id, division, primary_of, free,
                                spare_pool)
                if issued is not None:
                    tag, due = issued
                    late = (
                        timedelta(hours=rng.uniform(1, 5)) if rng.random() < 0.02 else timedelta(0)
                    )
                    out[officer_id] = (tag, due, due - timedelta(minutes=rng.uniform(5, 40)) + late)
    room.finish(end)
    report(97, "Finishing")
    # Units in repair for long come back.
    clock.set(end - timedelta(minutes=1))
    summary = DemoSummary(len(tags), len(roster), _count_events(db))
    report(100, "Done")
    return summary


def _issue(
    rng: random.Random,
    desk: Ctx,
    places: Places,
    officer_id: int,
    division: str,
    primary_of: dict[int, str],
    free: dict[str, list[str]],
    spares: list[str],
) -> tuple[str, datetime] | None:
    reason = ""
    if division in free:
        if not free[division]:
            return None
        tag = free[division].pop(0)
    else:
        primary = primary_of.get(officer_id)
        tag = primary or ""
        if (primary is None or rng.random() < 0.03) and spares:
            tag = rng.choice(spares)
            reason = rng.choice(("forgotten", "battery dead"))
        if not tag:
            return None
    test = FunctionTest()
    if rng.random() < 0.004:
        test = FunctionTest(records=False, note="no record LED")
    try:
        result = counter.issue_unit(desk, officer_id, tag, swap_reason=reason, function_test=test)
    except DomainError:
        result = None
    if result is None or not result.issued:
        if result is not None and result.unit is not None and (
            result.unit.status == UnitStatus.IN_REPAIR
        ):
            places.to_bench(tag, "failed the function test at the counter")
        if division in free and result is None:
            free[division].append(tag)
        if tag in spares:
            spares.remove(tag)  # failed its test: in repair now
        return None
    if tag in spares:
        spares.remove(tag)
    if rng.random() < 0.01:  # a mistaken scan, undone at once
        counter.undo(desk, result.seq or 0)
        if division in free:
            free[division].append(tag)
        elif reason:
            spares.append(tag)
        return None
    assert result.checkout is not None
    return tag, result.checkout.expected_return


def _return(rng: random.Random, desk: Ctx, places: Places, tag: str) -> str:
    """"" if the counter refused the return, else "returned" or "damaged" (its case open)."""
    damaged = rng.random() < 0.003
    condition = ReturnCondition(damaged=damaged, note="cracked lens" if damaged else "")
    try:
        counter.return_unit(desk, tag, condition)
    except DomainError:
        return ""
    if damaged:
        places.to_bench(tag, "returned damaged: cracked lens")
        return "damaged"
    return "returned"


def _back_from_repair(sup: Ctx, places: Places, tag: str) -> None:
    (case,) = [c for c in repairs.list_cases(sup) if c.asset_tag == tag]
    repairs.mark_back(sup, case.id, "lens replaced in house")
    places.back_home(tag, "repaired in house")


class _DockRoom:
    """The evidence room's six docks of eight bays, for the last two days of history:
    returned cameras wait for a free bay, charge and upload there for 30 to 60 minutes, then
    go to the shelf. Reports go through the dock feed's own code (DockBoard, apply_changes),
    so the docked and undocked records are made as the live feed makes them."""

    DOCKS = tuple(f"DOCK-{c}" for c in "ABCDEF")

    def __init__(self, ctx: Ctx, clock: _Clock, rng: random.Random, since: datetime) -> None:
        from bwc_desk.services.context import DOCK_FEED
        from bwc_desk.services.dockfeed import DockBoard

        self.ctx = replace(ctx, station=STATIONS[0]).as_actor(DOCK_FEED)
        self.clock, self.rng, self.since = clock, rng, since
        self.board = DockBoard(clock)
        self.free = [(d, b) for d in self.DOCKS for b in range(1, 9)]
        self.waiting: list[tuple[datetime, str]] = []
        self.leaving: list[tuple[datetime, str, tuple[str, int]]] = []
        self._hello = False

    def returned(self, serial: str, when: datetime) -> None:
        if when >= self.since and self.rng.random() > 0.03:  # a few are never docked
            self.waiting.append((when + timedelta(minutes=self.rng.uniform(3, 15)), serial))

    def advance(self, until: datetime) -> None:
        while True:
            leave = min(self.leaving) if self.leaving else None
            arrive = self.waiting[0] if self.waiting and self.free else None
            if leave is not None and leave[0] <= until and (arrive is None
                                                            or leave[0] <= arrive[0]):
                self.leaving.remove(leave)
                self._report(leave[0], leave[2], None)
                self.free.append(leave[2])
            elif arrive is not None and arrive[0] <= until:
                self.waiting.pop(0)
                slot = self.free.pop(0)
                self._report(arrive[0], slot, arrive[1])
                self.leaving.append((arrive[0] + timedelta(minutes=self.rng.uniform(30, 60)),
                                     arrive[1], slot))
            elif self.waiting and not self.free and leave is not None and leave[0] <= until:
                continue
            else:
                return

    def finish(self, end: datetime) -> None:
        self.advance(end)
        for _when, _serial, slot in list(self.leaving):  # the bays are the live feed's now
            self._report(end, slot, None)
        self.leaving.clear()

    def _report(self, when: datetime, slot: tuple[str, int], serial: str | None) -> None:
        from bwc_desk.adapters.dockfeed.protocol import BayReport, Hello
        from bwc_desk.domain.docking import Upload
        from bwc_desk.services.docks import apply_changes

        self.clock.set(when)
        if not self._hello:
            from bwc_desk.services import dock_registry
            from bwc_desk.services.context import SYSTEM

            for dock in self.DOCKS:  # the demo's docks are registered, as a real room's are
                dock_registry.add_dock(self.ctx.as_actor(SYSTEM), dock, 8, DOCK_ROOM)
                self.board.on_message("demo", Hello(dock, 8))
            self._hello = True
        done = Upload(12, 12, 3_000_000_000, 3_000_000_000)
        present = frozenset({"battery", "charging", "upload", "updating", "error"})
        self.board.on_message("demo", BayReport(
            slot[0], slot[1], serial, self.rng.randint(86, 100) if serial else None,
            bool(serial), done if serial else None, False, None, when, present))
        apply_changes(self.ctx, self.board.take_changes())


def _count_events(db: Database) -> int:
    from sqlalchemy import func, select

    from bwc_desk.store.models import CustodyEvent

    with db.read() as session:
        return int(session.execute(select(func.count()).select_from(CustodyEvent)).scalar_one())


class _Clock:
    """The demo's own time, moved forward as the two weeks are played."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1000)  # every record at its own instant
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = max(self.now, moment)

    def tick(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)

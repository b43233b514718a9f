"""The roster and assignments at the service level: swaps, pools, deactivation, refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bwc_desk.domain.errors import DomainError, PermissionDenied, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.services import assignments, audit, counter, inventory, officers
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store.models import Checkout, CustodyEvent, Officer, Unit

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)


def snapshot(ctx):
    """Everything an assignment action could change."""
    with ctx.db.read() as s:
        return (
            s.execute(select(func.count()).select_from(CustodyEvent)).scalar_one(),
            s.execute(select(func.count()).select_from(Checkout)).scalar_one(),
            tuple(s.execute(select(Unit.asset_tag, Unit.status, Unit.primary_officer_id,
                                   Unit.pool_id).order_by(Unit.id)).all()),
            tuple(s.execute(select(Officer.badge, Officer.active, Officer.shift,
                                   Officer.scan_code).order_by(Officer.id)).all()),
        )


def refused(ctx, fn, match, error=DomainError):
    before = snapshot(ctx)
    with pytest.raises(error, match=match):
        fn()
    assert snapshot(ctx) == before, "a refusal changed the database"


@pytest.fixture
def roster(admin_ctx, sup_ctx, qm_ctx):
    smith = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John", "Officer",
                                                         "Patrol", "Day", scan_code="ID-0412"))
    jones = officers.add_officer(admin_ctx, OfficerInput("0007", "Jones", "Ann", "Sergeant",
                                                         "Traffic", "Evening"))
    lee = officers.add_officer(admin_ctx, OfficerInput("1200", "Lee", "Kim", shift="Night"))
    for i in range(1, 7):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-{i:04d}", f"SER{i:04d}"))
    assignments.assign_primary(sup_ctx, "HPD-BWC-0001", smith.id)
    assignments.assign_primary(sup_ctx, "HPD-BWC-0002", jones.id)
    return {"sup": sup_ctx, "qm": qm_ctx, "admin": admin_ctx, "smith": smith, "jones": jones,
            "lee": lee}


def history(ctx, tag):
    return inventory.unit_history(ctx, inventory.unit_detail(ctx, tag).id)


def test_swap_exchanges_primary_cameras_in_one_transaction(roster):
    sup = roster["sup"]
    a, b = assignments.swap_primaries(sup, roster["smith"].id, roster["jones"].id,
                                      "Jones moves to day patrol car")
    assert (a.asset_tag, a.primary_officer_id) == ("HPD-BWC-0001", roster["jones"].id)
    assert (b.asset_tag, b.primary_officer_id) == ("HPD-BWC-0002", roster["smith"].id)
    for tag, old, new in (("HPD-BWC-0001", "smith", "jones"), ("HPD-BWC-0002", "jones", "smith")):
        assigned, unassigned = history(sup, tag)[:2]
        assert assigned.kind is EventKind.ASSIGNED and assigned.officer_id == roster[new].id
        assert unassigned.kind is EventKind.UNASSIGNED and unassigned.officer_id == roster[old].id
        for e in (assigned, unassigned):
            assert e.staff_username == "sam" and e.reason == "Jones moves to day patrol car"


def test_swap_without_a_reason_says_what_was_swapped(roster):
    assignments.swap_primaries(roster["sup"], roster["smith"].id, roster["jones"].id)
    assert history(roster["sup"], "HPD-BWC-0001")[0].reason == "swap HPD-BWC-0001 <-> HPD-BWC-0002"


def test_swap_refusals_change_nothing(roster):
    sup = roster["sup"]
    refused(sup, lambda: assignments.swap_primaries(sup, roster["smith"].id, roster["lee"].id),
            r"Lee, Kim \(1200\) has no primary camera")
    refused(sup, lambda: assignments.swap_primaries(sup, roster["smith"].id, roster["smith"].id),
            "two different officers", ValidationError)
    qm = roster["qm"]
    refused(qm, lambda: assignments.swap_primaries(qm, roster["smith"].id, roster["jones"].id),
            "only supervisor or admin", PermissionDenied)


def test_pools_put_in_and_take_out(roster):
    sup = roster["sup"]
    pool = assignments.create_pool(sup, "Traffic pool", "Traffic")
    refused(sup, lambda: assignments.create_pool(sup, "traffic POOL"), "already a pool",
            ValidationError)
    ids = [inventory.unit_detail(sup, t).id for t in ("HPD-BWC-0001", "HPD-BWC-0003")]
    assert assignments.put_in_pool(sup, ids, pool.id, "shared for Traffic") == 2
    unit = inventory.unit_detail(sup, "HPD-BWC-0001")
    assert unit.pool == "Traffic pool" and unit.primary_officer_id is None  # left Smith
    kinds = [e.kind for e in history(sup, "HPD-BWC-0001")[:2]]
    assert kinds == [EventKind.POOLED, EventKind.UNASSIGNED]
    assert [p.units for p in assignments.list_pools(sup)] == [2]
    spare = inventory.unit_detail(sup, "HPD-BWC-0004").id
    assert assignments.remove_from_pool(sup, [*ids, spare], "back to spares") == 2
    out = history(sup, "HPD-BWC-0003")[0]
    assert out.kind is EventKind.UNPOOLED and out.details["pool"] == "Traffic pool"
    assert out.reason == "back to spares" and out.staff_username == "sam"
    refused(sup, lambda: assignments.remove_from_pool(sup, [spare]), "None of the selected")


def test_deactivating_an_officer_who_holds_a_camera_needs_a_reason(roster):
    sup, smith = roster["sup"], roster["smith"]
    counter.issue_unit(roster["qm"], smith.id, "HPD-BWC-0001", function_test=FunctionTest())
    refused(sup, lambda: officers.deactivate_officer(sup, smith.id),
            r"Smith, John \(0412\) still holds HPD-BWC-0001", ValidationError)
    row = officers.deactivate_officer(sup, smith.id, "resigned; camera to be collected",
                                      release_primary=True)
    assert not row.active and row.holding == ("HPD-BWC-0001",)  # the roster flags this
    assert row.primary_unit == ""
    unit = inventory.unit_detail(sup, "HPD-BWC-0001")
    assert unit.primary_officer_id is None and unit.holder_officer_id == smith.id
    unassigned = history(sup, "HPD-BWC-0001")[0]
    assert unassigned.kind is EventKind.UNASSIGNED
    assert unassigned.reason == "officer deactivated: resigned; camera to be collected"
    with sup.db.read() as s:
        event = s.execute(select(CustodyEvent).where(CustodyEvent.unit_id.is_(None))
                          .order_by(CustodyEvent.seq.desc())).scalars().first()
    assert event.kind == "updated" and event.officer_id == smith.id
    assert event.staff_username == "sam" and "resigned" in event.reason
    refused(sup, lambda: officers.deactivate_officer(sup, smith.id, "again"), "already inactive")
    again = officers.reactivate_officer(sup, smith.id, "rehired")
    assert again.active


def test_deactivating_keeps_the_primary_when_asked(roster):
    sup, jones = roster["sup"], roster["jones"]
    row = officers.deactivate_officer(sup, jones.id, release_primary=False)
    assert not row.active and row.primary_unit == "HPD-BWC-0002"


def test_a_scan_code_may_not_be_another_officers_badge_number(roster):
    """The counter finds an officer by scan code or badge number: a scan code equal to
    someone else's badge number would pick the wrong officer."""
    sup = roster["sup"]
    refused(sup, lambda: officers.add_officer(sup, OfficerInput("0042", "Tester", "Una",
                                                                scan_code="0412")),
            r"scan code 0412 is the badge number of \w+, \w+ \(0412\)", ValidationError)
    officers.add_officer(sup, OfficerInput("0043", "Tester", "Val", scan_code="ID-9999"))
    refused(sup, lambda: officers.add_officer(sup, OfficerInput("ID-9999", "Other")),
            r"ID-9999 .*Tester, Val \(0043\)",
            ValidationError)


def test_edit_refuses_duplicate_badge_and_scan_code_and_records_changes(roster):
    sup, jones = roster["sup"], roster["jones"]
    data = OfficerInput("0412", "Jones", "Ann", "Sergeant", "Traffic", "Evening")
    refused(sup, lambda: officers.edit_officer(sup, jones.id, data),
            r"Badge 0412 already belongs to \w+, \w+ \(0412\)", ValidationError)
    data = OfficerInput("0007", "Jones", "Ann", "Sergeant", "Traffic", "Evening",
                        scan_code="id-0412")
    refused(sup, lambda: officers.edit_officer(sup, jones.id, data),
            r"scan code ID-0412 already belongs to \w+, \w+ \(0412\)", ValidationError)
    refused(sup, lambda: officers.add_officer(sup, OfficerInput("0412", "Other")),
            "Badge 0412 already", ValidationError)
    row = officers.edit_officer(sup, jones.id, OfficerInput("0007", "Jones-Hart", "Ann",
                                                            "Sergeant", "Traffic", "Night"))
    assert (row.last_name, row.shift, row.badge) == ("Jones-Hart", "Night", "0007")
    with sup.db.read() as s:
        event = s.execute(select(CustodyEvent).order_by(CustodyEvent.seq.desc())).scalars().first()
    assert event.kind == "updated" and event.unit_id is None and event.officer_id == jones.id
    assert '"shift":["Evening","Night"]' in event.details


def test_edit_that_deactivates_follows_the_same_rules(roster):
    sup, smith = roster["sup"], roster["smith"]
    counter.issue_unit(roster["qm"], smith.id, "HPD-BWC-0001", function_test=FunctionTest())
    inactive = OfficerInput("0412", "Smith", "John", "Officer", "Patrol", "Day", False, "ID-0412")
    refused(sup, lambda: officers.edit_officer(sup, smith.id, inactive), "still holds",
            ValidationError)
    row = officers.edit_officer(sup, smith.id, inactive, "suspended")
    assert not row.active and row.primary_unit == "HPD-BWC-0001"


def test_badges_stay_text(roster):
    row = officers.add_officer(roster["sup"], OfficerInput("00031", "Zero"))
    assert row.badge == "00031" and row.scan_code == "00031"


def test_quartermasters_cannot_change_the_roster(roster):
    qm = roster["qm"]
    refused(qm, lambda: officers.add_officer(qm, OfficerInput("9", "X")), "only supervisor",
            PermissionDenied)
    refused(qm, lambda: officers.deactivate_officer(qm, roster["smith"].id), "only supervisor",
            PermissionDenied)
    refused(qm, lambda: assignments.unassign(qm, "HPD-BWC-0001"), "only supervisor",
            PermissionDenied)


def test_handover_pin_is_audited_and_never_stored_in_clear(roster):
    sup, lee = roster["sup"], roster["lee"]
    refused(sup, lambda: officers.set_handover_pin(sup, lee.id, "111111"), "too easy",
            ValidationError)
    officers.set_handover_pin(sup, lee.id, "480271")
    with sup.db.read() as s:
        stored = s.get(Officer, lee.id).pin_hash
    assert stored and "480271" not in stored
    row = audit.list_audit(roster["admin"], event="PIN set")[0]
    assert row.details["officer"] == "1200" and row.staff_username == "sam"


def test_roster_choices(roster):
    choices = officers.roster_choices(roster["qm"])
    assert choices.shifts == ("Day", "Evening", "Night")
    assert choices.divisions == ("Patrol", "Traffic")
    assert choices.ranks == ("Officer", "Sergeant")


def test_unassign_takes_a_unit_from_its_officer(roster):
    sup = roster["sup"]
    row = assignments.unassign(sup, "HPD-BWC-0002", "officer on leave")
    assert row.primary_officer_id is None
    refused(sup, lambda: assignments.unassign(sup, "HPD-BWC-0002"), "not assigned to anyone")

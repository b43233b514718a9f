"""Every camera in repair has an open repair case, however it got there (Inventory's Send to
repair, a bulk action, an import, a damage reported at the counter). Bug: Inventory listed 20
cameras in repair, Repairs 17 open cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from bwc_desk.domain.roles import Role
from bwc_desk.domain.units import UnitAction, UnitStatus
from bwc_desk.services import counter, imports, inventory, repairs
from bwc_desk.services.inventory import UnitInput
from tests.conftest import make_actor

pytestmark = pytest.mark.both_backends


@pytest.fixture
def sup(admin_ctx):
    for i in range(1, 5):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-000{i}", f"X60A000{i}"))
    return make_actor(admin_ctx, Role.SUPERVISOR, "sam")


def _consistent(ctx):
    in_repair = {u.asset_tag for u in inventory.list_units(ctx) if u.status is UnitStatus.IN_REPAIR}
    open_cases = [c.asset_tag for c in repairs.list_cases(ctx) if c.unit_id is not None]
    assert sorted(open_cases) == sorted(in_repair), (open_cases, in_repair)
    return in_repair


def test_send_to_repair_from_inventory_opens_a_case_with_the_vendor(sup, clock):
    inventory.send_to_repair(sup, "HPD-BWC-0001", "record button sticks", "Axon RMA", "RMA-7")
    inventory.send_to_repair(sup, "HPD-BWC-0002", "lens")
    assert _consistent(sup) == {"HPD-BWC-0001", "HPD-BWC-0002"}
    cases = {c.asset_tag: c for c in repairs.list_cases(sup)}
    first = cases["HPD-BWC-0001"]
    assert (first.symptom, first.source, first.reported_by) == ("record button sticks",
                                                                 "manual", "sam")
    assert (first.vendor, first.rma, first.state) == ("Axon RMA", "RMA-7", "at vendor")
    assert cases["HPD-BWC-0002"].state == "open"
    # back from the vendor after three days: the closed case's age is those three days
    clock.advance(days=3)
    repairs.mark_back(sup, first.id, "new button")
    _consistent(sup)
    closed = next(c for c in repairs.list_cases(sup, open_only=False) if c.id == first.id)
    assert closed.outcome == "back" and closed.age_days == 3


def test_a_bulk_repair_opens_one_case_per_camera(sup):
    ids = [u.id for u in inventory.list_units(sup)][:3]
    assert inventory.bulk_status(sup, ids, UnitAction.REPAIR, "battery swollen") == 3
    assert len(_consistent(sup)) == 3


def test_a_case_opened_in_repairs_is_not_doubled(sup):
    repairs.open_case(sup, "HPD-BWC-0003", "cracked housing")
    _consistent(sup)
    (case,) = repairs.list_cases(sup)
    assert [e.kind for e in repairs.case_events(sup, case.id)] == ["opened"]


def test_an_imported_camera_in_repair_gets_a_case(sup, admin_ctx, tmp_path: Path):
    path = tmp_path / "u.csv"
    path.write_text("asset_tag,serial,status\nHPD-BWC-0009,X60A0009,in repair\n"
                    "HPD-BWC-0004,X60A0004,in repair\n", encoding="utf-8")
    report = imports.import_units(admin_ctx, path)
    assert report.ok, report.errors
    assert _consistent(sup) == {"HPD-BWC-0004", "HPD-BWC-0009"}


def test_a_damage_reported_at_the_counter_opens_a_case(sup):
    counter.report_defect(sup, "HPD-BWC-0002", "lens cracked", damaged=True)
    assert _consistent(sup) == {"HPD-BWC-0002"}
    (case,) = repairs.list_cases(sup)
    assert "lens cracked" in case.symptom


def test_inventory_and_repairs_write_one_and_the_same_sent_to_vendor(sup):
    """Duplicate D6: one function writes "sent to vendor", whichever way the camera went."""
    inventory.send_to_repair(sup, "HPD-BWC-0001", "lens", " Axon ", " RMA-7 ")
    case = repairs.open_case(sup, "HPD-BWC-0002", "lens")
    repairs.send_to_vendor(sup, case.id, " Axon ", " RMA-7 ")

    def sent(tag):
        case = next(c for c in repairs.list_cases(sup) if c.asset_tag == tag)
        (event,) = [e for e in repairs.case_events(sup, case.id) if e.kind == "sent to vendor"]
        unit = inventory.unit_detail(sup, tag)
        return (
            (case.state, case.vendor, case.rma, case.sent_on),
            (event.staff, event.station, event.note, event.details),
            (unit.repair_vendor, unit.repair_ticket),
        )

    assert sent("HPD-BWC-0001") == sent("HPD-BWC-0002")
    (state, vendor, rma, _on), _event, on_unit = sent("HPD-BWC-0001")
    assert (state, vendor, rma, on_unit) == ("at vendor", "Axon", "RMA-7", ("Axon", "RMA-7"))


def test_a_vendor_without_a_ticket_is_not_sent_yet(sup):
    inventory.send_to_repair(sup, "HPD-BWC-0003", "lens", "Axon")
    (case,) = repairs.list_cases(sup)
    assert (case.state, case.vendor, case.rma) == ("open", "Axon", "")
    assert [e.kind for e in repairs.case_events(sup, case.id)] == ["opened"]

from datetime import date

import pytest

from bwc_desk.domain.errors import PermissionDenied, TransitionError, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.units import UnitStatus
from bwc_desk.services import inventory
from bwc_desk.services.inventory import UnitInput

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)


def test_add_and_list_units(admin_ctx):
    row = inventory.add_unit(
        admin_ctx,
        UnitInput(" hpd-bwc-0412 ", "x60a1234", "Axon Body 3", purchase_date=date(2019, 6, 3)),
    )
    assert row.asset_tag == "HPD-BWC-0412" and row.serial == "X60A1234"
    assert row.status is UnitStatus.AVAILABLE and row.last_event == "registered"
    assert [u.asset_tag for u in inventory.list_units(admin_ctx)] == ["HPD-BWC-0412"]
    history = inventory.unit_history(admin_ctx, row.id)
    assert history[0].kind is EventKind.REGISTERED and history[0].staff_username == "admin"
    assert history[0].station == "DESK-1"


@pytest.mark.parametrize(
    ("tag", "serial", "match"),
    [
        ("HPD-1", "OTHER", "asset tag HPD-1 is already used"),
        ("HPD-2", "S-1", "serial S-1 is already used"),
        ("S-1", "S-9", "would match another camera"),
    ],
)
def test_duplicates_are_refused_and_nothing_is_written(admin_ctx, tag, serial, match):
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    with pytest.raises(ValidationError, match=match):
        inventory.add_unit(admin_ctx, UnitInput(tag, serial))
    assert len(inventory.list_units(admin_ctx)) == 1


def test_edit_records_what_changed(admin_ctx):
    row = inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1", "Axon Body 3", "1.0"))
    inventory.edit_unit(
        admin_ctx, row.id, UnitInput("HPD-1", "S-1", "Axon Body 3", "1.1"), "firmware update"
    )
    event = inventory.unit_history(admin_ctx, row.id)[0]
    assert event.kind is EventKind.UPDATED
    assert event.details["changes"] == {"firmware": ["1.0", "1.1"]}


def test_lifecycle(sup_ctx):
    inventory.add_unit(sup_ctx, UnitInput("HPD-1", "S-1"))
    row = inventory.send_to_repair(
        sup_ctx, "hpd-1", "cracked lens", "Axon RMA", "RMA-1", date(2026, 12, 1)
    )
    assert row.status is UnitStatus.IN_REPAIR and row.repair_vendor == "Axon RMA"
    row = inventory.return_to_service(sup_ctx, "S-1", "lens replaced")
    assert row.status is UnitStatus.AVAILABLE and row.repair_vendor == ""
    inventory.mark_stolen(sup_ctx, "HPD-1", "vehicle break-in, report 26-1234")
    row = inventory.retire(sup_ctx, "HPD-1", "written off")
    assert row.status is UnitStatus.RETIRED
    with pytest.raises(TransitionError, match="HPD-1 is retired; it cannot be returned to"):
        inventory.return_to_service(sup_ctx, "HPD-1", "found")


def test_out_of_service_needs_a_reason_and_a_supervisor(sup_ctx, qm_ctx):
    inventory.add_unit(sup_ctx, UnitInput("HPD-1", "S-1"))
    with pytest.raises(ValidationError, match="Give a reason"):
        inventory.retire(sup_ctx, "HPD-1", "  ")
    with pytest.raises(PermissionDenied):
        inventory.retire(qm_ctx, "HPD-1", "because")


def test_auditor_reads_but_cannot_change(admin_ctx, auditor_ctx):
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    assert len(inventory.list_units(auditor_ctx)) == 1
    with pytest.raises(PermissionDenied):
        inventory.add_unit(auditor_ctx, UnitInput("HPD-2", "S-2"))

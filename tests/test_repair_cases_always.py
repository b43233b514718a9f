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


def _as_before_the_release(ctx, tag, reason, vendor="", ticket="", event=True):
    """What moving a camera into repair did before the last release: the status and its
    custody record (from Inventory), and no repair case."""
    from bwc_desk.domain.events import EventKind
    from bwc_desk.services.records import get_unit, record

    with ctx.db.write() as session:
        unit = get_unit(session, tag, lock=True)
        unit.status, unit.status_reason = UnitStatus.IN_REPAIR.value, reason
        unit.repair_vendor, unit.repair_ticket = vendor, ticket
        if event:
            record(ctx, session, ctx.actor, EventKind.SENT_TO_REPAIR, unit, reason=reason)


def test_the_upgrade_opens_a_case_for_every_camera_in_repair_without_one(sup, admin_ctx, clock):
    from datetime import UTC, datetime

    from sqlalchemy import text

    from bwc_desk.services import verify
    from bwc_desk.store import migrate

    inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0005", "X60A0005"))
    sent_at = clock()
    _as_before_the_release(sup, "HPD-BWC-0001", "cracked lens")
    clock.advance(days=2)
    ticket_at = clock()
    _as_before_the_release(sup, "HPD-BWC-0002", "", "Axon", "RMA-9")
    _as_before_the_release(sup, "HPD-BWC-0003", "no audio", event=False)  # (a bulk-made row)
    inventory.send_to_repair(sup, "HPD-BWC-0004", "swollen battery")  # has its case already
    inventory.send_to_repair(sup, "HPD-BWC-0005", "lens")
    (closed,) = [c for c in repairs.list_cases(sup) if c.asset_tag == "HPD-BWC-0005"]
    repairs.mark_back(sup, closed.id)  # a closed case is not an open one: 0005 is available
    assert [c.asset_tag for c in repairs.list_cases(sup)] == ["HPD-BWC-0004"]
    with admin_ctx.db.read() as s:
        custody_before = s.execute(text("SELECT seq, hash FROM custody_events ORDER BY seq")).all()
    events_before = {c.id: repairs.case_events(sup, c.id) for c in
                     repairs.list_cases(sup, open_only=False)}

    from alembic.script import ScriptDirectory

    older = ScriptDirectory(str(migrate.MIGRATIONS)).get_revision("opencases").down_revision
    with admin_ctx.db.write() as s:  # (the schema is the same: the migration is data only)
        s.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": older})
    before = datetime.now(UTC)
    assert migrate.upgrade(admin_ctx.db, "opencases")  # (only this one: the later ones ran)
    after = datetime.now(UTC)
    assert migrate.current_revision(admin_ctx.db) == "opencases"
    with admin_ctx.db.write() as s:  # (back where the schema is)
        s.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": migrate.HEAD})

    assert _consistent(sup) == {"HPD-BWC-0001", "HPD-BWC-0002", "HPD-BWC-0003", "HPD-BWC-0004"}
    cases = {c.asset_tag: c for c in repairs.list_cases(sup)}
    first, second, third = (cases[f"HPD-BWC-000{i}"] for i in (1, 2, 3))
    assert (first.symptom, first.source, first.reported_by, first.state) == (
        "cracked lens", "manual", "system", "open")
    assert first.reported_at == sent_at  # dated its move into repair
    assert (second.state, second.vendor, second.rma, second.reported_at) == (
        "at vendor", "Axon", "RMA-9", ticket_at)
    assert before <= third.reported_at <= after  # no move on record: the migration's time
    assert "no reason was recorded" in second.symptom and third.symptom == "no audio"
    opened = repairs.case_events(sup, second.id)
    assert [(e.kind, e.staff, e.station) for e in opened] == [
        ("opened", "system", "migration"), ("sent to vendor", "system", "migration")]
    assert opened[1].details["rma"] == "RMA-9" and opened[1].details["migration"] == "opencases"
    # Only added: no custody record, and no earlier case or case event, changed.
    with admin_ctx.db.read() as s:
        assert s.execute(text("SELECT seq, hash FROM custody_events ORDER BY seq")).all() == (
            custody_before)
    for case_id, events in events_before.items():
        assert repairs.case_events(sup, case_id) == events
    assert verify.check_database(admin_ctx.db).ok
    # ... and Repairs can now close them like any case.
    repairs.mark_back(sup, first.id, "fixed by the vendor")
    assert inventory.unit_detail(sup, "HPD-BWC-0001").status is UnitStatus.AVAILABLE

"""Bulk actions on a selection, one unit's history exported, and the filter's SQL twin."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from sqlalchemy import func, select

from bwc_desk.domain.errors import DomainError, PermissionDenied, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.units import UnitAction, UnitStatus
from bwc_desk.services import assignments, audit, counter, exports, inventory, officers
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store import queries
from bwc_desk.store.models import AuditRecord, Checkout, CustodyEvent
from bwc_desk.ui.models.unit_table_model import UnitTableModel

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)


def snapshot(ctx):
    """Everything a refused bulk action must leave as it was."""
    with ctx.db.read() as s:
        events = s.execute(select(func.count()).select_from(CustodyEvent)).scalar_one()
        checkouts = s.execute(
            select(func.count()).select_from(Checkout).where(Checkout.returned_at.is_(None))
        ).scalar_one()
    units = tuple(
        (u.asset_tag, u.status, u.pool_id, u.primary_officer_id, u.repair_vendor)
        for u in inventory.list_units(ctx)
    )
    return events, checkouts, units


def refused(ctx, fn, match):
    before = snapshot(ctx)
    with pytest.raises(DomainError, match=match) as info:
        fn()
    assert snapshot(ctx) == before, "a refusal changed the database"
    return str(info.value)


@pytest.fixture
def shelf(admin_ctx, sup_ctx):
    """Six cameras on the shelf, one of them an officer's primary."""
    smith = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John", shift="Day"))
    units = [
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-000{i}", f"X60A000{i}", "Axon Body 3"))
        for i in range(1, 7)
    ]
    assignments.assign_primary(admin_ctx, "HPD-BWC-0001", smith.id)
    return {"units": units, "ids": [u.id for u in units], "sup": sup_ctx, "smith": smith}


def test_bulk_repair_is_one_transaction_with_an_event_per_unit(shelf):
    sup, ids = shelf["sup"], shelf["ids"][:3]
    before = snapshot(sup)[0]
    n = inventory.bulk_status(
        sup,
        ids,
        UnitAction.REPAIR,
        "water damage, batch 7",
        vendor="Axon RMA",
        ticket="RMA-88",
        expected=date(2026, 12, 15),
    )
    assert n == 3
    rows = {u.id: u for u in inventory.list_units(sup)}
    for unit_id in ids:
        u = rows[unit_id]
        assert u.status is UnitStatus.IN_REPAIR and u.status_reason == "water damage, batch 7"
        assert (u.repair_vendor, u.repair_ticket, u.repair_expected) == (
            "Axon RMA",
            "RMA-88",
            date(2026, 12, 15),
        )
        event = inventory.unit_history(sup, unit_id)[0]
        assert event.kind is EventKind.SENT_TO_REPAIR and event.staff_username == "sam"
        assert event.details["ticket"] == "RMA-88"
    assert snapshot(sup)[0] == before + 3
    # ... and back, in bulk too.
    assert inventory.bulk_status(sup, ids, UnitAction.RETURN_TO_SERVICE, "repaired") == 3
    rows = {u.id: u for u in inventory.list_units(sup)}
    assert all(rows[i].status is UnitStatus.AVAILABLE and not rows[i].repair_vendor for i in ids)


def test_one_unit_that_cannot_refuses_the_whole_batch_naming_it(shelf, qm_ctx):
    sup, ids = shelf["sup"], shelf["ids"]
    inventory.retire(sup, "HPD-BWC-0002", "end of life")
    counter.issue_unit(qm_ctx, shelf["smith"].id, "HPD-BWC-0001", function_test=FunctionTest())
    message = refused(
        sup,
        lambda: inventory.bulk_status(sup, ids, UnitAction.REPAIR, "cracked"),
        "Nothing was changed: 2 of the 6 selected units cannot be sent to repair",
    )
    assert "HPD-BWC-0001 is issued" in message and "return it at the counter" in message.lower()
    assert "HPD-BWC-0002 is retired" in message
    assert "HPD-BWC-0003" not in message


def test_long_refusals_are_counted_not_all_listed(shelf, admin_ctx):
    sup = shelf["sup"]
    more = [
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-01{i:02d}", f"X60A01{i:02d}")).id
        for i in range(6)
    ]
    ids = shelf["ids"] + more
    message = refused(
        sup,
        lambda: inventory.bulk_status(sup, ids, UnitAction.RETURN_TO_SERVICE, "found"),
        "12 of the 12 selected units cannot be returned to service",
    )
    assert message.count("\n- HPD-BWC") == 10 and "- and 2 more" in message


def test_lost_in_bulk_closes_an_open_issue(shelf, qm_ctx):
    sup = shelf["sup"]
    counter.issue_unit(qm_ctx, shelf["smith"].id, "HPD-BWC-0001", function_test=FunctionTest())
    inventory.bulk_status(sup, shelf["ids"][:2], UnitAction.MARK_LOST, "left at the scene")
    assert counter.out_now(sup) == []
    rows = {u.asset_tag: u for u in inventory.list_units(sup)}
    assert rows["HPD-BWC-0001"].status is UnitStatus.LOST
    assert rows["HPD-BWC-0001"].primary_officer_id is None  # a lost camera is nobody's


def test_bulk_refusals_for_roles_reasons_and_vanished_units(shelf, qm_ctx):
    sup, ids = shelf["sup"], shelf["ids"]
    refused(
        qm_ctx,
        lambda: inventory.bulk_status(qm_ctx, ids, UnitAction.RETIRE, "old"),
        "only supervisor or admin may",
    )
    with pytest.raises(PermissionDenied):
        inventory.bulk_status(qm_ctx, ids, UnitAction.RETIRE, "old")
    refused(sup, lambda: inventory.bulk_status(sup, ids, UnitAction.RETIRE, "  "), "Give a reason")
    refused(sup, lambda: inventory.bulk_status(sup, [], UnitAction.RETIRE, "x"), "Select at least")
    refused(
        sup,
        lambda: inventory.bulk_status(sup, [*ids, 99_999], UnitAction.RETIRE, "x"),
        "no longer exist",
    )
    with pytest.raises(ValidationError, match="cannot be issued in bulk"):
        inventory.bulk_status(sup, ids, UnitAction.ISSUE, "x")


def test_put_a_selection_in_a_pool_and_refuse_if_one_is_gone(shelf):
    sup, ids = shelf["sup"], shelf["ids"]
    pool = assignments.create_pool(sup, "Traffic", "Traffic", "Day")
    assert assignments.put_in_pool(sup, ids[:3], pool.id, "traffic pool") == 3
    rows = {u.id: u for u in inventory.list_units(sup)}
    assert all(rows[i].pool == "Traffic" for i in ids[:3])
    assert rows[ids[0]].primary_officer_id is None  # it stopped being Smith's camera
    inventory.retire(sup, "HPD-BWC-0006", "broken")
    inventory.mark_lost(sup, "HPD-BWC-0005", "left at scene")
    message = refused(
        sup,
        lambda: assignments.put_in_pool(sup, ids[3:], pool.id),
        "HPD-BWC-0005 is lost",
    )
    assert "HPD-BWC-0006 is retired" in message and "2 of the 3" in message


def test_one_units_history_exports_as_csv_with_hashes_and_is_audited(shelf, tmp_path):
    sup = shelf["sup"]
    unit = shelf["units"][0]
    inventory.send_to_repair(sup, unit.asset_tag, "lens", "Axon", "T-1")
    path = tmp_path / "h.csv"
    n = inventory.export_unit_history(sup, unit.id, path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == exports.CUSTODY_COLUMNS
    assert n == len(rows) - 1 == 3  # registered, assigned, sent to repair
    assert [r[2] for r in rows[1:]] == ["registered", "assigned", "sent to repair"]
    assert all(r[4] == unit.asset_tag for r in rows[1:]) and all(len(r[-1]) == 64 for r in rows[1:])
    with sup.db.read() as s:
        last = s.execute(select(AuditRecord).order_by(AuditRecord.seq.desc())).scalars().first()
    assert last is not None and last.event == audit.AuditEvent.EXPORT.value
    assert "HPD-BWC-0001" in (last.details or "")


def test_history_export_needs_the_export_role(shelf, qm_ctx, tmp_path):
    unit = shelf["units"][0]
    with pytest.raises(PermissionDenied):
        inventory.export_unit_history(qm_ctx, unit.id, tmp_path / "h.csv")
    with pytest.raises(PermissionDenied):
        inventory.full_unit_history(qm_ctx, unit.id)
    assert not (tmp_path / "h.csv").exists()


def test_full_history_is_newest_first(shelf, auditor_ctx):
    unit = shelf["units"][0]
    row, events = inventory.full_unit_history(auditor_ctx, unit.id)
    assert row.asset_tag == unit.asset_tag
    assert [e.kind for e in events] == [EventKind.ASSIGNED, EventKind.REGISTERED]


def last_audit(ctx):
    with ctx.db.read() as s:
        return s.execute(select(AuditRecord).order_by(AuditRecord.seq.desc())).scalars().first()


def test_a_printed_history_is_audited_only_once_written(shelf, auditor_ctx, tmp_path):
    unit = shelf["units"][0]
    before = last_audit(auditor_ctx).seq

    def disk_full(path, row, events, heads):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        inventory.export_unit_history_pdf(auditor_ctx, unit.id, tmp_path / "h.pdf", disk_full)
    assert last_audit(auditor_ctx).seq == before  # nothing was exported, nothing recorded

    drawn = []

    def render(path, row, events, heads):
        path.write_bytes(b"%PDF-1.4\n")
        drawn.append((path, row, events, heads))

    n = inventory.export_unit_history_pdf(auditor_ctx, unit.id, tmp_path / "h.pdf", render)
    # drawn beside the target under a temporary name, put in place once recorded
    assert n == 2 and drawn[0][0].parent == tmp_path and len(drawn[0][2]) == 2
    assert (tmp_path / "h.pdf").read_bytes() == b"%PDF-1.4\n"
    assert drawn[0][3].startswith("Ledger heads: custody #")
    record = last_audit(auditor_ctx)
    assert record.event == audit.AuditEvent.EXPORT.value and "h.pdf" in (record.details or "")


def test_the_sql_filter_matches_what_the_table_filter_matches(demo_db):
    from tests.conftest import demo_ctx

    ctx = demo_ctx(demo_db)
    prepared = UnitTableModel.prepare(inventory.list_units(ctx))
    by_id = {u.id: hay for u, hay in zip(prepared.rows, prepared.hay, strict=True)}
    for text in ("hpd-bwc-004", "axon body 4", "in repair", "retired", "x61b", "ZZZ"):
        words = text.lower().split()
        in_table = {i for i, hay in by_id.items() if all(w in hay for w in words)}
        with ctx.db.read() as s:
            in_sql = set(queries.unit_ids_matching(s, text))
        assert in_sql == in_table, text

"""Repair cases: opened by the counter (failed function test, damaged return) or by hand,
sent to the vendor, back (then a function test before issue), replaced (the replacement
takes over the officer and pool), written off, with costs; the database's own guards."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from bwc_desk.domain.errors import ConflictError, DomainError, PermissionDenied, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.services import assignments, counter, inventory, officers, repairs
from bwc_desk.services.counter import FunctionTest, ReturnCondition
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput

pytestmark = pytest.mark.both_backends


@pytest.fixture
def shop(admin_ctx):
    smith = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    for i in (1, 2, 3):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-{i}", f"S-{i}", "Axon Body 3"))
    inventory.add_unit(admin_ctx, UnitInput("HPD-9", "S-9", "Axon Body 4"))
    return smith


def _kinds(ctx, tag):
    return [e.kind for e in inventory.unit_history(ctx, inventory.unit_detail(ctx, tag).id)]


def _status(ctx, tag):
    return inventory.unit_detail(ctx, tag).status


def test_a_damaged_return_opens_a_case(admin_ctx, shop, clock):
    counter.issue_unit(admin_ctx, shop.id, "HPD-1", function_test=FunctionTest())
    clock.advance(hours=9)
    counter.return_unit(admin_ctx, "HPD-1", ReturnCondition(damaged=True, note="cracked lens"))
    (case,) = repairs.list_cases(admin_ctx)
    assert case.asset_tag == "HPD-1" and case.source == repairs.DAMAGED_RETURN
    assert "cracked lens" in case.symptom and case.reported_by == "admin"
    assert case.state == "open" and case.station == "DESK-1" and case.model == "Axon Body 3"
    assert [e.kind for e in repairs.case_events(admin_ctx, case.id)] == ["opened"]


def test_a_failed_function_test_at_the_counter_opens_a_case(admin_ctx, shop):
    result = counter.issue_unit(
        admin_ctx, shop.id, "HPD-1", function_test=FunctionTest(records=False)
    )
    assert not result.issued
    (case,) = repairs.list_cases(admin_ctx)
    assert case.asset_tag == "HPD-1" and case.source == repairs.FUNCTION_TEST
    assert _status(admin_ctx, "HPD-1") == "in repair"


def test_undoing_a_damaged_return_withdraws_its_case(admin_ctx, shop, clock):
    counter.issue_unit(admin_ctx, shop.id, "HPD-1", function_test=FunctionTest())
    clock.advance(hours=9)
    done = counter.return_unit(admin_ctx, "HPD-1", ReturnCondition(damaged=True, note="x"))
    counter.undo(admin_ctx, done.seq)
    assert repairs.list_cases(admin_ctx) == []
    (case,) = repairs.list_cases(admin_ctx, open_only=False)
    assert case.outcome == "withdrawn"


def test_the_whole_life_of_a_case_back_from_the_vendor(admin_ctx, shop, clock):
    case = repairs.open_case(admin_ctx, "HPD-1", "will not power on")
    assert _status(admin_ctx, "HPD-1") == "in repair" and case.source == "manual"
    clock.advance(days=3)
    assert repairs.list_cases(admin_ctx)[0].age_days == 3
    with pytest.raises(ValidationError, match="RMA"):
        repairs.send_to_vendor(admin_ctx, case.id, "Axon", "")
    sent = repairs.send_to_vendor(admin_ctx, case.id, "Axon", "RMA-7781", date(2026, 11, 26))
    assert (sent.state, sent.rma, sent.sent_on) == ("at vendor", "RMA-7781", date(2026, 11, 26))
    assert inventory.unit_detail(admin_ctx, "HPD-1").repair_ticket == "RMA-7781"
    repairs.record_cost(admin_ctx, case.id, "1,234.50")
    clock.advance(days=10)
    back = repairs.mark_back(admin_ctx, case.id, "board replaced")
    assert back.outcome == "back" and back.closed_at == clock.now and back.awaiting_test
    assert back.cost_cents == 123450 and back.cost_text == "USD 1,234.50"
    assert back.age_days == 13
    assert _status(admin_ctx, "HPD-1") == "available"
    assert EventKind.RETURNED_TO_SERVICE in _kinds(admin_ctx, "HPD-1")
    assert repairs.list_cases(admin_ctx) == []
    kinds = [e.kind for e in repairs.case_events(admin_ctx, case.id)]
    assert kinds == ["opened", "sent to vendor", "cost", "back"]


def test_back_from_repair_needs_a_passing_function_test_before_issue(admin_ctx, shop):
    from bwc_desk.services import settings

    settings.change_settings(admin_ctx, {"function_test_required": False})
    case = repairs.open_case(admin_ctx, "HPD-1", "no audio")
    repairs.mark_back(admin_ctx, case.id)
    plan = counter.plan_issue(admin_ctx, shop.id, "HPD-1")
    assert plan.needs_function_test  # asked even though the agency does not ask otherwise
    with pytest.raises(ValidationError, match=r"back from repair.*passing function test"):
        counter.issue_unit(admin_ctx, shop.id, "HPD-1")
    assert _status(admin_ctx, "HPD-1") == "available"
    failed = counter.issue_unit(
        admin_ctx, shop.id, "HPD-1", function_test=FunctionTest(records=False)
    )
    assert not failed.issued and _status(admin_ctx, "HPD-1") == "in repair"
    (again,) = repairs.list_cases(admin_ctx)
    assert again.id != case.id and again.source == repairs.FUNCTION_TEST
    repairs.mark_back(admin_ctx, again.id)
    ok = counter.issue_unit(admin_ctx, shop.id, "HPD-1", function_test=FunctionTest())
    assert ok.issued
    assert "function test passed" in [e.kind for e in repairs.case_events(admin_ctx, again.id)]


def test_a_camera_with_an_open_case_is_not_issued_even_if_on_the_shelf(admin_ctx, shop):
    repairs.open_case(admin_ctx, "HPD-1", "no audio")
    inventory.return_to_service(admin_ctx, "HPD-1", "looks fine to me")  # around Repairs
    for test in (None, FunctionTest()):
        with pytest.raises(DomainError, match=r"open repair case #\d+ \(no audio\)"):
            counter.issue_unit(admin_ctx, shop.id, "HPD-1", function_test=test)
    assert _status(admin_ctx, "HPD-1") == "available"


def test_a_bench_function_test_clears_the_camera(admin_ctx, shop):
    case = repairs.open_case(admin_ctx, "HPD-1", "no audio")
    repairs.mark_back(admin_ctx, case.id)
    with pytest.raises(DomainError, match="not waiting"):
        repairs.record_function_test(admin_ctx, "HPD-2", True)
    assert "may be issued" in repairs.record_function_test(admin_ctx, "HPD-1", True)
    assert not repairs.list_cases(admin_ctx, open_only=False)[0].awaiting_test


def test_a_replacement_takes_over_the_officer_and_the_pool(admin_ctx, shop):
    assignments.assign_primary(admin_ctx, "HPD-1", shop.id)
    pool = assignments.create_pool(admin_ctx, "Patrol spares")
    assignments.put_in_pool(admin_ctx, [inventory.unit_detail(admin_ctx, "HPD-2").id], pool.id)
    first = repairs.open_case(admin_ctx, "HPD-1", "cracked housing")
    second = repairs.open_case(admin_ctx, "HPD-2", "water damage")
    with pytest.raises(DomainError, match="on the shelf"):
        repairs.replace_unit(admin_ctx, first.id, "HPD-2")
    done = repairs.replace_unit(admin_ctx, first.id, "HPD-3")
    assert done.outcome == "replaced" and done.replacement_tag == "HPD-3"
    new = inventory.unit_detail(admin_ctx, "HPD-3")
    old = inventory.unit_detail(admin_ctx, "HPD-1")
    assert new.primary_officer_id == shop.id and old.primary_officer_id is None
    assert old.status == "retired"
    assert EventKind.ASSIGNED in _kinds(admin_ctx, "HPD-3")
    repairs.replace_unit(admin_ctx, second.id, "HPD-9")
    assert inventory.unit_detail(admin_ctx, "HPD-9").pool == "Patrol spares"
    assert EventKind.POOLED in _kinds(admin_ctx, "HPD-9")
    # The replacement is tested before its first issue too.
    with pytest.raises(ValidationError, match="replacement camera"):
        counter.issue_unit(admin_ctx, shop.id, "HPD-3")


def test_write_off_retires_the_camera(admin_ctx, shop):
    case = repairs.open_case(admin_ctx, "HPD-1", "crushed")
    with pytest.raises(ValidationError, match="why"):
        repairs.close_case(admin_ctx, case.id, "written off")
    repairs.close_case(admin_ctx, case.id, "written off", "beyond economic repair")
    assert _status(admin_ctx, "HPD-1") == "retired"
    with pytest.raises(DomainError, match="was closed"):
        repairs.send_to_vendor(admin_ctx, case.id, "Axon", "R-1")


def test_bad_input_leaves_everything_as_it_was(admin_ctx, shop):
    case = repairs.open_case(admin_ctx, "HPD-1", "no power")
    for bad in ("abc", "-5", "1.234"):
        with pytest.raises(ValidationError):
            repairs.record_cost(admin_ctx, case.id, bad)
    with pytest.raises(ValidationError, match="future"):
        repairs.send_to_vendor(admin_ctx, case.id, "Axon", "R-1", date(2027, 1, 1))
    with pytest.raises(ValidationError, match="symptom"):
        repairs.open_case(admin_ctx, "HPD-2", "  ")
    (row,) = repairs.list_cases(admin_ctx)
    assert row.cost_cents is None and row.state == "open"
    assert [e.kind for e in repairs.case_events(admin_ctx, case.id)] == ["opened"]


def test_a_second_open_case_is_refused_by_the_service_and_the_database(admin_ctx, shop, db):
    case = repairs.open_case(admin_ctx, "HPD-1", "no power")
    with pytest.raises(ConflictError, match="already has open repair case"):
        repairs.open_case(admin_ctx, "HPD-1", "still no power")
    with pytest.raises(IntegrityError), db.write() as s:
        s.execute(
            text(
                "INSERT INTO repair_cases (unit_id, source, symptom, reported_by, reported_at,"
                " station, state, vendor, rma, currency) VALUES (:u, 'manual', 'x', 'a',"
                " :at, 'D', 'open', '', '', 'USD')"
            ),
            {"u": case.unit_id, "at": datetime(2026, 11, 24, tzinfo=UTC).replace(tzinfo=None)},
        )


def test_case_events_refuse_update_and_delete(admin_ctx, shop, db):
    case = repairs.open_case(admin_ctx, "HPD-1", "no power")
    for sql in (
        "UPDATE repair_events SET note = 'edited' WHERE case_id = :c",
        "DELETE FROM repair_events WHERE case_id = :c",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.write() as s:
            s.execute(text(sql), {"c": case.id})
    assert [e.note for e in repairs.case_events(admin_ctx, case.id)] == ["no power"]


def test_a_new_cost_is_a_new_event_and_the_old_one_stays(admin_ctx, shop):
    case = repairs.open_case(admin_ctx, "HPD-1", "no power")
    repairs.record_cost(admin_ctx, case.id, "100")
    repairs.record_cost(admin_ctx, case.id, 8050, "usd")
    events = [e for e in repairs.case_events(admin_ctx, case.id) if e.kind == "cost"]
    assert [e.details["cost_cents"] for e in events] == [10000, 8050]
    assert events[1].details["was_cents"] == 10000


def test_roles(admin_ctx, shop, qm_ctx, sup_ctx):
    with pytest.raises(PermissionDenied):
        repairs.open_case(qm_ctx, "HPD-1", "no power")
    case = repairs.open_case(sup_ctx, "HPD-1", "no power")
    with pytest.raises(PermissionDenied):
        repairs.record_cost(qm_ctx, case.id, "10")
    assert repairs.list_cases(qm_ctx)[0].id == case.id


def test_failures_by_model_for_the_reports(admin_ctx, shop, clock):
    start = clock.now
    a = repairs.open_case(admin_ctx, "HPD-1", "no power")
    repairs.record_cost(admin_ctx, a.id, "200")
    clock.advance(days=4)
    repairs.mark_back(admin_ctx, a.id)
    counter.issue_unit(admin_ctx, shop.id, "HPD-2", function_test=FunctionTest(records=False))
    repairs.open_case(admin_ctx, "HPD-9", "no audio")
    end = clock.advance(minutes=1)  # [start, end): a case at the very end is in the next period
    rows = {r.model: r for r in repairs.failures_by_model(admin_ctx, start, end)}
    ab3 = rows["Axon Body 3"]
    assert (ab3.cameras, ab3.cases, ab3.manual, ab3.function_test) == (3, 2, 1, 1)
    assert (ab3.back, ab3.still_open, ab3.cost_cents, ab3.mean_days_closed) == (1, 1, 20000, 4.0)
    assert rows["Axon Body 4"].cases == 1
    assert len(repairs.cases_between(admin_ctx, start, end)) == 3
    assert repairs.cases_between(admin_ctx, end, clock.advance(days=1)) == []

"""The daily dock inspection: the agency's checklist, an inspection per dock, a defect taking
the bay or dock out of service with a repair case (and back in service when it closes), the
"not inspected today" alert after the agency's hour, the printed log."""

from __future__ import annotations

import csv
import unicodedata
from datetime import UTC, date, datetime

import pypdf
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bwc_desk.adapters.dockfeed.protocol import BayReport, Hello
from bwc_desk.domain.errors import PermissionDenied, ValidationError
from bwc_desk.domain.ledger import heads_footer
from bwc_desk.services import (
    counter,
    dock_board,
    dock_registry,
    docks,
    inspections,
    inventory,
    officers,
    repairs,
    settings,
    verify,
)
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.dockfeed import DockBoard
from bwc_desk.services.inspections import ItemResult
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput

pytestmark = pytest.mark.both_backends

TS = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)


@pytest.fixture
def dock(admin_ctx, clock):
    dock_registry.add_dock(admin_ctx, "DOCK-A", 3)
    board = DockBoard(clock)

    def send(*messages):
        for m in messages:
            board.on_message("peer", m)
        docks.apply_changes(admin_ctx.as_actor(None), board.take_changes())

    send(Hello("DOCK-A", 3))
    for n in (1, 2, 3):
        send(BayReport("DOCK-A", n, None, None, None, None, None, None, TS, frozenset()))
    return send


def _all_ok(ctx, bays=3, **bad):
    """Every line answered OK, but for ``bad``: {"bay2": (item label start, note)}."""
    out = []
    for item in inspections.checklist(ctx):
        for bay in range(1, bays + 1) if item.scope == "bay" else (0,):
            key = f"bay{bay}" if bay else "dock"
            fault = bad.get(key)
            if fault and item.label.startswith(fault[0]):
                out.append(ItemResult(item.id, False, bay, fault[1]))
            else:
                out.append(ItemResult(item.id, True, bay))
    return out


def test_the_default_checklist_and_editing_it(admin_ctx, sup_ctx):
    labels = [(i.label.split(":")[0], i.scope) for i in inspections.checklist(admin_ctx)]
    assert labels == [
        ("Power", "dock"),
        ("Network", "dock"),
        ("Contacts and lights of the bay", "bay"),
        ("Clean", "dock"),
    ]
    with pytest.raises(PermissionDenied):
        inspections.set_checklist(sup_ctx, [("Power", "dock")])
    kept = inspections.checklist(admin_ctx)[2]
    new = inspections.set_checklist(
        admin_ctx, [(kept.label, "bay"), ("Cable strain relief", "dock")]
    )
    assert [i.label for i in new] == [kept.label, "Cable strain relief"]
    assert new[0].id == kept.id  # an unchanged line keeps its id (past results point at it)
    with pytest.raises(ValidationError, match="twice"):
        inspections.set_checklist(admin_ctx, [("A", "dock"), ("a", "dock")])
    with pytest.raises(ValidationError, match="per dock or per bay"):
        inspections.set_checklist(admin_ctx, [("A", "shelf")])


def test_a_clean_inspection_is_logged(sup_ctx, dock, clock):
    row = inspections.record_inspection(sup_ctx, "DOCK-A", _all_ok(sup_ctx), "all fine")
    assert row.passed and row.by == "sam" and row.station == "DESK-1" and row.at == clock.now
    assert repairs.list_cases(sup_ctx) == [] and repairs.list_out_of_service(sup_ctx) == []
    day = clock.now.astimezone(sup_ctx.zone).date()
    (logged,) = inspections.inspection_log(sup_ctx, day, day)
    assert logged.id == row.id and logged.note == "all fine"


def test_every_line_must_be_answered_and_a_defect_needs_a_note(sup_ctx, dock):
    answers = _all_ok(sup_ctx)
    with pytest.raises(ValidationError, match="not yet: bay 3"):
        inspections.record_inspection(sup_ctx, "DOCK-A", [a for a in answers if a.bay_no != 3])
    bad = [ItemResult(a.item_id, False, a.bay_no) if a.bay_no == 2 else a for a in answers]
    with pytest.raises(ValidationError, match="Say what is wrong: bay 2"):
        inspections.record_inspection(sup_ctx, "DOCK-A", bad)
    assert inspections.inspection_log(sup_ctx, date(2026, 1, 1), date(2026, 12, 31)) == []


def test_a_bay_defect_takes_the_bay_out_and_opens_a_case(sup_ctx, dock, clock):
    row = inspections.record_inspection(
        sup_ctx, "DOCK-A", _all_ok(sup_ctx, bay2=("Contacts", "bent pin"))
    )
    assert not row.passed and row.defects == ("Bay 2: Contacts and lights of the bay - bent pin",)
    (case,) = repairs.list_cases(sup_ctx)
    assert case.target == "DOCK-A bay 2" and case.source == "inspection"
    assert row.cases == (case.id,)
    (out,) = repairs.list_out_of_service(sup_ctx)
    assert (out.label, out.case_id) == ("DOCK-A bay 2", case.id)
    bays = {b.bay: b for b in dock_board.board(sup_ctx).docks[0].bay_rows}
    assert "bent pin" in bays[2].out_of_service and not bays[1].out_of_service
    # Closing the case puts the bay back in service.
    repairs.close_case(sup_ctx, case.id, "fixed", "contacts replaced")
    assert repairs.list_out_of_service(sup_ctx) == []
    assert not dock_board.board(sup_ctx).docks[0].bay_rows[1].out_of_service


def test_a_dock_defect_takes_the_whole_dock_out(sup_ctx, dock):
    inspections.record_inspection(sup_ctx, "DOCK-A", _all_ok(sup_ctx, dock=("Network", "no link")))
    row = dock_board.board(sup_ctx).docks[0]
    assert "no link" in row.out_of_service
    assert all(b.out_of_service for b in row.bay_rows)
    (case,) = repairs.list_cases(sup_ctx)
    assert case.target == "DOCK-A" and case.bay_no == 0
    # A supervisor may put it back in service before the case closes, with a reason.
    with pytest.raises(ValidationError, match="reason"):
        repairs.back_in_service(sup_ctx, "DOCK-A", 0, "")
    repairs.back_in_service(sup_ctx, "DOCK-A", 0, "switch port changed, link back")
    assert not dock_board.board(sup_ctx).docks[0].out_of_service
    assert repairs.list_cases(sup_ctx)[0].id == case.id  # the repair is still owed


def test_a_defect_found_again_joins_the_open_case(sup_ctx, dock, clock):
    inspections.record_inspection(sup_ctx, "DOCK-A", _all_ok(sup_ctx, bay1=("Contacts", "dim")))
    clock.advance(days=1)
    inspections.record_inspection(sup_ctx, "DOCK-A", _all_ok(sup_ctx, bay1=("Contacts", "off")))
    (case,) = repairs.list_cases(sup_ctx)
    assert [e.kind for e in repairs.case_events(sup_ctx, case.id)] == ["opened", "reported again"]


def test_an_out_of_service_bay_is_never_suggested(admin_ctx, sup_ctx, dock, clock):
    smith = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    inspections.record_inspection(sup_ctx, "DOCK-A", _all_ok(sup_ctx, bay1=("Contacts", "dead")))
    with admin_ctx.db.read() as s:
        assert counter.suggest_bay(s, clock.now) == "DOCK-A bay 2"
    counter.issue_unit(admin_ctx, smith.id, "HPD-1", function_test=FunctionTest())
    clock.advance(seconds=10)
    dock(Hello("DOCK-A", 3))  # the dock is still reporting
    result = counter.return_unit(admin_ctx, "HPD-1")
    assert result.suggested_bay == "DOCK-A bay 2"
    inspections.record_inspection(sup_ctx, "DOCK-A", _all_ok(sup_ctx, dock=("Power", "sparks")))
    with admin_ctx.db.read() as s:
        assert counter.suggest_bay(s, clock.now) == ""


def test_the_missing_inspection_alert_after_the_agencys_hour(admin_ctx, sup_ctx, dock, clock):
    settings.change_settings(admin_ctx, {"inspection_due_hour": 9})
    # The clock starts at 06:45 UTC = 01:45 in New York: before 09:00, no alert.
    assert inspections.missing_inspections(sup_ctx) == []
    missing = dock_board.INSPECTION_MISSING
    assert not [a for a in dock_board.board(sup_ctx).alerts if a.kind == missing]
    clock.advance(hours=7, minutes=15)  # 09:00 local
    dock(Hello("DOCK-A", 3))
    (line,) = inspections.missing_inspections(sup_ctx)
    assert "DOCK-A has not been inspected today (due by 09:00)" in line
    (alert,) = [a for a in dock_board.board(sup_ctx).alerts if a.kind == missing]
    assert alert.dock == "DOCK-A"
    inspections.record_inspection(sup_ctx, "DOCK-A", _all_ok(sup_ctx))
    assert inspections.missing_inspections(sup_ctx) == []
    clock.advance(days=1)  # a new day: due again
    assert len(inspections.missing_inspections(sup_ctx)) == 1


def test_inspections_are_append_only(sup_ctx, dock, db):
    inspections.record_inspection(sup_ctx, "DOCK-A", _all_ok(sup_ctx))
    for sql in (
        "UPDATE dock_inspections SET passed = false",
        "DELETE FROM inspection_results",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.write() as s:
            s.execute(text(sql))


def test_roles(qm_ctx, dock):
    with pytest.raises(PermissionDenied):
        inspections.record_inspection(qm_ctx, "DOCK-A", _all_ok(qm_ctx))


def _pages(path) -> list[str]:
    return [
        " ".join(unicodedata.normalize("NFKC", page.extract_text()).split())
        for page in pypdf.PdfReader(path).pages
    ]


def test_the_printed_log_has_both_heads_on_every_page(sup_ctx, dock, clock, tmp_path):
    for day in range(30):
        inspections.record_inspection(
            sup_ctx, "DOCK-A", _all_ok(sup_ctx, bay3=("Contacts", f"loose {day}")), "checked"
        )
        clock.advance(days=1)
    h = verify.chain_heads(sup_ctx)
    expected = heads_footer((h.custody_seq, h.custody_hash), (h.audit_seq, h.audit_hash))
    first, last = date(2026, 11, 1), date(2027, 1, 1)
    n = inspections.export_inspection_log(sup_ctx, tmp_path / "log.pdf", first, last, pdf=True)
    assert n == 30
    pages = _pages(tmp_path / "log.pdf")
    assert len(pages) >= 2 and "loose 29" in " ".join(pages)
    for page in pages:
        assert expected in page
    h = verify.chain_heads(sup_ctx)  # the PDF's export record moved the audit head
    inspections.export_inspection_log(sup_ctx, tmp_path / "log.csv", first, last)
    with open(tmp_path / "log.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["inspected_at_utc", "dock", "inspected_by"]
    assert len(rows) == 32 and rows[1][4] == "defects" and "loose 0" in rows[1][5]
    assert rows[-1] == [heads_footer((h.custody_seq, h.custody_hash), (h.audit_seq, h.audit_hash))]

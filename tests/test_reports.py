"""The reports a chief signs, against a small agency built by hand: every figure exact.

The agency (New York time, UTC-5 in November), on Tuesday 2026-11-24:
Day shift officers Adams and Baker, Evening Cole, Night Diaz. Cameras HPD-1 and HPD-2
(Axon Body 3) and HPD-3 (Axon Body 4) in the 2019 lot, HPD-4 (Axon Body 4) in the 2021 lot,
HPD-5 in no batch (lost that evening).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pypdf
import pytest

from bwc_desk.adapters.dockfeed.protocol import BayReport, Hello
from bwc_desk.domain.errors import PermissionDenied, ValidationError
from bwc_desk.domain.roles import Role
from bwc_desk.services import audit, batches, counter, dock_registry, docks, inventory, officers
from bwc_desk.services import settings as agency_settings
from bwc_desk.services.batches import BatchInput
from bwc_desk.services.counter import FunctionTest, Override, ReturnCondition
from bwc_desk.services.dockfeed import DockBoard
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.services.reports import ReportRequest, run_report, write_report
from tests.conftest import PASSWORD, make_actor

pytestmark = pytest.mark.both_backends

DAY = date(2026, 11, 24)


def at(clock, hour, minute=0, day=24):
    clock.now = datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def agency(admin_ctx, clock):
    ctx = admin_ctx
    sup = make_actor(ctx, Role.SUPERVISOR, "sam")
    ids = {}
    for badge, name, shift in (("0001", "Adams", "Day"), ("0002", "Baker", "Day"),
                               ("0003", "Cole", "Evening"), ("0004", "Diaz", "Night")):
        ids[name] = officers.add_officer(ctx, OfficerInput(badge, name, shift=shift)).id
    for i, (model, fw) in enumerate((("Axon Body 3", "1.2.3"), ("Axon Body 3", "1.2.3"),
                                     ("Axon Body 4", "1.2.3"), ("Axon Body 4", "1.1.9"),
                                     ("Axon Body 4", "")), start=1):
        inventory.add_unit(ctx, UnitInput(f"HPD-{i}", f"SER{i}", model=model, firmware=fw))
    batches.add_batch(ctx, BatchInput("2019 lot", date(2019, 6, 1), 325, 89_900, 19_900,
                                      "USD", 5, 24))
    batches.add_batch(ctx, BatchInput("2021 lot", date(2021, 3, 1), 150, 99_900, 21_900,
                                      "usd", 5, 36))
    assert batches.assign_units(ctx, "2019 lot", ["hpd-1", "HPD-2", "HPD-3"]) == 3
    assert batches.assign_units(ctx, "2021 lot", ["HPD-4"]) == 1
    agency_settings.change_settings(ctx, {"target_firmware": "1.2.3"})
    dock_registry.add_dock(ctx, "DOCK-A", 8)
    board = DockBoard(clock)

    def send(*messages):
        for m in messages:
            board.on_message("peer", m)
        docks.apply_changes(ctx.as_actor(None), board.take_changes())

    send(Hello("DOCK-A", 8))
    ok = FunctionTest()
    at(clock, 11, 45)  # 06:45 local
    counter.issue_unit(ctx, ids["Adams"], "HPD-1", function_test=ok)
    counter.issue_unit(ctx, ids["Baker"], "HPD-3", function_test=FunctionTest(powers_on=False))
    at(clock, 11, 50)
    counter.issue_unit(ctx, ids["Baker"], "HPD-2", function_test=ok)
    at(clock, 20, 15)  # 15:15 local: on time (15:00 + 30 minutes' grace)
    counter.return_unit(ctx, "HPD-1")
    at(clock, 20, 16)
    send(BayReport("DOCK-A", 1, "SER1", 40, True, None, False, None, clock.now,
                   frozenset({"battery", "charging", "upload", "updating", "error"})))
    at(clock, 20, 20)  # 15:20 local: at 40 % HPD-1 is not ready; the supervisor overrides
    counter.issue_unit(ctx, ids["Cole"], "HPD-1", function_test=ok,
                       override=Override("sam", PASSWORD, "no other camera"))
    at(clock, 21, 0)  # 16:00 local: late, and never docked
    counter.return_unit(ctx, "HPD-2")
    at(clock, 22, 0)
    inventory.mark_lost(ctx, "HPD-5", "left in a cruiser")
    at(clock, 3, 0, day=25)  # 22:00 local: back damaged (to repair, not to a dock)
    counter.return_unit(ctx, "HPD-1", ReturnCondition(damaged=True, note="cracked lens"))
    at(clock, 12, 0, day=25)
    return sup


def test_compliance_per_day_and_shift(agency):
    result = run_report(agency, ReportRequest("compliance", DAY, DAY))
    rows = {r[1]: r for r in result.table("days").rows}
    #          day, shift, on shift, with camera, without, tests, failed, overrides, late, undocked
    assert rows["Day"] == ("2026-11-24", "Day", 2, 2, 0, 3, 1, 0, 1, 1)
    assert rows["Evening"] == ("2026-11-24", "Evening", 1, 1, 0, 1, 0, 1, 0, 0)
    assert rows["Night"] == ("2026-11-24", "Night", 1, 0, 1, 0, 0, 0, 0, 0)
    assert len(rows) == 3
    totals = dict(result.table("totals").rows)
    assert totals["function tests done"] == 4
    assert totals["function tests failed"] == 1
    assert totals["officer-shifts without a camera"] == 1
    share = next(c for c in result.charts if c.kind.value == "share")
    assert share.series[0].values == (3.0, 1.0)


def test_compliance_of_one_shift(agency):
    result = run_report(agency, ReportRequest("compliance", DAY, DAY, shift="evening"))
    assert [r[1] for r in result.table("days").rows] == ["Evening"]
    assert result.shift == "Evening"
    with pytest.raises(ValidationError, match="no shift called"):
        run_report(agency, ReportRequest("compliance", DAY, DAY, shift="Graveyard"))


def test_fleet_health(agency):
    result = run_report(agency, ReportRequest("fleet", DAY, DAY))
    assert result.table("models").rows == (
        ("Axon Body 3", "2019 lot", 2, 1, 1, 1, 0.5),
        ("Axon Body 4", "2019 lot", 1, 1, 1, 0, 0.0),
        ("Axon Body 4", "2021 lot", 1, 0, 0, 0, 0.0),
    )
    assert result.table("firmware").rows == (("1.1.9", 1, "behind"), ("1.2.3", 3, "on target"))
    assert result.table("battery").rows == (("2026-11-24", 40.0, 1),)
    assert result.table("warranty").rows == ()  # both lots' warranties ended long ago
    # the repair log (services/repairs.py): a case opened by the failed function test, one
    # by the damaged return
    cases = {r[0]: r[2:8] for r in result.table("repairs").rows}
    #                         cases, function test, damaged, inspection, manual, still open
    assert cases == {"Axon Body 3": (1, 0, 1, 0, 0, 1), "Axon Body 4": (1, 1, 0, 0, 0, 1)}


def test_utilization(agency):
    result = run_report(agency, ReportRequest("utilization", DAY, DAY))
    cameras = {r[0]: r for r in result.table("cameras").rows}
    assert cameras["HPD-1"] == ("HPD-1", "Axon Body 3", "2019 lot", 2, 15.2)  # 8.5 h + 6.67 h
    assert cameras["HPD-2"] == ("HPD-2", "Axon Body 3", "2019 lot", 1, 9.2)
    assert cameras["HPD-4"][3:] == (0, 0.0)
    assert "HPD-5" not in cameras  # lost
    assert [r[0] for r in result.table("idle").rows] == ["HPD-3", "HPD-4"]
    assert result.table("spares").rows == (("2026-11-24", 3, 0),)


def test_lifecycle_and_cost(agency):
    result = run_report(agency, ReportRequest("lifecycle"))
    rows = {r[0]: r for r in result.table("batches").rows}
    assert rows["2019 lot"] == (
        "2019 lot", "2019-06-01", 325, 3, 3, "899.00 USD", "199.00 USD", "292,175.00 USD",
        "597.00 USD", 7.5, "2021-06-01", "2024-06-01", "overdue",
    )
    assert rows["2021 lot"][2:5] == (150, 1, 1)
    assert rows["2021 lot"][10:] == ("2024-03-01", "2026-03-01", "overdue")
    assert rows["(no batch)"][3:5] == (1, 0)


def test_annual_report(agency):
    result = run_report(agency, ReportRequest("annual", date(2026, 1, 1), date(2026, 12, 31)))
    assert dict(result.table("summary").rows) == {
        "cameras at the end of the period": 4,
        "officers equipped (issued a camera at least once)": 3,
        "malfunctions (failed function tests, defects reported)": 2,
        "repairs (cameras sent to repair)": 2,
        "losses (lost or stolen)": 1,
        "retired": 0,
    }
    months = {r[0]: r for r in result.table("months").rows}
    assert len(months) == 12 and months["2026-11"] == ("2026-11", 2, 2, 1, 0)


def test_a_report_is_audited_and_carries_both_heads(agency, admin_ctx):
    result = run_report(agency, ReportRequest("compliance", DAY, DAY))
    from bwc_desk.services import verify

    heads = verify.chain_heads(agency)
    assert f"custody #{heads.custody_seq} {heads.custody_hash}" in result.footer
    assert f"audit #{heads.audit_seq} {heads.audit_hash}" in result.footer
    last = audit.list_audit(admin_ctx)[0]
    assert (last.event, last.staff_username, last.station) == ("report produced", "sam",
                                                               "DESK-1")


def test_roles(agency, admin_ctx):
    for role, name in (("auditor", "audrey"), ("admin", None)):
        ctx = admin_ctx if name is None else make_actor(admin_ctx, Role(role), name)
        assert run_report(ctx, ReportRequest("lifecycle")).name == "lifecycle"
    qm = make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    with pytest.raises(PermissionDenied, match="produce reports"):
        run_report(qm, ReportRequest("compliance"))


def test_bad_requests_are_refused_with_what_to_do(agency, tmp_path):
    with pytest.raises(ValidationError, match="no report called"):
        run_report(agency, ReportRequest("budget"))
    with pytest.raises(ValidationError, match="swap the two dates"):
        run_report(agency, ReportRequest("compliance", DAY, date(2026, 11, 1)))
    with pytest.raises(ValidationError, match=r"\.pdf or \.csv"):
        write_report(agency, ReportRequest("compliance"), tmp_path / "r.txt")


def test_a_file_that_cannot_be_written_is_refused_before_the_report_is_recorded(
    agency, admin_ctx, tmp_path
):
    """A tester exported to a folder the station may not write: the report was computed,
    recorded as produced, then the file failed. The file's place is tried first: refused
    with what to do, no report computed, nothing recorded."""
    before = len(audit.list_audit(admin_ctx))
    (tmp_path / "c.pdf.part").mkdir()  # (the place the file is written first is taken)
    with pytest.raises(ValidationError, match=r"Cannot write .*c\.pdf.*Choose a folder"):
        write_report(agency, ReportRequest("compliance"), tmp_path / "c.pdf")
    assert len(audit.list_audit(admin_ctx)) == before
    assert not (tmp_path / "c.pdf").exists()


def _pdf_text(path):
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(path).pages]


def test_the_pdf_has_the_charts_the_tables_and_both_heads_on_every_page(agency, tmp_path):
    result, files = write_report(agency, ReportRequest("compliance", date(2026, 10, 1), DAY),
                                 tmp_path / "c.pdf")
    assert files == [tmp_path / "c.pdf"]
    pages = _pdf_text(tmp_path / "c.pdf")
    assert len(pages) >= 2
    for text in pages:
        assert result.footer in text
    whole = " ".join(pages)
    assert "Exceptions per day" in whole and "Function tests" in whole
    assert "2026-11-24 Day 2 2 0 3 1 0 1 1" in whole
    raw = (tmp_path / "c.pdf").read_bytes()
    assert b" c\n" in raw  # the pie's arcs: vector, not a picture


def test_the_csv_is_every_table_read_back(agency, tmp_path):
    import csv

    _result, files = write_report(agency, ReportRequest("utilization", DAY, DAY),
                                 tmp_path / "u.csv")
    assert [f.name for f in files] == ["u.csv", "u-idle.csv", "u-spares.csv"]
    with open(files[0], encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["asset_tag", "model", "batch", "issues", "hours_out"]
    assert ["HPD-1", "Axon Body 3", "2019 lot", "2", "15.2"] in rows


def test_the_csv_is_formula_safe(agency, tmp_path):
    import csv

    batches.add_batch(agency, BatchInput("=HYPERLINK(1)", date(2024, 1, 1), 1, 100))
    _result, files = write_report(agency, ReportRequest("lifecycle"), tmp_path / "l.csv")
    with open(files[0], encoding="utf-8-sig", newline="") as fh:
        names = [r[0] for r in csv.reader(fh)]
    assert "'=HYPERLINK(1)" in names


def test_batches_refuse_bad_input_and_change_nothing(agency):
    with pytest.raises(ValidationError, match="already a batch"):
        batches.add_batch(agency, BatchInput("2019 lot", date(2019, 1, 1), 1, 1))
    with pytest.raises(ValidationError, match="HPD-99"):
        batches.assign_units(agency, "2021 lot", ["HPD-1", "HPD-99"])
    rows = {b.name: b.units for b in batches.list_batches(agency)}
    assert rows == {"2019 lot": 3, "2021 lot": 1}
    assert batches.parse_money("1,299.5", "cost") == 129_950


def test_the_demo_agency_has_hartfords_two_lots(demo_db):
    from tests.conftest import demo_ctx

    result = run_report(demo_ctx(demo_db, "sgt.reyes"), ReportRequest("lifecycle"))
    rows = {r[0]: r for r in result.table("batches").rows}
    assert set(rows) == {"2019 lot", "2021 lot"}
    assert rows["2019 lot"][2:4] == (325, 325) and rows["2021 lot"][2:4] == (150, 150)


def test_compliance_leaves_out_days_before_the_first_record(agency):
    result = run_report(agency, ReportRequest("compliance", date(2026, 11, 22), DAY))
    assert {r[0] for r in result.table("days").rows} == {"2026-11-24"}
    assert any("Days before 2026-11-24" in n for n in result.notes)
    totals = dict(result.table("totals").rows)
    assert totals["officer-shifts without a camera"] == 1  # (the 24th's night shift only)


def test_compliance_counts_no_undocked_return_where_no_dock_ever_recorded_one(admin_ctx, clock):
    ctx = admin_ctx
    smith = officers.add_officer(ctx, OfficerInput("0001", "Smith", shift="Day")).id
    inventory.add_unit(ctx, UnitInput("HPD-1", "SER1"))
    at(clock, 11, 45)
    counter.issue_unit(ctx, smith, "HPD-1", function_test=FunctionTest())
    at(clock, 20, 15)
    counter.return_unit(ctx, "HPD-1")
    at(clock, 12, 0, day=25)
    result = run_report(ctx, ReportRequest("compliance", DAY, DAY))
    (row,) = result.table("days").rows
    assert row[-1] == 0  # returned, not docked: no dock here at all
    assert dict(result.table("totals").rows)["returned, not docked"] == 0
    assert any("No dock has recorded a camera yet" in n for n in result.notes)


def test_export_writes_the_report_shown_as_it_is_and_records_the_export(agency, admin_ctx,
                                                                         tmp_path):
    """Export in the Reports tab computed the report again (as long as Run took: 44 s on
    the large agency, a second audit record of a report nobody ran): it writes the one on
    the screen, its footer the heads of when it was made, and records an export of it with
    each file's SHA-256."""
    import hashlib

    from bwc_desk.services.reports import export_report

    result = run_report(agency, ReportRequest("utilization", DAY, DAY))
    produced = len([r for r in audit.list_audit(admin_ctx) if r.event == "report produced"])
    files = export_report(agency, result, tmp_path / "u.csv")
    assert [f.name for f in files] == ["u.csv", "u-idle.csv", "u-spares.csv"]
    assert not list(tmp_path.glob("*.staged*"))
    records = audit.list_audit(admin_ctx)
    assert len([r for r in records if r.event == "report produced"]) == produced
    export = records[0]
    assert export.event == "export"
    assert export.details["what"] == "Utilization report"
    assert export.details["from"] == export.details["to"] == DAY.isoformat()
    assert export.details["made_at"] == result.made_at
    assert export.details["files"] == {
        f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    pdf = export_report(agency, result, tmp_path / "u.pdf")
    assert pdf == [tmp_path / "u.pdf"]
    for text in _pdf_text(pdf[0]):
        assert result.footer in text  # (the heads of when it was made, not of the export)


def test_export_is_refused_without_reports_and_where_it_cannot_write(agency, admin_ctx,
                                                                      tmp_path):
    from bwc_desk.services.reports import export_report

    result = run_report(agency, ReportRequest("lifecycle"))
    qm = make_actor(admin_ctx, Role.QUARTERMASTER, "qm.export")
    with pytest.raises(PermissionDenied, match="export reports"):
        export_report(qm, result, tmp_path / "l.pdf")
    with pytest.raises(ValidationError, match=r"\.pdf or \.csv"):
        export_report(agency, result, tmp_path / "l.txt")
    (tmp_path / "l.pdf.part").mkdir()
    with pytest.raises(ValidationError, match="Cannot write"):
        export_report(agency, result, tmp_path / "l.pdf")
    assert [r.event for r in audit.list_audit(admin_ctx)][:1] == ["action refused"]  # (qm's)
    assert not any(r.event == "export" for r in audit.list_audit(admin_ctx))
    assert not (tmp_path / "l.pdf").exists()


def test_a_cancelled_report_is_not_recorded(agency, admin_ctx):
    """Cancel in the Reports tab: the reads stop where they are (store/stopping.py tries a
    statement that would run for minutes) and no audit record says it was produced."""
    from bwc_desk.domain.errors import CancelledError
    from bwc_desk.services.reports import Stop

    before = len(audit.list_audit(admin_ctx))
    stop = Stop("The report")
    stop.request()
    with pytest.raises(CancelledError, match="The report was cancelled; nothing of it"):
        run_report(agency, ReportRequest("compliance"), stop)
    assert len(audit.list_audit(admin_ctx)) == before
    # A report not cancelled runs as before, Stop or not.
    assert run_report(agency, ReportRequest("compliance"), Stop()).name == "compliance"
    assert len(audit.list_audit(admin_ctx)) == before + 1


def test_an_export_over_a_file_that_cannot_be_replaced_is_refused_before_the_record(
    agency, admin_ctx, tmp_path, monkeypatch
):
    """A reviewer: the files of a CSV export were put in place last first, so a first file
    held open (a spreadsheet, on Windows) left the new side files beside the old main one.
    A file that cannot be replaced is found before anything is written or recorded; one
    that fails while the files are put in place (in order) is named with those written."""
    from bwc_desk.services import reports
    from bwc_desk.services.reports import export_report

    result = run_report(agency, ReportRequest("utilization", DAY, DAY))
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    (tmp_path / "u-idle.csv").mkdir()  # (cannot be replaced by a file)
    with pytest.raises(ValidationError, match=r"Cannot write .*u-idle\.csv.*Nothing was recorded"):
        export_report(agency, result, tmp_path / "u.csv")
    assert not any(r.event == "export" for r in audit.list_audit(admin_ctx))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["u-idle.csv"]
    (tmp_path / "u-idle.csv").rmdir()

    real = reports.os.replace

    def second_fails(src, dst):
        if str(dst).endswith("u-idle.csv"):
            raise PermissionError(13, "Permission denied", str(dst))
        real(src, dst)

    monkeypatch.setattr(reports.os, "replace", second_fails)
    with pytest.raises(ValidationError, match=r"recorded; u\.csv written, u-idle\.csv, "
                                              r"u-spares\.csv not\. Close the file"):
        export_report(agency, result, tmp_path / "u.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["u.csv"]  # (no staged file left)
    export = audit.list_audit(admin_ctx)[0]
    assert export.event == "export" and export.details["made_by"] == result.made_by
    assert export.details["heads"] == result.footer

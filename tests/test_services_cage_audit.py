"""Audits of the cage: the five lists, scans that are refused or repeated, cameras a dock
reports, a restart halfway, the finish (report, records, cases), resolving cases both ways,
and the database refusing edits of the records and a second open audit of one scope."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bwc_desk.adapters.dockfeed.protocol import BayReport, Hello
from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import DomainError, NotFoundError, PermissionDenied, ValidationError
from bwc_desk.domain.events import EventKind
from bwc_desk.domain.ledger import heads_footer
from bwc_desk.services import (
    assignments,
    audit,
    cage_audit,
    cage_audit_cases,
    counter,
    dock_registry,
    docks,
    inventory,
    officers,
    unit_location,
    verify,
)
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.dockfeed import DockBoard
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store.db import Database

pytestmark = pytest.mark.both_backends


def tags(lines) -> list[str]:
    return [line.asset_tag for line in lines]


@pytest.fixture
def cage(admin_ctx, clock):
    """Six cameras: four kept on shelf A, one on shelf B, one issued, one in repair."""
    for i in range(1, 7):
        unit = inventory.add_unit(admin_ctx, UnitInput(f"HPD-{i}", f"S-{i}"))
        unit_location.set_location(admin_ctx, unit.id, "Shelf A" if i <= 4 else "Shelf B")
    smith = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    counter.issue_unit(admin_ctx, smith.id, "HPD-3", function_test=FunctionTest())
    inventory.send_to_repair(admin_ctx, "HPD-4", "cracked lens")
    return admin_ctx


def test_the_five_lists_of_an_audit_of_all_cameras(cage, qm_ctx):
    a = cage_audit.start_audit(qm_ctx, "all")
    assert a.started_by == "quinn" and a.station == "DESK-1" and a.state == "open"
    assert cage_audit.scan(qm_ctx, a.id, "HPD-1", "Shelf A").kind == "found"
    wrong = cage_audit.scan(qm_ctx, a.id, "s-5", "Shelf A")  # the serial, typed in lower case
    assert wrong.kind == "wrong place" and "Shelf B" in wrong.message
    out = cage_audit.scan(qm_ctx, a.id, "HPD-3", "Shelf A")
    assert out.kind == "unexpected" and "Smith" in out.message
    lists = cage_audit.audit_lists(qm_ctx, a.id)
    assert tags(lists.expected) == ["HPD-1", "HPD-2", "HPD-5", "HPD-6"]  # not issued, repair
    assert tags(lists.found) == ["HPD-1", "HPD-5"]
    assert tags(lists.missing) == ["HPD-2", "HPD-6"]
    assert tags(lists.unexpected) == ["HPD-3"]
    assert "issued to Smith, John (0412)" in lists.unexpected[0].note
    assert tags(lists.wrong_place) == ["HPD-5"]
    found = lists.found[0]
    assert (found.seen_by, found.source, found.seen_location) == ("quinn", "scan", "Shelf A")


def test_an_audit_of_one_location_and_of_one_pool(cage, qm_ctx, sup_ctx):
    with pytest.raises(ValidationError, match="Name the location to audit"):
        cage_audit.start_audit(qm_ctx, "location", "  ")
    with pytest.raises(NotFoundError, match="no such pool"):
        cage_audit.start_audit(qm_ctx, "pool", "Nope")
    a = cage_audit.start_audit(qm_ctx, "location", "shelf b")
    assert a.scope_label == "shelf b"
    assert cage_audit.scan(qm_ctx, a.id, "HPD-6").kind == "found"  # seen where audited
    out = cage_audit.scan(qm_ctx, a.id, "HPD-1")
    assert out.kind == "unexpected" and "kept at Shelf A" in out.message
    lists = cage_audit.audit_lists(qm_ctx, a.id)
    assert tags(lists.expected) == ["HPD-5", "HPD-6"] and tags(lists.missing) == ["HPD-5"]
    assert tags(lists.wrong_place) == ["HPD-1"]

    pool = assignments.create_pool(sup_ctx, "Patrol")
    unit = inventory.unit_detail(sup_ctx, "HPD-2")
    assignments.put_in_pool(sup_ctx, [unit.id], pool.id)
    p = cage_audit.start_audit(qm_ctx, "pool", pool.id)
    assert p.scope_label == "Patrol"
    assert cage_audit.scan(qm_ctx, p.id, "HPD-1").kind == "unexpected"
    lists = cage_audit.audit_lists(qm_ctx, p.id)
    assert tags(lists.expected) == ["HPD-2"] and tags(lists.missing) == ["HPD-2"]


def test_an_unknown_code_or_a_badge_is_refused_and_writes_nothing(cage, qm_ctx):
    a = cage_audit.start_audit(qm_ctx, "all")
    before = verify.chain_heads(qm_ctx)
    with pytest.raises(NotFoundError, match="No camera has the asset tag or serial 'nope-9'"):
        cage_audit.scan(qm_ctx, a.id, "nope-9")
    with pytest.raises(ValidationError, match="ID badge of Smith, John \\(0412\\), not a camera"):
        cage_audit.scan(qm_ctx, a.id, "0412")
    with pytest.raises(ValidationError, match="Scan a camera"):
        cage_audit.scan(qm_ctx, a.id, "   ")
    assert cage_audit.audit_lists(qm_ctx, a.id).found == ()
    assert verify.chain_heads(qm_ctx) == before


def test_a_second_scan_of_a_camera_is_harmless(cage, qm_ctx, sup_ctx):
    a = cage_audit.start_audit(qm_ctx, "all")
    cage_audit.scan(qm_ctx, a.id, "HPD-1", "Shelf A")
    again = cage_audit.scan(sup_ctx, a.id, "HPD-1", "Shelf B")
    assert again.kind == "already" and "already counted (scan by quinn)" in again.message
    lists = cage_audit.audit_lists(qm_ctx, a.id)
    assert tags(lists.found) == ["HPD-1"] and lists.found[0].seen_location == "Shelf A"
    assert lists.wrong_place == ()


def _dock_reports(ctx: Ctx, clock, *serials: str) -> None:
    dock_registry.add_dock(ctx, "DOCK-A", 8, "Shelf A")
    board = DockBoard(clock)
    present = frozenset({"battery", "charging", "upload", "updating", "error"})
    board.on_message("peer", Hello("DOCK-A", 8))
    for n, serial in enumerate(serials, start=1):
        board.on_message(
            "peer", BayReport("DOCK-A", n, serial, 90, True, None, False, None, clock(), present)
        )
    docks.apply_changes(ctx.as_actor(None), board.take_changes())


def test_cameras_a_dock_reports_count_as_found_until_it_goes_offline(cage, qm_ctx, clock):
    a = cage_audit.start_audit(qm_ctx, "all")
    _dock_reports(cage, clock, "S-2", "S-6")
    lists = cage_audit.audit_lists(qm_ctx, a.id)
    assert tags(lists.found) == ["HPD-2", "HPD-6"]
    docked = lists.found[1]
    assert (docked.source, docked.code, docked.seen_location) == ("dock", "DOCK-A bay 2", "Shelf A")
    assert tags(lists.wrong_place) == ["HPD-6"]  # kept on shelf B, docked on shelf A
    clock.advance(minutes=5)  # the dock stopped reporting: its bays are unknown
    missing = cage_audit.audit_lists(qm_ctx, a.id).missing
    assert tags(missing) == ["HPD-1", "HPD-2", "HPD-5", "HPD-6"]


def test_an_audit_survives_a_restart_halfway(cage, qm_ctx, db_url):
    a = cage_audit.start_audit(qm_ctx, "all")
    cage_audit.scan(qm_ctx, a.id, "HPD-1", "Shelf A")
    qm_ctx.db.dispose()
    reopened = Database(db_url)  # the app started again on the same database
    try:
        ctx = Ctx(reopened, qm_ctx.station, qm_ctx.actor, qm_ctx.clock, qm_ctx.zone)
        assert [x.id for x in cage_audit.open_audits(ctx)] == [a.id]
        assert tags(cage_audit.audit_lists(ctx, a.id).found) == ["HPD-1"]
        assert cage_audit.scan(ctx, a.id, "HPD-1").kind == "already"
        cage_audit.scan(ctx, a.id, "HPD-2", "Shelf A")
        assert tags(cage_audit.finish_audit(ctx, a.id).found) == ["HPD-1", "HPD-2"]
    finally:
        reopened.dispose()


def test_finishing_writes_the_report_the_records_and_the_cases(cage, qm_ctx, clock, tmp_path):
    a = cage_audit.start_audit(qm_ctx, "all")
    cage_audit.scan(qm_ctx, a.id, "HPD-1", "Shelf A")
    cage_audit.scan(qm_ctx, a.id, "HPD-3", "Shelf A")
    clock.advance(minutes=20)
    _dock_reports(cage, clock, "S-5")
    h = verify.chain_heads(qm_ctx)
    heads = heads_footer((h.custody_seq, h.custody_hash), (h.audit_seq, h.audit_hash))
    done = cage_audit.finish_audit(qm_ctx, a.id)
    assert done.audit.state == "finished" and done.audit.finished_by == "quinn"
    assert done.counts() == {
        "expected": 4,
        "found": 2,
        "missing": 2,
        "unexpected": 1,
        "wrong place": 1,
    }  # HPD-5: kept on shelf B, docked on shelf A
    assert done.heads == heads
    # the dock's camera is now a record of the audit, even after the dock goes quiet
    clock.advance(hours=1)
    assert cage_audit.audit_lists(qm_ctx, a.id) == done
    assert cage_audit.open_audits(qm_ctx) == []
    finished = [r for r in audit.list_audit(cage) if r.event == AuditEvent.CAGE_AUDIT_FINISHED]
    assert len(finished) == 1 and finished[0].staff_username == "quinn"
    assert finished[0].details["counts"]["missing"] == 2
    assert finished[0].details["missing"] == ["HPD-2", "HPD-6"]
    digest = finished[0].details["report_sha256"]
    assert digest == done.audit.report_sha256

    cases = cage_audit_cases.open_cases(qm_ctx)
    assert [(c.asset_tag, c.opened_by, c.audit_id) for c in cases] == [
        ("HPD-2", "quinn", a.id),
        ("HPD-6", "quinn", a.id),
    ]

    cage_audit.export_report(qm_ctx, a.id, tmp_path / "audit.csv", tmp_path / "audit.pdf")
    data = (tmp_path / "audit.csv").read_bytes()
    assert hashlib.sha256(data).hexdigest() == digest
    text_ = data.decode("utf-8-sig")
    assert "missing,HPD-2" in text_ and "found,HPD-5" in text_ and ",dock," in text_
    assert tmp_path.joinpath("audit.pdf").read_bytes().startswith(b"%PDF")
    exports = [r for r in audit.list_audit(cage) if r.event == AuditEvent.EXPORT]
    assert exports[0].details["report_sha256"] == digest
    with pytest.raises(DomainError, match="finished by quinn"):
        cage_audit.scan(qm_ctx, a.id, "HPD-2")


def test_a_report_cell_cannot_run_as_a_formula(cage, qm_ctx, admin_ctx, tmp_path):
    unit = inventory.unit_detail(admin_ctx, "HPD-1")
    unit_location.set_location(admin_ctx, unit.id, '=HYPERLINK("x")')
    a = cage_audit.start_audit(qm_ctx, "all")
    cage_audit.scan(qm_ctx, a.id, "HPD-1", "Shelf A")
    cage_audit.finish_audit(qm_ctx, a.id)
    cage_audit.export_report(qm_ctx, a.id, tmp_path / "a.csv", tmp_path / "a.pdf")
    assert "'=HYPERLINK" in (tmp_path / "a.csv").read_text(encoding="utf-8-sig")


def test_a_case_resolved_as_found_sets_the_location_with_a_custody_record(cage, qm_ctx, sup_ctx):
    a = cage_audit.start_audit(qm_ctx, "all")
    cage_audit.finish_audit(qm_ctx, a.id)
    case = next(c for c in cage_audit_cases.open_cases(sup_ctx) if c.asset_tag == "HPD-2")
    with pytest.raises(PermissionDenied):
        cage_audit_cases.resolve_found(qm_ctx, case.id, "Shelf C")
    with pytest.raises(ValidationError, match="Say where"):
        cage_audit_cases.resolve_found(sup_ctx, case.id, "  ")
    done = cage_audit_cases.resolve_found(sup_ctx, case.id, "Shelf C", "behind the charger")
    assert (done.outcome, done.found_location, done.resolved_by) == ("found", "Shelf C", "sam")
    unit = inventory.unit_detail(sup_ctx, "HPD-2")
    event = inventory.unit_history(sup_ctx, unit.id)[0]
    assert event.kind is EventKind.RELOCATED and event.staff_username == "sam"
    assert event.details["to"] == "Shelf C" and event.details["case_id"] == case.id
    assert case.id not in [c.id for c in cage_audit_cases.open_cases(sup_ctx)]
    with pytest.raises(DomainError, match="already resolved by sam"):
        cage_audit_cases.resolve_lost(sup_ctx, case.id, "R-1")


def test_a_case_resolved_as_lost_marks_the_camera_lost(cage, qm_ctx, sup_ctx):
    a = cage_audit.start_audit(qm_ctx, "all")
    cage_audit.finish_audit(qm_ctx, a.id)
    case = next(c for c in cage_audit_cases.open_cases(sup_ctx) if c.asset_tag == "HPD-6")
    with pytest.raises(ValidationError, match="report's number"):
        cage_audit_cases.resolve_lost(sup_ctx, case.id, " ")
    done = cage_audit_cases.resolve_lost(sup_ctx, case.id, "2026-114-0032")
    assert (done.outcome, done.report_number) == ("lost", "2026-114-0032")
    unit = inventory.unit_detail(sup_ctx, "HPD-6")
    assert unit.status.value == "lost"
    event = inventory.unit_history(sup_ctx, unit.id)[0]
    assert event.kind is EventKind.MARKED_LOST and event.staff_username == "sam"
    assert "report 2026-114-0032" in event.reason
    resolved = [r for r in audit.list_audit(cage) if r.event == AuditEvent.CAGE_CASE_RESOLVED]
    assert resolved[0].details["report_number"] == "2026-114-0032"


def test_who_may_audit(cage, auditor_ctx, qm_ctx):
    with pytest.raises(PermissionDenied, match="may run a cage audit"):
        cage_audit.start_audit(auditor_ctx, "all")
    a = cage_audit.start_audit(qm_ctx, "all")
    assert cage_audit.audit_lists(auditor_ctx, a.id).audit.id == a.id  # reading is for all


def test_one_open_audit_per_scope(cage, qm_ctx, sup_ctx):
    a = cage_audit.start_audit(qm_ctx, "location", "Shelf A")
    with pytest.raises(DomainError, match="already open \\(started by quinn"):
        cage_audit.start_audit(sup_ctx, "location", "SHELF  a")
    cage_audit.start_audit(sup_ctx, "location", "Shelf B")  # another scope: fine
    with pytest.raises(Exception, match=r"(?i)unique"), qm_ctx.db.write() as s:
        s.execute(
            text(
                "INSERT INTO cage_audits (scope, scope_key, scope_label, state, started_by, "
                "station, started_at) VALUES ('location', 'shelf a', 'x', 'open', 'x', 'x', "
                ":at)"
            ),
            {"at": datetime(2026, 1, 1, tzinfo=UTC)},
        )
    cage_audit.finish_audit(qm_ctx, a.id)
    assert cage_audit.start_audit(qm_ctx, "location", "Shelf A").state == "open"


def _refused(ctx: Ctx, sql: str, **params: object) -> None:
    with pytest.raises(Exception, match=r"(?i)is a record|append-only"), ctx.db.write() as s:
        s.execute(text(sql), params)


def test_the_database_refuses_edits_and_deletes_of_the_records(cage, qm_ctx, sup_ctx):
    a = cage_audit.start_audit(qm_ctx, "all")
    cage_audit.scan(qm_ctx, a.id, "HPD-1", "Shelf A")
    _refused(qm_ctx, "UPDATE cage_audit_scans SET location = 'elsewhere'")
    _refused(qm_ctx, "DELETE FROM cage_audit_scans")
    _refused(qm_ctx, "UPDATE cage_audits SET started_by = 'someone'")
    _refused(qm_ctx, "DELETE FROM cage_audits")
    cage_audit.finish_audit(qm_ctx, a.id)
    _refused(qm_ctx, "UPDATE cage_audits SET report = '{}'")
    _refused(qm_ctx, "UPDATE cage_audits SET state = 'open', finished_at = NULL")
    case = cage_audit_cases.open_cases(sup_ctx)[0]
    _refused(qm_ctx, "DELETE FROM cage_audit_cases")
    _refused(qm_ctx, "UPDATE cage_audit_cases SET unit_id = 1")
    # resolved without saying how
    with pytest.raises(Exception, match=r"(?i)check|constraint"), qm_ctx.db.write() as s:
        s.execute(
            text(
                "UPDATE cage_audit_cases SET resolved_at = opened_at, "
                "resolved_by = 'x' WHERE id = :id"
            ),
            {"id": case.id},
        )
    cage_audit_cases.resolve_lost(sup_ctx, case.id, "R-7")
    _refused(qm_ctx, "UPDATE cage_audit_cases SET report_number = 'R-8'")
    lists = cage_audit.audit_lists(qm_ctx, a.id)
    assert json.loads(lists.to_json())["audit"]["finished_by"] == "quinn"


def test_the_report_pdf_has_both_ledger_heads_on_every_page(cage, qm_ctx, tmp_path):
    import unicodedata

    import pypdf

    for i in range(7, 130):  # enough cameras for several pages
        inventory.add_unit(cage, UnitInput(f"HPD-{i}", f"S-{i}"))
    a = cage_audit.start_audit(qm_ctx, "all")
    cage_audit.scan(qm_ctx, a.id, "HPD-1", "Shelf A")
    h = verify.chain_heads(qm_ctx)
    heads = heads_footer((h.custody_seq, h.custody_hash), (h.audit_seq, h.audit_hash))
    cage_audit.finish_audit(qm_ctx, a.id)
    cage_audit.export_report(qm_ctx, a.id, tmp_path / "a.csv", tmp_path / "a.pdf")
    pages = [
        " ".join(unicodedata.normalize("NFKC", p.extract_text()).split())
        for p in pypdf.PdfReader(tmp_path / "a.pdf").pages
    ]
    assert len(pages) >= 2
    assert "Cage audit" in pages[0] and "by quinn at DESK-1" in pages[0]
    assert "Counts: 127 expected, 1 found, 126 missing" in pages[0]
    for page in pages:
        assert heads in page


def test_cameras_found_in_the_wrong_place_can_be_kept_where_they_were_seen(cage, qm_ctx, sup_ctx):
    a = cage_audit.start_audit(qm_ctx, "all")
    cage_audit.scan(qm_ctx, a.id, "HPD-5", "Shelf A")
    cage_audit.scan(qm_ctx, a.id, "HPD-1", "Shelf A")
    moves = [(x.unit_id, x.seen_location) for x in cage_audit.audit_lists(qm_ctx, a.id).found]
    with pytest.raises(PermissionDenied):
        unit_location.set_locations(qm_ctx, moves)
    assert unit_location.set_locations(sup_ctx, moves, "cage audit") == 1  # HPD-1 was there
    assert cage_audit.audit_lists(qm_ctx, a.id).wrong_place == ()
    unit = inventory.unit_detail(sup_ctx, "HPD-5")
    event = inventory.unit_history(sup_ctx, unit.id)[0]
    assert event.kind is EventKind.RELOCATED and event.details == {"from": "Shelf B",
                                                                   "to": "Shelf A"}
    assert unit_location.known_locations(qm_ctx) == ["Shelf A", "Shelf B"]


def test_a_lost_camera_found_in_an_audit_alerts_the_supervisor(cage, qm_ctx, sup_ctx):
    inventory.mark_lost(sup_ctx, "HPD-6", "not returned")
    a = cage_audit.start_audit(qm_ctx, "all")
    out = cage_audit.scan(qm_ctx, a.id, "HPD-6", "Shelf B")
    assert out.kind == "unexpected" and "recorded as lost; tell a supervisor" in out.message
    alerts = counter.counter_alerts(sup_ctx)
    assert len(alerts) == 1 and "HPD-6" in alerts[0].text


def test_no_report_file_appears_without_its_export_record(cage, qm_ctx, tmp_path, monkeypatch):
    from bwc_desk.domain.errors import UnavailableError

    a = cage_audit.start_audit(qm_ctx, "all")
    cage_audit.finish_audit(qm_ctx, a.id)
    folder = tmp_path / "out"
    folder.mkdir()
    real_write = audit.write

    def refuse(session, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("event") == "export":
            raise UnavailableError("The database went away.")
        return real_write(session, **kwargs)

    monkeypatch.setattr(audit, "write", refuse)
    with pytest.raises(UnavailableError):
        cage_audit.export_report(qm_ctx, a.id, folder / "r.csv", folder / "r.pdf")
    assert list(folder.iterdir()) == []
    monkeypatch.setattr(audit, "write", real_write)
    cage_audit.export_report(qm_ctx, a.id, folder / "r.csv", folder / "r.pdf")
    assert sorted(p.name for p in folder.iterdir()) == ["r.csv", "r.pdf"]
    record = next(r for r in audit.list_audit(cage, event="export"))
    assert record.details["sha256"] == hashlib.sha256((folder / "r.csv").read_bytes()).hexdigest()
    assert record.details["pdf_sha256"] == hashlib.sha256(
        (folder / "r.pdf").read_bytes()).hexdigest()

"""The Audit view the way a quartermaster uses it: start an audit, scan cameras with the
scanner (keystrokes and Enter, in the scan field or wherever the focus is), watch the lists
fill, finish after a confirmation that shows the counts, export the report; a supervisor
resolves a missing camera's case. And the view's two models through qtmodeltester."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from bwc_desk.domain.roles import Role
from bwc_desk.services import cage_audit, cage_audit_cases, inventory, unit_location
from bwc_desk.services.cage_audit_report import AuditLine, CaseRow
from bwc_desk.services.inventory import UnitInput
from bwc_desk.ui.feedback import Sound
from bwc_desk.ui.models.audit_list_models import AuditLineModel, CaseTableModel
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.audit_dialogs import ResolveCaseDialog, StartAuditDialog
from bwc_desk.ui.views.audit_tab import AuditTab
from tests.conftest import activate, answer, make_actor
from tests.test_ui_models_all import cell, colour, column_texts, view_of

T0 = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)


@pytest.fixture
def view(qtbot, admin_ctx):
    for i in range(1, 5):
        unit = inventory.add_unit(admin_ctx, UnitInput(f"HPD-{i}", f"S-{i}"))
        unit_location.set_location(admin_ctx, unit.id, "Shelf A")
    qm = make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    state = AppState(qm)
    tab = AuditTab(state)
    tab.feedback.enabled = False
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    activate(qtbot, tab)  # the keyboard focus is in the view, as at the counter PC
    qtbot.waitUntil(lambda: tab._loaded, timeout=10_000)
    yield tab, qm
    state.runner.shutdown()


def rows(tab: AuditTab, name: str) -> list[str]:
    return column_texts(tab.models[name], AuditLineModel.COL_TAG)


def scan(qtbot, tab: AuditTab, code: str, widget=None) -> None:
    """What a USB scanner does: types the code fast, presses Enter."""
    target = widget or tab.scan_edit
    with qtbot.waitSignal(tab.state.changed, timeout=10_000, raising=False):
        qtbot.keyClicks(target, code)
        qtbot.keyClick(target, Qt.Key.Key_Return)


def start_all(qtbot, tab: AuditTab) -> None:
    def choose(dialog: StartAuditDialog) -> None:
        dialog.scope_box.setCurrentIndex(0)  # all cameras
        dialog.ok_button.click()

    answer(qtbot, choose, StartAuditDialog)
    tab.start_button.click()
    qtbot.waitUntil(lambda: tab.current is not None and tab.scan_edit.isEnabled(), timeout=10_000)
    qtbot.waitUntil(lambda: len(rows(tab, "missing")) == 4, timeout=10_000)
    activate(qtbot, tab)  # back from the dialog


def test_scans_fill_the_lists_and_finishing_shows_the_counts(qtbot, view, tmp_path):
    tab, _qm = view
    assert not tab.scan_edit.isEnabled() and not tab.finish_button.isEnabled()
    start_all(qtbot, tab)
    assert rows(tab, "expected") == ["HPD-1", "HPD-2", "HPD-3", "HPD-4"]
    tab.where_edit.setText("Shelf A")
    tab.scan_edit.setFocus()
    scan(qtbot, tab, "HPD-1")
    qtbot.waitUntil(lambda: rows(tab, "found") == ["HPD-1"], timeout=10_000)
    assert rows(tab, "missing") == ["HPD-2", "HPD-3", "HPD-4"]
    assert "HPD-1 found" in tab.banner.text()
    assert tab.list_tabs.tabText(1) == "Found (1)"

    # a scan while the focus is in the location field: a scan all the same, the field kept
    tab.where_edit.setFocus()
    ticks = iter(range(1_000_000))
    tab.scanner.burst.clock = lambda: next(ticks) / 1000  # scanner speed, however busy the PC
    scan(qtbot, tab, "hpd-2", tab.where_edit)
    qtbot.waitUntil(lambda: rows(tab, "found") == ["HPD-1", "HPD-2"], timeout=10_000)
    assert tab.where_edit.text() == "Shelf A"

    # a second scan is harmless; an unknown code is refused in red, nothing written
    tab.scan_edit.setFocus()
    scan(qtbot, tab, "HPD-1")
    qtbot.waitUntil(lambda: "already counted" in tab.banner.text(), timeout=10_000)
    qtbot.keyClicks(tab.scan_edit, "NOPE-1")
    qtbot.keyClick(tab.scan_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "No camera has" in tab.banner.text(), timeout=10_000)
    assert "#b91c1c" in tab.banner.styleSheet()
    assert tab.feedback.played[:3] == [Sound.OK, Sound.OK, Sound.OK]
    assert tab.feedback.played[-1] is Sound.ERROR
    assert rows(tab, "found") == ["HPD-1", "HPD-2"] and rows(tab, "unexpected") == []

    asked: list[str] = []

    def confirm(box: QMessageBox) -> None:
        asked.append(box.text())
        box.button(QMessageBox.StandardButton.Yes).click()

    answer(qtbot, confirm, QMessageBox)
    asked_where: list[str] = []
    tab.ask_path = lambda _parent, _title, name, _filters: (
        asked_where.append(name) or str(tmp_path / name))
    tab.finish_button.click()
    qtbot.waitUntil(
        lambda: tab.current is not None and tab.current.state == "finished", timeout=10_000
    )
    assert "4 expected\n2 found\n2 missing" in asked[0] and "HPD-3, HPD-4" in asked[0]
    assert not tab.scan_edit.isEnabled() and tab.export_button.isEnabled()
    qtbot.waitUntil(lambda: tab.case_model.rowCount() == 2, timeout=10_000)
    assert column_texts(tab.case_model, CaseTableModel.COL_TAG) == ["HPD-3", "HPD-4"]

    # finishing asks at once where to save the report, and writes it
    qtbot.waitUntil(lambda: "Report written" in tab.banner.text(), timeout=10_000)
    assert asked_where == [f"cage-audit-{tab.current.id}.csv"]
    csv_file = tmp_path / asked_where[0]
    assert csv_file.with_suffix(".pdf").exists()
    assert "missing,HPD-3" in csv_file.read_text(encoding="utf-8-sig")
    tab.export_to(tmp_path / "again.csv")  # Export report... later: the same bytes
    qtbot.waitUntil(lambda: (tmp_path / "again.csv").exists(), timeout=10_000)
    assert (tmp_path / "again.csv").read_bytes() == csv_file.read_bytes()


def test_an_open_audit_is_picked_up_by_a_new_view(qtbot, view):
    """After a restart the open audit is there, with what was scanned before."""
    _tab, qm = view
    a = cage_audit.start_audit(qm, "all")
    cage_audit.scan(qm, a.id, "HPD-2", "Shelf A")
    fresh = AuditTab(AppState(qm))
    qtbot.addWidget(fresh)
    fresh.show()
    qtbot.waitUntil(lambda: rows(fresh, "found") == ["HPD-2"], timeout=10_000)
    assert fresh.current is not None and fresh.current.id == a.id
    assert fresh.scan_edit.isEnabled()
    fresh.state.runner.shutdown()


def test_a_supervisor_resolves_a_case_as_lost(qtbot, admin_ctx, view):
    _tab, qm = view
    a = cage_audit.start_audit(qm, "all")
    cage_audit.finish_audit(qm, a.id)
    sup = make_actor(admin_ctx, Role.SUPERVISOR, "sam")
    state = AppState(sup)
    sup_tab = AuditTab(state)
    qtbot.addWidget(sup_tab)
    sup_tab.show()
    qtbot.waitUntil(lambda: sup_tab.case_model.rowCount() == 4, timeout=10_000)
    case = sup_tab.case_model.row_at(0)

    def lost(dialog: ResolveCaseDialog) -> None:
        dialog.lost_radio.setChecked(True)
        dialog.ok_button.click()  # no report number: refused in the dialog
        qtbot.waitUntil(lambda: "report's number" in dialog.error_label.text(), timeout=10_000)
        dialog.report_edit.setText("2026-114-0032")
        dialog.ok_button.click()

    answer(qtbot, lost, ResolveCaseDialog)
    sup_tab.resolve(case)
    qtbot.waitUntil(lambda: sup_tab.case_model.rowCount() == 3, timeout=10_000)
    assert "marked lost (report 2026-114-0032)" in sup_tab.banner.text()
    assert inventory.unit_detail(sup, case.asset_tag).status.value == "lost"
    assert cage_audit_cases.open_cases(sup)[0].asset_tag != case.asset_tag
    state.runner.shutdown()


def _line(tag: str, **kw) -> AuditLine:
    base = dict(
        unit_id=int(tag[-1]),
        asset_tag=tag,
        serial=f"S-{tag[-1]}",
        model="Body 4",
        status="available",
        recorded_location="Shelf A",
    )
    return AuditLine(**{**base, **kw})


def test_audit_line_model_shows_where_and_how_each_camera_was_seen(qtbot, qtmodeltester):
    model = AuditLineModel()
    table = view_of(qtbot, qtmodeltester, model)
    model.set_rows(
        AuditLineModel.prepare(
            [
                _line("HPD-2", seen_location="Shelf B", source="scan", seen_by="quinn", seen_at=T0),
                _line("HPD-1", source="dock", code="DOCK-A bay 3", seen_by="dock-feed", seen_at=T0),
                _line("HPD-3", status="issued", note="issued to Smith, John (0412)"),
            ]
        )
    )
    col = AuditLineModel
    assert cell(model, 0, col.COL_SEEN) == "Shelf B" and cell(model, 0, col.COL_HOW) == "Scanned"
    assert cell(model, 1, col.COL_SEEN) == "DOCK-A bay 3" and cell(model, 1, col.COL_HOW) == "Dock"
    assert cell(model, 1, col.COL_TAG, Qt.ItemDataRole.ToolTipRole) == "DOCK-A bay 3"
    assert colour(model, 2, col.COL_TAG) == "#991b1b" and colour(model, 0, col.COL_TAG) is None
    assert cell(model, 2, col.COL_NOTE) == "issued to Smith, John (0412)"
    table.table.sortByColumn(col.COL_TAG, Qt.SortOrder.AscendingOrder)
    assert column_texts(table.proxy, col.COL_TAG) == ["HPD-1", "HPD-2", "HPD-3"]
    table.filter_edit.setText("smith")
    table.apply_filter()
    assert column_texts(table.proxy, col.COL_TAG) == ["HPD-3"]
    qtmodeltester.check(model)


def test_case_model_says_how_each_case_ended(qtbot, qtmodeltester):
    model = CaseTableModel()
    view_of(qtbot, qtmodeltester, model)
    base = dict(
        audit_id=1,
        audit_label="#1 All cameras",
        serial="S",
        location="Shelf A",
        opened_at=T0,
        opened_by="quinn",
    )
    model.set_rows(
        CaseTableModel.prepare(
            [
                CaseRow(id=1, unit_id=1, asset_tag="HPD-1", **base),
                CaseRow(
                    id=2,
                    unit_id=2,
                    asset_tag="HPD-2",
                    resolved_at=T0,
                    resolved_by="sam",
                    outcome="found",
                    found_location="Shelf C",
                    **base,
                ),
                CaseRow(
                    id=3,
                    unit_id=3,
                    asset_tag="HPD-3",
                    resolved_at=T0,
                    resolved_by="sam",
                    outcome="lost",
                    report_number="R-7",
                    **base,
                ),
            ]
        )
    )
    assert column_texts(model, CaseTableModel.COL_OUTCOME) == [
        "Open",
        "Found at Shelf C (sam)",
        "Lost, report R-7 (sam)",
    ]
    assert cell(model, 0, CaseTableModel.COL_AUDIT) == "#1 All cameras"
    qtmodeltester.check(model)


def test_a_supervisor_keeps_cameras_where_they_were_seen(qtbot, admin_ctx, view):
    _tab, qm = view
    a = cage_audit.start_audit(qm, "all")
    cage_audit.scan(qm, a.id, "HPD-1", "Shelf B")
    sup = make_actor(admin_ctx, Role.SUPERVISOR, "sam")
    state = AppState(sup)
    tab = AuditTab(state)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitUntil(lambda: rows(tab, "wrong place") == ["HPD-1"], timeout=10_000)
    tab.list_tabs.setCurrentIndex(4)
    tab.tables["wrong place"].table.selectAll()
    tab.keep_button.click()
    qtbot.waitUntil(lambda: rows(tab, "wrong place") == [], timeout=10_000)
    assert "1 of 1 selected cameras now kept where seen" in tab.banner.text()
    assert cage_audit.audit_lists(sup, a.id).found[0].recorded_location == "Shelf B"
    state.runner.shutdown()


def test_a_camera_a_dock_reports_moves_to_found_when_the_dock_change_is_heard(
    qtbot, admin_ctx, clock, view
):
    from bwc_desk.services.changeset import ChangeSet
    from tests.test_services_cage_audit import _dock_reports

    tab, qm = view
    cage_audit.start_audit(qm, "all")
    tab.refresh()
    qtbot.waitUntil(lambda: len(rows(tab, "missing")) == 4, timeout=10_000)
    _dock_reports(admin_ctx, clock, "S-3")  # the dock feed writes through its own connection
    tab.state.changed.emit(ChangeSet.of({"docks"}, local=False))  # as the change watcher does
    qtbot.waitUntil(lambda: rows(tab, "found") == ["HPD-3"], timeout=10_000)
    assert cell(tab.models["found"], 0, AuditLineModel.COL_HOW) == "Dock"
    assert tab.list_tabs.tabText(2) == "Missing (3)"


def test_the_scan_field_takes_the_focus_once_an_audit_is_open(qtbot, view):
    """Found on screen: after Start, the focus stayed where it was (no scan field while no
    audit was open), so the first shelf scanned went nowhere."""
    from PySide6.QtWidgets import QApplication

    tab, _qm = view
    assert not tab.scan_edit.isEnabled()
    start_all(qtbot, tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tab.scan_edit, timeout=5_000)
    scan(qtbot, tab, "HPD-2", QApplication.focusWidget())
    qtbot.waitUntil(lambda: "HPD-2" in rows(tab, "found"), timeout=10_000)

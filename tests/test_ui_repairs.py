"""The Repairs view and the dock inspection form, driven the way a supervisor uses them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt

from bwc_desk.adapters.dockfeed.protocol import BayReport, Hello
from bwc_desk.services import dock_board, dock_registry, docks, inspections, inventory, repairs
from bwc_desk.services.dockfeed import DockBoard
from bwc_desk.services.inventory import UnitInput
from bwc_desk.ui.models.repair_models import RepairCaseModel
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views import repair_dialogs as rd
from bwc_desk.ui.views.dock_grid import DockWidget, tile_lines
from bwc_desk.ui.views.inspect import inspect_dock
from bwc_desk.ui.views.repairs_tab import RepairsTab
from tests.conftest import answer

TS = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)


@pytest.fixture
def tab(qtbot, admin_ctx):
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1", "Axon Body 3"))
    inventory.add_unit(admin_ctx, UnitInput("HPD-2", "S-2", "Axon Body 3"))
    state = AppState(admin_ctx)
    view = RepairsTab(state)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.ensure_loaded()
    yield view
    state.runner.shutdown()


def texts(view: RepairsTab, column: int) -> list[str]:
    proxy = view.table.proxy
    return [proxy.index(r, column).data() for r in range(proxy.rowCount())]


def select_first(qtbot, view: RepairsTab) -> None:
    qtbot.waitUntil(lambda: view.table.proxy.rowCount() > 0, timeout=10_000)
    view.table.table.selectRow(0)


def test_a_case_opened_sent_costed_and_back(qtbot, tab, admin_ctx):
    assert tab.model.rowCount() == 0 and not tab.case_buttons["Back"].isEnabled()

    def open_form(dialog):
        assert isinstance(dialog, rd.OpenCaseDialog)
        dialog.unit_edit.setText("hpd-1")
        dialog.symptom_edit.setText("will not power on")
        dialog.accept()

    answer(qtbot, open_form)
    qtbot.mouseClick(tab.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: texts(tab, RepairCaseModel.COL_TARGET) == ["HPD-1"], timeout=10_000)
    assert inventory.unit_detail(admin_ctx, "HPD-1").status == "in repair"
    select_first(qtbot, tab)
    assert tab.case_buttons["Send to vendor"].isEnabled()

    def refused_then_sent(dialog):
        assert isinstance(dialog, rd.SendToVendorDialog)
        dialog.vendor_edit.setText("Axon")
        dialog.accept()  # no RMA: refused inside the dialog
        qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=10_000)
        assert "RMA number" in dialog.error_label.text()
        dialog.rma_edit.setText("RMA-1")
        dialog.accept()

    answer(qtbot, refused_then_sent)
    qtbot.mouseClick(tab.case_buttons["Send to vendor"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: texts(tab, RepairCaseModel.COL_STATE) == ["at vendor"], timeout=10_000)
    assert texts(tab, RepairCaseModel.COL_RMA) == ["RMA-1"]
    select_first(qtbot, tab)

    def cost(dialog):
        dialog.cost_edit.setText("99.50")
        dialog.accept()

    answer(qtbot, cost, rd.CostDialog)
    qtbot.mouseClick(tab.case_buttons["Cost"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: texts(tab, RepairCaseModel.COL_COST) == ["USD 99.50"], timeout=10_000)
    select_first(qtbot, tab)
    answer(qtbot, lambda d: d.accept(), rd.BackDialog)
    with qtbot.waitSignal(tab.done, timeout=10_000) as said:
        qtbot.mouseClick(tab.case_buttons["Back"], Qt.MouseButton.LeftButton)
    assert "closed (back)" in said.args[0]
    qtbot.waitUntil(lambda: tab.model.rowCount() == 0, timeout=10_000)
    tab.closed_box.setChecked(True)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=10_000)
    assert texts(tab, RepairCaseModel.COL_STATE) == ["closed: back (function test due)"]


def test_a_supervisor_records_a_passing_function_test(qtbot, tab, admin_ctx):
    case = repairs.open_case(admin_ctx, "HPD-2", "no audio")
    repairs.mark_back(admin_ctx, case.id)
    tab.closed_box.setChecked(True)
    select_first(qtbot, tab)

    def test_form(dialog):
        assert dialog.unit_edit.text() == "HPD-2"
        tick_each_then_enter(dialog)

    answer(qtbot, test_form, rd.FunctionTestDialog)
    with qtbot.waitSignal(tab.done, timeout=10_000) as said:
        qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    assert said.args[0] == "HPD-2 passed its function test and may be issued."
    (case,) = repairs.list_cases(admin_ctx, open_only=False)
    assert not case.awaiting_test
    passed = repairs.case_events(admin_ctx, case.id)[-1]
    assert passed.kind == "function test passed"
    assert passed.details["checks"] == dict.fromkeys(
        ("powers_on", "records", "battery_indicator", "mount_and_lens"), True
    )


def press_enter(widget) -> None:
    from PySide6.QtTest import QTest

    QTest.keyClick(widget, Qt.Key.Key_Return)


def tick_each_then_enter(dialog) -> None:
    """The supervisor does the test at the bench: each check ticked by hand, then Enter."""
    for box in dialog.boxes.values():
        assert not box.isChecked()  # a test is done, not presumed
        box.click()
    press_enter(dialog)


def test_enter_alone_does_not_record_a_passing_function_test(qtbot, tab, admin_ctx):
    case = repairs.open_case(admin_ctx, "HPD-2", "no audio")
    repairs.mark_back(admin_ctx, case.id)
    tab.closed_box.setChecked(True)
    select_first(qtbot, tab)
    seen = {}

    def enter_alone(dialog):
        seen["ticked"] = [b.isChecked() for b in dialog.boxes.values()]
        press_enter(dialog)  # on the dialog, on the first check ...
        press_enter(dialog.unit_edit)  # ... and in the camera field (a scanner's Enter)
        dialog.boxes["powers_on"].click()
        dialog.boxes["records"].click()
        press_enter(dialog)  # two of four done: still not a pass
        seen["busy"], seen["open"] = dialog.busy, dialog.isVisible()
        seen["pass"] = dialog.pass_button.isEnabled()
        dialog.reject()

    answer(qtbot, enter_alone, rd.FunctionTestDialog)
    qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    assert seen == {"ticked": [False] * 4, "busy": False, "open": True, "pass": False}
    (row,) = repairs.list_cases(admin_ctx, open_only=False)
    assert row.awaiting_test
    assert [e.kind for e in repairs.case_events(admin_ctx, case.id)][-1] == "back"


def test_a_failed_check_at_the_bench_is_the_reason_as_at_the_counter(qtbot, tab, admin_ctx):
    """As at the counter, the checks left unticked say what failed: no typed reason needed.
    Record failure with every check ticked records nothing."""
    case = repairs.open_case(admin_ctx, "HPD-2", "no audio")
    repairs.mark_back(admin_ctx, case.id)
    tab.closed_box.setChecked(True)
    select_first(qtbot, tab)
    seen = {}

    def fail(dialog):
        for box in dialog.boxes.values():
            box.click()
        dialog.fail_button.click()  # every check ticked: nothing to record as failed
        seen["after_all_ticked"] = (dialog.isVisible(), dialog.busy)
        dialog.boxes["records"].click()  # it did not record
        assert not dialog.pass_button.isEnabled()
        dialog.fail_button.click()  # a deliberate act: Enter is not "Record failure"

    answer(qtbot, fail, rd.FunctionTestDialog)
    with qtbot.waitSignal(tab.done, timeout=10_000) as said:
        qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    assert seen["after_all_ticked"] == (True, False)
    assert "failed its function test; it is in repair" in said.args[0]
    assert inventory.unit_detail(admin_ctx, "HPD-2").status == "in repair"
    (new,) = repairs.list_cases(admin_ctx)
    assert new.symptom == "failed function test: does not record"


@pytest.fixture
def dock(admin_ctx, clock):
    dock_registry.add_dock(admin_ctx, "DOCK-A", 2)
    board = DockBoard(clock)
    for m in (
        Hello("DOCK-A", 2),
        *(
            BayReport("DOCK-A", n, None, None, None, None, None, None, TS, frozenset())
            for n in (1, 2)
        ),
    ):
        board.on_message("peer", m)
    docks.apply_changes(admin_ctx.as_actor(None), board.take_changes())


def test_every_inspection_line_starts_unanswered_and_must_be_answered(
    qtbot, tab, admin_ctx, dock
):
    """Nothing is presumed: a line is OK only when the supervisor says so (as the function
    test at the counter); Record inspection is refused, in words, until every line is
    answered, and nothing is recorded meanwhile."""
    seen: dict[str, object] = {}

    def inspect(dialog):
        assert isinstance(dialog, rd.InspectDialog)
        assert len(dialog.lines) == 5  # 3 dock lines + 2 bays
        assert not any(line.ok.isChecked() or line.failed.isChecked() for line in dialog.lines)
        assert not any(line.note.isEnabled() for line in dialog.lines)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # without looking
        seen["at_once"] = (dialog.error_label.text(), dialog.busy, dialog.isVisible())
        assert dialog.focusWidget() is dialog.lines[0].ok
        (bay2,) = [line for line in dialog.lines if line.bay == 2]
        for line in dialog.lines:
            if line is not bay2:
                qtbot.mouseClick(line.ok, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        seen["one_left"] = dialog.error_label.text()
        assert dialog.focusWidget() is bay2.ok and not dialog.busy
        qtbot.mouseClick(bay2.failed, Qt.MouseButton.LeftButton)
        assert bay2.note.isEnabled() and not bay2.ok.isChecked()
        qtbot.keyClicks(bay2.note, "cracked cradle")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    answer(qtbot, inspect)
    inspect_dock(tab, tab.state, ["DOCK-A"])
    qtbot.waitUntil(lambda: bool(repairs.list_out_of_service(admin_ctx)), timeout=10_000)
    said, busy, visible = seen["at_once"]
    assert said.startswith("Answer every line") and "OK or Defect" in said
    assert not busy and visible
    assert "Not yet: " in said and said.endswith("and 1 more.")  # (five lines: four named)
    assert "Not yet: bay 2: Contacts" in seen["one_left"] and "Power" not in seen["one_left"]
    (row,) = inspections.inspection_log(admin_ctx, TS.date(), TS.date().replace(year=2100))
    assert not row.passed and row.defects[0].startswith("Bay 2: ")
    assert row.defects[0].endswith("- cracked cradle")


def test_the_inspect_form_takes_a_bay_out_of_service(qtbot, tab, admin_ctx, dock, clock):
    def inspect(dialog):
        assert isinstance(dialog, rd.InspectDialog)
        bay2 = [line for line in dialog.lines if line.bay == 2]
        assert len(bay2) == 1 and len(dialog.lines) == 5  # 3 dock lines + 2 bays
        for line in dialog.lines:
            (line.failed if line.bay == 2 else line.ok).click()
        note = bay2[0].note
        assert note.isEnabled()
        dialog.accept()  # no note: refused, the focus on the note
        qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=10_000)
        assert "Say what is wrong: bay 2" in dialog.error_label.text()
        note.setText("bent pin")
        dialog.accept()

    answer(qtbot, inspect)
    inspect_dock(tab, tab.state, ["DOCK-A"])
    qtbot.waitUntil(lambda: bool(repairs.list_out_of_service(admin_ctx)), timeout=10_000)
    # The Repairs view shows the bay's case and what is out of service.
    qtbot.waitUntil(lambda: "DOCK-A bay 2" in tab.out_label.text(), timeout=10_000)
    assert texts(tab, RepairCaseModel.COL_TARGET) == ["DOCK-A bay 2"]
    # The Docks view's tile says so.
    row = dock_board.board(admin_ctx).docks[0]
    bay = row.bay_rows[1]
    assert tile_lines(bay, clock.now)[:2] == [
        "Bay 2: OUT OF SERVICE",
        "inspection: Contacts and lights of the bay - bent pin",
    ]
    widget = DockWidget(row)
    qtbot.addWidget(widget)
    widget.grab()  # paints without error

    # Back in service by a supervisor, with a reason.
    def back(dialog):
        dialog.reason_edit.setText("cleaned the contacts")
        dialog.accept()

    answer(qtbot, back, rd.BackInServiceDialog)
    tab.back_in_service()
    qtbot.waitUntil(lambda: not repairs.list_out_of_service(admin_ctx), timeout=10_000)


def test_the_checklist_editor_and_the_printed_log(qtbot, tab, admin_ctx, dock, tmp_path):
    def edit(dialog):
        assert isinstance(dialog, rd.ChecklistDialog)
        dialog.edit.setPlainText("dock: Power\nshelf: nonsense")
        dialog.accept()
        qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=10_000)
        assert "Line 2" in dialog.error_label.text()
        dialog.edit.setPlainText("dock: Power\nbay: Lights")
        dialog.accept()

    answer(qtbot, edit)
    with qtbot.waitSignal(tab.done, timeout=10_000) as said:
        tab.checklist_button.click()
    assert said.args[0] == "The dock checklist has 2 lines."
    with qtbot.waitSignal(tab.done, timeout=10_000) as said:
        tab.export_log(str(tmp_path / "log.pdf"), TS.date(), TS.date(), pdf=True)
    assert "0 inspections" in said.args[0] and (tmp_path / "log.pdf").exists()


def test_a_quartermaster_sees_the_cases_but_no_actions(qtbot, qm_ctx):
    state = AppState(qm_ctx)
    view = RepairsTab(state)
    qtbot.addWidget(view)
    view.show()
    assert not view.open_button.isVisible() and not view.case_buttons["Back"].isVisible()
    assert not view.checklist_button.isVisible()
    state.runner.shutdown()


def test_the_main_window_shows_the_repairs_view(qtbot, admin_ctx):
    from bwc_desk.ui.main_window import MainWindow

    repairs.open_case(
        admin_ctx, inventory.add_unit(admin_ctx, UnitInput("HPD-7", "S-7")).asset_tag, "no power"
    )
    state = AppState(admin_ctx)
    win = MainWindow(state, "Test PD")
    qtbot.addWidget(win)
    win.show()
    titles = [win.tabs.tabText(i) for i in range(win.tabs.count())]
    assert "Repairs" in titles
    win.view_actions[titles.index("Repairs")].trigger()  # Ctrl+6
    view = win.tabs.currentWidget()
    assert isinstance(view, RepairsTab)
    qtbot.waitUntil(lambda: texts(view, RepairCaseModel.COL_TARGET) == ["HPD-7"], timeout=10_000)
    state.runner.shutdown()

"""The Reports view as a supervisor uses it: pick, Run (on a worker), charts and tables,
export; and the purchase batch dialog."""

from __future__ import annotations

from datetime import date

import pypdf
import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QFileDialog

from bwc_desk.services import audit, batches, inventory
from bwc_desk.services.batches import BatchInput
from bwc_desk.services.inventory import UnitInput
from bwc_desk.ui.views.report_chart import ChartView
from bwc_desk.ui.views.reports_tab import ReportsTab


@pytest.fixture
def state(admin_ctx):
    from bwc_desk.ui.state import AppState

    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1", firmware="1.2.3"))
    inventory.add_unit(admin_ctx, UnitInput("HPD-2", "S-2"))
    batches.add_batch(admin_ctx, BatchInput("2019 lot", date(2019, 6, 1), 325, 89_900, 19_900))
    batches.assign_units(admin_ctx, "2019 lot", ["HPD-1"])
    state = AppState(admin_ctx)
    yield state
    state.runner.shutdown()


def test_run_a_report_see_charts_and_tables_and_export_it(qtbot, state, admin_ctx, tmp_path,
                                                          monkeypatch):
    tab = ReportsTab(state)
    qtbot.addWidget(tab)
    tab.show()
    tab.ensure_loaded()
    qtbot.waitUntil(lambda: tab.shift_box.count() == 4)  # all + Day, Evening, Night
    assert not tab.pdf_button.isEnabled()
    tab.report_box.setCurrentIndex(tab.report_box.findData("lifecycle"))
    assert not tab.shift_box.isEnabled()
    with qtbot.waitSignal(tab.report_shown, timeout=20_000) as shown:
        tab.run_button.click()
    result = shown.args[0]
    assert result.name == "lifecycle"
    charts = tab.charts.findChildren(ChartView)
    assert [c.chart.title for c in charts] == ["Cameras per batch", "Cameras in service by batch"]
    assert "2019 lot: 1" in charts[1].toolTip()
    assert not charts[0].grab().isNull()
    view = tab.table_views[0]
    assert sorted(view.proxy.index(r, 0).data() for r in range(view.proxy.rowCount())) == [
        "(no batch)", "2019 lot"]
    assert result.footer in tab.footer.text()
    assert audit.list_audit(admin_ctx)[0].event == "report produced"

    path = tmp_path / "life.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    with qtbot.waitSignal(tab.exported, timeout=20_000):
        tab.pdf_button.click()
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(path).pages)
    assert "Cameras per batch" in text and "2019 lot" in text
    # The report shown is written as it is, not computed again: one report, one export.
    events = [r.event for r in audit.list_audit(admin_ctx)]
    assert events[0] == "export" and events.count("report produced") == 1
    assert tab.status.text().startswith(f"Exported Lifecycle and cost ({result.period}) to ")
    assert result.footer in text


def test_compliance_for_one_shift_and_a_refusal_in_words(qtbot, state, admin_ctx):
    tab = ReportsTab(state)
    qtbot.addWidget(tab)
    tab.ensure_loaded()
    qtbot.waitUntil(lambda: tab.shift_box.count() == 4)
    tab.report_box.setCurrentIndex(tab.report_box.findData("compliance"))
    assert tab.shift_box.isEnabled()
    tab.shift_box.setCurrentIndex(tab.shift_box.findData("Night"))
    tab.from_edit.setDate(QDate(2026, 11, 20))
    tab.to_edit.setDate(QDate(2026, 11, 24))
    assert tab.request().shift == "Night"
    with qtbot.waitSignal(tab.report_shown, timeout=20_000) as shown:
        tab.run_button.click()
    assert shown.args[0].shift == "Night"
    tab.from_edit.setDate(QDate(2026, 11, 30))  # after the end
    tab.run_button.click()
    qtbot.waitUntil(lambda: tab.status.text().startswith("Not run:"), timeout=20_000)
    assert "swap the two dates (From and To" in tab.status.text()
    assert tab.run_button.isEnabled()
    # The report of the period before is gone: nothing to export under the new dates.
    assert tab.result is None and tab.tables.count() == 0
    assert not tab.csv_button.isEnabled() and not tab.pdf_button.isEnabled()


def test_the_batch_dialog_adds_a_batch(qtbot, state, admin_ctx):
    from bwc_desk.ui.dialogs.batch_dialog import BatchDialog

    dialog = BatchDialog(state)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.name_edit, "2021 lot")
    dialog.count_box.setValue(150)
    qtbot.keyClicks(dialog.unit_cost, "12.345")  # not an amount: said in the dialog
    dialog.ok_button.click()
    assert "not an amount" in dialog.error_label.text()
    dialog.unit_cost.setText("999.00")
    with qtbot.waitSignal(dialog.written, timeout=20_000):
        dialog.ok_button.click()
    rows = {b.name: b for b in batches.list_batches(admin_ctx)}
    assert rows["2021 lot"].count == 150 and rows["2021 lot"].unit_cost_cents == 99_900


@pytest.mark.parametrize(("role", "may_run", "may_add_batch"), [
    ("quartermaster", False, False),
    ("auditor", True, False),
    ("supervisor", True, True),
])
def test_each_role_sees_enabled_only_what_it_may_do(qtbot, state, admin_ctx, role, may_run,
                                                    may_add_batch):
    """Run is refused to a quartermaster (reports), a new purchase batch to an auditor (units):
    disabled, the tooltip says who may; back again when an administrator signs in."""
    from bwc_desk.domain.roles import Role
    from tests.conftest import make_actor

    admin = state.actor
    state.set_actor(make_actor(admin_ctx, Role(role), "someone").actor)
    tab = ReportsTab(state)
    qtbot.addWidget(tab)
    assert tab.run_button.isEnabled() is may_run
    assert tab.batch_button.isEnabled() is may_add_batch
    if not may_run:
        assert tab.run_button.toolTip() == "Only supervisor, admin or auditor may do this."
    if not may_add_batch:
        assert tab.batch_button.toolTip() == "Only supervisor or admin may do this."
    state.set_actor(admin)
    assert tab.run_button.isEnabled() and tab.batch_button.isEnabled()
    assert not tab.batch_button.toolTip().startswith("Only")


def lifecycle_shown(qtbot, state):
    """The Reports view with the lifecycle report run and shown."""
    tab = ReportsTab(state)
    qtbot.addWidget(tab)
    tab.show()
    tab.ensure_loaded()
    tab.report_box.setCurrentIndex(tab.report_box.findData("lifecycle"))
    with qtbot.waitSignal(tab.report_shown, timeout=20_000):
        tab.run_button.click()
    return tab


def test_an_export_refused_keeps_the_report_on_the_screen(qtbot, state, tmp_path, monkeypatch):
    """A tester's export to a folder it could not write threw the report away (44 s to run
    again) and said "Not run": the report stays, and the words say it was not exported."""
    tab = lifecycle_shown(qtbot, state)
    (tmp_path / "life.pdf.part").mkdir()  # (its place is taken: it cannot be written)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "life.pdf"), "")))
    tab.pdf_button.click()
    qtbot.waitUntil(lambda: "Not exported" in tab.status.text(), timeout=20_000)
    assert "Cannot write" in tab.status.text() and "Not run" not in tab.status.text()
    assert tab.result is not None and tab.table_views and tab.pdf_button.isEnabled()


def minutes_long(monkeypatch, name):
    """The report ``name`` made to run a statement that would take minutes first (so that
    Cancel has something to stop); returns the report's own kind."""
    from dataclasses import replace

    from sqlalchemy import text

    from bwc_desk.services.reports import REPORTS

    kind = REPORTS[name]

    def compute(session, p, settings, req):
        session.execute(text(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
            "LIMIT 3000000000) SELECT sum(x) FROM c"))
        return kind.compute(session, p, settings, req)

    monkeypatch.setitem(REPORTS, name, replace(kind, compute=compute))
    return kind


def test_a_long_report_says_how_long_and_cancel_stops_it_recording_nothing(
    qtbot, state, admin_ctx, monkeypatch
):
    """A tester's first report of a year at 25,000 cameras ran 44 s with "Computing..." and
    nothing else: the status counts the seconds, and Cancel stops the reads where they are
    (a statement that would run for minutes here), records nothing and gives Run back."""
    from bwc_desk.services.reports import REPORTS

    kind = minutes_long(monkeypatch, "lifecycle")
    tab = ReportsTab(state)
    qtbot.addWidget(tab)
    tab.show()
    tab.ensure_loaded()
    tab.report_box.setCurrentIndex(tab.report_box.findData("lifecycle"))
    before = len(audit.list_audit(admin_ctx))
    assert tab.cancel_button.isVisible() and not tab.cancel_button.isEnabled()
    tab.run_button.click()
    assert tab.cancel_button.isVisible() and tab.cancel_button.isEnabled()
    assert not tab.run_button.isEnabled()
    qtbot.waitUntil(lambda: " s. " in tab.status.text(), timeout=10_000)
    assert "Cancel stops it" in tab.status.text()
    tab.cancel_button.click()
    assert "Cancelling" in tab.status.text() and not tab.cancel_button.isEnabled()
    tab._tick()  # (the seconds go on counting: the words stay those of the cancel)
    assert tab.status.text().startswith("Cancelling the report...")
    qtbot.waitUntil(lambda: tab.status.text().startswith("Cancelled"), timeout=30_000)
    assert "nothing was recorded" in tab.status.text()
    assert not tab.cancel_button.isEnabled() and tab.run_button.isEnabled()
    assert tab.result is None and not tab.pdf_button.isEnabled()
    assert len(audit.list_audit(admin_ctx)) == before
    # Run again, uncancelled (the real report this time): it is made and recorded.
    monkeypatch.setitem(REPORTS, "lifecycle", kind)
    with qtbot.waitSignal(tab.report_shown, timeout=20_000):
        tab.run_button.click()
    assert audit.list_audit(admin_ctx)[0].event == "report produced"


def test_while_a_report_computes_the_one_shown_cannot_be_exported_and_a_cancel_keeps_it(
    qtbot, state, admin_ctx, monkeypatch
):
    """A tester pressed Export PDF while a year of utilization was computed: the compliance
    report still on the screen was filed, under a name that looked like the new one's.
    Export waits for the new report; a Cancel keeps the one shown (it cleared it) and says
    which it is. And a period the person set stays when another report is picked (it went
    back to 30 days, unseen)."""
    tab = lifecycle_shown(qtbot, state)
    shown = tab.result
    assert shown is not None and tab.pdf_button.isEnabled()
    minutes_long(monkeypatch, "utilization")
    tab.from_edit.setDate(QDate(2025, 12, 2))  # a year, typed by the person
    tab.report_box.setCurrentIndex(tab.report_box.findData("utilization"))
    assert tab.from_edit.date() == QDate(2025, 12, 2)
    tab.run_button.click()
    assert not tab.pdf_button.isEnabled() and not tab.csv_button.isEnabled()
    assert "being computed" in tab.pdf_button.toolTip()
    tab.cancel_button.click()
    qtbot.waitUntil(lambda: tab.status.text().startswith("Cancelled"), timeout=30_000)
    assert tab.result is shown and tab.pdf_button.isEnabled() and tab.table_views
    assert f"Still shown: {shown.title}, {shown.period}." in tab.status.text()


def test_another_person_signing_in_does_not_find_the_last_ones_report(qtbot, state, admin_ctx):
    """A reviewer: a report stayed on the screen (and exportable) for the next person to
    sign in after the lock. The same person finds it as they left it; another does not."""
    from bwc_desk.domain.roles import Role
    from tests.conftest import make_actor

    tab = lifecycle_shown(qtbot, state)
    state.set_actor(admin_ctx.actor)  # (the same person, back from the lock)
    assert tab.result is not None and tab.table_views
    state.set_actor(make_actor(admin_ctx, Role.SUPERVISOR, "sam.next").actor)
    assert tab.result is None and not tab.table_views and not tab.pdf_button.isEnabled()
    assert tab.status.text() == "Pick a report and a period, then Run."
    # A report the last person ran that ends after the next one signed in: not shown either.
    state.set_actor(admin_ctx.actor)
    with qtbot.waitSignal(tab.report_shown, timeout=20_000):
        tab.run_button.click()
    tab.run_button.click()
    state.set_actor(make_actor(admin_ctx, Role.SUPERVISOR, "sam.after").actor)
    qtbot.waitUntil(lambda: not tab._running, timeout=20_000)
    assert tab.result is None and not tab.table_views

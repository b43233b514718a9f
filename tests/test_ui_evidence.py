"""Export evidence... from the camera's detail panel and from the officer roster: a folder
and a date range, the export run on the bulk lane (an ExportOp), its summary shown."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt

from bwc_desk.services.evidence_check import verify_export
from bwc_desk.ui.dialogs.evidence_dialog import EvidenceDialog
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.unit_detail import UnitDetailPanel
from tests.conftest import answer
from tests.test_ui_assignments import click_row, desk  # noqa: F401  (the fixture)


def test_export_an_officers_evidence_from_the_roster(qtbot, desk, tmp_path):  # noqa: F811
    roster = desk["tab"].roster
    click_row(qtbot, roster.table, lambda o: o.badge == "1003")
    assert roster.evidence_button.isEnabled()
    target = tmp_path / "clark"

    def fill(dialog: EvidenceDialog) -> None:
        assert "officer Clark, Pat (1003)" in dialog.windowTitle()
        assert dialog.all_dates.isChecked() and not dialog.from_edit.isEnabled()
        # The folder's label: its & an Alt+F to the folder, not a character on the screen.
        from PySide6.QtWidgets import QLabel

        [label] = [w for w in dialog.findChildren(QLabel) if "Folder (new" in w.text()]
        assert label.buddy() is dialog.folder_edit
        dialog.folder_edit.setText(str(target))
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    answer(qtbot, fill, EvidenceDialog)
    qtbot.mouseClick(roster.evidence_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "custody records of officer 1003" in roster.message.text(),
                    timeout=10_000)
    assert verify_export(target).ok


def test_a_refused_export_stays_in_the_dialog_in_red(qtbot, desk, tmp_path):  # noqa: F811
    roster = desk["tab"].roster
    click_row(qtbot, roster.table, lambda o: o.badge == "1003")
    full = tmp_path / "full"
    full.mkdir()
    (full / "x.txt").write_text("x")
    seen: list[str] = []

    def fill(dialog: EvidenceDialog) -> None:
        dialog.folder_edit.setText(str(full))
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(dialog.error_label.text()), timeout=10_000)
        seen.append(dialog.error_label.text())
        dialog.reject()

    answer(qtbot, fill, EvidenceDialog)
    qtbot.mouseClick(roster.evidence_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    assert "not empty" in seen[0]


def test_quartermasters_may_not_export_evidence(qtbot, desk):  # noqa: F811
    roster = desk["tab"].roster
    desk["state"].set_actor(desk["qm"].actor)
    click_row(qtbot, roster.table, lambda o: o.badge == "1003")
    assert not roster.evidence_button.isEnabled()
    assert "Auditor" in roster.evidence_button.toolTip() or "auditor" in \
        roster.evidence_button.toolTip()


def test_export_a_cameras_evidence_for_a_date_range_from_its_panel(
        qtbot, desk, tmp_path):  # noqa: F811
    state: AppState = desk["state"]
    panel = UnitDetailPanel(state)
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(panel.history_loaded, timeout=10_000):
        panel.show_unit(desk["ids"]["HPD-BWC-0003"])
    assert panel.evidence_button.isEnabled()
    target = tmp_path / "cam"
    today = desk["clock"].now.astimezone(state.ctx.zone).date()

    def fill(dialog: EvidenceDialog) -> None:
        dialog.folder_edit.setText(str(target))
        dialog.all_dates.click()
        assert dialog.from_edit.isEnabled()
        dialog.from_edit.setDate(QDate(today.year, today.month, today.day))
        dialog.to_edit.setDate(QDate(today.year, today.month, today.day))
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    answer(qtbot, fill, EvidenceDialog)
    qtbot.mouseClick(panel.evidence_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "custody records of camera HPD-BWC-0003" in panel.note.text(),
                    timeout=10_000)
    assert verify_export(target).ok

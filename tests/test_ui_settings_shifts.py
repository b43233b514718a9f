"""Agency settings > Shifts: edited the way an administrator does, checked by the same rules
as the CSV file before the dialog closes."""

from __future__ import annotations

from datetime import time

from PySide6.QtWidgets import QDialog

from bwc_desk.services.settings import change_settings, get_settings, list_shifts
from bwc_desk.ui.dialogs.settings_dialog import SettingsDialog


def test_the_admin_edits_the_shifts_in_agency_settings(qtbot, admin_ctx):
    dialog = SettingsDialog(get_settings(admin_ctx))
    qtbot.addWidget(dialog)
    table = dialog.shift_table.table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == ["Day", "Evening",
                                                                          "Night"]
    assert dialog.changes() == {}
    # Ten-hour shifts: Day 06:00 for 10, Evening 14:00 for 10, Night 22:00 for 10.5.
    for row, (start, hours) in enumerate((("06:00", "10"), ("14:00", "10"), ("22:00", "13"))):
        table.item(row, 1).setText(start)
        table.item(row, 2).setText(hours)
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted and not dialog.shift_problem.isHidden()
    assert dialog.shift_problem.text() == "Row 3: hours '13': a shift lasts at most 12 hours"
    table.item(2, 2).setText("10.5")
    dialog.shift_table.add_button.click()
    table.item(3, 0).setText("Power")
    table.item(3, 1).setText("18:00")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    changes = dialog.changes()
    assert [(s.name, s.starts, s.hours_text()) for s in changes["shifts"]] == [
        ("Day", time(6), "10"), ("Evening", time(14), "10"), ("Power", time(18), "8"),
        ("Night", time(22), "10.5")]
    change_settings(admin_ctx, changes)
    assert [s.label() for s in list_shifts(admin_ctx)] == [
        "Day (06:00-16:00)", "Evening (14:00-00:00)", "Power (18:00-02:00)",
        "Night (22:00-08:30)"]


def test_removing_a_row_and_an_empty_table(qtbot, admin_ctx):
    dialog = SettingsDialog(get_settings(admin_ctx))
    qtbot.addWidget(dialog)
    table = dialog.shift_table.table
    table.selectRow(1)
    dialog.shift_table.remove_button.click()
    assert [s.name for s in dialog.changes()["shifts"]] == ["Day", "Night"]
    for _ in range(2):
        table.selectRow(0)
        dialog.shift_table.remove_button.click()
    dialog.accept()
    assert "at least one" in dialog.shift_problem.text()

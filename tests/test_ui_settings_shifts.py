"""Agency settings > Shifts: edited the way an administrator does, checked by the same rules
as the CSV file before the dialog closes."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from bwc_desk.services.settings import get_settings, list_shifts
from bwc_desk.ui.dialogs.settings_dialog import SettingsDialog
from bwc_desk.ui.state import AppState


def test_the_admin_edits_the_shifts_in_agency_settings(qtbot, admin_ctx):
    state = AppState(admin_ctx)
    dialog = SettingsDialog(state, get_settings(admin_ctx))
    qtbot.addWidget(dialog)
    dialog.show()
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
    changes = dialog.changes()
    assert [(s.name, s.starts, s.hours_text()) for s in changes["shifts"]] == [
        ("Day", time(6), "10"), ("Evening", time(14), "10"), ("Power", time(18), "8"),
        ("Night", time(22), "10.5")]
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.accept()  # Save: written by the service, then the dialog closes
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert [s.label() for s in list_shifts(admin_ctx)] == [
        "Day (06:00-16:00)", "Evening (14:00-00:00)", "Power (18:00-02:00)",
        "Night (22:00-08:30)"]


def test_removing_a_row_and_an_empty_table(qtbot, admin_ctx):
    dialog = SettingsDialog(AppState(admin_ctx), get_settings(admin_ctx))
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


def test_a_refused_change_stays_in_the_dialog_with_what_was_typed(qtbot, admin_ctx):
    from bwc_desk.services import officers
    from bwc_desk.services.officers import OfficerInput

    officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John", shift="Evening"))
    dialog = SettingsDialog(AppState(admin_ctx), get_settings(admin_ctx))
    qtbot.addWidget(dialog)
    dialog.show()
    table = dialog.shift_table.table
    table.selectRow(1)  # Evening, which Smith is on
    dialog.shift_table.remove_button.click()
    dialog.editors["undo_window_seconds"].setValue(30)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.ok_button.text() == "Saving..."
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Enter again while saving: one write
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=10_000)
    assert dialog.isVisible() and "Evening" in dialog.error_label.text()
    assert get_settings(admin_ctx).undo_window_seconds == 120  # nothing written
    assert dialog.editors["undo_window_seconds"].value() == 30  # what was typed stays
    assert [s.name for s in dialog.changes()["shifts"]] == ["Day", "Night"]


def test_every_problem_of_every_row_is_shown(qtbot, admin_ctx):
    """A row in error still counts for the rows after it; a row's problems are numbered."""
    dialog = SettingsDialog(AppState(admin_ctx), get_settings(admin_ctx))
    qtbot.addWidget(dialog)
    table = dialog.shift_table.table
    for row, cells in enumerate((("Day", "25:00", "8"), ("Day", "07:00", "8"),
                                 ("Night", "xx", "yy"))):
        for column, text in enumerate(cells):
            table.item(row, column).setText(text)
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.shift_problem.text().splitlines() == [
        "Row 1: start '25:00' is not a time of day; write it as HH:MM, e.g. 07:00",
        "Row 2: name Day is already on row 1 (each shift has its own name, whatever its "
        "case: correct one of the two rows)",
        "Row 3: (1) start 'xx' is not a time of day; write it as HH:MM, e.g. 07:00. "
        "(2) hours 'yy' is not a number of hours; write e.g. 8, 10 or 10.5.",
    ]
    assert [s.name for s in list_shifts(admin_ctx)] == ["Day", "Evening", "Night"]


def test_a_wrong_shift_is_said_where_save_is_and_scrolled_into_sight(qtbot, admin_ctx):
    """A tester set Night to 13 hours and pressed Save: nothing seemed to happen, the
    problem was under the table, below the fold of a screen-high form. It is said by Save
    too, and the form scrolls to the table's problem."""
    state = AppState(admin_ctx)
    dialog = SettingsDialog(state, get_settings(admin_ctx))
    qtbot.addWidget(dialog)
    dialog.resize(700, 420)  # (a small screen: the shifts are below the fold)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.shift_table.table.item(2, 2).setText("13")
    dialog.accept()
    assert dialog.error_label.isVisible()
    assert "Row 3: hours '13'" in dialog.error_label.text()
    scroll = dialog._scroll
    assert scroll is not None
    qtbot.waitUntil(lambda: dialog.shift_problem.visibleRegion().isEmpty() is False,
                    timeout=5000)
    dialog.shift_table.table.item(2, 2).setText("8")
    dialog.accept()
    assert not dialog.error_label.isVisible()

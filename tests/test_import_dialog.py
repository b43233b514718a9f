"""The CSV import dialog driven like an administrator: choose a file, read the preview, map
columns, import all or nothing, watch the progress bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication, QFileDialog

from bwc_desk.domain.roles import Role
from bwc_desk.services import inventory, officers
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.ui.dialogs.import_dialog import ImportDialog
from bwc_desk.ui.models.import_preview_model import ImportPreviewModel
from bwc_desk.ui.state import AppState
from tests.conftest import make_actor

HEADER = "asset_tag,serial,model,status,warranty_until\n"


def snapshot(ctx):
    units = tuple(
        (u.asset_tag, u.serial, u.model, u.status, u.warranty_until)
        for u in inventory.list_units(ctx)
    )
    return units, tuple(o.badge for o in officers.list_officers(ctx))


@pytest.fixture
def desk(qtbot, admin_ctx, tmp_path, monkeypatch):
    officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0001", "X60A0001", "Axon Body 3"))
    inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0002", "X60A0002", "Axon Body 3"))
    state = AppState(admin_ctx)
    changes: list[str] = []
    state.changed.connect(lambda change: changes.extend(sorted(change.topics)))
    sets: list[object] = []
    state.changed.connect(sets.append)
    dialog = ImportDialog(state)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    chosen: list[Path] = []
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(chosen[-1]), ""))
    )

    def choose(text: str, name: str = "units.csv") -> Path:
        """Write the file, then pick it with the Choose file... button."""
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        chosen.append(path)
        with qtbot.waitSignal(dialog.preview_ready, timeout=10_000) as ready:
            qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
        return ready.args[0]

    yield {"dialog": dialog, "ctx": admin_ctx, "choose": choose, "changes": changes,
           "sets": sets}
    state.runner.shutdown()


def verdicts(dialog: ImportDialog) -> list[tuple[int, str, str, str]]:
    return [(r.line, r.key, r.verdict, r.reason) for r in dialog.model.rows()]


def test_a_file_with_bad_rows_shows_each_verdict_and_changes_nothing(qtbot, qtmodeltester, desk):
    dialog, ctx = desk["dialog"], desk["ctx"]
    before = snapshot(ctx)
    desk["choose"](
        HEADER + "HPD-BWC-0001,X60A0001,Axon Body 3,,\n"  # unchanged
        "HPD-BWC-0002,X60A0002,Axon Body 4,,2027-01-31\n"  # update
        "HPD-BWC-0003,X61B0003,Axon Body 4,,\n"  # new
        "HPD-BWC-0004,X61B0004,Axon Body 4,issued,\n"  # error
        "HPD-BWC-0005,X60A0001,Axon Body 4,,\n"  # error: HPD-BWC-0001's serial
        "HPD-BWC-0006,X61B0006,Axon Body 4,,31/31/2027\n"  # error
    )
    qtmodeltester.check(dialog.model)
    rows = verdicts(dialog)
    assert [(line, key, verdict) for line, key, verdict, _r in rows] == [
        (2, "HPD-BWC-0001", "unchanged"),
        (3, "HPD-BWC-0002", "update"),
        (4, "HPD-BWC-0003", "new"),
        (5, "HPD-BWC-0004", "error"),
        (6, "HPD-BWC-0005", "error"),
        (7, "HPD-BWC-0006", "error"),
    ]
    assert "cameras are issued at the counter" in rows[3][3]
    assert "serial X60A0001 is already on line 2" in rows[4][3]
    assert "not a real date" in rows[5][3]
    assert dialog.counts.text().replace("<b>", "").startswith("1</b> new, 1</b> update,")
    assert not dialog.import_button.isEnabled()
    assert "all or nothing" in dialog.import_button.toolTip()
    # The errors are what matters: the list shows only them, until unticked.
    assert dialog.only_errors.isChecked() and dialog.table.proxy.rowCount() == 3
    qtbot.mouseClick(dialog.only_errors, Qt.MouseButton.LeftButton)
    assert dialog.table.proxy.rowCount() == 6
    assert snapshot(ctx) == before and desk["changes"] == []


def test_different_headers_are_mapped_then_everything_is_imported(qtbot, desk):
    dialog, ctx = desk["dialog"], desk["ctx"]
    result = desk["choose"](
        "Property Nr,Maker Ref,Model,Garantie\n"
        "HPD-BWC-0003,X61B0003,Axon Body 4,2027-06-30\n"
        "HPD-BWC-0004,X61B0004,Axon Body 4,2027-06-30\n"
    )
    assert result.report is None and "no column asset_tag, serial" in dialog.message.text()
    assert dialog.columns_box.isVisible() and not dialog.import_button.isEnabled()
    combos = dialog.column_combos
    assert combos["model"].currentText() == "Model"  # matched by itself
    for field, typed, header in (
        ("asset_tag", "Prop", "Property Nr"),
        ("serial", "Maker", "Maker Ref"),
        ("warranty_until", "Gar", "Garantie"),
    ):
        combos[field].setFocus()
        with qtbot.waitSignal(dialog.preview_ready, timeout=10_000):
            qtbot.keyClicks(combos[field], typed)  # typing picks the matching entry
        assert combos[field].currentText() == header
    assert [v[2] for v in verdicts(dialog)] == ["new", "new"]
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=10_000) as done:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert done.args[0].committed and done.args[0].added == 2
    assert "Imported: 2 added" in dialog.message.text()
    assert not dialog.import_button.isEnabled()
    units = {u.asset_tag: u for u in inventory.list_units(ctx)}
    assert units["HPD-BWC-0004"].serial == "X61B0004"
    assert str(units["HPD-BWC-0004"].warranty_until) == "2027-06-30"
    # One set, naming the two new units (registered in the custody ledger too).
    (change,) = desk["sets"]
    assert change.touches("units") and len(change.units) == 2


def test_common_column_names_are_guessed_and_choices_carry_to_the_next_file(qtbot, desk):
    dialog = desk["dialog"]
    desk["choose"](
        "Tag Number,Serial No,Model,Warranty End,Property Nr\n"
        "HPD-BWC-0003,X61B0003,Axon Body 4,2027-06-30,P-1\n"
    )
    combos = dialog.column_combos
    assert combos["asset_tag"].currentText() == "Tag Number"
    assert combos["serial"].currentText() == "Serial No"
    assert combos["warranty_until"].currentText() == "Warranty End"
    assert dialog.columns_box.isVisible()  # the guesses are shown, to be checked
    assert [v[2] for v in verdicts(dialog)] == ["new"]
    # The administrator prefers another column for the tag...
    with qtbot.waitSignal(dialog.preview_ready, timeout=10_000):
        combos["asset_tag"].setCurrentIndex(combos["asset_tag"].findText("Property Nr"))
    assert [v[1] for v in verdicts(dialog)] == ["P-1"]
    # ...and the corrected file, with the same headers, keeps that choice.
    desk["choose"](
        "Tag Number,Serial No,Model,Warranty End,Property Nr\n"
        "HPD-BWC-0003,X61B0003,Axon Body 4,2027-06-30,P-2\n",
        "units-fixed.csv",
    )
    assert dialog.column_combos["asset_tag"].currentText() == "Property Nr"
    assert [v[1] for v in verdicts(dialog)] == ["P-2"]


def test_a_file_changed_after_the_preview_is_refused_whole(qtbot, desk, tmp_path):
    dialog, ctx = desk["dialog"], desk["ctx"]
    desk["choose"](HEADER + "HPD-BWC-0003,X61B0003,Axon Body 4,,\n")
    assert dialog.import_button.isEnabled()
    before = snapshot(ctx)
    (tmp_path / "units.csv").write_text(
        HEADER + "HPD-BWC-0003,X61B0003,Axon Body 4,,\nHPD-BWC-0004,X61B0004,,stolen?,\n",
        encoding="utf-8",
    )
    with qtbot.waitSignal(dialog.imported, timeout=10_000) as done:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert not done.args[0].committed
    assert "1 line cannot be imported; fix it in the file" in dialog.message.text()
    assert verdicts(dialog)[1][2] == "error" and snapshot(ctx) == before


def test_the_progress_bar_is_fed_on_the_main_thread(qtbot, desk):
    dialog = desk["dialog"]
    main = QApplication.instance().thread()
    seen: list[tuple[int, int, bool]] = []
    dialog.progressed.connect(
        lambda done, total: seen.append((done, total, QThread.currentThread() is main))
    )
    lines = "".join(f"BWC-{i:05d},SN{i:07d},Axon Body 4,,\n" for i in range(1, 1201))
    desk["choose"](HEADER + lines)
    assert [s[:2] for s in seen] == [(500, 1200), (1000, 1200)]
    assert all(on_main for _d, _t, on_main in seen)
    assert not dialog.progress.isVisible()  # hidden once the preview is in
    assert dialog.model.rowCount() == 1200 and dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert len(inventory.list_units(desk["ctx"])) == 1202


def test_officers_are_imported_the_same_way(qtbot, desk):
    dialog, ctx = desk["dialog"], desk["ctx"]
    dialog.kind_box.setFocus()
    qtbot.keyClicks(dialog.kind_box, "Officers")
    assert dialog.kind.name == "officers" and "badge" in dialog.column_combos
    desk["choose"](
        "badge,last_name,first_name,shift\n0412,Smith,John,Day\n0007,Jones,Ann,Night\n",
        "roster.csv",
    )
    assert [(v[1], v[2]) for v in verdicts(dialog)] == [("0412", "update"), ("0007", "new")]
    with qtbot.waitSignal(dialog.imported, timeout=10_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert {o.badge: o.shift for o in officers.list_officers(ctx)} == {
        "0412": "Day",
        "0007": "Night",
    }
    (change,) = desk["sets"]
    assert change.touches("officers") and len(change.officers) == 2


def test_only_administrators_may_import(qtbot, admin_ctx, tmp_path):
    sup = make_actor(admin_ctx, Role.SUPERVISOR, "sam")
    dialog = ImportDialog(AppState(sup))
    qtbot.addWidget(dialog)
    path = tmp_path / "u.csv"
    path.write_text(HEADER + "HPD-BWC-0009,X1,,,\n", encoding="utf-8")
    with qtbot.waitSignal(dialog.preview_ready, timeout=10_000):
        dialog.set_file(str(path))
    assert "only admin may import units" in dialog.message.text()
    assert not dialog.import_button.isEnabled() and inventory.list_units(admin_ctx) == []
    dialog.state.runner.shutdown()


def test_preview_model_colours_errors(qtmodeltester):
    from bwc_desk.services.dto import ImportReport
    from bwc_desk.ui.models.import_preview_model import preview_rows

    report = ImportReport(
        "units",
        added=1,
        errors=((3, "bad date"), (9, "cannot be read as CSV")),
        verdicts=((2, "A", "new"), (3, "B", "error")),
    )
    model = ImportPreviewModel()
    model.set_rows(preview_rows(report))
    qtmodeltester.check(model)
    assert [(r.line, r.verdict, r.reason) for r in model.rows()] == [
        (2, "new", ""),
        (3, "error", "bad date"),
        (9, "error", "cannot be read as CSV"),
    ]
    assert model.index(1, 0).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None


def test_counts_read_as_english_for_one_line(qtbot, desk):
    dialog = desk["dialog"]
    desk["choose"](
        HEADER + "HPD-BWC-0002,X60A0002,Axon Body 4,,\n"  # update
        "HPD-BWC-0004,X61B0004,Axon Body 4,issued,\n"  # error
    )
    counts = dialog.counts.text().replace("<b>", "").replace("</b>", "")
    assert "1 update," in counts and counts.endswith("1 error")
    message = dialog.message.text()
    assert "1 line cannot be imported" in message and "1 lines" not in message
    desk["choose"](HEADER + "HPD-BWC-0004,X61B0004,Axon Body 4,issued,\nA,B,,stolen?,\n")
    assert "2 lines cannot be imported" in dialog.message.text()
    assert dialog.counts.text().replace("<b>", "").replace("</b>", "").endswith("2 errors")


def test_the_progress_of_a_one_line_file_says_line(qtbot, desk):
    dialog = desk["dialog"]
    dialog.progress.show()
    dialog._progressed(1, 1)
    assert dialog.progress.text().startswith("1 of 1 line ")
    dialog._progressed(3, 7)
    assert dialog.progress.text().startswith("3 of 7 lines ")


def column_labels(dialog: ImportDialog) -> set[str]:
    grid = dialog.columns_grid
    widgets = [grid.itemAt(i).widget() for i in range(grid.count())]
    return {w.text() for w in widgets if w.metaObject().className() == "QLabel"}


def test_the_columns_panel_names_fields_in_words(qtbot, desk):
    dialog = desk["dialog"]
    labels = column_labels(dialog)
    assert {
        "Asset tag *",
        "Serial number *",
        "Warranty until",
        "Assigned officer's badge",
    } <= labels
    assert not any("_" in label for label in labels)
    assert "asset_tag" in dialog.column_combos["asset_tag"].toolTip()  # the CSV's own name
    dialog.kind_box.setCurrentIndex(1)  # officers
    labels = column_labels(dialog)
    assert {"Badge *", "Last name *", "First name"} <= labels
    assert not any("_" in label for label in labels)


def test_only_errors_is_cleared_once_no_line_is_in_error(qtbot, desk):
    dialog = desk["dialog"]
    assert not dialog.only_errors.isEnabled()  # no file checked yet
    desk["choose"](HEADER + "HPD-BWC-0003,X61B0003,Axon Body 4,,\nHPD-BWC-0004,X,,issued,\n")
    assert dialog.only_errors.isChecked() and dialog.only_errors.isEnabled()
    assert dialog.table.proxy.rowCount() == 1
    desk["choose"](HEADER + "HPD-BWC-0003,X61B0003,Axon Body 4,,\nHPD-BWC-0004,X,,,\n", "fixed.csv")
    assert not dialog.only_errors.isChecked() and not dialog.only_errors.isEnabled()
    assert dialog.table.proxy.rowCount() == 2  # every line shown again
    assert dialog.only_errors.toolTip()


def test_the_dialog_fits_a_1280_by_720_screen(qtbot, desk):
    dialog = desk["dialog"]
    room = dialog.screen().availableGeometry()
    assert dialog.width() <= room.width() and dialog.height() <= room.height() - 40


def test_an_unreadable_file_after_another_leaves_no_columns_of_the_other(qtbot, desk):
    dialog = desk["dialog"]
    desk["choose"]("Property Nr,Maker Ref,Model\nHPD-BWC-0003,X61B0003,Axon Body 4\n")
    assert any(c.count() > 1 for c in dialog.column_combos.values())
    result = desk["choose"]("", name="empty.csv")
    assert result.headers is None and result.report is None
    texts = {c.itemText(i) for c in dialog.column_combos.values() for i in range(c.count())}
    assert not texts & {"Property Nr", "Maker Ref", "Model"}
    assert not dialog.columns_box.isVisible() and not dialog.import_button.isEnabled()


def test_a_path_typed_or_pasted_is_checked_on_enter(qtbot, desk, tmp_path):
    dialog = desk["dialog"]
    path = tmp_path / "typed.csv"
    path.write_text(HEADER + "HPD-BWC-0003,X61B0003,Axon Body 4,available,\n", encoding="utf-8")
    dialog.path_edit.setFocus()
    qtbot.keyClicks(dialog.path_edit, str(path))
    assert not dialog.import_button.isEnabled()  # (not checked yet)
    with qtbot.waitSignal(dialog.preview_ready, timeout=10_000):
        qtbot.keyClick(dialog.path_edit, Qt.Key.Key_Return)
    assert dialog.path == str(path)
    assert [v[2] for v in verdicts(dialog)] == ["new"] and dialog.import_button.isEnabled()
    qtbot.keyClicks(dialog.path_edit, "x")  # typing again: the import waits for the check
    assert not dialog.import_button.isEnabled()


def test_a_lines_problems_show_whole_in_the_tooltip_one_a_line(qtmodeltester):
    from bwc_desk.services.dto import ImportReport
    from bwc_desk.ui.models.import_preview_model import preview_rows

    reason = "(1) status 'broken' is not one of ... (2) purchase_date '2019-02-30' is not real."
    report = ImportReport("units", errors=((5, reason),), verdicts=((5, "HPD-6", "error"),))
    model = ImportPreviewModel()
    model.set_rows(preview_rows(report))
    qtmodeltester.check(model)
    tip = model.index(0, ImportPreviewModel.COL_REASON).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.splitlines() == [
        "(1) status 'broken' is not one of ...",
        "(2) purchase_date '2019-02-30' is not real.",
    ]
    assert model.index(0, ImportPreviewModel.COL_KEY).data(Qt.ItemDataRole.ToolTipRole) is None


def test_a_semicolon_file_from_excel_is_previewed_as_such_and_imported(qtbot, desk):
    dialog, ctx = desk["dialog"], desk["ctx"]
    result = desk["choose"](
        "\ufeffAsset Tag;Serial;Model;Notes\r\n"
        'HPD-BWC-0003;X61B0003;Axon Body 4;"cracked; taped"\r\n'
        "HPD-BWC-0004;X61B0004;Axon Body 4;\r\n"
    )
    assert result.report is not None and result.report.ok
    assert [v[2] for v in verdicts(dialog)] == ["new", "new"]
    assert "Note: read as semicolon-separated (;)" in dialog.message.text()
    assert not dialog.columns_box.isVisible() and dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=10_000) as done:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert done.args[0].committed and done.args[0].added == 2
    units = {u.asset_tag: u for u in inventory.list_units(ctx)}
    assert units["HPD-BWC-0003"].notes == "cracked; taped"


def test_a_file_split_by_another_separator_says_how_to_save_it_not_to_map(qtbot, desk):
    dialog = desk["dialog"]
    result = desk["choose"]("asset_tag|serial|model\nHPD-BWC-0003|X61B0003|AB4\n")
    assert result.report is None
    text = dialog.message.text()
    assert "separator other than comma, semicolon or tab" in text
    assert "CSV UTF-8 (Comma delimited)" in text
    assert "Choose the file's column" not in text  # the panel cannot help with one column
    assert not dialog.columns_box.isVisible() and not dialog.import_button.isEnabled()


def test_a_clicked_lines_problems_are_shown_whole_below_the_list(qtbot, desk):
    """The Reason cell is cut at the column's width: the line clicked (or reached with the
    arrow keys) shows its verdict and every problem, one a line, below the list."""
    dialog = desk["dialog"]
    desk["choose"](
        HEADER + "HPD-BWC-0001,X60A0001,Axon Body 3,,\n"
        "HPD-BWC-0007,X60A0001,Axon Body 4,issued,31/31/2027\n"  # four problems
    )
    assert not dialog.line_detail.isVisible()  # (nothing chosen yet)
    view = dialog.table.table
    index = dialog.table.proxy.index(0, 0)  # (only the error is listed)
    center = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    text = dialog.line_detail.text()
    assert dialog.line_detail.isVisible()
    assert text.startswith("Line 3 (HPD-BWC-0007), error:")
    problems = text.splitlines()[1:]
    assert len(problems) == 4, text
    assert any("serial X60A0001 is already on line 2" in p for p in problems)
    assert any("not a real date" in p for p in problems)
    assert dialog.width() >= min(1240, dialog.screen().availableGeometry().width() - 40)


def test_the_lines_problems_below_the_list_follow_the_file_and_the_filter(qtbot, desk):
    dialog = desk["dialog"]
    desk["choose"](
        HEADER + "HPD-BWC-0001,X60A0001,Axon Body 3,,\n"
        "HPD-BWC-0007,X60A0001,Axon Body 4,,\n"  # the serial of line 2
        "HPD-BWC-0008,X61B0008,Axon Body 4,issued,\n"
    )
    view = dialog.table.table

    def click(row: int) -> None:
        center = view.visualRect(dialog.table.proxy.index(row, 0)).center()
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)

    click(1)
    assert dialog.line_detail.text().startswith("Line 4 (HPD-BWC-0008)")
    # A filter that hides that line: its problems are not left below the list.
    qtbot.keyClicks(dialog.table.filter_edit, "already")
    qtbot.waitUntil(lambda: dialog.table.proxy.rowCount() == 1, timeout=5000)
    assert not dialog.line_detail.isVisible() or "Line 4" not in dialog.line_detail.text()
    dialog.table.filter_edit.clear()
    qtbot.waitUntil(lambda: dialog.table.proxy.rowCount() == 2, timeout=5000)
    click(0)
    assert dialog.line_detail.text().startswith("Line 3 (HPD-BWC-0007)")
    # Another file: nothing of the last one's lines.
    desk["choose"](HEADER + "HPD-BWC-0009,X61B0009,Axon Body 4,,31/31/2027\n", "other.csv")
    assert not dialog.line_detail.isVisible()

"""The status bar after an import names what was just imported and how many (a tester's
cameras import left "Imported officers." there: the text named the list the dialog was
opened for, not the one imported)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from bwc_desk.services import imports
from bwc_desk.ui.dialogs.import_dialog import ImportDialog
from bwc_desk.ui.state import AppState
from bwc_desk.ui.views.inventory_tab import InventoryTab
from tests.conftest import answer

OFFICERS = "badge,last_name\n0412,Smith\n0007,Jones\n0009,Brown\n"
UNITS = "asset_tag,serial,assigned_badge\nHPD-1,S-1,0412\nHPD-2,S-2,\n"


def empty_inventory(qtbot, ctx) -> tuple[InventoryTab, list[str]]:
    state = AppState(ctx)
    said: list[str] = []
    state.message.connect(lambda text, _ms: said.append(text))
    tab = InventoryTab(state)
    qtbot.addWidget(tab)
    tab.resize(1280, 680)
    tab.show()
    qtbot.waitExposed(tab)
    with qtbot.waitSignal(tab.rows_loaded, timeout=10_000):
        tab.ensure_loaded()
    return tab, said


def check_file(qtbot, dialog: ImportDialog, path: Path) -> None:
    """Type the file's path and press Enter, as a person pastes one."""
    dialog.path_edit.setFocus()
    dialog.path_edit.clear()
    qtbot.keyClicks(dialog.path_edit, str(path))
    with qtbot.waitSignal(dialog.preview_ready, timeout=10_000):
        qtbot.keyClick(dialog.path_edit, Qt.Key.Key_Return)


def press_import(qtbot, dialog: ImportDialog) -> None:
    assert dialog.import_button.isEnabled(), dialog.message.text()
    with qtbot.waitSignal(dialog.imported, timeout=20_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)


def test_officers_then_cameras_in_one_dialog_the_status_names_the_cameras(
    qtbot, admin_ctx, tmp_path
):
    (tmp_path / "roster.csv").write_text(OFFICERS, encoding="utf-8")
    (tmp_path / "cameras.csv").write_text(UNITS, encoding="utf-8")
    tab, said = empty_inventory(qtbot, admin_ctx)
    after_officers: list[str] = []

    def import_both(dialog: ImportDialog) -> None:
        check_file(qtbot, dialog, tmp_path / "roster.csv")
        press_import(qtbot, dialog)
        after_officers.extend(said)
        # the same dialog, now for the cameras
        dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("units"))
        check_file(qtbot, dialog, tmp_path / "cameras.csv")
        press_import(qtbot, dialog)
        dialog.accept()

    answer(qtbot, import_both, ImportDialog)
    qtbot.mouseClick(tab.first_steps.import_officers, Qt.MouseButton.LeftButton)
    assert after_officers[-1] == "Imported 3 officers from roster.csv (3 added, 0 updated)."
    cameras = said[len(after_officers) :]
    assert cameras, said
    assert cameras[-1] == "Imported 2 cameras from cameras.csv (2 added, 0 updated)."
    assert not any("officer" in text.lower() for text in cameras), cameras
    tab.state.runner.shutdown()


def test_an_import_refused_while_writing_says_nothing_was_imported(
    qtbot, admin_ctx, tmp_path, monkeypatch
):
    from bwc_desk.domain.errors import ValidationError

    def refuse(*_a, **_k):
        raise ValidationError("refused by the database check")

    (tmp_path / "cameras.csv").write_text(UNITS.replace(",0412", ","), encoding="utf-8")
    tab, said = empty_inventory(qtbot, admin_ctx)
    seen: list[str] = []

    def import_refused(dialog: ImportDialog) -> None:
        check_file(qtbot, dialog, tmp_path / "cameras.csv")
        monkeypatch.setattr(imports, "insert_unit", refuse)
        press_import(qtbot, dialog)
        seen.append(dialog.message.text())
        dialog.accept()

    answer(qtbot, import_refused, ImportDialog)
    qtbot.mouseClick(tab.first_steps.import_cameras, Qt.MouseButton.LeftButton)
    assert "cannot be imported" in seen[0]
    assert said[-1] == (
        "No cameras imported from cameras.csv: 1 line in error; nothing was written."
    )
    assert not any(text.startswith("Imported") for text in said), said
    tab.state.runner.shutdown()

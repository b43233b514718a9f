"""The line-up dialog never makes the window wait: it says it is building the sheet while a
worker reads it, the shift and date stay usable meanwhile (the newest pick wins), the
preview is a table (the printed sheet's columns and texts) at any size, and the pages are
painted on a worker for a PDF or a printer; a PDF that cannot be written whole leaves
nothing behind that looks done."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from bwc_desk.services import counter, inventory, officers
from bwc_desk.services.counter import FunctionTest, Lineup, LineupRow
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.ui import printing
from bwc_desk.ui.dialogs import lineup_dialog
from bwc_desk.ui.dialogs.lineup_dialog import LineupDialog
from bwc_desk.ui.models.lineup_model import LineupModel
from bwc_desk.ui.printing import LINEUP_COLUMNS, lineup_cells
from bwc_desk.ui.state import AppState

NY = ZoneInfo("America/New_York")
WAIT = 20_000


@pytest.fixture
def roster(admin_ctx, qm_ctx):
    """30 Night officers (5 with a camera out) and 12 Day officers."""
    for i in range(30):
        officers.add_officer(
            admin_ctx, OfficerInput(f"{3000 + i}", f"Nightly{i:02d}", "Pat", shift="Night")
        )
    for i in range(12):
        officers.add_officer(
            admin_ctx, OfficerInput(f"{5000 + i}", f"Daily{i:02d}", "Sam", shift="Day")
        )
    nights = [o for o in officers.list_officers(admin_ctx) if o.shift == "Night"]
    for i, officer in enumerate(nights[:5]):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-{i:04d}", f"S{i:04d}"))
        counter.issue_unit(qm_ctx, officer.id, f"HPD-BWC-{i:04d}", function_test=FunctionTest())


@pytest.fixture
def state(qm_ctx) -> Iterator[AppState]:
    state = AppState(qm_ctx)
    yield state
    state.runner.shutdown()


class Gate:
    """Holds a function on its worker until ``open`` (what a slow read at 13,000 officers
    looks like to the main thread, without timing anything)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.event = threading.Event()
        self.entered = threading.Semaphore(0)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.entered.release()
        assert self.event.wait(60), "the gate was never opened"
        return self.fn(*args, **kwargs)

    def open(self) -> None:
        self.event.set()


def open_dialog(qtbot, state: AppState) -> LineupDialog:
    dialog = LineupDialog(state)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def loaded(qtbot, dialog: LineupDialog) -> None:
    qtbot.waitUntil(lambda: dialog.sheet is not None, timeout=WAIT)


def test_the_preview_model_has_the_printed_columns_and_texts(qtmodeltester, qm_ctx, roster):
    sheet = counter.lineup(qm_ctx, "Night", datetime(2026, 11, 23).date())
    model = LineupModel()
    model.set_rows(LineupModel.prepare_sheet(sheet, NY))
    qtmodeltester.check(model)
    assert model.rowCount() == 30
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert tuple(titles) == LINEUP_COLUMNS
    shown = [
        tuple(model.index(r, c).data() for c in range(model.columnCount() - 1))
        for r in range(model.rowCount())
    ]
    assert shown == lineup_cells(sheet, NY)  # what the paper says, row for row
    assert all(model.index(r, LineupModel.COL_SIGNATURE).data() == "" for r in range(30))
    cameras = [model.index(r, LineupModel.COL_CAMERA).data() for r in range(30)]
    assert sorted(c for c in cameras if c) == [f"HPD-BWC-{i:04d}" for i in range(5)]
    out = [model.index(r, LineupModel.COL_OUT).data() for r in range(30)]
    assert sum(1 for t in out if t) == 5


def test_the_dialog_says_it_is_building_and_the_newest_pick_wins(qtbot, state, roster, monkeypatch):
    gate = Gate(lineup_dialog.build)
    monkeypatch.setattr(lineup_dialog, "build", gate)
    dialog = open_dialog(qtbot, state)
    qtbot.waitUntil(lambda: dialog.shift_box.count() > 0, timeout=WAIT)
    first = dialog.shift_box.currentText()
    day = dialog.date_edit.date().toString("yyyy-MM-dd")
    assert gate.entered.acquire(timeout=30)  # the read is under way on a worker...
    # ...and the dialog says so, with nothing to print yet.
    assert dialog.summary.text() == f"Building the line-up for {first}, {day}..."
    assert dialog.building and dialog.model.rowCount() == 0
    assert not dialog.print_button.isEnabled() and not dialog.pdf_button.isEnabled()
    # The shift box answers at once while the first sheet is still being read.
    other = "Day" if first != "Day" else "Night"
    dialog.shift_box.setCurrentText(other)
    assert dialog.shift_box.currentText() == other
    assert dialog.summary.text() == f"Building the line-up for {other}, {day}..."
    gate.open()
    loaded(qtbot, dialog)
    assert dialog.sheet is not None and dialog.sheet.shift.startswith(other)
    # The first read's late answer has come back by now, and was dropped.
    qtbot.waitUntil(lambda: not state.runner.busy, timeout=WAIT)
    assert dialog.sheet.shift.startswith(other)
    expected = 12 if other == "Day" else 30
    assert dialog.model.rowCount() == expected
    assert dialog.preview.count_label.text() == f"{expected}"
    assert f"{expected} officers" in dialog.summary.text()
    assert dialog.print_button.isEnabled() and dialog.pdf_button.isEnabled()


def test_a_day_of_13333_officers_is_a_table_and_can_be_searched(qtbot, state, monkeypatch):
    starts = datetime(2026, 12, 2, 12, tzinfo=UTC)
    rows = tuple(
        LineupRow(
            f"Officer{i:05d}, Pat",
            f"{10000 + i}",
            f"HPD-BWC-{i:05d}" if i % 3 == 0 else "",
            starts + timedelta(minutes=5) if i % 3 == 0 else None,
            starts + timedelta(hours=9) if i % 3 == 0 else None,
            None,
        )
        for i in range(13_333)
    )
    big = Lineup(
        "Big PD", "Day (07:00-15:00)", starts, starts + timedelta(hours=8), rows, "Quinn", "DESK-1"
    )
    monkeypatch.setattr(lineup_dialog.counter, "lineup", lambda _ctx, _name, _day: big)
    dialog = open_dialog(qtbot, state)
    loaded(qtbot, dialog)
    assert dialog.model.rowCount() == 13_333
    assert dialog.preview.count_label.text() == "13,333"
    assert "13,333 officers, 4,445 cameras out" in dialog.summary.text()
    assert dialog.model.index(13_332, LineupModel.COL_OFFICER).data() == "Officer13332, Pat"
    qtbot.keyClicks(dialog.preview.filter_edit, "HPD-BWC-13332")
    qtbot.waitUntil(lambda: dialog.preview.proxy.rowCount() == 1, timeout=WAIT)
    assert dialog.preview.count_label.text() == "1 of 13,333"


def test_the_pdf_is_written_on_a_worker_and_says_how_many_pages(
    qtbot, state, roster, tmp_path, monkeypatch
):
    gate = Gate(lineup_dialog.save_lineup_pdf)
    monkeypatch.setattr(lineup_dialog, "save_lineup_pdf", gate)
    dialog = open_dialog(qtbot, state)
    loaded(qtbot, dialog)
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "sheet.pdf"
    monkeypatch.setattr(lineup_dialog, "save_file", lambda *_a: str(path))
    qtbot.mouseClick(dialog.pdf_button, Qt.MouseButton.LeftButton)
    assert gate.entered.acquire(timeout=30)
    assert dialog.note.text() == f"Saving {path}..."
    assert not dialog.pdf_button.isEnabled() and not dialog.print_button.isEnabled()
    assert dialog.shift_box.isEnabled() and dialog.date_edit.isEnabled()
    assert not path.exists()
    gate.open()
    qtbot.waitUntil(lambda: dialog.note.text().startswith("Saved"), timeout=WAIT)
    assert re.fullmatch(rf"Saved {re.escape(str(path))} \(\d+ pages?\)\.", dialog.note.text())
    assert path.read_bytes()[:4] == b"%PDF"
    assert [p.name for p in folder.iterdir()] == ["sheet.pdf"]  # (no .part left)
    assert dialog.pdf_button.isEnabled()


def test_printing_paints_on_a_worker(qtbot, state, roster, tmp_path, monkeypatch):
    from PySide6.QtPrintSupport import QPrinter

    out = tmp_path / "printed.pdf"

    def printer_chosen(_parent, _sheet, _zone):  # (the print dialog, answered)
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return printer

    monkeypatch.setattr(lineup_dialog, "lineup_printer", printer_chosen)
    dialog = open_dialog(qtbot, state)
    loaded(qtbot, dialog)
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.note.text().startswith("Sent"), timeout=WAIT)
    assert re.fullmatch(r"Sent \d+ pages? to the printer\.", dialog.note.text())
    assert out.read_bytes()[:4] == b"%PDF"


def save_and_wait(qtbot, dialog: LineupDialog, path: Path) -> str:
    dialog.save_pdf(str(path))
    qtbot.waitUntil(lambda: dialog.note.text().startswith(("Saved", "Not saved")), timeout=WAIT)
    return dialog.note.text()


def test_a_folder_that_is_not_there_gives_a_clear_message(qtbot, state, roster, tmp_path):
    dialog = open_dialog(qtbot, state)
    loaded(qtbot, dialog)
    path = tmp_path / "no-such-folder" / "sheet.pdf"
    text = save_and_wait(qtbot, dialog, path)
    assert text.startswith(f"Not saved: {path} cannot be written (No such file or directory).")
    assert text.endswith("Pick another folder or file name.")
    assert dialog.pdf_button.isEnabled()


def test_a_pdf_cut_short_leaves_nothing_that_looks_done(
    qtbot, state, roster, tmp_path, monkeypatch
):
    """A full disk: Qt's writes fail without a word and the file ends early. The old file at
    that name is kept, no part-file is left, and the note says it was not saved."""
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "sheet.pdf"
    path.write_bytes(b"%PDF yesterday's sheet")

    def cut_short(printer, _sheet, _zone):
        Path(printer.outputFileName()).write_bytes(b"%PDF-1.4\n1 0 obj")  # no trailer
        return 3

    monkeypatch.setattr(printing, "paint_lineup", cut_short)
    dialog = open_dialog(qtbot, state)
    loaded(qtbot, dialog)
    text = save_and_wait(qtbot, dialog, path)
    assert text == (
        f"Not saved: {path} could not be written whole (is the disk full?). "
        "Pick another folder or file name."
    )
    assert path.read_bytes() == b"%PDF yesterday's sheet"
    assert [p.name for p in folder.iterdir()] == ["sheet.pdf"]


def test_a_write_error_half_way_leaves_no_file(qtbot, state, roster, tmp_path, monkeypatch):
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "sheet.pdf"

    def disk_full(printer, _sheet, _zone):
        Path(printer.outputFileName()).write_bytes(b"%PDF-1.4\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(printing, "paint_lineup", disk_full)
    dialog = open_dialog(qtbot, state)
    loaded(qtbot, dialog)
    text = save_and_wait(qtbot, dialog, path)
    assert text.startswith("Not saved:") and "No space left on device" in text
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_folder_gives_a_clear_message(qtbot, state, roster, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    dialog = open_dialog(qtbot, state)
    loaded(qtbot, dialog)
    text = save_and_wait(qtbot, dialog, folder / "sheet.pdf")
    assert text == (
        f"Not saved: {folder / 'sheet.pdf'} cannot be written (Permission denied). "
        "Pick another folder or file name."
    )
    assert list(folder.iterdir()) == []


def test_a_folder_that_is_a_file_gives_a_clear_message(qtbot, state, roster, tmp_path):
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("x")
    dialog = open_dialog(qtbot, state)
    loaded(qtbot, dialog)
    text = save_and_wait(qtbot, dialog, not_a_folder / "sheet.pdf")
    assert text == (
        f"Not saved: {not_a_folder / 'sheet.pdf'} cannot be written (Not a directory). "
        "Pick another folder or file name."
    )
    assert not_a_folder.read_text() == "x"


def test_a_camera_out_since_an_earlier_shift_is_said_so_and_counted_as_out():
    """Its time out carries its day and "earlier shift"; the counts say out and returned
    apart (a returned camera was counted as out)."""
    zone = ZoneInfo("America/Chicago")
    starts = datetime(2026, 11, 26, 7, 0, tzinfo=zone)
    rows = (
        LineupRow("Adams, Al", "0001", "CAM-1", starts + timedelta(minutes=5),
                  starts + timedelta(hours=10), None),
        LineupRow("Baker, Bo", "0002", "CAM-2", starts - timedelta(days=2, hours=-1),
                  starts - timedelta(days=2, hours=-11), None, earlier=True),
        LineupRow("Cole, Cy", "0003", "CAM-3", starts - timedelta(days=9),
                  starts - timedelta(days=9, hours=-10), None, earlier=True),
        LineupRow("Dunn, Di", "0004", "CAM-4", starts + timedelta(minutes=9),
                  starts + timedelta(hours=10), starts + timedelta(hours=9)),
        LineupRow("Eads, Ed", "0005", "", None, None, None),
    )
    sheet = Lineup("Harbor PD", "Day (07:00-17:00)", starts, starts + timedelta(hours=10), rows,
                   "Quinn", "DESK-1")
    cells = lineup_cells(sheet, zone)
    assert cells[0][4] == "07:05"
    assert cells[1][4] == "Tue 08:00, earlier shift"
    assert cells[2][4] == "2026-11-17 07:00, earlier shift"
    assert printing.lineup_tally(sheet) == (
        "5 officers, 3 cameras out (2 since an earlier shift), 1 returned."
    )
    assert "3 cameras out (2 since an earlier shift)" in lineup_dialog.heading(sheet, zone)
    assert "earlier shift" in printing.lineup_html(sheet, zone)

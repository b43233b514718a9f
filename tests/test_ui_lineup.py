"""The line-up sheet: on every page of the PDF the agency, the shift and its date, and
"page N of M"; columns sized to what they hold with a signature column of two inches or
more; a file name that says the date and the shift; the dialog opens on the shift on duty."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtGui import QFont, QFontMetricsF

from bwc_desk.domain.shifts import ShiftSpec
from bwc_desk.services import counter, inventory, officers, settings
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.ui.printing import (
    LINEUP_COLUMNS,
    lineup_column_widths,
    lineup_filename,
    save_lineup_pdf,
)

NY = ZoneInfo("America/New_York")
pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None,
                               reason="pdftotext (poppler-utils) is not installed")


@pytest.fixture
def night(admin_ctx, qm_ctx):
    """95 Night officers (several pages), 12 of them with a camera out."""
    for i in range(95):
        officers.add_officer(admin_ctx, OfficerInput(f"{3000 + i}", f"Nightly{i:02d}", "Pat",
                                                     shift="Night"))
    roster = [o for o in officers.list_officers(admin_ctx) if o.shift == "Night"]
    for i, officer in enumerate(roster[:12]):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-BWC-{i:04d}", f"S{i:04d}"))
        counter.issue_unit(qm_ctx, officer.id, f"HPD-BWC-{i:04d}", function_test=FunctionTest())
    # The clock is 01:45 on the 24th in New York: the Night shift started at 23:00 on the 23rd.
    return counter.lineup(qm_ctx, "Night", datetime(2026, 11, 23).date())


@pdftotext
def test_every_page_has_the_header_and_its_number(qtbot, night, tmp_path):
    path = tmp_path / lineup_filename(night, NY)
    assert path.name == "lineup-2026-11-23-Night.pdf"
    pages = save_lineup_pdf(night, path, NY)
    assert pages >= 3
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    sheets = [p for p in text.split("\f") if p.strip()]
    assert len(sheets) == pages
    for n, page in enumerate(sheets, start=1):
        assert "Test PD: line-up, Night (23:00-07:00)" in page
        assert "Monday 23 November 2026, 23:00 to 07:00" in page
        assert all(title in page for title in LINEUP_COLUMNS)
        assert f"page {n} of {pages}" in page
        # The ledger's heads as the sheet was made: a copy kept outside anchors the records.
        assert f"custody #{night.custody_head[0]} {night.custody_head[1][:16]}" in page
        assert f"audit #{night.audit_head[0]} {night.audit_head[1][:16]}" in page
    assert night.custody_head[0] >= 12 and len(night.custody_head[1]) == 64
    everyone = "".join(sheets)
    assert all(f"Nightly{i:02d}, Pat" in everyone for i in range(95))
    assert "HPD-BWC-0011" in everyone


def test_columns_fit_their_content_and_the_signature_gets_two_inches(qtbot, night):
    from PySide6.QtGui import QPdfWriter

    writer = QPdfWriter("/dev/null")
    writer.setResolution(1200)
    body = QFontMetricsF(QFont("Helvetica", 10), writer)
    head = QFontMetricsF(QFont("Helvetica", 9, QFont.Weight.Bold), writer)
    dpi, width = 1200.0, 7.5 * 1200
    cells = [(r.officer, r.badge, r.asset_tag, "DOCK-A bay 3", "23:10", "07:30")
             for r in night.rows]
    widths = lineup_column_widths(cells, body, head, width, dpi)
    assert sum(widths) == pytest.approx(width)
    assert widths[-1] >= 2 * dpi
    # The badge column is as wide as "Badge" or a badge number, not a fixed share.
    assert widths[1] < widths[0] and widths[1] < 1.0 * dpi
    assert widths[0] >= body.horizontalAdvance("Nightly94, Pat")
    # Very long names are narrowed before the signature column is.
    long_cells = [("X" * 120, "1", "HPD-BWC-0001", "", "23:10", "07:30")]
    widths = lineup_column_widths(long_cells, body, head, width, dpi)
    assert widths[-1] >= 2 * dpi and sum(widths) == pytest.approx(width)
    # A demo sheet printed "Gray, K..." for two officers while the bay and "Wed 06:48,
    # earlier shift" kept their whole texts (a tester): those give way first.
    demo = [("Hernandez, Guadalupe", "0293", "HPD-BWC-0014", "DOCK-B bay 12",
             "Wed 06:48, earlier shift", "Thu 07:15")]
    widths = lineup_column_widths(demo, body, head, width, dpi)
    assert widths[0] >= body.horizontalAdvance(demo[0][0])
    assert widths[-1] >= 2 * dpi and sum(widths) == pytest.approx(width)
    assert widths[3] < body.horizontalAdvance("DOCK-B bay 12")  # (the bay elided instead)


def test_the_dialog_opens_on_the_shift_on_duty_and_names_the_file(qtbot, night, qm_ctx,
                                                                   admin_ctx, tmp_path,
                                                                   monkeypatch):
    from PySide6.QtCore import QDate

    from bwc_desk.ui.dialogs import lineup_dialog
    from bwc_desk.ui.state import AppState

    # Ten-hour shifts: at 01:45 the Nights that started at 22:00 are on duty.
    settings.change_settings(admin_ctx, {"shifts": [
        ShiftSpec.of_length("Days", time(6), timedelta(hours=10)),
        ShiftSpec.of_length("Swing", time(14), timedelta(hours=10)),
        ShiftSpec.of_length("Night", time(22), timedelta(hours=10))]})
    state = AppState(qm_ctx)
    dialog = lineup_dialog.LineupDialog(state)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.sheet is not None, timeout=10_000)
    assert dialog.shift_box.currentText() == "Night"
    assert dialog.date_edit.date() == QDate(2026, 11, 23)
    assert dialog.sheet.shift == "Night (22:00-08:00)"
    offered = {}

    def fake_save(_parent, _title, name, _filters):
        offered["name"] = name
        return str(tmp_path / name)

    monkeypatch.setattr(lineup_dialog, "save_file", fake_save)
    dialog.pdf_button.click()
    assert offered["name"] == "lineup-2026-11-23-Night.pdf"
    # Painted on a worker: the note says when the file is there.
    qtbot.waitUntil(lambda: "pages)" in dialog.note.text(), timeout=20_000)
    assert (tmp_path / offered["name"]).read_bytes()[:4] == b"%PDF"
    state.runner.shutdown()


def test_a_pdf_that_cannot_be_written_says_so(qtbot, night, tmp_path):
    with pytest.raises(OSError):
        save_lineup_pdf(night, tmp_path / "no-such-folder" / "x.pdf", NY)


def test_the_sheet_of_an_empty_shift_is_one_page(qtbot, qm_ctx, tmp_path):
    sheet = counter.lineup(qm_ctx, "Day", datetime(2026, 11, 24, tzinfo=UTC).date())
    assert save_lineup_pdf(sheet, tmp_path / "empty.pdf", NY) == 1

"""Asset-tag labels: the QR code drawn module by module, the stock's geometry, the PDF's
pages, and the dialog driven like a person."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QFileDialog

from bwc_desk.domain.units import UnitStatus
from bwc_desk.services.dto import UnitRow
from bwc_desk.ui import labels
from bwc_desk.ui.dialogs.labels_dialog import LabelsDialog
from bwc_desk.ui.labels import AVERY_5160, THERMAL_2X1, Label


def pdf_pages(path: Path) -> tuple[int, list[tuple[float, float]]]:
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    boxes = [
        (float(w), float(h))
        for w, h in re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    ]
    return pages, boxes


def test_the_qr_code_is_drawn_module_for_module(qapp):
    dpi = 600
    label = Label("HPD-BWC-0412", "X60A5183481")
    image = QImage(int(2 * dpi), int(1 * dpi), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    rect = QRectF(0, 0, image.width(), image.height())
    painter = QPainter(image)
    labels.paint_label(painter, rect, label, dpi, THERMAL_2X1.padding)
    painter.end()
    matrix = labels.qr_matrix(label.asset_tag)
    assert len(matrix) in (21, 25)  # version 1 or 2: big modules, easy to scan
    qr = labels.qr_placement(rect, THERMAL_2X1.padding * dpi, len(matrix))
    assert qr.module == int(qr.module) and qr.module >= 15  # whole pixels, ~0.03 in each
    # Four blank modules all round (the standard's quiet zone), the label's edge included.
    quiet = labels.QUIET_ZONE * qr.module
    assert qr.x >= quiet and qr.y >= quiet - 1 and image.height() - (qr.y + qr.side) >= quiet - 1
    for x in range(0, int(qr.x) - 1, 3):  # nothing printed left of the code
        for y in range(0, image.height(), 9):
            assert QColor(image.pixel(x, y)).lightness() > 200
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            x = int(qr.x + (c + 0.5) * qr.module)
            y = int(qr.y + (r + 0.5) * qr.module)
            pixel = QColor(image.pixel(x, y)).lightness()
            assert (pixel < 60) is dark, (r, c)
    # The tag is printed to the right of the code, in dark ink.
    text_area = image.copy(int(qr.x + qr.side + 10), 0, image.width() - int(qr.side) - 60, 600)
    dark = sum(
        1
        for x in range(0, text_area.width(), 4)
        for y in range(0, text_area.height(), 4)
        if QColor(text_area.pixel(x, y)).lightness() < 60
    )
    assert dark > 200


def test_avery_5160_geometry():
    assert AVERY_5160.per_page == 30 and AVERY_5160.sheet and not THERMAL_2X1.sheet
    first = AVERY_5160.label_rect(0, 72)
    assert (first.x(), first.y(), first.width(), first.height()) == (13.5, 36, 189, 72)
    last = AVERY_5160.label_rect(29, 72)
    assert (last.x(), last.y()) == ((0.1875 + 2 * 2.75) * 72, (0.5 + 9) * 72)
    assert last.right() <= 8.5 * 72 and last.bottom() <= 11 * 72
    assert AVERY_5160.label_rect(1, 72).x() - first.right() == 0.125 * 72  # the gutter
    assert AVERY_5160.pages_for(31, start=0) == 2 and AVERY_5160.pages_for(28, start=2) == 1
    assert AVERY_5160.pages_for(29, start=2) == 2 and THERMAL_2X1.pages_for(3) == 3


def test_thermal_labels_are_one_per_page_of_their_own_size(qapp, tmp_path):
    path = tmp_path / "t.pdf"
    items = [Label(f"HPD-BWC-{i:04d}", f"X60A{i:04d}") for i in range(3)]
    assert labels.save_labels_pdf(path, THERMAL_2X1, items) == 3
    pages, boxes = pdf_pages(path)
    assert pages == 3 and set(boxes) == {(144.0, 72.0)}  # 2 x 1 in, in points
    custom = labels.thermal(4, 6)
    assert labels.save_labels_pdf(path, custom, items[:1]) == 1
    assert pdf_pages(path) == (1, [(288.0, 432.0)])


def test_a_sheet_starts_at_the_first_free_label(qapp, tmp_path):
    path = tmp_path / "a.pdf"
    items = [Label(f"HPD-BWC-{i:04d}", f"X60A{i:04d}") for i in range(31)]
    assert labels.save_labels_pdf(path, AVERY_5160, items, start=2) == 2
    pages, boxes = pdf_pages(path)
    assert pages == 2 and set(boxes) == {(612.0, 792.0)}  # US Letter
    # The preview greys out the labels already used on the sheet.
    image = labels.preview_image(AVERY_5160, items, start=2, dpi=40)
    used = AVERY_5160.label_rect(0, 40).center()
    free = AVERY_5160.label_rect(2, 40).center()
    assert QColor(image.pixel(int(used.x()), int(used.y()))).name() == "#e5e7eb"
    assert QColor(image.pixel(int(free.x()), int(free.y()))).name() != "#e5e7eb"


def units(n: int) -> list[UnitRow]:
    return [
        UnitRow(i, f"HPD-BWC-{i:04d}", f"X60A{i:04d}", "Axon Body 3", "1.0", UnitStatus.AVAILABLE)
        for i in range(1, n + 1)
    ]


@pytest.fixture
def state(admin_ctx):
    from bwc_desk.ui.state import AppState

    state = AppState(admin_ctx)
    yield state
    state.runner.shutdown()


def test_the_dialog_saves_a_sheet_for_a_selection(qtbot, state, tmp_path, monkeypatch):
    dialog = LabelsDialog(state, units(12))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.chosen_layout() is THERMAL_2X1 and not dialog.start_box.isEnabled()
    assert dialog.summary.text().startswith("12 labels for 12 units, one per page")
    dialog.layout_box.setFocus()
    qtbot.keyClick(dialog.layout_box, Qt.Key.Key_Down)
    assert dialog.chosen_layout() is AVERY_5160 and dialog.start_box.isEnabled()
    dialog.start_box.setFocus()
    dialog.start_box.selectAll()
    qtbot.keyClicks(dialog.start_box, "25")
    dialog.copies_box.setFocus()
    dialog.copies_box.selectAll()
    qtbot.keyClicks(dialog.copies_box, "2")
    assert dialog.summary.text().startswith("24 labels for 12 units, on 2 sheets.")
    assert not dialog.preview.pixmap().isNull()
    path = tmp_path / "sheet.pdf"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )
    qtbot.mouseClick(dialog.pdf_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.note.text().startswith("Saved"), timeout=10_000)
    assert dialog.note.text() == f"Saved 24 labels (2 pages) to {path}"
    assert pdf_pages(path)[0] == 2


def test_a_custom_thermal_size(qtbot, state):
    dialog = LabelsDialog(state, units(1))
    qtbot.addWidget(dialog)
    dialog.layout_box.setCurrentIndex(dialog.layout_box.count() - 1)
    assert dialog.width_box.isEnabled()
    dialog.width_box.setValue(2.25)
    dialog.height_box.setValue(1.25)
    layout = dialog.chosen_layout()
    assert (layout.page_width, layout.page_height, layout.per_page) == (2.25, 1.25, 1)
    assert dialog.summary.text().startswith("1 label for 1 unit, one per page")


def test_a_roll_preview_shows_the_first_labels_one_under_the_other(qapp):
    items = [Label(f"HPD-BWC-{i:04d}", f"X60A{i:04d}") for i in range(10)]
    dpi = 50
    one = labels.preview_image(THERMAL_2X1, items[:1], dpi=dpi)
    roll = labels.preview_image(THERMAL_2X1, items, dpi=dpi)
    assert one.height() == dpi  # a 1 in label
    assert roll.height() > labels.ROLL_PREVIEW * dpi and roll.width() == one.width()
    # Every label shown has its QR code: dark pixels in the left part of each label.
    gap = round(dpi * 0.08)
    for i in range(labels.ROLL_PREVIEW):
        top = i * (dpi + gap)
        dark = sum(
            1
            for x in range(0, dpi)
            for y in range(top, top + dpi)
            if QColor(roll.pixel(x, y)).lightness() < 60
        )
        assert dark > 50, i

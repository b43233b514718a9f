"""The custody history PDF, a court-facing document: a record number is never split over
two lines (a tester's "201167" / "2" at two million records)."""

from __future__ import annotations

from datetime import UTC, datetime

import pypdf

from bwc_desk.domain.events import EventKind
from bwc_desk.domain.units import UnitStatus
from bwc_desk.services.dto import EventRow, UnitRow
from bwc_desk.ui.views.unit_detail import write_history_pdf


def test_a_ten_million_record_number_stays_on_one_line(qapp, tmp_path):
    unit = UnitRow(1, "HPD-BWC-0001", "X60A0001", "Axon Body 3", "1.2.3", UnitStatus.ISSUED)
    at = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    events = [
        EventRow(seq, at, EventKind.ISSUED, 1, "HPD-BWC-0001", 7, "Smith, John (0412)",
                 "quinn", "EVIDENCE-DESK-1", "", hash="ab" * 32)
        for seq in (2011672, 12011673)
    ]
    path = tmp_path / "history.pdf"
    write_history_pdf(path, unit, events)
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    assert "2011672" in text and "12011673" in text

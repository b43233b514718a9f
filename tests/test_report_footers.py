"""Both chains' heads in the footer of every printed report (docs/ledger.md, "Anchors"): a
filed paper copy anchors the ledger outside the database. Read back from the PDF itself."""

from __future__ import annotations

import unicodedata

import pypdf  # (a dev dependency: a missing one fails here rather than skipping)
import pytest

from bwc_desk.domain.ledger import heads_footer
from bwc_desk.services import counter, inventory, officers, verify
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.evidence import EvidenceRequest, export_evidence
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput

pytestmark = pytest.mark.both_backends


def _pages(path) -> list[str]:
    # NFKC: Qt's text shaping writes "ff" in a hash as one ligature glyph
    return [
        " ".join(unicodedata.normalize("NFKC", page.extract_text()).split())
        for page in pypdf.PdfReader(path).pages
    ]


def _heads(ctx) -> str:
    h = verify.chain_heads(ctx)
    return heads_footer((h.custody_seq, h.custody_hash), (h.audit_seq, h.audit_hash))


@pytest.fixture
def busy(admin_ctx, clock):
    """A camera with a long history (several pages) and another camera's records after it."""
    smith = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    inventory.add_unit(admin_ctx, UnitInput("HPD-2", "S-2"))
    for _ in range(40):
        counter.issue_unit(admin_ctx, smith.id, "HPD-1", function_test=FunctionTest())
        clock.advance(hours=9)
        counter.return_unit(admin_ctx, "HPD-1")
        clock.advance(hours=15)
    counter.issue_unit(admin_ctx, smith.id, "HPD-2", function_test=FunctionTest())
    return admin_ctx


def test_the_evidence_pdf_has_both_heads_on_every_page(busy, tmp_path):
    expected = _heads(busy)
    assert "custody #0" not in expected and "audit #0" not in expected
    export_evidence(busy, EvidenceRequest(unit_tag="HPD-1"), tmp_path / "ex")
    pages = _pages(tmp_path / "ex" / "custody-history.pdf")
    assert len(pages) >= 2
    for text in pages:
        assert expected in text


def test_the_printed_unit_history_has_both_heads_on_every_page(qtbot, busy, tmp_path):
    from bwc_desk.ui.views.unit_detail import write_history_pdf

    unit = next(u for u in inventory.list_units(busy) if u.asset_tag == "HPD-1")
    expected = _heads(busy)
    n = inventory.export_unit_history_pdf(
        busy,
        unit.id,
        tmp_path / "h.pdf",
        lambda out, row, events, heads: write_history_pdf(out, row, events, "Sam", "DESK-1", heads),
    )
    assert n == 81
    pages = _pages(tmp_path / "h.pdf")
    assert len(pages) >= 2
    for text in pages:
        assert expected.replace(" ", "") in text.replace(" ", "")

"""An export to a place no file can go: a message that names the place the person chose and
says what to do, nothing left behind, nothing recorded."""

from __future__ import annotations

import pytest

from bwc_desk.domain.errors import ValidationError
from bwc_desk.services import audit, exports

pytestmark = pytest.mark.both_backends


def test_an_export_under_a_file_names_the_path_chosen_and_records_nothing(admin_ctx, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    blocker = folder / "units.csv"
    blocker.write_text("a file, not a folder\n")
    target = blocker / "h.csv"  # (as typed into a save dialog: a folder that is a file)
    before = len(audit.list_audit(admin_ctx))
    with pytest.raises(ValidationError) as raised:
        exports.export_units(admin_ctx, target)
    text = str(raised.value)
    assert str(target) in text and ".staged" not in text
    assert "choose another folder" in text.lower()
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert sorted(p.name for p in folder.iterdir()) == ["units.csv"]
    assert blocker.read_text() == "a file, not a folder\n"
    assert len(audit.list_audit(admin_ctx)) == before

"""An export's file and its audit record go together: the file appears only once its record
is committed (a file on disk that the audit log does not know of is an unrecorded copy of
custody data), and the record names the file's SHA-256 so that a copy can be matched to it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bwc_desk.domain.errors import UnavailableError
from bwc_desk.services import audit, exports, inventory
from bwc_desk.services.context import Ctx
from bwc_desk.services.inventory import UnitInput

pytestmark = pytest.mark.both_backends


def _unit_history(ctx: Ctx, path: Path) -> int:
    unit = inventory.add_unit(ctx, UnitInput("HPD-9", "S-9"))
    return inventory.export_unit_history(ctx, unit.id, path)


def _unit_history_pdf(ctx: Ctx, path: Path) -> int:
    unit = inventory.add_unit(ctx, UnitInput("HPD-8", "S-8"))

    def render(target: Path, *_args: object) -> None:
        target.write_bytes(b"%PDF-1.4 test\n")

    return inventory.export_unit_history_pdf(ctx, unit.id, path, render)


EXPORTS: dict[str, Callable[[Ctx, Path], int]] = {
    "officers": exports.export_officers,
    "units": exports.export_units,
    "custody": exports.export_custody,
    "audit log": audit.export_audit,
    "unit history": _unit_history,
    "unit history pdf": _unit_history_pdf,
}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_no_file_when_its_audit_record_cannot_be_written(admin_ctx, tmp_path, monkeypatch, name):
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.file"
    real_write = audit.write

    def refuse(session, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("event") == "export":
            raise UnavailableError("The database went away.")
        return real_write(session, **kwargs)

    monkeypatch.setattr(audit, "write", refuse)
    with pytest.raises(UnavailableError):
        EXPORTS[name](admin_ctx, target)
    assert sorted(p.name for p in folder.iterdir()) == [], "a file without its record"


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_the_record_names_the_file_and_its_sha256(admin_ctx, tmp_path, name):
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.file"
    EXPORTS[name](admin_ctx, target)
    assert sorted(p.name for p in folder.iterdir()) == ["out.file"]
    record = next(r for r in audit.list_audit(admin_ctx, event="export"))
    details = record.details if isinstance(record.details, dict) else json.loads(record.details)
    assert details["file"] == "out.file"
    assert details["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", ["officers", "units", "custody"])
def test_a_refused_export_names_the_file_chosen_not_its_staged_name(admin_ctx, tmp_path, name):
    """A tester's export into a folder it could not write said "Cannot write
    .../officers.csv.staged": the message names the file the person chose."""
    from bwc_desk.domain.errors import ValidationError

    target = tmp_path / "no such folder" / f"{name}.csv"
    with pytest.raises(ValidationError) as refused:
        getattr(exports, f"export_{name}")(admin_ctx, target)
    assert f"Cannot write {target}" in str(refused.value)
    assert ".staged" not in str(refused.value) and ".part" not in str(refused.value)
    assert not any(r.event == "export" for r in audit.list_audit(admin_ctx))

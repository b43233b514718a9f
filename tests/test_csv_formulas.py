"""Exported CSV never carries a live spreadsheet formula, and what we export still imports and
still lets an auditor recompute the chain with the recipe in docs/ledger.md."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from bwc_desk.adapters.csvfile import escape_cell, read_csv, unescape_cell, write_csv
from bwc_desk.services import exports, imports, inventory
from bwc_desk.services.csv_formats import UNIT_COLUMNS
from bwc_desk.services.inventory import UnitInput

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)

DOCS = Path(__file__).resolve().parents[1] / "docs"
NASTY = '=HYPERLINK("http://evil.invalid","click")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("lens cracked", "lens cracked"),
        ("'quoted", "''quoted"),
        (-3, -3),
        (None, ""),
    ],
)
def test_formula_cells_are_written_as_text(value, written):
    assert escape_cell(value) == written
    if isinstance(value, str):
        assert unescape_cell(str(written)) == value


def test_round_trip_through_a_file(tmp_path):
    path = tmp_path / "x.csv"
    write_csv(path, ["asset_tag", "notes"], [["HPD-1", NASTY], ["HPD-2", "'plain"]])
    raw = path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in raw
    table = read_csv(path, ("asset_tag", "notes"), ("asset_tag",))
    assert [row["notes"] for _, row in table.rows] == [NASTY, "'plain"]


def test_a_custody_export_with_a_formula_reason_is_inert_and_still_verifies(
    admin_ctx, tmp_path
):
    inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0001", "X60A0001", "Axon Body 3"))
    inventory.retire(admin_ctx, "HPD-BWC-0001", NASTY)
    path = tmp_path / "custody.csv"
    exports.export_custody(admin_ctx, path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reasons = [r["reason"] for r in csv.DictReader(fh)]
    assert "'" + NASTY in reasons
    assert not any(r.startswith(("=", "+", "-", "@")) for r in reasons)

    # The auditor's recipe from docs/ledger.md, run as written, on this file.
    recipe = re.search(r"```python\n(.*?)```", (DOCS / "ledger.md").read_text(), re.S)
    assert recipe is not None
    code = recipe.group(1).replace('"custody.csv"', repr(str(path)))
    exec(compile(code, "docs/ledger.md", "exec"), {})  # raises if any row does not match


def test_an_exported_unit_list_imports_again_unchanged(admin_ctx, tmp_path):
    inventory.add_unit(
        admin_ctx, UnitInput("HPD-BWC-0001", "X60A0001", "Axon Body 3", notes="-see ticket 4")
    )
    path = tmp_path / "units.csv"
    exports.export_units(admin_ctx, path)
    assert "'-see ticket 4" in path.read_text(encoding="utf-8-sig")
    report = imports.import_units(admin_ctx, path)
    assert report.unchanged == 1 and report.added == 0 and report.updated == 0
    assert inventory.list_units(admin_ctx)[0].notes == "-see ticket 4"
    assert "notes" in UNIT_COLUMNS


@pytest.mark.parametrize("value", ["'quoted", "'=1+1", "''", "'", "''=x", "'-"])
def test_a_leading_apostrophe_is_escaped_too_so_export_then_import_is_exact(value):
    assert unescape_cell(str(escape_cell(value))) == value
    assert str(escape_cell(value)).startswith("''")


def test_notes_with_a_leading_apostrophe_export_and_import_exactly(admin_ctx, tmp_path):
    for i, notes in enumerate(["'=1+1", "'quoted", "''x"]):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-{i}", f"S-{i}", notes=notes))
    path = tmp_path / "units.csv"
    exports.export_units(admin_ctx, path)
    report = imports.import_units(admin_ctx, path)
    assert (report.unchanged, report.updated) == (3, 0), report.changes
    assert {u.notes for u in inventory.list_units(admin_ctx)} == {"'=1+1", "'quoted", "''x"}


def test_the_ledger_recipe_agrees_with_verify_on_apostrophe_reasons(admin_ctx, tmp_path):
    from bwc_desk.services import verify

    inventory.add_unit(admin_ctx, UnitInput("HPD-BWC-0001", "X60A0001"))
    inventory.retire(admin_ctx, "HPD-BWC-0001", "'-quoted by the clerk")
    assert verify.verify_records(admin_ctx).ok
    path = tmp_path / "custody.csv"
    exports.export_custody(admin_ctx, path)
    recipe = re.search(r"```python\n(.*?)```", (DOCS / "ledger.md").read_text(), re.S)
    assert recipe is not None
    code = recipe.group(1).replace('"custody.csv"', repr(str(path)))
    exec(compile(code, "docs/ledger.md", "exec"), {})

"""The separator of a CSV file is read from its header line: Excel writes semicolons in many
European locales (and tabs as 'Unicode text'); the file imports as usual and says how it was
read; a file split by something else says so and how to save it as 'CSV UTF-8'."""

from __future__ import annotations

from pathlib import Path

import pytest

from bwc_desk.domain.errors import ValidationError
from bwc_desk.services import imports, inventory, officers, settings

pytestmark = pytest.mark.both_backends

BOM = "\ufeff"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# What Excel (German locale) writes with 'CSV (Trennzeichen-getrennt)' / 'CSV UTF-8': a BOM,
# CRLF, semicolons, quotes only around a value holding a semicolon or a quote.
SEMICOLON_UNITS = (
    BOM + "Asset Tag;Serial;Model;Status;Notes\r\n"
    'HPD-BWC-0001;X60A0001;Axon Body 3;;"lens cracked; taped, for now"\r\n'
    'HPD-BWC-0002;X60A0002;"Axon ""Body"" 3";in repair;"said ""ok""; sent back"\r\n'
    "HPD-BWC-0003;X60A0003;Axon Body 3;;\r\n"
)


def test_a_semicolon_file_with_bom_and_quotes_imports_and_says_how_it_was_read(
    admin_ctx, tmp_path
):
    report = imports.import_units(admin_ctx, write(tmp_path, "units.csv", SEMICOLON_UNITS))
    assert report.ok and report.committed and report.added == 3, report.errors
    assert any("read as semicolon-separated" in w for w in report.warnings)
    units = {u.asset_tag: u for u in inventory.list_units(admin_ctx)}
    assert units["HPD-BWC-0001"].notes == "lens cracked; taped, for now"
    assert units["HPD-BWC-0002"].model == 'Axon "Body" 3'
    assert units["HPD-BWC-0002"].notes == 'said "ok"; sent back'
    assert units["HPD-BWC-0002"].status.value == "in repair"
    again = imports.import_units(admin_ctx, write(tmp_path, "units.csv", SEMICOLON_UNITS))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)


def test_a_comma_file_is_read_as_before_even_with_semicolons_in_values(admin_ctx, tmp_path):
    text = "asset_tag,serial,notes\nHPD-1,S-1,a;b;c;d\n"
    report = imports.import_units(admin_ctx, write(tmp_path, "u.csv", text))
    assert report.ok and report.added == 1 and report.warnings == ()
    assert inventory.list_units(admin_ctx)[0].notes == "a;b;c;d"


def test_a_tab_separated_utf16_file_imports_officers(admin_ctx, tmp_path):
    # Excel's 'Unicode text': UTF-16 with its BOM (the codec writes it), tab-separated.
    text = "badge\tlast_name\tfirst_name\r\n0412\tPeña\tJosé\r\n0007\tJones\tAnn\r\n"
    report = imports.import_officers(admin_ctx, write(tmp_path, "o.txt", text, "utf-16"))
    assert report.ok and report.added == 2, report.errors
    assert any("read as tab-separated" in w for w in report.warnings)
    names = {o.badge: (o.last_name, o.first_name) for o in officers.list_officers(admin_ctx)}
    assert names["0412"] == ("Peña", "José")


def test_a_semicolon_line_with_too_many_cells_names_the_semicolon(admin_ctx, tmp_path):
    text = "badge;last_name\n0001;Smith; John\n"
    report = imports.import_officers(admin_ctx, write(tmp_path, "o.csv", text))
    assert [line for line, _ in report.errors] == [2]
    assert "a semicolon inside a value needs quotes" in report.errors[0][1]


def test_a_semicolon_header_under_other_names_is_split_for_the_columns_panel(
    admin_ctx, tmp_path
):
    path = write(tmp_path, "u.csv", "Tag Number;Serial No;Model\nHPD-1;S-1;AB3\n")
    with pytest.raises(ValidationError) as caught:
        imports.import_units(admin_ctx, path)
    message = str(caught.value)
    assert "found: Tag Number, Serial No, Model" in message
    assert "read as semicolon-separated" in message
    mapped = {"asset_tag": "Tag Number", "serial": "Serial No"}
    report = imports.import_units(admin_ctx, path, mapping=mapped)
    assert report.ok and report.added == 1, report.errors


def test_a_header_split_by_something_else_says_so_and_how_to_save_it(admin_ctx, tmp_path):
    path = write(tmp_path, "u.csv", "asset_tag|serial|model\nHPD-1|S-1|AB3\n")
    with pytest.raises(ValidationError) as caught:
        imports.import_units(admin_ctx, path)
    message = str(caught.value)
    assert "no column asset_tag, serial" in message
    assert "separator other than comma, semicolon or tab" in message
    assert "CSV UTF-8 (Comma delimited)" in message
    assert inventory.list_units(admin_ctx) == []


def test_an_ordinary_missing_column_does_not_talk_about_separators(admin_ctx, tmp_path):
    with pytest.raises(ValidationError) as caught:
        imports.import_officers(admin_ctx, write(tmp_path, "o.csv", "badge,name\n1,x\n"))
    assert "separator" not in str(caught.value) and "separated" not in str(caught.value)


def test_a_semicolon_shifts_file_with_decimal_commas_is_read(admin_ctx, tmp_path):
    text = BOM + "name;start;hours\r\nDay;07:00;8,5\r\nNight;19:00;10\r\n"
    shifts = settings.read_shift_csv(write(tmp_path, "shifts.csv", text))
    assert [(s.name, f"{s.starts:%H:%M}", s.hours_text()) for s in shifts] == [
        ("Day", "07:00", "8.5"),
        ("Night", "19:00", "10"),
    ]

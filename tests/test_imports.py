"""CSV import and export: every bad case of the command-line contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from bwc_desk.domain.errors import PermissionDenied, ValidationError
from bwc_desk.services import exports, imports, inventory, officers

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)

OFFICERS = (
    "badge,last_name,first_name,rank,division,shift,active,scan_code\n"
    "0412,Smith,John,Officer,Patrol North,Day,yes,\n"
    "0007,Jones,Ann,Sergeant,Traffic,Night,1,ID-0007\n"
)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_officers_import_and_reimport_changes_nothing(admin_ctx, tmp_path):
    path = write(tmp_path, "o.csv", OFFICERS)
    report = imports.import_officers(admin_ctx, path)
    assert (report.added, report.updated, report.unchanged, report.errors) == (2, 0, 0, ())
    rows = {o.badge: o for o in officers.list_officers(admin_ctx)}
    assert rows["0412"].scan_code == "0412" and rows["0007"].scan_code == "ID-0007"
    again = imports.import_officers(admin_ctx, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


def test_excel_quirks_bom_crlf_header_case_spaces_unknown_columns(admin_ctx, tmp_path):
    text = (
        "\ufeff Badge ,LAST_NAME, First_Name ,Shift,Favourite Colour\r\n"
        "0412,Smith,John,Day,blue\r\n\r\n"
    )
    report = imports.import_officers(admin_ctx, write(tmp_path, "o.csv", text))
    assert report.ok and report.added == 1
    assert any("Favourite Colour" in w for w in report.warnings)


def test_windows_1252_file_is_read_with_a_warning(admin_ctx, tmp_path):
    path = write(tmp_path, "o.csv", "badge,last_name\n0412,Peña\n", encoding="cp1252")
    report = imports.import_officers(admin_ctx, path)
    assert report.ok and any("Windows-1252" in w for w in report.warnings)
    assert officers.list_officers(admin_ctx)[0].last_name == "Peña"


def test_all_or_nothing_lists_every_bad_row_by_line(admin_ctx, tmp_path):
    text = (
        "badge,last_name,active\n"
        "0001,Good,yes\n"
        ",NoBadge,yes\n"
        "0003,BadActive,maybe\n"
        "0001,Duplicate,yes\n"
        "0005,,no\n"
    )
    report = imports.import_officers(admin_ctx, write(tmp_path, "o.csv", text))
    lines = [line for line, _ in report.errors]
    assert lines == [3, 4, 5, 6]
    reasons = dict(report.errors)
    assert "badge is required" in reasons[3]
    assert "maybe" in reasons[4]
    assert "already on line 2" in reasons[5]
    assert "last_name is required" in reasons[6]
    assert officers.list_officers(admin_ctx) == []


def test_line_numbers_count_physical_lines_with_quoted_newlines(admin_ctx, tmp_path):
    text = 'badge,last_name,comment\n0001,Smith,"two\nlines"\n0002,,x\n'
    report = imports.import_officers(admin_ctx, write(tmp_path, "o.csv", text))
    assert [line for line, _ in report.errors] == [4]


def test_missing_required_column_is_named(admin_ctx, tmp_path):
    with pytest.raises(ValidationError, match="no column last_name"):
        imports.import_officers(admin_ctx, write(tmp_path, "o.csv", "badge,name\n1,x\n"))


@pytest.mark.parametrize("content", ["", "   \n", "\x00\x01binary"])
def test_empty_or_binary_files(admin_ctx, tmp_path, content):
    with pytest.raises(ValidationError):
        imports.import_officers(admin_ctx, write(tmp_path, "o.csv", content))


def test_too_many_cells_is_a_row_error(admin_ctx, tmp_path):
    text = "badge,last_name\n0001,Smith, John\n"
    report = imports.import_officers(admin_ctx, write(tmp_path, "o.csv", text))
    assert report.errors and report.errors[0][0] == 2 and "quotes" in report.errors[0][1]


UNITS = (
    "asset_tag,serial,model,firmware,status,purchase_date,warranty_until,assigned_badge,notes\n"
    "HPD-BWC-0001,X60A0001,Axon Body 3,1.2,,2019-06-03,6/3/2024,0412,\n"
    "HPD-BWC-0002,X60A0002,Axon Body 3,1.2,in repair,2019-06-03,,,lens\n"
    "HPD-BWC-0003,X60A0003,Axon Body 3,1.2,retired,2019-06-03,,,\n"
)


def test_units_import_assigns_sets_status_and_reimports_unchanged(admin_ctx, tmp_path):
    imports.import_officers(admin_ctx, write(tmp_path, "o.csv", OFFICERS))
    path = write(tmp_path, "u.csv", UNITS)
    report = imports.import_units(admin_ctx, path)
    assert report.ok and report.added == 3, report.errors
    units = {u.asset_tag: u for u in inventory.list_units(admin_ctx)}
    assert units["HPD-BWC-0001"].primary_officer.startswith("Smith, John")
    assert units["HPD-BWC-0001"].warranty_until.isoformat() == "2024-06-03"
    assert units["HPD-BWC-0002"].status.value == "in repair"
    assert units["HPD-BWC-0003"].status.value == "retired"
    again = imports.import_units(admin_ctx, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)


def test_export_then_import_round_trips(admin_ctx, tmp_path):
    imports.import_officers(admin_ctx, write(tmp_path, "o.csv", OFFICERS))
    imports.import_units(admin_ctx, write(tmp_path, "u.csv", UNITS))
    exports.export_officers(admin_ctx, tmp_path / "o2.csv")
    exports.export_units(admin_ctx, tmp_path / "u2.csv")
    assert imports.import_officers(admin_ctx, tmp_path / "o2.csv").unchanged == 2
    report = imports.import_units(admin_ctx, tmp_path / "u2.csv")
    assert (report.unchanged, report.updated, report.added) == (3, 0, 0)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("HPD-9,S-9,,,issued,,,,", "cannot be imported"),
        ("HPD-9,S-9,,,broken,,,,", "is not one of"),
        ("HPD-9,S-9,,,,2019-02-30,,,", "not a real date"),
        ("HPD-9,S-9,,,,,,9999,", "not in the officer roster"),
        ("HPD-9,X60A0001,,,,,,,", "already belongs to HPD-BWC-0001"),
        ("HPD-9,S-9,,,lost,,,0007,", "cannot be assigned"),
        (",S-9,,,,,,,", "asset tag is required"),
    ],
)
def test_bad_unit_rows(admin_ctx, tmp_path, row, reason):
    imports.import_officers(admin_ctx, write(tmp_path, "o.csv", OFFICERS))
    imports.import_units(admin_ctx, write(tmp_path, "u.csv", UNITS))
    before = inventory.list_units(admin_ctx)
    header = UNITS.splitlines()[0]
    report = imports.import_units(
        admin_ctx, write(tmp_path, "bad.csv", f"{header}\nHPD-8,S-8,,,,,,,\n{row}\n")
    )
    assert [line for line, _ in report.errors] == [3]
    assert reason in report.errors[0][1]
    assert inventory.list_units(admin_ctx) == before  # HPD-8 was not written either


def test_dry_run_writes_nothing(admin_ctx, tmp_path):
    report = imports.import_officers(admin_ctx, write(tmp_path, "o.csv", OFFICERS), commit=False)
    assert report.added == 2 and not report.committed
    assert officers.list_officers(admin_ctx) == []


def test_only_admins_import(sup_ctx, tmp_path):
    with pytest.raises(PermissionDenied):
        imports.import_officers(sup_ctx, write(tmp_path, "o.csv", OFFICERS))


def test_custody_export_has_every_field(admin_ctx, tmp_path):
    inventory.add_unit(admin_ctx, inventory.UnitInput("HPD-1", "S-1"))
    n = exports.export_custody(admin_ctx, tmp_path / "c.csv")
    text = (tmp_path / "c.csv").read_text(encoding="utf-8-sig").splitlines()
    assert n == 1 and text[0].startswith("seq,at_utc,kind,unit_id,asset_tag")
    assert text[1].startswith("1,") and "HPD-1" in text[1] and "admin" in text[1]


def test_a_preview_says_what_each_update_changes_blanks_included(admin_ctx, tmp_path):
    imports.import_officers(admin_ctx, write(tmp_path, "o.csv", OFFICERS))
    imports.import_units(admin_ctx, write(tmp_path, "u.csv", UNITS))
    changed = UNITS.replace("6/3/2024", "").replace(",0412,", ",0007,")
    preview = imports.import_units(admin_ctx, write(tmp_path, "u2.csv", changed), commit=False)
    assert preview.updated == 1 and not preview.committed
    (line, what), = preview.changes
    assert line == 2
    assert "warranty_until 2024-06-03 -> (blank)" in what
    assert "assigned_badge 0412 -> 0007" in what
    officers_preview = imports.import_officers(
        admin_ctx, write(tmp_path, "o2.csv", OFFICERS.replace("Patrol North", "K-9")), commit=False
    )
    assert officers_preview.changes == ((2, "division Patrol North -> K-9"),)


def test_an_imported_scan_code_may_not_be_another_officers_badge(admin_ctx, tmp_path):
    imports.import_officers(admin_ctx, write(tmp_path, "o.csv", OFFICERS))
    clash = (
        "badge,last_name,first_name,scan_code\n"
        "0042,Tester,Una,0007\n"  # Jones's badge number (her scan code is ID-0007)
        "ID-0007,Other,Oscar,\n"  # Jones's scan code
    )
    report = imports.import_officers(admin_ctx, write(tmp_path, "c.csv", clash))
    assert not report.ok and not report.committed
    reasons = dict(report.errors)
    assert "badge number of badge 0007" in reasons[2]
    assert "ID-0007" in reasons[3] and "badge 0007" in reasons[3]  # Jones's scan code


# --- "Nothing lost, nobody in": imports -------------------------------------------------------
UNIT_HEADER = UNITS.splitlines()[0]


def test_a_dry_run_refuses_a_tag_equal_to_another_cameras_serial_with_its_line(
    admin_ctx, tmp_path
):
    inventory.add_unit(admin_ctx, inventory.UnitInput("HPD-1", "X60A0001"))
    text = f"{UNIT_HEADER}\nHPD-2,S-2,,,,,,,\nX60A0001,S-3,,,,,,,\nHPD-4,HPD-2,,,,,,,\n"
    path = write(tmp_path, "u.csv", text)
    dry = imports.import_units(admin_ctx, path, commit=False)
    real = imports.import_units(admin_ctx, path)
    assert [line for line, _ in dry.errors] == [3, 4]
    assert "X60A0001" in dict(dry.errors)[3] and "HPD-1" in dict(dry.errors)[3]
    assert "line 2" in dict(dry.errors)[4]
    assert real.errors == dry.errors and not real.committed
    assert [u.asset_tag for u in inventory.list_units(admin_ctx)] == ["HPD-1"]


def test_an_error_found_only_while_writing_still_names_its_line(admin_ctx, tmp_path, monkeypatch):
    from bwc_desk.domain.errors import ValidationError as VE

    def refuse(*_a, **_k):
        raise VE("refused by the database check")

    monkeypatch.setattr(imports, "insert_unit", refuse)
    report = imports.import_units(admin_ctx, write(tmp_path, "u.csv", f"{UNIT_HEADER}\n"
                                                   "HPD-1,S-1,,,,,,,\n"))
    assert report.errors == ((2, "refused by the database check"),) and not report.committed
    assert inventory.list_units(admin_ctx) == []


def test_an_officer_scan_code_may_not_be_a_camera_tag_nor_the_reverse(admin_ctx, tmp_path):
    inventory.add_unit(admin_ctx, inventory.UnitInput("HPD-BWC-0001", "X60A0001"))
    officers.add_officer(admin_ctx, officers.OfficerInput("0412", "Smith", scan_code="ID-0412"))
    # import of officers
    text = "badge,last_name,scan_code\n0007,Jones,hpd-bwc-0001\n0008,Brown,\n"
    for commit in (False, True):
        report = imports.import_officers(admin_ctx, write(tmp_path, "o.csv", text), commit=commit)
        assert [line for line, _ in report.errors] == [2]
        assert "HPD-BWC-0001" in report.errors[0][1] and "camera" in report.errors[0][1]
    # import of units
    text = f"{UNIT_HEADER}\nHPD-2,S-2,,,,,,,\nID-0412,S-3,,,,,,,\n"
    for commit in (False, True):
        report = imports.import_units(admin_ctx, write(tmp_path, "u.csv", text), commit=commit)
        assert [line for line, _ in report.errors] == [3]
        assert "0412" in report.errors[0][1] and "scan code" in report.errors[0][1]
    # edits and adds
    with pytest.raises(ValidationError, match="camera"):
        officers.add_officer(
            admin_ctx, officers.OfficerInput("0009", "Lee", scan_code="HPD-BWC-0001")
        )
    smith = officers.list_officers(admin_ctx)[0]
    with pytest.raises(ValidationError, match="camera"):
        officers.edit_officer(admin_ctx, smith.id, officers.OfficerInput(
            "0412", "Smith", scan_code="HPD-BWC-0001"))
    with pytest.raises(ValidationError, match="scan code"):
        inventory.add_unit(admin_ctx, inventory.UnitInput("ID-0412", "S-9"))
    unit = inventory.list_units(admin_ctx)[0]
    with pytest.raises(ValidationError, match="scan code"):
        inventory.edit_unit(admin_ctx, unit.id, inventory.UnitInput("ID-0412", "X60A0001"))
    assert [u.asset_tag for u in inventory.list_units(admin_ctx)] == ["HPD-BWC-0001"]
    assert [o.scan_code for o in officers.list_officers(admin_ctx)] == ["ID-0412"]


def test_an_unknown_shift_is_refused_with_its_line_and_the_known_names(admin_ctx, tmp_path):
    text = "badge,last_name,shift,division\n0001,Smith,day,Patrol\n0002,Jones,Nite,Patrol\n"
    report = imports.import_officers(admin_ctx, write(tmp_path, "o.csv", text))
    assert [line for line, _ in report.errors] == [3]
    reason = report.errors[0][1]
    assert "'Nite'" in reason and all(s in reason for s in ("Day", "Evening", "Night"))
    ok = "badge,last_name,shift\n0001,Smith,day\n0002,Jones,\n"
    assert imports.import_officers(admin_ctx, write(tmp_path, "o.csv", ok)).ok
    # the agency's own spelling is stored
    assert {o.badge: o.shift for o in officers.list_officers(admin_ctx)} == {
        "0001": "Day", "0002": ""}


def test_a_utf16_file_is_recognised_by_its_byte_order_mark(admin_ctx, tmp_path):
    path = tmp_path / "o.csv"
    path.write_bytes("badge,last_name\n0412,Peña\n".encode("utf-16"))
    report = imports.import_officers(admin_ctx, path)
    assert report.ok and report.added == 1, report.errors
    assert officers.list_officers(admin_ctx)[0].last_name == "Peña"


def test_junk_echoed_in_an_error_is_cut_at_80_characters(admin_ctx, tmp_path):
    junk = "x" * 5000
    text = f"badge,last_name,active\n0001,Smith,{junk}\n"
    report = imports.import_officers(admin_ctx, write(tmp_path, "o.csv", text))
    assert report.errors and len(report.errors[0][1]) < 200
    assert "x" * 81 not in report.errors[0][1]
    text = f"asset_tag,serial,status\nHPD-1,S-1,{junk}\n"
    report = imports.import_units(admin_ctx, write(tmp_path, "u.csv", text))
    assert report.errors and "x" * 81 not in report.errors[0][1]
    with pytest.raises(ValidationError) as err:
        imports.import_officers(admin_ctx, write(tmp_path, "o.csv", f"badge,{junk}\n1,x\n"))
    assert "x" * 81 not in str(err.value)


def test_an_unterminated_quote_is_named_as_such(admin_ctx, tmp_path):
    text = 'badge,last_name\n0001,Smith\n0002,"Jones\n0003,Brown\n'
    report = imports.import_officers(admin_ctx, write(tmp_path, "o.csv", text))
    assert [line for line, _ in report.errors] == [3]
    assert "quote" in report.errors[0][1] and "never closed" in report.errors[0][1]
    assert officers.list_officers(admin_ctx) == []


def test_an_officer_import_runs_the_same_statements_for_100_or_2000_rows(admin_ctx, tmp_path):
    """Linear, not quadratic: no query per row (benchmarks/imports.py measures 200,000)."""
    from sqlalchemy import event

    def statements(rows: int, offset: int) -> int:
        text = "badge,last_name,shift,scan_code\n" + "".join(
            f"{offset + i:07d},Last{i},Day,{'ID-' + str(offset + i) if i % 2 else ''}\n"
            for i in range(rows)
        )
        count = [0]

        def seen(*_a):
            count[0] += 1

        event.listen(admin_ctx.db.engine, "before_cursor_execute", seen)
        try:
            report = imports.import_officers(admin_ctx, write(tmp_path, f"o{rows}.csv", text))
        finally:
            event.remove(admin_ctx.db.engine, "before_cursor_execute", seen)
        assert report.committed and report.added == rows
        return count[0]

    few = statements(100, 0)
    many = statements(2000, 100_000)
    assert many <= few + 5, (few, many)


def test_a_scan_code_equal_to_a_badge_on_another_line_is_refused_with_its_line(
    admin_ctx, tmp_path
):
    text = "badge,last_name,scan_code\n0001,Smith,ID-9\nid-9,Jones,\n0003,Brown,0001\n"
    for commit in (False, True):
        report = imports.import_officers(admin_ctx, write(tmp_path, "o.csv", text), commit=commit)
        assert [line for line, _ in report.errors] == [3, 4], report.errors
        assert "line 2" in dict(report.errors)[3] and "line 2" in dict(report.errors)[4]
    assert officers.list_officers(admin_ctx) == []


@pytest.mark.parametrize("ending", ["\n", "", "\r\n"])
def test_an_unterminated_quote_on_the_last_line_is_named_as_such(admin_ctx, tmp_path, ending):
    text = f'asset_tag,serial,model\nBWC-001,SN001,AB3\n"BWC-004,SN004,AB3{ending}'
    report = imports.import_units(admin_ctx, write(tmp_path, "u.csv", text))
    assert [line for line, _ in report.errors] == [3]
    assert "never closed" in report.errors[0][1] and "serial" not in report.errors[0][1]


@pytest.mark.parametrize("commit", [False, True])
def test_an_officer_with_a_camera_is_not_deactivated_by_an_import(admin_ctx, tmp_path, commit):
    """A tester's officers file with ``active = no`` deactivated an officer holding a camera
    with no reason and no custody record, and left him a camera's officer (the Roster asks
    a reason and unassigns). A holder's line is refused and says where to do it; an owner's
    camera becomes a spare with a custody record; a units file may not give a camera to an
    inactive officer either."""
    from bwc_desk.domain.roles import Role
    from bwc_desk.services import assignments, counter
    from bwc_desk.services.counter import FunctionTest
    from bwc_desk.services.inventory import UnitInput
    from bwc_desk.services.officers import OfficerInput
    from tests.conftest import make_actor

    holder = officers.add_officer(admin_ctx, OfficerInput("0002", "Holder", "Hal"))
    owner = officers.add_officer(admin_ctx, OfficerInput("0003", "Owner", "Ola"))
    officers.add_officer(admin_ctx, OfficerInput("0004", "Free", "Fay"))
    gone = officers.add_officer(admin_ctx, OfficerInput("0005", "Gone", "Gus", active=False))
    for tag in ("HPD-2", "HPD-3", "HPD-9"):
        inventory.add_unit(admin_ctx, UnitInput(tag, f"S-{tag}"))
    assignments.assign_primary(admin_ctx, "HPD-3", owner.id)
    qm = make_actor(admin_ctx, Role.QUARTERMASTER, "quinn")
    counter.issue_unit(qm, holder.id, "HPD-2", function_test=FunctionTest())
    text = "badge,last_name,active\n0002,Holder,no\n0003,Owner,no\n0004,Free,no\n"
    report = imports.import_officers(admin_ctx, write(tmp_path, "o.csv", text), commit=commit)
    reasons = dict(report.errors)
    assert sorted(reasons) == [2], report.errors
    assert "holds HPD-2" in reasons[2] and "Roster" in reasons[2]
    assert all(o.active for o in officers.list_officers(admin_ctx) if o.badge in ("0002", "0003"))
    # Without the holder's line: the owner is deactivated and his camera becomes a spare,
    # with a custody record that names the file (as the Roster and the directory sync do).
    text = "badge,last_name,active\n0003,Owner,no\n0004,Free,no\n"
    report = imports.import_officers(admin_ctx, write(tmp_path, "o2.csv", text), commit=commit)
    assert not report.errors, report.errors
    assert "their own camera HPD-3 becomes a spare" in " ".join(c for _l, c in report.changes)
    unit = inventory.unit_detail(admin_ctx, "HPD-3")
    if commit:
        assert unit.primary_officer_id is None
        events = inventory.unit_history(admin_ctx, unit.id)
        assert any("officer deactivated: import of o2.csv" in (e.reason or "") for e in events)
    else:
        assert unit.primary_officer_id == owner.id

    units = "asset_tag,serial,assigned_badge\nHPD-9,S-HPD-9,0005\n"
    report = imports.import_units(admin_ctx, write(tmp_path, "u.csv", units), commit=commit)
    assert [line for line, _r in report.errors] == [2]
    assert "0005" in report.errors[0][1] and "inactive" in report.errors[0][1]
    assert inventory.unit_detail(admin_ctx, "HPD-9").primary_officer_id != gone.id

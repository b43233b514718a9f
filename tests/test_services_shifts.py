"""The agency's own shifts: the table's rules, who may change it, what a change affects
(expected returns of new issues, the handover, the line-up), and the command line."""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bwc_desk.domain.errors import DomainError, PermissionDenied, ValidationError
from bwc_desk.domain.settings import KnownNames
from bwc_desk.domain.shifts import (
    DEFAULT_SHIFTS,
    ShiftSpec,
    ShiftTableError,
    check_shift_table,
    handover_at,
)
from bwc_desk.services import counter, inventory, officers, settings
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store.models import AuditRecord, Shift

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)

NY = ZoneInfo("America/New_York")
TEN_HOUR = [
    ShiftSpec.of_length("Days", time(6), timedelta(hours=10)),
    ShiftSpec.of_length("Swing", time(14), timedelta(hours=10)),
    ShiftSpec.of_length("Nights", time(22), timedelta(hours=10)),
]


def at(h: int, m: int = 0, day: int = 24) -> datetime:
    return datetime(2026, 11, day, h, m, tzinfo=NY).astimezone(UTC)


def table(ctx):
    with ctx.db.read() as s:
        return sorted(s.execute(select(Shift.name, Shift.starts, Shift.ends)).all())


def audit_count(ctx) -> int:
    with ctx.db.read() as s:
        return s.execute(select(func.count()).select_from(AuditRecord)).scalar_one()


# --- the table's rules ----------------------------------------------------------------------


def test_a_table_of_ten_and_twelve_hour_shifts_with_overlaps():
    shifts = check_shift_table([(2, "Nights", "22:00", "10"), (3, "Days", "6:00", "10.5"),
                                (4, "Power", "1830", "12"), (5, "Short", "09:00", "8:20")])
    assert [(s.name, s.starts, s.ends) for s in shifts] == [
        ("Days", time(6), time(16, 30)), ("Short", time(9), time(17, 20)),
        ("Power", time(18, 30), time(6, 30)), ("Nights", time(22), time(8))]
    assert [s.hours_text() for s in shifts] == ["10.5", "8:20", "12", "10"]
    assert shifts[2].length == timedelta(hours=12)


def test_every_bad_row_is_named_with_its_reason():
    with pytest.raises(ShiftTableError) as caught:
        check_shift_table([(2, "Day", "07:00", "8"), (3, "", "07:00", "8"),
                           (4, "Long", "07:00", "13"), (5, "Late", "25:00", "8"),
                           (6, "day", "08:00", "8"), (7, "Zero", "08:00", "0"),
                           (8, "Odd", "08:00", "ten")], "shifts.csv")
    text = str(caught.value)
    assert "shifts.csv: 6 problem(s); nothing was changed" in text
    assert [line for line, _r in caught.value.problems] == [3, 4, 5, 6, 7, 8]
    assert "line 3: the shift has no name" in text
    assert "line 4: hours '13': a shift lasts at most 12 hours" in text
    assert "line 5: start '25:00' is not a time of day" in text
    assert "line 6: name day is already on line 2 (each shift has its own name" in text
    assert "line 7: hours '0': a shift lasts more than 0 hours" in text
    assert "line 8: hours 'ten' is not a number of hours" in text
    with pytest.raises(ShiftTableError, match="at least one"):
        check_shift_table([])


def test_the_handover_with_overlapping_ten_hour_shifts():
    # Days 06-16, Swing 14-24, Nights 22-08: the shift going off is the one whose end is
    # nearest to the incoming start, not the one that started before it.
    assert handover_at(TEN_HOUR, at(13, 40), NY) == ("Days", "Swing")
    assert handover_at(TEN_HOUR, at(21, 50), NY) == ("Swing", "Nights")
    assert handover_at(TEN_HOUR, at(5, 50), NY) == ("Nights", "Days")
    twelve = [ShiftSpec.of_length("A", time(7), timedelta(hours=12)),
              ShiftSpec.of_length("B", time(19), timedelta(hours=12)),
              ShiftSpec.of_length("Power", time(11), timedelta(hours=10))]
    assert handover_at(twelve, at(18, 40), NY) == ("A", "B")
    assert handover_at(twelve, at(6, 50), NY) == ("B", "A")
    assert handover_at(DEFAULT_SHIFTS, at(22, 50), NY) == ("Evening", "Night")


def test_known_names_give_the_agency_spelling_or_list_the_known_ones():
    known = KnownNames(("Day", "Night"), ("Patrol", "Traffic"))
    assert known.shift(" night ") == "Night" and known.shift("") == ""
    assert known.division("TRAFFIC") == "Traffic"
    with pytest.raises(ValidationError, match=r"shift 'Nite' is not one of the agency's "
                                              r"shifts \(Day, Night\)"):
        known.shift("Nite")
    with pytest.raises(ValidationError, match=r"division 'Patorl' .*\(Patrol, Traffic\)"):
        known.division("Patorl")
    assert KnownNames(("Day",), ()).division("K-9") == "K-9"  # the first import names them


# --- the service ----------------------------------------------------------------------------


def test_an_admin_replaces_the_shifts_audited(admin_ctx):
    before = audit_count(admin_ctx)
    settings.replace_shifts(admin_ctx, TEN_HOUR)
    assert table(admin_ctx) == [("Days", "06:00", "16:00"), ("Nights", "22:00", "08:00"),
                                ("Swing", "14:00", "00:00")]
    assert [s.name for s in settings.list_shifts(admin_ctx)] == ["Days", "Swing", "Nights"]
    assert [s.name for s in settings.get_settings(admin_ctx).shifts] == ["Days", "Swing",
                                                                         "Nights"]
    with admin_ctx.db.read() as s:
        row = s.execute(select(AuditRecord).order_by(AuditRecord.seq.desc())).scalars().first()
    assert audit_count(admin_ctx) == before + 1
    assert (row.event, row.staff_username, row.station) == ("settings changed", "admin",
                                                           "DESK-1")
    assert row.at.tzinfo is not None and row.at.utcoffset() == timedelta(0)
    details = json.loads(row.details)
    assert details["shifts"]["before"][0] == "Day 07:00 8 h"
    assert details["shifts"]["after"] == ["Days 06:00 10 h", "Swing 14:00 10 h",
                                          "Nights 22:00 10 h"]


def test_only_an_admin_changes_shifts(sup_ctx, admin_ctx):
    before = table(admin_ctx)
    with pytest.raises(PermissionDenied, match="only admin may change the agency's shifts"):
        settings.replace_shifts(sup_ctx, TEN_HOUR)
    with pytest.raises(PermissionDenied):
        settings.change_settings(sup_ctx, {"shifts": TEN_HOUR})
    assert table(admin_ctx) == before


def test_removing_a_shift_that_officers_are_on_is_refused_with_their_count(admin_ctx, sup_ctx):
    for badge in ("1", "2", "3"):
        officers.add_officer(admin_ctx, OfficerInput(badge, "Nolan", shift="Night"))
    gone = officers.add_officer(admin_ctx, OfficerInput("4", "Gone", shift="Evening"))
    officers.deactivate_officer(sup_ctx, gone.id)
    from bwc_desk.services import assignments

    assignments.create_pool(sup_ctx, "Night pool", shift="Night")
    before, audits = table(admin_ctx), audit_count(admin_ctx)
    keep_day = [DEFAULT_SHIFTS[0]]
    with pytest.raises(DomainError) as caught:
        settings.replace_shifts(admin_ctx, keep_day)
    text = str(caught.value)
    assert "Nothing was changed" in text
    assert "Night cannot be removed: 3 active officers are on it and pool Night pool serves it"\
        in text
    assert "Evening" not in text  # only an inactive officer was on it
    assert table(admin_ctx) == before and audit_count(admin_ctx) == audits
    # Renaming the spelling or moving the hours of a shift in use is fine.
    night = ShiftSpec.of_length("NIGHT", time(22), timedelta(hours=10))
    settings.replace_shifts(admin_ctx, [DEFAULT_SHIFTS[0], night])
    assert table(admin_ctx) == [("Day", "07:00", "15:00"), ("NIGHT", "22:00", "08:00")]


def test_a_shift_change_applies_to_new_issues_only(admin_ctx, qm_ctx):
    # The clock is 01:45 in New York. Nolan works nights; an issue now is due at 07:00 + 30.
    nolan = officers.add_officer(admin_ctx, OfficerInput("31", "Nolan", shift="Night"))
    moss = officers.add_officer(admin_ctx, OfficerInput("32", "Moss", shift="Night"))
    for tag in ("A-1", "A-2"):
        inventory.add_unit(admin_ctx, UnitInput(tag, f"S{tag}"))
    first = counter.issue_unit(qm_ctx, nolan.id, "A-1", function_test=FunctionTest()).checkout
    assert first.expected_return == datetime(2026, 11, 24, 7, 30, tzinfo=NY)
    # Nights become 12 hours from 20:00 (to 08:00), with an hour of grace.
    twelve = [ShiftSpec.of_length("Day", time(8), timedelta(hours=12)),
              ShiftSpec.of_length("Night", time(20), timedelta(hours=12))]
    settings.change_settings(admin_ctx, {"shifts": twelve, "return_grace_minutes": 60})
    second = counter.issue_unit(qm_ctx, moss.id, "A-2", function_test=FunctionTest()).checkout
    assert second.expected_return == datetime(2026, 11, 24, 9, 0, tzinfo=NY)
    still = {c.asset_tag: c.expected_return for c in counter.out_now(qm_ctx)}
    assert still["A-1"] == datetime(2026, 11, 24, 7, 30, tzinfo=NY)


def test_the_lineup_follows_the_agencys_shifts(admin_ctx, qm_ctx):
    settings.replace_shifts(admin_ctx, TEN_HOUR)
    officers.add_officer(admin_ctx, OfficerInput("41", "Ortiz", shift="Nights"))
    sheet = counter.lineup(qm_ctx, "Nights", datetime(2026, 11, 23).date())
    assert sheet.shift == "Nights (22:00-08:00)"
    assert sheet.ends - sheet.starts == timedelta(hours=10)
    assert [r.officer for r in sheet.rows] == ["Ortiz"]


def test_known_names_from_the_database(admin_ctx, sup_ctx):
    from bwc_desk.services import assignments

    officers.add_officer(admin_ctx, OfficerInput("51", "Park", division="Patrol", shift="Day"))
    assignments.create_pool(sup_ctx, "Traffic pool", division="Traffic")
    with admin_ctx.db.read() as s:
        known = settings.known_names(s)
    assert known.shifts == ("Day", "Evening", "Night")
    assert known.divisions == ("Patrol", "Traffic")
    assert settings.known(sup_ctx) == known


# --- the CSV file and the command line --------------------------------------------------------


def test_a_csv_file_replaces_the_shifts_or_names_every_bad_line(admin_ctx, tmp_path):
    good = tmp_path / "shifts.csv"
    good.write_text("Name,Start,Hours\r\nDays,06:00,10\r\nSwing,14:00,10\r\nNights,22:00,10\r\n",
                    encoding="utf-8-sig")
    settings.replace_shifts_from_csv(admin_ctx, good)
    assert [s.name for s in settings.list_shifts(admin_ctx)] == ["Days", "Swing", "Nights"]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,start,hours\nDays,06:00,14\nSwing,2pm,10\nX,1:00,1,extra\n",
                   encoding="utf-8")
    before = table(admin_ctx)
    with pytest.raises(ShiftTableError) as caught:
        settings.replace_shifts_from_csv(admin_ctx, bad)
    assert [line for line, _r in caught.value.problems] == [2, 3, 4]
    assert table(admin_ctx) == before


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    from bwc_desk.__main__ import main

    old = sys.stdin
    sys.stdin = io.StringIO("correct horse battery\n")  # the password of --as admin
    try:
        code = main(list(args))
    finally:
        sys.stdin = old
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def cli_db(tmp_path, clock):
    from bwc_desk.services import auth
    from bwc_desk.services.startup import open_database
    from bwc_desk.store.db import sqlite_url

    path = tmp_path / "cli.sqlite3"
    opened = open_database(sqlite_url(path))
    auth.first_run(opened.db, agency_name="Test PD", station="DESK-1", username="admin",
                   password="correct horse battery", display_name="Ada", clock=clock)
    opened.db.dispose()
    return path


def test_settings_shifts_on_the_command_line(capsys, cli_db, tmp_path):
    code, out, _err = run_cli(capsys, "settings", "shifts", "--database", str(cli_db))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["Name", "Start", "Hours", "Ends"]
    assert lines[1].split() == ["Day", "07:00", "8", "15:00"]
    assert lines[3].split() == ["Night", "23:00", "8", "07:00"]
    good = tmp_path / "s.csv"
    good.write_text("name,start,hours\nDays,06:00,12\nNights,18:00,12\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "settings", "shifts", "set", str(good),
                             "--database", str(cli_db))
    assert code == 1 and "--as USERNAME" in err  # who changes them?
    code, out, err = run_cli(capsys, "settings", "shifts", "set", str(good),
                             "--database", str(cli_db), "--as", "admin", "--password-stdin")
    assert code == 0, err
    assert "2 shifts" in out and "Days" in out
    bad = tmp_path / "b.csv"
    bad.write_text("name,start,hours\nDays,06:00,13\nNights,18:00,12\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "settings", "shifts", "set", str(bad),
                             "--database", str(cli_db), "--as", "admin", "--password-stdin")
    assert code == 1
    assert "line 2: hours '13': a shift lasts at most 12 hours" in err
    assert "nothing was changed" in err
    code, out, _err = run_cli(capsys, "settings", "shifts", "--database", str(cli_db))
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["Days", "Nights"]
    # A file from a European Excel: split by semicolons, and the command says so.
    excel = tmp_path / "excel.csv"
    excel.write_text("name;start;hours\nEarly;05:00;10\nLate;15:00;10\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "settings", "shifts", "set", str(excel),
                             "--database", str(cli_db), "--as", "admin", "--password-stdin")
    assert code == 0, err
    assert out.splitlines()[0].startswith(
        f"{excel} (read as semicolon-separated (;)): the agency now has 2 shifts"
    ), out


def test_settings_read_again_are_the_stored_ones_whoever_changed_them(admin_ctx, db):
    """read_settings parses the rows again only when they differ from the last read's (every
    scan reads them): a change, by this station or another one, is seen by the next read,
    a table of shifts too, and unchanged rows give the very value read before."""
    from bwc_desk.services.context import Ctx

    with db.read() as session:
        first = settings.read_settings(session)
    with db.read() as session:
        assert settings.read_settings(session) is first  # (not parsed again)
    other = Ctx(db, "DESK-2", admin_ctx.actor, admin_ctx.clock)  # another station
    settings.change_settings(other, {"race_seconds": first.race_seconds + 7})
    with db.read() as session:
        again = settings.read_settings(session)
    assert again.race_seconds == first.race_seconds + 7
    settings.replace_shifts(
        other, [ShiftSpec("Days", time(6), time(18)), ShiftSpec("Nights", time(18), time(6))]
    )
    with db.write() as session:  # (in a write transaction too: what it commits with)
        latest = settings.read_settings(session)
    assert [s.name for s in latest.shifts] == ["Days", "Nights"]
    assert latest.race_seconds == first.race_seconds + 7

"""A shifts file names every problem of every line, as the cameras and officers imports do:
a line in error still counts for the lines after it (its name taken, so a repeat is named),
each field of a line is checked, several problems of a line are numbered in one reason,
and nothing is written while any line is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bwc_desk.domain.shifts import ShiftTableError, check_shift_table
from bwc_desk.services import settings
from bwc_desk.store.models import AuditRecord, Shift

pytestmark = pytest.mark.both_backends

# The tester's file: a bad start, then its name again, then a line with two mistakes.
TESTER = [(2, "Day", "25:00", "8"), (3, "Day", "07:00", "8"), (4, "Night", "xx", "yy")]


def problems_of(rows, source: str = "shifts.csv") -> dict[int, str]:
    with pytest.raises(ShiftTableError) as caught:
        check_shift_table(rows, source)
    lines = [line for line, _reason in caught.value.problems]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)  # one reason a line
    return dict(caught.value.problems)


def test_a_name_on_a_line_in_error_is_taken_so_its_repeat_is_named():
    reasons = problems_of(TESTER)
    assert sorted(reasons) == [2, 3, 4]
    assert reasons[2].startswith("start '25:00' is not a time of day")
    assert reasons[3] == (
        "name Day is already on line 2 (each shift has its own name, whatever its case: "
        "correct one of the two lines)"
    )


def test_each_field_of_a_line_is_checked_and_its_problems_numbered_in_one_reason():
    reasons = problems_of(TESTER)
    assert reasons[4] == (
        "(1) start 'xx' is not a time of day; write it as HH:MM, e.g. 07:00. "
        "(2) hours 'yy' is not a number of hours; write e.g. 8, 10 or 10.5."
    )


def test_a_line_with_one_problem_reads_as_before():
    reasons = problems_of([(2, "Day", "07:00", "8"), (3, "Long", "07:00", "13")])
    assert reasons == {3: "hours '13': a shift lasts at most 12 hours"}


def test_every_field_and_the_repeat_in_one_line():
    reasons = problems_of([(2, "Day", "07:00", "8"), (3, "DAY", "7pm", "0")])
    assert reasons[3] == (
        "(1) start '7pm' is not a time of day; write it as HH:MM, e.g. 07:00. "
        "(2) hours '0': a shift lasts more than 0 hours. "
        "(3) name DAY is already on line 2 (each shift has its own name, whatever its case: "
        "correct one of the two lines)."
    )


def test_a_repeat_names_the_first_line_of_the_name_even_when_it_repeats_again():
    reasons = problems_of(
        [(2, "Day", "xx", "8"), (3, "day", "07:00", "8"), (4, "Day", "07:00", "8")]
    )
    assert "already on line 2" in reasons[3] and "already on line 2" in reasons[4]


def test_a_nameless_or_too_long_name_takes_no_name_but_its_other_fields_are_checked():
    reasons = problems_of([(2, "", "xx", "8"), (3, "N" * 41, "07:00", "13")])
    assert reasons[2] == (
        "(1) the shift has no name. "
        "(2) start 'xx' is not a time of day; write it as HH:MM, e.g. 07:00."
    )
    assert reasons[3].startswith("(1) name 'NNNN")
    assert "(2) hours '13': a shift lasts at most 12 hours." in reasons[3]


def test_the_message_lists_the_lines_then_the_whole_table_rule():
    with pytest.raises(ShiftTableError) as caught:
        check_shift_table(TESTER, "shifts.csv")
    text = str(caught.value)
    assert text.splitlines()[0] == "shifts.csv: 3 problem(s); nothing was changed."
    assert [t.split(":")[0] for t in text.splitlines()[1:]] == ["line 2", "line 3", "line 4"]
    # a table with no line at all: the whole-table rule
    with pytest.raises(ShiftTableError) as empty:
        check_shift_table([], "shifts.csv")
    assert empty.value.problems == ((0, "there are no shifts: the agency needs at least one"),)


# --- the file, through the service (a real database: nothing written) ------------------------


def stored(ctx) -> tuple[list[tuple[str, str, str]], int]:
    with ctx.db.read() as s:
        rows = sorted(tuple(r) for r in s.execute(select(Shift.name, Shift.starts, Shift.ends)))
        audits = s.execute(select(func.count()).select_from(AuditRecord)).scalar_one()
    return list(rows), audits


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shifts.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_shifts_file_names_every_problem_and_writes_nothing(admin_ctx, tmp_path):
    before = stored(admin_ctx)
    path = write(
        tmp_path,
        "name,start,hours\n"
        "Day,25:00,8\n"  # 2: a bad start
        "Day,07:00,8\n"  # 3: line 2's name (line 2 is wrong too)
        "Night,xx,yy\n"  # 4: two mistakes
        "Swing,1:00,1,extra\n"  # 5: a line the reader cannot split
        "Evening,15:00,8\n",  # 6: right
    )
    with pytest.raises(ShiftTableError) as caught:
        settings.replace_shifts_from_csv(admin_ctx, path)
    reasons = dict(caught.value.problems)
    assert sorted(reasons) == [2, 3, 4, 5]
    assert "name Day is already on line 2" in reasons[3]
    assert "correct one of the two lines" in reasons[3]
    assert reasons[4].startswith("(1) start 'xx'") and "(2) hours 'yy'" in reasons[4]
    assert "has 4 cells but the header has 3 columns" in reasons[5]
    text = str(caught.value)
    assert text.startswith("shifts.csv: 4 problem(s); nothing was changed.\n")
    assert stored(admin_ctx) == before  # no shift, no audit record


def test_a_file_whose_only_lines_cannot_be_read_is_not_called_empty(admin_ctx, tmp_path):
    before = stored(admin_ctx)
    path = write(tmp_path, "name,start,hours\nSwing,1:00,1,extra\n")
    with pytest.raises(ShiftTableError) as caught:
        settings.replace_shifts_from_csv(admin_ctx, path)
    assert [line for line, _r in caught.value.problems] == [2]
    assert "no shifts" not in str(caught.value)
    assert stored(admin_ctx) == before

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bwc_desk.domain.shifts import ShiftSpec, describe_overdue, expected_return

NY = ZoneInfo("America/New_York")
DAY = ShiftSpec("Day", time(7), time(15))
NIGHT = ShiftSpec("Night", time(23), time(7))


def at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=NY).astimezone(UTC)


def test_issued_before_day_shift_is_due_at_its_end_plus_grace():
    due = expected_return(at("2026-11-24 06:40"), DAY, timedelta(minutes=30), NY)
    assert due == at("2026-11-24 15:30")


def test_night_shift_crosses_midnight():
    due = expected_return(at("2026-11-24 22:45"), NIGHT, timedelta(minutes=30), NY)
    assert due == at("2026-11-25 07:30")


def test_night_shift_over_a_dst_change_keeps_wall_clock_end():
    # 2026-11-01 02:00 EDT -> 01:00 EST: the night is an hour longer; the end stays 07:00.
    due = expected_return(at("2026-10-31 22:50"), NIGHT, timedelta(0), NY)
    assert due.astimezone(NY).hour == 7


def test_unknown_shift_uses_the_default_length():
    issued = at("2026-11-24 09:00")
    assert expected_return(issued, None, timedelta(minutes=30), NY) == issued + timedelta(
        hours=10, minutes=30
    )


def test_overdue_wording():
    due = at("2026-11-24 15:30")
    assert describe_overdue(due, due - timedelta(minutes=1)) == ""
    assert describe_overdue(due, due + timedelta(minutes=45)) == "45 min overdue"
    assert describe_overdue(due, due + timedelta(hours=2, minutes=5)) == "2 h 05 min overdue"

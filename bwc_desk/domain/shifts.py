"""Shifts and expected return times. Shift hours are local wall-clock time of the agency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo


@dataclass(frozen=True, slots=True)
class ShiftSpec:
    name: str
    starts: time
    ends: time

    @property
    def length(self) -> timedelta:
        start = timedelta(hours=self.starts.hour, minutes=self.starts.minute)
        end = timedelta(hours=self.ends.hour, minutes=self.ends.minute)
        if end <= start:
            end += timedelta(days=1)
        return end - start

    def label(self) -> str:
        return f"{self.name} ({self.starts:%H:%M}-{self.ends:%H:%M})"


DEFAULT_SHIFTS = (
    ShiftSpec("Day", time(7, 0), time(15, 0)),
    ShiftSpec("Evening", time(15, 0), time(23, 0)),
    ShiftSpec("Night", time(23, 0), time(7, 0)),
)


def shift_window(shift: ShiftSpec, moment: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """The occurrence of ``shift`` whose start is nearest to ``moment`` (issue happens around
    the start of a shift, a little before or into it), as aware UTC datetimes."""
    local = moment.astimezone(zone)
    best: tuple[timedelta, datetime] | None = None
    for day_offset in (-1, 0, 1):
        day = local.date() + timedelta(days=day_offset)
        start = datetime.combine(day, shift.starts, tzinfo=zone)
        distance = abs(start - local)
        if best is None or distance < best[0]:
            best = (distance, start)
    assert best is not None
    start = best[1]
    end = start + shift.length
    return start.astimezone(UTC), end.astimezone(UTC)


def expected_return(
    issued_at: datetime,
    shift: ShiftSpec | None,
    grace: timedelta,
    zone: tzinfo,
    default_length: timedelta = timedelta(hours=10),
) -> datetime:
    """End of the officer's shift plus grace; without known shift hours, a default length."""
    if shift is None:
        return (issued_at + default_length + grace).astimezone(UTC)
    _start, end = shift_window(shift, issued_at, zone)
    if end <= issued_at:  # issued after the shift ended (late paperwork): a default length
        return (issued_at + default_length + grace).astimezone(UTC)
    return end + grace


def describe_overdue(expected: datetime, now: datetime) -> str:
    """'2 h 05 min overdue' or '' when not overdue."""
    late = now - expected
    if late <= timedelta(0):
        return ""
    minutes = int(late.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min overdue"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min overdue"
    return f"{hours // 24} days overdue"

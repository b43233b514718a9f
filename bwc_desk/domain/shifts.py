"""Shifts and expected return times. Shift hours are local wall-clock time of the agency.

The agency names its own shifts (Agency settings): each has a start and a length of up to
12 hours, and shifts may overlap (a 10-hour plan has three 10-hour shifts in 24 hours).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import TypeVar

from bwc_desk.domain.errors import ValidationError

MAX_LENGTH = timedelta(hours=12)
_T = TypeVar("_T")
NAME_LIMIT = 40


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

    @property
    def minutes(self) -> int:
        return int(self.length.total_seconds() // 60)

    def hours_text(self) -> str:
        """The length as the CSV writes it: '8', '10.5', or '8:20' when no short decimal."""
        hours, minutes = divmod(self.minutes, 60)
        if minutes == 0:
            return str(hours)
        if minutes % 15 == 0:
            return f"{self.minutes / 60:g}"
        return f"{hours}:{minutes:02d}"

    def label(self) -> str:
        return f"{self.name} ({self.starts:%H:%M}-{self.ends:%H:%M})"

    @classmethod
    def of_length(cls, name: str, starts: time, length: timedelta) -> ShiftSpec:
        end = datetime.combine(datetime(2000, 1, 1).date(), starts) + length
        return cls(name, starts, end.time())


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


# --- the agency's shift table --------------------------------------------------------------

_START = re.compile(r"^(\d{1,2}):?(\d{2})$")
_HOURS_HM = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_start(text: str) -> time:
    """'07:00', '7:00' or '0700' (24-hour clock)."""
    match = _START.match(text.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValidationError(
            f"start {text.strip()!r} is not a time of day; write it as HH:MM, e.g. 07:00"
        )
    return time(int(match[1]), int(match[2]))


def parse_length(text: str) -> timedelta:
    """Hours as '10', '10.5' or '10:30'; more than 0 and at most 12."""
    raw = text.strip()
    match = _HOURS_HM.match(raw)
    minutes: float
    try:
        if match is not None:
            if int(match[2]) > 59:
                raise ValueError(raw)
            minutes = int(match[1]) * 60 + int(match[2])
        else:
            minutes = float(raw.replace(",", ".")) * 60
    except ValueError:
        raise ValidationError(
            f"hours {raw!r} is not a number of hours; write e.g. 8, 10 or 10.5"
        ) from None
    if not math.isfinite(minutes) or abs(minutes - round(minutes)) > 1e-6:
        raise ValidationError(f"hours {raw!r} is not a whole number of minutes")
    if round(minutes) <= 0:
        raise ValidationError(f"hours {raw!r}: a shift lasts more than 0 hours")
    if round(minutes) > MAX_LENGTH.total_seconds() // 60:
        raise ValidationError(f"hours {raw!r}: a shift lasts at most 12 hours")
    return timedelta(minutes=round(minutes))


def parse_name(text: str) -> str:
    name = " ".join(text.split())
    if not name:
        raise ValidationError("the shift has no name")
    if len(name) > NAME_LIMIT:
        raise ValidationError(f"name {name[:20]!r}... is longer than {NAME_LIMIT} characters")
    return name


class ShiftTableError(ValidationError):
    """Some rows of a shift table are wrong; ``problems`` holds (line, reason) for each, in
    the order of the lines (line 0, a rule of the whole table, last)."""

    def __init__(self, message: str, problems: Sequence[tuple[int, str]]) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


def numbered(problems: Sequence[str]) -> str:
    """A line's problems as one reason: one as it is, several as '(1) ... (2) ...', the way
    the cameras and officers imports say them."""
    if len(problems) == 1:
        return problems[0]
    return " ".join(f"({n}) {m.rstrip('.')}." for n, m in enumerate(problems, 1))


def _checked(parse: Callable[[str], _T], text: str, found: list[str]) -> _T | None:
    try:
        return parse(text)
    except ValidationError as exc:
        found.append(str(exc))
        return None


def check_shift_table(
    rows: Iterable[tuple[int, str, str, str]],
    source: str = "the shift table",
    unread: Iterable[tuple[int, str]] = (),
    line_word: str = "line",
) -> tuple[ShiftSpec, ...]:
    """(line, name, start, hours) rows -> the agency's shifts, in order of their start.
    Overlaps are allowed. Every problem of every row is named (``ShiftTableError``), so one
    pass over a file finds all its mistakes: each field of a row is checked, a row's problems
    numbered in one reason, and a row in error still takes its name, so that a row repeating
    it is named too. ``unread`` are lines a reader could not split into fields (named in
    their place). Nothing is half-accepted."""
    shifts: list[ShiftSpec] = []
    problems: list[tuple[int, str]] = list(unread)
    seen: dict[str, int] = {}
    for line, name_text, start_text, hours_text in rows:
        found: list[str] = []
        name = _checked(parse_name, name_text, found)
        starts = _checked(parse_start, start_text, found)
        length = _checked(parse_length, hours_text, found)
        if name is not None:
            first = seen.setdefault(name.lower(), line)
            if first != line:
                found.append(
                    f"name {name} is already on {line_word} {first} (each shift has its own "
                    f"name, whatever its case: correct one of the two {line_word}s)"
                )
        if found:
            problems.append((line, numbered(found)))
        elif name is not None and starts is not None and length is not None:
            shifts.append(ShiftSpec.of_length(name, starts, length))
    problems.sort(key=lambda p: p[0])
    # Rules of the whole table come after the lines' problems (a table with a wrong line
    # is not empty: its line is what to correct).
    if not shifts and not problems:
        problems.append((0, "there are no shifts: the agency needs at least one"))
    if problems:
        listed = "\n".join(
            f"{line_word} {line}: {reason}" if line else reason for line, reason in problems
        )
        raise ShiftTableError(
            f"{source}: {len(problems)} problem(s); nothing was changed.\n{listed}", problems
        )
    return tuple(sorted(shifts, key=lambda s: (s.starts, s.name.lower())))


# --- which shift is on ----------------------------------------------------------------------


def _cyclic(a: timedelta, b: timedelta) -> timedelta:
    """Distance between two times of day, around the clock."""
    day = timedelta(days=1)
    gap = abs(a - b) % day
    return min(gap, day - gap)


def _of_day(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute)


def handover_at(specs: Sequence[ShiftSpec], now: datetime, zone: tzinfo) -> tuple[str, str]:
    """(outgoing, incoming) at ``now``. The incoming shift is the one whose start is nearest
    (supervisors prepare a handover shortly before it and finish it shortly after). The
    outgoing one is the shift whose end is nearest to that start: with overlapping shifts
    (10- or 12-hour plans) it is the one going off then, not merely the one that started
    before. A tie goes to the shift that started earlier."""
    ordered = sorted(specs, key=lambda s: (s.starts, s.name.lower()))
    if not ordered:
        return "", ""
    incoming = min(ordered, key=lambda s: abs(shift_window(s, now, zone)[0] - now))
    if len(ordered) == 1:
        return incoming.name, incoming.name
    start = _of_day(incoming.starts)
    index = ordered.index(incoming)
    # Walk backwards from the incoming shift so that, on a tie, the one before it wins.
    others = [ordered[(index - k) % len(ordered)] for k in range(1, len(ordered))]
    outgoing = min(others, key=lambda s: _cyclic(_of_day(s.ends), start))
    return outgoing.name, incoming.name


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

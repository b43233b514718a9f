"""Periods in the agency's time zone, stored and queried in UTC, and the SQL that puts an
event on its local day (or shift day) inside the database, daylight saving included.

The database groups by day: the offset of the agency's zone at each event is a CASE over the
zone's transitions inside the period (two a year), so SQLite and PostgreSQL agree to the
second without a time-zone database of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import TextClause, bindparam
from sqlalchemy.orm import Session

from bwc_desk.domain.errors import ValidationError
from bwc_desk.domain.shifts import ShiftSpec
from bwc_desk.store.types import UTCDateTime

EPOCH = date(1970, 1, 1)
# Cameras go out a little before a shift starts: a shift's day runs from an hour before its
# start to an hour before its next start.
LEAD = 3600
MAX_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class Period:
    first: date  # local, inclusive
    last: date
    zone: tzinfo

    @property
    def start_utc(self) -> datetime:
        return local_midnight(self.first, self.zone)

    @property
    def end_utc(self) -> datetime:
        return local_midnight(self.last + timedelta(days=1), self.zone)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def text(self) -> str:
        name = getattr(self.zone, "key", None) or str(self.zone)
        return f"{self.first.isoformat()} to {self.last.isoformat()} ({name})"


def local_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def period(first: date | None, last: date | None, today: date, zone: tzinfo,
           default_days: int = 30) -> Period:
    last = last or (today if first is None else max(first, today))
    first = first or last - timedelta(days=default_days - 1)
    if first > last:
        raise ValidationError(f"The period starts ({first}) after it ends ({last}); "
                              "swap the two dates (From and To; --from and --to).")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationError(f"A report covers at most {MAX_DAYS} days; "
                              "make the period shorter.")
    return Period(first, last, zone)


def _transitions(start: datetime, end: datetime, zone: tzinfo) -> list[tuple[datetime, int]]:
    """(from this UTC instant, offset in seconds) for the zone over [start, end)."""
    def offset(moment: datetime) -> int:
        delta = moment.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta else 0

    out = [(start, offset(start))]
    step = timedelta(hours=1)
    moment = start
    while moment < end:
        nxt = moment + step
        off = offset(nxt)
        if off != out[-1][1]:
            lo, hi = moment, nxt  # narrow to the minute
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                if offset(mid) == off:
                    hi = mid
                else:
                    lo = mid
            out.append((hi.replace(second=0, microsecond=0), off))
        moment = nxt
    return out


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def epoch_sql(session: Session, column: str) -> str:
    """Seconds since 1970 of a stored (naive UTC) timestamp column."""
    if is_postgresql(session):
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def _ts(session: Session, moment: datetime) -> str:
    seconds = int((moment - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())
    return str(seconds)


def day_sql(session: Session, column: str, start: datetime, end: datetime, zone: tzinfo,
            shift_start_sql: str = str(LEAD)) -> str:
    """SQL: the day number (days since 1970-01-01, local) of ``column``; with a shift's start
    (seconds after local midnight, an SQL expression), the day the shift started on."""
    epoch = epoch_sql(session, column)
    changes = _transitions(start - timedelta(days=2), end + timedelta(days=2), zone)
    if len(changes) == 1:
        offset = str(changes[0][1])
    else:
        whens = " ".join(
            f"WHEN {epoch} < {_ts(session, at)} THEN {prev}"
            for (at, _off), (_a, prev) in zip(changes[1:], changes[:-1], strict=True)
        )
        offset = f"(CASE {whens} ELSE {changes[-1][1]} END)"
    inner = f"({epoch} + {offset} - ({shift_start_sql}) + {LEAD})"
    if is_postgresql(session):
        return f"CAST(FLOOR({inner} / 86400.0) AS INTEGER)"
    return f"({inner} / 86400)"  # SQLite: integer division, positive operands


def shift_start_sql(shifts: Sequence[ShiftSpec], column: str) -> str:
    """SQL: seconds after local midnight at which an officer's shift starts (their day runs
    from an hour before it); an officer without a known shift gets local midnight."""
    if not shifts:
        return str(LEAD)
    whens = " ".join(
        f"WHEN '{_quote(s.name)}' THEN {s.starts.hour * 3600 + s.starts.minute * 60}"
        for s in shifts
    )
    return f"(CASE {column} {whens} ELSE {LEAD} END)"


def _quote(text: str) -> str:
    return text.replace("'", "''")


def day_of(number: int) -> date:
    return EPOCH + timedelta(days=int(number))


def timed(clause: TextClause) -> TextClause:
    """Bind :start and :end (and :cutoff, where used) as stored timestamps (naive UTC)."""
    names = {"start", "end", "cutoff"} & set(clause._bindparams)
    return clause.bindparams(*(bindparam(n, type_=UTCDateTime()) for n in sorted(names)))

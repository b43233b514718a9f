"""Spans of time as people at the counter say them: "45 min", "2 h 05 min", "1 d 3 h"."""

from __future__ import annotations

from datetime import timedelta


def span_text(span: timedelta) -> str:
    """Minutes under an hour, hours and minutes under a day, then days and hours (never
    "27:00:00", never "1620 min")."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def overdue_text(late: timedelta) -> str:
    """'overdue 1 d 3 h', or '' when not late."""
    if late <= timedelta(0):
        return ""
    return f"overdue {span_text(late)}"


def window_text(seconds: int) -> str:
    """An allowed window, as a setting gives it: '2 minutes', '1 minute', '90 seconds'."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute" + ("" if minutes == 1 else "s")
    return f"{seconds} second" + ("" if seconds == 1 else "s")

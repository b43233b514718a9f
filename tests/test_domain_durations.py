from datetime import timedelta

from bwc_desk.domain.durations import overdue_text, span_text


def test_spans_read_in_days_and_hours():
    assert span_text(timedelta(seconds=20)) == "under a minute"
    assert span_text(timedelta(minutes=45)) == "45 min"
    assert span_text(timedelta(hours=2, minutes=5)) == "2 h 05 min"
    assert span_text(timedelta(hours=27)) == "1 d 3 h"
    assert span_text(timedelta(days=3, hours=0, minutes=59)) == "3 d 0 h"
    assert span_text(-timedelta(hours=1)) == "under a minute"


def test_overdue_text():
    assert overdue_text(timedelta(0)) == ""
    assert overdue_text(timedelta(hours=27, minutes=3)) == "overdue 1 d 3 h"


def test_window_text():
    from bwc_desk.domain.durations import window_text

    assert [window_text(s) for s in (120, 60, 90, 30, 1)] == [
        "2 minutes", "1 minute", "90 seconds", "30 seconds", "1 second"]

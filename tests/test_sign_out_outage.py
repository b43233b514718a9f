"""Signing out while the database server is away (a PostgreSQL outage, faked as the outage
tests fake it: the service raises UnavailableError). The sign-out happens at the station all
the same (never a session kept open because the server is away); the lock screen says it
could not be recorded in the audit log, and the station's log keeps who, where and when
(UTC). The record is owed, not lost: once someone signs in again (the server answers), it
is written for the person who signed out, with the time of the sign-out in its details. A
station closed meanwhile keeps it on disk and writes it at the first sign-in of its next
start."""

from __future__ import annotations

import logging
from datetime import UTC

import pytest

from bwc_desk.domain.errors import UnavailableError
from bwc_desk.services import audit, auth
from tests.conftest import PASSWORD
from tests.test_ui_security import counter_desk, make_window, sign_in_at_lock_screen

__all__ = ["counter_desk", "make_window"]  # (fixtures, shared)

AWAY = (
    "The database server (db.example) cannot be reached: nothing was written. BWC Desk "
    "keeps trying; check the network or ask the administrator."
)


@pytest.fixture
def server_away(monkeypatch):
    real = audit.record

    def record(ctx, event, *args, **kwargs):  # type: ignore[no-untyped-def]
        if event is audit.AuditEvent.SIGN_OUT:
            raise UnavailableError(AWAY)
        return real(ctx, event, *args, **kwargs)

    monkeypatch.setattr(audit, "record", record)
    return lambda: monkeypatch.setattr(audit, "record", real)


def _not_recorded(caplog) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.WARNING and "not recorded in the audit log" in r.getMessage()]


def _recorded_late_for_quinn(qtbot, admin_ctx, station, signed_out_at):  # type: ignore[no-untyped-def]
    """The one sign-out record, written late for quinn at ``station`` while sam signed in,
    saying when the sign-out happened."""
    qtbot.waitUntil(lambda: any(r.event == "sign-out" for r in audit.list_audit(admin_ctx)),
                    timeout=10_000)
    [late] = [r for r in audit.list_audit(admin_ctx) if r.event == "sign-out"]
    assert late.staff_username == "quinn" and late.station == station
    assert late.details["signed out at"] == signed_out_at.astimezone(UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert "could not be reached" in late.details["recorded late"]
    assert late.details["recorded at the sign-in of"] == "sam"


def test_a_sign_out_in_an_outage_signs_out_and_says_it_was_not_recorded(
    qtbot, make_window, counter_desk, admin_ctx, server_away, caplog
):
    win = make_window(counter_desk)
    signed_out_at = counter_desk.now()
    win.sign_out()
    # Signed out at once, whatever the server does.
    assert win.locked and win.state.actor is None
    note = win.lock_screen.audit_note
    qtbot.waitUntil(note.isVisible, timeout=10_000)
    assert "signed out" in note.text().lower()
    assert "could not be recorded in the audit log" in note.text()
    assert "cannot be reached" in note.text()
    [line] = _not_recorded(caplog)
    assert "quinn" in line and counter_desk.station in line
    assert signed_out_at.strftime("%Y-%m-%dT%H:%M") in line and "UTC" in line
    assert not [r for r in audit.list_audit(admin_ctx) if r.event == "sign-out"]
    # The server answers again; the next person signs in: the note has gone, and the
    # sign-out is recorded now, for quinn, saying when it happened.
    server_away()
    sign_in_at_lock_screen(qtbot, win, "sam", PASSWORD)
    assert not note.isVisible()
    _recorded_late_for_quinn(qtbot, admin_ctx, counter_desk.station, signed_out_at)
    # Owed once: another lock and sign-in records nothing more for quinn.
    win.lock(idle=False)
    sign_in_at_lock_screen(qtbot, win, "sam", PASSWORD)
    win.state.runner.shutdown()
    assert len([r for r in audit.list_audit(admin_ctx) if r.event == "sign-out"]) == 1


def test_the_note_is_not_shown_when_the_sign_out_was_recorded(
    qtbot, make_window, counter_desk, admin_ctx
):
    win = make_window(counter_desk)
    win.sign_out()
    qtbot.waitUntil(lambda: any(r.event == "sign-out" for r in audit.list_audit(admin_ctx)),
                    timeout=10_000)
    win.state.runner.shutdown()  # (its answer delivered)
    qtbot.wait(0)
    assert not win.lock_screen.audit_note.isVisible()


def test_closing_the_window_in_an_outage_logs_the_sign_out_locally(
    qtbot, make_window, counter_desk, server_away, caplog
):
    win = make_window(counter_desk)
    win.close()  # (waits for the writer)
    [line] = _not_recorded(caplog)
    assert "quinn" in line and counter_desk.station in line and "UTC" in line


def test_a_sign_out_owed_when_the_station_closed_is_written_at_its_next_start(
    qtbot, make_window, counter_desk, admin_ctx, server_away, caplog
):
    """Quitting in an outage ends the session; the sign-out is kept on disk, and the next
    start (its first sign-in: here, a new window for sam) writes it for quinn."""
    from bwc_desk.store import owed

    win = make_window(counter_desk)
    signed_out_at = counter_desk.now()
    win.close()  # (waits for the writer)
    assert [e.username for e in owed.load()] == ["quinn"]
    assert not [r for r in audit.list_audit(admin_ctx) if r.event == "sign-out"]
    server_away()
    sam = counter_desk.as_actor(auth.sign_in(counter_desk.as_actor(None), "sam", PASSWORD))
    again = make_window(sam)
    _recorded_late_for_quinn(qtbot, admin_ctx, counter_desk.station, signed_out_at)
    qtbot.waitUntil(lambda: owed.load() == [], timeout=5000)
    again.state.runner.shutdown()

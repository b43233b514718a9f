"""The automatic daily verification (services/auto_verify.py): when one is due, from what the
audit log says of the last one; the JSON of `bwc-desk verify --json` it reads back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bwc_desk.__main__ import main
from bwc_desk.domain.audit import AuditEvent
from bwc_desk.services import audit, auto_verify, settings, verify
from bwc_desk.services.auto_verify import VerifyOutcome, VerifyStatus, is_due
from bwc_desk.services.context import Ctx
from tests.test_ledger_tamper import database_arg, history, tamper  # noqa: F401 (fixture)

pytestmark = pytest.mark.both_backends

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def run(at: datetime, verdict: str = "ok") -> VerifyStatus:
    return VerifyStatus(at, "DESK-1", verdict, "", automatic=True)


def test_due_when_none_ran_yet():
    assert is_due(None, None, NOW)


def test_not_due_within_a_day_of_the_last_run():
    assert not is_due(run(NOW - timedelta(hours=23, minutes=59)), None, NOW)
    assert not is_due(run(NOW - timedelta(hours=3), "failed"), None, NOW)


def test_due_a_day_after_the_last_run():
    assert is_due(run(NOW - timedelta(hours=24)), None, NOW)
    assert is_due(run(NOW - timedelta(days=3), "warning"), None, NOW)


def test_a_run_that_could_not_run_is_tried_again_within_the_hour():
    assert not is_due(run(NOW - timedelta(minutes=30), "error"), None, NOW)
    assert is_due(run(NOW - timedelta(hours=1), "error"), None, NOW)


def test_a_claim_at_another_station_holds_off_for_an_hour():
    assert not is_due(None, NOW - timedelta(minutes=5), NOW)
    assert is_due(None, NOW - timedelta(hours=2), NOW)  # (that station never finished)


def ok_outcome() -> VerifyOutcome:
    return VerifyOutcome("ok", "OK: every record matches",
                         details={"custody": {"count": 0, "head": "0" * 64, "problem": None}})


def test_due_is_decided_from_the_record_in_the_database(admin_ctx: Ctx, clock):
    assert auto_verify.due(admin_ctx)
    assert auto_verify.claim(admin_ctx)
    # Claimed: neither this station nor another claims it again meanwhile.
    other = Ctx(admin_ctx.db, "DESK-2", None, clock)
    assert not auto_verify.claim(other) and not auto_verify.due(other)
    auto_verify.record(admin_ctx, ok_outcome())
    clock.advance(hours=23)
    assert not auto_verify.due(other) and not auto_verify.claim(other)
    clock.advance(hours=1)
    assert auto_verify.claim(other)  # a day later, whichever station starts first
    rows = audit.list_audit(admin_ctx, event=AuditEvent.VERIFY_STARTED.value)
    assert [(r.station, r.staff_username) for r in rows] == [("DESK-2", "system"),
                                                             ("DESK-1", "system")]
    last = auto_verify.last_automatic(admin_ctx)
    assert last is not None and last.verdict == "ok" and last.station == "DESK-1"


def test_a_persons_verification_is_not_the_daily_one_but_clears_a_failure(admin_ctx: Ctx):
    auto_verify.record(admin_ctx, VerifyOutcome("failed", "VERIFICATION FAILED",
                                                "custody: FAILED at record #4: changed",
                                                {"custody": {"count": 9, "head": "a" * 64,
                                                             "problem": "changed"}}))
    standing = auto_verify.standing(admin_ctx)
    assert standing.decisive is not None and standing.decisive.verdict == "failed"
    assert "record #4" in standing.decisive.first_problem
    verify.verify_records(admin_ctx)  # Verify records, by a person: it passes
    standing = auto_verify.standing(admin_ctx)
    assert standing.decisive is not None and standing.decisive.verdict in ("ok", "warning")
    assert not standing.decisive.automatic
    assert auto_verify.last_automatic(admin_ctx).verdict == "failed"  # type: ignore[union-attr]


def test_a_run_that_could_not_run_does_not_hide_a_failure(admin_ctx: Ctx):
    auto_verify.record(admin_ctx, VerifyOutcome("failed", "VERIFICATION FAILED", "custody: x",
                                                {"custody": {"count": 1, "head": "a" * 64,
                                                             "problem": "x"}}))
    auto_verify.record(admin_ctx, auto_verify.parse_output("", 1, "Traceback\nBoom"))
    standing = auto_verify.standing(admin_ctx)
    assert standing.latest is not None and standing.latest.verdict == "error"
    assert standing.decisive is not None and standing.decisive.verdict == "failed"


def test_turned_off_in_agency_settings(admin_ctx: Ctx):
    settings.change_settings(admin_ctx, {"verify_daily": False})
    assert not auto_verify.due(admin_ctx) and not auto_verify.claim(admin_ctx)


def test_the_child_gets_the_database_by_its_environment_not_its_command_line(admin_ctx: Ctx):
    cmd = auto_verify.child_command(admin_ctx, "/usr/bin/python3", frozen=False)
    assert cmd.argv[:5] == ("/usr/bin/python3", "-m", "bwc_desk", "verify", "--json")
    url = admin_ctx.db.url.render_as_string(hide_password=False)
    assert cmd.env["BWC_DESK_DATABASE_URL"] == url
    assert not any(url in arg or "--database" in arg for arg in cmd.argv)
    frozen = auto_verify.child_command(admin_ctx, "/opt/bwc-desk/bwc-desk", frozen=True)
    assert frozen.argv[:3] == ("/opt/bwc-desk/bwc-desk", "verify", "--json")


def test_unreadable_output_is_a_run_that_could_not_run():
    out = auto_verify.parse_output("Segmentation fault", -11, "")
    assert out.verdict == "error" and "exit code -11" in out.headline
    out = auto_verify.parse_output('{"verdict": "ok"}', 0)  # (no chain: not verify's)
    assert out.verdict == "error"


# --- `bwc-desk verify --json` on an intact and a tampered database --------------------------

def test_verify_json_on_an_intact_database(history, capsys):  # noqa: F811
    assert main(["verify", "--json", "--database", database_arg(history)]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["verdict"] in ("ok", "warning")
    assert body["first_problem"] is None
    assert body["custody"]["count"] >= 32 and body["custody"]["problem"] is None
    assert body["headline"].startswith(("OK:", "WARNING:"))
    assert auto_verify.parse_output(json.dumps(body), 0).verdict == body["verdict"]


def test_verify_json_on_a_tampered_database(history, capsys):  # noqa: F811
    tamper(history, "UPDATE custody_events SET reason = 'edited' WHERE seq = 4")
    assert main(["verify", "--json", "--database", database_arg(history)]) == 1
    body = json.loads(capsys.readouterr().out)
    assert body["verdict"] == "failed"
    assert "record #4" in body["first_problem"]
    assert body["headline"].startswith("VERIFICATION FAILED")
    outcome = auto_verify.parse_output(json.dumps(body), 1)
    assert outcome.verdict == "failed" and "record #4" in outcome.first_problem


def test_verify_json_when_it_cannot_run(tmp_path, capsys):
    missing = tmp_path / "nowhere.sqlite3"
    assert main(["verify", "--json", "--database", str(missing)]) == 2
    body = json.loads(capsys.readouterr().out)
    assert body["verdict"] == "error" and "no database file" in body["headline"]
    assert not missing.exists()


def test_a_postgresql_password_never_reaches_the_command_line(monkeypatch):
    from bwc_desk.store.db import Database

    monkeypatch.setattr(auto_verify, "anchor_file_of", lambda _ctx: None)  # (no server here)
    db = Database("postgresql+psycopg://station:s3cret@db.example.org/bwc")
    try:
        cmd = auto_verify.child_command(Ctx(db, "DESK-1"), "/usr/bin/python3", frozen=False)
    finally:
        db.dispose()
    assert not any("s3cret" in arg for arg in cmd.argv)
    assert cmd.env["BWC_DESK_DATABASE_URL"] == (
        "postgresql+psycopg://station:s3cret@db.example.org/bwc")

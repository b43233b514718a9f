"""Every command that writes records or exports data names the staff member who does it:
`--as USERNAME`, signed in through services.auth (lockout and audit), the service's
permission checked; the records name them, this station and the UTC time. Commands that only
read keep working without it."""

from __future__ import annotations

import hashlib
import io
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bwc_desk.__main__ import main
from bwc_desk.domain.roles import Role
from bwc_desk.services import audit, auth
from bwc_desk.services.context import Ctx
from bwc_desk.services.startup import open_database
from bwc_desk.store.db import Database, sqlite_url
from tests.conftest import PASSWORD, add_own
from tests.test_cli import run


@pytest.fixture
def agency(tmp_path: Path) -> Path:
    """A database with an administrator (chief), a quartermaster (quinn), one officer and
    one camera, a purchase batch and a dock."""
    from bwc_desk.store import config

    config.save(config.load().with_changes(station_name="DESK-1"))
    path = tmp_path / "agency.sqlite3"
    opened = open_database(sqlite_url(path))
    try:
        chief = auth.first_run(opened.db, agency_name="Test PD", station="DESK-1",
                               username="chief", password=PASSWORD, display_name="Ada Chief")
        admin = Ctx(opened.db, "DESK-1", chief)
        add_own(admin, "quinn", Role.QUARTERMASTER, PASSWORD, display_name="Quinn")
    finally:
        opened.db.dispose()
    (tmp_path / "officers.csv").write_text("badge,last_name\n0412,Smith\n", encoding="utf-8")
    (tmp_path / "units.csv").write_text("asset_tag,serial,assigned_badge\nHPD-1,S-1,0412\n",
                                        encoding="utf-8")
    (tmp_path / "shifts.csv").write_text("name,start,hours\nDay,07:00,12\nNight,19:00,12\n",
                                         encoding="utf-8")
    for args in (["import", "officers", str(tmp_path / "officers.csv")],
                 ["import", "units", str(tmp_path / "units.csv")],
                 ["batches", "add", "2019 lot", "--purchased", "2019-06-01", "--count", "1",
                  "--unit-cost", "899.00"],
                 ["docks", "add", "DOCK-A", "--bays", "8"]):
        assert as_chief(*args, "--database", str(path)) == 0
    return path


def as_chief(*args: str) -> int:
    old = sys.stdin
    sys.stdin = io.StringIO(PASSWORD + "\n")
    try:
        return main([*args, "--as", "chief", "--password-stdin"])
    finally:
        sys.stdin = old


def _admin(path: Path) -> tuple[Ctx, Database]:
    opened = open_database(sqlite_url(path))
    ctx = Ctx(opened.db, "DESK-1")
    return ctx.as_actor(auth.sign_in(ctx, "chief", PASSWORD)), opened.db


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# (arguments, the tmp_path-relative files they name): every command that writes records or
# exports data.
WRITERS = [
    ["import", "officers", "{tmp}/officers.csv"],
    ["import", "units", "{tmp}/units.csv", "--dry-run"],
    ["export", "officers", "{tmp}/out.csv"],
    ["export", "units", "{tmp}/out.csv"],
    ["export", "custody", "{tmp}/out.csv"],
    ["export", "audit", "{tmp}/out.csv"],
    ["export", "evidence", "--unit", "HPD-1", "{tmp}/evidence"],
    ["backup", "{tmp}/backups"],
    ["anchor", "{tmp}/anchors"],
    ["keys", "register"],
    ["keys", "init-root", "--station", "DESK-1"],
    ["docks", "add", "DOCK-B", "--bays", "4"],
    ["docks", "remove", "DOCK-A"],
    ["docks", "admit", "--minutes", "3"],
    ["settings", "shifts", "set", "{tmp}/shifts.csv"],
    ["settings", "syslog", "set", "--host", "logs.example", "--port", "514"],
    ["settings", "syslog", "off"],
    ["settings", "directory", "set", "--url", "ldaps://dc1.example"],
    ["sync", "officers", "--dry-run"],
    ["report", "fleet", "--out", "{tmp}/fleet.pdf"],
    ["batches", "add", "2021 lot", "--purchased", "2021-06-01", "--count", "2",
     "--unit-cost", "950.00"],
    ["batches", "assign", "2019 lot", "HPD-1"],
]


def _args(command: list[str], tmp_path: Path) -> list[str]:
    return [a.format(tmp=tmp_path) for a in command]


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: " ".join(c[:2]))
def test_a_command_that_writes_or_exports_refuses_without_as(command, agency, tmp_path,
                                                             capsys):
    before = _digest(agency)
    code, out, err = run(capsys, *_args(command, tmp_path), "--database", str(agency),
                         stdin=PASSWORD + "\n")
    assert code == 1 and err.startswith("error: ") and "--as USERNAME" in err, err
    assert "Traceback" not in err and out == ""
    assert _digest(agency) == before  # not even opened: the database is as it was
    assert not any((tmp_path / name).exists()
                   for name in ("out.csv", "evidence", "backups", "anchors", "fleet.pdf"))


def test_a_wrong_password_is_refused_counted_and_audited(agency, tmp_path, capsys):
    code, _, err = run(capsys, "import", "units", str(tmp_path / "units.csv"), "--database",
                       str(agency), "--as", "chief", "--password-stdin",
                       stdin="not the password\n")
    assert code == 1 and "wrong" in err.lower() and "Traceback" not in err
    admin, db = _admin(agency)
    try:
        failed = audit.list_audit(admin, event="sign-in failed")
        assert failed[0].staff_username == "chief" and failed[0].station
        assert len(audit.list_audit(admin, event="import")) == 2  # the fixture's two
    finally:
        db.dispose()


def test_the_lockout_applies_to_the_command_line(agency, tmp_path, capsys):
    for _ in range(5):
        run(capsys, "export", "units", str(tmp_path / "u.csv"), "--database", str(agency),
            "--as", "quinn", "--password-stdin", stdin="not the password\n")
    code, _, err = run(capsys, "export", "units", str(tmp_path / "u.csv"), "--database",
                       str(agency), "--as", "quinn", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 1 and "locked" in err.lower()
    assert not (tmp_path / "u.csv").exists()


def test_without_a_password_source_a_script_is_told_what_to_do(agency, tmp_path, capsys):
    code, _, err = run(capsys, "backup", str(tmp_path / "b"), "--database", str(agency),
                       "--as", "chief")  # stdin is not a terminal, no --password-stdin
    assert code == 1 and "--password-stdin" in err and not (tmp_path / "b").exists()


def test_a_quartermaster_cannot_run_an_admin_only_import(agency, tmp_path, capsys):
    (tmp_path / "more.csv").write_text("badge,last_name\n0999,Jones\n", encoding="utf-8")
    code, _, err = run(capsys, "import", "officers", str(tmp_path / "more.csv"), "--database",
                       str(agency), "--as", "quinn", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 1 and "only admin" in err.lower() and "Traceback" not in err
    code, _, err = run(capsys, "docks", "add", "DOCK-Q", "--bays", "2", "--database",
                       str(agency), "--as", "quinn", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 1 and "only admin" in err.lower()
    admin, db = _admin(agency)
    try:
        refused = audit.list_audit(admin, event="action refused")
        assert {r.details["action"] for r in refused} >= {"import officers", "register docks"}
        assert all(r.staff_username == "quinn" for r in refused)
        from bwc_desk.services import officers

        assert "0999" not in {o.badge for o in officers.list_officers(admin)}
    finally:
        db.dispose()


def test_the_records_name_who_did_it_on_which_station_and_when(agency, tmp_path, capsys):
    started = datetime.now(UTC) - timedelta(seconds=1)
    (tmp_path / "more.csv").write_text("asset_tag,serial\nHPD-2,S-2\n", encoding="utf-8")
    code, out, err = run(capsys, "import", "units", str(tmp_path / "more.csv"), "--database",
                         str(agency), "--as", "chief", "--password-stdin",
                         stdin=PASSWORD + "\n")
    assert code == 0 and "1 added" in out, err
    code, out, err = run(capsys, "export", "custody", str(tmp_path / "c.csv"), "--database",
                         str(agency), "--as", "quinn", "--password-stdin",
                         stdin=PASSWORD + "\n")
    assert code == 1 and "only supervisor" in err.lower()  # export: supervisors and up
    code, out, err = run(capsys, "backup", str(tmp_path / "b"), "--database", str(agency),
                         "--as", "chief", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0, err
    admin, db = _admin(agency)
    try:
        from sqlalchemy import select

        from bwc_desk.store.models import CustodyEvent, Unit

        with db.read() as session:
            events = session.execute(
                select(CustodyEvent).join(Unit, Unit.id == CustodyEvent.unit_id)
                .where(Unit.asset_tag == "HPD-2")).scalars().all()
        assert events and {(e.staff_username, e.station) for e in events} == {
            ("chief", "DESK-1")}
        assert all(e.at >= started and e.at.utcoffset() == timedelta(0) for e in events)
        for event in ("import", "backup"):
            record = audit.list_audit(admin, event=event)[0]
            assert record.staff_username == "chief", event
            assert record.station and record.at >= started and record.at.utcoffset() == \
                timedelta(0)
        sign_ins = audit.list_audit(admin, event="sign-in", username="chief")
        assert any("command line of operating-system user" in r.details.get("how", "")
                   for r in sign_ins)
        assert not any(r.staff_username.startswith("cli:")
                       for r in audit.list_audit(admin, event="import"))
    finally:
        db.dispose()


@pytest.mark.parametrize("command", [
    ["docks", "list"],
    ["settings", "shifts"],
    ["settings", "syslog"],
    ["keys", "list"],
    ["batches", "list"],
    ["verify"],
], ids=" ".join)
def test_commands_that_only_read_need_no_sign_in(command, agency, capsys):
    before = _digest(agency)
    code, out, err = run(capsys, *command, "--database", str(agency))
    assert code == 0 and out and not err, err
    assert _digest(agency) == before

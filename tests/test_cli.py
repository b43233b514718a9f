"""The command-line contract: names, behaviours and exit codes."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from bwc_desk.__main__ import main
from bwc_desk.store.db import sqlite_url
from tests.conftest import PASSWORD


@pytest.fixture
def dbfile(tmp_path: Path) -> Path:
    return tmp_path / "cli.sqlite3"


def run(capsys, *args: str, stdin: str = "") -> tuple[int, str, str]:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(list(args))
    finally:
        sys.stdin = old
    out = capsys.readouterr()
    return code, out.out, out.err


def test_self_test_on_a_new_database(capsys, dbfile):
    code, out, _ = run(capsys, "self-test", "--database", str(dbfile))
    assert code == 0, out
    for name in (
        "open database",
        "migrations",
        "sqlite pragmas",
        "integrity_check",
        "foreign_key_check",
        "write and roll back a probe row",
    ):
        assert f"[OK] {name}" in out
    assert dbfile.exists() and out.strip().endswith("self-test passed")


def test_self_test_fails_on_a_damaged_file(capsys, tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    code, out, _ = run(capsys, "self-test", "--database", str(bad))
    assert code == 1 and "[FAIL]" in out and "self-test FAILED" in out


def test_database_url_from_the_environment(capsys, dbfile, monkeypatch):
    monkeypatch.setenv("BWC_DESK_DATABASE_URL", sqlite_url(dbfile))
    code, out, _ = run(capsys, "self-test")
    assert code == 0 and str(dbfile) in out


def users_add(capsys, dbfile, name, role, stdin, *extra):
    return run(capsys, "users", "add", name, "--role", role, "--password-stdin",
               "--database", str(dbfile), *extra, stdin=stdin)


def test_users_add_reads_the_password_from_stdin(capsys, dbfile):
    code, out, _ = users_add(capsys, dbfile, "chief", "admin", PASSWORD + "\n")
    assert code == 0 and "created admin account 'chief'" in out
    code, out, _ = users_add(capsys, dbfile, "quinn", "quartermaster",
                             f"{PASSWORD}\n{PASSWORD}\n", "--as", "chief")
    assert code == 0 and "created quartermaster account 'quinn'" in out
    code, _, err = users_add(capsys, dbfile, "eve", "admin", f"{PASSWORD}\npassword\n",
                             "--as", "chief")
    assert code == 1 and "list of common" in err


def test_without_as_only_the_first_administrator_can_be_added(capsys, dbfile):
    """The attack: whoever can run commands on a station PC made themselves an admin."""
    from bwc_desk.services import audit, auth
    from bwc_desk.services.context import Ctx
    from bwc_desk.services.startup import open_database

    code, _, err = users_add(capsys, dbfile, "quinn", "quartermaster", PASSWORD + "\n")
    assert code == 1 and "first account" in err
    assert users_add(capsys, dbfile, "chief", "admin", PASSWORD + "\n")[0] == 0
    code, _, err = users_add(capsys, dbfile, "mallory", "admin", PASSWORD + "\n")
    assert code == 1 and "already has an administrator" in err and "--as" in err
    code, _, err = users_add(capsys, dbfile, "mallory", "admin",
                             f"not the password\n{PASSWORD}\n", "--as", "chief")
    assert code == 1 and "wrong" in err
    assert "Traceback" not in err
    db = open_database(sqlite_url(dbfile)).db
    try:
        admin = Ctx(db, "DESK-1").as_actor(auth.sign_in(Ctx(db, "DESK-1"), "chief", PASSWORD))
        assert [s.username for s in auth.list_staff(admin)] == ["chief"]
        assert users_add(capsys, dbfile, "sam", "supervisor", f"{PASSWORD}\n{PASSWORD}\n",
                         "--as", "chief")[0] == 0
        created = audit.list_audit(admin, event="account created")
        assert created[0].staff_username == "chief"
        assert created[0].details["account"] == "sam"
        assert created[0].details["os_user"] and created[0].details["how"] == "command line"
        first = created[-1]
        assert first.staff_username.startswith("cli:") and first.details["os_user"]
        assert audit.list_audit(admin, event="sign-in failed")[0].staff_username == "chief"
    finally:
        db.dispose()


def test_users_change_as_an_administrator(capsys, dbfile):
    assert users_add(capsys, dbfile, "chief", "admin", PASSWORD + "\n")[0] == 0
    assert users_add(capsys, dbfile, "quinn", "quartermaster", f"{PASSWORD}\n{PASSWORD}\n",
                     "--as", "chief")[0] == 0
    code, out, err = run(capsys, "users", "change", "quinn", "--as", "chief", "--role",
                         "supervisor", "--unlock", "--reset-password", "--password-stdin",
                         "--database", str(dbfile),
                         stdin=f"{PASSWORD}\nanother good passphrase\n")
    assert code == 0, err
    assert "role supervisor" in out and "password reset" in out and "unlocked" in out
    from bwc_desk.services import audit, auth
    from bwc_desk.services.context import Ctx
    from bwc_desk.services.startup import open_database

    db = open_database(sqlite_url(dbfile)).db
    try:
        admin = Ctx(db, "DESK-1").as_actor(auth.sign_in(Ctx(db, "DESK-1"), "chief", PASSWORD))
        changed = audit.list_audit(admin, event="role changed")[0]
        assert changed.staff_username == "chief" and changed.details["account"] == "quinn"
        sign_ins = audit.list_audit(admin, event="sign-in", username="chief")
        assert any("operating-system user" in r.details.get("how", "") for r in sign_ins)
    finally:
        db.dispose()
    code, _, err = run(capsys, "users", "change", "quinn", "--as", "quinn", "--disable",
                       "--password-stdin", "--database", str(dbfile),
                       stdin="another good passphrase\n")
    # (reset by an administrator: temporary, so refused before the role is even asked)
    assert code == 1 and "only temporary" in err and "users password quinn" in err


def test_users_add_without_stdin_flag_refuses(capsys, dbfile):
    code, _, err = run(
        capsys, "users", "add", "quinn", "--role", "admin", "--database", str(dbfile)
    )
    assert code == 2 and "--password-stdin" in err


def as_chief(capsys, dbfile, *args: str) -> tuple[int, str, str]:
    """A command of the administrator chief (created first on a new database)."""
    if not dbfile.exists():
        assert users_add(capsys, dbfile, "chief", "admin", PASSWORD + "\n")[0] == 0
    return run(capsys, *args, "--database", str(dbfile), "--as", "chief", "--password-stdin",
               stdin=PASSWORD + "\n")


def test_import_lists_bad_rows_and_exits_non_zero(capsys, dbfile, tmp_path):
    csv = tmp_path / "o.csv"
    csv.write_text("badge,last_name\n0001,Smith\n,Nobody\n0003,\n", encoding="utf-8")
    code, _, err = as_chief(capsys, dbfile, "import", "officers", str(csv))
    assert code == 1
    assert "line 3: badge is required" in err and "line 4: last_name is required" in err
    assert "nothing was imported" in err


def test_import_then_export_round_trip(capsys, dbfile, tmp_path):
    csv = tmp_path / "o.csv"
    csv.write_text("badge,last_name\n0001,Smith\n0002,Jones\n", encoding="utf-8")
    code, out, _ = as_chief(capsys, dbfile, "import", "officers", str(csv))
    assert code == 0 and "2 added, 0 updated, 0 unchanged" in out
    code, out, _ = as_chief(capsys, dbfile, "import", "officers", str(csv))
    assert "0 added, 0 updated, 2 unchanged" in out
    for kind in ("officers", "units", "custody"):
        code, out, _ = as_chief(capsys, dbfile, "export", kind, str(tmp_path / f"{kind}.csv"))
        assert code == 0 and (tmp_path / f"{kind}.csv").exists()


def test_import_of_a_missing_file_is_a_clear_error(capsys, dbfile, tmp_path):
    code, _, err = as_chief(capsys, dbfile, "import", "units", str(tmp_path / "nope.csv"))
    assert code == 1 and "There is no file" in err


def test_the_installed_command_runs_as_a_process(dbfile):
    result = subprocess.run(
        [sys.executable, "-m", "bwc_desk", "self-test", "--database", str(dbfile)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_station_json_may_not_hold_the_database_password(capsys, _app_home):
    import json

    config = _app_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "station.json").write_text(json.dumps({
        "station_name": "DESK-2",
        "database_url": "postgresql+psycopg://bwc_station:s3cret@db.example/bwc_desk",
    }), encoding="utf-8")
    code, out, err = run(capsys, "self-test")
    assert code == 1 and "password" in err and ".pgpass" in err and "service" in err
    assert "s3cret" not in out + err and "Traceback" not in err


def test_grant_app_role_refuses_a_bad_role_name_plainly(capsys, dbfile):
    code, _, err = run(capsys, "grant-app-role", "Robert'); DROP", "--database", str(dbfile))
    assert code in (1, 2) and "Traceback" not in err


@pytest.mark.parametrize("command", [
    ("self-test", "--demo"),
    ("export", "evidence", "--demo", "--as", "admin", "--password-stdin", "--unit", "X", "out"),
    ("verify", "--demo"),
])
def test_a_command_on_the_demo_before_it_is_built_makes_no_empty_demo(capsys, _app_home,
                                                                      command):
    """A command with --demo before the demo was built made an empty database where the
    demo lives; `bwc-desk --demo` then opened that as the demo (an agency to set up)."""
    from bwc_desk.store import paths

    code, _out, err = run(capsys, *command, stdin="demo-admin-2026\n")
    assert code == 1
    assert "The demo agency is not built yet" in err and "bwc-desk --demo" in err
    assert not paths.demo_db_path().exists()


def test_a_demo_file_without_accounts_is_not_the_demo(_app_home):
    """What an older version left behind (a command run with --demo first): set aside with
    its time in its name, never deleted, and the demo is built again."""
    from bwc_desk.services.startup import demo_built, open_database, set_aside_empty_demo
    from bwc_desk.store import paths
    from bwc_desk.store.db import sqlite_url

    assert not demo_built()
    target = paths.demo_db_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    opened = open_database(sqlite_url(target))
    opened.db.dispose()
    assert target.exists() and not demo_built()
    aside = set_aside_empty_demo()
    assert aside is not None and aside.exists() and not target.exists()
    assert set_aside_empty_demo() is None  # nothing (left) to set aside


def test_import_says_how_each_date_not_written_as_iso_was_read(capsys, dbfile, tmp_path):
    """As the dialog's preview does: a European file's 05/01/2028 is said to be May 1."""
    csv = tmp_path / "u.csv"
    csv.write_text(
        "asset_tag,serial,warranty_until\nHPD-1,S-1,31.12.2027\nHPD-2,S-2,05/01/2028\n"
        "HPD-3,S-3,2028-01-05\n",
        encoding="utf-8",
    )
    code, out, _ = as_chief(capsys, dbfile, "import", "units", "--dry-run", str(csv))
    assert code == 0, out
    assert out.splitlines()[1:] == [
        "  line 2: warranty_until '31.12.2027' read as 2027-12-31",
        "  line 3: warranty_until '05/01/2028' read as 2028-05-01",
    ]

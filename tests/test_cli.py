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


def test_users_add_reads_the_password_from_stdin(capsys, dbfile):
    code, out, _ = run(
        capsys,
        "users",
        "add",
        "quinn",
        "--role",
        "quartermaster",
        "--password-stdin",
        "--database",
        str(dbfile),
        stdin=PASSWORD + "\n",
    )
    assert code == 0 and "created quartermaster account 'quinn'" in out
    code, _, err = run(
        capsys,
        "users",
        "add",
        "eve",
        "--role",
        "admin",
        "--password-stdin",
        "--database",
        str(dbfile),
        stdin="password\n",
    )
    assert code == 1 and "list of common" in err


def test_users_add_without_stdin_flag_refuses(capsys, dbfile):
    code, _, err = run(
        capsys, "users", "add", "quinn", "--role", "admin", "--database", str(dbfile)
    )
    assert code == 2 and "--password-stdin" in err


def test_import_lists_bad_rows_and_exits_non_zero(capsys, dbfile, tmp_path):
    csv = tmp_path / "o.csv"
    csv.write_text("badge,last_name\n0001,Smith\n,Nobody\n0003,\n", encoding="utf-8")
    code, _, err = run(capsys, "import", "officers", str(csv), "--database", str(dbfile))
    assert code == 1
    assert "line 3: badge is required" in err and "line 4: last_name is required" in err
    assert "nothing was imported" in err


def test_import_then_export_round_trip(capsys, dbfile, tmp_path):
    csv = tmp_path / "o.csv"
    csv.write_text("badge,last_name\n0001,Smith\n0002,Jones\n", encoding="utf-8")
    code, out, _ = run(capsys, "import", "officers", str(csv), "--database", str(dbfile))
    assert code == 0 and "2 added, 0 updated, 0 unchanged" in out
    code, out, _ = run(capsys, "import", "officers", str(csv), "--database", str(dbfile))
    assert "0 added, 0 updated, 2 unchanged" in out
    for kind in ("officers", "units", "custody"):
        code, out, _ = run(
            capsys, "export", kind, str(tmp_path / f"{kind}.csv"), "--database", str(dbfile)
        )
        assert code == 0 and (tmp_path / f"{kind}.csv").exists()


def test_import_of_a_missing_file_is_a_clear_error(capsys, dbfile, tmp_path):
    code, _, err = run(
        capsys, "import", "units", str(tmp_path / "nope.csv"), "--database", str(dbfile)
    )
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

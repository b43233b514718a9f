"""Every command in the README's table, run as the user runs it: a separate process. Exit
codes, output, and never a traceback, whether the command works or fails as expected."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cli(tmp_path):
    env = {**os.environ, "BWC_DESK_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT)}
    env.pop("BWC_DESK_DATABASE_URL", None)
    db = tmp_path / "cli.sqlite3"

    def run(*args: str, stdin: str = "", ok: bool = True,
            database: bool = True) -> subprocess.CompletedProcess[str]:
        where = ["--database", str(db)] if database else []
        result = subprocess.run(
            [sys.executable, "-m", "bwc_desk", *args, *where],
            input=stdin, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
        )
        assert "Traceback" not in result.stderr, result.stderr
        if ok:
            assert result.returncode == 0, result.stdout + result.stderr
        else:
            assert result.returncode != 0, result.stdout + result.stderr
            assert result.stderr.startswith("error:") or "line " in result.stderr, result.stderr
        return result

    return run


def test_the_readme_lists_the_commands_this_test_runs():
    table = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = set(re.findall(r"^\| `bwc-desk ([a-z-]+)", table, re.M))
    assert commands >= {"self-test", "users", "import", "export", "verify", "backup", "restore"}
    assert commands >= {"anchor", "keys", "settings", "docks"}
    assert commands <= {"self-test", "users", "import", "export", "verify", "backup", "restore",
                        "grant-app-role", "dock-sim", "anchor", "keys", "settings", "docks",
                        "station-config", "verify-export",
                        # run in tests/test_reports_cli.py (as processes) and
                        # tests/test_directory_cli.py (against a real slapd)
                        "report", "batches", "sync"}


def test_every_readme_command_runs_as_a_process(cli, tmp_path):
    def chief(*args: str) -> subprocess.CompletedProcess[str]:  # the administrator signs in
        return cli(*args, "--as", "chief", "--password-stdin", stdin=PASSWORD + "\n")

    assert "self-test passed" in cli("self-test").stdout
    assert "created admin account 'chief'" in cli(
        "users", "add", "chief", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n"
    ).stdout
    cli("users", "add", "quinn", "--role", "quartermaster", "--password-stdin", "--as", "chief",
        stdin=f"{PASSWORD}\n{PASSWORD}\n")
    officers = tmp_path / "officers.csv"
    officers.write_text("badge,last_name,shift\n0412,Smith,Day\n0007,Jones,Night\n", "utf-8")
    units = tmp_path / "units.csv"
    units.write_text("asset_tag,serial,assigned_badge\nHPD-1,S-1,0412\nHPD-2,S-2,\n", "utf-8")
    refused = cli("import", "officers", str(officers), ok=False)  # who does it?
    assert "--as USERNAME" in refused.stderr
    assert "(dry run)" in chief("import", "officers", str(officers), "--dry-run").stdout
    assert "2 added" in chief("import", "officers", str(officers)).stdout
    assert "2 added" in chief("import", "units", str(units)).stdout
    for kind in ("officers", "units", "custody", "audit"):
        out = chief("export", kind, str(tmp_path / f"{kind}-out.csv")).stdout
        assert f"{kind} rows" in out and (tmp_path / f"{kind}-out.csv").exists()
    assert "seq,at_utc,event" in (tmp_path / "audit-out.csv").read_text("utf-8-sig")
    verified = cli("verify").stdout
    head = re.search(r"custody: OK.*head #(\d+) ([0-9a-f]{64})", verified)
    assert head is not None, verified
    cli("verify", "--expect-custody", f"{head[1]}:{head[2]}")
    backup = chief("backup", str(tmp_path / "backups")).stdout
    path = re.search(r"backed up to (\S+) \(", backup)
    assert path is not None, backup
    assert "restored" in chief("restore", path[1]).stdout
    cli("users", "change", "quinn", "--as", "chief", "--role", "supervisor", "--password-stdin",
        stdin=PASSWORD + "\n")
    # The ledger's anchors and keys, the agency's shifts, the docks.
    assert "Night" in cli("settings", "shifts").stdout
    shifts = tmp_path / "shifts.csv"
    shifts.write_text("name,start,hours\nDay,07:00,12\nNight,19:00,12\n", "utf-8")
    chief("settings", "shifts", "set", str(shifts))
    assert "19:00" in cli("settings", "shifts").stdout
    assert cli("keys", "show").stdout.strip() and cli("keys", "list").stdout.strip()
    anchors = tmp_path / "anchors"
    chief("anchor", str(anchors))
    cli("verify", "--anchors", str(anchors))
    chief("docks", "add", "DOCK-A", "--bays", "8")
    assert "DOCK-A" in cli("docks", "list").stdout
    chief("docks", "admit", "--minutes", "5")
    chief("docks", "remove", "DOCK-A")
    assert "DOCK-A" not in cli("docks", "list").stdout
    assert cli("docks", "token", database=False).stdout.strip()
    evidence = tmp_path / "evidence"
    chief("export", "evidence", "--unit", "HPD-1", str(evidence))
    cli("verify-export", str(evidence), database=False)
    cli("station-config", "--station-name", "DESK-9", database=False)
    assert "DESK-9" in (tmp_path / "home" / "config" / "station.json").read_text("utf-8")


def test_expected_errors_are_messages_not_tracebacks(cli, tmp_path):
    cli("users", "add", "quinn", "--role", "quartermaster", "--password-stdin",
        stdin=PASSWORD + "\n", ok=False)
    cli("users", "add", "chief", "--role", "admin", "--password-stdin", stdin="short\n",
        ok=False)
    cli("users", "add", "chief", "--role", "admin", "--password-stdin", stdin="", ok=False)
    cli("users", "add", "chief", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")

    def chief(*args: str) -> subprocess.CompletedProcess[str]:
        return cli(*args, "--as", "chief", "--password-stdin", stdin=PASSWORD + "\n", ok=False)

    chief("import", "officers", str(tmp_path / "missing.csv"))
    chief("import", "units", str(tmp_path))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfeb\x00")
    chief("import", "officers", str(bad))
    chief("export", "audit", str(tmp_path / "no" / "such" / "folder" / "a.csv"))
    cli("export", "audit", str(tmp_path / "a.csv"), "--as", "chief", "--password-stdin",
        stdin="not the password\n", ok=False)
    cli("verify", "--expect-custody", "nonsense", ok=False)
    cli("restore", str(tmp_path / "missing.sqlite3"), ok=False)
    cli("grant-app-role", "bwc_station", ok=False)

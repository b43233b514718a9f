"""The real application as a separate process, the way a station runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PASSWORD


def env_for(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(BWC_DESK_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    return env


def test_gui_signs_in_shows_the_window_and_goes_idle(tmp_path):
    env = env_for(tmp_path)
    db = tmp_path / "station.sqlite3"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bwc_desk",
            "users",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
            "--database",
            str(db),
        ],
        input=PASSWORD + "\n",
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bwc_desk",
            "--database",
            str(db),
            "--sign-in-stdin",
            "--exit-when-idle",
        ],
        input=f"admin\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "BWC-DESK-IDLE" in result.stdout
    assert "Traceback" not in result.stderr
    log = (tmp_path / "logs" / "bwc-desk.log").read_text()
    assert "BWC Desk" in log and "starting" in log


def test_wrong_password_on_stdin_fails_without_a_window(tmp_path):
    env = env_for(tmp_path)
    db = tmp_path / "station.sqlite3"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bwc_desk",
            "users",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
            "--database",
            str(db),
        ],
        input=PASSWORD + "\n",
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bwc_desk",
            "--database",
            str(db),
            "--sign-in-stdin",
            "--exit-when-idle",
        ],
        input="admin\nwrong\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode != 0
    assert "BWC-DESK-IDLE" not in result.stdout


def _start(db: Path, home: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bwc_desk", "--database", str(db), "--sign-in-stdin",
         "--exit-when-idle"],
        input=stdin,
        capture_output=True,
        text=True,
        env=env_for(home),
        timeout=120,
    )


def test_a_scripted_start_refused_says_so_on_stderr_instead_of_waiting_on_a_box(tmp_path):
    """Nobody reads a box on a scripted start (--sign-in-stdin): a refusal (here: the
    station's name is another PC's) goes to stderr and the process ends, where a box nobody
    closed kept the benchmarks waiting for ever."""
    db = tmp_path / "station.sqlite3"
    first, second = tmp_path / "pc-1", tmp_path / "pc-2"
    for home in (first, second):
        (home / "config").mkdir(parents=True)
        (home / "config" / "station.json").write_text('{"station_name": "DESK-1"}')
    subprocess.run(
        [sys.executable, "-m", "bwc_desk", "users", "add", "admin", "--role", "admin",
         "--password-stdin", "--database", str(db)],
        input=PASSWORD + "\n", check=True, capture_output=True, text=True,
        env=env_for(first), timeout=120,
    )
    assert _start(db, first, f"admin\n{PASSWORD}\n").returncode == 0
    result = _start(db, second, f"admin\n{PASSWORD}\n")
    assert result.returncode == 1
    assert "this station name is taken" in result.stderr
    assert "DESK-1" in result.stderr
    assert "BWC-DESK-IDLE" not in result.stdout


def test_a_scripted_start_on_a_database_not_set_up_ends_with_a_message(tmp_path):
    result = _start(tmp_path / "new.sqlite3", tmp_path, f"admin\n{PASSWORD}\n")
    assert result.returncode == 1
    assert "not set up yet" in result.stderr
    assert not (tmp_path / "new.sqlite3").exists()  # (the file this start made: not left)

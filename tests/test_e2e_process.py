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

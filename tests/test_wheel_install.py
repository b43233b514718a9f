"""`pip install .` works: a wheel built from the source tree, installed into a fresh virtual
environment, creates accounts, imports and builds the demo from a folder outside the source
tree. (The run-time data, the common-password list above all, is package data: before, an
installed copy could not create an account.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".mypy_cache",
    ".ruff_cache", ".pytest_cache", "*.sqlite3*",
)


def _run(args: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=900, **kwargs
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.mark.slow
def test_an_installed_wheel_works_outside_the_source_tree(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)  # pip builds in place: not in ours
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", wheels, source])
    (wheel,) = wheels.glob("bwc_desk-*.whl")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv])
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    _run([python, "-m", "pip", "install", "-q", wheel])  # with its pinned dependencies

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BWC_DESK_DATABASE_URL")}
    env["BWC_DESK_HOME"] = str(tmp_path / "home")

    def bwc(*args: str, stdin: str = "") -> str:
        return _run([bindir / "bwc-desk", *args, "--database", "agency.sqlite3"],
                    input=stdin, cwd=elsewhere, env=env).stdout

    where = _run([python, "-c", "import bwc_desk, bwc_desk.services.resources as r; "
                  "print(bwc_desk.__file__); print(len(r.common_passwords()))"],
                 cwd=elsewhere, env=env).stdout.split()
    assert Path(where[0]).is_relative_to(venv), where  # the installed copy, not the source
    assert int(where[1]) > 1000

    assert "created admin account 'chief'" in bwc(
        "users", "add", "chief", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert "created quartermaster account 'quinn'" in bwc(
        "users", "add", "quinn", "--role", "quartermaster", "--password-stdin", "--as", "chief",
        stdin=f"{PASSWORD}\n{PASSWORD}\n")
    (elsewhere / "officers.csv").write_text("badge,last_name,shift\n0412,Smith,Day\n", "utf-8")
    (elsewhere / "units.csv").write_text(
        "asset_tag,serial,assigned_badge\nHPD-1,S-1,0412\n", "utf-8")
    signed = ("--as", "chief", "--password-stdin")
    assert "1 added" in bwc("import", "officers", "officers.csv", *signed, stdin=PASSWORD + "\n")
    assert "1 added" in bwc("import", "units", "units.csv", *signed, stdin=PASSWORD + "\n")

    demo = _run([python, "-c",
                 "from bwc_desk.services.demo import seed_demo\n"
                 "from bwc_desk.services.startup import open_database, resolve_url\n"
                 "opened = open_database(resolve_url(None, demo=True))\n"
                 "print(seed_demo(opened.db, days=1))\n"
                 "opened.db.dispose()\n"],
                cwd=elsewhere, env={**env, "QT_QPA_PLATFORM": "offscreen"}).stdout
    assert demo.strip()
    assert "self-test passed" in _run([bindir / "bwc-desk", "self-test", "--demo"],
                                      cwd=elsewhere, env=env).stdout

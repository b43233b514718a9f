"""UI -> services -> store -> domain, and no Qt below the UI: enforced by import-linter
contracts in pyproject.toml. The second test proves the contracts can fail."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
    )


def test_layers_are_kept():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken" in result.stdout


def test_a_crossed_layer_is_caught(tmp_path):
    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    shutil.copytree(
        ROOT / "bwc_desk", copy / "bwc_desk", ignore=shutil.ignore_patterns("__pycache__")
    )
    rules = copy / "bwc_desk" / "domain" / "units.py"
    rules.write_text(rules.read_text() + "\nimport PySide6.QtCore  # noqa\n")
    widget = copy / "bwc_desk" / "ui" / "widgets.py"
    widget.write_text(widget.read_text() + "\nfrom bwc_desk.store import db  # noqa\n")
    result = lint(copy)
    assert result.returncode != 0
    assert "No Qt below the UI" in result.stdout and "BROKEN" in result.stdout
    assert "Widgets never touch the database" in result.stdout

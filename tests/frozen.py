"""Building the frozen bundle for the slow tests: once per test session, shared by the
frozen-build tests and the Debian package tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_BUILT: dict[Path, Path] = {}


def build_bundle(source: Path, out: Path) -> Path:
    """PyInstaller on ``source``'s build.spec; the one-folder bundle under ``out``."""
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    result = subprocess.run(
        [str(pyinstaller), "--noconfirm", "--log-level", "WARN",
         "--distpath", str(out / "dist"), "--workpath", str(out / "build"),
         str(source / "build.spec")],
        cwd=source, capture_output=True, text=True, timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out / "dist" / "bwc-desk"


def shared_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This worktree's bundle, built at most once in a test session."""
    if ROOT not in _BUILT:
        _BUILT[ROOT] = build_bundle(ROOT, tmp_path_factory.mktemp("frozen"))
    return _BUILT[ROOT]

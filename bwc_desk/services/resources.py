"""Files shipped in resources/ (inside the frozen bundle too)."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


def resources_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


@cache
def common_passwords() -> frozenset[str]:
    path = resources_dir() / "common-passwords.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise RuntimeError(
            f"{path} is missing: this installation of BWC Desk is incomplete; reinstall it"
        ) from None
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )

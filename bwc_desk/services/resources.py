"""Files the program reads at run time, shipped inside the package (bwc_desk/resources/):
an installed wheel and the frozen bundle carry them as they carry the code. The top-level
resources/ folder of the source tree holds only what is not read at run time."""

from __future__ import annotations

from functools import cache
from pathlib import Path


def resources_dir() -> Path:
    # bwc_desk/services/resources.py -> bwc_desk/resources, in a source tree, an installed
    # wheel and the PyInstaller bundle alike (build.spec collects it at bwc_desk/resources).
    return Path(__file__).resolve().parents[1] / "resources"


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

"""deb_mib: the size of the Debian package built by `make deb`, if there is one."""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.harness import Figure


def _version(root: Path) -> str:
    text = (root / "bwc_desk" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'__version__ = "([^"]+)"', text)
    return match.group(1) if match else ""


def deb_size(root: Path) -> list[Figure]:
    """The current version's .deb in dist/ (xz-compressed, as released); nothing when absent:
    building it (`make deb`) takes minutes and is not the benchmark's to do."""
    deb = root / "dist" / f"bwc-desk_{_version(root)}_amd64.deb"
    if not deb.exists():
        return []
    return [Figure("deb_mib", deb.stat().st_size / 2**20, "MiB",
                   "Debian package (make deb, xz)", note=deb.name)]

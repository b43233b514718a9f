"""The dock simulator for the benchmarks, in its own process, playing cameras the agency has
registered (so the feed writes their docked and undocked custody records), as a real dock
room does: `python -m benchmarks.sim PORT DOCKS BAYS SERIALS_FILE [SPEED]`."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from bwc_desk.adapters.dockfeed.simulator import run_simulator

    port, docks, bays = int(argv[0]), int(argv[1]), int(argv[2])
    serials = Path(argv[3]).read_text().split()
    speed = float(argv[4]) if len(argv) > 4 else 30.0
    with contextlib.suppress(KeyboardInterrupt):
        run_simulator("127.0.0.1", port, docks, bays, "", speed, seed=1, serials=serials)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

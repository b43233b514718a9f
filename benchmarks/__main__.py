"""python -m benchmarks [--size small|large] [--only NAME] [--json PATH]

docs/benchmarks.md is generated from the JSON files: python -m benchmarks.report RUN.json ..."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.agency import agency
from benchmarks.harness import Figure, Run

ROOT = Path(__file__).resolve().parents[1]
MINUTES = [10.0]  # idle-rss: how long the app idles (--minutes)


def _startup(size: str, work: Path) -> list[Figure]:
    from benchmarks import startup

    return startup.run(agency(size), work)


def _bundle(size: str, work: Path) -> list[Figure]:
    from benchmarks import startup

    return startup.bundle_size(ROOT)


def _package(size: str, work: Path) -> list[Figure]:
    from benchmarks import package_size

    return package_size.deb_size(ROOT)


def _verify(size: str, work: Path) -> list[Figure]:
    from benchmarks import verify

    return verify.run(agency(size), work)


def _scan(size: str, work: Path) -> list[Figure]:
    from benchmarks import scan

    return scan.run(agency(size), work)


def _docks(size: str, work: Path) -> list[Figure]:
    from benchmarks import docks

    return docks.run(agency(size), work)


def _idle_rss(size: str, work: Path) -> list[Figure]:
    from benchmarks import idle_rss

    return idle_rss.run(agency(size), work, MINUTES[0])


def _pg_scan(size: str, work: Path) -> list[Figure]:
    from benchmarks import pg_scan

    return pg_scan.run(agency(size), work)


def _reassign(size: str, work: Path) -> list[Figure]:
    from benchmarks import reassign

    return reassign.run(agency(size), work)


def _inventory(size: str, work: Path) -> list[Figure]:
    from benchmarks import inventory

    return inventory.run(agency(size), work)


def _counter(size: str, work: Path) -> list[Figure]:
    from benchmarks import counter_load

    return counter_load.run(agency(size), work)


def _dock_tile(size: str, work: Path) -> list[Figure]:
    from benchmarks import dock_tile

    return dock_tile.run(agency(size), work)


def _roster(size: str, work: Path) -> list[Figure]:
    from benchmarks import roster

    return roster.run(agency(size), work)


def _imports(size: str, work: Path) -> list[Figure]:
    from benchmarks import imports

    return imports.run(work)


def _ldap_sync(size: str, work: Path) -> list[Figure]:
    from benchmarks import ldap_sync

    return ldap_sync.run(work)


def _reports(size: str, work: Path) -> list[Figure]:
    from benchmarks import reports

    return reports.run(agency(size), work)


def _crash(size: str, work: Path) -> list[Figure]:
    from benchmarks import crash

    return crash.run(size, work)


BENCHES: dict[str, Callable[[str, Path], list[Figure]]] = {
    "startup": _startup,
    "bundle": _bundle,
    "package": _package,
    "verify": _verify,
    "scan": _scan,
    "reassign": _reassign,
    "inventory": _inventory,
    "docks": _docks,
    "counter": _counter,
    "dock-tile": _dock_tile,
    "roster": _roster,
    "idle-rss": _idle_rss,
    "pg-scan": _pg_scan,
    "imports": _imports,
    "ldap-sync": _ldap_sync,
    "crash": _crash,
    "reports": _reports,
}


def main(argv: list[str] | None = None) -> int:
    # Headless unless told otherwise (as `make bench` runs it): without a display Qt aborts
    # the run at the first in-process window.
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--size", choices=["small", "large"], default="small")
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(BENCHES),
        help="run only this benchmark (repeatable)",
    )
    parser.add_argument("--stalls", action="store_true",
                        help="print what the main thread ran during its stalls over 50 ms"
                        " (benchmarks/stalls.py)")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument(
        "--minutes",
        type=float,
        default=None,
        help="idle-rss: minutes the app idles (default 10; shorter for a quick small run)",
    )
    args = parser.parse_args(argv)
    # Stopped with SIGTERM: unwind, so that the processes a benchmark started are stopped too.
    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(143))
    MINUTES[0] = args.minutes or 10.0
    if args.stalls:
        from benchmarks import stalls

        stalls.ENABLED[0] = True
    run = Run(args.size)
    with tempfile.TemporaryDirectory(prefix="bwc-bench-") as tmp:
        for name in args.only or list(BENCHES):
            print(f"== {name} ({args.size})", file=sys.stderr, flush=True)
            started = time.perf_counter()
            run.add(*BENCHES[name](args.size, Path(tmp) / name))
            run.seconds[name] = round(time.perf_counter() - started, 1)
            print(f"   {name}: {run.seconds[name]:,.0f} s", file=sys.stderr, flush=True)
    print(run.table())
    if args.json:
        run.write_json(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

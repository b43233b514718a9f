"""idle_rss_growth_mib_per_h: the app left idle on the Docks view while the demo's docks
(the simulator: 6 docks of 8 bays, in its own process) report into its dock feed, with the
housekeeping the launcher starts (checkpoints, malloc trims every 5 minutes), for ten
minutes (``--minutes`` shortens it), extrapolated to an hour. The resident set is sampled
after a warm-up, so start-up allocations do not count as growth.

``python -m benchmarks.idle_rss --minutes 2 --trace`` also prints the places that allocated
the most between the two samples (tracemalloc), to find what grows."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from benchmarks.agency import PASSWORD, Agency
from benchmarks.harness import Figure

WARM_UP_S = 30
SAMPLE_S = 30


def rss_mib() -> float:
    try:
        import psutil

        return float(psutil.Process().memory_info().rss) / 2**20
    except ImportError:  # Linux without psutil
        for row in Path("/proc/self/status").read_text().splitlines():
            if row.startswith("VmRSS:"):
                return int(row.split()[1]) / 1024
        raise


def _wait(app: object, seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def run(agency: Agency, work: Path, minutes: float = 10.0, trace: bool = False) -> list[Figure]:
    from PySide6.QtWidgets import QApplication

    from bwc_desk.adapters import heap
    from bwc_desk.adapters.dockfeed.simulator import dock_name
    from bwc_desk.services import auth, dock_registry
    from bwc_desk.services.context import SYSTEM, Ctx
    from bwc_desk.services.dockfeed import DockFeed
    from bwc_desk.services.startup import open_database
    from bwc_desk.ui.main_window import MainWindow
    from bwc_desk.ui.maintenance import Maintenance
    from bwc_desk.ui.state import AppState

    heap.limit_arenas()  # as the app does first thing (bwc_desk/app.py)
    app = QApplication.instance() or QApplication([])
    copy = agency.copy(work / "agency.sqlite3")
    db = open_database(copy.url).db
    ctx = Ctx(db, "BENCH-1")
    for i in range(6):
        dock_registry.add_dock(ctx.as_actor(SYSTEM), dock_name(i), 8)
    ctx = ctx.as_actor(auth.sign_in(ctx, "admin", PASSWORD))
    state = AppState(ctx, demo=True)
    window = MainWindow(state, "Benchmark")
    window.show()
    window.tabs.setCurrentWidget(window.docks_tab)
    jobs = Maintenance(ctx)  # checkpoints and memory trims, as the launcher starts them
    jobs.start()
    token = "idle-rss-benchmark"
    feed = DockFeed(ctx, "127.0.0.1", 0, token=token)
    feed.start()
    sim = subprocess.Popen(
        [sys.executable, "-m", "bwc_desk", "dock-sim", "--docks", "6", "--bays", "8",
         "--port", str(feed.address[1]), "--speed", "20", "--seed", "7", "--token", token],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    try:
        _wait(app, WARM_UP_S)
        if trace:
            tracemalloc.start(12)
            first = tracemalloc.take_snapshot()
        start = rss_mib()
        # A sample every 30 s and the least-squares slope through them: two end points alone
        # swing with whichever moment glibc happened to hand memory back.
        times, samples = [0.0], [start]
        began = time.monotonic()
        while time.monotonic() - began < minutes * 60:
            _wait(app, min(SAMPLE_S, minutes * 60 - (time.monotonic() - began)))
            times.append((time.monotonic() - began) / 3600)
            samples.append(rss_mib())
        end = samples[-1]
        if trace:
            top = tracemalloc.take_snapshot().compare_to(first, "traceback")
            for stat in top[:12]:
                print(stat, file=sys.stderr)
                for frame in stat.traceback.format()[-8:]:
                    print("   ", frame, file=sys.stderr)
        messages = feed.board.messages
    finally:
        sim.terminate()
        sim.wait(10)
        feed.stop()
        jobs.stop()
        state.runner.shutdown()
        window.close()
        db.dispose()
    if not messages:
        raise RuntimeError("no dock message reached the feed")
    growth = statistics.linear_regression(times, samples).slope if len(times) > 2 else (
        (end - start) / minutes * 60
    )
    return [
        Figure("idle_rss_start_mib", start, "MiB",
               f"App RSS on the Docks view with 6 simulated docks, after {WARM_UP_S} s"),
        Figure("idle_rss_growth_mib_per_h", growth, "MiB/h",
               f"... its growth over {minutes:g} min (slope of a sample every {SAMPLE_S} s), "
               "per hour", goal="<= 5",
               note=f"from {start:.1f} to {end:.1f} MiB, peak {max(samples):.1f}"),
    ]


def main(argv: list[str] | None = None) -> int:
    import tempfile

    from benchmarks.agency import agency
    from benchmarks.harness import Run

    parser = argparse.ArgumentParser(prog="python -m benchmarks.idle_rss")
    parser.add_argument("--size", choices=["small", "large"], default="small")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--trace", action="store_true", help="print what grew (tracemalloc)")
    args = parser.parse_args(argv)
    result = Run(args.size)
    with tempfile.TemporaryDirectory(prefix="bwc-bench-") as tmp:
        result.add(*run(agency(args.size), Path(tmp), args.minutes, args.trace))
    print(result.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())

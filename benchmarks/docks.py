"""dock_lag_p99_ms and dock_cpu_pct: 1,200 bays (100 docks of 12), each reporting once a
second, into the app's own dock feed, with the Docks view shown and repainting. Next to the
same figures for the app idle (no feed), measured in the same run.

The simulator runs in its own process (its CPU is not counted) and plays cameras of the
agency (registered serials), so the feed writes their docked and undocked custody records;
the feed's server and flusher threads, the workers and the main thread are all in this
process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.agency import PASSWORD, Agency
from benchmarks.harness import Figure, percentile

TICK_MS = 5


def _measure(app: object, seconds: float) -> tuple[list[float], float]:
    """Event-loop lag samples (ms) and this process's CPU (percent of one core)."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    lags: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        lags.append(max(0.0, now - last[0] - TICK_MS))
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    timer.start()
    loop.exec()
    timer.stop()
    cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0) * 100
    return lags, cpu


def run(agency: Agency, work: Path, seconds: float = 30.0, docks: int = 100,
        bays: int = 12) -> list[Figure]:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from bwc_desk.adapters.dockfeed.simulator import dock_name
    from bwc_desk.services import auth, dock_registry
    from bwc_desk.services.context import SYSTEM, Ctx
    from bwc_desk.services.dockfeed import DockFeed
    from bwc_desk.services.startup import open_database
    from bwc_desk.ui.main_window import MainWindow
    from bwc_desk.ui.state import AppState

    app = QApplication.instance() or QApplication([])
    copy = agency.copy(work / "agency.sqlite3")
    db = open_database(copy.url).db
    ctx = Ctx(db, "BENCH-1")
    for i in range(docks):  # only registered docks may report
        dock_registry.add_dock(ctx.as_actor(SYSTEM), dock_name(i), bays)
    ctx = ctx.as_actor(auth.sign_in(ctx, "admin", PASSWORD))
    state = AppState(ctx)
    window = MainWindow(state, "Benchmark")
    window.show()
    window.tabs.setCurrentWidget(window.docks_tab)
    idle_lags, idle_cpu = _measure(app, min(10.0, seconds))

    feed = DockFeed(ctx, "127.0.0.1", 0)
    feed.start()
    from sqlalchemy import text

    with db.read() as s:  # cameras of the agency that are not out
        serials = [str(r[0]) for r in s.execute(text(
            "SELECT serial FROM units WHERE status = 'available' AND serial IS NOT NULL"
            " ORDER BY id DESC LIMIT :n"), {"n": docks * bays})]
    serials_file = work / "serials.txt"
    serials_file.write_text("\n".join(serials))
    sim = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.sim", str(feed.address[1]), str(docks), str(bays),
         str(serials_file), "30"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    try:
        warm = QEventLoop()  # every dock connected, every bay in the database once
        QTimer.singleShot(8000, warm.quit)
        warm.exec()
        before = feed.board.messages
        lags, cpu = _measure(app, seconds)
        rate = (feed.board.messages - before) / seconds
        shown = len(window.docks_tab.widgets)
    finally:
        sim.terminate()
        sim.wait(10)
        feed.stop()
        state.runner.shutdown()
        window.close()
        db.dispose()
    if shown < docks:
        raise RuntimeError(f"only {shown} of {docks} docks reached the view")
    label = f"{docks} docks x {bays} bays, {rate:,.0f} bay messages/s"
    return [
        Figure("idle_lag_p99_ms", percentile(idle_lags, 99), "ms",
               "Main-thread event-loop lag, app idle on the Docks view, p99"),
        Figure("dock_lag_p99_ms", percentile(lags, 99), "ms",
               f"... with {label} (cameras of the agency), p99",
               baseline="idle_lag_p99_ms", goal="< 50"),
        Figure("idle_cpu_pct", idle_cpu, "%", "App CPU, idle on the Docks view"),
        Figure("dock_cpu_pct", cpu, "%", f"App CPU with {label} (percent of one core)",
               baseline="idle_cpu_pct", goal="< 30"),
    ]

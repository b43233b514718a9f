"""The real app, put together as the launcher does (AppState, MainWindow, the change watcher,
the dock feed, housekeeping's checkpoints), on a copy of a benchmark agency, with the loads
a busy evidence room puts on it: the views opened once, 1,200 dock bays reporting cameras
the agency knows, and another station's transactions every second."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.agency import PASSWORD, Agency
from benchmarks.probes import app, pause, wait_for

DOCKS, BAYS = 100, 12


def _die_with_parent() -> None:
    """In the child, before it runs: on Linux, end when the benchmark's process ends however
    it ends (a crash never leaves the simulator or the other station running on)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
SIM_SPEED = 30.0  # the cameras' clock: they charge, upload and leave as at a shift change
ENV = dict(os.environ, QT_QPA_PLATFORM="offscreen")


@dataclass
class Desk:
    agency: Agency
    work: Path
    user: str = "admin"
    db: Any = None
    state: Any = None
    window: Any = None
    watcher: Any = None
    feed: Any = None
    maintenance: Any = None
    garbage: Any = None
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    # --- the app ---------------------------------------------------------------------------
    def open(self, docks: int = 0, bays: int = BAYS, settings: dict[str, Any] | None = None
             ) -> Desk:
        from bwc_desk.adapters.dockfeed.simulator import dock_name
        from bwc_desk.services import auth, dock_registry
        from bwc_desk.services.context import SYSTEM, Ctx
        from bwc_desk.services.settings import change_settings
        from bwc_desk.services.startup import open_database

        app()
        copy = self.agency.copy(self.work / "agency.sqlite3")
        self.agency = copy
        self.db = open_database(copy.url).db
        ctx = Ctx(self.db, "BENCH-1")
        for i in range(docks):  # only registered docks may report
            dock_registry.add_dock(ctx.as_actor(SYSTEM), dock_name(i), bays)
        if settings:
            admin = ctx.as_actor(auth.sign_in(ctx, "admin", PASSWORD))
            change_settings(admin, settings)
        ctx = ctx.as_actor(auth.sign_in(ctx, self.user, PASSWORD))
        self.db.checkpoint()
        return self.show(ctx)

    def show(self, ctx: Any) -> Desk:
        from PySide6.QtTest import QTest

        from bwc_desk.ui.main_window import MainWindow
        from bwc_desk.ui.state import AppState

        self.state = AppState(ctx)
        self.window = MainWindow(self.state, "Benchmark")
        self.window.resize(1400, 860)
        self.window.show()
        QTest.qWaitForWindowExposed(self.window)
        # As the launcher does once its window is up (before its background work starts).
        from bwc_desk.ui.tasks import favour_the_main_thread

        favour_the_main_thread()
        from bwc_desk.ui.garbage import GarbageKeeper

        self.garbage = GarbageKeeper(self.window.idle.quiet_s, self.window)
        self.garbage.start()
        return self

    def start_background(self) -> None:
        """What the launcher starts beside the window: the change watcher, and the
        checkpoints of housekeeping (its start-up backup and quick_check pushed past the
        run: they are not what is measured)."""
        from bwc_desk.ui.change_watcher import ChangeWatcher
        from bwc_desk.ui.maintenance import Maintenance

        self.watcher = ChangeWatcher(self.state)
        self.watcher.start()
        self.maintenance = Maintenance(self.state.ctx, delay_ms=2**31 - 1)
        self.maintenance.start()

    def start_feed(self) -> int:
        from bwc_desk.services.dockfeed import DockFeed

        # (As the launcher does on SQLite: each flush is told to the window.)
        self.feed = DockFeed(self.state.ctx, "127.0.0.1", 0, "",
                             on_change=self.state.announce_from_thread)
        self.feed.start()
        return int(self.feed.address[1])

    # --- views -----------------------------------------------------------------------------
    def show_view(self, view: Any) -> None:
        self.window.tabs.setCurrentWidget(view)

    def open_everything(self) -> None:
        """Inventory, the roster, the cameras page and the shift change, each opened once
        until its rows are shown, then the counter again, as a supervisor's morning goes."""
        w = self.window
        self.show_view(w.inventory_tab)
        wait_for(lambda: w.inventory_tab.model.rowCount() >= self.agency.units, 600,
                 "Inventory's rows")
        a = w.assignments_tab
        self.show_view(a)
        a.pages.setCurrentWidget(a.roster)
        wait_for(lambda: a.roster.model.rowCount() >= self.agency.officers, 600,
                 "the roster's rows")
        a.pages.setCurrentWidget(a.cameras)
        wait_for(lambda: a.cameras.model.rowCount() >= self.agency.units, 600,
                 "the cameras page's rows")
        boards: list[object] = []
        a.shift_change.board_loaded.connect(lambda: boards.append(1))
        a.pages.setCurrentWidget(a.shift_change)
        wait_for(lambda: bool(boards), 600, "the shift change board")
        a.pages.setCurrentWidget(a.roster)
        self.show_counter()

    def show_counter(self) -> None:
        tab = self.window.counter_tab
        self.show_view(tab)
        wait_for(lambda: tab.model.rowCount() > 0, 600, "the counter's Out now list")
        pause(0.5)

    # --- other processes -------------------------------------------------------------------
    def start_simulator(self, port: int, serials: list[str], docks: int = DOCKS,
                        bays: int = BAYS, speed: float = SIM_SPEED) -> None:
        path = self.work / "serials.txt"
        path.write_text("\n".join(serials))
        self._spawn("benchmarks.sim", str(port), str(docks), str(bays), str(path), str(speed))

    def start_station_two(self, pairs: list[tuple[int, str]]) -> None:
        path = self.work / "station-two.txt"
        path.write_text("".join(f"{o} {t}\n" for o, t in pairs))
        proc = self._spawn("benchmarks.station_two", str(self.agency.path), str(path),
                           stdout=subprocess.PIPE)
        assert proc.stdout is not None
        if b"ready" not in proc.stdout.readline():
            log = self.work / "benchmarks.station_two.log"
            raise RuntimeError(f"the second station did not start: {log.read_text()[-2000:]}")

    def _spawn(self, module: str, *args: str, stdout: Any = subprocess.DEVNULL
               ) -> subprocess.Popen[bytes]:
        with (self.work / f"{module}.log").open("ab") as log:
            proc = subprocess.Popen([sys.executable, "-m", module, *args], stdout=stdout,
                                    stderr=log, env=ENV, cwd=Path(__file__).resolve().parents[1],
                                    preexec_fn=_die_with_parent)
        self.procs.append(proc)
        return proc

    # --- the data the runs use -------------------------------------------------------------
    def issue_pairs(self, n: int, skip: int = 0) -> list[tuple[int, str, str]]:
        """Officers (id, badge) with an available primary camera (tag) never seen in a dock
        (so the readiness check has nothing to ask) and nothing out."""
        from sqlalchemy import text

        with self.db.read() as s:
            rows = s.execute(text(
                "SELECT o.id, o.badge, u.asset_tag FROM officers o"
                " JOIN units u ON u.primary_officer_id = o.id"
                " WHERE u.status = 'available' AND o.active"
                " AND NOT EXISTS (SELECT 1 FROM checkouts c WHERE c.officer_id = o.id"
                "  AND c.returned_at IS NULL)"
                " AND NOT EXISTS (SELECT 1 FROM unit_readings r WHERE r.unit_id = u.id)"
                " ORDER BY o.id LIMIT :n OFFSET :skip"), {"n": n, "skip": skip}).all()
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def dock_serials(self, n: int, avoid: set[str]) -> list[str]:
        """Serials of cameras in the agency that are not out (what a dock room holds)."""
        from sqlalchemy import text

        with self.db.read() as s:
            rows = s.execute(text(
                "SELECT serial, asset_tag FROM units WHERE status = 'available'"
                " AND serial IS NOT NULL ORDER BY id DESC LIMIT :n"), {"n": n + len(avoid)}
            ).all()
        return [str(r[0]) for r in rows if r[1] not in avoid][:n]

    def custody_high_water(self) -> int:
        from sqlalchemy import text

        with self.db.read() as s:
            return int(s.execute(text("SELECT max(id) FROM custody_events")).scalar() or 0)

    # --- the end ---------------------------------------------------------------------------
    def close(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
        if self.feed is not None:
            self.feed.stop()
        if self.watcher is not None:
            self.watcher.stop()
        if self.maintenance is not None:
            self.maintenance.stop()
        if self.garbage is not None:
            self.garbage.stop()
        if self.window is not None:
            self.window.close()  # (the runner is shut down; its writer finishes first)
            self.window.deleteLater()
        pause(0.2)
        if self.db is not None:
            self.db.dispose()
        import gc

        gc.unfreeze()

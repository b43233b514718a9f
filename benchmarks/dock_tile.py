"""dock_to_tile_p99_ms: from a bay report written on the dock feed's socket until the Docks
view's tile shows it (the dock's widget holds the new state and has been painted).

The app as the launcher puts it together (MainWindow through AppState, its own dock feed),
on the Docks view. One dock of 12 bays, the probe, is played by the benchmark itself on the
main thread: once a second it reports its bays (cameras of the agency), bay 1's battery a
new value each time, and notes when the line was written; its widget is scrolled into view
and its paints are watched. A report overtaken by the next one before it was shown counts
until the newer one is shown.

Baseline, same run and window: the probe alone (12 bays). Then the simulator joins with 99
more docks of 12 (1,200 bays in all, cameras of the agency, their clock 30x), in another
process."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.agency import Agency
from benchmarks.desk import BAYS, DOCKS, Desk
from benchmarks.harness import Figure, percentile
from benchmarks.probes import PaintWatch, pause, wait_for

SECONDS = 40.0
WARM_S = 10.0


class _ProbeDock:
    def __init__(self, name: str, port: int, serials: list[str]) -> None:
        self.name = name
        self.serials = serials
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.setblocking(False)
        self.sent: list[tuple[float, int]] = []  # (written at, bay 1's battery)
        self.k = 0
        self._write([{"v": 1, "type": "hello", "dock": name, "bays": BAYS}])

    def _write(self, messages: list[dict[str, Any]]) -> None:
        data = b"".join(json.dumps(m, separators=(",", ":")).encode() + b"\n" for m in messages)
        self.sock.setblocking(True)
        self.sock.sendall(data)
        self.sock.setblocking(False)
        try:  # what the app writes back (refused lines) is read and dropped
            while self.sock.recv(65536):
                pass
        except BlockingIOError:
            pass

    def report(self) -> None:
        ts = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        self.k += 1
        marker = 20 + self.k % 70
        messages = []
        for bay, serial in enumerate(self.serials, start=1):
            battery = marker if bay == 1 else 50
            messages.append({
                "v": 1, "type": "bay", "dock": self.name, "bay": bay, "serial": serial,
                "battery": battery, "charging": True,
                "upload": {"files_done": 3, "files_total": 9, "bytes_done": 3 * 10**8,
                           "bytes_total": 9 * 10**8},
                "updating": False, "error": None, "ts": ts})
        self._write(messages)
        self.sent.append((time.perf_counter(), marker))

    def close(self) -> None:
        self.sock.close()


def _battery(widget: Any) -> int | None:
    for bay in widget.dock.bay_rows:
        if bay.bay == 1:
            return int(bay.battery) if bay.battery is not None else None
    return None


def _measure(desk: Desk, probe: _ProbeDock, seconds: float) -> list[float]:
    """Latencies (ms) of the probe's reports written during ``seconds``."""
    from PySide6.QtCore import QTimer

    tab = desk.window.docks_tab
    widget = tab.widgets[probe.name]
    tab.scroll_area.ensureWidgetVisible(widget)
    paints = PaintWatch(widget, _battery)
    first = len(probe.sent)
    timer = QTimer()
    timer.setInterval(1000)
    timer.timeout.connect(probe.report)
    timer.start()
    pause(seconds)
    timer.stop()
    sent = probe.sent[first:]
    last_marker = sent[-1][1]
    wait_for(lambda: bool(paints.painted_since(sent[-1][0], lambda b: b == last_marker)), 60,
             "the probe's last report on its tile")
    if tab.widgets.get(probe.name) is not widget:
        raise RuntimeError("the Docks view rebuilt its widgets during the run")
    paints.remove()
    times = []
    for i, (at, _marker) in enumerate(sent):
        later = {m for _t, m in sent[i:]}
        shown = paints.painted_since(at, lambda b, later=later: b in later)
        if not shown:
            raise RuntimeError(f"the report written at {at:.3f} never reached its tile")
        times.append((shown - at) * 1000)
    return times


def run(agency: Agency, work: Path) -> list[Figure]:
    from bwc_desk.adapters.dockfeed.simulator import dock_name

    desk = Desk(agency, work, user="admin").open(docks=DOCKS, bays=BAYS)
    probe = None
    try:
        port = desk.start_feed()
        desk.show_view(desk.window.docks_tab)
        serials = desk.dock_serials(DOCKS * BAYS, set())
        name = dock_name(DOCKS - 1)
        probe = _ProbeDock(name, port, serials[:BAYS])
        tab = desk.window.docks_tab
        deadline = time.perf_counter() + 60
        while name not in tab.widgets:  # reported, written and shown once
            probe.report()
            pause(1.0)
            if time.perf_counter() > deadline:
                raise TimeoutError("the probe dock never reached the Docks view")
        pause(2.0)
        alone = _measure(desk, probe, SECONDS)
        desk.start_simulator(port, serials[BAYS:], docks=DOCKS - 1, bays=BAYS)
        warm = time.perf_counter() + WARM_S
        while time.perf_counter() < warm:  # the probe keeps reporting (or it goes offline)
            probe.report()
            pause(1.0)
        before = desk.feed.board.messages
        started = time.perf_counter()
        busy = _measure(desk, probe, SECONDS)
        rate = (desk.feed.board.messages - before) / (time.perf_counter() - started)
        shown = len(tab.widgets)
    finally:
        if probe is not None:
            probe.close()
        desk.close()
    if shown < DOCKS:
        raise RuntimeError(f"only {shown} of {DOCKS} docks reached the view")
    return [
        Figure("dock_tile_alone_p99_ms", percentile(alone, 99), "ms",
               f"Bay report on the socket to its tile painted, one dock of {BAYS} bays, p99 "
               f"of {len(alone)}", note=f"p50 {percentile(alone, 50):,.0f} ms"),
        Figure("dock_to_tile_p99_ms", percentile(busy, 99), "ms",
               f"... with {DOCKS * BAYS:,} bays reporting ({rate:,.0f} bay messages/s), p99 of "
               f"{len(busy)} ({agency.size})", baseline="dock_tile_alone_p99_ms",
               goal="<= 1200", note=f"p50 {percentile(busy, 50):,.0f} ms"),
    ]

"""What the main thread was doing while its event loop stalled: a sampler for the benchmarks
(`python -m benchmarks --stalls ...`), never part of the app.

The main thread marks each turn of its event loop (a precise 5 ms timer, and the event
dispatcher's aboutToBlock/awake). A daemon thread samples the main thread's Python stack
(``faulthandler.dump_traceback``: no frame objects) every couple of milliseconds; the samples
taken between two marks more than ``threshold_ms`` apart belong to one stall and are kept,
with the stall's length. ``report()`` ranks what ran by its share of the stalled time: by
the callback the loop dispatched (the outermost frame below the benchmark's own loop), by
the innermost app frame, by what the other threads were doing, and by the whole stack.

A stack with no frame of the app is time spent in Qt's C++ (layout, painting, the style)
below the loop, or time the main thread waited for the GIL (another thread's Python)."""

from __future__ import annotations

import faulthandler
import os
import tempfile
import threading
import time
from collections import Counter
from typing import Any

Stack = tuple[str, ...]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS = (os.path.join(ROOT, "benchmarks") + os.sep, os.path.join(ROOT, "bwc_desk") + os.sep)
LOOP = "(event loop: Qt C++ / waiting for the GIL)"


def _short(path: str) -> str:
    if path.startswith(ROOT + os.sep):
        return path[len(ROOT) + 1 :]
    return os.sep.join(path.split(os.sep)[-2:])


IDLE = ("threading.py", "queue.py", "selectors.py", "socketserver.py", "stalls.py")


def _parse(dump: str, thread: int) -> tuple[Stack, tuple[str, ...]]:
    """The stack of ``thread`` in a faulthandler dump (outermost first), and the innermost
    frame of each other thread that is not waiting (for work, a lock, a socket)."""
    wanted = f"hread 0x{thread:016x}"
    stacks: list[tuple[bool, list[str]]] = []
    for line in dump.splitlines():
        if line.startswith(("Thread 0x", "Current thread 0x")):
            stacks.append((wanted in line, []))
        elif stacks and line.startswith('  File "'):
            path, _, rest = line[8:].partition('", line ')
            number, _, func = rest.partition(" in ")
            stacks[-1][1].append(f"{_short(path)}:{number} {func}")
    main: list[str] = []
    others: list[str] = []
    for is_main, frames in stacks:  # (innermost first)
        if is_main:
            main = frames[::-1]
        elif frames and not frames[0].split(":")[0].endswith(IDLE):
            others.append(frames[0])
    return tuple(main), tuple(others)


def _below_loop(stack: Stack) -> Stack:
    """The frames the event loop dispatched: those after the last frame of the benchmark's
    own waiting (probes.wait_for / pause), else the whole stack."""
    cut = 0
    for i, where in enumerate(stack):
        if where.startswith("benchmarks/probes.py") and (" wait_for" in where or
                                                         " pause" in where):
            cut = i + 1
    return stack[cut:]


class StallSampler:
    """Start on the main thread (``start``), ``stop``, then ``report()``."""

    def __init__(self, threshold_ms: float = 50.0, every_ms: float = 2.0) -> None:
        self.threshold_s = threshold_ms / 1000
        self.every_s = every_ms / 1000
        # (length, samples): each sample (seconds, main's stack, other threads at work)
        self.stalls: list[tuple[float, list[tuple[float, Stack, Stack]]]] = []
        self._mark = 0  # bumped by the main thread at each turn of its loop
        self._running = False
        self._thread: threading.Thread | None = None
        self._main_id = threading.main_thread().ident
        self._timer: Any = None
        self._dispatcher: Any = None
        self._cpu_clock: int | None = None  # the main thread's CPU clock (Linux)
        self.on_cpu = 0.0  # seconds the main thread ran during the stalls kept
        self._out = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the sampler)

    # --- the main thread ----------------------------------------------------------------
    def _turn(self) -> None:
        self._mark += 1

    def start(self) -> None:
        from PySide6.QtCore import QAbstractEventDispatcher, Qt, QThread, QTimer

        self.stalls.clear()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._turn)
        self._timer.start()
        self._dispatcher = QAbstractEventDispatcher.instance(QThread.currentThread())
        if self._dispatcher is not None:
            self._dispatcher.aboutToBlock.connect(self._turn)
            self._dispatcher.awake.connect(self._turn)
        self.on_cpu = 0.0
        try:
            self._cpu_clock = time.pthread_getcpuclockid(threading.get_ident())
        except (AttributeError, OSError):
            self._cpu_clock = None
        self._running = True
        self._thread = threading.Thread(target=self._sample, name="stall-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(2)
        if self._timer is not None:
            self._timer.stop()
        if self._dispatcher is not None:
            self._dispatcher.aboutToBlock.disconnect(self._turn)
            self._dispatcher.awake.disconnect(self._turn)
            self._dispatcher = None

    # --- the sampler thread ---------------------------------------------------------------
    def _cpu(self) -> float:
        return time.clock_gettime(self._cpu_clock) if self._cpu_clock is not None else 0.0

    def _sample(self) -> None:
        mark = self._mark
        began = time.perf_counter()
        cpu = self._cpu()
        samples: list[tuple[float, Stack, Stack]] = []
        last = began
        while self._running:
            time.sleep(self.every_s)
            now = time.perf_counter()
            if self._mark != mark:
                length = now - began
                if length > self.threshold_s and samples:
                    self.stalls.append((length, samples))
                    self.on_cpu += self._cpu() - cpu
                mark, began, samples, last = self._mark, now, [], now
                cpu = self._cpu()
                continue
            main, others = self._main_stack()
            samples.append((now - last, main, others))
            last = now

    def _main_stack(self) -> tuple[Stack, Stack]:
        # faulthandler walks the threads' frames in C, holding the GIL, and makes no frame
        # objects: a frame object would keep a finished paintEvent's QPainter alive (Python
        # 3.11 gives an exited frame's locals to its frame object), and Qt crashes.
        out = self._out
        out.seek(0)
        out.truncate()
        faulthandler.dump_traceback(out, all_threads=True)
        out.seek(0)
        assert self._main_id is not None
        return _parse(out.read().decode("utf-8", "replace"), self._main_id)

    # --- what it found ------------------------------------------------------------------
    def report(self, title: str = "", top: int = 12) -> str:
        """The causes of the stalls ranked by their share of the stalled time."""
        entry: Counter[str] = Counter()
        leaf: Counter[str] = Counter()
        whole: Counter[Stack] = Counter()
        others: Counter[str] = Counter()
        total = 0.0
        for _length, samples in self.stalls:
            for dt, stack, working in samples:
                for where in working:
                    others[where] += dt
                below = _below_loop(stack)
                total += dt
                app = [w for w in below if w.startswith(("bwc_desk/", "benchmarks/"))]
                entry[app[0] if app else (below[0] if below else LOOP)] += dt
                leaf[app[-1] if app else (below[-1] if below else LOOP)] += dt
                whole[tuple(below[-14:]) or (LOOP,)] += dt
        lengths = sorted((s[0] * 1000 for s in self.stalls), reverse=True)
        stalled = sum(s[0] for s in self.stalls)
        lines = [f"== stalls {title}: {len(self.stalls)} over {self.threshold_s * 1000:.0f} ms,"
                 f" {total * 1000:,.0f} ms sampled; longest: "
                 + ", ".join(f"{x:.0f}" for x in lengths[:10]),
                 f"   the main thread ran (on a CPU) {self.on_cpu * 1000:,.0f} ms of the "
                 f"{stalled * 1000:,.0f} ms stalled"
                 f" ({self.on_cpu / stalled * 100 if stalled else 0:.0f}%): the rest it waited"
                 " (for the GIL, or for a CPU)"]
        if not total:
            return lines[0]

        def table(name: str, counts: Counter[Any]) -> None:
            lines.append(f"-- by {name}")
            for key, dt in counts.most_common(top):
                lines.append(f"{dt / total * 100:5.1f}% {dt * 1000:8.0f} ms  {key}")

        table("the callback the loop dispatched (outermost app frame)", entry)
        table("the innermost app frame", leaf)
        table("other threads at work meanwhile (innermost frame; GIL rivals)", others)
        lines.append("-- by stack (innermost last)")
        for stack, dt in whole.most_common(max(4, top // 2)):
            lines.append(f"{dt / total * 100:5.1f}% {dt * 1000:8.0f} ms")
            lines.extend(f"      {w}" for w in stack)
        return "\n".join(lines)


ENABLED = [os.environ.get("BWC_BENCH_STALLS", "") not in ("", "0")]


def sampler() -> StallSampler | None:
    """A sampler when the run asked for one (``--stalls``), else None."""
    return StallSampler() if ENABLED[0] else None

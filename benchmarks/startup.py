"""startup_s (process start to the main window shown and idle, signed in, on the agency's
database) next to bare_window_s, with the app's peak memory and the database size."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.agency import PASSWORD, Agency
from benchmarks.harness import Figure

IDLE = "BWC-DESK-IDLE"
DATA = "BWC-DESK-DATA"


def timed_process(args: list[str], stdin: str, env: dict[str, str]) -> tuple[float, float, float]:
    """Seconds until the idle marker and until the data marker (0 if none), and the peak RSS
    (MiB) of that process."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        args,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(stdin)
    proc.stdin.close()
    seen = None
    data = 0.0
    for line in proc.stdout:
        if IDLE in line:
            seen = time.perf_counter() - started
        if DATA in line:
            data = time.perf_counter() - started
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if seen is None or proc.returncode != 0:
        err = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"{args[2:]} did not reach idle (exit {proc.returncode}): {err}")
    return seen, data, usage.ru_maxrss / 1024


def run(agency: Agency, work: Path, repeat: int = 3) -> list[Figure]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BWC_DESK_HOME=str(work / "home"))
    app = [
        sys.executable,
        "-m",
        "bwc_desk",
        "--database",
        str(agency.path),
        "--sign-in-stdin",
        "--exit-when-idle",
    ]
    bare = [sys.executable, "-m", "benchmarks.bare_window"]
    timed_process(app, f"quinn\n{PASSWORD}\n", env)  # warm the OS file cache for both
    timed_process(bare, "", env)
    app_runs, data_runs, bare_runs, rss = [], [], [], []
    for _ in range(repeat):
        seconds, data, peak = timed_process(app, f"quinn\n{PASSWORD}\n", env)
        app_runs.append(seconds)
        data_runs.append(data)
        rss.append(peak)
        bare_runs.append(timed_process(bare, "", env)[0])
    app_runs.sort()
    bare_runs.sort()
    data_runs.sort()
    return [
        Figure(
            "bare_window_s",
            bare_runs[len(bare_runs) // 2],
            "s",
            "Bare PySide6 window (tabs + table), start to idle",
        ),
        Figure(
            "startup_s",
            app_runs[len(app_runs) // 2],
            "s",
            f"BWC Desk start to main window idle, signed in ({agency.size})",
            baseline="bare_window_s",
            goal="<= 4x baseline",
        ),
        Figure(
            "startup_data_s",
            data_runs[len(data_runs) // 2],
            "s",
            "... and until the first view (the counter) shows its rows",
            baseline="bare_window_s",
        ),
        Figure(
            "peak_rss_mib", max(rss), "MiB", "Peak memory of the app during start-up", goal="< 250"
        ),
        Figure(
            "db_size_mib",
            agency.path.stat().st_size / 2**20,
            "MiB",
            f"Database size ({agency.units:,} units, {agency.officers:,} officers, "
            f"{agency.events:,} events)",
        ),
    ]


def bundle_size(root: Path) -> list[Figure]:
    dist = root / "dist" / "bwc-desk"
    if not dist.exists():
        subprocess.run(
            [
                str(Path(sys.executable).with_name("pyinstaller")),
                "--noconfirm",
                "--log-level",
                "WARN",
                "build.spec",
            ],
            cwd=root,
            check=True,
        )
    total = sum(p.lstat().st_size for p in dist.rglob("*") if p.is_file() and not p.is_symlink())
    return [Figure("bundle_mib", total / 2**20, "MiB", "Frozen one-folder bundle (PyInstaller)")]

"""sign_in_shown_s and sign_in_enter_to_rows_s: a start-up as a person has it (the sign-in
form on the screen; then, after the person has typed, the Enter until the counter has its
rows: benchmarks/sign_in_path.py). startup_s: process start until the first view shows its
rows (a quartermaster, signed in, on the counter with its Out now list), and
startup_inventory_s: an administrator landing on Inventory with every unit of the agency in
the table (25,000 at the large size); each next to bare_window_s (a bare PySide6 window,
start to idle), with bare_stack_s (that window plus SQLAlchemy's import and one Argon2id
check: the stack's floor), startup_window_s (the main window shown and idle, its first view
still loading), the app's peak memory and the database size.

"Rows shown" is the app's own marker (`--exit-when-idle` prints it once no read of the
first view is left to run: the rows are in the table's model), read by this process from
the app's output."""

from __future__ import annotations

import compileall
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


SHOWN = "BWC-SIGN-IN-SHOWN"
PATH = "BWC-SIGN-IN-PATH enter_to_rows="
# A person reading the sign-in form and typing a user name and a password.
TYPING_S = 2.0


def sign_in_path(agency: Agency, user: str, env: dict[str, str]) -> tuple[float, float]:
    """A start as a person has it (benchmarks/sign_in_path.py): seconds from the process's
    start until its sign-in form is painted, and from the Enter until the first view has
    its rows."""
    args = [sys.executable, "-m", "benchmarks.sign_in_path", str(agency.path), user, PASSWORD,
            str(TYPING_S)]
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            text=True)
    assert proc.stdout is not None
    shown, enter_to_rows = None, None
    for line in proc.stdout:
        if SHOWN in line and shown is None:
            shown = time.perf_counter() - started
        if line.startswith(PATH):
            enter_to_rows = float(line[len(PATH):])
    code = proc.wait()
    if code != 0 or shown is None or enter_to_rows is None:
        err = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"the sign-in path did not complete (exit {code}): {err}")
    return shown, enter_to_rows


def run(agency: Agency, work: Path, repeat: int = 3) -> list[Figure]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BWC_DESK_HOME=str(agency.home))
    args = [
        sys.executable,
        "-m",
        "bwc_desk",
        "--database",
        str(agency.path),
        "--sign-in-stdin",
        "--exit-when-idle",
    ]
    bare = [sys.executable, "-m", "benchmarks.bare_window"]
    stack = [sys.executable, "-m", "benchmarks.bare_stack"]
    # An installed BWC Desk runs from bytecode (pip compiles a wheel as it installs it, the
    # frozen build bundles it), as PySide6 does for the bare window: so does the app here,
    # also where PYTHONDONTWRITEBYTECODE keeps Python from caching what it compiles.
    compileall.compile_dir(Path(__file__).resolve().parents[1] / "bwc_desk", quiet=1)
    quinn, admin = f"quinn\n{PASSWORD}\n", f"admin\n{PASSWORD}\n"
    timed_process(args, quinn, env)  # warm the OS file cache for all three
    timed_process(bare, "", env)
    timed_process(stack, "", env)
    app_runs, data_runs, inventory_runs, bare_runs, stack_runs, rss = [], [], [], [], [], []
    shown_runs: list[float] = []
    enter_runs: list[float] = []
    for _ in range(repeat):
        seconds, data, peak = timed_process(args, quinn, env)
        app_runs.append(seconds)
        data_runs.append(data)
        rss.append(peak)
        bare_runs.append(timed_process(bare, "", env)[0])
        stack_runs.append(timed_process(stack, "", env)[0])
        _idle, rows, peak = timed_process(args, admin, env)
        inventory_runs.append(rows)
        rss.append(peak)
        shown, enter = sign_in_path(agency, "quinn", env)
        shown_runs.append(shown)
        enter_runs.append(enter)
    for runs in (app_runs, bare_runs, stack_runs, data_runs, inventory_runs, shown_runs,
                 enter_runs):
        runs.sort()
    if not all(data_runs + inventory_runs):
        raise RuntimeError("the app quit without saying that its first view had its rows")

    def median(runs: list[float]) -> float:
        return runs[len(runs) // 2]

    return [
        Figure(
            "bare_window_s",
            median(bare_runs),
            "s",
            "Bare PySide6 window (tabs + table), start to idle",
        ),
        Figure(
            "bare_stack_s",
            median(stack_runs),
            "s",
            "The stack's floor: the bare window, plus importing SQLAlchemy's ORM and one "
            "Argon2id password check (BWC Desk's profile), start to idle",
            baseline="bare_window_s",
            note="what every start-up of this stack pays before BWC Desk's own code",
        ),
        Figure(
            "startup_window_s",
            median(app_runs),
            "s",
            f"BWC Desk start to main window shown and idle, first view still loading "
            f"({agency.size})",
            baseline="bare_window_s",
        ),
        Figure(
            "startup_s",
            median(data_runs),
            "s",
            f"BWC Desk start to the first view with its rows: a quartermaster at the counter, "
            f"Out now listed ({agency.size})",
            baseline="bare_window_s",
            goal="<= 4x baseline",
            note=f"median of {repeat}",
        ),
        Figure(
            "startup_inventory_s",
            median(inventory_runs),
            "s",
            f"BWC Desk start to an administrator's Inventory with all {agency.units:,} units "
            "in the table",
            baseline="bare_window_s",
            goal="<= 4x baseline",
            note=f"median of {repeat}",
        ),
        Figure(
            "sign_in_shown_s",
            median(shown_runs),
            "s",
            "A person's start-up, first wait: BWC Desk start to its sign-in form on the screen "
            "(nothing can be typed before)",
            baseline="bare_window_s",
            note=f"median of {repeat}",
        ),
        Figure(
            "sign_in_enter_to_rows_s",
            median(enter_runs),
            "s",
            f"A person's start-up, second wait: Enter at the sign-in form (after {TYPING_S:.0f} s "
            "of typing) to the counter's Out now listed: the password checked, the window "
            f"built ({agency.size})",
            baseline="bare_window_s",
            note=f"median of {repeat}; what a person waits in all is the two waits' sum",
        ),
        Figure(
            "peak_rss_mib", max(rss), "MiB",
            "Peak memory of the app during start-up (either start)", goal="< 250"
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

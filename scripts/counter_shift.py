"""A shift at the counter, driven the way a quartermaster drives it: a barcode scanner.

Starts the real application on a virtual screen with a window manager (Xvfb + openbox), signs
in as the demo's quartermaster, and types with xdotool at scanner speed: 30 issues (badge,
camera, the function test's four checks ticked and Enter) and then 30 one-scan returns. After
every transaction it checks that no window other than the main window is open (no stray
dialog), and at the end that
the ledger holds exactly those 60 transactions, each naming the quartermaster and the station.

    .venv/bin/python scripts/counter_shift.py [--count 30] [--shots DIR]

Needs: Xvfb, openbox, xdotool, ImageMagick's import (apt-get install -y xvfb openbox xdotool
imagemagick). Exit 0 when the shift ran clean; 1 with what went wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USER, PASSWORD = "qm.jordan", "demo-counter-2026"
APP_TITLE = "BWC Desk - "
DOUBLE_SCAN_SECONDS = 5  # the agency setting double_scan_seconds, as the demo has it (its default)


class ShiftFailed(Exception):
    pass


def xdo(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True)
    return done.stdout.strip()


def windows(pid: int, env: dict[str, str]) -> list[str]:
    """Names of the app's visible top-level windows."""
    ids = xdo("search", "--onlyvisible", "--pid", str(pid), "--name", ".", env=env).split()
    names = [xdo("getwindowname", wid, env=env) for wid in ids]
    return sorted(n for n in names if n)


def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.2)
    raise ShiftFailed(f"timed out waiting for {what}")


def scan(text: str, env: dict[str, str]) -> None:
    # A USB scanner types a character every few milliseconds and ends with Enter.
    xdo("type", "--delay", "8", text, env=env)
    xdo("key", "Return", env=env)


def pick_pairs(db: Path, count: int) -> list[tuple[str, str]]:
    """Officers with their own camera that the counter's readiness gate passes, and nothing
    issued: asked of the same service code the counter uses."""
    from datetime import UTC, datetime

    from bwc_desk.services import readiness
    from bwc_desk.store.db import Database, sqlite_url

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute(
        """
        SELECT u.id, o.badge, u.asset_tag FROM units u
        JOIN officers o ON o.id = u.primary_officer_id
        WHERE u.status = 'available' AND o.active
          AND NOT EXISTS (SELECT 1 FROM checkouts c WHERE c.unit_id = u.id
                          AND c.returned_at IS NULL)
          AND NOT EXISTS (SELECT 1 FROM checkouts c WHERE c.officer_id = o.id
                          AND c.returned_at IS NULL)
        ORDER BY u.asset_tag
        """
    ).fetchall()
    con.close()
    database = Database(sqlite_url(db))
    try:
        with database.read() as session:
            gates = readiness.gates_for(session, [r[0] for r in rows], datetime.now(UTC), 80)
    finally:
        database.dispose()
    ready = [(str(b), str(t)) for uid, b, t in rows if gates[uid].ready]
    return ready[:count]


def count_transactions(db: Path, since_seq: int) -> tuple[int, int, set[str]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    issued = con.execute(
        "SELECT COUNT(*) FROM checkouts WHERE issued_seq > ? AND issued_by = ?", (since_seq, USER)
    ).fetchone()[0]
    returned = con.execute(
        "SELECT COUNT(*) FROM checkouts WHERE returned_seq > ? AND returned_by = ?",
        (since_seq, USER),
    ).fetchone()[0]
    stations = {
        r[0] for r in con.execute(
            "SELECT DISTINCT issued_station FROM checkouts WHERE issued_seq > ?", (since_seq,)
        )
    }
    con.close()
    return int(issued), int(returned), stations


def head_seq(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    seq = con.execute("SELECT MAX(seq) FROM custody_events").fetchone()[0] or 0
    con.close()
    return int(seq)


@contextmanager
def demo_on_screen(
    display: str, user: str, password: str
) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, str], Path]]:
    """The real app on the demo agency, on a virtual screen with a window manager, signed in
    as ``user``: yields the app's process, the environment to drive it with and its home."""
    for tool in ("Xvfb", "openbox", "xdotool"):
        if shutil.which(tool) is None:
            raise ShiftFailed(f"{tool} is missing: apt-get install -y xvfb openbox xdotool")
    home = Path(tempfile.mkdtemp(prefix="bwc-screen-"))
    env = dict(os.environ, DISPLAY=display, BWC_DESK_HOME=str(home))
    env.pop("QT_QPA_PLATFORM", None)
    # A dock-feed port of its own, so that another BWC Desk on this machine does not keep the
    # demo's docks from reporting (and its cameras from being ready).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (home / "config").mkdir(parents=True)
    (home / "config" / "station.json").write_text(json.dumps({"dock_port": port}))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24"]))
        time.sleep(1.0)
        procs.append(subprocess.Popen(["openbox"], env=env, stderr=subprocess.DEVNULL))
        app = subprocess.Popen(
            [sys.executable, "-m", "bwc_desk", "--demo"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(home / "app-stderr.txt", "wb"),  # noqa: SIM115 - open while the app runs
        )
        procs.append(app)
        print("building the demo and waiting for sign-in ...", flush=True)
        wait_for(lambda: any(w.startswith("Sign in") for w in windows(app.pid, env)), 600,
                 "the sign-in dialog")
        time.sleep(0.5)
        # (The name, then Tab: a name and Enter at scanner speed is a badge to the form.)
        xdo("type", "--delay", "8", user, env=env)
        xdo("key", "Tab", env=env)
        scan(password, env)
        wait_for(lambda: bool(windows(app.pid, env)) and all(
            w.startswith(APP_TITLE) for w in windows(app.pid, env)), 60, "the main window")
        yield app, env, home
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(home, ignore_errors=True)


def run(count: int, shots: Path | None, display: str) -> None:
    with demo_on_screen(display, USER, PASSWORD) as (app, env, home):
        try:
            _shift(app, env, home, count, shots)
        except ShiftFailed:
            if shots:
                subprocess.run(["import", "-window", "root", str(shots / "failed.png")],
                               env=env, check=False)
            err = (home / "app-stderr.txt").read_text(errors="replace")[-2000:]
            print("application's standard error (last lines):\n" + err, file=sys.stderr)
            raise


def _shift(
    app: subprocess.Popen[bytes], env: dict[str, str], home: Path, count: int,
    shots: Path | None,
) -> None:
    xdo("key", "ctrl+3", env=env)
    time.sleep(1.0)
    db = home / "data" / "bwc-desk-demo.sqlite3"
    if not db.exists():
        found = list(home.rglob("bwc-desk-demo.sqlite3"))
        if not found:
            raise ShiftFailed("no demo database found under " + str(home))
        db = found[0]
    pairs: list[tuple[str, str]] = []
    end = time.monotonic() + 240  # the simulated docks report within a minute or two
    while len(pairs) < count and time.monotonic() < end:
        time.sleep(5)
        pairs = pick_pairs(db, count)
    if len(pairs) < count:
        raise ShiftFailed(f"only {len(pairs)} officers with a ready camera of their own")
    start = head_seq(db)

    def only_main(step: str) -> None:
        open_now = windows(app.pid, env)
        stray = [w for w in open_now if not w.startswith(APP_TITLE)]
        if stray:
            if shots:
                subprocess.run(["import", "-window", "root", str(shots / "stray.png")],
                               env=env, check=False)
            raise ShiftFailed(f"stray window after {step}: {stray}")

    for n, (badge, tag) in enumerate(pairs, 1):
        scan(badge, env)
        time.sleep(0.3)
        only_main(f"badge {badge}")
        scan(tag, env)
        wait_for(lambda: "Pre-shift function test" in windows(app.pid, env), 15,
                 f"the function test for {tag}")
        # Each check ticked by hand (Alt+1..4, at a person's pace: keys a few milliseconds
        # apart would be a scan, which a counter dialog refuses), then Enter: all passed.
        xdo("key", "--delay", "250", "alt+1", "alt+2", "alt+3", "alt+4", env=env)
        time.sleep(0.3)
        xdo("key", "Return", env=env)
        wait_for(lambda: all(w.startswith(APP_TITLE) for w in windows(app.pid, env)), 15,
                 f"the issue of {tag} to finish")
        time.sleep(0.3)
        only_main(f"issue {n} ({tag} to {badge})")
    if shots:
        subprocess.run(["import", "-window", "root", str(shots / "counter-issued.png")],
                       env=env, check=False)
    # A second scan within a few seconds of the issue is taken as a double scan, and one
    # within the undo window asks to be scanned once more (by design: a stray scan as the
    # officer walks off must not return the camera); a real return comes hours later. Here,
    # minutes later, each camera is scanned, asked about, and scanned again.
    time.sleep(DOUBLE_SCAN_SECONDS + 2)
    for n, (_badge, tag) in enumerate(pairs, 1):
        scan(tag, env)
        time.sleep(0.4)
        scan(tag, env)  # "To take it back now, scan it again."
        time.sleep(0.4)
        only_main(f"return {n} ({tag})")
    time.sleep(2.0)
    if shots:
        subprocess.run(["import", "-window", "root", str(shots / "counter-returned.png")],
                       env=env, check=False)
    issued, returned, stations = count_transactions(db, start)
    if issued != count or returned != count:
        raise ShiftFailed(f"the ledger holds {issued} issues and {returned} returns by "
                          f"{USER}, expected {count} of each")
    if len(stations) != 1 or "" in stations:
        raise ShiftFailed(f"issues name stations {stations}")
    print(f"shift ran clean: {issued} issues and {returned} returns by {USER} on "
          f"{stations.pop()}, no stray dialog")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--shots", type=Path, help="folder for screenshots")
    parser.add_argument("--display", default=":93")
    args = parser.parse_args()
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    try:
        run(args.count, args.shots, args.display)
    except ShiftFailed as exc:
        print(f"counter shift FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

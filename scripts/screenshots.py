"""The README's screenshots, taken from the real application on the demo agency.

Starts BWC Desk on a virtual screen with a window manager (Xvfb + openbox), signs in as the
demo's administrator and photographs Inventory, a camera's details, Shift change, Docks,
Repairs, Reports (this month's compliance) and an Audit with three cameras scanned into
docs/screenshots/. The counter's picture comes from scripts/counter_shift.py --shots.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from counter_shift import APP_TITLE, ROOT, ShiftFailed, demo_on_screen, xdo

USER, PASSWORD = "admin", "demo-admin-2026"


def shoot(env: dict[str, str], pid: int, path: Path) -> None:
    ids = xdo("search", "--onlyvisible", "--pid", str(pid), "--name", APP_TITLE, env=env).split()
    target = ids[0] if ids else "root"
    subprocess.run(["import", "-window", target, str(path)], env=env, check=True)
    print("wrote", path)


def run(out: Path, display: str) -> None:
    with demo_on_screen(display, USER, PASSWORD) as (app, env, _home):
        time.sleep(60)  # the simulated docks report and charge for a while
        xdo("key", "ctrl+1", env=env)
        time.sleep(3)
        shoot(env, app.pid, out / "inventory.png")
        ids = xdo("search", "--onlyvisible", "--pid", str(app.pid), "--name", APP_TITLE,
                  env=env).split()
        xdo("mousemove", "--window", ids[0], "60", "194", env=env)  # the third camera's row
        xdo("click", "1", env=env)
        xdo("key", "Return", env=env)  # Enter opens the camera's details
        time.sleep(3)
        shoot(env, app.pid, out / "inventory-detail.png")
        xdo("key", "Escape", env=env)
        xdo("key", "ctrl+2", env=env)
        time.sleep(1)
        xdo("key", "alt+g", env=env)  # Shift chan&ge
        time.sleep(4)
        shoot(env, app.pid, out / "shift-change.png")
        xdo("key", "ctrl+4", env=env)
        time.sleep(3)
        shoot(env, app.pid, out / "docks.png")
        xdo("key", "ctrl+6", env=env)  # Repairs
        time.sleep(3)
        shoot(env, app.pid, out / "repairs.png")
        xdo("key", "ctrl+7", env=env)  # Reports: this month's compliance
        time.sleep(2)
        xdo("key", "alt+r", env=env)  # &Run
        time.sleep(8)
        shoot(env, app.pid, out / "reports.png")
        xdo("key", "ctrl+5", env=env)  # Audit: start one of all cameras, scan three
        time.sleep(2)
        xdo("key", "alt+s", env=env)
        time.sleep(3)
        xdo("key", "Return", env=env)
        time.sleep(5)
        for tag in ("HPD-BWC-0002", "HPD-BWC-0003", "HPD-BWC-0005"):
            xdo("type", "--delay", "8", tag, env=env)
            xdo("key", "Return", env=env)
            time.sleep(2)
        time.sleep(3)
        shoot(env, app.pid, out / "audit.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--display", default=":94")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        run(args.out, args.display)
    except ShiftFailed as exc:
        print(f"screenshots FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

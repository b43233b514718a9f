#!/usr/bin/env python3
"""A throwaway PostgreSQL cluster for the test suite, on 127.0.0.1 and a free port.

    scripts/pg_cluster.py start DIR [--durable]   prints the admin URL on stdout
                                                  (--durable: fsync on, for benchmarks)
    scripts/pg_cluster.py stop DIR
    scripts/pg_cluster.py pause DIR               stops the server, keeps its files
    scripts/pg_cluster.py resume DIR              starts it again on the same port

PostgreSQL refuses to run as root: when we are root, the server runs as the `postgres` user.
Exit code 3 means no PostgreSQL server binary is installed (the tests that need one skip)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path


def bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    if found:
        return Path(found[0]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _let_server_in(folder: Path) -> None:
    """The server user must be able to reach the folder: temporary folders are made 0700
    (pytest makes its own 0700 again), so let others traverse (not list) ours on the way
    down from the temp dir."""
    if os.geteuid() != 0:
        return
    tmp = Path(tempfile.gettempdir()).resolve()
    for parent in folder.resolve().parents:
        if parent == tmp or tmp not in parent.parents:
            break
        if parent.stat().st_uid == 0:
            parent.chmod(parent.stat().st_mode | 0o011)


def start(folder: Path, durable: bool = False) -> int:
    bins = bindir()
    if bins is None:
        print("no PostgreSQL server binary (pg_ctl) is installed", file=sys.stderr)
        return 3
    data = folder / "data"
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    _let_server_in(folder)
    subprocess.run(as_server_user([str(bins / "initdb"), "-D", str(data), "-U", "postgres",
                                   "-A", "trust", "-E", "UTF8", "--no-sync"]),
                   check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
    if not durable:  # a test server: nothing on it must survive a power cut
        options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
    subprocess.run(as_server_user([str(bins / "pg_ctl"), "-D", str(data), "-o", options,
                                   "-l", str(folder / "server.log"), "-w", "start"]),
                   check=True, stdout=subprocess.DEVNULL)
    (folder / "port").write_text(str(port))
    (folder / "options").write_text(options)
    print(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres")
    return 0


def stop(folder: Path) -> int:
    bins = bindir()
    data = folder / "data"
    if bins is None or not data.exists():
        return 0
    _let_server_in(folder)
    done = subprocess.run(as_server_user([str(bins / "pg_ctl"), "-D", str(data), "-m",
                                          "immediate", "stop"]), stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if done.returncode != 0 and (data / "postmaster.pid").exists():
        # Still running: its files stay, so that it can be stopped by hand.
        print(f"could not stop the server in {data}: {done.stderr.strip()}", file=sys.stderr)
        return 1
    shutil.rmtree(folder, ignore_errors=True)
    return 0


def pause(folder: Path) -> int:
    """Stop the server as a crash or a lost network would (tests of an unreachable server)."""
    bins = bindir()
    if bins is None:
        return 3
    _let_server_in(folder)
    return subprocess.run(as_server_user([str(bins / "pg_ctl"), "-D", str(folder / "data"),
                                          "-m", "immediate", "-w", "stop"]),
                          stdout=subprocess.DEVNULL, check=False).returncode


def resume(folder: Path) -> int:
    bins = bindir()
    if bins is None:
        return 3
    _let_server_in(folder)
    options = (folder / "options").read_text()
    return subprocess.run(as_server_user([str(bins / "pg_ctl"), "-D", str(folder / "data"),
                                          "-o", options, "-l", str(folder / "server.log"),
                                          "-w", "start"]),
                          stdout=subprocess.DEVNULL, check=False).returncode


if __name__ == "__main__":
    commands = ("start", "stop", "pause", "resume")
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    if sys.argv[1] == "start":
        sys.exit(start(Path(sys.argv[2]), durable="--durable" in sys.argv[3:]))
    if sys.argv[1] in ("pause", "resume"):
        sys.exit((pause if sys.argv[1] == "pause" else resume)(Path(sys.argv[2])))
    sys.exit(stop(Path(sys.argv[2])))

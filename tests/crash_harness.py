"""Crash safety, proven: kill a process that is issuing and returning cameras with SIGKILL,
many times, and after every kill hold the database file to four checks:

1. SQLite's integrity_check passes on the file exactly as the kill left it;
2. both hash chains (custody ledger and audit log) verify;
3. every transaction the process acknowledged (printed after COMMIT) is there: a custody
   event with that seq, that kind and that unit; no seq was acknowledged twice;
4. the state is consistent: no unit has two open checkouts, a unit is 'issued' exactly when it
   has one open checkout, and its last (uncorrected) issue or return event agrees with that.

SIGKILL ends the process the way a crash or a task-manager kill does: no Python cleanup, no
rollback, the WAL left as it was. It does not lose what the OS already holds in its page
cache, so it proves atomicity at process death, not durability at power loss.

The checks read the file with plain sqlite3 wherever they can, not through the code under
test, so that a bug in the store cannot hide itself.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.crash_driver import PASSWORD, STATION, USERNAME

ROOT = Path(__file__).resolve().parents[1]
CHECKS_PER_KILL = 4
# The driver signs in (Argon2) and imports SQLAlchemy before its first transaction; on a
# loaded CI machine that can take a few seconds.
FIRST_ACK_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Ack:
    seq: int
    kind: str
    tag: str


@dataclass(frozen=True, slots=True)
class CrashReport:
    kills: int  # kills after which every check passed
    acknowledged: int  # transactions acknowledged by the driver over all runs
    checks: int
    seconds: float
    # Issues and returns committed after a run's last acknowledgement: the kill landed after
    # the commit was in the WAL but before the ACK line (in the COMMIT's own checkpoint, or on
    # the way back from the service). Allowed, nobody was told; evidence of kills mid-work.
    unacknowledged: int = 0


# --- the database ---------------------------------------------------------------------------


def prepare(path: Path, units: int = 30, officer_count: int = 40) -> None:
    """A new agency made through the services: an admin, the driver's quartermaster, officers
    and cameras. Fewer cameras than officers, so that issues and returns both stay common."""
    from bwc_desk.domain.roles import Role
    from bwc_desk.services import auth, inventory, officers
    from bwc_desk.services.context import Ctx
    from bwc_desk.services.inventory import UnitInput
    from bwc_desk.services.officers import OfficerInput
    from bwc_desk.services.startup import open_database
    from bwc_desk.store.db import sqlite_url

    db = open_database(sqlite_url(path)).db
    try:
        admin = auth.first_run(
            db,
            agency_name="Crash Test PD",
            station=STATION,
            username="admin",
            password=PASSWORD,
        )
        ctx = Ctx(db, STATION, admin)
        quinn = auth.add_staff(ctx, USERNAME, Role.QUARTERMASTER, PASSWORD, display_name="Quinn")
        auth.mark_password_own(db, quinn.id)  # (the driver signs in as quinn)
        for i in range(officer_count):
            officers.add_officer(ctx, OfficerInput(f"{1000 + i}", f"Officer{i:02d}", "Pat"))
        for i in range(units):
            inventory.add_unit(ctx, UnitInput(f"CRASH-{i:03d}", f"SN{i:05d}", "Axon Body 4"))
    finally:
        db.dispose()


# --- the four checks ------------------------------------------------------------------------


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=15)


def check_integrity(path: Path) -> list[str]:
    from bwc_desk.store.backup import integrity_check

    result = integrity_check(path)
    return [] if result == "ok" else [f"integrity_check: {result}"]


def check_chains(path: Path) -> list[str]:
    from bwc_desk.services.verify import check_database
    from bwc_desk.store.db import Database, sqlite_url

    db = Database(sqlite_url(path), pool=False)
    try:
        result = check_database(db)
    finally:
        db.dispose()
    return [] if result.ok else [f"hash chain: {line}" for line in result.lines()]


def merge_acks(acked: dict[int, Ack], new: Iterable[Ack]) -> list[str]:
    """Add a run's acknowledgements; a seq acknowledged twice means a committed transaction
    was lost and its number handed out again."""
    problems = []
    for ack in new:
        before = acked.setdefault(ack.seq, ack)
        if before != ack:
            problems.append(
                f"seq {ack.seq} was acknowledged twice ({before.kind} {before.tag}, then "
                f"{ack.kind} {ack.tag}): an acknowledged transaction was lost"
            )
    return problems


def check_acknowledged(path: Path, acked: Mapping[int, Ack]) -> list[str]:
    conn = _read_only(path)
    try:
        events = {
            seq: (kind, tag)
            for seq, kind, tag in conn.execute(
                "SELECT e.seq, e.kind, u.asset_tag FROM custody_events e "
                "LEFT JOIN units u ON u.id = e.unit_id"
            )
        }
    finally:
        conn.close()
    problems = []
    for seq, ack in sorted(acked.items()):
        found = events.get(seq)
        if found is None:
            problems.append(f"acknowledged {ack.kind} of {ack.tag} (seq {seq}) is missing")
        elif found != (ack.kind, ack.tag):
            problems.append(
                f"acknowledged {ack.kind} of {ack.tag} (seq {seq}) is recorded as "
                f"{found[0]} of {found[1]}"
            )
    return problems


def check_state(path: Path) -> list[str]:
    conn = _read_only(path)
    try:
        units = {
            uid: (tag, status)
            for uid, tag, status in conn.execute("SELECT id, asset_tag, status FROM units")
        }
        open_checkouts: dict[int, list[tuple[int, int]]] = {}
        for unit_id, issued_seq, officer_id in conn.execute(
            "SELECT unit_id, issued_seq, officer_id FROM checkouts WHERE returned_at IS NULL"
        ):
            open_checkouts.setdefault(unit_id, []).append((issued_seq, officer_id))
        corrected = {
            seq
            for (seq,) in conn.execute(
                "SELECT corrects_seq FROM custody_events WHERE corrects_seq IS NOT NULL"
            )
        }
        # Undone issues and returns do not count: the correction put the unit back.
        last: dict[int, tuple[int, str, int | None]] = {}
        for seq, unit_id, kind, officer_id in conn.execute(
            "SELECT seq, unit_id, kind, officer_id FROM custody_events "
            "WHERE kind IN ('issued', 'returned') AND unit_id IS NOT NULL ORDER BY seq"
        ):
            if seq not in corrected:
                last[unit_id] = (seq, kind, officer_id)
    finally:
        conn.close()
    problems = []
    for unit_id, (tag, status) in sorted(units.items()):
        opened = open_checkouts.get(unit_id, [])
        final = last.get(unit_id)
        if len(opened) > 1:
            problems.append(f"{tag} has {len(opened)} open checkouts")
        if status == "issued" and len(opened) != 1:
            problems.append(f"{tag} is issued but has {len(opened)} open checkouts")
        if status != "issued" and opened:
            problems.append(f"{tag} is {status} but has an open checkout")
        if status == "issued" and (final is None or final[1] != "issued"):
            problems.append(
                f"{tag} is issued but its last issue/return event is "
                f"{'none' if final is None else f'{final[1]} (seq {final[0]})'}"
            )
        if status != "issued" and final is not None and final[1] == "issued":
            problems.append(f"{tag} is {status} but its last event is an issue (seq {final[0]})")
        if (
            len(opened) == 1
            and final is not None
            and final[1] == "issued"
            and (final[0], final[2]) != opened[0]
        ):
            problems.append(
                f"{tag}'s open checkout (issue seq {opened[0][0]}, officer "
                f"{opened[0][1]}) is not its last issue (seq {final[0]}, officer {final[2]})"
            )
    return problems


def commits_after(path: Path, seq: int) -> int:
    conn = _read_only(path)
    try:
        (count,) = conn.execute(
            "SELECT count(*) FROM custody_events WHERE seq > ? AND kind IN ('issued', 'returned')",
            (seq,),
        ).fetchone()
    finally:
        conn.close()
    return int(count)


def check_all(path: Path, acked: Mapping[int, Ack]) -> list[str]:
    """The four checks in order, on the file as it is; every problem found, or []. A check
    that cannot even read the file has failed, with what it raised as the problem."""
    checks: list[tuple[str, Callable[[], list[str]]]] = [
        ("integrity_check", lambda: check_integrity(path)),
        ("hash chains", lambda: check_chains(path)),
        ("acknowledged transactions", lambda: check_acknowledged(path, acked)),
        ("state", lambda: check_state(path)),
    ]
    problems: list[str] = []
    for name, check in checks:
        try:
            problems.extend(check())
        except Exception as exc:  # any error reading the file is a finding
            problems.append(f"{name}: {type(exc).__name__}: {exc}")
    return problems


# --- one run of the driver ------------------------------------------------------------------


def parse_ack(line: str) -> Ack | None:
    parts = line.split()
    if len(parts) != 4 or parts[0] != "ACK" or not parts[1].isdigit():
        return None
    return Ack(int(parts[1]), parts[2], parts[3])


@dataclass(frozen=True, slots=True)
class DriverRun:
    acks: list[Ack]
    stray: list[str]  # complete stdout lines that are not acknowledgements
    returncode: int | None
    stderr: str


def kill_driver(db_path: Path, driver_seed: int, delay: float, workdir: Path) -> DriverRun:
    """Start the driver, wait for its first acknowledgement, let it work ``delay`` seconds
    more, SIGKILL it. The child is killed whatever happens here."""
    err_path = workdir / "driver-stderr.txt"
    env = dict(os.environ, BWC_DESK_HOME=str(workdir / "home"), PYTHONUNBUFFERED="1")
    acks: list[Ack] = []
    stray: list[str] = []
    first = threading.Event()
    with err_path.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_driver", str(db_path), str(driver_seed)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    stdout = proc.stdout
    assert stdout is not None

    def read() -> None:
        try:
            for line in stdout:
                # A line cut short by the kill proves nothing: only whole lines count.
                if not line.endswith("\n"):
                    continue
                ack = parse_ack(line)
                if ack is None:
                    stray.append(line.rstrip("\n"))
                else:
                    acks.append(ack)
                    first.set()
        finally:
            first.set()  # end of output: wake the waiter even without an acknowledgement

    reader = threading.Thread(target=read, name="crash-driver-stdout", daemon=True)
    reader.start()
    try:
        first.wait(FIRST_ACK_TIMEOUT)
        if proc.poll() is None and acks:
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)  # a no-op if it already ended by itself
        elif proc.poll() is None:
            proc.kill()  # no acknowledgement in time: reported as a failure below
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(timeout=30)
        stdout.close()
    return DriverRun(acks, stray, proc.returncode, err_path.read_text(errors="replace"))


# --- the loop -------------------------------------------------------------------------------


def run_kills(
    workdir: Path,
    kills: int,
    seed: int,
    min_delay: float,
    max_delay: float,
    log: Callable[[str], object] = print,
) -> CrashReport:
    """Prepare a database in ``workdir``, then ``kills`` times: run the driver against it, kill
    it mid-work, check. Raises AssertionError naming the kill and the seed on any failure."""
    started = time.perf_counter()
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "crash.sqlite3"
    prepare(db_path)
    rng = random.Random(seed)
    acked: dict[int, Ack] = {}
    total = checks = survived = unacknowledged = 0
    for k in range(1, kills + 1):
        driver_seed = seed * 100_000 + k
        where = f"kill {k}/{kills} (seed {seed}, driver seed {driver_seed})"
        run = kill_driver(db_path, driver_seed, rng.uniform(min_delay, max_delay), workdir)
        if run.returncode != -signal.SIGKILL or not run.acks or run.stray:
            raise AssertionError(
                f"{where}: the driver did not work until killed (exit {run.returncode}, "
                f"{len(run.acks)} acknowledged, stray output {run.stray[:3]}): "
                f"{run.stderr[-2000:]}"
            )
        total += len(run.acks)
        problems = merge_acks(acked, run.acks) + check_all(db_path, acked)
        checks += CHECKS_PER_KILL
        if problems:
            raise AssertionError(
                f"{where}: {len(problems)} problem(s) after the kill: " + "; ".join(problems[:10])
            )
        survived += 1
        late = commits_after(db_path, max(a.seq for a in run.acks))
        unacknowledged += late
        log(
            f"{where}: {len(run.acks)} acknowledged ({total} in all)"
            f"{f', {late} committed unacknowledged' if late else ''}, all checks passed"
        )
    return CrashReport(survived, total, checks, time.perf_counter() - started, unacknowledged)

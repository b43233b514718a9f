"""The worker of the crash-safety loop: issues and returns cameras through the real services
until it is killed. `python -m tests.crash_driver DB_PATH SEED`

After each transaction the service committed, one line `ACK <seq> <kind> <asset_tag>` goes to
stdout, flushed: the harness holds the database to every line it read. Nothing else is ever
printed on stdout. No Qt here: the loop is the storage path only.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bwc_desk.domain.errors import DomainError
from bwc_desk.services import auth, counter, inventory, officers
from bwc_desk.services.context import Ctx
from bwc_desk.services.counter import FunctionTest, ReturnCondition
from bwc_desk.services.startup import open_database
from bwc_desk.store.db import Database, sqlite_url
from bwc_desk.store.models import AuditRecord, CustodyEvent

STATION = "CRASH-DESK"
USERNAME = "quinn"
PASSWORD = "crash loop passphrase 1"
# Far more than the 5 s double-scan window, so that a return right after an issue is taken.
STEP = timedelta(minutes=3)


class SteppingClock:
    """Time that moves STEP per transaction and a microsecond per reading, never backwards:
    every record gets its own instant and no return looks like a double scan."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now

    def step(self) -> None:
        self.now += STEP


def start_time(db: Database) -> datetime:
    """After the newest record in the file: earlier runs pushed time ahead of the wall clock,
    and going back would make every return of their issues look like a double scan."""
    with db.read() as session:
        custody = session.execute(select(func.max(CustodyEvent.at))).scalar_one_or_none()
        audit = session.execute(select(func.max(AuditRecord.at))).scalar_one_or_none()
    seen = [t for t in (custody, audit) if t is not None]
    return max([datetime.now(UTC), *seen]) + STEP


def ack(seq: int, kind: str, tag: str) -> None:
    sys.stdout.write(f"ACK {seq} {kind} {tag}\n")
    sys.stdout.flush()


class Desk:
    """The counter as the driver works it: a random camera each step, returned if it is out,
    else issued to a random officer."""

    def __init__(self, db: Database, seed: int) -> None:
        self.rng = random.Random(seed)
        self.clock = SteppingClock(start_time(db))
        ctx = Ctx(db, STATION, clock=self.clock)
        self.ctx = ctx.as_actor(auth.sign_in(ctx, USERNAME, PASSWORD))
        self.officer_ids = [o.id for o in officers.list_officers(self.ctx) if o.active]
        self.tags = [u.asset_tag for u in inventory.list_units(self.ctx)]
        self.out = {c.asset_tag for c in counter.out_now(self.ctx)}

    def step(self) -> tuple[int, str, str] | None:
        """(seq, kind, asset tag) of the transaction committed, or None when refused."""
        self.clock.step()
        tag = self.rng.choice(self.tags)
        try:
            if tag in self.out:
                returned = counter.return_unit(self.ctx, tag, ReturnCondition())
                if returned.seq is None or returned.duplicate:
                    return None
                self.out.discard(tag)
                return returned.seq, "returned", tag
            # Any officer: one who already holds a camera is refused, and a refusal (rolled
            # back, never acknowledged) is part of what a kill may interrupt.
            officer_id = self.rng.choice(self.officer_ids)
            issued = counter.issue_unit(self.ctx, officer_id, tag, function_test=FunctionTest())
            if not issued.issued or issued.duplicate or issued.seq is None:
                return None
            self.out.add(tag)
            return issued.seq, "issued", tag
        except DomainError:
            return None


def run(db_path: Path, seed: int) -> None:
    desk = Desk(open_database(sqlite_url(db_path)).db, seed)
    while True:
        done = desk.step()
        if done is not None:
            # Only now: the service returned, so its transaction is committed.
            ack(*done)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tests.crash_driver DB_PATH SEED", file=sys.stderr)
        return 2
    run(Path(argv[0]), int(argv[1]))
    return 0  # not reached: the loop ends by SIGKILL


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

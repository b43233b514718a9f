"""One station in the race test: `python -m tests.race_worker URL STATION SEED ATTEMPTS`.

Issues and returns cameras from a small shared set as fast as it can, against the same
database as seven other stations. Prints one line per outcome: OK, REFUSED or RACE."""

from __future__ import annotations

import random
import sys
from datetime import timedelta

from bwc_desk.domain.errors import ConflictError, DomainError
from bwc_desk.services import auth, counter
from bwc_desk.services.context import Ctx, utc_now
from bwc_desk.services.counter import FunctionTest
from bwc_desk.store.db import Database

PASSWORD = "correct horse battery"


def main(url: str, station: str, seed: int, attempts: int, units: int, officers: int) -> int:
    rng = random.Random(seed)
    db = Database(url)
    base = utc_now()
    offset = [0.0]

    def clock():  # type: ignore[no-untyped-def]
        # Minutes apart per attempt, so returns are not taken for double scans; the same
        # timeline in every process, so "just issued" holds across stations.
        return base + timedelta(seconds=offset[0])

    ctx = Ctx(db, station)
    ctx = Ctx(db, station, auth.sign_in(ctx, "quinn", PASSWORD), clock)
    test = FunctionTest()
    for _ in range(attempts):
        offset[0] += 7.0
        tag = f"HPD-{rng.randrange(units):02d}"
        officer_id = rng.randrange(officers) + 1
        try:
            match = counter.identify(ctx, tag)
            if match.checkout is not None and rng.random() < 0.5:
                result = counter.return_unit(ctx, tag)
                print("OK return" if result.seq else "REFUSED dup", flush=True)
            else:
                issued = counter.issue_unit(ctx, officer_id, tag, function_test=test)
                print("OK issue" if issued.issued else "REFUSED dup", flush=True)
        except ConflictError as exc:
            print(f"RACE {exc}", flush=True)
        except DomainError as exc:
            print(f"REFUSED {exc}", flush=True)
    db.dispose()
    return 0


if __name__ == "__main__":
    url, station, seed, attempts, units, officers = sys.argv[1:7]
    sys.exit(main(url, station, int(seed), int(attempts), int(units), int(officers)))

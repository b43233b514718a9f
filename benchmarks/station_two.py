"""Another station on the same database: `python -m benchmarks.station_two DB PAIRS_FILE`
issues and returns cameras at the counter through the services, one transaction a second
(with its own Database, under its own station name), until it is stopped. Each camera goes
back a little after the double-scan window. PAIRS_FILE: lines "officer_id asset_tag". A
transaction that fails (the database busy beyond its timeout, say) is written as a line to
PAIRS_FILE + ".failed", and the station carries on, as a clerk would scan again."""

from __future__ import annotations

import sys
import time
from collections import deque
from pathlib import Path

STATION = "BENCH-2"
RETURN_AFTER_S = 8.0


def main(argv: list[str]) -> int:
    from benchmarks.agency import PASSWORD
    from bwc_desk.domain.errors import DomainError
    from bwc_desk.services import auth, counter
    from bwc_desk.services.context import Ctx
    from bwc_desk.services.counter import FunctionTest
    from bwc_desk.services.startup import open_database
    from bwc_desk.store.db import sqlite_url

    db = open_database(sqlite_url(Path(argv[0]))).db
    pairs = [line.split() for line in Path(argv[1]).read_text().splitlines() if line.strip()]
    ctx = Ctx(db, STATION)
    for attempt in range(10):  # (the database may be busy for a while: try again)
        try:
            ctx = ctx.as_actor(auth.sign_in(ctx, "quinn", PASSWORD))
            break
        except Exception:
            if attempt == 9:
                raise
            time.sleep(1)
    out: deque[tuple[float, list[str]]] = deque()
    started = time.monotonic()
    tick = 0
    print("ready", flush=True)
    failed = Path(argv[1] + ".failed")
    try:
        while True:
            tick += 1
            now = time.monotonic()
            try:
                if out and now - out[0][0] > RETURN_AFTER_S:
                    counter.return_unit(ctx, out[0][1][1])
                    pairs.append(out.popleft()[1])  # (issued again later: it never stops)
                elif pairs:
                    officer, tag = pairs[0]
                    result = counter.issue_unit(ctx, int(officer), tag,
                                                function_test=FunctionTest())
                    if result.issued:
                        out.append((now, pairs[0]))
                    pairs.pop(0)
            except Exception as exc:
                if isinstance(exc, DomainError):  # refused: not tried again
                    (out.popleft() if out and now - out[0][0] > RETURN_AFTER_S
                     else pairs.pop(0) if pairs else None)
                text = " ".join(str(exc).split())[:300]
                with failed.open("a") as f:
                    f.write(f"{time.time():.3f} {type(exc).__name__}: {text}\n")
            time.sleep(max(0.0, started + tick - time.monotonic()))
    except KeyboardInterrupt:
        pass
    finally:
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Key revocations at the same time as other stations' writes, on a shared database: each
station is a Database object of its own (its own connections and its own cached signer, as
a separate PC has), and the order of the transactions is forced with events, never with
sleeps.

What the database serialises: on PostgreSQL every write transaction takes the writers'
advisory lock first (store/db.py ``_one_writer_at_a_time``), on SQLite BEGIN IMMEDIATE; a
revocation and a checkpoint are each written inside such a transaction, and both read the
key registry after taking the lock. So a revocation waits for a checkpoint being written
(and signs the chain's head after it), and a checkpoint waiting for a revocation sees it
and is not signed. What the lock cannot order is the stations' clocks: each record and
checkpoint is dated by the clock of the station that writes it. A revocation dated by a
clock behind the one of the station whose key it revokes made verify call that station's
last checkpoints, written before the revocation, *forged*; the revocation is now dated no
earlier than anything the key had signed when it was revoked."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select, text

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.signing import public_hex
from bwc_desk.services import inventory, key_revocation, signing, verify
from bwc_desk.services.context import Ctx
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.startup import open_database
from bwc_desk.store import keystore
from bwc_desk.store.db import Database
from bwc_desk.store.models import LedgerCheckpoint, StationKeyRevocation
from tests.conftest import FakeClock

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)

WAIT_S = 60  # a guard against a hang only: every wait below ends on a condition


@pytest.fixture
def stations(admin_ctx, clock, db_url) -> Iterator[dict[str, Ctx]]:
    """DESK-1 (the trust root), DESK-2 and DESK-3 (registered at DESK-1), each on a
    Database of its own with a clock of its own, set to the same time."""
    for name in ("DESK-2", "DESK-3"):
        signing.register_key(admin_ctx, name, public_hex(keystore.load_or_create(name)))
    opened: list[Database] = []
    out: dict[str, Ctx] = {}
    for name in ("DESK-1", "DESK-2", "DESK-3"):
        db = open_database(db_url).db
        opened.append(db)
        out[name] = Ctx(db, name, admin_ctx.actor, FakeClock(clock.now), admin_ctx.zone)
    yield out
    for db in opened:
        db.dispose()


def _skew(ctx: Ctx, **delta: float) -> None:
    assert isinstance(ctx.clock, FakeClock)
    ctx.clock.advance(**delta)


@contextmanager
def held_before_commit(db: Database) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The next write transaction committed through ``db`` stops just before its COMMIT:
    ``reached`` is set there, and it goes on when ``release`` is set."""
    reached, release = threading.Event(), threading.Event()
    done = [False]

    def hold(_conn: Any) -> None:
        if done[0] or not _conn.info.get("bwc_wrote"):
            return
        done[0] = True
        reached.set()
        assert release.wait(WAIT_S), "the test never released the transaction"

    def note(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            conn.info["bwc_wrote"] = True

    def forget(conn: Any) -> None:
        conn.info.pop("bwc_wrote", None)

    event.listen(db.engine, "before_cursor_execute", note)
    event.listen(db.engine, "commit", hold)
    event.listen(db.engine, "begin", forget)
    try:
        yield reached, release
    finally:
        release.set()
        event.remove(db.engine, "commit", hold)
        event.remove(db.engine, "before_cursor_execute", note)
        event.remove(db.engine, "begin", forget)


class Worker(threading.Thread):
    """A station's call in a thread of its own; ``result()`` returns or raises its outcome."""

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.call, self.outcome, self.error = call, None, None

    def run(self) -> None:
        try:
            self.outcome = self.call()
        except BaseException as exc:  # handed to the test
            self.error = exc

    def result(self) -> Any:
        self.join(WAIT_S)
        assert not self.is_alive(), "the station's call did not finish"
        if self.error is not None:
            raise self.error
        return self.outcome


def wait_until_waiting_for_the_writers_lock(db: Database, backend: str) -> None:
    """Until a second transaction waits for the writers' lock the first one holds. On
    PostgreSQL the server shows it (pg_stat_activity); SQLite's busy handler cannot be seen
    from outside, so there the second transaction may only be about to wait."""
    if backend != "postgresql":
        return
    sql = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
               "AND wait_event_type = 'Lock' AND wait_event = 'advisory'")
    pause = threading.Event()
    for _ in range(WAIT_S * 100):
        with db.read() as s:
            if s.execute(sql).scalar_one():
                return
        pause.wait(0.01)  # polling a condition, not timing the test
    pytest.fail("the second station never waited for the writers' lock")


def _checkpoints_of(ctx: Ctx, station: str) -> list[tuple[str, int]]:
    with ctx.db.read() as s:
        return [(str(c), int(q)) for c, q in s.execute(
            select(LedgerCheckpoint.chain, LedgerCheckpoint.seq)
            .where(LedgerCheckpoint.station == station).order_by(LedgerCheckpoint.id))]


def _revocations(ctx: Ctx) -> list[tuple[str, str]]:
    with ctx.db.read() as s:
        return [(str(a), str(b)) for a, b in s.execute(
            select(StationKeyRevocation.station, StationKeyRevocation.revoking_station)
            .order_by(StationKeyRevocation.id))]


@pytest.mark.parametrize("ahead_s", [0, 2], ids=["same-clock", "desk2-clock-2s-ahead"])
def test_a_checkpoint_signed_while_its_key_is_revoked_elsewhere_counts(
        stations, backend, ahead_s):
    """DESK-2 appends a record whose checkpoint is due and signs it; before it commits,
    DESK-1 revokes DESK-2's key. The revocation waits for DESK-2's transaction, then signs
    the heads after DESK-2's record: DESK-2's checkpoint was signed before the revocation
    and counts, whatever DESK-2's clock said."""
    desk1, desk2 = stations["DESK-1"], stations["DESK-2"]
    for ctx in (desk1, desk2):
        _skew(ctx, minutes=11)  # a checkpoint of each chain is due at the next record
    _skew(desk2, seconds=ahead_s)
    before = _checkpoints_of(desk1, "DESK-2")
    with held_before_commit(desk2.db) as (reached, release):
        appending = Worker(lambda: inventory.add_unit(desk2, UnitInput("HPD-1", "S-1")))
        appending.start()
        assert reached.wait(WAIT_S)
        revoking = Worker(lambda: key_revocation.revoke_key(desk1, "DESK-2", "rebuilt"))
        revoking.start()
        wait_until_waiting_for_the_writers_lock(desk1.db, backend)
        assert _revocations(desk1) == []  # DESK-1 waits for DESK-2's commit
        release.set()
        appending.result()
        revoked = revoking.result()
    signed = _checkpoints_of(desk1, "DESK-2")[len(before):]
    assert signed, "DESK-2's checkpoint was not signed"
    assert revoked.revocation.at >= desk2.now()
    result = verify.check_database(desk1.db)
    assert result.ok, result.lines()


def test_a_checkpoint_due_while_its_key_is_being_revoked_is_not_signed(stations, backend):
    """The other order: DESK-1's revocation holds the lock; DESK-2's append, whose
    checkpoint is due, waits for it, then finds its key revoked and signs nothing, although
    its process had the key's signer cached from before."""
    desk1, desk2 = stations["DESK-1"], stations["DESK-2"]
    inventory.add_unit(desk2, UnitInput("HPD-1", "S-1"))  # DESK-2's signer is now cached
    for ctx in (desk1, desk2):
        _skew(ctx, minutes=11)
    before = _checkpoints_of(desk1, "DESK-2")
    with held_before_commit(desk1.db) as (reached, release):
        revoking = Worker(lambda: key_revocation.revoke_key(desk1, "DESK-2", "rebuilt"))
        revoking.start()
        assert reached.wait(WAIT_S)
        appending = Worker(lambda: inventory.add_unit(desk2, UnitInput("HPD-2", "S-2")))
        appending.start()
        wait_until_waiting_for_the_writers_lock(desk2.db, backend)
        release.set()
        revoking.result()
        appending.result()
    assert _checkpoints_of(desk1, "DESK-2") == before
    result = verify.check_database(desk1.db)
    assert result.ok, result.lines()


@pytest.mark.parametrize("ahead_s", [0, 2], ids=["same-clock", "desk2-clock-2s-ahead"])
def test_two_stations_revoking_at_once(stations, backend, ahead_s):
    """DESK-2 revokes DESK-3's key while DESK-1 revokes DESK-2's: one after the other,
    DESK-2's first (its transaction started first). DESK-2 signed its revocation and the
    heads before its own key was revoked: both count, whatever DESK-2's clock said."""
    desk1, desk2 = stations["DESK-1"], stations["DESK-2"]
    _skew(desk2, seconds=ahead_s)
    with held_before_commit(desk2.db) as (reached, release):
        first = Worker(lambda: key_revocation.revoke_key(desk2, "DESK-3", "stolen"))
        first.start()
        assert reached.wait(WAIT_S)
        second = Worker(lambda: key_revocation.revoke_key(desk1, "DESK-2", "rebuilt"))
        second.start()
        wait_until_waiting_for_the_writers_lock(desk1.db, backend)
        release.set()
        first.result()
        second.result()
    assert _revocations(desk1) == [("DESK-3", "DESK-2"), ("DESK-2", "DESK-1")]
    result = verify.check_database(desk1.db)
    assert result.ok, result.lines()


def test_two_stations_revoking_each_others_keys_at_once(stations, backend):
    """DESK-2 revokes DESK-3's key while DESK-3 revokes DESK-2's: the second to get the
    lock finds its own key revoked and is refused; never both."""
    desk2, desk3 = stations["DESK-2"], stations["DESK-3"]
    with held_before_commit(desk2.db) as (reached, release):
        first = Worker(lambda: key_revocation.revoke_key(desk2, "DESK-3", "stolen"))
        first.start()
        assert reached.wait(WAIT_S)
        second = Worker(lambda: key_revocation.revoke_key(desk3, "DESK-2", "stolen"))
        second.start()
        wait_until_waiting_for_the_writers_lock(desk3.db, backend)
        release.set()
        first.result()
        with pytest.raises(DomainError, match="cannot endorse a revocation"):
            second.result()
    assert _revocations(desk2) == [("DESK-3", "DESK-2")]
    result = verify.check_database(desk2.db)
    assert result.ok, result.lines()


def test_a_station_running_on_after_its_key_was_revoked_elsewhere_signs_no_export_checkpoint(
        stations, tmp_path):
    """DESK-2's process had its key's signer cached when DESK-1 revoked the key; an
    evidence export at DESK-2 then signs the custody chain's head (none covers its newest
    records): with the revoked key, that was a checkpoint verify calls forged."""
    from bwc_desk.services.evidence import EvidenceRequest, export_evidence

    desk1, desk2 = stations["DESK-1"], stations["DESK-2"]
    inventory.add_unit(desk2, UnitInput("HPD-1", "S-1"))  # DESK-2's signer is now cached
    _skew(desk1, minutes=1)
    key_revocation.revoke_key(desk1, "DESK-2", "rebuilt")
    _skew(desk2, minutes=2)
    inventory.add_unit(desk2, UnitInput("HPD-2", "S-2"))  # no checkpoint due yet
    before = _checkpoints_of(desk1, "DESK-2")
    done = export_evidence(desk2, EvidenceRequest(unit_tag="HPD-2"), tmp_path / "ex")
    assert _checkpoints_of(desk1, "DESK-2") == before
    assert not done.manifest_signed
    result = verify.check_database(desk1.db)
    assert result.ok, result.lines()


def test_a_signature_dated_far_ahead_of_the_revocation_does_not_move_it(stations):
    """A clock more than CLOCK_SKEW ahead is not believed: the revocation keeps its own time,
    and verify names the checkpoint dated after it (it cannot tell it from a thief's)."""
    from bwc_desk.domain.ledger import Tamper
    from bwc_desk.store.checkpoints import CLOCK_SKEW

    desk1, desk2 = stations["DESK-1"], stations["DESK-2"]
    for ctx in (desk1, desk2):
        _skew(ctx, minutes=11)
    _skew(desk2, seconds=CLOCK_SKEW.total_seconds() + 1)
    inventory.add_unit(desk2, UnitInput("HPD-1", "S-1"))
    revoked = key_revocation.revoke_key(desk1, "DESK-2", "rebuilt")
    assert revoked.revocation.at == desk1.now()
    problem = verify.check_database(desk1.db).custody.problem
    assert problem is not None and problem.tamper is Tamper.FORGED, problem

"""Crash safety: the SIGKILL loop (slow), and proof that its checks catch what they claim to
catch, on databases broken on purpose with raw sqlite3 (fast)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from bwc_desk.services.startup import open_database
from bwc_desk.store.db import sqlite_url
from tests.crash_driver import Desk
from tests.crash_harness import Ack, check_all, merge_acks, prepare, run_kills

SEED = 20261124


@pytest.mark.slow
def test_every_kill_leaves_a_sound_database(tmp_path: Path) -> None:
    report = run_kills(tmp_path / "crash", kills=12, seed=SEED, min_delay=0.0, max_delay=0.25)
    assert report.kills == 12
    assert report.checks == 12 * 4
    assert report.acknowledged >= 12  # at least one per run: the kill waits for the first


# --- the checks fail when they should ---------------------------------------------------------


@pytest.fixture(scope="module")
def worked_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, Ack]]:
    """A small agency after forty steps of the driver's own loop, run in-process, with the
    transactions it committed as the harness would have read them. Built once (sign-in and
    accounts hash with Argon2); every test breaks its own copy."""
    path = tmp_path_factory.mktemp("crash-template") / "crash.sqlite3"
    prepare(path, units=4, officer_count=4)
    db = open_database(sqlite_url(path)).db
    try:
        desk = Desk(db, seed=1)
        done = [step for step in (desk.step() for _ in range(40)) if step is not None]
    finally:
        db.dispose()  # the last connection closed: the WAL is checkpointed into the file
    acked: dict[int, Ack] = {}
    assert merge_acks(acked, [Ack(*step) for step in done]) == []
    kinds = {a.kind for a in acked.values()}
    assert kinds == {"issued", "returned"}, "the fixture needs both kinds"
    return path, acked


@pytest.fixture
def worked(
    worked_template: tuple[Path, dict[int, Ack]], tmp_path: Path
) -> tuple[Path, dict[int, Ack]]:
    template, acked = worked_template
    path = tmp_path / template.name
    shutil.copy(template, path)
    assert check_all(path, acked) == []  # sound before it is broken
    return path, dict(acked)


def raw(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def one(path: Path, sql: str) -> tuple[object, ...]:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(sql).fetchone()
    finally:
        conn.close()
    assert row is not None, sql
    return tuple(row)


OPEN = "SELECT id, unit_id FROM checkouts WHERE returned_at IS NULL ORDER BY id LIMIT 1"
AVAILABLE = "SELECT id FROM units WHERE status = 'available' ORDER BY id LIMIT 1"


def test_a_second_open_checkout_is_caught(worked: tuple[Path, dict[int, Ack]]) -> None:
    path, acked = worked
    cols = "unit_id, officer_id, slot, issued_at, issued_seq, issued_by, issued_station, "
    cols += "expected_return, swap_reason, voided"
    checkout_id, _unit = one(path, OPEN)
    raw(
        path,
        "DROP INDEX uq_checkouts_open_unit",
        "DROP INDEX uq_checkouts_open_officer_slot",
        f"INSERT INTO checkouts ({cols}) SELECT {cols} FROM checkouts WHERE id = {checkout_id}",
    )
    problems = check_all(path, acked)
    assert any("has 2 open checkouts" in p for p in problems), problems


def test_issued_without_a_checkout_is_caught(worked: tuple[Path, dict[int, Ack]]) -> None:
    path, acked = worked
    (unit_id,) = one(path, AVAILABLE)
    raw(path, f"UPDATE units SET status = 'issued' WHERE id = {unit_id}")
    problems = check_all(path, acked)
    assert any("is issued but has 0 open checkouts" in p for p in problems), problems
    assert any("is issued but its last issue/return event is" in p for p in problems), problems


def test_a_return_without_its_event_is_caught(worked: tuple[Path, dict[int, Ack]]) -> None:
    path, acked = worked
    checkout_id, unit_id = one(path, OPEN)
    raw(
        path,
        f"UPDATE checkouts SET returned_at = issued_at WHERE id = {checkout_id}",
        f"UPDATE units SET status = 'available' WHERE id = {unit_id}",
    )
    problems = check_all(path, acked)
    assert any("is available but its last event is an issue" in p for p in problems), problems


def test_a_checkout_that_is_not_the_last_issue_is_caught(
    worked: tuple[Path, dict[int, Ack]],
) -> None:
    path, acked = worked
    checkout_id, _unit = one(path, OPEN)
    raw(path, f"UPDATE checkouts SET issued_seq = 1 WHERE id = {checkout_id}")
    problems = check_all(path, acked)
    assert any("is not its last issue" in p for p in problems), problems


@pytest.mark.parametrize(
    "statements",
    [
        (
            "DROP TRIGGER custody_events_no_update",
            "UPDATE custody_events SET station = 'ELSEWHERE' WHERE seq = 3",
        ),
        ("DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET station = 'X' WHERE seq = 1"),
    ],
    ids=["custody", "audit"],
)
def test_a_rewritten_chain_is_caught(
    worked: tuple[Path, dict[int, Ack]], statements: tuple[str, ...]
) -> None:
    path, acked = worked
    raw(path, *statements)
    problems = check_all(path, acked)
    assert problems and all(p.startswith("hash chain:") for p in problems), problems


def test_a_lost_acknowledged_transaction_is_caught(worked: tuple[Path, dict[int, Ack]]) -> None:
    """The worst case: the last acknowledged transaction vanished and everything else was
    rolled back with it, chain head included. Only the acknowledgement check can see it."""
    path, acked = worked
    last = acked[max(acked)]
    (head,) = one(path, "SELECT max(seq) FROM custody_events")
    assert head == last.seq, "the driver's last transaction is the newest event"
    (prev_hash,) = one(path, f"SELECT prev_hash FROM custody_events WHERE seq = {last.seq}")
    (unit_id,) = one(path, f"SELECT unit_id FROM custody_events WHERE seq = {last.seq}")
    undo_state = (
        [
            f"DELETE FROM checkouts WHERE issued_seq = {last.seq}",
            f"UPDATE units SET status = 'available' WHERE id = {unit_id}",
        ]
        if last.kind == "issued"
        else [
            "UPDATE checkouts SET returned_at = NULL, returned_seq = NULL, returned_by = NULL "
            f"WHERE returned_seq = {last.seq}",
            f"UPDATE units SET status = 'issued' WHERE id = {unit_id}",
        ]
    )
    raw(
        path,
        "DROP TRIGGER custody_events_no_delete",
        f"DELETE FROM custody_events WHERE seq = {last.seq}",
        f"UPDATE chain_heads SET seq = {last.seq - 1}, hash = '{prev_hash}' "
        "WHERE chain = 'custody'",
        *undo_state,
    )
    # Verify names the lost record too, from the camera's last record pointing past the head.
    problems = check_all(path, acked)
    assert f"acknowledged {last.kind} of {last.tag} (seq {last.seq}) is missing" in problems
    assert any(p.startswith("hash chain: custody: FAILED") and "truncated" in p
               for p in problems), problems
    # With that pointer rolled back as well, only the acknowledgement check can see it.
    raw(
        path,
        f"UPDATE units SET last_event_seq = (SELECT max(seq) FROM custody_events "
        f"WHERE unit_id = {unit_id}) WHERE id = {unit_id}",
    )
    problems = check_all(path, acked)
    assert problems == [f"acknowledged {last.kind} of {last.tag} (seq {last.seq}) is missing"]


def test_an_acknowledgement_recorded_otherwise_is_caught(
    worked: tuple[Path, dict[int, Ack]],
) -> None:
    path, acked = worked
    seq, ack = next((s, a) for s, a in acked.items() if a.kind == "issued")
    acked[seq] = Ack(seq, "returned", ack.tag)
    assert check_all(path, acked) == [
        f"acknowledged returned of {ack.tag} (seq {seq}) is recorded as issued of {ack.tag}"
    ]


def test_a_seq_acknowledged_twice_is_caught(worked: tuple[Path, dict[int, Ack]]) -> None:
    _path, acked = worked
    seq, ack = next(iter(acked.items()))
    other = Ack(seq, "returned" if ack.kind == "issued" else "issued", ack.tag)
    problems = merge_acks(acked, [other])
    assert problems and "acknowledged twice" in problems[0], problems


def test_a_damaged_file_is_caught(worked: tuple[Path, dict[int, Ack]]) -> None:
    path, acked = worked
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")  # everything into the main file
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'ix_custody_at'"
        ).fetchone()
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    finally:
        conn.close()
    with path.open("r+b") as fh:  # scribble over the end of the index's page: its cells
        fh.seek(root * page_size - 200)
        fh.write(b"\xff" * 200)
    problems = check_all(path, acked)
    assert any(p.startswith("integrity_check:") for p in problems), problems

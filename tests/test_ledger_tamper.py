"""Someone with the database file (or a database login) drops the triggers and edits rows with
raw SQL: verification names the first record that does not match, and how."""

from __future__ import annotations

import sqlite3

import pytest

from bwc_desk.__main__ import main
from bwc_desk.domain.ledger import Tamper
from bwc_desk.services import counter, inventory, officers, verify
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store.ledger_sql import drop_append_only_ddl

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)


@pytest.fixture
def history(admin_ctx, clock):
    """36 custody events, a few audit records."""
    officer = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    for i in range(1, 5):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-{i}", f"S-{i}"))
    for _ in range(4):
        for i in range(1, 5):
            counter.issue_unit(admin_ctx, officer.id, f"HPD-{i}", function_test=FunctionTest())
            clock.advance(hours=8)
            counter.return_unit(admin_ctx, f"HPD-{i}")
            clock.advance(minutes=5)
    result = verify.verify_records(admin_ctx)
    assert result.ok, result.lines()
    return admin_ctx


def raw_connection(ctx):
    """A plain DB-API connection, outside the app's engine and its rules."""
    if ctx.db.is_sqlite:
        return sqlite3.connect(ctx.db.path)
    import psycopg

    url = ctx.db.url
    return psycopg.connect(host=url.host, port=url.port, user=url.username,
                           dbname=url.database)


def database_arg(ctx) -> str:
    return str(ctx.db.path) if ctx.db.is_sqlite else ctx.db.url.render_as_string(False)


def tamper(ctx, *statements: str) -> None:
    ctx.db.dispose()
    raw = raw_connection(ctx)
    try:
        dialect = "sqlite" if ctx.db.is_sqlite else "postgresql"
        for table in ("custody_events", "audit_log"):
            for drop in drop_append_only_ddl(dialect, table):
                raw.execute(drop)
        for statement in statements:
            raw.execute(statement)
        raw.commit()
    finally:
        raw.close()


def problem(ctx, chain="custody"):
    result = verify.check_database(ctx.db)
    report = result.custody if chain == "custody" else result.audit
    assert report.problem is not None, report.summary()
    return report.problem


def test_triggers_refuse_raw_update_and_delete(history):
    for sql in ("UPDATE custody_events SET station = 'X' WHERE seq = 3",
                "DELETE FROM custody_events WHERE seq = 3",
                "UPDATE audit_log SET outcome = 'ok'", "DELETE FROM audit_log"):
        raw = raw_connection(history)
        try:
            with pytest.raises(Exception, match="append-only"):
                raw.execute(sql)
        finally:
            raw.close()


def test_changed_field_is_named(history):
    tamper(history, "UPDATE custody_events SET staff_username = 'mallory' WHERE seq = 7")
    p = problem(history)
    assert (p.seq, p.tamper) == (7, Tamper.CHANGED)


def test_changed_timestamp_is_named(history):
    tamper(history, "UPDATE custody_events SET at = '2020-01-01 00:00:00.000000' WHERE seq = 9")
    assert (problem(history).seq, problem(history).tamper) == (9, Tamper.CHANGED)


def test_deleted_record_is_named_missing(history):
    tamper(history, "DELETE FROM custody_events WHERE seq = 5")
    p = problem(history)
    assert (p.seq, p.tamper) == (5, Tamper.MISSING)


def test_deleted_last_record_is_named_missing(history):
    tamper(history, "DELETE FROM custody_events WHERE seq = (SELECT max(seq) FROM "
                    "custody_events)")
    assert problem(history).tamper is Tamper.MISSING


def test_inserted_record_is_named_inserted(history):
    tamper(history,
           "INSERT INTO custody_events (seq, at, kind, unit_id, officer_id, staff_id, "
           "staff_username, station, reason, details, corrects_seq, prev_hash, hash) "
           "SELECT max(seq) + 1, '2026-11-25 01:00:00.000000', 'returned', 1, 1, 1, 'admin', "
           "'DESK-1', NULL, NULL, NULL, (SELECT hash FROM custody_events ORDER BY seq DESC "
           "LIMIT 1), 'deadbeef' FROM custody_events")
    p = problem(history)
    assert p.tamper is Tamper.INSERTED


def test_inserted_record_in_the_middle_is_named_inserted(history):
    tamper(history,
           # make room at #6 the way someone with the file would: renumber what follows
           "UPDATE custody_events SET seq = -seq - 1 WHERE seq >= 6",
           "UPDATE custody_events SET seq = -seq WHERE seq < 0",
           "INSERT INTO custody_events (seq, at, kind, unit_id, officer_id, staff_id, "
           "staff_username, station, reason, details, corrects_seq, prev_hash, hash) "
           "VALUES (6, '2026-11-25 01:00:00.000000', 'returned', 1, 1, 1, 'admin', 'DESK-1',"
           " NULL, NULL, NULL, 'x', 'y')")
    p = problem(history)
    assert (p.seq, p.tamper) == (6, Tamper.INSERTED)


def test_audit_log_changes_are_named_too(history):
    tamper(history, "UPDATE audit_log SET station = 'ELSEWHERE' WHERE seq = 2")
    p = problem(history, "audit")
    assert (p.seq, p.tamper) == (2, Tamper.CHANGED)


def test_verify_command_exit_codes(history, capsys):
    path = database_arg(history)
    assert main(["verify", "--database", path]) == 0
    out = capsys.readouterr().out
    assert "custody: OK" in out and "audit: OK" in out
    tamper(history, "UPDATE custody_events SET reason = 'edited' WHERE seq = 4")
    assert main(["verify", "--database", path]) == 1
    out = capsys.readouterr().out
    assert "FAILED at record #4" in out and "VERIFICATION FAILED" in out


def test_a_head_kept_outside_catches_a_fully_rewritten_chain(history, capsys):
    heads = verify.chain_heads(history)
    expect = f"{heads.custody_seq}:{heads.custody_hash}"
    path = database_arg(history)
    assert main(["verify", "--database", path, "--expect-custody", expect]) == 0
    capsys.readouterr()
    # Rewrite every record with correctly recomputed hashes: only the outside copy notices.
    from bwc_desk.domain.ledger import GENESIS, custody_payload, record_hash
    from bwc_desk.store.ledger import ts_text

    history.db.dispose()
    raw = raw_connection(history)
    dialect = "sqlite" if history.db.is_sqlite else "postgresql"
    for drop in drop_append_only_ddl(dialect, "custody_events"):
        raw.execute(drop)
    prev = GENESIS
    rows = raw.execute("SELECT seq, at, kind, unit_id, officer_id, staff_id, staff_username, "
                       "station, reason, details, corrects_seq FROM custody_events "
                       "ORDER BY seq").fetchall()
    for seq, at, kind, unit, officer, staff, user, station, reason, details, corr in rows:
        user = "mallory" if seq == 2 else user
        digest = record_hash(prev, custody_payload(
            seq, ts_text(at, history.db.is_sqlite), kind, unit, officer, staff, user, station,
            reason, details, corr))
        mark = "?" if history.db.is_sqlite else "%s"
        raw.execute(f"UPDATE custody_events SET staff_username = {mark}, prev_hash = {mark}, "
                    f"hash = {mark} WHERE seq = {mark}", (user, prev, digest, seq))
        prev = digest
    raw.execute(f"UPDATE chain_heads SET hash = {mark} WHERE chain = 'custody'", (prev,))
    raw.commit()
    raw.close()
    history.db.dispose()
    # The station's signed checkpoints catch it from the database alone...
    assert main(["verify", "--database", path]) == 1
    out = capsys.readouterr().out
    assert "rewritten (hashes recomputed)" in out and "checkpoint" in out
    # ...and the head kept outside too.
    assert main(["verify", "--database", path, "--expect-custody", expect]) == 1
    assert "rewritten" in capsys.readouterr().out


def test_verification_runs_are_audited(history):
    from bwc_desk.services import audit

    rows = audit.list_audit(history, event="verification run")
    assert rows and rows[0].details["custody"]["count"] >= 20

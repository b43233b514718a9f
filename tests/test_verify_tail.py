"""The newest custody records deleted and `chain_heads` fixed (the tester's attack on a copy of
the demo: trigger dropped, the 10 newest records deleted, `chain_heads` pointed at the new last
one). Verify names it wherever the database or the anchors still show those records (a signed
checkpoint, a camera's last record, a checkout's issue or return, an anchor the audit log
records), and where nothing does, its verdict says so instead of "nothing was removed"."""

from __future__ import annotations

import pytest

from bwc_desk.__main__ import main
from bwc_desk.domain.ledger import Tamper
from bwc_desk.services import anchors, counter, inventory, officers, verify
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from tests.test_ledger_tamper import database_arg
from tests.test_ledger_trust import tamper

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)


@pytest.fixture
def history(admin_ctx, clock):
    """Issues and returns over days (each signed: 8 hours apart), then a busy minute at the
    counter: 8 records within seconds, after the last signed checkpoint."""
    smith = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    for i in range(1, 5):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-{i}", f"S-{i}"))
    for _ in range(2):
        for i in range(1, 5):
            counter.issue_unit(admin_ctx, smith.id, f"HPD-{i}", function_test=FunctionTest())
            clock.advance(hours=8)
            counter.return_unit(admin_ctx, f"HPD-{i}")
            clock.advance(minutes=30)
    for i in range(1, 5):
        counter.issue_unit(admin_ctx, smith.id, f"HPD-{i}", function_test=FunctionTest())
        clock.advance(seconds=5)
        counter.return_unit(admin_ctx, f"HPD-{i}")
        clock.advance(seconds=5)
    result = verify.check_database(admin_ctx.db)
    assert result.ok, result.lines()
    return admin_ctx


def heads(ctx) -> tuple[int, int]:
    """(custody head, the newest custody record a checkpoint signed)."""
    with ctx.db.read() as session:
        from sqlalchemy import text

        signed = session.execute(text(
            "SELECT max(seq) FROM ledger_checkpoints WHERE chain = 'custody'")).scalar_one()
    return verify.chain_heads(ctx).custody_seq, int(signed)


def truncate(ctx, keep: int, *more: str) -> None:
    """The tester's attack: drop the append-only triggers, delete every record after
    ``keep`` and point `chain_heads` at record #keep with its hash."""
    tamper(ctx,
           f"DELETE FROM custody_events WHERE seq > {keep}",
           f"UPDATE chain_heads SET seq = {keep}, hash = (SELECT hash FROM custody_events "
           f"WHERE seq = {keep}) WHERE chain = 'custody'",
           *more)


def verdict(result: verify.VerifyResult) -> str:
    return "\n".join(result.verdict())


def test_the_tail_after_the_last_checkpoint_is_named_by_the_cameras_last_records(history):
    last, signed = heads(history)
    assert last - signed >= 4  # the busy minute is not signed yet
    keep = last - 3
    truncate(history, keep)
    result = verify.check_database(history.db)
    p = result.custody.problem
    assert p is not None and p.tamper is Tamper.TRUNCATED, result.lines()
    assert p.seq == keep + 1
    assert f"records after #{keep} were deleted" in p.message
    assert "HPD-" in p.message and "last record" in p.message
    assert "nothing was removed" not in verdict(result).lower()


def test_the_checkpoints_deleted_too_the_checkouts_and_cameras_still_point_past_the_head(
    history,
):
    _last, signed = heads(history)
    keep = signed - 6  # records a checkpoint signed, and that checkpoint deleted
    truncate(history, keep, f"DELETE FROM ledger_checkpoints WHERE chain = 'custody' AND "
                            f"seq > {keep}")
    p = verify.check_database(history.db).custody.problem
    assert p is not None and p.tamper is Tamper.TRUNCATED
    assert p.seq == keep + 1 and f"records after #{keep} were deleted" in p.message


def test_a_checkout_alone_still_names_it(history):
    last, _signed = heads(history)
    keep = last - 2
    # The attacker fixed every camera's last record, not the checkouts.
    truncate(history, keep, f"UPDATE units SET last_event_seq = {keep} "
                            f"WHERE last_event_seq > {keep}")
    p = verify.check_database(history.db).custody.problem
    assert p is not None and p.tamper is Tamper.TRUNCATED
    assert "checkout" in p.message and f"#{keep + 1}" in p.message


def test_an_anchor_the_audit_log_records_names_it(history, tmp_path):
    anchors.anchor_now(history, tmp_path)
    last, _signed = heads(history)
    keep = last - 2
    truncate(history, keep,
             f"UPDATE units SET last_event_seq = {keep} WHERE last_event_seq > {keep}",
             f"UPDATE checkouts SET returned_seq = {keep} WHERE returned_seq > {keep}",
             f"UPDATE checkouts SET issued_seq = {keep} WHERE issued_seq > {keep}")
    p = verify.check_database(history.db).custody.problem
    assert p is not None and p.tamper is Tamper.TRUNCATED, p
    assert "anchored" in p.message and f"#{last}" in p.message


def test_a_careful_attacker_is_not_seen_and_the_verdict_says_what_is_not_proven(
    history, tmp_path, capsys
):
    last, signed = heads(history)
    before = verify.chain_heads(history)
    anchors.anchor_now(history, tmp_path)
    keep = last - 3
    truncate(history, keep,
             f"UPDATE units SET last_event_seq = {keep} WHERE last_event_seq > {keep}",
             f"UPDATE checkouts SET returned_seq = {keep} WHERE returned_seq > {keep}",
             f"UPDATE checkouts SET issued_seq = {keep} WHERE issued_seq > {keep}",
             "DELETE FROM audit_log WHERE event = 'chain heads anchored'")
    # (the audit chain is then broken at the anchor's record: that is named; its own
    # truncation is the same story one chain over)
    result = verify.check_database(history.db)
    assert result.custody.ok, result.custody.summary()
    text = verdict(result)
    assert "nothing was removed" not in text.lower()
    assert f"up to #{signed}" in text and "DESK-1" in text
    assert f"#{signed + 1} to #{keep}" in text and "this database alone" in text
    assert "--expect-custody" in text and "--anchors" in text
    # What proves it: a head kept outside, an anchor file.
    path = database_arg(history)
    assert main(["verify", "--database", path, "--expect-custody",
                 f"{before.custody_seq}:{before.custody_hash}"]) == 1
    assert f"record #{before.custody_seq}" in capsys.readouterr().out
    assert main(["verify", "--database", path, "--anchors", str(tmp_path)]) == 1
    assert "records were deleted from its end" in capsys.readouterr().out


def test_ok_says_what_the_signature_covers(history, capsys):
    last, signed = heads(history)
    result = verify.check_database(history.db)
    text = verdict(result)
    assert "nothing was removed" not in text.lower()
    assert f"No custody record was changed, removed or slipped in up to #{signed}" in text
    assert "signed by DESK-1 at" in text
    assert f"#{signed + 1} to #{last}" in text
    assert main(["verify", "--database", database_arg(history)]) == 0
    out = capsys.readouterr().out
    assert f"up to #{signed}" in out and "nothing was removed" not in out.lower()


def test_a_head_kept_outside_is_named_as_the_proof(history, capsys):
    before = verify.chain_heads(history)
    result = verify.check_database(
        history.db, expect_custody=(before.custody_seq, before.custody_hash))
    text = verdict(result)
    assert f"up to #{before.custody_seq}, the head kept outside" in text


def test_a_correction_and_an_undone_issue_are_not_a_truncation(history, clock):
    from bwc_desk.services.counter.undo import undo

    clock.advance(seconds=5)
    issued = counter.issue_unit(history, 1, "HPD-1", function_test=FunctionTest())
    assert issued.seq is not None
    undo(history, issued.seq)
    result = verify.check_database(history.db)
    assert result.ok, result.lines()


def test_a_fresh_database_and_other_chains_checkpoints_are_not_a_truncation(admin_ctx):
    # Many audit records (and checkpoints of the audit chain far beyond the custody head),
    # no custody record at all.
    from bwc_desk.domain.audit import AuditEvent
    from bwc_desk.services import audit

    for _ in range(120):
        audit.record(admin_ctx, AuditEvent.EXPORT, details={"what": "test"})
    result = verify.check_database(admin_ctx.db)
    assert result.ok, result.lines()
    assert "nothing was removed" not in verdict(result).lower()


@pytest.mark.sqlite_only
def test_verify_records_says_how_far_it_is_proven_and_checks_the_agencys_anchors(
    qtbot, history, tmp_path
):
    from bwc_desk.services.settings import change_settings
    from bwc_desk.ui.dialogs.verify_dialog import VerifyDialog
    from bwc_desk.ui.state import AppState

    def run() -> str:
        state = AppState(history)
        dialog = VerifyDialog(state)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=10_000)
        state.runner.shutdown()
        return dialog.status.text() + "\n" + dialog.text.toPlainText()

    last, signed = heads(history)
    shown = run()
    assert "OK" in shown and "nothing was removed" not in shown.lower()
    assert f"up to #{signed}, the last head signed by DESK-1" in shown
    assert f"#{signed + 1} to #{last}" in shown and "--expect-custody" in shown
    # The agency's anchor file vouches for the head it anchored.
    change_settings(history, {"anchor_folder": str(tmp_path / "anchors")})
    anchors.anchor_now(history)
    shown = run()
    assert f"up to #{last}, anchored by DESK-1" in shown, shown
    # The tester's attack: the anchor file names the records deleted.
    truncate(history, last - 3,
             f"UPDATE units SET last_event_seq = {last - 3} WHERE last_event_seq > {last - 3}",
             f"UPDATE checkouts SET returned_seq = NULL WHERE returned_seq > {last - 3}",
             "DELETE FROM audit_log WHERE event = 'chain heads anchored'")
    shown = run()
    assert "VERIFICATION FAILED" in shown and "OK:" not in shown
    assert f"anchored record #{last}" in shown and "deleted from its end" in shown
    # A failed chain's heads are not offered for keeping outside, and the failure is in view.
    state = AppState(history)
    dialog = VerifyDialog(state)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.keys_text), timeout=10_000)
    assert dialog.heads is None and not dialog.save_button.isEnabled()
    assert "not offered for keeping while a chain fails" in dialog.text.toPlainText()
    assert "FAILED" in dialog.text.textCursor().selectedText()
    state.runner.shutdown()


FIX_REFERENCES = (
    "UPDATE units SET last_event_seq = {keep} WHERE last_event_seq > {keep}",
    "UPDATE checkouts SET returned_seq = {keep} WHERE returned_seq > {keep}",
    "UPDATE checkouts SET issued_seq = {keep} WHERE issued_seq > {keep}",
)


def test_a_verification_run_the_audit_log_records_names_it(history):
    verify.verify_records(history)  # its record names the custody head it found sound
    last, _signed = heads(history)
    keep = last - 2
    truncate(history, keep, *(sql.format(keep=keep) for sql in FIX_REFERENCES))
    p = verify.check_database(history.db).custody.problem
    assert p is not None and p.tamper is Tamper.TRUNCATED
    assert "verification found sound" in p.message and f"#{last}, which is gone" in p.message


def test_the_unsigned_tail_rewritten_is_named_by_the_head_the_audit_log_recorded(history):
    from tests.test_ledger_trust import _recompute_all

    verify.verify_records(history)
    last, signed = heads(history)
    _recompute_all(history, signed + 2)  # after the newest checkpoint: no signature breaks
    p = verify.check_database(history.db).custody.problem
    assert p is not None and p.tamper is Tamper.REWRITTEN, p
    assert p.seq == last and "verification found sound" in p.message

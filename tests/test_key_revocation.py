"""Revoking a station key (a stolen or rebuilt station PC): from the revocation on, nothing
the key signs is trusted; what it signed before still counts. Nothing is deleted: the
revocation is an endorsed, append-only record of its own."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from bwc_desk.domain.errors import DomainError, PermissionDenied, ValidationError
from bwc_desk.domain.ledger import Tamper, format_ts
from bwc_desk.domain.signing import checkpoint_message, public_hex, sign
from bwc_desk.services import inventory, key_revocation, signing, verify
from bwc_desk.services.inventory import UnitInput
from bwc_desk.store import keystore
from bwc_desk.store.checkpoints import database_id
from bwc_desk.store.models import AuditRecord, LedgerCheckpoint, StationKeyRevocation

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)


def at_station(ctx, station: str):
    return ctx.__class__(ctx.db, station, ctx.actor, ctx.clock, ctx.zone)


@pytest.fixture
def two(admin_ctx, clock):
    """DESK-1 (the trust root) and DESK-2, whose key DESK-1 registered; DESK-2 has signed
    checkpoints of its own."""
    signing.register_key(admin_ctx, "DESK-2", public_hex(keystore.load_or_create("DESK-2")))
    desk2 = at_station(admin_ctx, "DESK-2")
    inventory.add_unit(desk2, UnitInput("HPD-1", "S-1"))
    clock.advance(minutes=11)
    inventory.add_unit(desk2, UnitInput("HPD-2", "S-2"))
    assert _signed_by(admin_ctx, "DESK-2") >= 1
    return admin_ctx, desk2


def _signed_by(ctx, station: str) -> int:
    with ctx.db.read() as s:
        return len(s.execute(select(LedgerCheckpoint.id)
                             .where(LedgerCheckpoint.station == station)).all())


def _kid(station: str) -> str:
    from bwc_desk.domain.signing import key_id

    key = keystore.load(station)
    assert key is not None
    return key_id(public_hex(key))


def _revocations(ctx) -> int:
    with ctx.db.read() as s:
        return len(s.execute(select(StationKeyRevocation.id)).all())


def test_revoking_a_key_records_who_when_and_why_and_the_key_list_shows_it(two, clock):
    desk1, _desk2 = two
    clock.advance(minutes=3)
    revoked = key_revocation.revoke_key(desk1, " DESK-2 ", "  station PC stolen  ")
    assert (revoked.station, revoked.revocation.by, revoked.revocation.reason) == (
        "DESK-2", "admin", "station PC stolen")
    assert revoked.revocation.at == desk1.now() and revoked.revocation.station == "DESK-1"
    assert not revoked.own
    states = {k.station: k.state for k in signing.list_keys(desk1)}
    assert states["DESK-1"] == "active"
    assert states["DESK-2"].startswith(f"revoked at {desk1.now():%Y-%m-%d %H:%M} UTC by admin")
    assert states["DESK-2"].endswith(": station PC stolen")
    with desk1.db.read() as s:
        record = s.execute(select(AuditRecord).where(
            AuditRecord.event == "station key revoked")).scalar_one()
    assert (record.staff_username, record.station) == ("admin", "DESK-1")
    assert "station PC stolen" in (record.details or "") and _kid("DESK-2") in record.details
    assert "revoked at" in signing.key_summary(desk1)
    result = verify.check_database(desk1.db)
    assert result.ok, [*result.lines()]


def test_a_revoked_key_signs_no_more_checkpoints_even_in_a_station_already_running(
        two, clock):
    desk1, desk2 = two
    before = _signed_by(desk1, "DESK-2")
    key_revocation.revoke_key(desk1, "DESK-2", "rebuilt")
    # DESK-2's process had its signer cached before the revocation: it looks again when a
    # checkpoint is due, and signs nothing.
    for i in range(3):
        clock.advance(minutes=11)
        inventory.add_unit(desk2, UnitInput(f"HPD-{10 + i}", f"S-{10 + i}"))
    assert _signed_by(desk1, "DESK-2") == before
    result = verify.check_database(desk1.db)
    assert result.ok, result.lines()


def _forge_checkpoint(ctx, station: str, at) -> int:
    """Whoever holds the revoked key signs the custody chain's head, dated ``at``: its
    record number."""
    key = keystore.load(station)
    assert key is not None
    head = verify.chain_heads(ctx)
    with ctx.db.write() as s:
        dbid = database_id(s)
        s.add(LedgerCheckpoint(
            chain="custody", seq=head.custody_seq, head_hash=head.custody_hash, at=at,
            station=station, key_id=_kid(station),
            signature=sign(key, checkpoint_message(
                dbid, "custody", head.custody_seq, head.custody_hash, format_ts(at), station,
                _kid(station)))))
    return head.custody_seq


def test_a_checkpoint_the_revoked_key_signs_after_its_revocation_is_reported(two, clock):
    desk1, _desk2 = two
    key_revocation.revoke_key(desk1, "DESK-2", "station PC stolen")
    clock.advance(minutes=1)
    _forge_checkpoint(desk1, "DESK-2", desk1.now())
    result = verify.check_database(desk1.db)
    problem = result.custody.problem
    assert problem is not None and problem.tamper is Tamper.FORGED, result.lines()
    assert "is not trusted" in problem.message and "station PC stolen" in problem.message
    assert "by admin at DESK-1" in problem.message


def test_a_backdated_checkpoint_of_records_appended_after_the_revocation_is_reported(
        two, clock):
    desk1, _desk2 = two
    before = desk1.now()
    clock.advance(minutes=5)
    key_revocation.revoke_key(desk1, "DESK-2", "station PC stolen")
    inventory.add_unit(desk1, UnitInput("HPD-7", "S-7"))  # a record after the revocation
    _forge_checkpoint(desk1, "DESK-2", before)  # the thief dates the signature back
    problem = verify.check_database(desk1.db).custody.problem
    assert problem is not None and problem.tamper is Tamper.FORGED
    assert "although it is dated before" in problem.message, problem.message


def test_a_checkpoint_the_key_signed_before_its_revocation_still_counts(two, clock):
    desk1, _desk2 = two
    signed_at = desk1.now()
    clock.advance(minutes=5)
    key_revocation.revoke_key(desk1, "DESK-2", "rebuilt")
    _forge_checkpoint(desk1, "DESK-2", signed_at)  # dated before the revocation: it counts
    result = verify.check_database(desk1.db)
    assert result.ok, result.lines()


def test_a_revocation_added_by_hand_without_an_endorsement_is_reported_and_not_counted(
        two, clock):
    desk1, _desk2 = two
    with desk1.db.write() as s:
        s.add(StationKeyRevocation(
            key_id=_kid("DESK-1"), station="DESK-1", revoked_at=desk1.now(),
            revoked_by="mallory", reason="to discredit DESK-1", revoking_station="DESK-2",
            endorsed_by=_kid("DESK-2"), endorsement="00" * 64))
    clock.advance(minutes=11)
    inventory.add_unit(desk1, UnitInput("HPD-9", "S-9"))  # DESK-1 signs on
    result = verify.check_database(desk1.db)
    assert not result.ok
    assert result.custody.ok and result.audit.ok, result.lines()  # DESK-1 stays trusted
    assert any("without a valid endorsement" in f and "DESK-1" in f
               for f in result.findings), result.findings


def test_the_database_refuses_to_change_or_delete_a_revocation(two):
    desk1, _desk2 = two
    key_revocation.revoke_key(desk1, "DESK-2", "station PC stolen")
    for sql in ("UPDATE station_key_revocations SET reason = 'nothing'",
                "DELETE FROM station_key_revocations"):
        with pytest.raises(DBAPIError, match="append-only"), desk1.db.write() as s:
            s.execute(text(sql))
    assert _revocations(desk1) == 1


def test_a_revocation_deleted_behind_the_app_is_named_by_the_audit_log(two):
    from bwc_desk.store.ledger_sql import drop_append_only_ddl
    from tests.test_ledger_tamper import raw_connection

    desk1, _desk2 = two
    key_revocation.revoke_key(desk1, "DESK-2", "station PC stolen")
    desk1.db.dispose()
    raw = raw_connection(desk1)
    for drop in drop_append_only_ddl("sqlite" if desk1.db.is_sqlite else "postgresql",
                                     "station_key_revocations"):
        raw.execute(drop)
    raw.execute("DELETE FROM station_key_revocations")
    raw.commit()
    raw.close()
    result = verify.check_database(desk1.db)
    assert any("gone from the key registry" in f and "DESK-2" in f
               for f in result.findings), result.findings


def test_the_last_active_key_cannot_be_revoked(admin_ctx):
    with pytest.raises(DomainError, match="last active station key"):
        key_revocation.revoke_key(admin_ctx, "DESK-1", "PC rebuilt")
    assert _revocations(admin_ctx) == 0


def test_a_station_whose_own_key_is_revoked_is_told_to_make_a_new_one(two, clock):
    desk1, desk2 = two
    revoked = key_revocation.revoke_key(desk2, "DESK-1", "key file copied")
    assert not revoked.own  # revoked from DESK-2
    checkpoints_before = _signed_by(desk1, "DESK-1")
    with pytest.raises(DomainError, match="keys new"):
        signing.register_key(desk1, "DESK-3", public_hex(keystore.load_or_create("DESK-3")))
    with pytest.raises(DomainError, match="keys new"):
        key_revocation.revoke_key(desk1, "DESK-2", "no")
    clock.advance(minutes=11)
    inventory.add_unit(desk1, UnitInput("HPD-5", "S-5"))
    assert _signed_by(desk1, "DESK-1") == checkpoints_before  # signs nothing more
    mine = signing.this_station_key(desk1)
    assert mine is not None and mine.revoked is not None
    assert "keys new" in signing.key_summary(desk1)
    # The flow: a new key at DESK-1, registered at DESK-2 (whose key is active).
    new = key_revocation.new_station_key(desk1)
    assert new.fingerprint != mine.fingerprint and not new.registered
    signing.register_key(desk2, "DESK-1", new.public_key)
    clock.advance(minutes=11)
    inventory.add_unit(desk1, UnitInput("HPD-6", "S-6"))
    assert _signed_by(desk1, "DESK-1") > checkpoints_before
    result = verify.check_database(desk1.db)
    assert result.ok, [*result.lines()]


def test_a_station_may_revoke_its_own_key_while_another_stays_active(two):
    _desk1, desk2 = two
    revoked = key_revocation.revoke_key(desk2, "DESK-2", "key file copied off the PC")
    assert revoked.own
    assert verify.check_database(desk2.db).ok


def test_a_new_key_is_refused_while_this_stations_key_is_active(two):
    desk1, _desk2 = two
    before = signing.this_station_key(desk1)
    with pytest.raises(DomainError, match="Revoke it first"):
        key_revocation.new_station_key(desk1)
    assert signing.this_station_key(desk1) == before


def test_only_an_admin_revokes_keys_or_makes_new_ones(two, qm_ctx):
    with pytest.raises(PermissionDenied):
        key_revocation.revoke_key(qm_ctx, "DESK-2", "stolen")
    with pytest.raises(PermissionDenied):
        key_revocation.new_station_key(qm_ctx)
    assert _revocations(qm_ctx) == 0


@pytest.mark.parametrize(("station", "reason", "key", "error", "words"), [
    ("DESK-2", "   ", None, ValidationError, "reason"),
    ("", "stolen", None, ValidationError, "Name the station"),
    ("DESK-2", "x" * 501, None, ValidationError, "under 500"),
    ("DESK-9", "stolen", None, DomainError, "No key is registered for a station named DESK-9"),
    ("DESK-2", "stolen", "abcd", DomainError, "keys list"),
])
def test_bad_input_is_refused_and_nothing_is_written(two, station, reason, key, error, words):
    desk1, _desk2 = two
    with pytest.raises(error, match=words):
        key_revocation.revoke_key(desk1, station, reason, key)
    assert _revocations(desk1) == 0


def test_a_station_with_two_active_keys_needs_the_key_named(two):
    from bwc_desk.domain.signing import fingerprint, new_private_key

    desk1, _desk2 = two
    spare = public_hex(new_private_key())
    signing.register_key(desk1, "DESK-2", spare)
    with pytest.raises(DomainError, match="2 active keys"):
        key_revocation.revoke_key(desk1, "DESK-2", "old key")
    revoked = key_revocation.revoke_key(desk1, "DESK-2", "old key", fingerprint(spare))
    assert revoked.fingerprint == fingerprint(spare)
    with pytest.raises(DomainError, match="already revoked"):
        key_revocation.revoke_key(desk1, "DESK-2", "again", fingerprint(spare))
    assert verify.check_database(desk1.db).ok


def test_an_anchor_the_revoked_key_signs_after_its_revocation_is_reported(two, clock, tmp_path):
    import json

    from bwc_desk.domain.signing import anchor_message
    from bwc_desk.services import anchors

    desk1, desk2 = two
    anchor = anchors.anchor_now(desk2, tmp_path)
    assert anchor.signed and anchors.check_anchors(desk1.db, tmp_path) == []
    key_revocation.revoke_key(desk1, "DESK-2", "station PC stolen")
    assert not anchors.anchor_now(desk2, tmp_path / "later").signed  # signs no more
    # The thief signs an anchor with the stolen key after the revocation.
    clock.advance(minutes=1)
    entry = json.loads(anchor.line)
    entry["at"] = format_ts(desk1.now())
    key = keystore.load("DESK-2")
    assert key is not None
    heads = [(c, *entry[c]) for c in ("custody", "audit", "identity")]
    entry["signature"] = sign(key, anchor_message(entry["database_id"], entry["at"], "DESK-2",
                                                  entry["key_id"], heads))
    with anchor.path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")
    problems = anchors.check_anchors(desk1.db, tmp_path)
    assert len(problems) == 1 and "is not trusted" in problems[0], problems


def test_keys_revoke_list_show_and_new_on_the_command_line(two, capsys, monkeypatch):
    import io

    from bwc_desk.__main__ import main
    from tests.conftest import PASSWORD
    from tests.test_ledger_tamper import database_arg

    desk1, _desk2 = two
    path = database_arg(desk1)

    def as_admin(*args: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        return main([*args, "--database", path, "--as", "admin", "--password-stdin"])

    monkeypatch.setattr("bwc_desk.cli.signer.station_name", lambda _args: "DESK-2")
    assert main(["keys", "revoke", "--database", path, "--station", "DESK-1",
                 "--reason", "stolen"]) == 1  # who revokes?
    assert "--as USERNAME" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # the reason is required
        as_admin("keys", "revoke", "--station", "DESK-1")
    assert "--reason" in capsys.readouterr().err
    assert as_admin("keys", "revoke", "--station", "DESK-1", "--reason",
                    "PC stolen from the front desk") == 0
    out = capsys.readouterr().out
    assert "revoked the key of DESK-1" in out and "PC stolen from the front desk" in out
    assert main(["keys", "list", "--database", path]) == 0
    rows = {line.split("\t")[0]: line for line in capsys.readouterr().out.splitlines()}
    assert rows["DESK-1"].endswith("by admin: PC stolen from the front desk")
    assert "\trevoked at " in rows["DESK-1"] and rows["DESK-2"].endswith("\tactive")
    # The last active key is refused, in words.
    assert as_admin("keys", "revoke", "--station", "DESK-2", "--reason", "x") == 1
    assert "last active station key" in capsys.readouterr().err
    # At DESK-1 (its key revoked): show says so and what to do; keys new makes a new one.
    monkeypatch.setattr("bwc_desk.cli.signer.station_name", lambda _args: "DESK-1")
    assert main(["keys", "show", "--database", path]) == 0
    out = capsys.readouterr().out
    assert "REVOKED" in out and "bwc-desk keys new --as ADMIN" in out
    assert as_admin("keys", "new") == 0
    out = capsys.readouterr().out
    public = next(line.split()[-1] for line in out.splitlines()
                  if line.startswith("public key:"))
    assert "keys register --station DESK-1" in out
    monkeypatch.setattr("bwc_desk.cli.signer.station_name", lambda _args: "DESK-2")
    assert as_admin("keys", "register", "--station", "DESK-1", "--public-key", public) == 0
    assert main(["verify", "--database", path]) == 0


@pytest.mark.sqlite_only
def test_the_revoke_key_dialog_of_verify_records(qtbot, two):
    from PySide6.QtCore import Qt

    from bwc_desk.ui.dialogs.revoke_key_dialog import RevokeKeyDialog
    from bwc_desk.ui.dialogs.verify_dialog import VerifyDialog
    from bwc_desk.ui.state import AppState

    desk1, _desk2 = two
    state = AppState(desk1)
    verify_dialog = VerifyDialog(state)
    qtbot.addWidget(verify_dialog)
    qtbot.waitUntil(lambda: bool(verify_dialog.keys_text), timeout=10_000)
    assert "DESK-2" in verify_dialog.keys_text and "; active" in verify_dialog.keys_text
    assert verify_dialog.revoke_button.isEnabled()
    qtbot.mouseClick(verify_dialog.revoke_button, Qt.MouseButton.LeftButton)
    dialog = verify_dialog.revoke_dialog
    assert isinstance(dialog, RevokeKeyDialog)
    qtbot.waitUntil(lambda: dialog.key_box.count() == 2, timeout=10_000)
    assert [dialog.key_box.itemData(i)[0] for i in range(2)] == ["DESK-1", "DESK-2"]

    def ok_says(words: str) -> None:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: words in dialog.error_label.text(), timeout=10_000)

    ok_says("Choose the key")
    dialog.key_box.setCurrentIndex(1)
    ok_says("Tick the box to confirm")
    dialog.confirm_box.setChecked(True)
    ok_says("Give the reason")  # the service's words, in the dialog
    assert _revocations(desk1) == 0 and dialog.isVisible()
    qtbot.keyClicks(dialog.reason_edit, "station PC stolen")
    with qtbot.waitSignal(dialog.written, timeout=10_000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert _revocations(desk1) == 1
    assert "Revoked the key of DESK-2" in verify_dialog.text.toPlainText()
    qtbot.waitUntil(lambda: "by admin: station PC stolen" in verify_dialog.keys_text,
                    timeout=10_000)
    # The last active key: refused in words, inside the dialog.
    qtbot.mouseClick(verify_dialog.revoke_button, Qt.MouseButton.LeftButton)
    again = verify_dialog.revoke_dialog
    assert isinstance(again, RevokeKeyDialog) and again is not dialog
    qtbot.waitUntil(lambda: again.key_box.count() == 1, timeout=10_000)
    again.key_box.setCurrentIndex(0)
    again.confirm_box.setChecked(True)
    qtbot.keyClicks(again.reason_edit, "rebuilt")
    qtbot.mouseClick(again.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "last active station key" in again.error_label.text(),
                    timeout=10_000)
    assert _revocations(desk1) == 1
    again.reject()
    state.runner.shutdown()


@pytest.mark.sqlite_only
def test_only_an_administrator_may_revoke_from_verify_records(qtbot, two):
    from bwc_desk.domain.roles import Role
    from bwc_desk.ui.dialogs.verify_dialog import VerifyDialog
    from bwc_desk.ui.state import AppState
    from tests.conftest import make_actor

    desk1, _desk2 = two
    state = AppState(make_actor(desk1, Role.AUDITOR, "audrey"))
    dialog = VerifyDialog(state)
    qtbot.addWidget(dialog)
    assert not dialog.revoke_button.isEnabled()
    assert dialog.revoke_button.toolTip() == "Only admin may do this."
    qtbot.waitUntil(lambda: bool(dialog.keys_text), timeout=10_000)
    state.runner.shutdown()


def test_an_evidence_export_is_not_linked_to_a_checkpoint_of_a_revoked_key(two, clock, tmp_path):
    from bwc_desk.services.evidence import EvidenceRequest, export_evidence

    desk1, _desk2 = two
    key_revocation.revoke_key(desk1, "DESK-2", "station PC stolen")
    clock.advance(minutes=1)
    inventory.add_unit(desk1, UnitInput("HPD-8", "S-8"))
    clock.advance(minutes=1)
    _forge_checkpoint(desk1, "DESK-2", desk1.now())  # the only one after HPD-8's record
    import json

    done = export_evidence(desk1, EvidenceRequest(unit_tag="HPD-8"), tmp_path / "ex")
    linked = json.loads((tmp_path / "ex" / "checkpoint.json").read_text(encoding="utf-8"))
    assert done.anchored and linked["station"] == "DESK-1", linked
    assert done.manifest_signed
    # DESK-2's own export: its revoked key signs no manifest.
    _desk1, desk2 = two
    by_desk2 = export_evidence(desk2, EvidenceRequest(unit_tag="HPD-8"), tmp_path / "ex2")
    assert not by_desk2.manifest_signed and by_desk2.fingerprint is None


def test_a_key_added_by_hand_does_not_count_as_one_to_choose_from(two):
    from bwc_desk.domain.signing import key_id, new_private_key

    desk1, _desk2 = two
    forged = public_hex(new_private_key())
    with desk1.db.write() as s:
        s.execute(text("INSERT INTO station_keys (station, public_key, key_id, registered_at, "
                       "registered_by) VALUES ('DESK-2', :p, :k, :at, 'mallory')"),
                  {"p": forged, "k": key_id(forged), "at": desk1.now()})
    revoked = key_revocation.revoke_key(desk1, "DESK-2", "stolen")  # the one that verifies
    assert revoked.key_id == _kid("DESK-2")
    with pytest.raises(DomainError, match="does not verify"):
        key_revocation.revoke_key(desk1, "DESK-2", "stolen", key_id(forged))

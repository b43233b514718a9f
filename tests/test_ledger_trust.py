"""What someone who can write the database does after the hash chains: truncate them and fix
`chain_heads`, empty them, recompute every hash, rewrite the officer and camera tables.
Signed checkpoints, the identity chain and anchors kept outside name each of these."""

from __future__ import annotations

import json

import pytest

from bwc_desk.__main__ import main
from bwc_desk.domain.ledger import GENESIS, Tamper, custody_payload, record_hash
from bwc_desk.domain.signing import public_hex
from bwc_desk.services import anchors, counter, inventory, officers, signing, verify
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store import keystore
from bwc_desk.store.ledger import ts_text
from bwc_desk.store.ledger_sql import drop_append_only_ddl
from tests.conftest import PASSWORD
from tests.test_ledger_tamper import database_arg, raw_connection

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)

GUARDED = ("custody_events", "audit_log", "identity_events", "ledger_checkpoints",
           "station_keys")


@pytest.fixture
def history(admin_ctx, clock):
    """Two officers, four cameras, 32 issues and returns over days (so checkpoints are
    signed along the way), a few audit records."""
    smith = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    officers.add_officer(admin_ctx, OfficerInput("1529", "Jones", "Mary"))
    for i in range(1, 5):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-{i}", f"S-{i}"))
    for _ in range(4):
        for i in range(1, 5):
            counter.issue_unit(admin_ctx, smith.id, f"HPD-{i}", function_test=FunctionTest())
            clock.advance(hours=8)
            counter.return_unit(admin_ctx, f"HPD-{i}")
            clock.advance(minutes=5)
    result = verify.check_database(admin_ctx.db)
    assert result.ok, result.lines()
    assert result.checkpoints >= 3
    return admin_ctx


def tamper(ctx, *statements: str, params: list[tuple[str, tuple]] = ()) -> None:  # type: ignore[assignment]
    ctx.db.dispose()
    raw = raw_connection(ctx)
    try:
        dialect = "sqlite" if ctx.db.is_sqlite else "postgresql"
        for table in GUARDED:
            for drop in drop_append_only_ddl(dialect, table):
                raw.execute(drop)
        for statement in statements:
            raw.execute(statement)
        for statement, values in params:
            raw.execute(statement, values)
        raw.commit()
    finally:
        raw.close()
        ctx.db.dispose()


def custody(ctx):
    result = verify.check_database(ctx.db)
    assert result.custody.problem is not None, result.lines()
    return result.custody.problem


def head(ctx) -> int:
    return verify.chain_heads(ctx).custody_seq


def test_truncated_newest_records_with_chain_heads_fixed_are_named(history):
    last = head(history)
    keep = last - 3
    tamper(history,
           f"DELETE FROM custody_events WHERE seq > {keep}",
           f"UPDATE chain_heads SET seq = {keep}, hash = (SELECT hash FROM custody_events "
           f"WHERE seq = {keep}) WHERE chain = 'custody'")
    p = custody(history)
    assert p.tamper is Tamper.TRUNCATED
    assert f"records #{keep + 1} to #{last} were deleted" in p.message


def test_truncated_newest_records_with_chain_heads_deleted_are_named(history):
    keep = head(history) - 2
    tamper(history, f"DELETE FROM custody_events WHERE seq > {keep}",
           "DELETE FROM chain_heads")
    assert custody(history).tamper is Tamper.TRUNCATED


def test_an_emptied_ledger_is_not_ok_zero_records(history, capsys):
    tamper(history, "DELETE FROM custody_events", "DELETE FROM chain_heads")
    p = custody(history)
    assert p.tamper is Tamper.EMPTIED and "every record was deleted" in p.message
    assert main(["verify", "--database", database_arg(history)]) == 1
    out = capsys.readouterr().out
    assert "OK, 0 records" not in out and "every record was deleted" in out


def test_an_emptied_ledger_without_its_checkpoints_is_named_too(history):
    tamper(history, "DELETE FROM custody_events", "DELETE FROM chain_heads",
           "DELETE FROM ledger_checkpoints")
    result = verify.check_database(history.db)
    assert result.custody.problem is not None
    assert result.custody.problem.tamper is Tamper.UNSIGNED


def _recompute_all(ctx, edit_seq: int) -> None:
    """Edit one record and recompute every hash after it, as someone without the station's
    private key would: the checkpoints cannot be re-signed."""
    ctx.db.dispose()
    raw = raw_connection(ctx)
    dialect = "sqlite" if ctx.db.is_sqlite else "postgresql"
    for table in GUARDED:
        for drop in drop_append_only_ddl(dialect, table):
            raw.execute(drop)
    mark = "?" if ctx.db.is_sqlite else "%s"
    rows = raw.execute("SELECT seq, at, kind, unit_id, officer_id, staff_id, staff_username, "
                       "station, reason, details, corrects_seq FROM custody_events "
                       "ORDER BY seq").fetchall()
    prev = GENESIS
    for seq, at, kind, unit, officer, staff, user, station, reason, details, corr in rows:
        user = "mallory" if seq == edit_seq else user
        digest = record_hash(prev, custody_payload(
            seq, ts_text(at, ctx.db.is_sqlite), kind, unit, officer, staff, user, station,
            reason, details, corr))
        raw.execute(f"UPDATE custody_events SET staff_username = {mark}, prev_hash = {mark}, "
                    f"hash = {mark} WHERE seq = {mark}", (user, prev, digest, seq))
        prev = digest
    raw.execute(f"UPDATE chain_heads SET hash = {mark} WHERE chain = 'custody'", (prev,))
    raw.commit()
    raw.close()
    ctx.db.dispose()


def test_every_hash_recomputed_after_an_edit_is_named_rewritten(history):
    _recompute_all(history, 3)
    p = custody(history)
    assert p.tamper is Tamper.REWRITTEN
    assert "was rewritten (hashes recomputed)" in p.message and "DESK-1" in p.message


def test_recomputed_chain_resigned_with_a_key_of_ones_own_is_named_forged(history):
    """The attacker adds their own key to station_keys and signs fresh checkpoints."""
    from bwc_desk.domain.ledger import format_ts
    from bwc_desk.domain.signing import checkpoint_message, key_id, new_private_key, sign
    from bwc_desk.store.checkpoints import database_id

    _recompute_all(history, 3)
    with history.db.read() as session:
        dbid = database_id(session)
    mallory = new_private_key()
    pub = public_hex(mallory)
    kid = key_id(pub)
    seq = head(history)
    digest = verify.chain_heads(history).custody_hash
    at = history.now()
    signature = sign(mallory, checkpoint_message(dbid, "custody", seq, digest, format_ts(at),
                                                 "DESK-1", kid))
    mark = "?" if history.db.is_sqlite else "%s"
    when = at.strftime("%Y-%m-%d %H:%M:%S.%f")
    tamper(history, "DELETE FROM ledger_checkpoints WHERE chain = 'custody'", params=[
        (f"INSERT INTO station_keys (station, public_key, key_id, registered_at, "
         f"registered_by) VALUES ({mark}, {mark}, {mark}, {mark}, {mark})",
         ("DESK-1", pub, kid, when, "admin")),
        (f"INSERT INTO ledger_checkpoints (chain, seq, head_hash, at, station, key_id, "
         f"signature) VALUES ('custody', {mark}, {mark}, {mark}, 'DESK-1', {mark}, {mark})",
         (seq, digest, when, kid, signature)),
    ])
    result = verify.check_database(history.db)
    assert not result.ok
    assert any("without the endorsement" in f for f in result.findings), result.lines()
    assert result.custody.problem is not None
    assert result.custody.problem.tamper is Tamper.FORGED


def test_swapped_officer_badges_are_named(history):
    tamper(history,
           "UPDATE officers SET badge = 'tmp' WHERE badge = '0412'",
           "UPDATE officers SET badge = '0412' WHERE badge = '1529'",
           "UPDATE officers SET badge = '1529' WHERE badge = 'tmp'")
    result = verify.check_database(history.db)
    assert not result.ok
    smith = next(o for o in officers.list_officers(history) if o.badge == "1529")
    assert (f"officer {smith.id}: badge '1529' in the table, '0412' in the ledger"
            in result.findings), result.findings


def test_swapped_officer_names_are_named(history):
    tamper(history,
           "UPDATE officers SET last_name = CASE last_name WHEN 'Smith' THEN 'Jones' "
           "ELSE 'Smith' END")
    result = verify.check_database(history.db)
    assert any("last name 'Jones' in the table, 'Smith' in the ledger" in f
               for f in result.findings), result.findings


def test_a_renamed_camera_tag_is_named(history, capsys):
    tamper(history, "UPDATE units SET asset_tag = 'HPD-99' WHERE asset_tag = 'HPD-2'")
    result = verify.check_database(history.db)
    assert any("asset tag 'HPD-99' in the table, 'HPD-2' in the ledger" in f
               for f in result.findings), result.findings
    assert main(["verify", "--database", database_arg(history)]) == 1
    assert "HPD-99" in capsys.readouterr().out


def test_changes_made_through_the_app_are_chained_and_verify(history):
    smith = next(o for o in officers.list_officers(history) if o.badge == "0412")
    officers.edit_officer(history, smith.id, OfficerInput("0413", "Smith", "Jon"), "typo")
    officers.deactivate_officer(history, smith.id, "left the agency", release_primary=True)
    unit = next(u for u in inventory.list_units(history) if u.asset_tag == "HPD-1")
    inventory.edit_unit(history, unit.id, UnitInput("HPD-101", "S-1", model="Axon 4"))
    result = verify.check_database(history.db)
    assert result.ok, result.lines()
    assert result.identity is not None and result.identity.count >= 2 + 4 + 3


def test_officers_imported_in_bulk_are_chained_and_verify(history, tmp_path):
    """The import writes officers with one statement for all; their identities are chained
    all the same, and an update that changes only a rank adds no identity record."""
    from bwc_desk.services import imports

    csv = tmp_path / "officers.csv"
    csv.write_text("badge,last_name,first_name,rank\n"
                   + "".join(f"{7000 + i},Imported{i},Pat,Officer\n" for i in range(250)),
                   encoding="utf-8")
    imports.import_officers(history, csv)
    result = verify.check_database(history.db)
    assert result.ok, [*result.lines(), *result.findings]
    before = result.identity.count
    csv.write_text("badge,last_name,first_name,rank\n7000,Renamed,Pat,Officer\n"
                   "7001,Imported1,Pat,Sergeant\n", encoding="utf-8")
    imports.import_officers(history, csv)
    result = verify.check_database(history.db)
    assert result.ok, [*result.lines(), *result.findings]
    assert result.identity.count == before + 1  # the rename; the new rank is not identity


def test_expect_audit_catches_a_rewritten_audit_log(history, capsys):
    heads = verify.chain_heads(history)
    path = database_arg(history)
    expect = f"{heads.audit_seq}:{heads.audit_hash}"
    assert main(["verify", "--database", path, "--expect-audit", expect]) == 0
    assert main(["verify", "--database", path, "--expect-audit",
                 f"{heads.audit_seq}:{'0' * 64}"]) == 1
    assert "rewritten" in capsys.readouterr().out
    tamper(history, f"DELETE FROM audit_log WHERE seq >= {heads.audit_seq}",
           "DELETE FROM chain_heads WHERE chain = 'audit'")
    assert main(["verify", "--database", path, "--expect-audit", expect]) == 1
    assert main(["verify", "--database", path, "--expect-audit", "12"]) == 1


def test_anchors_catch_truncation_and_rewrites(history, tmp_path, capsys):
    folder = tmp_path / "anchors"
    anchor = anchors.anchor_now(history, folder)
    assert anchor.signed and anchor.path.parent == folder
    entry = json.loads(anchor.path.read_text().splitlines()[-1])
    assert entry["custody"][0] == head(history) and entry["signature"]
    path = database_arg(history)
    assert main(["verify", "--database", path, "--anchors", str(folder)]) == 0
    capsys.readouterr()
    keep = head(history) - 1
    tamper(history, f"DELETE FROM custody_events WHERE seq > {keep}",
           f"UPDATE chain_heads SET seq = {keep}, hash = (SELECT hash FROM custody_events "
           f"WHERE seq = {keep}) WHERE chain = 'custody'",
           "DELETE FROM ledger_checkpoints")
    assert main(["verify", "--database", path, "--anchors", str(anchor.path)]) == 1
    assert "records were deleted from its end" in capsys.readouterr().out


def test_without_an_agency_anchor_folder_the_stations_backup_folder_takes_the_anchors(
        history, tmp_path, monkeypatch):
    """IT's station.json names the folder for backups and ledger anchors."""
    machine = tmp_path / "machine.json"
    machine.write_text(json.dumps({"backup_folder": str(tmp_path / "share")}), "utf-8")
    monkeypatch.setenv("BWC_DESK_MACHINE_CONFIG", str(machine))
    anchor = anchors.anchor_now(history)
    assert anchor.path.parent == tmp_path / "share" / "anchors"


def test_an_anchor_line_altered_is_refused(history, tmp_path):
    anchor = anchors.anchor_now(history, tmp_path)
    entry = json.loads(anchor.path.read_text())
    entry["custody"][0] -= 1
    anchor.path.write_text(json.dumps(entry) + "\n")
    findings = anchors.check_anchors(history.db, anchor.path)
    assert findings and "signature does not verify" in findings[0]


def test_anchor_needs_a_folder(history):
    from bwc_desk.domain.errors import DomainError

    with pytest.raises(DomainError, match="No anchor folder"):
        anchors.anchor_now(history)


def test_the_first_station_is_the_trust_root_and_signs(history):
    keys = signing.list_keys(history)
    assert [(k.station, k.root) for k in keys] == [("DESK-1", True)]
    mine = signing.this_station_key(history)
    assert mine is not None and mine.registered and mine.fingerprint == keys[0].fingerprint
    assert keystore.key_file("DESK-1").stat().st_mode & 0o077 == 0


def test_another_station_is_registered_by_the_trusted_one_and_its_checkpoints_verify(
        history, clock):
    other_key = keystore.load_or_create("DESK-2")
    signing.register_key(history, "DESK-2", public_hex(other_key))
    desk2 = history.__class__(history.db, "DESK-2", history.actor, history.clock, history.zone)
    unit = inventory.add_unit(desk2, UnitInput("HPD-50", "S-50"))
    clock.advance(hours=1)
    inventory.edit_unit(desk2, unit.id, UnitInput("HPD-51", "S-50"))
    result = verify.check_database(history.db)
    assert result.ok, result.lines()
    with history.db.read() as session:
        from sqlalchemy import text

        stations = {r[0] for r in session.execute(text("SELECT station FROM ledger_checkpoints"))}
    assert stations == {"DESK-1", "DESK-2"}


def test_a_station_without_a_registered_key_cannot_vouch_for_another(history):
    from bwc_desk.domain.errors import DomainError

    desk3 = history.__class__(history.db, "DESK-3", history.actor, history.clock, history.zone)
    with pytest.raises(DomainError, match="cannot vouch"):
        signing.register_key(desk3, "DESK-4", public_hex(keystore.load_or_create("DESK-4")))


def test_only_an_admin_registers_keys(history, qm_ctx):
    from bwc_desk.domain.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        signing.register_key(qm_ctx, "DESK-2", public_hex(keystore.load_or_create("DESK-2")))


def test_keys_commands(history, capsys, monkeypatch):
    import io

    path = database_arg(history)
    monkeypatch.setattr("bwc_desk.cli.signer.station_name", lambda _args: "DESK-9")
    assert main(["keys", "show", "--database", path]) == 0
    out = capsys.readouterr().out
    assert "NOT registered" in out
    public = next(line.split()[-1] for line in out.splitlines()
                  if line.startswith("public key:"))
    # DESK-9 cannot vouch for itself: it is registered from the trusted station.
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["keys", "register", "--database", path, "--as", "admin",
                 "--password-stdin"]) == 1
    monkeypatch.setattr("bwc_desk.cli.signer.station_name", lambda _args: "DESK-1")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["keys", "register", "--database", path, "--station", "DESK-9",
                 "--public-key", public, "--as", "admin", "--password-stdin"]) == 0
    assert main(["keys", "list", "--database", path]) == 0
    out = capsys.readouterr().out
    assert "DESK-9" in out and "endorsed" in out and "root" in out
    assert main(["verify", "--database", path]) == 0


def test_anchor_command(history, tmp_path, capsys, monkeypatch):
    import io

    path = database_arg(history)
    assert main(["anchor", str(tmp_path), "--database", path]) == 1  # who anchors?
    assert "--as USERNAME" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["anchor", str(tmp_path), "--database", path, "--as", "admin",
                 "--password-stdin"]) == 0
    assert "anchored custody" in capsys.readouterr().out
    assert main(["verify", "--database", path, "--anchors", str(tmp_path)]) == 0


@pytest.mark.sqlite_only
def test_verify_dialog_shows_the_station_key_and_anchors(qtbot, history, tmp_path):
    from PySide6.QtCore import Qt

    from bwc_desk.services.settings import change_settings
    from bwc_desk.ui.dialogs.verify_dialog import VerifyDialog
    from bwc_desk.ui.state import AppState

    change_settings(history, {"anchor_folder": str(tmp_path / "anchors")})
    state = AppState(history)
    dialog = VerifyDialog(state)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.keys_text), timeout=10_000)
    fingerprint = signing.list_keys(history)[0].fingerprint
    assert f"This station (DESK-1): {fingerprint} (registered" in dialog.text.toPlainText()
    assert "trust root" in dialog.keys_text
    qtbot.mouseClick(dialog.anchor_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Anchored to" in dialog.text.toPlainText(), timeout=10_000)
    assert list((tmp_path / "anchors").glob("*.jsonl"))
    state.runner.shutdown()


@pytest.mark.sqlite_only
def test_the_migration_records_every_identity_once_as_a_dated_baseline(tmp_path):
    from sqlalchemy import text

    from bwc_desk.services.startup import open_database
    from bwc_desk.store import migrate
    from bwc_desk.store.db import Database, sqlite_url

    path = tmp_path / "old.sqlite3"
    db = Database(sqlite_url(path))
    migrate.upgrade(db, "dbid")
    stamp = "'2025-01-01 00:00:00.000000'"
    with db.write() as s:
        s.execute(text("INSERT INTO officers (badge, last_name, first_name, rank, division, "
                       "shift, active, scan_code, created_at, updated_at) VALUES ('0412', "
                       f"'Smith', 'John', '', '', '', 1, 'ID0412', {stamp}, {stamp})"))
        s.execute(text("INSERT INTO units (asset_tag, serial, model, firmware, status, notes,"
                       " repair_vendor, repair_ticket, status_reason, created_at, updated_at)"
                       " VALUES ('HPD-1', 'S-1', 'Axon Body 3', '1.0', 'available', '', '', "
                       f"'', '', {stamp}, {stamp})"))
    db.dispose()
    opened = open_database(sqlite_url(path))
    try:
        result = verify.check_database(opened.db)
        assert result.ok, result.lines()
        assert result.identity is not None and result.identity.count == 2
        with opened.db.read() as s:
            kinds = s.execute(text("SELECT kind, entity, fields FROM identity_events "
                                   "ORDER BY seq")).all()
        assert [(k, e) for k, e, _f in kinds] == [("baseline", "officer"), ("baseline", "unit")]
        assert json.loads(kinds[0][2])["badge"] == "0412"
    finally:
        opened.db.dispose()
    # After the baseline, a change behind the app's back is named like any other.
    raw = __import__("sqlite3").connect(path)
    raw.execute("UPDATE units SET serial = 'S-9'")
    raw.commit()
    raw.close()
    opened = open_database(sqlite_url(path))
    try:
        findings = verify.check_database(opened.db).findings
    finally:
        opened.db.dispose()
    assert findings == ("unit 1: serial 'S-9' in the table, 'S-1' in the ledger",)


def test_the_daily_anchor_is_written_once_a_day(history, clock, tmp_path, qm_ctx):
    from bwc_desk.services.settings import change_settings

    assert anchors.anchor_if_due(qm_ctx) is None  # no folder chosen: nothing to do
    change_settings(history, {"anchor_folder": str(tmp_path)})
    first = anchors.anchor_if_due(qm_ctx)  # any signed-in role: the app does it
    assert first is not None and first.signed
    clock.advance(hours=23)
    assert anchors.anchor_if_due(qm_ctx) is None
    clock.advance(hours=2)
    assert anchors.anchor_if_due(qm_ctx) is not None
    assert len(first.path.read_text().splitlines()) == 2
    assert anchors.check_anchors(history.db, tmp_path) == []


def test_a_checkpoint_every_hundred_records_without_waiting_ten_minutes(admin_ctx):
    from sqlalchemy import func, select

    from bwc_desk.store.ledger import append_audit
    from bwc_desk.store.models import LedgerCheckpoint

    def count() -> int:
        with admin_ctx.db.read() as s:
            return int(s.execute(select(func.count()).select_from(LedgerCheckpoint)
                                 .where(LedgerCheckpoint.chain == "audit")).scalar_one())

    before = count()
    with admin_ctx.db.write() as s:
        for _ in range(250):  # the same instant: only the count can make checkpoints
            append_audit(s, at=admin_ctx.now(), event="test", outcome="ok", staff_id=None,
                         staff_username="admin", station="DESK-1")
    assert count() - before == 2
    assert verify.check_database(admin_ctx.db).ok


def test_a_station_without_a_key_appends_without_signing(admin_ctx):
    other = admin_ctx.__class__(admin_ctx.db, "DESK-7", admin_ctx.actor, admin_ctx.clock,
                                admin_ctx.zone)
    inventory.add_unit(other, UnitInput("HPD-7", "S-7"))
    result = verify.check_database(admin_ctx.db)
    assert result.ok, result.lines()


def test_keys_deleted_with_their_checkpoints_are_named_by_the_audit_log(history):
    tamper(history, "DELETE FROM custody_events", "DELETE FROM chain_heads WHERE "
           "chain = 'custody'", "DELETE FROM ledger_checkpoints", "DELETE FROM station_keys")
    result = verify.check_database(history.db)
    assert not result.ok
    assert any("is gone from the key registry" in f for f in result.findings), result.lines()


@pytest.mark.sqlite_only
def test_the_demo_agency_is_signed_and_its_identities_chained(demo_db):
    from tests.conftest import demo_ctx

    ctx = demo_ctx(demo_db, "admin")
    result = verify.check_database(demo_db)
    assert result.ok, result.lines()
    assert result.checkpoints >= 3
    keys = signing.list_keys(ctx)
    assert [(k.station, k.root) for k in keys] == [("EVIDENCE-DESK-1", True)]
    assert result.identity is not None
    assert result.identity.count >= len(inventory.list_units(ctx)) + len(
        officers.list_officers(ctx))


@pytest.mark.sqlite_only
def test_the_private_key_goes_to_the_system_keyring_when_there_is_one(monkeypatch, tmp_path):
    import uuid

    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            self.items: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.items.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.items[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.items.pop((service, username), None)

    memory = Memory()
    previous = keyring.get_keyring()
    monkeypatch.delenv("BWC_DESK_HOME")
    monkeypatch.setattr("bwc_desk.store.keystore.config_dir", lambda: tmp_path / "config")
    keyring.set_keyring(memory)
    try:
        station = f"KEYRING-{uuid.uuid4().hex[:8]}"
        key = keystore.load_or_create(station)
        assert (keystore.SERVICE, station) in memory.items
        assert not keystore.key_file(station).exists()  # never in a file then
        assert public_hex(keystore.load(station)) == public_hex(key)
        assert keystore.where(station) == "the system keyring"
    finally:
        keyring.set_keyring(previous)


@pytest.mark.sqlite_only
def test_first_run_with_a_config_folder_it_cannot_write_still_sets_up(db, clock, monkeypatch):
    from bwc_desk.services import auth
    from bwc_desk.services.context import Ctx

    def refuse(_station: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("bwc_desk.store.keystore.load_or_create", refuse)
    actor = auth.first_run(db, agency_name="Test PD", station="DESK-1", username="admin",
                           password=PASSWORD, clock=clock)
    ctx = Ctx(db, "DESK-1", actor, clock)
    assert signing.list_keys(ctx) == []
    assert verify.check_database(db).ok

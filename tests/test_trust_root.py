"""The agency's trust root, set by whoever set up the agency (the database owner), never by
whichever station connects first; a key of a PC the agency no longer has (a stolen trust
root) revoked from another station once the owner has made that station a trust root; and
verify never saying a plain OK while no station key signs anything."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from bwc_desk.domain.errors import DomainError, PermissionDenied, ValidationError
from bwc_desk.domain.ledger import Tamper, format_ts
from bwc_desk.domain.signing import checkpoint_message, key_id, public_hex, sign
from bwc_desk.services import (
    audit,
    inventory,
    key_revocation,
    signing,
    staff_cli,
    trust_root,
    verify,
)
from bwc_desk.services.context import Ctx
from bwc_desk.services.inventory import UnitInput
from bwc_desk.store import keystore
from bwc_desk.store.checkpoints import database_id
from bwc_desk.store.db import Database
from bwc_desk.store.models import LedgerCheckpoint, StationKey
from tests.conftest import PASSWORD

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)

ZONE = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def agency(db: Database, clock) -> Ctx:  # type: ignore[no-untyped-def]
    """An agency set up as docs/deploy-multi-station.md says: the schema, then its first
    administrator from the command line (no first-run screen, so no key yet). ``chief``
    signed in on the set-up PC, with the owner's connection."""
    setup = Ctx(db, "SETUP-PC", None, clock, ZONE)
    staff_cli.add_first_admin(setup, "chief", PASSWORD, os_user="itdesk")
    return staff_cli.signed_in_admin(setup, "chief", PASSWORD, os_user="itdesk")


@pytest.fixture
def station_db(db: Database, backend: str) -> Iterator[Database]:
    """What the stations connect with: on PostgreSQL the stations' role (grant-app-role), on
    SQLite the same file."""
    if backend != "postgresql":
        yield db
        return
    from bwc_desk.store.pg_roles import grant_app_role

    with db.engine.begin() as conn:
        conn.execute(text("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
                          "'bwc_station') THEN CREATE ROLE bwc_station LOGIN; END IF; END $$"))
    grant_app_role(db, "bwc_station")
    opened = Database(db.url.set(username="bwc_station").render_as_string(hide_password=False))
    yield opened
    opened.dispose()


def at(ctx: Ctx, station: str, db: Database | None = None) -> Ctx:
    return Ctx(db or ctx.db, station, ctx.actor, ctx.clock, ctx.zone)


def init_root(ctx: Ctx, station: str, reason: str = "") -> signing.KeyRow:
    return trust_root.init_root(at(ctx, station), station, reason, os_user="itdesk",
                                host="EVID-PC-07")


def _kid(station: str) -> str:
    key = keystore.load(station)
    assert key is not None
    return key_id(public_hex(key))


def test_without_a_registered_key_verify_warns_and_says_how_to_set_the_root(agency):
    result = verify.check_database(agency.db)
    assert result.ok, result.lines()  # every record matches: nothing failed
    headline, *rest = result.verdict()
    assert not headline.startswith("OK"), headline
    assert headline.startswith("WARNING:")
    assert "no station key is registered" in headline
    assert "bwc-desk keys init-root --station" in headline
    shown = "\n".join(rest)
    assert "rest on this database alone" in shown


def test_the_owner_registers_the_first_station_key_as_the_trust_root(agency, clock):
    clock.advance(minutes=2)
    row = init_root(agency, "EVIDENCE-DESK-A")
    assert row.root and row.station == "EVIDENCE-DESK-A"
    assert row.fingerprint == signing.list_keys(agency)[0].fingerprint
    with agency.db.read() as s:
        chains = set(s.execute(select(LedgerCheckpoint.chain).where(
            LedgerCheckpoint.station == "EVIDENCE-DESK-A")).scalars())
    assert chains == {"custody", "audit", "identity"}  # every head signed at once
    result = verify.check_database(agency.db)
    assert result.ok and result.verdict()[0].startswith("OK:"), result.verdict()
    [record] = audit.list_audit(agency, event="station key registered")
    assert record.staff_username == "chief" and record.station == "EVIDENCE-DESK-A"
    assert record.details["root"] is True and record.details["how"] == "owner"
    assert record.details["os_user"] == "itdesk" and record.details["host"] == "EVID-PC-07"
    assert record.details["proof"]


def test_the_trust_root_is_set_on_the_station_named_and_only_once(agency):
    with pytest.raises(ValidationError, match="EVIDENCE-DESK-B"):
        trust_root.init_root(at(agency, "EVIDENCE-DESK-A"), "EVIDENCE-DESK-B", "",
                             os_user="itdesk", host="h")
    init_root(agency, "EVIDENCE-DESK-A")
    with pytest.raises(DomainError, match="already registered"):
        init_root(agency, "EVIDENCE-DESK-A")
    # Another station, while the root is active and nothing is said: refused.
    with pytest.raises(DomainError, match="--reason"):
        init_root(agency, "EVIDENCE-DESK-B")


def test_only_an_administrator_sets_the_trust_root(agency):
    from bwc_desk.domain.roles import Role
    from tests.conftest import make_actor

    clerk = make_actor(agency, Role.QUARTERMASTER, "quinn")
    with pytest.raises(PermissionDenied):
        init_root(clerk, "EVIDENCE-DESK-A")


def test_a_station_connection_cannot_make_itself_the_trust_root(agency, station_db, backend):
    if backend != "postgresql":
        pytest.skip("on SQLite whoever can write the file is its owner")
    station = at(agency, "EVIDENCE-DESK-B", station_db)
    with pytest.raises(PermissionDenied, match="owner"):
        init_root(station, "EVIDENCE-DESK-B")
    # The first key registered at a station is not trusted on first use either.
    with pytest.raises(DomainError, match="keys init-root"):
        signing.register_key(station, "EVIDENCE-DESK-B")
    # Nor a root row written with the station's credentials by hand.
    public = public_hex(keystore.load_or_create("EVIDENCE-DESK-B"))
    with pytest.raises(DBAPIError, match="owner"), station_db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO station_keys (station, public_key, key_id, registered_at, "
            "registered_by) VALUES ('EVIDENCE-DESK-B', :pk, :kid, now(), 'mallory')"),
            {"pk": public, "kid": key_id(public)})
    assert signing.list_keys(agency) == []


def test_a_registered_station_revokes_the_stolen_trust_root(agency, station_db, clock):
    init_root(agency, "EVIDENCE-DESK-A")
    desk_a = at(agency, "EVIDENCE-DESK-A")
    signing.register_key(desk_a, "EVIDENCE-DESK-B",
                         public_hex(keystore.load_or_create("EVIDENCE-DESK-B")))
    clock.advance(minutes=5)
    desk_b = at(agency, "EVIDENCE-DESK-B", station_db)
    done = key_revocation.revoke_key(desk_b, "EVIDENCE-DESK-A", "station PC stolen")
    assert done.revocation.station == "EVIDENCE-DESK-B"
    result = verify.check_database(agency.db)
    assert result.ok and result.verdict()[0].startswith("OK:"), result.verdict()


def _forge(ctx: Ctx, station: str) -> None:
    """Whoever holds ``station``'s key signs the custody head now."""
    key = keystore.load(station)
    assert key is not None
    head = verify.chain_heads(ctx)
    when = ctx.now()
    with ctx.db.write() as s:
        dbid = database_id(s)
        s.add(LedgerCheckpoint(
            chain="custody", seq=head.custody_seq, head_hash=head.custody_hash, at=when,
            station=station, key_id=_kid(station),
            signature=sign(key, checkpoint_message(
                dbid, "custody", head.custody_seq, head.custody_hash, format_ts(when),
                station, _kid(station)))))


def test_the_only_key_stolen_the_owner_makes_another_station_a_root_which_revokes_it(
        agency, station_db, clock):
    init_root(agency, "EVIDENCE-DESK-A")
    inventory.add_unit(at(agency, "EVIDENCE-DESK-A"), UnitInput("HPD-1", "S-1"))
    clock.advance(minutes=3)
    desk_b = at(agency, "EVIDENCE-DESK-B", station_db)
    with pytest.raises(DomainError, match="has no registered key"):
        key_revocation.revoke_key(desk_b, "EVIDENCE-DESK-A", "station PC stolen")
    # The owner, at B, with the owner's connection: B's key becomes a trust root too.
    row = init_root(agency, "EVIDENCE-DESK-B", "EVIDENCE-DESK-A stolen")
    assert row.root
    [record] = [r for r in audit.list_audit(agency, event="station key registered")
                if r.details.get("reason")]
    assert record.details["reason"] == "EVIDENCE-DESK-A stolen"
    assert record.details["how"] == "owner" and record.station == "EVIDENCE-DESK-B"
    clock.advance(minutes=1)
    done = key_revocation.revoke_key(desk_b, "EVIDENCE-DESK-A", "station PC stolen")
    assert done.revocation.station == "EVIDENCE-DESK-B"
    states = {k.station: (k.root, k.state) for k in signing.list_keys(agency)}
    assert states["EVIDENCE-DESK-B"] == (True, "active")
    assert states["EVIDENCE-DESK-A"][1].startswith("revoked at")
    result = verify.check_database(agency.db)
    assert result.ok and result.verdict()[0].startswith("OK:"), result.verdict()
    # B works on and registers others; the thief's signature after the revocation is named.
    inventory.add_unit(desk_b, UnitInput("HPD-2", "S-2"))
    signing.register_key(desk_b, "EVIDENCE-DESK-C",
                         public_hex(keystore.load_or_create("EVIDENCE-DESK-C")))
    clock.advance(minutes=1)
    _forge(agency, "EVIDENCE-DESK-A")
    problem = verify.check_database(agency.db).custody.problem
    assert problem is not None and problem.tamper is Tamper.FORGED
    assert "is not trusted" in problem.message and "station PC stolen" in problem.message


def test_a_second_root_written_by_hand_is_still_not_trusted(agency):
    init_root(agency, "EVIDENCE-DESK-A")
    public = public_hex(keystore.load_or_create("EVIDENCE-DESK-X"))
    with agency.db.write() as s:  # the owner's connection, past BWC Desk
        s.add(StationKey(station="EVIDENCE-DESK-X", public_key=public, key_id=key_id(public),
                         registered_at=agency.now(), registered_by="mallory"))
    result = verify.check_database(agency.db)
    assert not result.ok
    assert any("EVIDENCE-DESK-X" in f and "without the endorsement" in f
               for f in result.findings), result.findings



def test_keys_init_root_and_verify_on_the_command_line(agency, capsys, monkeypatch):
    import io

    from bwc_desk.__main__ import main
    from tests.test_ledger_tamper import database_arg

    path = database_arg(agency)
    monkeypatch.setattr("bwc_desk.cli.signer.station_name", lambda _args: "EVIDENCE-DESK-A")
    assert main(["verify", "--database", path]) == 0  # nothing failed, but not an OK
    out = capsys.readouterr().out
    assert "\nWARNING: " in out and "\nOK: " not in out and "keys init-root" in out

    def as_chief(*args: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        return main([*args, "--database", path, "--as", "chief", "--password-stdin"])

    assert main(["keys", "show", "--database", path]) == 0  # says how to set the root
    assert "No station key is registered" in capsys.readouterr().out
    assert as_chief("keys", "init-root", "--station", "EVIDENCE-DESK-B") == 1
    assert "not EVIDENCE-DESK-B" in capsys.readouterr().err
    assert as_chief("keys", "init-root", "--station", "EVIDENCE-DESK-A") == 0
    out = capsys.readouterr().out
    assert "registered the key of EVIDENCE-DESK-A as a trust root" in out
    assert "keys register --station NAME" in out
    assert main(["verify", "--database", path]) == 0
    assert "\nOK: " in capsys.readouterr().out
    assert main(["keys", "list", "--database", path]) == 0
    assert "EVIDENCE-DESK-A\t" in capsys.readouterr().out

"""Station key revocations in the evidence export: the export ships the endorsed revocations
of the keys it ships (``revocations.json``), and both checkers (``bwc-desk verify-export``
and the standalone ``check_export.py``) verify them, fail a checkpoint or manifest signed by
a key after its revocation, and agree; what cannot be seen from the folder is shown too."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bwc_desk.domain.ledger import format_ts
from bwc_desk.domain.signing import fingerprint, key_id, public_hex, sign
from bwc_desk.services import evidence, inventory, key_revocation, signing, verify
from bwc_desk.services.evidence import EvidenceRequest, export_evidence
from bwc_desk.services.evidence_check import verify_export
from bwc_desk.services.inventory import UnitInput
from bwc_desk.store import keystore
from tests.test_evidence_export import _resign
from tests.test_key_revocation import _forge_checkpoint

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)

REVOCATIONS = "revocations.json"


def at_station(ctx, station: str):
    return ctx.__class__(ctx.db, station, ctx.actor, ctx.clock, ctx.zone)


def _kid(station: str) -> str:
    key = keystore.load(station)
    assert key is not None
    return key_id(public_hex(key))


@pytest.fixture
def revoked(admin_ctx, clock):
    """DESK-2 (its key registered at DESK-1) writes HPD-1's and HPD-2's records and signs the
    head after them; three minutes later DESK-1's admin revokes DESK-2's key."""
    signing.register_key(admin_ctx, "DESK-2", public_hex(keystore.load_or_create("DESK-2")))
    desk2 = at_station(admin_ctx, "DESK-2")
    inventory.add_unit(desk2, UnitInput("HPD-1", "S-1"))
    clock.advance(minutes=11)
    inventory.add_unit(desk2, UnitInput("HPD-2", "S-2"))  # DESK-2 signs the head here
    clock.advance(minutes=3)
    key_revocation.revoke_key(admin_ctx, "DESK-2", "station PC stolen")
    return admin_ctx


def _both(out: Path, script: bytes | None = None, tmp: Path | None = None):
    """verify_export's result, the script's exit status, its FAILED lines and its output
    (the script run from an untouched copy when ``script`` is given)."""
    path = out / "check_export.py"
    if script is not None:
        assert tmp is not None
        path = tmp / "check_export.py"
        path.write_bytes(script)
    done = subprocess.run([sys.executable, "-I", str(path), str(out)], capture_output=True,
                          text=True, check=False)
    failed = [line.removeprefix("FAILED: ") for line in done.stdout.splitlines()
              if line.startswith("FAILED: ")]
    return verify_export(out), done.returncode, failed, done.stdout + done.stderr


def _cp(out: Path) -> dict:
    return json.loads((out / "checkpoint.json").read_text())


def test_a_clean_export_ships_the_revocation_and_both_checkers_say_who_when_and_why(
        revoked, tmp_path):
    out = tmp_path / "ex"
    export_evidence(revoked, EvidenceRequest(unit_tag="HPD-1"), out)
    cp = _cp(out)
    assert cp["station"] == "DESK-2"  # signed before the revocation: it still counts
    data = json.loads((out / REVOCATIONS).read_text())
    assert data["database_id"] == cp["database_id"]
    [rev] = data["revocations"]
    assert (rev["key_id"], rev["station"], rev["revoked_by"], rev["reason"],
            rev["revoking_station"], rev["endorsed_by"]) == (
        _kid("DESK-2"), "DESK-2", "admin", "station PC stolen", "DESK-1", _kid("DESK-1"))
    assert rev["revoked_at"] == format_ts(revoked.now()) and len(rev["endorsement"]) == 128
    assert {h["chain"] for h in rev["heads"]} == {"custody", "audit", "identity"}
    assert {k["key_id"] for k in data["keys"]} == {_kid("DESK-1"), _kid("DESK-2")}
    check, code, failed, text = _both(out)
    assert check.ok and code == 0 and failed == [], (check.problems, text)
    when = rev["revoked_at"]
    for said in ("\n".join(check.notes), text):
        assert f"revoked at {when} by admin at DESK-1: station PC stolen" in said
        assert f"checkpoint #{cp['seq']} was signed at {cp['at']}, before its key was " \
               "revoked: it still counts" in said
        assert fingerprint(public_hex(keystore.load("DESK-2"))) in said
    readme = (out / "README.txt").read_text()
    assert REVOCATIONS in readme
    assert f"of DESK-2: revoked at {when} (UTC) by admin at DESK-1: station PC stolen" in readme
    assert "revocation was left out of it" in readme
    assert "revoked before it signed them" in (out / "certificate-FRE-902-14.txt").read_text()


def test_an_export_whose_keys_were_never_revoked_says_so(admin_ctx, tmp_path):
    inventory.add_unit(admin_ctx, UnitInput("HPD-1", "S-1"))
    out = tmp_path / "ex"
    export_evidence(admin_ctx, EvidenceRequest(unit_tag="HPD-1"), out)
    data = json.loads((out / REVOCATIONS).read_text())
    assert data["revocations"] == [] and data["keys"] == []
    check, code, failed, text = _both(out)
    assert check.ok and code == 0 and failed == [], (check.problems, text)
    for said in ("\n".join(check.notes), text):
        assert "none of this export's keys had been revoked when it was made" in said


@pytest.mark.parametrize("dated", ["after", "backdated"])
def test_the_export_links_no_checkpoint_the_revoked_key_signed_after_its_revocation(
        revoked, tmp_path, clock, dated):
    revoked_at = revoked.now()
    clock.advance(minutes=2)
    inventory.add_unit(revoked, UnitInput("HPD-7", "S-7"))  # a record after the revocation
    when = revoked.now() if dated == "after" else revoked_at - timedelta(minutes=1)
    seq = _forge_checkpoint(revoked, "DESK-2", when)
    result = export_evidence(revoked, EvidenceRequest(unit_tag="HPD-7"), tmp_path / "ex")
    cp = _cp(tmp_path / "ex")
    assert result.anchored and cp["station"] == "DESK-1" and cp["seq"] == seq
    assert verify_export(tmp_path / "ex").ok


@pytest.mark.parametrize("dated", ["after", "backdated"])
def test_both_checkers_fail_a_checkpoint_signed_after_its_keys_revocation(
        revoked, tmp_path, clock, monkeypatch, dated):
    """An export written by a BWC Desk that linked the thief's checkpoint (the filter of the
    test above turned off): both checkers name it as not trustworthy."""
    revoked_at = revoked.now()
    clock.advance(minutes=2)
    inventory.add_unit(revoked, UnitInput("HPD-7", "S-7"))
    when = revoked.now() if dated == "after" else revoked_at - timedelta(minutes=1)
    seq = _forge_checkpoint(revoked, "DESK-2", when)
    monkeypatch.setattr(evidence, "_disowned", lambda cp, trust: False)
    out = tmp_path / "ex"
    export_evidence(revoked, EvidenceRequest(unit_tag="HPD-7"), out)
    assert _cp(out)["station"] == "DESK-2"
    check, code, failed, text = _both(out)
    assert not check.ok and code == 1
    assert failed == list(check.problems), text
    [problem] = check.problems
    assert problem.startswith(f"checkpoint.json: the checkpoint of record #{seq} signed by "
                              f"DESK-2 at {format_ts(when)} is NOT trustworthy")
    assert f"revoked at {format_ts(revoked_at)} by admin at DESK-1" in problem
    if dated == "backdated":
        assert "dated before the revocation" in problem
        assert "beyond record #" in problem
    assert "export OK" not in text


def _edit_revocation(out: Path, field: str, value: object) -> None:
    data = json.loads((out / REVOCATIONS).read_text())
    data["revocations"][0][field] = value
    (out / REVOCATIONS).write_text(json.dumps(data, indent=2))


def _edit_head(out: Path) -> None:
    data = json.loads((out / REVOCATIONS).read_text())
    head = next(h for h in data["revocations"][0]["heads"] if h["chain"] == "custody")
    head["seq"] += 50
    (out / REVOCATIONS).write_text(json.dumps(data, indent=2))


def _edit_key(out: Path) -> None:
    data = json.loads((out / REVOCATIONS).read_text())
    data["keys"][0]["public_key"] = data["keys"][1]["public_key"]
    (out / REVOCATIONS).write_text(json.dumps(data, indent=2))


def _revoke_the_revoker_first(out: Path) -> None:
    """A revocation of DESK-1's key, signed by DESK-2 a minute before DESK-1 revoked DESK-2:
    DESK-1's key then signs nothing trustworthy, its revocation of DESK-2 included."""
    from bwc_desk.domain.signing import revocation_message

    data = json.loads((out / REVOCATIONS).read_text())
    theirs = data["revocations"][0]
    at = format_ts(datetime.fromisoformat(theirs["revoked_at"]) - timedelta(minutes=1))
    key = keystore.load("DESK-2")
    assert key is not None
    data["revocations"].append({
        "key_id": _kid("DESK-1"), "station": "DESK-1", "revoked_at": at, "revoked_by": "x",
        "reason": "y", "revoking_station": "DESK-2", "endorsed_by": _kid("DESK-2"),
        "endorsement": sign(key, revocation_message(
            data["database_id"], _kid("DESK-1"), "DESK-1", at, "x", "y", _kid("DESK-2"))),
        "heads": []})
    (out / REVOCATIONS).write_text(json.dumps(data, indent=2))


REVOCATION_TAMPERS = {
    "its reason": (lambda out: _edit_revocation(out, "reason", "routine"), "does not verify"),
    "its time, later": (lambda out: _edit_revocation(
        out, "revoked_at", "2099-01-01T00:00:00.000000Z"), "does not verify"),
    "who revoked it": (lambda out: _edit_revocation(out, "revoked_by", "mallory"),
                       "does not verify"),
    "its signature": (lambda out: _edit_revocation(out, "endorsement", "00" * 64),
                      "does not verify"),
    "its signing key, removed": (lambda out: _edit_revocation(out, "endorsed_by", "f" * 32),
                                 "is not in the export"),
    "the head signed with it": (_edit_head, "does not verify"),
    "a key's public key": (_edit_key, "does not match its id"),
    "not JSON": (lambda out: (out / REVOCATIONS).write_text("{"), "unreadable"),
    "signed by a key revoked before": (_revoke_the_revoker_first, "was itself revoked"),
}


@pytest.mark.parametrize("what", list(REVOCATION_TAMPERS))
def test_both_checkers_fail_a_tampered_revocation_even_with_the_manifest_re_signed(
        revoked, tmp_path, what):
    out = tmp_path / "ex"
    export_evidence(revoked, EvidenceRequest(unit_tag="HPD-1"), out)
    script = (out / "check_export.py").read_bytes()
    tamper, words = REVOCATION_TAMPERS[what]
    tamper(out)
    _resign(out)
    check, code, failed, text = _both(out, script, tmp_path)
    assert not check.ok and code == 1
    assert failed == list(check.problems), text
    assert any(p.startswith(f"{REVOCATIONS}: ") and words in p for p in check.problems), \
        check.problems


def test_a_manifest_signed_by_a_key_the_export_itself_lists_as_revoked_fails(
        revoked, tmp_path):
    """The thief re-signs an export with the stolen key: the export's own revocations say
    that key signs nothing after its revocation, and an export is signed when it is made."""
    out = tmp_path / "ex"
    export_evidence(revoked, EvidenceRequest(unit_tag="HPD-1"), out)
    script = (out / "check_export.py").read_bytes()
    public = public_hex(keystore.load("DESK-2"))
    (out / "station-key.json").write_text(json.dumps(
        {"station": "DESK-2", "public_key": public, "fingerprint": fingerprint(public)}))
    _resign(out, "DESK-2")
    check, code, failed, text = _both(out, script, tmp_path)
    assert code == 1 and failed == list(check.problems), text
    [problem] = check.problems
    assert problem.startswith("MANIFEST.sig: signed by key ") and "NOT trustworthy" in problem
    assert "revoked at" in problem


def test_a_revocation_deleted_from_the_export(revoked, tmp_path, clock, monkeypatch):
    """Deleted from revocations.json, the manifest left as it was: both name the file.
    Deleted and the manifest re-signed by the exporting station's key: the folder alone
    cannot show it (docs/ledger.md says so); the database still names the checkpoint."""
    clock.advance(minutes=2)
    inventory.add_unit(revoked, UnitInput("HPD-7", "S-7"))
    seq = _forge_checkpoint(revoked, "DESK-2", revoked.now())
    monkeypatch.setattr(evidence, "_disowned", lambda cp, trust: False)
    out = tmp_path / "ex"
    export_evidence(revoked, EvidenceRequest(unit_tag="HPD-7"), out)
    script = (out / "check_export.py").read_bytes()
    data = json.loads((out / REVOCATIONS).read_text())
    data["revocations"] = []
    (out / REVOCATIONS).write_text(json.dumps(data, indent=2) + "\n")
    check, code, failed, text = _both(out, script, tmp_path)
    assert code == 1 and failed == list(check.problems), text
    assert check.problems == (f"{REVOCATIONS}: changed (its SHA-256 differs from the "
                              "manifest)",)
    # Re-signed with the exporting station's own key: nothing in the folder contradicts it.
    _resign(out)
    check, code, failed, text = _both(out, script, tmp_path)
    assert check.ok and code == 0, (check.problems, text)
    problem = verify.check_database(revoked.db).custody.problem
    assert problem is not None and f"record #{seq}" in problem.message
    assert "is not trusted" in problem.message

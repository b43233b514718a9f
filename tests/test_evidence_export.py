"""The court-ready evidence export: what it holds, who may make it, and that both checkers
(``bwc-desk verify-export`` and the standalone ``check_export.py``) name every damaged file."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bwc_desk.domain.errors import PermissionDenied, ValidationError
from bwc_desk.domain.roles import Role
from bwc_desk.services import counter, evidence, inventory, officers
from bwc_desk.services.counter import FunctionTest
from bwc_desk.services.evidence import EvidenceRequest, export_evidence
from bwc_desk.services.evidence_check import verify_export
from bwc_desk.services.inventory import UnitInput
from bwc_desk.services.officers import OfficerInput
from bwc_desk.store import keystore
from tests.conftest import PASSWORD, make_actor

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)


@pytest.fixture
def history(admin_ctx, clock):
    """Two officers and three cameras; issues and returns over several days."""
    smith = officers.add_officer(admin_ctx, OfficerInput("0412", "Smith", "John"))
    jones = officers.add_officer(admin_ctx, OfficerInput("1529", "Jones", "=Mary"))
    brown = officers.add_officer(admin_ctx, OfficerInput("0077", "Brown", "Ann"))
    for i in range(1, 4):
        inventory.add_unit(admin_ctx, UnitInput(f"HPD-{i}", f"S-{i}"))
    for _day in range(3):
        for i, who in ((1, smith), (2, jones), (3, brown)):
            counter.issue_unit(admin_ctx, who.id, f"HPD-{i}", function_test=FunctionTest())
        clock.advance(hours=9)
        for i in range(1, 4):
            counter.return_unit(admin_ctx, f"HPD-{i}")
        clock.advance(hours=15)
    return admin_ctx


def _officer_id(ctx, badge: str) -> int:
    from bwc_desk.store.models import Officer

    with ctx.db.read() as session:
        return session.query(Officer).filter_by(badge=badge).one().id


def _run_script(folder: Path) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-I", str(folder / "check_export.py"), str(folder)],
                          capture_output=True, text=True, check=False, cwd=folder)
    return done.returncode, done.stdout + done.stderr


def _remanifest(out: Path) -> str:
    """The manifest written again over the folder's files as they are now (what someone who
    changed a file would do); its text."""
    names = sorted(p.name for p in out.iterdir()
                   if p.name not in ("MANIFEST.sha256", "MANIFEST.sig"))
    manifest = "".join(f"{hashlib.sha256((out / n).read_bytes()).hexdigest()}  {n}\n"
                       for n in names)
    (out / "MANIFEST.sha256").write_text(manifest)
    return manifest


def test_export_of_a_camera_holds_every_file_and_checks(history, tmp_path):
    out = tmp_path / "ex"
    result = export_evidence(history, EvidenceRequest(unit_tag="HPD-2"), out)
    assert result.anchored and result.manifest_signed
    names = {p.name for p in out.iterdir()}
    assert names == {"records.csv", "chain-links.csv", "custody-history.pdf", "checkpoint.json",
                     "station-key.json", "revocations.json", "certificate-FRE-902-14.txt",
                     "README.txt", "check_export.py", "MANIFEST.sha256", "MANIFEST.sig"}
    with (out / "records.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["asset_tag"] for r in rows} == {"HPD-2"}
    assert result.records == len(rows) >= 7  # registered, then 3 issues and 3 returns
    assert (out / "custody-history.pdf").read_bytes().startswith(b"%PDF-1.4")
    assert b"HPD-2" in (out / "custody-history.pdf").read_bytes()
    check = verify_export(out)
    assert check.ok, check.problems
    code, text = _run_script(out)
    assert code == 0, text
    assert "export OK" in text
    fp = json.loads((out / "station-key.json").read_text())["fingerprint"]
    assert fp in text  # printed for the auditor to compare with the published one
    # sha256sum -c format
    for line in (out / "MANIFEST.sha256").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    cert = (out / "certificate-FRE-902-14.txt").read_text()
    assert "902(14)" in cert and "[NAME]" in cert
    readme = (out / "README.txt").read_text()
    assert "sha256sum -c MANIFEST.sha256" in readme and "check_export.py" in readme


def test_the_script_does_not_import_bwc_desk(history, tmp_path):
    export_evidence(history, EvidenceRequest(unit_tag="HPD-1"), tmp_path / "ex")
    source = (tmp_path / "ex" / "check_export.py").read_text()
    assert "bwc_desk" not in source


def test_officer_export_with_a_date_range(history, tmp_path, clock):
    everything = export_evidence(history, EvidenceRequest(officer_badge="1529"),
                                 tmp_path / "all")
    day2 = clock.now.astimezone(history.zone).date() - __import__("datetime").timedelta(days=2)
    one_day = export_evidence(
        history, EvidenceRequest(officer_badge="1529", date_from=day2, date_to=day2),
        tmp_path / "one")
    assert 0 < one_day.records < everything.records
    assert verify_export(tmp_path / "one").ok
    assert _run_script(tmp_path / "one")[0] == 0


@pytest.mark.parametrize("name", [
    "records.csv", "chain-links.csv", "custody-history.pdf", "checkpoint.json",
    "station-key.json", "revocations.json", "certificate-FRE-902-14.txt", "README.txt",
    "check_export.py", "MANIFEST.sha256", "MANIFEST.sig",
])
def test_one_byte_changed_in_any_file_is_named_by_both_checkers(history, tmp_path, name):
    out = tmp_path / "ex"
    export_evidence(history, EvidenceRequest(unit_tag="HPD-3"), out)
    script = (out / "check_export.py").read_bytes()
    path = out / name
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    # Change one byte into another printable one (still valid text where it was).
    data[middle] = ord("7") if data[middle] != ord("7") else ord("8")
    path.write_bytes(bytes(data))
    check = verify_export(out)
    assert not check.ok
    assert any(name in p for p in check.problems), check.problems
    # The standalone script, run from an untouched copy, agrees.
    pristine = tmp_path / "check_export.py"
    pristine.write_bytes(script)
    done = subprocess.run([sys.executable, "-I", str(pristine), str(out)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stdout
    assert name in done.stdout


def test_a_record_changed_with_the_manifest_recomputed_is_still_caught(history, tmp_path):
    """Someone edits a record and rewrites the manifest: the signature and the record's hash
    both name it, in BWC Desk and in the script."""
    out = tmp_path / "ex"
    export_evidence(history, EvidenceRequest(unit_tag="HPD-1"), out)
    text = (out / "records.csv").read_text(encoding="utf-8-sig")
    assert ",DESK-1," in text
    (out / "records.csv").write_text(text.replace(",DESK-1,", ",DESK-9,", 1),
                                     encoding="utf-8-sig")
    _remanifest(out)
    check = verify_export(out)
    code, script_out = _run_script(out)
    assert code == 1
    for needle in ("does not match its hash", "MANIFEST.sha256 / MANIFEST.sig"):
        assert any(needle in p for p in check.problems), check.problems
        assert needle in script_out


def test_an_unanchored_excerpt_without_a_key_says_so(history, tmp_path, monkeypatch):
    monkeypatch.setattr(keystore, "load", lambda station: None)
    from bwc_desk.store import checkpoints

    checkpoints.forget(history.db.engine)
    counter.issue_unit(history, _officer_id(history, "0412"), "HPD-1",
                       function_test=FunctionTest())
    result = export_evidence(history, EvidenceRequest(unit_tag="HPD-1"), tmp_path / "ex")
    assert not result.anchored and not result.manifest_signed
    assert "NOT yet anchored" in result.summary()
    assert "NOT YET ANCHORED" in (tmp_path / "ex" / "README.txt").read_text()
    check = verify_export(tmp_path / "ex")
    assert check.ok, check.problems
    assert any("not yet anchored" in n for n in check.notes)
    code, text = _run_script(tmp_path / "ex")
    assert code == 0 and "not yet anchored" in text


def test_the_export_writes_a_checkpoint_when_none_follows(history, tmp_path, clock):
    from bwc_desk.store.models import LedgerCheckpoint

    counter.issue_unit(history, _officer_id(history, "0412"), "HPD-1",
                       function_test=FunctionTest())  # hours later: signed at the append
    clock.advance(minutes=2)
    counter.return_unit(history, "HPD-1")  # minutes later: no checkpoint follows it

    def signed() -> list[int]:
        with history.db.read() as session:
            return [c.seq for c in session.query(LedgerCheckpoint)
                    .filter_by(chain="custody").order_by(LedgerCheckpoint.seq)]

    before = signed()
    with (history.db.read()) as session:
        from bwc_desk.store.ledger import recorded_head

        head = recorded_head(session, "custody")
    assert head is not None and before[-1] < head[0]
    result = export_evidence(history, EvidenceRequest(unit_tag="HPD-1"), tmp_path / "ex")
    assert result.anchored and result.checkpoint_seq == head[0]
    assert signed() == [*before, head[0]]
    cp = json.loads((tmp_path / "ex" / "checkpoint.json").read_text())
    assert cp["seq"] == head[0] and cp["head_hash"] == head[1]
    assert verify_export(tmp_path / "ex").ok


def test_who_may_export_and_it_is_audited(history, tmp_path):
    qm = make_actor(history, Role.QUARTERMASTER, "quinn")
    with pytest.raises(PermissionDenied):
        export_evidence(qm, EvidenceRequest(unit_tag="HPD-1"), tmp_path / "qm")
    assert not (tmp_path / "qm").exists()
    for role, name in ((Role.AUDITOR, "audrey"), (Role.SUPERVISOR, "sam")):
        ctx = make_actor(history, role, name)
        export_evidence(ctx, EvidenceRequest(unit_tag="HPD-1"), tmp_path / name)
    from bwc_desk.store.models import AuditRecord

    with history.db.read() as session:
        rows = [r for r in session.query(AuditRecord).order_by(AuditRecord.seq)
                if r.event == "export"]
        assert [r.staff_username for r in rows] == ["audrey", "sam"]
        assert all(r.station == "DESK-1" and '"what":"evidence"' in (r.details or "")
                   for r in rows)


def test_bad_requests_leave_nothing_behind(history, tmp_path):
    cases = [
        (EvidenceRequest(), "Name one camera"),
        (EvidenceRequest(unit_tag="NOPE"), "No camera has the asset tag"),
        (EvidenceRequest(officer_badge="9999"), "No officer has the badge"),
        (EvidenceRequest(unit_tag="HPD-1", date_from=date(2027, 1, 2), date_to=date(2027, 1, 1)),
         "swap them"),
        (EvidenceRequest(unit_tag="HPD-1", date_from=date(2030, 1, 1)), "no custody records"),
    ]
    for request, message in cases:
        with pytest.raises(ValidationError, match=message):
            export_evidence(history, request, tmp_path / "x")
        assert not (tmp_path / "x").exists()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "other.txt").write_text("x")
    with pytest.raises(ValidationError, match="not empty"):
        export_evidence(history, EvidenceRequest(unit_tag="HPD-1"), tmp_path / "full")


def test_a_file_added_after_the_export_is_named(history, tmp_path):
    out = tmp_path / "ex"
    export_evidence(history, EvidenceRequest(unit_tag="HPD-1"), out)
    (out / "extra.csv").write_text("x")
    assert any("extra.csv" in p for p in verify_export(out).problems)
    assert "extra.csv" in _run_script(out)[1]


def test_default_folder_name():
    assert evidence.default_folder_name(EvidenceRequest(unit_tag="HPD 1/2")) == \
        "evidence-camera-HPD_1_2"


def test_command_line_export_and_verify_export(history, tmp_path, capsys, monkeypatch):
    import io

    from bwc_desk.__main__ import main
    from tests.test_ledger_tamper import database_arg

    out = tmp_path / "cli"
    db = database_arg(history)
    assert main(["export", "evidence", "--database", db, "--officer", "0412", str(out)]) == 1
    assert "--as USERNAME" in capsys.readouterr().err and not out.exists()
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["export", "evidence", "--database", db, "--officer", "0412", str(out),
                 "--as", "admin", "--password-stdin"]) == 0
    printed = capsys.readouterr().out
    assert "custody records of officer 0412 Smith, John" in printed
    assert "verify-export" in printed
    assert main(["verify-export", str(out)]) == 0
    assert "export OK" in capsys.readouterr().out
    data = bytearray((out / "chain-links.csv").read_bytes())
    data[-5] = ord("0") if data[-5] != ord("0") else ord("1")
    (out / "chain-links.csv").write_bytes(bytes(data))
    assert main(["verify-export", str(out)]) == 1
    assert "FAILED: chain-links.csv: changed" in capsys.readouterr().out
    # Bad input: a clear message, no traceback, nothing written.
    assert main(["export", "evidence", "--database", db, str(tmp_path / "none")]) != 0
    with pytest.raises(SystemExit):  # argparse: usage and the message, exit status 2
        main(["export", "evidence", "--database", db, "--unit", "HPD-1", "--from",
              "24/11/2026", str(tmp_path / "none")])
    assert main(["export", "units", "--database", db, "--unit", "HPD-1",
                 str(tmp_path / "u.csv")]) != 0
    err = capsys.readouterr().err
    assert "Name the camera" in err and "YYYY-MM-DD" in err and "export evidence" in err
    assert "Traceback" not in err
    assert not (tmp_path / "none").exists() and not (tmp_path / "u.csv").exists()


def test_a_failure_half_way_leaves_no_folder_and_no_audit_record(history, tmp_path,
                                                                 monkeypatch):
    from bwc_desk.services import evidence as module
    from bwc_desk.store.models import AuditRecord

    def full_disk(path, lines, title="", footer=""):
        raise ValidationError(f"Cannot write {path}: No space left on device.")

    monkeypatch.setattr(module, "write_pdf", full_disk)
    with history.db.read() as session:
        before = session.query(AuditRecord).count()
    with pytest.raises(ValidationError, match="No space left"):
        export_evidence(history, EvidenceRequest(unit_tag="HPD-1"), tmp_path / "ex")
    assert not (tmp_path / "ex").exists()
    (tmp_path / "mine").mkdir()
    with pytest.raises(ValidationError):
        export_evidence(history, EvidenceRequest(unit_tag="HPD-1"), tmp_path / "mine")
    assert (tmp_path / "mine").is_dir() and not any((tmp_path / "mine").iterdir())
    with history.db.read() as session:
        assert session.query(AuditRecord).count() == before


def _resign(out: Path, station: str = "DESK-1") -> None:
    """What someone with this station's key could do: rewrite the manifest and sign it."""
    from bwc_desk.domain.signing import sign

    manifest = _remanifest(out)
    key = keystore.load(station)
    assert key is not None
    (out / "MANIFEST.sig").write_text(sign(key, manifest.encode()) + "\n")


def _edit_csv(path: Path, seq_index: int, column: str, value: str) -> None:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    rows[seq_index][column] = value
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def _checkpoint_edit(out: Path, key: str, value: object) -> None:
    data = json.loads((out / "checkpoint.json").read_text())
    data[key] = value
    (out / "checkpoint.json").write_text(json.dumps(data))


TAMPERS = {
    "the first record's link": lambda out: (
        _edit_csv(out / "records.csv", 0, "prev_hash", "d" * 64),
        _edit_csv(out / "chain-links.csv", 0, "prev_hash", "d" * 64)),
    "a record's field": lambda out: _edit_csv(out / "records.csv", 1, "kind", "returned"),
    "a record's hash": lambda out: _edit_csv(out / "records.csv", 1, "hash", "a" * 64),
    "a link's hash": lambda out: _edit_csv(out / "chain-links.csv", 2, "hash", "b" * 64),
    "the checkpoint's head": lambda out: _checkpoint_edit(out, "head_hash", "c" * 64),
    "the checkpoint's record": lambda out: _checkpoint_edit(out, "seq", 1),
    "the checkpoint's station": lambda out: _checkpoint_edit(out, "station", "DESK-9"),
    "the checkpoint's key, not hex": lambda out: _checkpoint_edit(out, "public_key", "zz"),
    "the checkpoint's key": lambda out: _checkpoint_edit(
        out, "public_key", json.loads((out / "station-key.json").read_text())["public_key"]
        [::-1]),
}


@pytest.mark.parametrize("what", list(TAMPERS))
def test_the_script_and_verify_export_agree_on_a_re_signed_forgery(history, tmp_path, what):
    """Past the manifest (re-signed with the station's own key): the records' hashes, the
    links and the checkpoint's signature still name the change, and both checkers report
    exactly the same problems."""
    out = tmp_path / "ex"
    first = what == "the first record's link"  # HPD-1's registration is record #1
    export_evidence(history, EvidenceRequest(unit_tag="HPD-1" if first else "HPD-2"), out)
    script = (out / "check_export.py").read_bytes()
    TAMPERS[what](out)
    _resign(out)
    check = verify_export(out)
    assert not check.ok
    assert not any("MANIFEST" in p or "changed (its SHA-256" in p for p in check.problems)
    pristine = tmp_path / "check_export.py"
    pristine.write_bytes(script)
    done = subprocess.run([sys.executable, "-I", str(pristine), str(out)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    script_problems = [line.removeprefix("FAILED: ") for line in done.stdout.splitlines()
                       if line.startswith("FAILED: ")]
    assert script_problems == list(check.problems)
    if first:
        assert "records.csv: record #1 does not start the chain" in check.problems


def test_both_checkers_agree_on_a_formula_like_reason(history, tmp_path):
    """A text cell the export escapes for spreadsheets ('=...') is unescaped by both."""
    inventory.mark_lost(history, "HPD-1", '=HYPERLINK("x") left in a patrol car')
    out = tmp_path / "ex"
    export_evidence(history, EvidenceRequest(unit_tag="HPD-1"), out)
    assert "'=HYPERLINK" in (out / "records.csv").read_text(encoding="utf-8-sig")
    assert verify_export(out).ok
    assert _run_script(out)[0] == 0


def test_the_plain_pdf_writer_makes_a_well_formed_file():
    """Every cross-reference offset points at its object; pages break; brackets, backslashes
    and accents survive; what the font cannot show becomes '?'."""
    import re

    from bwc_desk.adapters.pdftext import LINES_PER_PAGE, pdf_bytes

    lines = ["a (b) \\ c", "é ü — €", "中"] + [f"row {i}" for i in range(LINES_PER_PAGE * 2)]
    data = pdf_bytes(lines, "T")
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    xref_at = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert data[xref_at:].startswith(b"xref\n")
    offsets = re.findall(rb"(\d{10}) 00000 n ", data[xref_at:])
    for number, offset in enumerate(offsets, start=1):
        assert data[int(offset):].startswith(b"%d 0 obj" % number)
    assert b"/Count 3" in data
    assert b"(a \\(b\\) \\\\ c) '" in data
    assert "é ü — €".encode("cp1252") in data and b"(?) '" in data


@pytest.mark.parametrize("key_text", ['["not", "a", "key"]', '{"station": "DESK-1"}',
                                      '{"public_key": "zz"}', "7"])
def test_a_station_key_file_that_holds_no_key_fails_in_both_checkers(history, tmp_path,
                                                                     key_text):
    """station-key.json rewritten (and the manifest with it) into JSON that is no key: the
    signature cannot be checked, which both checkers say as a failure (never a traceback,
    never a quiet "not signed")."""
    out = tmp_path / "ex"
    export_evidence(history, EvidenceRequest(unit_tag="HPD-1"), out)
    (out / "station-key.json").write_text(key_text)
    _remanifest(out)
    check = verify_export(out)
    code, script_out = _run_script(out)
    assert code == 1 and "Traceback" not in script_out, script_out
    needle = "station-key.json: no valid station key in it"
    assert any(needle in p for p in check.problems), check.problems
    assert f"FAILED: {needle}" in script_out

"""`bwc-desk verify-export DIR`: check an evidence export with BWC Desk's own code.

The same checks as the standalone ``check_export.py`` in the export (a test runs both on the
same exports), but with the canonical encoding of domain/ledger.py and domain/signing.py.
Needs no database: a third party's copy is checked as it is.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from bwc_desk.adapters.csvfile import unescape_cell
from bwc_desk.domain.ledger import GENESIS, custody_payload, record_hash
from bwc_desk.domain.signing import (
    Verifier,
    checkpoint_message,
    fingerprint,
    key_id,
    revocation_message,
)
from bwc_desk.services.evidence_revocations import FILE as REVOCATIONS
from bwc_desk.services.evidence_revocations import FORMAT as REVOCATIONS_FORMAT

MANIFEST = "MANIFEST.sha256"
SIGNATURE = "MANIFEST.sig"


@dataclass(frozen=True, slots=True)
class _Revoked:
    key_id: str
    at: str
    by: str
    revoking_station: str
    reason: str
    stood: int | None  # the custody record the revoking station signed at the revocation

    def why(self) -> str:
        return (f"its key {_spaced(self.key_id)} was revoked at {self.at} by {self.by} at "
                f"{self.revoking_station}: {self.reason}")


@dataclass(frozen=True, slots=True)
class ExportCheck:
    problems: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [{k: unescape_cell(v or "") for k, v in r.items()} for r in csv.DictReader(fh)]


def _opt_int(text: str) -> int | None:
    return None if text == "" else int(text)


def _hash_of(r: dict[str, str]) -> str:
    payload = custody_payload(
        int(r["seq"]), r["at_utc"], r["kind"], _opt_int(r["unit_id"]),
        _opt_int(r["officer_id"]), _opt_int(r["staff_id"]), r["staff_username"], r["station"],
        r["reason"] or None, r["details"] or None, _opt_int(r["corrects_seq"]),
    )
    return record_hash(r["prev_hash"], payload)


def _manifest(folder: Path, problems: list[str]) -> dict[str, str]:
    listed: dict[str, str] = {}
    for line in (folder / MANIFEST).read_text(encoding="utf-8", errors="replace").splitlines():
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            problems.append(f"{MANIFEST}: unreadable line {line[:60]!r}")
            continue
        listed[name] = digest
    for name, digest in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif _sha256(path) != digest:
            problems.append(f"{name}: changed (its SHA-256 differs from the manifest)")
    for path in sorted(folder.iterdir()):
        if path.name not in listed and path.name not in (MANIFEST, SIGNATURE):
            problems.append(f"{path.name}: not in the manifest (added after the export)")
    return listed


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def verify_export(folder: Path | str) -> ExportCheck:
    folder = Path(folder)
    problems: list[str] = []
    notes: list[str] = []
    if not (folder / MANIFEST).is_file():
        return ExportCheck((f"{MANIFEST}: missing; {folder} is not a complete evidence "
                            "export",), ())
    _manifest(folder, problems)
    revoked = _check_revocations(folder, problems, notes)
    key_path = folder / "station-key.json"
    key = _load_json(key_path)
    sig_path = folder / SIGNATURE
    if sig_path.is_file() and key_path.is_file() and not (
            isinstance(key, dict) and _hex_ok(key.get("public_key"))):
        problems.append("station-key.json: no valid station key in it, so the manifest's "
                        "signature cannot be checked")
    elif not isinstance(key, dict) or not sig_path.is_file():
        notes.append("the manifest is not signed (the exporting station had no key)")
    else:
        notes.append(f"manifest signed by {key.get('station')}: fingerprint "
                     f"{fingerprint(str(key.get('public_key', '')))}")
        signature = sig_path.read_text(encoding="utf-8", errors="replace").strip()
        if not Verifier(str(key.get("public_key", ""))).check(
                (folder / MANIFEST).read_bytes(), signature):
            problems.append(f"{MANIFEST} / {SIGNATURE}: the signature does not match the "
                            "manifest (one of the two was changed)")
        public = key.get("public_key")
        gone = revoked.get(key_id(str(public))) if _hex_ok(public) else None
        if gone is not None:
            problems.append(
                f"{SIGNATURE}: signed by key {_spaced(gone.key_id)} of {key.get('station')}, "
                f"which was revoked at {gone.at} by {gone.by} at {gone.revoking_station}: "
                f"{gone.reason}; an export is signed when it is made, after that: NOT "
                "trustworthy")
    try:
        records = _rows(folder / "records.csv")
        links = _rows(folder / "chain-links.csv")
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        return ExportCheck((*problems, f"records.csv / chain-links.csv: unreadable ({exc})"),
                           tuple(notes))
    by_seq: dict[int, dict[str, str]] = {}
    for row in links:
        try:
            by_seq[int(row["seq"])] = row
        except (KeyError, ValueError):
            problems.append("chain-links.csv: a line without a record number")
    previous: tuple[int, str] | None = None
    for r in records:
        try:
            seq = int(r["seq"])
            digest = _hash_of(r)
        except (KeyError, ValueError):
            problems.append("records.csv: a line without its fields")
            continue
        if digest != r["hash"]:
            problems.append(f"records.csv: record #{seq} does not match its hash (its fields "
                            "were changed)")
        if seq == 1 and r["prev_hash"] != GENESIS:
            problems.append("records.csv: record #1 does not start the chain")
        if previous is not None and previous[0] == seq - 1 and previous[1] != r["prev_hash"]:
            problems.append(f"records.csv: record #{seq} does not link to record #{seq - 1}")
        link = by_seq.get(seq)
        if link is None or link["hash"] != r["hash"] or link["prev_hash"] != r["prev_hash"]:
            problems.append(f"records.csv / chain-links.csv: record #{seq} is not in the "
                            "chain links as exported")
        previous = (seq, r["hash"])
    seqs = sorted(by_seq)
    for a, b in pairwise(seqs):
        if b != a + 1 or by_seq[b]["prev_hash"] != by_seq[a]["hash"]:
            problems.append(f"chain-links.csv: the chain breaks between #{a} and #{b}")
            break
    _check_checkpoint(folder, records, by_seq, problems, notes, revoked)
    return ExportCheck(tuple(problems), tuple(notes))


def _spaced(kid: str) -> str:
    return " ".join(kid[i:i + 4] for i in range(0, len(kid), 4))


def _check_revocations(folder: Path, problems: list[str],
                       notes: list[str]) -> dict[str, _Revoked]:
    """The revocations in the export whose signatures hold up, by the revoked key's id.
    The script's ``revocations()`` does the same, step for step."""
    if not (folder / REVOCATIONS).is_file():
        notes.append(f"{REVOCATIONS} is not in this export (made before exports carried key "
                     "revocations): it cannot show whether its keys were revoked")
        return {}
    data = _load_json(folder / REVOCATIONS)
    revoked: dict[str, _Revoked] = {}
    try:
        if data["format"] != REVOCATIONS_FORMAT:
            raise ValueError(data["format"])
        dbid = str(data["database_id"])
        keys: dict[str, tuple[str, str]] = {}
        for k in data["keys"]:
            kid, public = str(k["key_id"]), k["public_key"]
            if not _hex_ok(public) or key_id(public) != kid:
                problems.append(f"{REVOCATIONS}: the public key given for key {kid} does not "
                                "match its id")
                continue
            keys[kid] = (str(k["station"]), public)
        for r in sorted(data["revocations"], key=lambda r: str(r["revoked_at"])):
            kid, at, signer_id = str(r["key_id"]), str(r["revoked_at"]), str(r["endorsed_by"])
            name = f"the revocation of station key {_spaced(kid)} ({r['station']}) at {at}"
            signer = keys.get(signer_id)
            if signer is None:
                problems.append(f"{REVOCATIONS}: {name}: the key that signed it is not in "
                                "the export")
                continue
            earlier = revoked.get(signer_id)
            if earlier is not None and earlier.at < at:
                problems.append(f"{REVOCATIONS}: {name}: the key that signed it was itself "
                                f"revoked before then, at {earlier.at}")
                continue
            verifier = Verifier(signer[1])
            message = revocation_message(dbid, kid, str(r["station"]), at, str(r["revoked_by"]),
                                         str(r["reason"]), signer_id)
            if not verifier.check(message, str(r["endorsement"])):
                problems.append(f"{REVOCATIONS}: {name} does not verify (its signature does "
                                "not match: it was changed after it was signed)")
                continue
            stood: int | None = None
            for h in r["heads"]:
                head = checkpoint_message(dbid, str(h["chain"]), int(h["seq"]),
                                          str(h["head_hash"]), str(h["at"]), str(h["station"]),
                                          str(h["key_id"]))
                if (h["key_id"] != signer_id or h["at"] != at
                        or not verifier.check(head, str(h["signature"]))):
                    problems.append(f"{REVOCATIONS}: {name}: the head of the {h['chain']} "
                                    f"chain signed with it (record #{h['seq']}) does not "
                                    "verify")
                    continue
                if h["chain"] == "custody":
                    stood = max(stood or 0, int(h["seq"]))
            gone = _Revoked(kid, at, str(r["revoked_by"]), str(r["revoking_station"]),
                            str(r["reason"]), stood)
            revoked[kid] = gone
            notes.append(f"station key {_spaced(kid)} of {r['station']} was revoked at {at} "
                         f"by {gone.by} at {gone.revoking_station}: {gone.reason} (signed by "
                         f"key {_spaced(signer_id)} of {signer[0]}); it signs nothing "
                         "trustworthy after that, what it signed before still counts")
    except (KeyError, ValueError, TypeError, AttributeError):
        problems.append(f"{REVOCATIONS}: unreadable")
        return {}
    if not revoked:
        notes.append(f"{REVOCATIONS}: none of this export's keys had been revoked when it was "
                     "made")
    return revoked


def _hex_ok(value: object) -> bool:
    try:
        return isinstance(value, str) and len(bytes.fromhex(value)) == 32
    except ValueError:
        return False


def _check_checkpoint(folder: Path, records: list[dict[str, str]],
                      by_seq: dict[int, dict[str, str]], problems: list[str],
                      notes: list[str], revoked: dict[str, _Revoked]) -> None:
    path = folder / "checkpoint.json"
    if not path.is_file():
        notes.append("the excerpt is not yet anchored: no signed checkpoint follows its "
                     "last record")
        return
    cp = _load_json(path)
    try:
        public = str(cp["public_key"])
        shown = fingerprint(public)  # as the script: a key that is not hex is unreadable
        message = checkpoint_message(str(cp["database_id"]), str(cp["chain"]), int(cp["seq"]),
                                     str(cp["head_hash"]), str(cp["at"]), str(cp["station"]),
                                     str(cp["key_id"]))
        signature_ok = Verifier(public).check(message, str(cp["signature"]))
        key_ok = shown.replace(" ", "") == cp["key_id"]
        if not signature_ok:
            problems.append("checkpoint.json: the checkpoint's signature does not match")
        if not key_ok:
            problems.append("checkpoint.json: the public key is not the signing key")
        if signature_ok and key_ok:
            notes.append(f"checkpoint #{cp['seq']} signed by {cp['station']} at {cp['at']}: "
                         f"fingerprint {shown}")
        link = by_seq.get(int(cp["seq"]))
        if link is None or link["hash"] != cp["head_hash"]:
            problems.append("checkpoint.json / chain-links.csv: the signed head is not the "
                            "end of the chain links")
        if records and int(records[-1]["seq"]) > int(cp["seq"]):
            problems.append("checkpoint.json: it does not follow the last record")
        gone = revoked.get(str(cp["key_id"]))
        if gone is not None:
            what = (f"the checkpoint of record #{cp['seq']} signed by {cp['station']} at "
                    f"{cp['at']}")
            if gone.at < str(cp["at"]):
                problems.append(f"checkpoint.json: {what} is NOT trustworthy: {gone.why()}; "
                                "it was signed after that")
            elif gone.stood is not None and int(cp["seq"]) > gone.stood:
                problems.append(
                    f"checkpoint.json: {what} is NOT trustworthy: {gone.why()}; it is dated "
                    f"before the revocation, but signs record #{cp['seq']}, beyond record "
                    f"#{gone.stood} the custody chain had reached when the key was revoked")
            else:
                notes.append(f"checkpoint #{cp['seq']} was signed at {cp['at']}, before its "
                             "key was revoked: it still counts")
    except (KeyError, ValueError, TypeError):
        problems.append("checkpoint.json: unreadable")

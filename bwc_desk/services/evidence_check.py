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
from bwc_desk.domain.signing import Verifier, checkpoint_message, fingerprint

MANIFEST = "MANIFEST.sha256"
SIGNATURE = "MANIFEST.sig"


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
    key = _load_json(folder / "station-key.json")
    sig_path = folder / SIGNATURE
    if not isinstance(key, dict) or not sig_path.is_file():
        notes.append("the manifest is not signed (the exporting station had no key)")
    else:
        notes.append(f"manifest signed by {key.get('station')}: fingerprint "
                     f"{fingerprint(str(key.get('public_key', '')))}"
                     if _hex_ok(key.get("public_key")) else "station-key.json: no valid key")
        signature = sig_path.read_text(encoding="utf-8", errors="replace").strip()
        if not Verifier(str(key.get("public_key", ""))).check(
                (folder / MANIFEST).read_bytes(), signature):
            problems.append(f"{MANIFEST} / {SIGNATURE}: the signature does not match the "
                            "manifest (one of the two was changed)")
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
    _check_checkpoint(folder, records, by_seq, problems, notes)
    return ExportCheck(tuple(problems), tuple(notes))


def _hex_ok(value: object) -> bool:
    try:
        return isinstance(value, str) and len(bytes.fromhex(value)) == 32
    except ValueError:
        return False


def _check_checkpoint(folder: Path, records: list[dict[str, str]],
                      by_seq: dict[int, dict[str, str]], problems: list[str],
                      notes: list[str]) -> None:
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
    except (KeyError, ValueError, TypeError):
        problems.append("checkpoint.json: unreadable")

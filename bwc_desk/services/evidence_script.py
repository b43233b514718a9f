'''The standalone checker copied into every evidence export as ``check_export.py``.

It must run on a machine without BWC Desk: standard library plus ``cryptography``. It
re-implements the canonical encoding of domain/ledger.py and domain/signing.py; a test runs
it beside ``verify_export`` on the same (good and damaged) exports to prove they agree.
'''

SCRIPT = r'''#!/usr/bin/env python3
"""Check a BWC Desk evidence export without BWC Desk.

    python3 check_export.py [EXPORT_FOLDER]        (needs: pip install cryptography)

Checks: every file against MANIFEST.sha256; the manifest's signature; every record's hash
recomputed from records.csv; the chain links inside the excerpt and up to the signed
checkpoint (chain-links.csv); the checkpoint's signature. Prints the public keys'
fingerprints: compare them with the ones your agency publishes. Exit status 0: all good.
"""
import csv
import hashlib
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = "0" * 64
MANIFEST = "MANIFEST.sha256"
SIGNATURE = "MANIFEST.sig"


def plain(v):  # the apostrophe the export puts before text a spreadsheet would run
    return v[1:] if v[:1] == "'" and v[1:2] in ("=", "+", "-", "@", "\t", "\r", "'") else v


def text(v):
    v = plain(v)
    return "~" if v == "" else f"{len(v)}:{v}"


def num(v):
    return "~" if v == "" else v


def record_hash(prev, r):
    payload = "|".join([
        "custody", r["seq"], text(r["at_utc"]), text(r["kind"]), num(r["unit_id"]),
        num(r["officer_id"]), num(r["staff_id"]), text(r["staff_username"]),
        text(r["station"]), text(r["reason"]), text(r["details"]), num(r["corrects_seq"])])
    return hashlib.sha256(f"{prev}\n{payload}".encode()).hexdigest()


def fingerprint(public_hex):
    d = hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:32]
    return " ".join(d[i:i + 4] for i in range(0, 32, 4))


def signed(public_hex, message, signature_hex):
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(
            bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def lp(v):
    return f"{len(v)}:{v}"


def checkpoint_message(c):
    return (f"checkpoint|{lp(c['database_id'])}|{lp(c['chain'])}|{c['seq']}|"
            f"{lp(c['head_hash'])}|{lp(c['at'])}|{lp(c['station'])}|{lp(c['key_id'])}").encode()


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def check(folder):
    folder = Path(folder)
    problems = []
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return [f"{MANIFEST}: missing; this is not a complete export"]
    listed = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            problems.append(f"{MANIFEST}: unreadable line {line[:60]!r}")
            continue
        listed[name] = digest
    for name, digest in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif sha256(path) != digest:
            problems.append(f"{name}: changed (its SHA-256 differs from the manifest)")
    for path in sorted(folder.iterdir()):
        if path.name not in listed and path.name not in (MANIFEST, SIGNATURE):
            problems.append(f"{path.name}: not in the manifest (added after the export)")
    try:
        key = json.loads((folder / "station-key.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        key = None
    sig_path = folder / SIGNATURE
    if key is None or not sig_path.is_file():
        print("NOTE: the manifest is not signed (the exporting station had no key)")
    else:
        sig = sig_path.read_text(encoding="utf-8").strip()
        print(f"manifest signed by {key.get('station')}: fingerprint "
              f"{fingerprint(key['public_key'])}")
        if not signed(key["public_key"], manifest.read_bytes(), sig):
            problems.append(f"{MANIFEST} / {SIGNATURE}: the signature does not match the "
                            "manifest (one of the two was changed)")
    try:
        records = rows(folder / "records.csv")
        links = rows(folder / "chain-links.csv")
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        return problems + [f"records.csv / chain-links.csv: unreadable ({exc})"]
    by_seq = {}
    for r in links:
        try:
            by_seq[int(r["seq"])] = r
        except (KeyError, ValueError):
            problems.append("chain-links.csv: a line without a record number")
    prev = None
    for r in records:
        try:
            seq = int(r["seq"])
            digest = record_hash(r["prev_hash"], r)
        except (KeyError, ValueError):
            problems.append("records.csv: a line without its fields")
            continue
        if digest != r["hash"]:
            problems.append(f"records.csv: record #{seq} does not match its hash "
                            "(its fields were changed)")
        if seq == 1 and r["prev_hash"] != GENESIS:
            problems.append("records.csv: record #1 does not start the chain")
        if prev is not None and prev[0] == seq - 1 and prev[1] != r["prev_hash"]:
            problems.append(f"records.csv: record #{seq} does not link to record #{seq - 1}")
        link = by_seq.get(seq)
        if link is None or link["hash"] != r["hash"] or link["prev_hash"] != r["prev_hash"]:
            problems.append(f"records.csv / chain-links.csv: record #{seq} is not in the "
                            "chain links as exported")
        prev = (seq, r["hash"])
    seqs = sorted(by_seq)
    for a, b in zip(seqs, seqs[1:]):
        if b != a + 1 or by_seq[b]["prev_hash"] != by_seq[a]["hash"]:
            problems.append(f"chain-links.csv: the chain breaks between #{a} and #{b}")
            break
    cp_path = folder / "checkpoint.json"
    if not cp_path.is_file():
        print("NOTE: the excerpt is not yet anchored: no signed checkpoint follows its "
              "last record")
    else:
        try:
            cp = json.loads(cp_path.read_text(encoding="utf-8"))
            print(f"checkpoint #{cp['seq']} signed by {cp['station']} at {cp['at']}: "
                  f"fingerprint {fingerprint(cp['public_key'])}")
            if not signed(cp["public_key"], checkpoint_message(cp), cp["signature"]):
                problems.append("checkpoint.json: the checkpoint's signature does not match")
            if fingerprint(cp["public_key"]).replace(" ", "") != cp["key_id"]:
                problems.append("checkpoint.json: the public key is not the signing key")
            link = by_seq.get(int(cp["seq"]))
            if link is None or link["hash"] != cp["head_hash"]:
                problems.append("checkpoint.json / chain-links.csv: the signed head is not "
                                "the end of the chain links")
            if records and int(records[-1]["seq"]) > int(cp["seq"]):
                problems.append("checkpoint.json: it does not follow the last record")
        except (OSError, ValueError, KeyError, TypeError):
            problems.append("checkpoint.json: unreadable")
    return problems


def main(argv):
    folder = argv[1] if len(argv) > 1 else str(Path(__file__).resolve().parent)
    problems = check(folder)
    for p in problems:
        print("FAILED:", p)
    if not problems:
        print("export OK: every file matches the manifest, every record its hash")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
'''

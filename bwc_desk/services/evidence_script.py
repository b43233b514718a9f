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
checkpoint (chain-links.csv); the checkpoint's signature; the signature of each key
revocation in revocations.json, and that no revoked key signed the checkpoint or the
manifest after its revocation. Prints the public keys' fingerprints: compare them with the
ones your agency publishes. Exit status 0: all good.
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
REVOCATIONS = "revocations.json"
REVOCATIONS_FORMAT = "bwc-desk station key revocations 1"


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


def revocation_message(dbid, r):
    return (f"station-key-revoked|{lp(dbid)}|{lp(str(r['key_id']))}|{lp(str(r['station']))}|"
            f"{lp(str(r['revoked_at']))}|{lp(str(r['revoked_by']))}|{lp(str(r['reason']))}|"
            f"{lp(str(r['endorsed_by']))}").encode()


def hex32(v):
    try:
        return isinstance(v, str) and len(bytes.fromhex(v)) == 32
    except ValueError:
        return False


def spaced(kid):
    return " ".join(kid[i:i + 4] for i in range(0, len(kid), 4))


def why(g):
    return (f"its key {spaced(g['key_id'])} was revoked at {g['at']} by {g['by']} at "
            f"{g['revoking_station']}: {g['reason']}")


def revocations(folder, problems):
    """The revocations whose signatures hold up, by the revoked key's id. Each is signed by
    a key in the file that no revocation before it had revoked."""
    if not (folder / REVOCATIONS).is_file():
        print(f"NOTE: {REVOCATIONS} is not in this export (made before exports carried key "
              "revocations): it cannot show whether its keys were revoked")
        return {}
    try:
        data = json.loads((folder / REVOCATIONS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    revoked = {}
    try:
        if data["format"] != REVOCATIONS_FORMAT:
            raise ValueError(data["format"])
        dbid = str(data["database_id"])
        keys = {}
        for k in data["keys"]:
            kid, public = str(k["key_id"]), k["public_key"]
            if not hex32(public) or fingerprint(public).replace(" ", "") != kid:
                problems.append(f"{REVOCATIONS}: the public key given for key {kid} does "
                                "not match its id")
                continue
            keys[kid] = (str(k["station"]), public)
        for r in sorted(data["revocations"], key=lambda r: str(r["revoked_at"])):
            kid, at, signer_id = str(r["key_id"]), str(r["revoked_at"]), str(r["endorsed_by"])
            name = f"the revocation of station key {spaced(kid)} ({r['station']}) at {at}"
            signer = keys.get(signer_id)
            if signer is None:
                problems.append(f"{REVOCATIONS}: {name}: the key that signed it is not in "
                                "the export")
                continue
            earlier = revoked.get(signer_id)
            if earlier is not None and earlier["at"] < at:
                problems.append(f"{REVOCATIONS}: {name}: the key that signed it was itself "
                                f"revoked before then, at {earlier['at']}")
                continue
            if not signed(signer[1], revocation_message(dbid, r), str(r["endorsement"])):
                problems.append(f"{REVOCATIONS}: {name} does not verify (its signature does "
                                "not match: it was changed after it was signed)")
                continue
            stood = None
            for h in r["heads"]:
                head = {"database_id": dbid, "chain": str(h["chain"]), "seq": int(h["seq"]),
                        "head_hash": str(h["head_hash"]), "at": str(h["at"]),
                        "station": str(h["station"]), "key_id": str(h["key_id"])}
                if (h["key_id"] != signer_id or h["at"] != at
                        or not signed(signer[1], checkpoint_message(head),
                                      str(h["signature"]))):
                    problems.append(f"{REVOCATIONS}: {name}: the head of the {h['chain']} "
                                    f"chain signed with it (record #{h['seq']}) does not "
                                    "verify")
                    continue
                if h["chain"] == "custody":
                    stood = max(stood or 0, int(h["seq"]))
            revoked[kid] = {"key_id": kid, "at": at, "by": str(r["revoked_by"]),
                            "revoking_station": str(r["revoking_station"]),
                            "reason": str(r["reason"]), "stood": stood}
            print(f"station key {spaced(kid)} of {r['station']} was revoked at {at} by "
                  f"{r['revoked_by']} at {r['revoking_station']}: {r['reason']} (signed by "
                  f"key {spaced(signer_id)} of {signer[0]}); it signs nothing trustworthy "
                  "after that, what it signed before still counts")
    except (KeyError, ValueError, TypeError, AttributeError):
        problems.append(f"{REVOCATIONS}: unreadable")
        return {}
    if not revoked:
        print(f"{REVOCATIONS}: none of this export's keys had been revoked when it was made")
    return revoked


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
    revoked = revocations(folder, problems)
    key_path = folder / "station-key.json"
    try:
        key = json.loads(key_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        key = None
    sig_path = folder / SIGNATURE
    if sig_path.is_file() and key_path.is_file() and not (
            isinstance(key, dict) and hex32(key.get("public_key"))):
        problems.append("station-key.json: no valid station key in it, so the manifest's "
                        "signature cannot be checked")
    elif key is None or not sig_path.is_file():
        print("NOTE: the manifest is not signed (the exporting station had no key)")
    else:
        sig = sig_path.read_text(encoding="utf-8").strip()
        print(f"manifest signed by {key.get('station')}: fingerprint "
              f"{fingerprint(key['public_key'])}")
        if not signed(key["public_key"], manifest.read_bytes(), sig):
            problems.append(f"{MANIFEST} / {SIGNATURE}: the signature does not match the "
                            "manifest (one of the two was changed)")
        public = key.get("public_key")
        gone = revoked.get(fingerprint(public).replace(" ", "")) if hex32(public) else None
        if gone is not None:
            problems.append(
                f"{SIGNATURE}: signed by key {spaced(gone['key_id'])} of {key.get('station')}, "
                f"which was revoked at {gone['at']} by {gone['by']} at "
                f"{gone['revoking_station']}: {gone['reason']}; an export is signed when it "
                "is made, after that: NOT trustworthy")
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
            gone = revoked.get(str(cp["key_id"]))
            if gone is not None:
                what = (f"the checkpoint of record #{cp['seq']} signed by {cp['station']} at "
                        f"{cp['at']}")
                if gone["at"] < str(cp["at"]):
                    problems.append(f"checkpoint.json: {what} is NOT trustworthy: {why(gone)}; "
                                    "it was signed after that")
                elif gone["stood"] is not None and int(cp["seq"]) > gone["stood"]:
                    problems.append(
                        f"checkpoint.json: {what} is NOT trustworthy: {why(gone)}; it is dated "
                        f"before the revocation, but signs record #{cp['seq']}, beyond record "
                        f"#{gone['stood']} the custody chain had reached when the key was "
                        "revoked")
                else:
                    print(f"checkpoint #{cp['seq']} was signed at {cp['at']}, before its key "
                          "was revoked: it still counts")
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

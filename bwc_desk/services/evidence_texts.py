"""The README and the FRE 902(14) certificate template written into an evidence export."""

from __future__ import annotations

from typing import Any


def _revoked_text(revocations: list[dict[str, Any]]) -> str:
    if not revocations:
        return ("revocations.json lists no revocation: none of the keys this export ships "
                "had been revoked when it was made.")
    lines = [
        "KEYS REVOKED. revocations.json holds the revocation of these keys, each signed by "
        "the station that revoked it:"
    ]
    for r in revocations:
        kid = str(r["key_id"])
        spaced = " ".join(kid[i:i + 4] for i in range(0, len(kid), 4))
        lines.append(f"  station key {spaced} of {r['station']}: revoked at {r['revoked_at']} "
                     f"(UTC) by {r['revoked_by']} at {r['revoking_station']}: {r['reason']}")
    lines.append(
        "A revoked key (a stolen or rebuilt station PC) signs nothing trustworthy after its "
        "revocation; what it signed before still counts. The checkers below fail any "
        "checkpoint or manifest in this folder that such a key signed after it.")
    return "\n".join(lines)


def readme_text(subject: str, at: str, station: str, anchored: bool,
                key: dict[str, Any] | None, revocations: list[dict[str, Any]]) -> str:
    anchor = (
        "checkpoint.json is the station's signed statement of the chain's head after the "
        "last record: chain-links.csv links every record of the excerpt to it."
        if anchored else
        "NOT YET ANCHORED: no signed checkpoint follows the last record of this excerpt, "
        "and the exporting station had no registered key to write one. The records' hashes "
        "and links can be checked, but nothing signed vouches for the chain after them yet; "
        "export again once a checkpoint has been written."
    )
    signed = (
        f"MANIFEST.sig is the signature of MANIFEST.sha256 by station {key['station']}, "
        f"key fingerprint {key['fingerprint']} (public key in station-key.json)."
        if key else
        "The manifest is NOT signed: the exporting station had no key."
    )
    return f"""BWC Desk evidence export: custody history of {subject}
Exported {at} (UTC) at station {station}.

FILES
  custody-history.pdf        the history for people to read
  records.csv                every record with every field, its prev_hash and hash
  chain-links.csv            record number, prev_hash and hash of every record from the one
                             before the first record of this excerpt up to the signed
                             checkpoint (hashes only: other records' contents are withheld)
  checkpoint.json            the signed checkpoint that follows the last record
  station-key.json           the exporting station's public key
  revocations.json           the revocations of the keys above (who, when, why), each
                             signed by the revoking station's key, with that key and the
                             chain heads it signed at the revocation
  MANIFEST.sha256            the SHA-256 of every file above
  MANIFEST.sig               the station's signature of MANIFEST.sha256
  certificate-FRE-902-14.txt a certificate for the custodian to complete and sign
  check_export.py            the checker described below

{anchor}
{signed}
{_revoked_text(revocations)}

HOW TO CHECK THIS EXPORT (no BWC Desk needed)
1. Every file is as exported:
       sha256sum -c MANIFEST.sha256
   (on Windows: CertUtil -hashfile FILE SHA256, and compare with the manifest's line).
2. Everything else, with Python 3 and the `cryptography` package (pip install cryptography):
       python3 check_export.py .
   It checks each file against the manifest and the manifest's signature; recomputes each
   record's hash from records.csv (SHA-256 over the previous hash, a newline and the
   record's fields, each text written as <length>:<text>, absent values as ~); checks that
   the records link to each other and, through chain-links.csv, to the signed checkpoint;
   and checks the checkpoint's signature. It checks the signature of each revocation in
   revocations.json (by a key not itself revoked before then), and fails a checkpoint or
   manifest signed by a key after its revocation (or dated back before it, but signing
   records the chain had not reached then). It prints the fingerprints of the keys it used:
   compare them with the fingerprints your agency publishes for its stations (an
   administrator prints them, and whether and when each was revoked, with `bwc-desk keys
   list`). A key you cannot match proves nothing; nor can this folder prove that no
   revocation was left out of it, so also check that the agency's list shows none of
   these keys revoked before the times they signed.
3. With BWC Desk installed: bwc-desk verify-export FOLDER does the same checks.

The whole chain (every record of the agency) can be checked in the database with
`bwc-desk verify`; the checkpoint's record number and hash must be found there too.
"""


def certificate_text(subject: str, records: int, first: int, last: int,
                     checkpoint: dict[str, Any] | None, key: dict[str, Any] | None) -> str:
    cp = (f"record #{checkpoint['seq']}, hash {checkpoint['head_hash']}, signed by station "
          f"{checkpoint['station']} (key fingerprint {checkpoint['fingerprint']}) at "
          f"{checkpoint['at']} UTC" if checkpoint else "none (the excerpt is not yet anchored)")
    signer = key["fingerprint"] if key else "none (the manifest is not signed)"
    return f"""CERTIFICATE OF AUTHENTICITY OF DATA COPIED FROM AN ELECTRONIC DEVICE,
STORAGE MEDIUM, OR FILE (Federal Rule of Evidence 902(14))

[A template. The custodian or other qualified person completes the bracketed fields,
checks the export as README.txt describes, and signs. Have counsel review it against the
rules of your jurisdiction.]

I, [NAME], declare:

1. I am employed by [AGENCY] as [TITLE]. I am a custodian of records of [AGENCY], or
   otherwise qualified by my duties, and familiar with the manner in which its custody
   records of body-worn cameras are created and kept in the BWC Desk system.

2. The records are made at or near the time of the events they describe, by or from
   information transmitted by persons with knowledge, and kept in the course of
   [AGENCY]'s regularly conducted activity, as a regular practice of that activity.
   Each record is appended to a hash chain (SHA-256) and the chain is periodically
   signed by the recording station's key, so that a changed, deleted or inserted record
   is detected.

3. The accompanying files are a true copy of the custody records of
   {subject}: {records} record(s), record numbers #{first} to #{last}, identified by the
   SHA-256 values in MANIFEST.sha256. On [DATE] I verified that each file's SHA-256 value
   matches the manifest, that each record's hash matches its contents and links to the
   chain, that the chain links to the signed checkpoint:
   {cp},
   and that no key that signed these files had been revoked before it signed them (the
   revocations listed in revocations.json, compared with [AGENCY]'s list of its keys).
   The manifest is signed by the exporting station's key, fingerprint {signer}.
   Published fingerprint(s) I compared these with: [WHERE PUBLISHED].

4. The process of hashing and comparing described above is a process by which digital
   data are authenticated as identical to the original.

I declare under penalty of perjury that the foregoing is true and correct.

Executed on [DATE] at [CITY, STATE].

____________________________________
[NAME], [TITLE]
"""

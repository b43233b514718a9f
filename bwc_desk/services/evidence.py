"""A court-ready excerpt of the custody ledger: one camera's or one officer's history.

The folder holds the history as PDF (for people) and CSV (every field, hashes included),
the hashes that link it to the whole chain (from the record before the first one to the
signed checkpoint after the last one), the station's public keys, a manifest of every
file's SHA-256 signed with this station's key, a certificate template in the shape of
FRE 902(14), a README and a standalone checker (``check_export.py``). See docs/ledger.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bwc_desk.adapters.csvfile import write_csv
from bwc_desk.adapters.pdftext import write_pdf
from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import ValidationError
from bwc_desk.domain.ledger import GENESIS, format_ts, heads_footer
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.signing import fingerprint, key_id, public_hex, sign
from bwc_desk.services import audit
from bwc_desk.services.context import Ctx
from bwc_desk.services.csv_formats import CUSTODY_COLUMNS
from bwc_desk.services.evidence_revocations import FILE as REVOCATIONS
from bwc_desk.services.evidence_revocations import revocations_for
from bwc_desk.services.evidence_script import SCRIPT
from bwc_desk.services.evidence_texts import certificate_text, readme_text
from bwc_desk.store import checkpoints, keystore
from bwc_desk.store.ledger import AUDIT, CUSTODY, recorded_head
from bwc_desk.store.models import (
    CustodyEvent,
    LedgerCheckpoint,
    Officer,
    StationKey,
    Unit,
)
from bwc_desk.store.trust import Trust, load_trust

MANIFEST = "MANIFEST.sha256"
SIGNATURE = "MANIFEST.sig"
LINK_COLUMNS = ("seq", "prev_hash", "hash")
_BATCH = 20_000


@dataclass(frozen=True, slots=True)
class EvidenceRequest:
    unit_tag: str | None = None
    officer_badge: str | None = None
    date_from: date | None = None  # local dates, inclusive
    date_to: date | None = None


@dataclass(frozen=True, slots=True)
class EvidenceExport:
    folder: Path
    subject: str
    records: int
    files: tuple[str, ...]
    anchored: bool  # a signed checkpoint follows the last record
    checkpoint_seq: int | None
    manifest_signed: bool
    fingerprint: str | None  # of the key that signed the manifest

    def summary(self) -> str:
        lines = [f"Wrote {self.records} custody records of {self.subject} to {self.folder}."]
        if self.anchored:
            lines.append(f"Linked to signed checkpoint #{self.checkpoint_seq}.")
        else:
            lines.append("The excerpt is NOT yet anchored: no signed checkpoint follows its "
                         "last record, and this station has no registered key to write one.")
        if self.manifest_signed:
            lines.append(f"Manifest signed by this station's key, fingerprint {self.fingerprint}.")
        else:
            lines.append("The manifest is NOT signed: this station has no key.")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Subject:
    label: str  # "camera BWC-0012 (serial X, model Y)"
    slug: str
    unit_id: int | None
    officer_id: int | None


def _subject(session: Session, request: EvidenceRequest) -> _Subject:
    if bool(request.unit_tag) == bool(request.officer_badge):
        raise ValidationError("Name one camera (--unit TAG) or one officer (--officer BADGE).")
    if request.unit_tag:
        tag = request.unit_tag.strip()
        unit = session.execute(select(Unit).where(Unit.asset_tag == tag)).scalar_one_or_none()
        if unit is None:
            raise ValidationError(f"No camera has the asset tag {tag!r}; check the tag.")
        return _Subject(f"camera {unit.asset_tag} (serial {unit.serial}, model {unit.model})",
                        f"camera-{unit.asset_tag}", unit.id, None)
    badge = (request.officer_badge or "").strip()
    officer = session.execute(select(Officer).where(Officer.badge == badge)).scalar_one_or_none()
    if officer is None:
        raise ValidationError(f"No officer has the badge {badge!r}; check the badge number.")
    return _Subject(f"officer {officer.badge} {officer.last_name}, {officer.first_name}",
                    f"officer-{officer.badge}", None, officer.id)


def _bounds(ctx: Ctx, request: EvidenceRequest) -> tuple[datetime | None, datetime | None]:
    if request.date_from and request.date_to and request.date_from > request.date_to:
        raise ValidationError("The start date is after the end date; swap them.")
    start = end = None
    if request.date_from:
        start = datetime.combine(request.date_from, time(), ctx.zone)
    if request.date_to:
        end = datetime.combine(request.date_to + timedelta(days=1), time(), ctx.zone)
    return start, end


def _records(session: Session, subject: _Subject, start: datetime | None,
             end: datetime | None) -> list[tuple[Any, ...]]:
    stmt = select(CustodyEvent).order_by(CustodyEvent.seq)
    if subject.unit_id is not None:
        stmt = stmt.where(CustodyEvent.unit_id == subject.unit_id)
    else:
        stmt = stmt.where(CustodyEvent.officer_id == subject.officer_id)
    if start is not None:
        stmt = stmt.where(CustodyEvent.at >= start)
    if end is not None:
        stmt = stmt.where(CustodyEvent.at < end)
    events = session.execute(stmt).scalars().all()
    tags = dict(session.execute(select(Unit.id, Unit.asset_tag)).all())
    badges = dict(session.execute(select(Officer.id, Officer.badge)).all())
    return [
        (e.seq, format_ts(e.at), e.kind, e.unit_id, tags.get(e.unit_id or 0, ""), e.officer_id,
         badges.get(e.officer_id or 0, ""), e.staff_id, e.staff_username, e.station, e.reason,
         e.details, e.corrects_seq, e.prev_hash, e.hash)
        for e in events
    ]


def _disowned(cp: LedgerCheckpoint, trust: Trust) -> bool:
    """A checkpoint its key signed after the key's revocation, dated after it or back
    before it (verify names those): not one an export links to."""
    revoked = trust.revoked.get(cp.key_id)
    return revoked is not None and revoked.disowns(cp.chain, cp.seq, format_ts(cp.at)) is not None


def _checkpoint_after(session: Session, seq: int,
                      trust: Trust) -> tuple[LedgerCheckpoint, str] | None:
    page, offset = 32, 0
    while True:
        rows = session.execute(
            select(LedgerCheckpoint, StationKey.public_key)
            .join(StationKey, StationKey.key_id == LedgerCheckpoint.key_id)
            .where(LedgerCheckpoint.chain == CUSTODY, LedgerCheckpoint.seq >= seq)
            .order_by(LedgerCheckpoint.seq, LedgerCheckpoint.id)
            .limit(page).offset(offset)
        ).all()
        for cp, public_key in rows:
            if not _disowned(cp, trust):
                return cp, str(public_key)
        if len(rows) < page:
            return None
        offset += page


def _prepare_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ValidationError(f"{folder} is a file; choose a folder for the export.")
    if folder.is_dir() and any(folder.iterdir()):
        raise ValidationError(
            f"The folder {folder} is not empty; choose an empty or new folder, so that the "
            "export holds nothing but its own files.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(f"Cannot create the folder {folder}: {exc.strerror}. Choose "
                              "another folder.") from None


def export_evidence(ctx: Ctx, request: EvidenceRequest, folder: Path | str) -> EvidenceExport:
    """Write the evidence export of one camera or officer into ``folder`` (new or empty)."""
    actor = ctx.require(Permission.EXPORT, "export evidence")
    folder = Path(folder)
    with ctx.db.read() as session:
        subject = _subject(session, request)
        start, end = _bounds(ctx, request)
        records = _records(session, subject, start, end)
        if not records:
            raise ValidationError(f"There are no custody records of {subject.label} in that "
                                  "date range; widen the range.")
        found = _checkpoint_after(session, int(records[-1][0]), load_trust(session))
    if found is None:
        # Sign the chain's head now if this station has a registered key (else it stays
        # unanchored, and the export says so).
        with ctx.db.write() as session:
            checkpoints.checkpoint_now(session, ctx.station, CUSTODY, ctx.now())
    created = not folder.exists()
    _prepare_folder(folder)
    files: list[str] = []
    try:
        checkpoint, key_info, signed = _write_files(
            ctx, folder, files, subject, request, records, actor.describe())
    except BaseException:
        # Nothing half-written is left behind: the files of this export go, and the
        # folder too if the export made it.
        for name in files:
            (folder / name).unlink(missing_ok=True)
        for stray in folder.glob("*.part"):
            stray.unlink(missing_ok=True)
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    audit.record(ctx, AuditEvent.EXPORT, details={
        "what": "evidence", "subject": subject.label, "rows": len(records),
        "from": request.date_from.isoformat() if request.date_from else None,
        "to": request.date_to.isoformat() if request.date_to else None,
        "folder": folder.name, "checkpoint": checkpoint["seq"] if checkpoint else None,
    })
    return EvidenceExport(folder, subject.label, len(records), tuple(sorted(files)),
                          checkpoint is not None,
                          int(checkpoint["seq"]) if checkpoint else None,
                          signed, key_info["fingerprint"] if key_info else None)


def _links(session: Session, first: int, last: int) -> Iterator[tuple[Any, ...]]:
    """(seq, prev_hash, hash) from ``first`` to ``last``, streamed in keyset batches: an
    excerpt of an old camera can span millions of records of the whole agency."""
    after = first - 1
    while True:
        rows = session.execute(
            select(CustodyEvent.seq, CustodyEvent.prev_hash, CustodyEvent.hash)
            .where(CustodyEvent.seq > after, CustodyEvent.seq <= last)
            .order_by(CustodyEvent.seq).limit(_BATCH)
        ).all()
        yield from rows
        if len(rows) < _BATCH:
            return
        after = int(rows[-1][0])


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _write_files(
    ctx: Ctx, folder: Path, files: list[str], subject: _Subject, request: EvidenceRequest,
    records: list[tuple[Any, ...]], exported_by: str,
) -> tuple[dict[str, Any] | None, dict[str, str] | None, bool]:
    first, last = int(records[0][0]), int(records[-1][0])
    checkpoint: dict[str, Any] | None = None
    with ctx.db.read() as session:
        trust = load_trust(session)
        found = _checkpoint_after(session, last, trust)
        if found is not None:
            cp, public_key = found
            checkpoint = {
                "database_id": checkpoints.database_id(session), "chain": cp.chain,
                "seq": cp.seq, "head_hash": cp.head_hash, "at": format_ts(cp.at),
                "station": cp.station, "key_id": cp.key_id, "signature": cp.signature,
                "public_key": public_key, "fingerprint": fingerprint(public_key),
            }
        before = session.execute(
            select(CustodyEvent.seq, CustodyEvent.prev_hash, CustodyEvent.hash)
            .where(CustodyEvent.seq == first - 1)
        ).first()
        heads = heads_footer(recorded_head(session, CUSTODY) or (0, GENESIS),
                             recorded_head(session, AUDIT) or (0, GENESIS))
        files.append("chain-links.csv")
        write_csv(folder / "chain-links.csv", LINK_COLUMNS,
                  _links(session, max(first - 1, 1), int(checkpoint["seq"]) if checkpoint
                         else last))
    key = keystore.load(ctx.station)
    with ctx.db.read() as session:
        if key is not None and checkpoints.revoked(session, key_id(public_hex(key))):
            key = None  # a revoked key signs nothing more: the export is unsigned
        shipped = [checkpoint["key_id"] if checkpoint else "",
                   key_id(public_hex(key)) if key is not None else ""]
        revocations = revocations_for(session, trust, shipped)
    key_info = None if key is None else {
        "station": ctx.station, "public_key": public_hex(key),
        "fingerprint": fingerprint(public_hex(key)),
    }

    def put(name: str, data: str | bytes) -> None:
        path = folder / name
        files.append(name)
        try:
            if isinstance(data, str):
                path.write_text(data, encoding="utf-8", newline="\n")
            else:
                path.write_bytes(data)
        except OSError as exc:
            raise ValidationError(f"Cannot write {path}: {exc.strerror}.") from None

    files.append("records.csv")
    write_csv(folder / "records.csv", CUSTODY_COLUMNS, records)
    files.append("custody-history.pdf")
    write_pdf(folder / "custody-history.pdf",
              _pdf_lines(ctx, subject, request, records, before, checkpoint, exported_by),
              title=f"Custody history of {subject.label}", footer=heads)
    if checkpoint is not None:
        put("checkpoint.json", json.dumps(checkpoint, indent=2, sort_keys=True) + "\n")
    if key_info is not None:
        put("station-key.json", json.dumps(key_info, indent=2, sort_keys=True) + "\n")
    put(REVOCATIONS, json.dumps(revocations, indent=2, sort_keys=True) + "\n")
    put("certificate-FRE-902-14.txt", certificate_text(subject.label, len(records),
                                                      first, last, checkpoint, key_info))
    put("README.txt", readme_text(subject.label, format_ts(ctx.now()), ctx.station,
                                  checkpoint is not None, key_info,
                                  revocations["revocations"]))
    put("check_export.py", SCRIPT)
    manifest = "".join(f"{_sha256(folder / name)}  {name}\n" for name in sorted(files))
    put(MANIFEST, manifest)
    if key is not None:
        put(SIGNATURE, sign(key, manifest.encode()) + "\n")
    return checkpoint, key_info, key is not None


def default_folder_name(request: EvidenceRequest) -> str:
    who = request.unit_tag or request.officer_badge or "excerpt"
    kind = "camera" if request.unit_tag else "officer"
    return re.sub(r"[^A-Za-z0-9._-]", "_", f"evidence-{kind}-{who}")


def _readable(details: str | None) -> str:
    """The details' JSON as a person reads it: 'damaged: no, issued seq: 5' (the CSV keeps
    the exact text)."""
    if not details:
        return ""
    try:
        data = json.loads(details)
    except ValueError:
        return details
    if not isinstance(data, dict):
        return details

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, dict):
            return "(" + ", ".join(f"{k.replace('_', ' ')}: {value(x)}"
                                   for k, x in v.items() if x not in ("", None)) + ")"
        return str(v)

    return ", ".join(f"{k.replace('_', ' ')}: {value(v)}" for k, v in data.items()
                     if v not in ("", None))


def _pdf_lines(ctx: Ctx, subject: _Subject, request: EvidenceRequest,
               records: list[tuple[Any, ...]], before: Any, checkpoint: dict[str, Any] | None,
               exported_by: str) -> list[str]:
    span = (f"{request.date_from or 'the first record'} to "
            f"{request.date_to or 'the last record'}")
    lines = [
        f"CUSTODY HISTORY OF {subject.label.upper()}",
        f"Dates ({ctx.zone}): {span}.  Records: {len(records)}.",
        f"Exported {format_ts(ctx.now())} (UTC) at station {ctx.station} by {exported_by}.",
        "Times are UTC. records.csv holds every field of every record exactly; this document "
        "is its readable copy.",
        "",
        f"{'#':>7}  {'time (UTC)':<20} {'event':<16} {'camera':<12} {'officer':<10} "
        f"{'staff':<14} {'station':<14} reason / details",
        "-" * 150,
    ]
    for r in records:
        seq, at, kind, _uid, tag, _oid, badge, _sid, staff, station, reason, details = r[:12]
        note = " / ".join(x for x in (reason, _readable(details)) if x)
        lines.append(f"{seq:>7}  {at[:19].replace('T', ' '):<20} {kind:<16} {tag or '':<12} "
                     f"{badge or '':<10} {staff:<14} {station:<14} {note}")
    lines += ["", "HASHES (SHA-256; see README.txt to check them)"]
    if before is not None:
        lines.append(f"record before the first, #{before[0]}: {before[2]}")
    else:
        lines.append(f"the first record links to the start of the chain: {GENESIS}")
    lines += [f"#{r[0]:>7}  {r[14]}" for r in records]
    if checkpoint is not None:
        lines += ["", f"Signed checkpoint after the last record: #{checkpoint['seq']} "
                  f"{checkpoint['head_hash']}",
                  f"signed by station {checkpoint['station']} at {checkpoint['at']}, key "
                  f"fingerprint {checkpoint['fingerprint']}"]
    else:
        lines += ["", "NOT YET ANCHORED: no signed checkpoint follows the last record."]
    return lines

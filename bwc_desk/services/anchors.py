"""Anchors: every chain's head, signed by the station, appended as a line to a file in a
folder the agency chooses (a share the station's database users cannot rewrite, a USB
stick, a folder another system copies away). `bwc-desk verify --anchors PATH` checks the
database against every anchor kept there."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from bwc_desk.domain.audit import AuditEvent
from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.ledger import GENESIS, format_ts
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.signing import anchor_message, sign
from bwc_desk.services import audit
from bwc_desk.services.context import SYSTEM, Ctx
from bwc_desk.services.settings import read_settings
from bwc_desk.store import checkpoints, config, keystore
from bwc_desk.store.db import Database
from bwc_desk.store.ledger import AUDIT, CUSTODY, IDENTITY, recorded_head
from bwc_desk.store.models import AuditRecord
from bwc_desk.store.trust import load_trust

CHAINS = (CUSTODY, AUDIT, IDENTITY)
_TABLES = {CUSTODY: "custody_events", AUDIT: "audit_log", IDENTITY: "identity_events"}


@dataclass(frozen=True, slots=True)
class Anchor:
    path: Path
    line: str
    heads: dict[str, tuple[int, str]]
    signed: bool


def anchor_folder(ctx: Ctx) -> Path | None:
    """The agency's anchor folder; else `anchors` in the folder IT set for this station's
    backups and ledger anchors (station.json `backup_folder`); else none."""
    with ctx.db.read() as session:
        chosen = read_settings(session).anchor_folder.strip()
    if chosen:
        return Path(chosen)
    station_folder = config.load().backup_folder.strip()
    return Path(station_folder) / "anchors" if station_folder else None


def anchor_file(folder: Path, database_id: str) -> Path:
    return folder / f"bwc-desk-anchors-{database_id or 'unknown'}.jsonl"


def anchor_now(ctx: Ctx, folder: Path | None = None) -> Anchor:
    """Append this moment's chain heads, signed by this station, to the agency's anchor
    file (admin or auditor)."""
    ctx.require(Permission.VERIFY, "anchor the chain heads")
    folder = folder or anchor_folder(ctx)
    if folder is None:
        raise DomainError(
            "No anchor folder is set: choose one in Settings (Anchor folder), or give a "
            "folder: bwc-desk anchor FOLDER."
        )
    at = format_ts(ctx.now())
    with ctx.db.read() as session:
        dbid = checkpoints.database_id(session)
        heads = {c: recorded_head(session, c) or (0, GENESIS) for c in CHAINS}
        trust = load_trust(session)
    key = keystore.load(ctx.station)
    entry: dict[str, Any] = {"database_id": dbid, "at": at, "station": ctx.station}
    entry.update({c: [seq, digest] for c, (seq, digest) in heads.items()})
    signed = False
    if key is not None:
        from bwc_desk.domain.signing import key_id, public_hex

        kid = key_id(public_hex(key))
        if kid in trust.active():
            entry["key_id"] = kid
            entry["signature"] = sign(
                key,
                anchor_message(dbid, at, ctx.station, kid,
                               [(c, s, h) for c, (s, h) in heads.items()]),
            )
            signed = True
    line = json.dumps(entry, sort_keys=True, separators=(",", ":"))
    path = anchor_file(folder, dbid)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
    except OSError as exc:
        raise DomainError(
            f"Could not write the anchor to {path}: {exc.strerror or exc}. Check that the "
            "folder exists and this account may write it."
        ) from exc
    audit.record(ctx, AuditEvent.ANCHOR,
                 details={"file": str(path), "signed": signed,
                          **{c: list(v) for c, v in heads.items()}})
    return Anchor(path, line, heads, signed)


def _anchor_lines(path: Path) -> list[tuple[Path, int, str]]:
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    out = []
    for file in files:
        with file.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    out.append((file, number, line.strip()))
    return out


def check_anchors(db: Database, path: Path) -> list[str]:
    """Every anchor of this database in the file (or the folder's .jsonl files) must still
    be in the chains: same hash at the same record. Returns what does not hold."""
    if not path.exists():
        return [f"anchors: {path} does not exist"]
    problems: list[str] = []
    try:
        lines = _anchor_lines(path)
    except (OSError, UnicodeDecodeError) as exc:
        return [f"anchors: cannot read {path}: {exc}"]
    with db.read() as session:
        trust = load_trust(session)
        dbid = checkpoints.database_id(session)
        heads = {c: recorded_head(session, c) or (0, GENESIS) for c in CHAINS}
        checked = 0
        for file, number, line in lines:
            where = f"anchor {file.name}:{number}"
            try:
                entry = json.loads(line)
                if entry.get("database_id") != dbid:
                    continue  # another database's anchor (the folder may hold several)
                chains = {c: (int(entry[c][0]), str(entry[c][1])) for c in CHAINS if c in entry}
                at, station = str(entry["at"]), str(entry["station"])
            except (ValueError, KeyError, TypeError, IndexError):
                problems.append(f"{where}: not an anchor line")
                continue
            checked += 1
            if "signature" in entry:
                known = trust.keys.get(str(entry.get("key_id")))
                message = anchor_message(dbid, at, station, str(entry.get("key_id")),
                                         [(c, s, h) for c, (s, h) in chains.items()])
                if known is None or not known[1].check(message, str(entry["signature"])):
                    problems.append(f"{where} ({station}, {at}): its signature does not "
                                    "verify against a registered station key")
                    continue
                revoked = trust.revoked_before(str(entry.get("key_id")), at)
                if revoked is not None:
                    problems.append(f"{where} ({station}, {at}) is not trusted: its key was "
                                    f"{revoked.describe()}")
                    continue
            for chain, (seq, digest) in chains.items():
                last = heads[chain][0]
                if seq > last:
                    problems.append(
                        f"{where}: the {chain} chain ends at record #{last}, but {station} "
                        f"anchored record #{seq} at {at}: records were deleted from its end"
                    )
                    continue
                found = GENESIS if seq == 0 else session.execute(
                    text(f"SELECT hash FROM {_TABLES[chain]} WHERE seq = :seq"), {"seq": seq}
                ).scalar_one_or_none()
                if found != digest:
                    problems.append(
                        f"{where}: the {chain} chain up to record #{seq} was rewritten: it "
                        f"no longer matches what {station} anchored at {at}"
                    )
    if checked == 0 and not problems:
        problems.append(f"anchors: {path} holds no anchor of this database ({dbid})")
    return problems


ANCHOR_EVERY = timedelta(days=1)


def anchor_if_due(ctx: Ctx) -> Anchor | None:
    """The app's daily anchor: if the agency chose an anchor folder and no anchor was
    written in the last day (by any station), anchor now. Call it from a timer (hourly, and
    once at start-up) with the signed-in context; a failure is the caller's to show."""
    folder = anchor_folder(ctx)
    if folder is None or ctx.actor is None:
        return None
    with ctx.db.read() as session:
        last = session.execute(
            select(func.max(AuditRecord.at)).where(AuditRecord.event == AuditEvent.ANCHOR.value)
        ).scalar_one_or_none()
    if last is not None and ctx.now() - last < ANCHOR_EVERY:
        return None
    return anchor_now(ctx.as_actor(SYSTEM), folder)

"""CSV exports: the same columns the imports read, and the whole custody ledger."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from sqlalchemy import select

from bwc_desk.adapters.csvfile import write_csv
from bwc_desk.adapters.staged import sha256_of, staged
from bwc_desk.domain.roles import Permission
from bwc_desk.services import audit
from bwc_desk.services.context import Ctx
from bwc_desk.services.csv_formats import CUSTODY_COLUMNS, OFFICER_COLUMNS, UNIT_COLUMNS
from bwc_desk.store import queries
from bwc_desk.store.models import Officer, Unit


def _published(
    ctx: Ctx, what: str, path: Path | str, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    """Write the CSV under a temporary name, record the export (with the file's SHA-256),
    then put the file in place: no file without its audit record."""
    with staged(path) as tmp:
        n = write_csv(tmp, columns, rows)
        audit.record_export(ctx, what, Path(path), n, sha256_of(tmp))
    return n


def export_officers(ctx: Ctx, path: Path | str) -> int:
    ctx.require(Permission.EXPORT, "export data")
    with ctx.db.read() as session:
        rows = [
            (
                o.badge,
                o.last_name,
                o.first_name,
                o.rank,
                o.division,
                o.shift,
                "yes" if o.active else "no",
                o.scan_code,
            )
            for o in session.execute(select(Officer).order_by(Officer.badge)).scalars()
        ]
    return _published(ctx, "officers", path, OFFICER_COLUMNS, rows)


def export_units(ctx: Ctx, path: Path | str) -> int:
    ctx.require(Permission.EXPORT, "export data")
    with ctx.db.read() as session:
        badges = dict(session.execute(select(Officer.id, Officer.badge)).all())
        rows = [
            (
                u.asset_tag,
                u.serial,
                u.model,
                u.firmware,
                # 'issued' is a counter state, not an inventory one: it exports as available
                "available" if u.status == "issued" else u.status,
                u.purchase_date.isoformat() if u.purchase_date else "",
                u.warranty_until.isoformat() if u.warranty_until else "",
                badges.get(u.primary_officer_id, "") if u.primary_officer_id else "",
                u.notes,
                u.location,
            )
            for u in session.execute(select(Unit).order_by(Unit.asset_tag)).scalars()
        ]
    return _published(ctx, "units", path, UNIT_COLUMNS, rows)


def export_custody(ctx: Ctx, path: Path | str) -> int:
    """Every custody event with all its fields, hashes included, so that an auditor can
    recompute the chain from this file alone (docs/ledger.md)."""
    ctx.require(Permission.EXPORT, "export data")
    with staged(path) as tmp:
        with ctx.db.read() as session:
            n = write_csv(tmp, CUSTODY_COLUMNS, queries.custody_export_rows(session))
        audit.record_export(ctx, "custody", Path(path), n, sha256_of(tmp))
    return n

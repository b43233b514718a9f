"""Read queries that build whole lists in one round trip (25,000 units must list fast)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from bwc_desk.store.fast import Read
from bwc_desk.store.ledger import ts_text
from bwc_desk.store.models import Bay, Checkout, CustodyEvent, Dock, Officer, Pool, Unit


def _with_unit_joins(stmt: Any, primary: Any, holder: Any) -> Any:
    """What an inventory row shows besides the unit itself: the primary officer, the pool,
    the open checkout and its holder, the bay and dock, the last custody event. (The unit's
    own columns, its location among them, need no join.)"""
    return (
        stmt.outerjoin(primary, primary.id == Unit.primary_officer_id)
        .outerjoin(Pool, Pool.id == Unit.pool_id)
        .outerjoin(Checkout, and_(Checkout.unit_id == Unit.id, Checkout.returned_at.is_(None)))
        .outerjoin(holder, holder.id == Checkout.officer_id)
        .outerjoin(Bay, Bay.unit_id == Unit.id)
        .outerjoin(Dock, Dock.id == Bay.dock_id)
        .outerjoin(CustodyEvent, CustodyEvent.seq == Unit.last_event_seq)
        .order_by(Unit.asset_tag)
    )


@cache
def _unit_select(by_ids: bool) -> Any:
    # Built once: constructing this statement costs more than running it for one unit. (And
    # not cached below it: each build makes new aliases, so a cache keyed on the statement
    # would keep every one ever built.)
    primary = aliased(Officer)
    holder = aliased(Officer)
    stmt = _with_unit_joins(
        select(
            Unit.id,
            Unit.asset_tag,
            Unit.serial,
            Unit.model,
            Unit.firmware,
            Unit.status,
            Unit.notes,
            Unit.purchase_date,
            Unit.warranty_until,
            Unit.primary_officer_id,
            primary.last_name,
            primary.first_name,
            primary.badge,
            Unit.pool_id,
            Pool.name,
            Checkout.officer_id,
            holder.last_name,
            holder.first_name,
            holder.badge,
            Checkout.issued_at,
            Checkout.expected_return,
            Dock.name,
            Bay.bay_no,
            CustodyEvent.kind,
            CustodyEvent.at,
            Unit.repair_vendor,
            Unit.repair_ticket,
            Unit.repair_expected,
            Unit.status_reason,
            Unit.location,
        ),
        primary,
        holder,
    )
    if by_ids:
        stmt = stmt.where(Unit.id.in_(bindparam("ids", expanding=True)))
    return stmt


_UNIT_ROW_OF = Read(_unit_select(False).where(Unit.id == bindparam("unit_id")))


def unit_row_of(session: Session, unit_id: int) -> tuple[Any, ...]:
    """One unit's inventory row (the counter's answer to every scan shows it)."""
    row = _UNIT_ROW_OF.first(session, {"unit_id": unit_id})
    if row is None:
        raise LookupError(f"no unit {unit_id}")
    return row


_EVERY_UNIT_ROW = Read(_unit_select(False))


def unit_rows(session: Session, unit_ids: Sequence[int] | None = None) -> list[Any]:
    if unit_ids is None:
        return _EVERY_UNIT_ROW.all(session)
    return list(session.execute(_unit_select(True), {"ids": list(unit_ids)}).all())


@cache
def _officer_select(by_ids: bool) -> Any:
    stmt = (
        select(
            Officer.id,
            Officer.badge,
            Officer.last_name,
            Officer.first_name,
            Officer.rank,
            Officer.division,
            Officer.shift,
            Officer.active,
            Officer.scan_code,
            Unit.id,
            Unit.asset_tag,
        )
        .outerjoin(Unit, Unit.primary_officer_id == Officer.id)
        .order_by(Officer.last_name, Officer.first_name, Officer.badge)
    )
    if by_ids:
        stmt = stmt.where(Officer.id.in_(bindparam("ids", expanding=True)))
    return stmt


_EVERY_OFFICER_ROW = Read(_officer_select(False))


def officer_rows(session: Session, officer_ids: Sequence[int] | None = None) -> list[Any]:
    if officer_ids is None:
        return _EVERY_OFFICER_ROW.all(session)
    return list(session.execute(_officer_select(True), {"ids": list(officer_ids)}).all())


@cache
def _checkout_select(by_officers: bool, by_unit: bool) -> Any:
    stmt = (
        select(
            Checkout.id,
            Checkout.unit_id,
            Unit.asset_tag,
            Checkout.officer_id,
            Officer.last_name,
            Officer.first_name,
            Officer.badge,
            Officer.shift,
            Checkout.issued_at,
            Checkout.expected_return,
            Checkout.issued_by,
            Checkout.issued_station,
            Checkout.swap_reason,
            Checkout.returned_at,
        )
        .join(Unit, Unit.id == Checkout.unit_id)
        .join(Officer, Officer.id == Checkout.officer_id)
        .where(Checkout.returned_at.is_(None))
        .order_by(Checkout.expected_return)
    )
    if by_officers:
        stmt = stmt.where(Checkout.officer_id.in_(bindparam("ids", expanding=True)))
    if by_unit:
        stmt = stmt.where(Checkout.unit_id == bindparam("unit_id"))
    return stmt


def open_checkouts(session: Session, officer_ids: Sequence[int] | None = None) -> list[Any]:
    if officer_ids is None:
        return list(session.execute(_checkout_select(False, False)).all())
    return list(session.execute(_checkout_select(True, False), {"ids": list(officer_ids)}).all())


def open_checkouts_touching(
    session: Session,
    *,
    unit_ids: Collection[int] = (),
    officer_ids: Collection[int] = (),
    checkout_ids: Collection[int] = (),
) -> list[Any]:
    """The open checkouts of these units, of these officers, or with these ids: the rows of
    Out now that one change set can have touched."""
    stmt = _checkout_select(False, False)
    which = [
        column.in_(sorted(ids))
        for column, ids in (
            (Checkout.unit_id, unit_ids),
            (Checkout.officer_id, officer_ids),
            (Checkout.id, checkout_ids),
        )
        if ids
    ]
    if not which:
        return []
    return list(session.execute(stmt.where(or_(*which))).all())


def custody_rows(
    session: Session,
    *,
    unit_id: int | None = None,
    officer_id: int | None = None,
    before_seq: int | None = None,
    limit: int | None = 200,
    ascending: bool = False,
) -> list[Any]:
    """Custody events newest first (or oldest first), a page at a time by seq."""
    stmt = (
        select(
            CustodyEvent.seq,
            CustodyEvent.at,
            CustodyEvent.kind,
            CustodyEvent.unit_id,
            Unit.asset_tag,
            CustodyEvent.officer_id,
            Officer.last_name,
            Officer.first_name,
            Officer.badge,
            CustodyEvent.staff_username,
            CustodyEvent.station,
            CustodyEvent.reason,
            CustodyEvent.details,
            CustodyEvent.corrects_seq,
            CustodyEvent.hash,
        )
        .outerjoin(Unit, Unit.id == CustodyEvent.unit_id)
        .outerjoin(Officer, Officer.id == CustodyEvent.officer_id)
    )
    if unit_id is not None:
        stmt = stmt.where(CustodyEvent.unit_id == unit_id)
    if officer_id is not None:
        stmt = stmt.where(CustodyEvent.officer_id == officer_id)
    if before_seq is not None:
        stmt = stmt.where(CustodyEvent.seq < before_seq)
    stmt = stmt.order_by(CustodyEvent.seq.asc() if ascending else CustodyEvent.seq.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).all())


def open_checkout_for_unit(session: Session, unit_id: int) -> Any:
    """The unit's open issue, or None."""
    return session.execute(_checkout_select(False, True), {"unit_id": unit_id}).first()


_FREE_BAY = (
    select(Dock.name, Bay.bay_no)
    .join(Bay, Bay.dock_id == Dock.id)
    .where(Bay.serial.is_(None), Dock.last_seen_at >= bindparam("since"))
    .order_by(Dock.name, Bay.bay_no)
    .limit(1)
)


def free_bay(session: Session, seen_since: datetime) -> str:
    """'DOCK-A bay 3': the first empty bay on a dock that reported recently, or ''."""
    row = session.execute(_FREE_BAY, {"since": seen_since}).first()
    return f"{row[0]} bay {row[1]}" if row else ""


def returned_not_docked(
    session: Session, returned_before: datetime, returned_after: datetime
) -> list[Any]:
    """Returns (not undone) older than the cut-off whose unit has not docked since, is not
    out again, and is not in repair. A camera a dock returned was docked at its return:
    there the docked record comes just before the returned one, in the same transaction,
    so "docked at the return" is the unit's last record before the return being docked."""
    docked_after = (
        select(CustodyEvent.seq)
        .where(
            CustodyEvent.unit_id == Checkout.unit_id,
            CustodyEvent.kind == "docked",
            CustodyEvent.seq > Checkout.returned_seq,
        )
        .exists()
    )
    before = aliased(CustodyEvent)
    # Correlated to the outer checkout explicitly: two levels down (inside
    # ``docked_at_return``), automatic correlation would not reach it, and the maximum would
    # be over every checkout of the agency instead of this one (wrong, and a join of the
    # whole ledger with every checkout).
    last_before_return = (
        select(func.max(before.seq))
        .where(before.unit_id == Checkout.unit_id, before.seq < Checkout.returned_seq)
        .correlate(Checkout)
        .scalar_subquery()
    )
    docked_at_return = (
        select(CustodyEvent.seq)
        .where(
            CustodyEvent.unit_id == Checkout.unit_id,
            CustodyEvent.kind == "docked",
            CustodyEvent.seq == last_before_return,
        )
        .exists()
    )
    later = aliased(Checkout)
    issued_again = (
        select(later.id)
        .where(later.unit_id == Checkout.unit_id, later.issued_at > Checkout.returned_at)
        .exists()
    )
    stmt = (
        select(
            Checkout.unit_id,
            Unit.asset_tag,
            Officer.last_name,
            Officer.first_name,
            Officer.badge,
            Checkout.returned_at,
            Checkout.returned_by,
        )
        .join(Unit, Unit.id == Checkout.unit_id)
        .join(Officer, Officer.id == Checkout.officer_id)
        .outerjoin(Bay, Bay.unit_id == Checkout.unit_id)
        .where(
            Checkout.returned_at.is_not(None),
            Checkout.voided.is_(False),
            Checkout.returned_at < returned_before,
            Checkout.returned_at > returned_after,
            Unit.status == "available",
            Bay.unit_id.is_(None),
            ~docked_after,
            ~docked_at_return,
            ~issued_again,
        )
        .order_by(Checkout.returned_at)
    )
    return list(session.execute(stmt).all())


def custody_export_rows(session: Session) -> Iterator[tuple[Any, ...]]:
    """Every custody event in chain order with the unit's tag and officer's badge, streamed;
    timestamps in the exact text form that went into the hash."""
    # Batches by keyset rather than a server-side cursor: an export stopped half-way (a full
    # disk) leaves nothing open on the server.
    stmt = text(
        "SELECT e.seq, e.at, e.kind, e.unit_id, u.asset_tag, e.officer_id, o.badge,"
        " e.staff_id, e.staff_username, e.station, e.reason, e.details, e.corrects_seq,"
        " e.prev_hash, e.hash FROM custody_events e"
        " LEFT JOIN units u ON u.id = e.unit_id"
        " LEFT JOIN officers o ON o.id = e.officer_id WHERE e.seq > :after ORDER BY e.seq"
        " LIMIT 20000"
    )
    is_sqlite = session.get_bind().dialect.name == "sqlite"
    after = -1
    while True:
        rows = session.execute(stmt, {"after": after}).all()
        for r in rows:
            yield (r[0], ts_text(r[1], is_sqlite), *r[2:])
        if len(rows) < 20000:
            return
        after = rows[-1][0]


def unit_custody_export_rows(session: Session, unit_id: int) -> Iterator[tuple[Any, ...]]:
    """One unit's custody events in the columns of ``custody_export_rows``, oldest first;
    timestamps in the exact text form that went into the hash."""
    result = session.execute(
        text(
            "SELECT e.seq, e.at, e.kind, e.unit_id, u.asset_tag, e.officer_id, o.badge,"
            " e.staff_id, e.staff_username, e.station, e.reason, e.details, e.corrects_seq,"
            " e.prev_hash, e.hash FROM custody_events e"
            " LEFT JOIN units u ON u.id = e.unit_id"
            " LEFT JOIN officers o ON o.id = e.officer_id"
            " WHERE e.unit_id = :unit_id ORDER BY e.seq"
        ),
        {"unit_id": unit_id},
    ).all()  # one camera's history: tens of thousands of rows at most, read at once
    is_sqlite = session.get_bind().dialect.name == "sqlite"
    for r in result:
        yield (r[0], ts_text(r[1], is_sqlite), *r[2:])


@cache
def _unit_text_select(words: int) -> Any:
    # The Inventory filter's match done by the database: every word somewhere in the text of
    # the row's visible columns. The benchmarks' baseline for the filter typed in the view.
    from sqlalchemy import String, func  # here: only this statement needs them

    primary = aliased(Officer)
    holder = aliased(Officer)
    sep = " "
    parts = [
        Unit.asset_tag,
        Unit.serial,
        Unit.model,
        Unit.firmware,
        Unit.status,
        func.coalesce(holder.last_name + ", " + holder.first_name + " (" + holder.badge + ")", ""),
        func.coalesce(
            primary.last_name + ", " + primary.first_name + " (" + primary.badge + ")", ""
        ),
        func.coalesce("Pool: " + Pool.name, ""),
        func.coalesce(Dock.name + " / bay " + func.cast(Bay.bay_no, String), ""),
        func.coalesce(CustodyEvent.kind, ""),
        func.coalesce(func.cast(Unit.warranty_until, String), ""),
    ]
    hay: Any = parts[0]
    for part in parts[1:]:
        hay = hay + sep + part
    hay = func.lower(hay)
    stmt = _with_unit_joins(select(Unit.id), primary, holder)
    for i in range(words):
        stmt = stmt.where(hay.like(bindparam(f"w{i}"), escape="\\"))
    return stmt


def unit_ids_matching(session: Session, text_: str) -> list[int]:
    """Ids of the units whose visible text contains every word of ``text_`` (any case)."""
    words = text_.lower().split()

    def pattern(word: str) -> str:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"

    params = {f"w{i}": pattern(w) for i, w in enumerate(words)}
    return list(session.execute(_unit_text_select(len(words)), params).scalars())


@cache
def _officers_of_units_select() -> Any:
    ids: Any = bindparam("ids", expanding=True)
    primaries = select(Unit.primary_officer_id).where(
        Unit.id.in_(ids), Unit.primary_officer_id.is_not(None)
    )
    holders = select(Checkout.officer_id).where(
        Checkout.unit_id.in_(ids), Checkout.returned_at.is_(None)
    )
    return primaries.union(holders)


def officer_ids_of_units(session: Session, unit_ids: Sequence[int]) -> set[int]:
    """The officers whose primary camera, or a camera out with them now, is one of these."""
    if not unit_ids:
        return set()
    return set(session.execute(_officers_of_units_select(), {"ids": list(unit_ids)}).scalars())

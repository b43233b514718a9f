"""What one write transaction touched: the units, officers, checkouts and docks it wrote, and
the topics ("units", "custody", "docks"...) the views call those changes.

``Database.write`` puts a ``Touched`` in every write session. Session events fill it: the
ORM's flushes (the objects added, changed and deleted, with a changed foreign key's old and
new value) and every INSERT, UPDATE or DELETE run through ``session.execute`` (ids read from
the parameters, or selected with the statement's own WHERE before it runs, or, for an insert
that leaves the ids to the database, the rows above the highest id before it). What no event
explains (SQL text, say) is still seen at the cursor: its topics are kept and its ids are
marked unknown, so nothing is ever silently left out. At commit the collector becomes one
frozen ``Change``; a rolled-back transaction yields nothing."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.base import NO_VALUE

KINDS = ("units", "officers", "checkouts", "docks")
# More ids of one kind than this in one transaction: only "ids unknown" is kept (a view
# reloads instead of patching, and a notification stays well under PostgreSQL's 8000 bytes).
# The same figure as services.changeset.LARGE.
LIMIT = 500
PAYLOAD_LIMIT = 7900  # bytes; pg_notify refuses payloads of 8000 and more
_PAYLOAD_KEYS = {"units": "u", "officers": "f", "checkouts": "c", "docks": "d"}  # "o": origin
KEY = "bwc_touched"

# Tables written -> what the views call the change ("units", "officers"...).
TOPICS: dict[str, tuple[str, ...]] = {
    # A custody event names a unit (then "units" too: see Touched.row) or only an officer
    # (a roster change in the ledger).
    "custody_events": ("custody",), "checkouts": ("custody", "units"),
    # Dock reports (bays, readings, heartbeats) change all the time: only views of the docks
    # follow them live; arrivals and departures are custody events, which every view follows.
    "units": ("units",), "unit_readings": ("docks",), "pools": ("pools", "units"),
    "officers": ("officers",), "bays": ("docks",), "docks": ("docks",),
    "settings": ("settings",), "shifts": ("settings",), "staff": ("staff",),
    "name_locks": ("staff",),
    "cage_audits": ("audits",), "cage_audit_scans": ("audits",), "cage_audit_cases": ("audits",),
    "repair_cases": ("repairs",), "repair_events": ("repairs",), "inspection_items": ("repairs",),
    "dock_inspections": ("repairs", "docks"), "out_of_service": ("repairs", "docks"),
}
# Which columns of a table name which kind of row. A unit's primary officer is shown on the
# officer's roster row too, so a new or old primary names that officer.
ID_COLUMNS: dict[str, dict[str, str]] = {
    "units": {"id": "units", "primary_officer_id": "officers"},
    "officers": {"id": "officers"},
    "checkouts": {"id": "checkouts", "unit_id": "units", "officer_id": "officers"},
    "custody_events": {"unit_id": "units", "officer_id": "officers"},
    "docks": {"id": "docks"},
    "bays": {"dock_id": "docks"},
}
# What this station wrote, for a poll to tell its own writes from other stations': the seqs
# it appended to a chain (one transaction's are consecutive: the head is locked), and the
# updated_at values it stamped rows with (one per transaction, however many rows).
SEQ_TABLES = {"custody_events": "custody", "audit_log": "audit"}
STAMPED = ("units", "officers", "settings")
FOLLOWED = set(TOPICS) | set(SEQ_TABLES)


@dataclass(frozen=True, slots=True)
class Change:
    """What one committed transaction changed (services turn it into a ChangeSet)."""

    topics: frozenset[str]
    units: frozenset[int] = frozenset()
    officers: frozenset[int] = frozenset()
    checkouts: frozenset[int] = frozenset()
    docks: frozenset[int] = frozenset()
    complete: bool = True  # False: some ids are not known

    def payload(self, origin: str) -> str:
        """The notification's text: JSON, without the ids when they would not fit."""
        body: dict[str, Any] = {"o": origin, "t": sorted(self.topics)}
        if self.complete:
            for kind in KINDS:
                ids = getattr(self, kind)
                if ids:
                    body[_PAYLOAD_KEYS[kind]] = sorted(ids)
        else:
            body["x"] = 1
        text = json.dumps(body, separators=(",", ":"))
        if len(text.encode()) > PAYLOAD_LIMIT:
            text = json.dumps({"o": origin, "t": sorted(self.topics), "x": 1},
                              separators=(",", ":"))
        return text

    @classmethod
    def from_payload(cls, payload: str) -> tuple[str, Change]:
        """(origin, change) from a notification; an older station's "origin|topics" too."""
        if not payload.startswith("{"):
            origin, _, topics = payload.partition("|")
            return origin, cls(frozenset(t for t in topics.split(",") if t), complete=False)
        body = json.loads(payload)
        ids = {k: frozenset(int(i) for i in body.get(key, ())) for k, key in _PAYLOAD_KEYS.items()}
        return str(body.get("o", "")), cls(
            frozenset(body.get("t", ())), complete=not body.get("x"), **ids
        )


@dataclass
class Touched:
    """The collector of one write transaction."""

    tables: set[str] = field(default_factory=set)  # tables whose writes were explained
    ids: dict[str, set[int]] = field(default_factory=lambda: {k: set() for k in KINDS})
    unknown: set[str] = field(default_factory=set)  # kinds whose ids are not all known
    seqs: dict[str, tuple[int, int]] = field(default_factory=dict)  # chain -> (first, last)
    stamps: set[tuple[str, datetime]] = field(default_factory=set)  # (table, updated_at)
    topics: set[str] = field(default_factory=set)  # beyond what the tables say

    def add(self, kind: str, values: Iterable[Any]) -> None:
        if kind in self.unknown:
            return
        found = self.ids[kind]
        found.update(int(v) for v in values if v is not None)
        if len(found) > LIMIT:
            self.unknown.add(kind)
            found.clear()

    def unknowable(self, table: str) -> None:
        self.unknown.update(ID_COLUMNS.get(table, {}).values())
        if table == "custody_events":
            self.topics.add("units")
        if table == "pools":
            self.unknown.add("units")  # a pool renamed or gone: every unit in it shows it

    def row(self, table: str, values: Mapping[str, Any]) -> None:
        """One row's values (a parameter set of a statement)."""
        for column, kind in ID_COLUMNS.get(table, {}).items():
            if column in values:
                self.add(kind, (values[column],))
        if table == "custody_events" and values.get("unit_id") is not None:
            self.topics.add("units")
        self.footprint(table, values)

    def footprint(self, table: str, values: Mapping[str, Any]) -> None:
        """The seq appended, or the updated_at stamped: how a poll knows it as ours."""
        chain = SEQ_TABLES.get(table)
        if chain is not None and values.get("seq") is not None:
            seq = int(values["seq"])
            first, last = self.seqs.get(chain, (seq, seq))
            self.seqs[chain] = (min(first, seq), max(last, seq))
        if table in STAMPED and values.get("updated_at") is not None:
            self.stamps.add((table, values["updated_at"]))

    def result(self, written: set[str]) -> Change | None:
        """The committed transaction's change: ``written`` is what the cursor saw."""
        for table in written - self.tables:
            self.unknowable(table)  # written by a statement no event explained
        tables = self.tables | written
        topics = frozenset(
            {t for table in tables for t in TOPICS.get(table, ())} | self.topics
        )
        if not topics:
            return None
        ids = {k: frozenset(() if k in self.unknown else self.ids[k]) for k in KINDS}
        return Change(topics, complete=not self.unknown, **ids)


def after_flush(session: Session, _flush_context: Any) -> None:
    touched = session.info.get(KEY)
    if touched is None:
        return
    for objects, how in ((session.new, "new"), (session.dirty, "dirty"),
                         (session.deleted, "deleted")):
        for obj in objects:
            _object(touched, obj, how)


def _object(touched: Touched, obj: Any, how: str) -> None:
    table = getattr(obj, "__tablename__", None)
    if table not in FOLLOWED:
        return
    touched.tables.add(table)
    if table == "pools" and how != "new":
        touched.unknowable("pools")
    attrs = inspect(obj).attrs
    for column, kind in ID_COLUMNS.get(table, {}).items():
        if kind in touched.unknown:
            continue  # (a large transaction: no need to look further)
        history = attrs[column].history  # (what is loaded: never a query here)
        # The old value too: a unit given to another officer changes both roster rows.
        touched.add(kind, [*history.added, *history.unchanged, *history.deleted])
    if table == "custody_events" and getattr(obj, "unit_id", None) is not None:
        touched.topics.add("units")
    if how == "deleted":
        return
    values = {}
    for name in ("seq", "updated_at"):
        # A value this transaction set (a stamp left as it was is not this write's).
        if name in attrs and (how == "new" or attrs[name].history.added):
            value = attrs[name].loaded_value
            if value is not NO_VALUE:
                values[name] = value
    touched.footprint(table, values)


def on_execute(state: ORMExecuteState) -> Any:
    """Every INSERT/UPDATE/DELETE run through ``session.execute`` in a write session."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    touched = state.session.info.get(KEY)
    table = getattr(state.statement, "table", None)
    if touched is None or not isinstance(table, Table) or table.name not in FOLLOWED:
        return None
    name = table.name
    touched.tables.add(name)
    columns = ID_COLUMNS.get(name, {})
    params: Any = state.parameters
    rows: list[Mapping[str, Any]] = (
        list(params) if isinstance(params, (list, tuple)) else [params] if params else []
    )
    for row in rows:
        touched.row(name, row)
    missing = [c for c in columns if not rows or any(c not in r for r in rows)]
    if not missing or all(kind in touched.unknown for kind in columns.values()):
        return None
    if state.is_insert:
        return _insert_ids(state, touched, table, missing)
    if rows:
        # Parameters that do not name the rows (bound values in a WHERE): not guessed.
        for column in missing:
            touched.unknown.add(columns[column])
        return None
    # A statement with its own WHERE: the rows it is about to change, selected first (the
    # transaction holds the writer's lock, so nobody changes them in between).
    where = state.statement.whereclause  # type: ignore[attr-defined]
    query = select(*(table.c[c] for c in missing))
    if where is not None:
        query = query.where(where)
    found = state.session.execute(query.limit(LIMIT + 1)).all()
    _found(touched, columns, missing, found)
    return None


def _insert_ids(
    state: ORMExecuteState, touched: Touched, table: Table, missing: list[str]
) -> Any:
    """The ids the database gave: every row above the highest id before the insert (writers
    take turns, so no other transaction inserts in between)."""
    columns = ID_COLUMNS[table.name]
    pk = list(table.primary_key.columns)
    if len(pk) != 1 or pk[0].name != "id":
        for column in missing:
            touched.unknown.add(columns[column])
        return None
    top = state.session.execute(select(func.max(pk[0]))).scalar() or 0
    result = state.invoke_statement()
    found = state.session.execute(
        select(*(table.c[c] for c in missing)).where(pk[0] > top).limit(LIMIT + 1)
    ).all()
    _found(touched, columns, missing, found)
    return result


def _found(
    touched: Touched, columns: dict[str, str], missing: list[str], found: Sequence[Any]
) -> None:
    if len(found) > LIMIT:
        for column in missing:
            touched.unknown.add(columns[column])
        return
    for i, column in enumerate(missing):
        touched.add(columns[column], (row[i] for row in found))


class OwnWrites:
    """What this process committed and announced itself, so that a poll does not announce
    it a second time. Bounded: the oldest entries go first (a poll runs every few seconds)."""

    KEEP = 2_000  # transactions

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seqs: OrderedDict[tuple[str, int, int], None] = OrderedDict()
        self._stamps: OrderedDict[tuple[str, datetime], None] = OrderedDict()

    def add(self, touched: Touched) -> None:
        with self._lock:
            for chain, (first, last) in touched.seqs.items():
                self._seqs[(chain, first, last)] = None
            for stamp in touched.stamps:
                self._stamps[stamp] = None
            for entries in (self._seqs, self._stamps):
                while len(entries) > self.KEEP:
                    entries.popitem(last=False)

    def discard(self, touched: Touched) -> None:
        """A transaction that did not commit after all: its seqs will be used again."""
        with self._lock:
            for chain, (first, last) in touched.seqs.items():
                self._seqs.pop((chain, first, last), None)
            for stamp in touched.stamps:
                self._stamps.pop(stamp, None)

    def seq_ranges(self, chain: str, after: int) -> list[tuple[int, int]]:
        """The (first, last) seqs this process appended to ``chain`` past ``after``."""
        with self._lock:
            return [(f, la) for c, f, la in self._seqs if c == chain and la > after]

    def stamps(self, table: str, after: datetime | None) -> list[datetime]:
        """The updated_at values this process stamped ``table``'s rows with, past ``after``."""
        with self._lock:
            return [at for t, at in self._stamps if t == table and (after is None or at > after)]

"""Reads of the counter's hot path, run on the transaction's own SQLite connection.

A scan at the counter runs about fifteen small reads. Through ``session.execute`` each pays
SQLAlchemy's work around the statement (its cache key walked anew, the ORM's execution
context, the result object): 0.3-0.8 ms each on a station PC, against 0.05 ms for SQLite to
answer. ``Read`` compiles a fixed Core ``select`` once per dialect and, on SQLite, runs it
with the DBAPI cursor of the session's connection (so within the same transaction, after
the same autoflush), converting the bound values and the result columns with the
statement's own types: the rows are the ones ``session.execute(...).all()`` returns, as
plain tuples. Errors come out as SQLAlchemy's (``DBAPIError.instance``), as from any other
statement. On PostgreSQL, where the network round trip dominates and the connection's
failures must go through SQLAlchemy's invalidation, it is ``session.execute`` unchanged.

Only for reads of columns (no ORM entities, no expanding IN): tests compare every
``Read`` of the app with ``session.execute`` on the same data. Whole lists go through it
too (Inventory's every unit: SQLAlchemy's ORM result took 0.3 s of the 0.6 s that 25,000
rows took to read)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

Processor = Callable[[Any], Any] | None
# Rows from which the results are converted column by column (fewer: row by row).
MANY = 64


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]  # the bound parameters in the SQL's order (qmark)
    defaults: Mapping[str, Any]  # values the statement carries itself (LIMIT 1, literals)
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]


class Read:
    """One fixed select, compiled once; ``all``/``first``/``scalars``."""

    def __init__(self, stmt: Select[*tuple[Any, ...]]) -> None:
        self.stmt = stmt
        self._plans: dict[str, _Plan] = {}

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            compiled = self.stmt.compile(dialect=dialect)
            names = tuple(compiled.positiontup or ())
            if "POSTCOMPILE" in compiled.string:
                raise ValueError(f"not a fixed statement: {compiled.string[:120]}")
            params = compiled.construct_params(_check=False)
            plan = _Plan(
                compiled.string,
                names,
                {n: params[n] for n in names if params.get(n) is not None},
                # (Each type as the dialect has it: SQLite's dates are text, say.)
                tuple(compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect)
                      for n in names),
                tuple(c.type.dialect_impl(dialect).result_processor(dialect, None)
                      for c in self.stmt.selected_columns),
            )
            self._plans[dialect.name] = plan
        return plan

    def all(self, session: Session, params: Mapping[str, Any] | None = None
            ) -> list[tuple[Any, ...]]:
        connection = session.connection()
        dialect = connection.dialect
        if dialect.name != "sqlite":
            return [tuple(r) for r in session.execute(self.stmt, params)]
        if session.autoflush:
            session.flush()  # (as session.execute would: this transaction's changes first)
        plan = self._plan(dialect)
        given = params or {}
        values = []
        for name, process in zip(plan.names, plan.binds, strict=True):
            value = given[name] if name in given else plan.defaults.get(name)
            values.append(value if process is None or value is None else process(value))
        try:
            cursor = connection.connection.cursor()
            try:
                raw = cursor.execute(plan.sql, values).fetchall()
            finally:
                cursor.close()
        except dialect.loaded_dbapi.Error as error:
            raise exc.DBAPIError.instance(
                plan.sql, values, error, dialect.loaded_dbapi.Error, dialect=dialect
            ) from error
        results = plan.results
        if not any(results):
            return [tuple(row) for row in raw]
        if len(raw) < MANY:
            return [
                tuple(v if p is None else p(v) for v, p in zip(row, results, strict=True))
                for row in raw
            ]
        # Many rows (a whole list: Inventory's 25,000 units): column by column, the
        # converted ones through map, transposed there and back by zip (loops in C).
        columns: list[Any] = list(zip(*raw, strict=True))
        for i, process in enumerate(results):
            if process is not None:
                columns[i] = map(process, columns[i])
        return list(zip(*columns, strict=True))

    def first(self, session: Session, params: Mapping[str, Any] | None = None
              ) -> tuple[Any, ...] | None:
        rows = self.all(session, params)
        return rows[0] if rows else None

    def scalars(self, session: Session, params: Mapping[str, Any] | None = None
                ) -> list[Any]:
        return [row[0] for row in self.all(session, params)]

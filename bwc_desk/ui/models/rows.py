"""Rows made ready for a table, off the main thread: display texts, the lower-case filter
text and a sort key per column, computed once per row by a pure function (no Qt here, so a
worker runs it right after the service call and the main thread only swaps the result in).

``prepare(columns, rows)`` is what a view's read returns; a ``RowTableModel`` takes the
``Prepared`` whole (``set_rows``) or as a patch (``patch``), and ``FilterProxy`` filters and
sorts on what was prepared here, never calling back into Python per comparison.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from time import localtime
from typing import Any, Generic, TypeVar

T = TypeVar("T")
# Longest texts kept per column (by characters) for sizing it: a proportional font can draw
# a shorter text wider ("MMMM" and "iiiiii"), so a few are measured, not only the longest.
WIDEST_KEPT = 24
SEP = "\x1f"  # between a row's texts in its filter text: a word never spans two columns
BLANK = (2, "")  # the sort key of an empty cell: after every value, in either direction


def runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7, 8] -> [(1, 3), (7, 8)]: the runs of consecutive numbers, ascending."""
    out: list[tuple[int, int]] = []
    for row in sorted(set(rows)):
        if out and row == out[-1][1] + 1:
            out[-1] = (out[-1][0], row)
        else:
            out.append((row, row))
    return out


def text_of(value: Any) -> str:
    kind = value.__class__
    if kind is str:  # (most cells: first, and no isinstance chain)
        return value  # type: ignore[no-any-return]
    if value is None:
        return ""
    if kind is bool:
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        # (Not strftime: it imports the time module at each call, and with PySide6 loaded
        # every import goes through its hook: 25,000 rows paid it twice each.)
        # (The C library's local time of the instant, as astimezone() has it, without the
        # timezone object astimezone() builds for each value.)
        if value.tzinfo is None:  # (a naive time: local already, as astimezone() takes it)
            value = value.astimezone()
        t = localtime(value.timestamp())
        return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d} {t.tm_hour:02d}:{t.tm_min:02d}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return ", ".join(text_of(v) for v in value)
    return str(value)


def sort_key(value: Any) -> tuple[int, Any]:
    """Blanks last, numbers as numbers, text case-insensitively; any two keys compare."""
    kind = value.__class__
    if kind is str:
        return (1, value.lower()) if value else BLANK
    if value is None:
        return BLANK
    if kind is bool:
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, (datetime, date)):
        return (0, value.isoformat())
    if isinstance(value, (tuple, list)):
        return (1, ", ".join(text_of(v) for v in value).lower()) if value else BLANK
    text = str(value)
    return (1, text.lower()) if text else BLANK


@dataclass(frozen=True)
class Column(Generic[T]):
    title: str
    value: Callable[[T], Any]
    tooltip: str = ""
    align_right: bool = False
    sort: Callable[[T], Any] | None = None  # what the column sorts on, if not its value


def widest_texts(
    texts: Iterable[tuple[str, ...]], columns: int, kept: int = WIDEST_KEPT
) -> tuple[tuple[str, ...], ...]:
    """Per column, the ``kept`` longest distinct texts over all of ``texts``: what a view
    measures to size the column from its whole content, not from the first rows."""
    # Column by column (zip(*rows) transposes in C), each sorted by length in C: the walk
    # for distinct texts then stops after a few steps, except in a column of few values.
    per_column = list(zip(*texts, strict=False))
    per_column += [()] * (columns - len(per_column))
    return tuple(_longest(values, kept) for values in per_column[:columns])


def _longest(values: Iterable[str], kept: int) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for value in sorted(values, key=len, reverse=True):
        if value not in found:
            found[value] = None
            if len(found) == kept:
                break
    return tuple(found)


def merge_widest(
    old: tuple[tuple[str, ...], ...], new: tuple[tuple[str, ...], ...]
) -> tuple[tuple[str, ...], ...]:
    """The widest texts of two sets of rows together."""
    if not old:
        return new
    if not new:
        return old
    return tuple(
        tuple(heapq.nlargest(WIDEST_KEPT, set(a) | set(b), key=len))
        for a, b in zip(old, new, strict=True)
    )


@dataclass(frozen=True)
class Prepared(Generic[T]):
    """Rows with what a table needs of them, each list in the rows' order. ``keys`` is one
    list per column (the column's sort key for each row). ``sorted_by``/``order``: the rows'
    order sorted ascending on that column, when the read was asked to sort (``prepare``'s
    ``sort_column``), so that a reload of 40,000 rows is not sorted on the main thread."""

    rows: list[T]
    texts: list[tuple[str, ...]]
    hay: list[str]
    keys: list[list[Any]] = field(default_factory=list)
    widest: tuple[tuple[str, ...], ...] = ()
    sorted_by: int = -1
    order: list[int] | None = None

    def take(self, indexes: Sequence[int]) -> Prepared[T]:
        """Some of the rows, in the order of ``indexes`` (no sorted order kept)."""
        return Prepared(
            [self.rows[i] for i in indexes],
            [self.texts[i] for i in indexes],
            [self.hay[i] for i in indexes],
            [[keys[i] for i in indexes] for keys in self.keys],
            widest_texts((self.texts[i] for i in indexes), len(self.keys)),
        )


def prepare(
    columns: Sequence[Column[T]], rows: Sequence[T], sort_column: int = -1
) -> Prepared[T]:
    """Everything a table shows and filters and sorts on, for ``rows``. Pure: safe on any
    thread. ``sort_column`` (-1: none) also sorts the rows' order on that column."""
    rows = list(rows)
    # Column by column, each getter called once per row: the value gives both the text and
    # (unless the column sorts on something else) the sort key, through map (the loop in
    # C); the rows' texts are the columns zipped back (in C). 25,000 units: texts and keys
    # took 0.42 s row by row; all of prepare takes 0.35-0.45 s now.
    text_columns: list[list[str]] = []
    keys: list[list[Any]] = []
    for column in columns:
        values = list(map(column.value, rows))
        text_columns.append(list(map(text_of, values)))
        sorts = values if column.sort is None else list(map(column.sort, rows))
        # (A text, most cells, without a call: what sort_key gives it.)
        keys.append([(1, v.lower()) if v.__class__ is str and v else sort_key(v)
                     for v in sorts])
    texts: list[tuple[str, ...]] = (
        list(zip(*text_columns, strict=True)) if columns else [() for _ in rows])
    order = None
    if 0 <= sort_column < len(columns):
        # Stable: rows that tie keep the order they came in, as the proxy's own sort does.
        order = sorted(range(len(rows)), key=keys[sort_column].__getitem__)
    return Prepared(
        rows,
        texts,
        [SEP.join(t).lower() for t in texts],
        keys,
        widest_texts(texts, len(columns)),
        sort_column if order is not None else -1,
        order,
    )


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    """A model's rows as they were when a read began (``RowTableModel.snapshot``, taken on
    the main thread: two list copies), for the worker to tell what the read changed."""

    version: int
    rows: list[T]
    texts: list[tuple[str, ...]]
    key: Callable[[T], Any]

    def diff(self, prepared: Prepared[T], most: int | None = None) -> Diff[T]:
        """What turns the snapshot's rows into ``prepared``'s (pure: on the worker)."""
        return diff(self, prepared, most)

    def diff_rows(
        self, rows: Sequence[T], prepare_rows: Callable[[Sequence[T]], Prepared[T]],
        most: int | None = None,
    ) -> Diff[T]:
        """The same for rows not prepared yet (see ``diff_rows``)."""
        return diff_rows(self, rows, prepare_rows, most)


@dataclass(frozen=True)
class Diff(Generic[T]):
    """A reload told as a patch: ``changed`` (indexes into ``prepared`` of rows that are new
    or whose row or texts differ) and ``removed`` (keys gone), valid for the model's rows at
    ``version``. ``patchable`` False: too many rows came or went, or the order of the rows
    kept changed; set the rows whole (``prepared`` then holds every row). ``complete``
    False: ``prepared`` holds only the rows that changed (``diff_rows``), so the diff is of
    use only at its ``version``."""

    version: int
    prepared: Prepared[T]
    changed: list[int]
    removed: list[Any]
    patchable: bool
    complete: bool = True
    at: list[int] = field(default_factory=list)  # where each changed row is, after
    def patch(self) -> Prepared[T]:
        return self.prepared.take(self.changed)


def _compare(
    snapshot: Snapshot[T], rows: Sequence[T], texts: Sequence[tuple[str, ...]] | None,
    most: int | None,
) -> tuple[bool, list[int], list[Any]]:
    """(patchable, the indexes of ``rows`` new or changed, the keys gone). ``most`` bounds
    the rows that come or go (each is a row inserted or removed in the model and its
    proxy), not the rows whose values changed in place: those are one ranged update however
    many they are (the minute tick changes every overdue text, never a row's place)."""
    key = snapshot.key
    old_keys = [key(r) for r in snapshot.rows]
    new_keys = [key(r) for r in rows]
    old_at = {k: i for i, k in enumerate(old_keys)}
    new_set = set(new_keys)
    removed = [k for k in old_keys if k not in new_set]
    kept_new = [k for k in new_keys if k in old_at]
    limit = most if most is not None else max(64, len(new_keys) // 8)
    moved = len(removed) + len(new_keys) - len(kept_new)  # rows that go, rows that come
    patchable = (  # (new rows may come anywhere: they are inserted at their place)
        moved <= limit
        and len(old_at) == len(old_keys)
        and len(new_set) == len(new_keys)
        and kept_new == [k for k in old_keys if k in new_set]
    )
    if not patchable:
        return False, [], removed
    old_rows, old_texts = snapshot.rows, snapshot.texts
    changed: list[int] = []
    for i, k in enumerate(new_keys):
        at = old_at.get(k)
        if (
            at is None
            or rows[i] != old_rows[at]
            or (texts is not None and texts[i] != old_texts[at])
        ):
            changed.append(i)
    return True, changed, removed


def diff(snapshot: Snapshot[T], prepared: Prepared[T], most: int | None = None) -> Diff[T]:
    """Patchable when the rows kept stay in the same order (new rows are inserted at their
    place), so that the patched model is row for row the one a reload gives; and at most
    ``most`` rows come or go (default: an eighth of them, at least 64). Rows changed in
    place do not count: however many, they are patched (the selection stays)."""
    patchable, changed, removed = _compare(snapshot, prepared.rows, prepared.texts, most)
    return Diff(snapshot.version, prepared, changed, removed, patchable, at=changed)


def diff_rows(
    snapshot: Snapshot[T],
    rows: Sequence[T],
    prepare_rows: Callable[[Sequence[T]], Prepared[T]],
    most: int | None = None,
) -> Diff[T]:
    """``diff`` for rows not prepared yet: only the rows that differ from the snapshot's are
    prepared (most of the work of a reload). A row equal to the one shown keeps its texts:
    for a table whose texts follow from its rows alone (a text that moves with the clock is
    prepared again by a ``diff`` of every row, now and then)."""
    rows = list(rows)
    patchable, changed, removed = _compare(snapshot, rows, None, most)
    if not patchable:
        return Diff(snapshot.version, prepare_rows(rows), [], removed, False)
    prepared = prepare_rows([rows[i] for i in changed])
    return Diff(snapshot.version, prepared, list(range(len(changed))), removed, True, False,
                at=changed)

"""A flat table model over frozen rows, and a proxy that filters fast at 25,000 rows.

Display text is computed once per row (``prepare``, which may run on a worker thread), so
``data()`` is a list lookup. Sorting happens in the source model with Python's sort on
precomputed keys: QSortFilterProxyModel's own sort calls back into Python for every
comparison, which takes seconds at this size. The proxy only filters, from a precomputed
lower-case haystack per row.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar, cast

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
# Longest texts kept per column (by characters) for sizing it: a proportional font can draw
# a shorter text wider ("MMMM" and "iiiiii"), so a few are measured, not only the longest.
WIDEST_KEPT = 24


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return ", ".join(text_of(v) for v in value)
    return str(value)


def _sort_key(value: Any) -> tuple[int, Any]:
    """Blanks last, numbers as numbers, text case-insensitively."""
    if value is None or value == "":
        return (2, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, (datetime, date)):
        return (0, value.isoformat())
    return (1, str(value).lower())


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


@dataclass(frozen=True)
class Prepared(Generic[T]):
    rows: list[T]
    texts: list[tuple[str, ...]]
    hay: list[str]
    widest: tuple[tuple[str, ...], ...] = field(default=())


class RowTableModel(QAbstractTableModel, Generic[T]):
    """Rows are frozen dataclasses with an ``id``. Subclasses set ``columns`` and may
    override ``foreground``/``background``/``tooltip`` for state colours."""

    columns: Sequence[Column[T]] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []
        self._texts: list[tuple[str, ...]] = []
        self.hay: list[str] = []
        self._pos: dict[Any, int] = {}
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._widest: tuple[tuple[str, ...], ...] = ()

    # --- preparing rows (thread-safe: touches no Qt object) --------------------------------
    @classmethod
    def prepare(cls, rows: Sequence[T]) -> Prepared[T]:
        texts = [cls.row_texts(r) for r in rows]
        return Prepared(
            list(rows),
            texts,
            ["\x1f".join(t).lower() for t in texts],
            widest_texts(texts, len(cls.columns)),
        )

    @classmethod
    def row_texts(cls, row: T) -> tuple[str, ...]:
        return tuple(text_of(c.value(row)) for c in cls.columns)

    # --- changing the rows (main thread) --------------------------------------------------
    def set_rows(self, rows: Sequence[T] | Prepared[T]) -> None:
        prepared = rows if isinstance(rows, Prepared) else self.prepare(rows)
        self.beginResetModel()
        self._rows, self._texts, self.hay = prepared.rows, prepared.texts, prepared.hay
        self._widest = prepared.widest or widest_texts(prepared.texts, len(self.columns))
        if self._sort is not None:
            self._apply_sort(*self._sort)
        self._reindex()
        self.endResetModel()

    def upsert(self, rows: Sequence[T]) -> None:
        """Replace rows with the same id in place; append new ones."""
        for row in rows:
            key = self.key(row)
            texts = self.row_texts(row)
            self.widen([texts])
            pos = self._pos.get(key)
            if pos is None:
                n = len(self._rows)
                self.beginInsertRows(QModelIndex(), n, n)
                self._rows.append(row)
                self._texts.append(texts)
                self.hay.append("\x1f".join(texts).lower())
                self._pos[key] = n
                self.endInsertRows()
            else:
                self._rows[pos] = row
                self._texts[pos] = texts
                self.hay[pos] = "\x1f".join(texts).lower()
                self.dataChanged.emit(self.index(pos, 0), self.index(pos, self.columnCount() - 1))

    def remove(self, keys: Sequence[Any]) -> None:
        for key in keys:
            pos = self._pos.get(key)
            if pos is None:
                continue
            self.beginRemoveRows(QModelIndex(), pos, pos)
            del self._rows[pos], self._texts[pos], self.hay[pos]
            self._reindex()
            self.endRemoveRows()

    def widen(self, texts: Iterable[tuple[str, ...]]) -> None:
        """Take rows' texts into the widest texts per column (rows added or changed). Rows
        removed are not taken out: a column stays wide enough for what it showed."""
        fresh = widest_texts(texts, len(self.columns))
        if not self._widest:
            self._widest = fresh
            return
        self._widest = tuple(
            tuple(heapq.nlargest(WIDEST_KEPT, set(old) | set(new), key=len))
            for old, new in zip(self._widest, fresh, strict=True)
        )

    def widest(self, column: int) -> tuple[str, ...]:
        """The longest texts of ``column`` over every row (a few: see WIDEST_KEPT)."""
        return self._widest[column] if 0 <= column < len(self._widest) else ()

    def _reindex(self) -> None:
        self._pos = {self.key(r): i for i, r in enumerate(self._rows)}

    @staticmethod
    def key(row: Any) -> Any:
        return row.id

    def row_at(self, row: int) -> T:
        return self._rows[row]

    def rows(self) -> list[T]:
        return list(self._rows)

    def position(self, key: Any) -> int | None:
        return self._pos.get(key)

    # --- Qt model interface ---------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole and self.columns[section].tooltip:
            return self.columns[section].tooltip
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self._rows) and 0 <= c < len(self.columns)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[r][c]
        if role == SORT_ROLE:
            return self._texts[r][c]
        if role == ROW_ROLE:
            return self._rows[r]
        if role == Qt.ItemDataRole.ForegroundRole:
            color = self.foreground(self._rows[r], c)
            return QBrush(QColor(color)) if color else None
        if role == Qt.ItemDataRole.BackgroundRole:
            color = self.background(self._rows[r], c)
            return QBrush(QColor(color)) if color else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(self._rows[r], c) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[c].align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def foreground(self, row: T, column: int) -> str | None:
        return None

    def background(self, row: T, column: int) -> str | None:
        return None

    def tooltip(self, row: T, column: int) -> str:
        return ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        keys = [self.key(self._rows[i.row()]) for i in old]
        self._apply_sort(column, order)
        self._reindex()
        self.changePersistentIndexList(
            old, [self.index(self._pos[k], i.column()) for k, i in zip(keys, old, strict=True)]
        )
        self.layoutChanged.emit()

    def _apply_sort(self, column: int, order: Qt.SortOrder) -> None:
        self._sort = (column, order)
        value = self.columns[column].sort or self.columns[column].value
        order_ = sorted(
            range(len(self._rows)),
            key=lambda i: _sort_key(value(self._rows[i])),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        self._rows = [self._rows[i] for i in order_]
        self._texts = [self._texts[i] for i in order_]
        self.hay = [self.hay[i] for i in order_]


class FilterProxy(QSortFilterProxyModel):
    """Filters on every visible column: each word typed must appear somewhere in the row.
    ``set_predicate`` adds quick filters (status, model) on the row objects."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self._predicate: Callable[[Any], bool] | None = None
        self._mask: list[bool] | None = None
        self.setDynamicSortFilter(False)

    def setSourceModel(self, model: Any) -> None:
        old = self.sourceModel()
        if old is not None:
            old.modelReset.disconnect(self._recompute)
            old.layoutChanged.disconnect(self._recompute)
            old.rowsInserted.disconnect(self._recompute)
            old.rowsRemoved.disconnect(self._recompute)
            old.dataChanged.disconnect(self._recompute)
        # Connected before the proxy's own handlers, so the mask is current when they run.
        model.modelReset.connect(self._recompute)
        model.layoutChanged.connect(self._recompute)
        model.rowsInserted.connect(self._recompute)
        model.rowsRemoved.connect(self._recompute)
        model.dataChanged.connect(self._recompute)
        super().setSourceModel(model)
        self._recompute()

    def set_text(self, text: str) -> None:
        self._words = text.lower().split()
        self.refilter()

    def set_predicate(self, predicate: Callable[[Any], bool] | None) -> None:
        self._predicate = predicate
        self.refilter()

    def refilter(self) -> None:
        self.beginFilterChange()
        self._recompute()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def _recompute(self, *_args: Any) -> None:
        model = cast(RowTableModel[Any] | None, self.sourceModel())
        if model is None or (not self._words and self._predicate is None):
            self._mask = None
            return
        hay: list[str] = model.hay
        words = self._words
        if len(words) == 1:
            w = words[0]
            mask = [w in h for h in hay]
        else:
            mask = [all(w in h for w in words) for h in hay]
        if self._predicate is not None:
            pred = self._predicate
            mask = [m and pred(model.row_at(i)) for i, m in enumerate(mask)]
        self._mask = mask

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        mask = self._mask
        if mask is None:
            return True
        return source_row < len(mask) and mask[source_row]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)

    def source_row(self, proxy_row: int) -> Any:
        model = cast(RowTableModel[Any], self.sourceModel())
        return model.row_at(self.mapToSource(self.index(proxy_row, 0)).row())

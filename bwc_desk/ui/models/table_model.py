"""A flat table model over frozen rows, and the one proxy every table uses to filter and sort
them fast at 40,000 rows.

What a row shows, filters on and sorts by is prepared once, on a worker (``rows.prepare``);
the model keeps it in the order the rows came (``set_rows`` whole, ``patch`` for a few) and
``data()`` is a list lookup. ``FilterProxy`` sorts on the prepared keys with Python's sort (in
C: QSortFilterProxyModel's own sort calls back into Python for every comparison, seconds at
this size) and filters on the prepared lower-case text; when the model patches a few rows, the
proxy moves, hides or shows just those rows, so a selection and the scroll position stay.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from bwc_desk.ui.garbage import rows_loaded
from bwc_desk.ui.models.rows import (
    WIDEST_KEPT,
    Column,
    Diff,
    Prepared,
    Snapshot,
    merge_widest,
    prepare,
    runs,
    text_of,
    widest_texts,
)

__all__ = [
    "ROW_ROLE",
    "SORT_ROLE",
    "WIDEST_KEPT",
    "Column",
    "Diff",
    "FilterProxy",
    "Index",
    "Prepared",
    "RowTableModel",
    "Snapshot",
    "runs",
    "text_of",
    "widest_texts",
]

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
ONE_BY_ONE = 8  # a patch of more rows than this tells its changes as one span
# The roles ``fill_cell`` answers, as the numbers Qt hands it.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_SORT = int(SORT_ROLE)
_ROW = int(ROW_ROLE)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole.value)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)


_BRUSHES: dict[str, QBrush] = {}


def _brush(color: str) -> QBrush:
    """One brush per colour, made once (asked for each coloured cell at each paint)."""
    brush = _BRUSHES.get(color)
    if brush is None:
        brush = _BRUSHES[color] = QBrush(QColor(color))
    return brush


class RowTableModel(QAbstractTableModel, Generic[T]):
    """Rows are frozen dataclasses with an ``id`` (or what ``key`` says). Subclasses set
    ``columns`` and may override ``foreground``/``background``/``tooltip`` for state colours.

    A view's read returns ``Model.prepare(rows)`` (on the worker); the view then calls
    ``set_rows(prepared)`` (a reload) or ``patch(prepared, removed=keys)`` (a few rows
    changed, appeared or vanished). ``upsert``/``remove`` are the same for rows at hand."""

    columns: Sequence[Column[T]] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []
        self._texts: list[tuple[str, ...]] = []
        self._hay: list[str] = []
        self._keys: list[list[Any]] = [[] for _ in self.columns]
        self._pos: dict[Any, int] = {}
        self._widest: tuple[tuple[str, ...], ...] = ()
        self._presorted: tuple[int, list[int]] | None = None
        self._version = 0  # moves with every change of the rows (see ``snapshot``)

    # --- preparing rows (thread-safe: touches no Qt object) --------------------------------
    @classmethod
    def prepare(cls, rows: Sequence[T], sort_column: int = -1) -> Prepared[T]:
        return prepare(cls.columns, rows, sort_column)

    @classmethod
    def row_texts(cls, row: T) -> tuple[str, ...]:
        return tuple(text_of(c.value(row)) for c in cls.columns)

    # --- changing the rows (main thread) --------------------------------------------------
    def set_rows(self, rows: Sequence[T] | Prepared[T]) -> None:
        prepared = rows if isinstance(rows, Prepared) else self.prepare(rows)
        self.beginResetModel()
        self._rows, self._texts, self._hay = prepared.rows, prepared.texts, prepared.hay
        self._keys = prepared.keys or self.prepare(prepared.rows).keys
        self._widest = prepared.widest or widest_texts(prepared.texts, len(self.columns))
        self._presorted = (
            (prepared.sorted_by, prepared.order) if prepared.order is not None else None
        )
        self._reindex()
        self._version += 1
        self.endResetModel()
        rows_loaded(len(self._rows))  # (many: out of the cycle collector's walk)

    def snapshot(self) -> Snapshot[T]:
        """The rows now, for a worker to diff a reload against (``Snapshot.diff``); then
        ``apply(diff)`` on the main thread patches only what changed."""
        return Snapshot(self._version, list(self._rows), list(self._texts), self.key)

    @property
    def version(self) -> int:
        """Moves with every change of the rows: a read started at one version and answered
        at another raced a patch."""
        return self._version

    def current(self, diff: Diff[T]) -> bool:
        """The model has not changed since the snapshot ``diff`` was made against."""
        return diff.version == self._version

    def apply(self, diff: Diff[T]) -> bool:
        """A reload diffed on the worker: patched in (only the rows that changed are told
        to views and repainted, the selection stays) when the model has not changed since
        its snapshot, else set whole. True when patched. A diff that holds only the rows
        that changed (not ``complete``) of an older snapshot cannot be applied: read again
        (``current`` says so before)."""
        if not diff.patchable or diff.version != self._version:
            if not diff.complete:
                raise ValueError("the rows changed since this diff's snapshot: read again")
            self.set_rows(diff.prepared)
            return False
        if not (diff.changed or diff.removed):
            return True
        if diff.complete:
            self._apply_complete(diff)
            return True
        rows = diff.patch()
        known = [self.key(r) in self._pos for r in rows.rows]
        # The rows kept: changed in place, and the rows gone removed (their order is the
        # reload's); then the new rows inserted where the reload has them, in order.
        self.patch(rows.take([j for j, k in enumerate(known) if k]), removed=diff.removed)
        fresh = [(diff.at[j], j) for j, k in enumerate(known) if not k]
        for start, end in runs(at for at, _j in fresh):
            self._insert(start, rows.take([j for at, j in fresh if start <= at <= end]))
        return True

    def _apply_complete(self, diff: Diff[T]) -> None:
        """A patchable diff that holds every row: the rows gone removed and the new ones
        inserted where the reload has them (few: see ``rows.diff``); then the model's rows
        are the reload's key for key, and the rows changed in place (any number: the minute
        tick changes every overdue text) take the reload's lists whole and are told to views
        as one span, never a reset: the selection, current row and scroll position stay."""
        prepared = diff.prepared
        pos, key = self._pos, self.key
        fresh = [i for i in diff.changed if key(prepared.rows[i]) not in pos]
        if diff.removed:
            self.remove(diff.removed)
        for start, end in runs(fresh):  # (ascending: each lands at its place in the reload)
            self._insert(start, prepared.take(range(start, end + 1)))
        new = set(fresh)
        kept = [i for i in diff.changed if i not in new]
        if not kept:
            return
        if len(kept) <= ONE_BY_ONE:  # a few: row by row, as a patch tells them
            self.patch(prepared.take(kept))
            return
        if len(prepared.rows) != len(self._rows):  # pragma: no cover - the diff's invariant
            raise ValueError("the diff does not give the reload's rows: read again")
        self._presorted = None
        self._version += 1
        self._rows, self._texts, self._hay = prepared.rows, prepared.texts, prepared.hay
        self._keys = prepared.keys or self.prepare(prepared.rows).keys
        self._widest = merge_widest(
            self._widest, prepared.widest or widest_texts(prepared.texts, len(self.columns))
        )
        # One span over the rows changed (a proxy sorts and filters that span again at once;
        # rows in it that did not change are merely repainted).
        self.dataChanged.emit(
            self.index(kept[0], 0), self.index(kept[-1], len(self.columns) - 1)
        )

    def patch(self, rows: Sequence[T] | Prepared[T], removed: Iterable[Any] = ()) -> None:
        """Rows changed: those with a known key are updated in place, new ones are added at
        the end, and the rows with a key in ``removed`` go. Each step is told to views as it
        happens (rows removed, data changed, rows inserted), so a proxy keeps its place."""
        prepared = rows if isinstance(rows, Prepared) else self.prepare(rows)
        self._presorted = None
        self._version += 1
        gone_keys = {k for k in set(removed) if k in self._pos}
        gone = [self._pos[k] for k in gone_keys]
        for start, end in reversed(runs(gone)):
            self.beginRemoveRows(QModelIndex(), start, end)
            del self._rows[start : end + 1]
            del self._texts[start : end + 1]
            del self._hay[start : end + 1]
            for keys in self._keys:
                del keys[start : end + 1]
            self.endRemoveRows()
        if gone:
            for k in gone_keys:
                del self._pos[k]
            self._reindex(min(gone))  # (the rows before the first one removed kept their place)
        if prepared.widest:
            self._widest = merge_widest(self._widest, prepared.widest)
        fresh: dict[Any, int] = {}
        last = len(self.columns) - 1
        one_by_one = len(prepared.rows) <= ONE_BY_ONE
        updated: list[int] = []
        for i, row in enumerate(prepared.rows):
            key = self.key(row)
            pos = self._pos.get(key)
            if pos is None:
                fresh[key] = i  # (a key twice: its last row)
                continue
            self._rows[pos] = row
            self._texts[pos] = prepared.texts[i]
            self._hay[pos] = prepared.hay[i]
            for keys, new in zip(self._keys, prepared.keys, strict=True):
                keys[pos] = new[i]
            if one_by_one:
                # A proxy places each changed row among rows that have not changed.
                self.dataChanged.emit(self.index(pos, 0), self.index(pos, last))
            else:
                updated.append(pos)
        if updated:  # many: one signal over their span (a proxy redoes that span at once)
            self.dataChanged.emit(self.index(min(updated), 0), self.index(max(updated), last))
        if fresh:
            self._insert(len(self._rows), prepared.take(list(fresh.values())))

    def insert_front(self, prepared: Prepared[T]) -> None:
        """Rows that come before all others (newer history on top)."""
        self._insert(0, prepared)

    def append(self, prepared: Prepared[T]) -> None:
        self._insert(len(self._rows), prepared)

    def _insert(self, at: int, prepared: Prepared[T]) -> None:
        n = len(prepared.rows)
        if not n:
            return
        self._presorted = None
        self._version += 1
        self._widest = merge_widest(self._widest, prepared.widest)
        self.beginInsertRows(QModelIndex(), at, at + n - 1)
        self._rows[at:at] = prepared.rows
        self._texts[at:at] = prepared.texts
        self._hay[at:at] = prepared.hay
        for keys, new in zip(self._keys, prepared.keys, strict=True):
            keys[at:at] = new
        if at == len(self._rows) - n:
            for i, row in enumerate(prepared.rows, at):
                self._pos[self.key(row)] = i
        else:
            self._reindex()
        self.endInsertRows()

    def upsert(self, rows: Sequence[T]) -> None:
        """Replace rows with the same key in place; add new ones (prepared here: few rows)."""
        self.patch(rows)

    def remove(self, keys: Sequence[Any]) -> None:
        self.patch((), removed=keys)

    def widen(self, texts: Iterable[tuple[str, ...]]) -> None:
        """Take rows' texts into the widest texts per column (rows added or changed). Rows
        removed are not taken out: a column stays wide enough for what it showed."""
        self._widest = merge_widest(self._widest, widest_texts(texts, len(self.columns)))

    def widest(self, column: int) -> tuple[str, ...]:
        """The longest texts of ``column`` over every row (a few: see WIDEST_KEPT)."""
        return self._widest[column] if 0 <= column < len(self._widest) else ()

    def _reindex(self, start: int = 0) -> None:
        """Each row's position by its key, from ``start`` on (0: all over again)."""
        if start == 0:
            self._pos = {self.key(r): i for i, r in enumerate(self._rows)}
            return
        key, pos, rows = self.key, self._pos, self._rows
        for i in range(start, len(rows)):
            pos[key(rows[i])] = i

    @staticmethod
    def key(row: Any) -> Any:
        return row.id

    # --- reading ----------------------------------------------------------------------------
    def row_at(self, row: int) -> T:
        return self._rows[row]

    def rows(self) -> list[T]:
        return list(self._rows)

    def position(self, key: Any) -> int | None:
        return self._pos.get(key)

    def haystack(self) -> Sequence[str]:
        """Each row's lower-case filter text, in row order (the model's own list: read it,
        do not keep it across a reset)."""
        return self._hay

    def column_keys(self, column: int) -> Sequence[Any]:
        """Each row's sort key for ``column``, in row order (as ``haystack``)."""
        return self._keys[column]

    def presorted(self, column: int) -> list[int] | None:
        """The rows' order sorted on ``column`` as the worker computed it, while the rows are
        still the ones it was computed for; else None."""
        if self._presorted is not None and self._presorted[0] == column:
            return self._presorted[1]
        return None

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
            return _brush(color) if color else None
        if role == Qt.ItemDataRole.BackgroundRole:
            color = self.background(self._rows[r], c)
            return _brush(color) if color else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(self._rows[r], c) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[c].align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def multiData(self, index: Index, span: Any) -> None:
        """Every role a view asks for a cell in one call (a delegate asks seven per cell per
        paint): one call into Python per cell instead of one per role."""
        if index.isValid():
            self.fill_cell(index.row(), index.column(), span)
        else:
            for role_data in span:
                role_data.clearData()

    def fill_cell(self, r: int, c: int, span: Any) -> None:
        """``multiData`` for row ``r``, column ``c`` (the proxy calls it with the source row,
        without making an index: that would be two more calls into Python per cell). The
        answers are ``data()``'s; without a subclass's own ``data``, worked out here in one
        pass (a table's paint asks this for every cell it draws)."""
        if type(self).data is not RowTableModel.data:  # (a subclass's data is honoured)
            data, index = self.data, self.index(r, c)
            for role_data in span:
                value = data(index, role_data.role())
                if value is None:
                    role_data.clearData()
                else:
                    role_data.setData(value)
            return
        if not (0 <= r < len(self._rows) and 0 <= c < len(self.columns)):
            for role_data in span:
                role_data.clearData()
            return
        for role_data in span:
            role = role_data.role()
            answer: Any
            if role in (_DISPLAY, _SORT):
                answer = self._texts[r][c]
            elif role == _FOREGROUND:
                color = self.foreground(self._rows[r], c)
                answer = _brush(color) if color else None
            elif role == _BACKGROUND:
                color = self.background(self._rows[r], c)
                answer = _brush(color) if color else None
            elif role == _TOOLTIP:
                answer = self.tooltip(self._rows[r], c) or None
            elif role == _ALIGNMENT:
                answer = _RIGHT if self.columns[c].align_right else None
            elif role == _ROW:
                answer = self._rows[r]
            else:
                answer = None
            if answer is None:
                role_data.clearData()
            else:
                role_data.setData(answer)

    def foreground(self, row: T, column: int) -> str | None:
        return None

    def background(self, row: T, column: int) -> str | None:
        return None

    def tooltip(self, row: T, column: int) -> str:
        return ""

    def texts_at(self, row: int) -> tuple[str, ...]:
        return self._texts[row]


# The one proxy, for those who import it with the model (it lives in filter_proxy.py).
from bwc_desk.ui.models.filter_proxy import FilterProxy  # noqa: E402

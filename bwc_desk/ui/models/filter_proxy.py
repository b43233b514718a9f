"""The one proxy every table uses (Inventory, the roster, the cameras page, the pickers in
dialogs): filters and sorts a ``RowTableModel`` on what its rows were prepared with, and
follows the model's patches row by row, so a selection and the scroll position stay."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from itertools import compress, groupby
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import (
    QAbstractProxyModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from bwc_desk.ui.models.rows import BLANK, SEP, runs

if TYPE_CHECKING:
    from bwc_desk.ui.models.table_model import RowTableModel

Index = QModelIndex | QPersistentModelIndex
# More rows than this in one change: the proxy lays itself out again in one step instead of
# row by row (each row by row step is cheap, but a view repaints after each).
BULK = 64
# A table model's flags for every cell (QAbstractTableModel's own).
PLAIN_FLAGS = (
    Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren
)


def _attached(words: Sequence[str]) -> list[re.Pattern[str]]:
    """A letter or digit typed after a word belongs to that word ("Cage B", "shelf 3", "bay
    4"): it must follow it in the same column (spaces or punctuation between), not appear
    anywhere (the B of every "BWC" tag, the 4 of every badge). Alone it matches anywhere, as
    the first key typed does. Typing on ("Cage Bo") widens to words again."""
    return [
        re.compile(rf"{re.escape(words[i - 1])}[^\w{SEP}]+{re.escape(w)}")
        for i, w in enumerate(words)
        if i and len(w) == 1
    ]


def _descending(keys: Sequence[Any], presorted: list[int] | None) -> list[int]:
    """The rows in the order a descending sort keeps them (the order shown, reversed): blanks
    first and ties in reverse, so that shown from the end the values read largest first, ties
    in the model's order, blanks last. ``presorted``: the ascending order the worker computed
    (ties in the model's order, blanks last), else the rows are sorted here."""
    if presorted is None:
        # Python's reverse sort keeps ties in their order (stable), all in C; blanks first.
        shown = sorted(range(len(keys)), key=keys.__getitem__, reverse=True)
        blanks = keys.count(BLANK)
        out = shown[blanks:] + shown[:blanks]
        out.reverse()
        return out
    blanks = bisect_left(presorted, BLANK, key=keys.__getitem__)
    out = presorted[blanks:]
    out.reverse()
    for _key, tied in groupby(presorted[:blanks], key=keys.__getitem__):
        run = list(tied)
        run.reverse()
        out += run
    return out


class FilterProxy(QAbstractProxyModel):
    """The one proxy of every table over a ``RowTableModel``: filters on every column (each
    word typed must appear somewhere in the row; a one-character word after another right
    after it, see ``_attached``), plus an optional predicate on the row
    objects (``set_predicate``: status, model, "holding a camera"); sorts on the model's
    prepared keys, ties in the model's order and empty cells last, in either direction.

    Internally ``_all`` is every source row in sort order and ``_order`` the rows shown, both
    ascending on ``_key()`` (a descending sort shows ``_order`` from its end, so there its key
    puts the blanks first and ties in reverse: shown, they come last and in the model's
    order). A source row's place in either is found with ``list.index`` (a scan in C) and a
    new place with ``bisect``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self._attached: list[re.Pattern[str]] = []  # a letter after its word (see above)
        self._predicate: Callable[[Any], bool] | None = None
        self._column = -1  # -1: the model's own order
        self._descending = False
        self._all: list[int] = []
        self._order: list[int] = []
        self._where: dict[int, int] | None = None  # source row -> ascending place, cached
        self._layout: tuple[list[QModelIndex], list[Any]] | None = None
        self._model: RowTableModel[Any] | None = None
        self._plain_flags = False  # (the model has Qt's own flags: see ``flags``)

    # --- the model --------------------------------------------------------------------------
    def source(self) -> RowTableModel[Any]:
        return cast("RowTableModel[Any]", self.sourceModel())

    def setSourceModel(self, model: Any) -> None:
        old = self.sourceModel()
        if old is not None:
            for signal, slot in self._wiring(old):
                signal.disconnect(slot)
        self.beginResetModel()
        super().setSourceModel(model)
        self._model = model
        self._plain_flags = model is not None and type(model).flags is QAbstractTableModel.flags
        for signal, slot in self._wiring(model):
            signal.connect(slot)
        self._rebuild()
        self.endResetModel()

    def _wiring(self, model: Any) -> list[tuple[Any, Any]]:
        return [
            (model.modelAboutToBeReset, self.beginResetModel),
            (model.modelReset, self._source_reset),
            (model.layoutAboutToBeChanged, self._source_layout_about),
            (model.layoutChanged, self._source_layout),
            (model.rowsAboutToBeRemoved, self._source_removing),
            (model.rowsRemoved, self._source_removed),
            (model.rowsInserted, self._source_inserted),
            (model.dataChanged, self._source_changed),
            (model.headerDataChanged, self.headerDataChanged),
        ]

    # --- filtering and sorting (what the view asks) ----------------------------------------
    def set_text(self, text: str) -> None:
        words = text.lower().split()
        if words == self._words:
            return
        # Narrower than before (a letter typed): only the rows shown can still match. (Not
        # after a letter that had to follow its word: "cage bo" matches "cage" and "bo"
        # anywhere, rows that "cage b" did not.)
        narrower = not self._attached and all(
            any(old in new for new in words) for old in self._words
        )
        self._words = words
        self._attached = _attached(words)
        self.refilter(narrower=narrower)

    def filter_text(self) -> str:
        return " ".join(self._words)

    def set_predicate(self, predicate: Callable[[Any], bool] | None) -> None:
        self._predicate = predicate
        self.refilter()

    def hides(self, row: Any) -> bool:
        """Whether the predicate (a view's quick filter) keeps ``row`` out, whatever the text."""
        return self._predicate is not None and not self._predicate(row)

    def refilter(self, narrower: bool = False) -> None:
        """Filter again (one layout change: a selection of rows still shown is kept). When
        the rows shown stay the same (the first letters of a tag often match every row),
        nothing is said: the view is not laid out and repainted again for nothing."""
        order = self._filtered(self._order if narrower else self._all)
        if order == self._order:
            return
        self._begin_layout()
        self._order = order
        self._end_layout()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if model is None or column >= model.columnCount():
            return
        self._begin_layout()
        self._column = max(column, -1)
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._rebuild()
        self._end_layout()

    def sortColumn(self) -> int:
        return self._column

    def sortOrder(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder

    def source_row(self, proxy_row: int) -> Any:
        """The row object shown at ``proxy_row``."""
        return self.source().row_at(self._order[self._asc(proxy_row)])

    def proxy_rows(self, source_rows: Iterable[int]) -> list[int]:
        """Where source rows are shown (rows not shown are left out), in one pass."""
        where = self._where_map()
        return [self._row_of(where[s]) for s in source_rows if s in where]

    # --- the bookkeeping --------------------------------------------------------------------
    def _asc(self, proxy_row: int) -> int:
        return len(self._order) - 1 - proxy_row if self._descending else proxy_row

    def _row_of(self, asc: int, size: int | None = None) -> int:
        """The proxy row of ascending place ``asc`` in a list of ``size`` rows."""
        if not self._descending:
            return asc
        return (len(self._order) if size is None else size) - 1 - asc

    def _where_map(self) -> dict[int, int]:
        if self._where is None:
            self._where = dict(zip(self._order, range(len(self._order)), strict=True))
        return self._where

    def _key(self) -> Callable[[int], Any]:
        if self._column < 0:
            return int
        keys = self.source().column_keys(self._column)
        if self._descending:  # (see the class's docstring)
            return lambda s: (keys[s] != BLANK, keys[s], -s)
        return lambda s: (keys[s], s)

    def _accepts(self, s: int) -> bool:
        model = self.source()
        if self._words:
            hay = model.haystack()[s]
            if not all(w in hay for w in self._words):
                return False
            if not all(p.search(hay) for p in self._attached):
                return False
        return self._predicate is None or bool(self._predicate(model.row_at(s)))

    def _filtered(self, rows: list[int]) -> list[int]:
        """The rows of ``rows`` the text and the predicate let through, in their order. One
        pass per word (each a comprehension over the rows the words before it kept), not
        one Python generator per row: "axon body" on 25,000 units took 25 ms that way."""
        model = self.source()
        words, predicate = self._words, self._predicate
        if not words and predicate is None:
            return list(rows)
        hay = model.haystack()
        for w in words:
            rows = list(compress(rows, [w in hay[s] for s in rows]))
        for pattern in self._attached:
            search = pattern.search
            rows = [s for s in rows if search(hay[s])]
        if predicate is not None:
            row_at = model.row_at
            rows = [s for s in rows if predicate(row_at(s))]
        return rows

    def _rebuild(self) -> None:
        model = self.sourceModel()
        self._where = None
        if model is None:
            self._all, self._order = [], []
            return
        n = model.rowCount()
        if self._column < 0:
            self._all = list(range(n))
        else:
            keys = self.source().column_keys(self._column)
            presorted = self.source().presorted(self._column)
            if presorted is not None and len(presorted) != n:
                presorted = None
            if self._descending:
                self._all = _descending(keys, presorted)
            elif presorted is not None:
                self._all = list(presorted)
            else:  # stable: ties keep the model's order
                self._all = sorted(range(n), key=keys.__getitem__)
        self._order = self._filtered(self._all)

    def _begin_layout(self) -> None:
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        self._layout = (old, [self._order[self._asc(i.row())] for i in old])

    def _end_layout(self) -> None:
        self._where = None
        old, sources = self._layout or ([], [])
        self._layout = None
        if old:
            where = self._where_map()
            new = [
                self.index(self._row_of(where[s]), i.column()) if s in where else QModelIndex()
                for i, s in zip(old, sources, strict=True)
            ]
            self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def _insert_shown(self, s: int) -> None:
        """Show source row ``s`` at its place (``_order`` sorted without it)."""
        at = bisect_left(self._order, self._key()(s), key=self._key())
        row = self._row_of(at, len(self._order) + 1)
        self.beginInsertRows(QModelIndex(), row, row)
        self._order.insert(at, s)
        self._where = None
        self.endInsertRows()

    def _remove_shown(self, at: int) -> None:
        row = self._row_of(at)
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._order[at]
        self._where = None
        self.endRemoveRows()

    def _place(self, s: int) -> int | None:
        try:
            return self._order.index(s)
        except ValueError:
            return None

    # --- following the source ---------------------------------------------------------------
    def _source_reset(self) -> None:
        self._rebuild()
        self.endResetModel()

    def _source_layout_about(self, *_args: Any) -> None:
        self.layoutAboutToBeChanged.emit()
        model = self.source()
        old = self.persistentIndexList()
        keys = [model.key(model.row_at(self._order[self._asc(i.row())])) for i in old]
        self._layout = (old, keys)

    def _source_layout(self, *_args: Any) -> None:
        model = self.source()
        old, keys = self._layout or ([], [])
        self._rebuild()
        self._layout = (old, [model.position(k) for k in keys])
        self._end_layout()

    def _source_removing(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        gone = set(range(first, last + 1))
        self._all = [s for s in self._all if s not in gone]
        places = [a for a, s in enumerate(self._order) if s in gone]
        if len(places) > BULK:
            self._begin_layout()
            self._order = [s for s in self._order if s not in gone]
            self._end_layout()
            return
        for at in reversed(places):
            self._remove_shown(at)

    def _source_removed(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        d = last - first + 1
        self._all = [s - d if s > last else s for s in self._all]
        self._order = [s - d if s > last else s for s in self._order]
        self._where = None

    def _source_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        d = last - first + 1
        if first < self.source().rowCount() - d:  # not at the end: rows below move down
            self._all = [s + d if s >= first else s for s in self._all]
            self._order = [s + d if s >= first else s for s in self._order]
            self._where = None
        new = range(first, last + 1)
        key = self._key()
        for s in new:
            self._all.insert(bisect_left(self._all, key(s), key=key), s)
        shown = [s for s in new if self._accepts(s)]
        if len(shown) > BULK:
            self._begin_layout()
            for s in shown:
                self._order.insert(bisect_left(self._order, key(s), key=key), s)
            self._end_layout()
            return
        for s in shown:
            self._insert_shown(s)

    def _source_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, *_a: Any) -> None:
        if not top_left.isValid() or top_left.parent().isValid():
            return
        changed = list(range(top_left.row(), bottom_right.row() + 1))
        if len(changed) > BULK:
            self._changed_many(changed)
            return
        key = self._key()
        # Every source row in its sort place again (``_all`` is not shown: no signals).
        for s in changed:
            self._all.remove(s)
        for s in changed:
            self._all.insert(bisect_left(self._all, key(s), key=key), s)
        shown_before = {s for s in changed if self._place(s) is not None}
        shown_now = {s for s in changed if self._accepts(s)}
        for s in shown_before - shown_now:  # hidden by the change
            at = self._place(s)
            if at is not None:
                self._remove_shown(at)
        staying = [s for s in changed if s in shown_before and s in shown_now]
        if staying and not all(self._in_place(s, key) for s in staying):
            # A row's key changed: the rows move, and their selection moves with them.
            self._begin_layout()
            stay = set(staying)
            self._order = [s for s in self._order if s not in stay]
            for s in staying:
                self._order.insert(bisect_left(self._order, key(s), key=key), s)
            self._end_layout()
        if staying:
            where = self._where_map()
            self._emit_changed(self._row_of(where[s]) for s in staying)
        for s in changed:
            if s in shown_now and s not in shown_before:  # shown by the change
                self._insert_shown(s)

    def _changed_many(self, changed: list[int]) -> None:
        """Many rows changed: sorted and filtered again in one layout change."""
        self._begin_layout()
        if len(changed) > len(self._all) // 8:
            self._rebuild()
            self._end_layout()
            if self._order:  # most rows: one signal for all
                last = self.columnCount() - 1
                self.dataChanged.emit(self.index(0, 0), self.index(len(self._order) - 1, last))
            return
        # The rows that did not change stay in order: place the others among them.
        gone, key = set(changed), self._key()
        self._all = [s for s in self._all if s not in gone]
        for s in changed:
            self._all.insert(bisect_left(self._all, key(s), key=key), s)
        self._order = self._filtered(self._all)
        self._end_layout()
        where = self._where_map()
        self._emit_changed(self._row_of(where[s]) for s in changed if s in where)

    def _in_place(self, s: int, key: Callable[[int], Any]) -> bool:
        at = self._order.index(s)
        k = key(s)
        if at > 0 and not key(self._order[at - 1]) < k:
            return False
        return not (at + 1 < len(self._order) and not k < key(self._order[at + 1]))

    def _emit_changed(self, rows: Iterable[int]) -> None:
        last = self.columnCount() - 1
        for start, end in runs(rows):
            self.dataChanged.emit(self.index(start, 0), self.index(end, last))

    # --- Qt proxy interface -----------------------------------------------------------------
    def mapToSource(self, proxy_index: Index) -> QModelIndex:
        model = self.sourceModel()
        if model is None or not proxy_index.isValid():
            return QModelIndex()
        row = proxy_index.row()
        if not 0 <= row < len(self._order):
            return QModelIndex()
        return model.index(self._order[self._asc(row)], proxy_index.column())

    def mapFromSource(self, source_index: Index) -> QModelIndex:
        if not source_index.isValid():
            return QModelIndex()
        at = self._where_map().get(source_index.row())
        if at is None:
            return QModelIndex()
        return self.index(self._row_of(at), source_index.column())

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        # (Asked for every cell a view paints: what it needs at hand, no call back into Qt.)
        if parent.isValid() or not (
            0 <= row < len(self._order) and 0 <= column < self._columns()
        ):
            return QModelIndex()
        return self.createIndex(row, column)

    def _columns(self) -> int:
        return 0 if self._model is None else len(self._model.columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        """The source's flags. A model that keeps Qt's own (every model but the few with
        check boxes) has the same for every cell: answered here, without mapping the index
        to the source (three more calls into Python for every cell a view paints)."""
        if not index.isValid() or self._model is None:
            return Qt.ItemFlag.NoItemFlags
        if self._plain_flags:
            return PLAIN_FLAGS
        return self._model.flags(self.mapToSource(index))

    def parent(self, child: Any = None) -> Any:
        if child is None:
            return QObject.parent(self)
        return QModelIndex()

    def sibling(self, row: int, column: int, index: Index) -> QModelIndex:
        return self.index(row, column)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._columns()

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and bool(self._order)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        model = self.sourceModel()
        if model is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return model.headerData(section, orientation, role)
        if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._order):
            return section + 1
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self._order):
            return None
        model = self.sourceModel()
        return model.data(model.index(self._order[self._asc(row)], index.column()), role)

    def multiData(self, index: Index, span: Any) -> None:
        """A cell's roles in one call (see ``RowTableModel.multiData``): without it, Qt asks
        ``data()`` once per role, each a call from C++ into Python that must take the GIL
        (a worker reading rows holds it for up to the switch interval each time)."""
        row, model = index.row(), self._model
        if model is None or not index.isValid() or not 0 <= row < len(self._order):
            for role_data in span:
                role_data.clearData()
            return
        model.fill_cell(self._order[self._asc(row)], index.column(), span)

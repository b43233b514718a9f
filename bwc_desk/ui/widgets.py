"""Small widgets shared by the views."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bwc_desk.ui.models.filter_proxy import FilterProxy
from bwc_desk.ui.models.rows import runs
from bwc_desk.ui.models.table_model import RowTableModel
from bwc_desk.ui.scan_keys import FieldText, Restorable, ScanWatch

MAX_COLUMN = 480  # px: a free-text column wider than this is left for the user to widen
CELL_PADDING = 16  # the delegate's margins either side of the text
HEADER_PADDING = 28  # room for the sort arrow
RESTORE_LIMIT = 5000  # a reload keeps at most this many selected rows selected


@dataclass(frozen=True)
class Place:
    """Where a user is in a table: the rows selected and the current one (by key), and the
    scroll position. Kept across a reload (a patch keeps it by itself)."""

    keys: tuple[Any, ...] = ()
    current: Any = None
    scroll: tuple[int, int] = (0, 0)


class ColumnFitter(QObject):
    """Sizes a table's columns from the widest text of each column over the whole model,
    not from its first rows: a column sized from one "HPD-1" row would cut every longer tag
    that came later.

    Cheap at 25,000 rows: a RowTableModel keeps the few longest texts of each column (found
    when its rows are prepared, on the worker), and only those are measured with the view's
    font metrics. Qt's resizeColumnsToContents() would ask the model for every cell.

    The first fit sets each column to its content; after that, rows loaded, added or changed
    widen a column whose new text does not fit (coalesced to one fit per burst), never narrow
    one, and a column the user has resized by hand is left as the user set it.
    """

    def __init__(self, view: QTableView, model: QAbstractItemModel) -> None:
        super().__init__(view)
        self.view = view
        self.model = model
        self._fitted = False
        self._sizing = False  # our own resizes, told apart from the user's
        self.user_sized: set[int] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(lambda: self.fit(grow_only=self._fitted))
        for signal in (model.modelReset, model.rowsInserted, model.dataChanged):
            signal.connect(lambda *_a: self._timer.start())
        view.horizontalHeader().sectionResized.connect(self._resized)

    def _resized(self, column: int, _old: int, _new: int) -> None:
        if not self._sizing:
            self.user_sized.add(column)

    def widths(self, sample: int = 300) -> list[int]:
        """The width each column's widest text (and its title) needs."""
        model = self.model
        metrics = self.view.fontMetrics()
        head_metrics = self.view.horizontalHeader().fontMetrics()
        widest = getattr(model, "widest", None)
        count = model.rowCount()
        # A model that does not keep its widest texts: rows spread over the whole list.
        rows = range(0, count, max(1, count // sample)) if count else range(0)
        out = []
        for col in range(model.columnCount()):
            title = str(model.headerData(col, Qt.Orientation.Horizontal) or "")
            need = head_metrics.horizontalAdvance(title) + HEADER_PADDING
            texts = (
                widest(col)
                if widest is not None
                else {str(model.index(r, col).data() or "") for r in rows}
            )
            for text in texts:
                need = max(need, metrics.horizontalAdvance(text) + CELL_PADDING)
            out.append(min(need, MAX_COLUMN))
        return out

    def fit(self, grow_only: bool = False, sample: int = 300) -> None:
        self._timer.stop()
        header = self.view.horizontalHeader()
        self._sizing = True
        try:
            for col, width in enumerate(self.widths(sample)):
                if col in self.user_sized and (grow_only or self._fitted):
                    continue
                if not grow_only or width > header.sectionSize(col):
                    header.resizeSection(col, width)
        finally:
            self._sizing = False
        self._fitted = True


def camera_code_missed(code: str, shown: int) -> str:
    """What a scanned code that is no one camera's found (Inventory, the cameras page)."""
    if shown:
        return f"{shown:,} cameras match {code}: choose one in the list."
    return f"No camera has the tag or serial {code}."


class _ComboChoice:
    """A quick filter's choice, as it was before a burst's keys chose another (Restorable);
    its list closed if the burst fell into it open."""

    def __init__(self, box: QComboBox) -> None:
        self.box, self.index = box, box.currentIndex()

    def restore(self) -> None:
        self.box.hidePopup()
        self.box.setCurrentIndex(self.index)


class _CurrentRow:
    """A list's current row, as it was before a burst's keys jumped to another."""

    def __init__(self, view: QAbstractItemView) -> None:
        self.view, self.index = view, QPersistentModelIndex(view.currentIndex())

    def restore(self) -> None:
        model, at = self.view.model(), self.index
        self.view.setCurrentIndex(
            model.index(at.row(), at.column(), at.parent()) if at.isValid() else QModelIndex()
        )


class ViewScans(ScanWatch):
    """A burst at scanner speed that ends in Enter, typed anywhere in a view but its
    FilteredTable's own search box and table: the code goes to that table's ``find_code``, and
    where the keys fell gets back what it held (a field's text, a quick filter's choice, a
    list's current row). Keys typed into a hidden field are never a code."""

    follows_focus = True  # (counts: the focus widget's keys only)

    def __init__(self, view: QWidget, table: FilteredTable) -> None:
        super().__init__(view)
        self.view, self.table = view, table
        own = (table.filter_edit, table.table)
        self.watch(w for w in view.findChildren(QWidget) if w not in own)
        self.watch_always(view)  # (a page given the focus after its dialog closed)
        # A drop-down's list, open: the keys go to it (a burst would only move its
        # highlight; its Enter would choose).
        self._lists = {box.view(): box for box in view.findChildren(QComboBox)}
        for box_list in self._lists:
            self.watch_always(box_list)

    def counts(self, watched: Any) -> bool:
        if watched in self._lists:  # (only an open list has keys, whatever has the focus;
            return True  # the drop-down may close it on Enter before this filter sees it)
        return watched is QApplication.focusWidget() and self.view.isVisible()

    def snapshot(self, watched: Any) -> Restorable | None:
        if watched in self._lists:
            return _ComboChoice(self._lists[watched])
        if isinstance(watched, QLineEdit):
            return FieldText(watched)
        if isinstance(watched, QComboBox):
            return _ComboChoice(watched)
        if isinstance(watched, QAbstractItemView):
            return _CurrentRow(watched)
        return None

    def scanned(self, code: str) -> None:
        if code:
            self.table.find_code(code)


class FilteredTable(QWidget):
    """A filter box over a sortable table, with a row count. Double-click or Enter on a row
    emits ``activated_row`` with the row object."""

    activated_row = Signal(object)
    selection_changed = Signal()
    filter_applied = Signal(str)  # the text now applied to the rows shown
    code_entered = Signal(str)  # a code scanned or typed, then Enter (find_on_enter)

    def __init__(
        self,
        model: RowTableModel[Any],
        placeholder: str = "Filter",
        parent: QWidget | None = None,
        *,
        filter_delay_ms: int = 60,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = FilterProxy(self)
        self.proxy.setSourceModel(model)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText(placeholder)
        self.filter_edit.setClearButtonEnabled(True)
        self.count_label = QLabel(self)
        self.count_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        # Qt's default indicator is descending; start in the source order, ascending.
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.fitter = ColumnFitter(self.table, model)
        self._find: Callable[[], None] | None = None  # (find_on_enter's Enter)
        # The first rows are being read (``rows_pending``): a code entered meanwhile waits
        # for them instead of being said not found.
        self._pending = False
        self._waiting_code: str | None = None
        self._scans: ViewScans | None = None
        self.table.doubleClicked.connect(self._activated)
        self.table.activated.connect(self._activated)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_: self.selection_changed.emit()
        )

        self.top = QHBoxLayout()
        self.top.addWidget(self.filter_edit, 1)
        self.top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.top)
        layout.addWidget(self.table, 1)

        # Debounce only a little: each keystroke is answered, but a fast typist (or a
        # scanner) does not pay for every intermediate string. (0 where the table answers a
        # keystroke well within a frame: a scanner's burst still coalesces, since the timer
        # restarts on every character.)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(filter_delay_ms)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter_edit.textChanged.connect(lambda _t: self._filter_timer.start())
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self.update_count)
        for signal in (
            self.proxy.layoutChanged,
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
        ):
            signal.connect(self.update_count)
        self.update_count()
        # A filter that hides the selected rows takes them out of the selection without a
        # word from the selection model: the view's buttons must hear it all the same.
        self.proxy.layoutChanged.connect(lambda *_a: self.selection_changed.emit())
        self.proxy.modelReset.connect(self.selection_changed.emit)
        self.filter_edit.installEventFilter(self)

    def take_match(self, keys: Callable[[Any], tuple[str, ...]]) -> None:
        """Enter in the search box (a scanner ends with Enter): select the only row shown, or
        the one row whose ``keys`` (tag and serial, badge and scan code) equal exactly what
        was typed; otherwise select nothing, so that nothing is taken by mistake."""
        self.apply_filter()
        typed = self.filter_edit.text().strip().upper()
        self.table.clearSelection()
        exact = [
            r
            for r in range(self.proxy.rowCount())
            if typed in (k.upper() for k in keys(self.proxy.source_row(r)))
        ]
        if self.proxy.rowCount() == 1 or len(exact) == 1:
            self.table.selectRow(exact[0] if exact else 0)

    def find_on_enter(
        self,
        keys: Callable[[Any], tuple[str, ...]],
        found: Callable[[Any], None] | None = None,
        *,
        hidden: Callable[[Any], None] | None = None,
        missed: Callable[[str, int], None] | None = None,
    ) -> None:
        """A code scanned (or typed) and Enter finds its row: keys typed on the table go to
        the search box (``search_on_typing``, never the table's jump-to-row), and Enter there
        selects the one row the code belongs to (``take_match``; a code no column shows, an
        ID card's, by the key the columns do show), hands it to ``found``, and selects the
        search text so that the next scan replaces it.

        ``hidden(row)``: the row is there but the view's own filter (a status, a list) hides
        it; the view shows it again (and says so), then it is selected. ``missed(code,
        shown)``: no row, or several (``shown`` rows match): nothing is selected, not even
        the current row, and the view says so. The view hears ``selection_changed`` either
        way (its buttons follow)."""
        self.search_on_typing()

        def enter() -> None:
            typed = self.filter_edit.text().strip()
            if not typed:
                return
            self.code_entered.emit(typed)  # (the view clears what it said of the last one)
            if self._pending:  # found once the list is in (``rows_in``)
                self._waiting_code = typed
                self.filter_edit.selectAll()
                self.update_count()
                return
            self.take_match(keys)
            rows = self.table.selectionModel().selectedRows()
            if not rows:
                code = typed.upper()
                hits = [r for r in self.model.rows() if code in (k.upper() for k in keys(r))]
                if len(hits) == 1:
                    if hidden is not None and self.proxy.hides(hits[0]):
                        hidden(hits[0])
                    self.filter_edit.setText(keys(hits[0])[0])
                    self.take_match(keys)
                    rows = self.table.selectionModel().selectedRows()
            if not rows:
                self.table.setCurrentIndex(QModelIndex())
            self.filter_edit.selectAll()
            self.selection_changed.emit()
            if len(rows) == 1 and found is not None:
                found(self.proxy.source_row(rows[0].row()))
            elif not rows and missed is not None:
                missed(typed, self.proxy.rowCount())

        self._find = enter
        self.filter_edit.returnPressed.connect(enter)

    def rows_pending(self) -> None:
        """The first rows are being read: the count says so (not "0"), and a code entered
        meanwhile is looked for once they are in (``rows_in``)."""
        self._pending = True
        self.update_count()

    def rows_in(self, read: bool = True) -> None:
        """The rows are in the model: a code entered while they were read is found now
        (``read`` False: they could not be read, and the window said so: it is dropped, not
        said to match nothing)."""
        if not self._pending:
            return
        self._pending = False
        self.update_count()
        code, self._waiting_code = self._waiting_code, None
        if code is not None and read and self._find is not None:
            self.filter_edit.setText(code)
            self._find()

    def find_code(self, code: str) -> None:
        """A code scanned elsewhere in the view (``scan_anywhere_in``): into the search box,
        then found as if typed there and Enter pressed (``find_on_enter``)."""
        if self._find is None:
            return
        self.filter_edit.setFocus()
        self.filter_edit.setText(code)
        self._find()

    def scan_anywhere_in(self, view: QWidget) -> None:
        """A scan while the focus is anywhere in ``view`` (a quick filter, a details
        panel's history) finds its row as from the search box (``find_code``), and what the
        burst's keys did where they fell is put back. The search box and the table take
        their own keys (``find_on_enter``)."""
        self._scans = ViewScans(view, self)

    def search_on_typing(self) -> None:
        """Keys typed (or scanned) while the table has the focus go to the search box, never
        to the table's own jump-to-row, which could pick another row than the one scanned."""
        self.table.installEventFilter(self)

    def eventFilter(self, watched: Any, event: Any) -> bool:
        if watched is self.filter_edit:
            if event.type() == QEvent.Type.FocusIn and event.reason() not in (
                Qt.FocusReason.MouseFocusReason,
                Qt.FocusReason.PopupFocusReason,
            ):
                # Back in the box from another view or a dialog: what it holds (the last
                # code scanned) is selected, so that the next scan replaces it instead of
                # being added on. (A click places the cursor, as always.)
                self.filter_edit.selectAll()
            return False
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and event.text()
            and event.text().isprintable()
        ):
            if not self.filter_edit.hasFocus():  # a scan's first key replaces the search
                self.filter_edit.setFocus()
                self.filter_edit.selectAll()
            self.filter_edit.insert(event.text())
            return True
        return super().eventFilter(watched, event)

    def apply_filter(self) -> None:
        text = self.filter_edit.text()
        self.proxy.set_text(text)
        self._current_in_sight()
        self.update_count()
        self.filter_applied.emit(text)

    def set_predicate(self, predicate: Callable[[Any], bool] | None) -> None:
        """The view's own filter (a status, a list): the row chosen stays in sight."""
        self.proxy.set_predicate(predicate)
        self._current_in_sight()

    def _current_in_sight(self) -> None:
        current = self.table.currentIndex()
        if current.isValid():
            # A filter changed: the row chosen stays in sight (the view lays out its new
            # rows first: until then its scroll range is the old one).
            self.table.doItemsLayout()
            self.table.scrollTo(current)

    def update_count(self, *_args: Any) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        if self._pending:
            looked_for = self._waiting_code
            self.count_label.setText(
                f"loading... ({looked_for} once in)" if looked_for else "loading..."
            )
            return
        self.count_label.setText(f"{shown:,} of {total:,}" if shown != total else f"{total:,}")
        # As wide as its widest text for this many rows: the boxes beside it stay put as
        # the count changes with each key ("1 of 475", "475").
        widest = self.count_label.fontMetrics().horizontalAdvance(f"{total:,} of {total:,}")
        if self.count_label.minimumWidth() != widest:
            self.count_label.setMinimumWidth(widest)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.activated_row.emit(self.proxy.source_row(index.row()))

    def selected_rows(self) -> list[Any]:
        rows = self.table.selectionModel().selectedRows()
        return [self.proxy.source_row(i.row()) for i in rows]

    def current_row(self) -> Any | None:
        index = self.table.currentIndex()
        return self.proxy.source_row(index.row()) if index.isValid() else None

    def place(self, limit: int = RESTORE_LIMIT) -> Place:
        """The selection (up to ``limit`` rows), the current row and the scroll position."""
        rows = self.table.selectionModel().selectedRows()
        keys = tuple(self.model.key(self.proxy.source_row(i.row())) for i in rows[:limit])
        current = self.current_row()
        return Place(
            keys,
            None if current is None else self.model.key(current),
            (self.table.verticalScrollBar().value(), self.table.horizontalScrollBar().value()),
        )

    def restore(self, place: Place, scroll: bool = True) -> None:
        """Select again the rows of ``place`` still shown (one selection range per run of
        rows), make its current row current again, and scroll back to where the user was."""
        proxy, view = self.proxy, self.table
        positions = (self.model.position(k) for k in place.keys)
        rows = proxy.proxy_rows(p for p in positions if p is not None)
        selection = QItemSelection()
        last = proxy.columnCount() - 1
        for start, end in runs(rows):
            selection.select(proxy.index(start, 0), proxy.index(end, last))
        selection_model = view.selectionModel()
        selection_model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        pos = self.model.position(place.current) if place.current is not None else None
        current = proxy.proxy_rows([pos]) if pos is not None else []
        if current:
            selection_model.setCurrentIndex(
                proxy.index(current[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
        if scroll:
            view.doItemsLayout()  # the scroll ranges of the rows now in the model
            view.verticalScrollBar().setValue(place.scroll[0])
            view.horizontalScrollBar().setValue(place.scroll[1])

    def fit_columns(self, sample: int = 300, grow_only: bool = False) -> None:
        """Size the columns from the widest text of each over the whole model (see
        ColumnFitter). ``grow_only``: widen columns whose new text does not fit, never narrow
        one. The table also refits by itself (growing only) when its rows change."""
        self.fitter.fit(grow_only=grow_only, sample=sample)

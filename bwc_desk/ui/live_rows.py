"""Keeps one table's rows current from ``AppState.changed``, cheaply.

A change that names a few rows is patched in: those rows are read again on a worker (a
service's rows-by-id function), prepared there, and updated, added or removed in the model,
so the selection and the scroll position stay. A change whose ids are unknown, or too many,
reloads the whole list. A table that is not on screen does nothing but remember what changed
and catches up when it is shown (one patch, or one reload). One read at a time: changes that
arrive meanwhile are merged and applied after it, the newest state winning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QWidget

from bwc_desk.services import inventory
from bwc_desk.services.changeset import LARGE, ChangeSet
from bwc_desk.services.context import Ctx
from bwc_desk.ui.models.table_model import Prepared, RowTableModel
from bwc_desk.ui.state import AppState
from bwc_desk.ui.widgets import FilteredTable

log = logging.getLogger(__name__)

# What to read again for a change: the keys of the rows to patch, or None for everything.
Affected = Callable[[ChangeSet], Collection[Any] | None]
ReadSome = Callable[[Ctx, Collection[Any], ChangeSet], Sequence[Any]]


class LiveRows(QObject):
    """Feeds ``table``'s model. ``read_all(ctx)`` lists every row; ``read_some(ctx, keys,
    change)`` the rows of ``keys`` (rows not returned have vanished; rows returned that were
    not asked for are taken too); ``affected(change)`` says which keys a change touches (None:
    reload). ``topics``: the change topics this table shows.

    ``shown(full)`` is emitted after rows were put in the model: ``full`` for a reload."""

    shown = Signal(bool)

    def __init__(
        self,
        state: AppState,
        table: FilteredTable,
        *,
        topics: Iterable[str],
        read_all: Callable[[Ctx], Sequence[Any]],
        read_some: ReadSome,
        affected: Affected,
        watched: QWidget | None = None,
    ) -> None:
        super().__init__(table)
        self.state = state
        self.table = table
        self.model: RowTableModel[Any] = table.model
        self.topics = frozenset(topics)
        self._read_all = read_all
        self._read_some = read_some
        self._affected = affected
        self.watched = watched or table
        self.loaded = False
        self._busy = False
        self._reload = False  # a reload is wanted
        self._pending: ChangeSet | None = None  # changes not applied yet
        self.watched.installEventFilter(self)
        state.changed.connect(self.changed)

    # --- what starts a read -----------------------------------------------------------------
    def ensure_loaded(self) -> None:
        if not self.loaded and not self._busy:
            self.reload()

    def reload(self) -> None:
        """Read every row (now, or after the read in flight)."""
        self._reload, self._pending = True, None
        self._pump(force=True)

    def changed(self, change: ChangeSet) -> None:
        if not (self.loaded or self._busy) or not change.topics & self.topics:
            return  # (never shown: the first load reads everything anyway)
        if not self._reload:
            self._pending = change if self._pending is None else self._pending.merged(change)
        self._pump()

    @property
    def stale(self) -> bool:
        """Changes wait to be applied (the table is hidden, or a read is in flight)."""
        return self._reload or self._pending is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.watched and event.type() == QEvent.Type.Show and self.stale:
            self._pump()
        return False

    def _pump(self, force: bool = False) -> None:
        if self._busy or not (force or self.watched.isVisible()):
            return  # after the read in flight; or when shown
        if self._pending is not None and not self._reload:
            change, self._pending = self._pending, None
            keys = None if change.large() else self._affected(change)
            if keys is None or len(keys) > LARGE:
                self._reload = True
            elif keys:
                self._busy = True
                wanted = list(keys)
                read_some = self._read_some
                prepare = self.model.prepare
                self.state.read(
                    lambda ctx: prepare(read_some(ctx, wanted, change)),
                    lambda prepared: self._patched(wanted, prepared),
                    self._failed,
                    parent=self,
                )
                return
        if self._reload:
            self._reload, self._pending = False, None
            self._busy = True
            if not self.loaded:
                self.table.rows_pending()  # (the first rows: a scan meanwhile waits for them)
            read_all, prepare = self._read_all, self.model.prepare
            column = self.table.proxy.sortColumn()
            # On the bulk lane: a scan never waits behind 25,000 rows. (Not keyed: this class
            # already runs one read at a time, and a dropped result would leave it busy.)
            self.state.read(
                lambda ctx: prepare(read_all(ctx), column), self._loaded, self._failed,
                bulk=True, parent=self,
            )

    # --- what the reads bring ---------------------------------------------------------------
    def _loaded(self, prepared: Prepared[Any]) -> None:
        self._busy = False
        place = self.table.place() if self.loaded else None
        self.model.set_rows(prepared)
        self.loaded = True
        if place is not None:
            self.table.restore(place)
        self.shown.emit(True)
        self.table.rows_in()
        self._pump()

    def _patched(self, wanted: list[Any], prepared: Prepared[Any]) -> None:
        self._busy = False
        key = self.model.key
        found = {key(r) for r in prepared.rows}
        self.model.patch(prepared, removed=[k for k in wanted if k not in found])
        self.shown.emit(False)
        self._pump()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.table.rows_in(read=False)  # (a code scanned meanwhile is not "not found")
        if self.state.silenced(exc):
            return
        if self.state.error_handler is not None:
            self.state.error_handler(exc)
        else:  # pragma: no cover - the window always sets one
            log.error("reading rows failed", exc_info=exc)


def unit_rows(
    state: AppState, table: FilteredTable, *, topics: Iterable[str], watched: QWidget
) -> LiveRows:
    """The agency's cameras, kept current (Inventory and the cameras page both show them)."""
    model = table.model
    return LiveRows(
        state,
        table,
        topics=topics,
        read_all=lambda ctx: inventory.list_units(ctx),  # (looked up at each read)
        read_some=lambda ctx, ids, _change: inventory.units_by_id(ctx, list(ids)),
        affected=lambda change: units_touched(change, model),
        watched=watched,
    )


def units_touched(change: ChangeSet, model: RowTableModel[Any]) -> set[int] | None:
    """The units whose Inventory row a change touches: those it names, and those whose
    primary officer or holder it names (their names are in the row). None: reload (a pool's
    name is in its cameras' rows; the change does not say which)."""
    if change.touches("pools") and not change.units:
        return None
    ids = set(change.units)
    if change.officers:
        officers = change.officers
        ids.update(
            u.id
            for u in model.rows()
            if u.primary_officer_id in officers or u.holder_officer_id in officers
        )
    return ids

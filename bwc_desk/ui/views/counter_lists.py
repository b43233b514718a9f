"""The counter's lists under the scan field: Out now, Returned (not docked) and This session.
Read on a worker; a completed issue or return patches Out now at once.

A change set that names its units, officers and checkouts (another station's issue, a
dock's return) reads only the open checkouts it names and patches those rows. A refresh reads
Out now whole (2,500 rows at a large agency: at the start, every minute for the overdue
texts, after a change too large or of unknown ids) but changes only the rows that differ:
the worker diffs the read against the rows shown, and the table repaints those rows, not all
of them. One read at a time, on the bulk lane (a scan's reads never queue behind it); asked
again meanwhile, it runs once more after."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QTabWidget, QWidget

from bwc_desk.services import counter
from bwc_desk.services.changeset import ChangeSet
from bwc_desk.services.counter import NotDockedRow
from bwc_desk.services.dto import CheckoutRow
from bwc_desk.ui.models.checkout_table_model import CheckoutTableModel
from bwc_desk.ui.models.not_docked_model import NotDockedModel
from bwc_desk.ui.models.table_model import Diff, Prepared
from bwc_desk.ui.state import AppState
from bwc_desk.ui.widgets import FilteredTable

log = logging.getLogger(__name__)
REFUSED_COLOUR = "#b91c1c"  # a scan that did nothing, in This session
OUT, NOT_DOCKED, SESSION = range(3)


# A word this long in a line of This session (a refused 300-character scan) is shortened,
# or the list scrolls sideways.
LONG_WORD = re.compile(r"\S{61,}")


def _shortened(word: re.Match[str]) -> str:
    text = word.group(0)
    return f"{text[:40]}\u2026{text[-12:]} ({len(text)} characters)"


class CounterLists(QTabWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app_state = state
        self.loaded = False
        self._reading = False  # a refresh is in flight
        self._again = False  # and another was asked for meanwhile
        self._texts_again = False  # (that one with every row's texts)
        self._pending: ChangeSet | None = None  # changes to patch in after the read in flight
        self.model = CheckoutTableModel(self)
        self.out_table = FilteredTable(self.model, "Filter: camera, officer, badge...")
        self.out_table.filter_edit.setObjectName("out_filter")
        self.not_docked_model = NotDockedModel(self)
        self.not_docked_table = FilteredTable(self.not_docked_model, "Filter")
        self.session_list = QListWidget(self)
        self.session_list.setObjectName("session_list")
        self.session_list.setWordWrap(True)  # (an answer's whole words, never sideways)
        self.addTab(self.out_table, "Out now")
        self.addTab(self.not_docked_table, "Returned, not docked")
        self.addTab(self.session_list, "This session")

    def refresh(self, texts: bool = False) -> None:
        """Read the lists again. Only the rows of Out now that changed are prepared and
        patched in; ``texts``: every row's texts prepared again (they move with the clock:
        "overdue 2 h 05 min")."""
        if self._reading:
            self._again = True
            self._texts_again = self._texts_again or texts
            return
        texts = texts or self._texts_again
        self._reading, self._again, self._texts_again = True, False, False
        self._pending = None  # (read whole: the changes named are in it)
        snapshot = self.model.snapshot()
        prepare = CheckoutTableModel.prepare

        def read(ctx: Any) -> Diff[CheckoutRow]:
            rows = counter.out_now(ctx)
            return snapshot.diff(prepare(rows)) if texts else snapshot.diff_rows(rows, prepare)

        self.app_state.read(read, self._loaded_rows, self._failed, bulk=True, parent=self)
        self._read_not_docked()

    def changed(self, change: ChangeSet) -> None:
        """What a change set touched, patched in: the open checkouts it names are read again
        (a few rows), those of its rows gone are removed. Before the first read, for a change
        of unknown or too many ids, of settings, or one that names no row at all, Out now is
        read whole."""
        named = change.units or change.officers or change.checkouts
        if not self.loaded or change.large() or change.touches("settings") or not named:
            self.refresh()  # (Returned, not docked too)
            return
        self._pending = change if self._pending is None else self._pending.merged(change)
        if self._reading:
            return  # (after the read in flight: `_more`)
        change, self._pending = self._pending, None
        self._reading = True
        version = self.model.version
        prepare = CheckoutTableModel.prepare
        units, officers, checkouts = change.units, change.officers, change.checkouts

        def read(ctx: Any) -> Prepared[CheckoutRow]:
            return prepare(counter.out_now_touching(
                ctx, units=units, officers=officers, checkouts=checkouts))

        self.app_state.read(
            read, lambda rows: self._patched(change, version, rows), self._failed, bulk=True,
            parent=self,
        )
        self._read_not_docked()

    def _patched(self, change: ChangeSet, version: int, prepared: Prepared[CheckoutRow]) -> None:
        self._reading = False
        if self.model.version != version:
            # A scan patched Out now meanwhile: what was read may be older than what it put
            # there. The same rows are read again.
            self._pending = change if self._pending is None else self._pending.merged(change)
        else:
            found = {r.id for r in prepared.rows}
            gone = [
                r.id
                for r in self.model.rows()
                if r.id not in found
                and (r.unit_id in change.units or r.officer_id in change.officers
                     or r.id in change.checkouts)
            ]
            if prepared.rows or gone:
                self.model.patch(prepared, removed=gone)
                self._update_counts()
        self._more()

    def _read_not_docked(self) -> None:
        self.app_state.read(counter.returned_not_docked, self._not_docked, bulk=True,
                            parent=self)

    def _failed(self, exc: BaseException) -> None:
        self._reading = False
        state = self.app_state
        if not state.silenced(exc):
            if state.error_handler is not None:
                state.error_handler(exc)
            else:  # pragma: no cover - the window always sets one
                log.error("reading Out now failed", exc_info=exc)
        self._more()

    def _more(self) -> None:
        if self._again:
            self.refresh(self._texts_again)
        elif self._pending is not None:
            pending, self._pending = self._pending, None
            self.changed(pending)

    def log(self, text: str, refused: bool = False) -> None:
        """A line at the top of This session (local time: it is the clerk's own list).
        ``refused``: the scan did nothing (marked, in red, so a run of scans at the end of a
        shift shows which ones still need a look)."""
        mark = "NOT DONE: " if refused else ""
        line = f"{datetime.now():%H:%M:%S}  {mark}{text}"
        item = QListWidgetItem(LONG_WORD.sub(_shortened, line))
        if item.text() != line:  # (a code of hundreds of characters: whole on hover)
            item.setToolTip(line)
        if refused:
            item.setForeground(QColor(REFUSED_COLOUR))
        self.session_list.insertItem(0, item)

    def issued(self, checkout: CheckoutRow) -> None:
        self.model.upsert([checkout])
        self._update_counts()

    def returned(self, unit_id: int) -> None:
        self.model.remove([r.id for r in self.model.rows() if r.unit_id == unit_id])
        self._update_counts()

    def _loaded_rows(self, diff: Diff[CheckoutRow]) -> None:
        self._reading = False
        if not diff.complete and not self.model.current(diff):
            # A scan patched Out now meanwhile: the rows read are diffed again, against it.
            self._again = True
            self._more()
            return
        first = not self.loaded
        # Set whole (the first read; or the order of the rows changed, or many came or
        # went): the rows selected that are still out are selected again, by key.
        whole = not (diff.patchable and self.model.current(diff))
        place = self.out_table.place() if whole and not first else None
        self.model.apply(diff)  # (the rows that differ; all of them the first time)
        if place is not None:
            self.out_table.restore(place)
        self.loaded = True
        self._update_counts()
        if first:
            self.out_table.fit_columns()
        self._more()

    def _not_docked(self, rows: list[NotDockedRow]) -> None:
        self.not_docked_model.set_rows(rows)
        self.setTabText(NOT_DOCKED, f"Returned, not docked ({len(rows)})")

    def _update_counts(self) -> None:
        overdue = self.model.overdue_count()
        text = f"Out now ({self.model.rowCount()}"
        self.setTabText(OUT, text + (f", {overdue} overdue)" if overdue else ")"))

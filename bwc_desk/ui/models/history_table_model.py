"""One unit's custody history, newest first, a page at a time.

A unit can have tens of thousands of events; the detail panel shows the first page at once and
asks for the next when the view is scrolled to the bottom (Qt's canFetchMore/fetchMore, which
QAbstractItemView calls by itself). The model only says it wants more; the panel fetches the
page on a worker and hands it back with ``append_page``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Signal

from bwc_desk.services.dto import EventRow
from bwc_desk.ui.models.event_table_model import EventTableModel
from bwc_desk.ui.models.table_model import Index, Prepared


class HistoryTableModel(EventTableModel):
    # No "Camera" column: every row is the same camera.
    COL_SEQ, COL_AT, COL_KIND, COL_OFFICER, COL_STAFF, COL_STATION, COL_REASON, COL_DETAILS = range(
        8
    )
    columns = tuple(c for c in EventTableModel.columns if c.title != "Camera")  # type: ignore[assignment]

    # The seq to page back from (the oldest row shown).
    more_wanted = Signal(int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.has_more = False
        self._asked = False  # a page is on its way: do not ask twice

    def set_first_page(self, page: Prepared[EventRow], has_more: bool) -> None:
        self.has_more = has_more
        self._asked = False
        self.set_rows(page)

    def append_page(self, page: Prepared[EventRow], has_more: bool) -> None:
        fresh = [i for i, r in enumerate(page.rows) if self.position(r.seq) is None]
        self._asked = False
        self.has_more = has_more
        if fresh:
            self.append(page.take(fresh))

    def merge_newer(self, page: Prepared[EventRow], has_more: bool) -> int:
        """A fresh first page for the unit already shown: events newer than the newest row go
        on top and what was paged in (and the scroll position) stays. If the page does not
        reach back to the rows shown (a page or more of new events), it replaces them, and
        ``has_more`` is the page's own. Returns how many rows are new."""
        newest = self.row_at(0).seq if self.rowCount() else None
        fresh = [i for i, r in enumerate(page.rows) if newest is None or r.seq > newest]
        if newest is None or len(fresh) == len(page.rows):
            self.set_first_page(page, has_more)
            return len(fresh)
        if fresh:
            self.insert_front(page.take(fresh))
        return len(fresh)

    def page_dropped(self) -> None:
        """The page asked for will not come (a refresh overtook it, or reading it failed):
        the next scroll to the bottom asks again."""
        self._asked = False

    def oldest_seq(self) -> int | None:
        n = self.rowCount()
        return self.row_at(n - 1).seq if n else None

    # --- Qt's incremental loading -----------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.has_more and not self._asked

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        oldest = self.oldest_seq()
        if self.canFetchMore(parent) and oldest is not None:
            self._asked = True
            self.more_wanted.emit(oldest)

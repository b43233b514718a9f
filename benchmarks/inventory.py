"""filter_keystroke_p99_ms: realistic searches typed one key at a time into the Inventory
view's filter box (the real InventoryTab, its FilteredTable and proxy over every unit of the
agency), each keystroke timed from the key press until the proxy has applied the new text
and the table has repainted; next to inventory_bare_proxy_p99_ms, the same searches typed
into a stock QSortFilterProxyModel over the same rows' texts (a QStandardItemModel, fixed
string over every column, no debounce), in the same run.

history_open_ms: the detail panel opened on a unit with 10,000 custody events (appended to a
copy of the agency's database in one transaction), timed until the first page of its history
is on screen; next to raw_history_page_ms, that page as one SQL query."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.agency import PASSWORD, Agency
from benchmarks.harness import Figure, percentile
from benchmarks.probes import PaintWatch, bare_proxy_keystrokes, table_texts, time_keystrokes
from bwc_desk.services import auth
from bwc_desk.services.context import Ctx, utc_now
from bwc_desk.services.startup import open_database
from bwc_desk.store import queries
from bwc_desk.store.ledger import append_custody

HISTORY_EVENTS = 10_000
OPENS = 9


def _wait(app: Any, done: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.perf_counter() + timeout_s
    while not done():
        app.processEvents()
        if time.perf_counter() > deadline:
            raise TimeoutError("the view did not answer")


def _searches(rows: list[Any]) -> list[str]:
    """What staff type: part of a tag off a label, an officer's name, a model, a status."""
    tag = rows[len(rows) // 2].asset_tag.lower()
    holder = next((u.holder for u in rows if u.holder), "") or next(
        (u.primary_officer for u in rows if u.primary_officer), "officer"
    )
    name = holder.split(",")[0].lower()
    model = rows[0].model.lower() or "axon"
    return [tag[: len(tag) - 1], name, model, "in repair", f"{name[:4]} {tag[-3:]}"]


def _append_history(db: Any, unit_id: int, n: int) -> None:
    with db.write() as session:
        at = utc_now() - timedelta(days=400)
        for i in range(n):
            append_custody(
                session,
                at=at + timedelta(minutes=30 * i),
                kind="docked" if i % 2 else "undocked",
                unit_id=unit_id,
                officer_id=None,
                staff_id=None,
                staff_username="dock-feed",
                station="BENCH-1",
                reason=None,
                details={"dock": "DOCK-A", "bay": i % 8 + 1},
            )


def run(agency: Agency, work: Path) -> list[Figure]:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from bwc_desk.ui.state import AppState
    from bwc_desk.ui.views.inventory_tab import InventoryTab

    app = QApplication.instance() or QApplication([])
    copy = agency.copy(work / "agency.sqlite3")
    db = open_database(copy.url).db
    ctx = Ctx(db, "BENCH-1")
    ctx = ctx.as_actor(auth.sign_in(ctx, "quinn", PASSWORD))

    state = AppState(ctx)
    tab = InventoryTab(state)
    tab.resize(1400, 860)
    tab.show()
    QTest.qWaitForWindowExposed(tab)
    loaded: list[int] = []
    tab.rows_loaded.connect(loaded.append)
    tab.ensure_loaded()
    _wait(app, lambda: bool(loaded))
    rows = tab.model.rows()
    # The unit with a long history: one from the middle of the list, its events appended now.
    target = rows[len(rows) // 2]
    _append_history(db, target.id, HISTORY_EVENTS)
    db.checkpoint()

    # As the app does once its window is up: start-up garbage frozen out of the collector.
    gc.collect()
    gc.freeze()
    table = tab.table
    painted = PaintWatch(table.table.viewport())
    typed = _searches(rows)
    view_times = time_keystrokes(table, typed, painted)
    painted.remove()

    # The detail panel on the unit with 10,000 events, until its first page is shown.
    position = tab.model.position(target.id)
    assert position is not None
    row = tab.model.row_at(position)
    opens: list[float] = []
    shown: list[int] = []
    tab.detail.history_loaded.connect(shown.append)
    for _ in range(OPENS):
        tab.close_details()
        shown.clear()
        started = time.perf_counter()
        tab.open_details(row)
        _wait(app, lambda: bool(shown))
        app.processEvents()
        opens.append((time.perf_counter() - started) * 1000)
    model = tab.detail.history_model
    assert model.rowCount() > 0 and model.has_more, (model.rowCount(), tab.detail.note.text())
    raw_pages: list[float] = []
    with db.read() as session:
        for _ in range(OPENS):
            started = time.perf_counter()
            queries.custody_rows(session, unit_id=target.id, limit=200)
            raw_pages.append((time.perf_counter() - started) * 1000)
    columns, texts = table_texts(tab.model)
    state.runner.shutdown()
    tab.close()
    db.dispose()
    gc.unfreeze()
    bare_times = bare_proxy_keystrokes(texts, columns, typed)
    n = len(rows)
    return [
        Figure(
            "inventory_bare_proxy_p99_ms",
            percentile(bare_times, 99),
            "ms",
            f"Stock QSortFilterProxyModel over the same {n:,} units' texts: key press to "
            f"repainted table, p99 of {len(bare_times)} keys",
        ),
        Figure(
            "filter_keystroke_p99_ms",
            percentile(view_times, 99),
            "ms",
            f"Inventory filter: key press to repainted table, {n:,} units, p99 of "
            f"{len(view_times)} keys",
            baseline="inventory_bare_proxy_p99_ms",
            goal="< 50",
            note=f"p50 {percentile(view_times, 50):.1f} ms; typed: {', '.join(typed)}",
        ),
        Figure(
            "raw_history_page_ms",
            statistics.median(raw_pages),
            "ms",
            "Raw SQL: one page (200) of a unit's custody events, median",
        ),
        Figure(
            "history_open_ms",
            statistics.median(opens),
            "ms",
            f"Detail panel on a unit with {HISTORY_EVENTS:,} events: open to first page shown, "
            f"median of {OPENS}",
            baseline="raw_history_page_ms",
            goal="< 100",
            note=f"slowest {max(opens):.1f} ms",
        ),
    ]

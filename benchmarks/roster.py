"""roster_filter_p99_ms: searches typed one key at a time into the roster's filter box
(Assignments, Roster: the real RosterPage in the real MainWindow, over every officer of the
agency, 40,000 at the large size), each key timed from the key press until the text has
been applied and the table repainted; next to roster_bare_proxy_p99_ms, the same searches
typed into a stock QSortFilterProxyModel over the same rows' texts (a QStandardItemModel,
fixed string over every column, no debounce), in the same run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.agency import Agency
from benchmarks.desk import Desk
from benchmarks.harness import Figure, percentile
from benchmarks.probes import (
    PaintWatch,
    bare_proxy_keystrokes,
    table_texts,
    time_keystrokes,
    wait_for,
)


def searches(texts: list[list[str]], columns: list[str]) -> list[str]:
    """What a supervisor types: a surname, part of a badge number, a division, a camera."""
    middle = texts[len(texts) // 2]
    by_title = {title.lower(): i for i, title in enumerate(columns)}

    def cell(*names: str) -> str:
        for name in names:
            for title, i in by_title.items():
                if name in title and middle[i].strip():
                    return middle[i].lower()
        return ""

    name = (cell("name", "officer") or middle[0].lower()).split(",")[0].split()[0]
    badge = cell("badge") or middle[0].lower()
    division = cell("division", "unit", "shift") or "patrol"
    camera = cell("camera", "primary") or badge
    out = [name[:6], badge[-4:], division.split()[0][:7], camera[-5:]]
    return [s for s in out if s.strip()]


def run(agency: Agency, work: Path) -> list[Figure]:
    desk = Desk(agency, work, user="admin").open()
    try:
        roster = _open_roster(desk)
        columns, texts = table_texts(roster.model)
        typed = searches(texts, columns)
        import gc

        gc.collect()  # (the harness's own copy of 40,000 rows' texts: not the app's to walk)
        painted = PaintWatch(roster.table.table.viewport())
        times = time_keystrokes(roster.table, typed, painted)
        painted.remove()
    finally:
        desk.close()
    bare = bare_proxy_keystrokes(texts, columns, typed)
    n = len(texts)
    return [
        Figure("roster_bare_proxy_p99_ms", percentile(bare, 99), "ms",
               f"Stock QSortFilterProxyModel over the same {n:,} officers' texts: key press to "
               f"repainted table, p99 of {len(bare)} keys"),
        Figure("roster_filter_p99_ms", percentile(times, 99), "ms",
               f"Roster filter: key press to repainted table, {n:,} officers, p99 of "
               f"{len(times)} keys", baseline="roster_bare_proxy_p99_ms", goal="<= 50",
               note=f"p50 {percentile(times, 50):.1f} ms; typed: {', '.join(typed)}"),
    ]


def _open_roster(desk: Desk) -> Any:
    """The roster shown with its rows, once the administrator's landing view (Inventory,
    25,000 units) has its own: the keys are timed on a station that has settled, not while
    the start-up's last reads land (Inventory's rows arriving during the first key made
    it the p99)."""
    w = desk.window
    wait_for(lambda: w.inventory_tab.model.rowCount() >= desk.agency.units, 600,
             "Inventory's rows")
    a = w.assignments_tab
    desk.show_view(a)
    a.pages.setCurrentWidget(a.roster)
    wait_for(lambda: a.roster.model.rowCount() >= desk.agency.officers, 600, "the roster")
    wait_for(lambda: not desk.state.runner.busy, 600, "the last reads")
    import gc

    gc.collect()
    return a.roster

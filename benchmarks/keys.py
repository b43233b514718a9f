"""The label docs/benchmarks.md gives each figure's key, in the order of its table. A run's
own label says more about that run (sizes, counts) and is kept in its JSON; these stay the
same from run to run, so that figures of several runs line up. tests/test_bench_report.py
checks that every key a benchmark can produce is here."""

from __future__ import annotations

LABELS: dict[str, str] = {
    # start-up (startup)
    "bare_window_s": "Bare PySide6 window (tabs + table), start to idle",
    "bare_stack_s": "The stack's floor: that window + SQLAlchemy's import + one Argon2id check",
    "sign_in_shown_s": "A person's start-up: BWC Desk start to its sign-in form on the screen",
    "sign_in_enter_to_rows_s": "A person's start-up: Enter at the sign-in form to the "
    "counter's rows",
    "startup_window_s": "BWC Desk start to main window shown and idle (first view still loading)",
    "startup_s": "BWC Desk start to the first view with its rows (quartermaster: the counter)",
    "startup_inventory_s": "BWC Desk start to an administrator's Inventory, every unit shown",
    "peak_rss_mib": "Peak memory of the app during start-up",
    "db_size_mib": "Database size",
    # the counter as a person uses it (counter)
    "scan_alone_p50_ms": "Scan to banner painted, the counter alone, p50",
    "scan_alone_p99_ms": "... p99",
    "scan_to_banner_p50_ms": "Scan to banner painted, every view open, docks + another station "
    "busy, p50",
    "scan_to_banner_p99_ms": "... p99",
    "scan_to_banner_errors": "Scans answered with an error, everything open and busy",
    "main_stall_alone_ms": "Longest main-thread stall during the scans, the counter alone",
    "main_stall_max_ms": "Longest main-thread stall during the scans, everything open and busy",
    # the service only (scan, pg-scan)
    "raw_commit_p50_ms": "Raw SQLite insert + commit (WAL, synchronous=FULL), p50",
    "raw_commit_p99_ms": "... p99",
    "scan_service_p50_ms": "Scan, the service only (rules, ledger, commit, a bare model), p50",
    "scan_service_p99_ms": "... p99",
    "sqlite_scan_service_p50_ms": "Scan, the service only, on SQLite (the PostgreSQL run's "
    "baseline), p50",
    "sqlite_scan_service_p99_ms": "... p99",
    "pg_scan_service_p50_ms": "... the same on PostgreSQL (local server, durable), p50",
    "pg_scan_service_p99_ms": "... p99",
    # tables (roster, inventory)
    "roster_bare_proxy_p99_ms": "Stock QSortFilterProxyModel over the roster's texts, key to "
    "repaint, p99",
    "roster_filter_p99_ms": "Roster filter: key press to repainted table, every officer, p99",
    "inventory_bare_proxy_p99_ms": "Stock QSortFilterProxyModel over Inventory's texts, key to "
    "repaint, p99",
    "filter_keystroke_p99_ms": "Inventory filter: key press to repainted table, every unit, p99",
    "raw_history_page_ms": "Raw SQL: one page (200) of a unit's custody events, median",
    "history_open_ms": "Detail panel on a unit with 10,000 events: open to first page shown",
    # docks (dock-tile, docks, idle-rss)
    "dock_tile_alone_p99_ms": "Bay report on the socket to its tile painted, one dock alone, p99",
    "dock_to_tile_p99_ms": "... with 1,200 bays reporting, p99",
    "idle_lag_p99_ms": "Main-thread event-loop lag, idle on the Docks view, p99",
    "dock_lag_p99_ms": "... with 1,200 bays reporting, p99",
    "idle_cpu_pct": "App CPU, idle on the Docks view",
    "dock_cpu_pct": "App CPU with 1,200 bays reporting (percent of one core)",
    "idle_rss_start_mib": "App memory on the Docks view with 6 simulated docks, after warm-up",
    "idle_rss_growth_mib_per_h": "... its growth, extrapolated to an hour",
    # records, shift change, imports
    "raw_scan_s": "Raw sqlite3 read + SHA-256 of every custody event",
    "verify_2m_s": "Verify records: both chains",
    "raw_reassign_500_s": "Raw SQLite: 500 unit updates + 1,000 inserts, one transaction",
    "reassign_500_s": "Shift change: commit 500 reassignments, 1,000 custody records",
    "propose_reassign_s": "... building the proposal for review",
    "import_20k_officers_s": "Officer import, 20,000 rows",
    "import_200k_officers_s": "Officer import, 200,000 rows",
    "ldap_search_40k_s": "Directory: paged search of 40,000 entries (ldaps://), alone",
    "ldap_sync_40k_s": "Directory sync of 40,000 officers into a fresh agency",
    # reports
    "report_aggregate_s": "The compliance report's aggregate query alone, 30 days",
    "report_compliance_large_s": "`bwc-desk report compliance` to PDF, 30 days, command to file",
    "report_aggregate_cpu_s": "CPU time of the aggregate query alone",
    "report_compliance_large_cpu_s": "CPU time of the report command's process",
    "report_compliance_year_s": "`bwc-desk report compliance` to PDF, the whole year of history",
    # packaging, crash safety
    "bundle_mib": "Frozen one-folder bundle (PyInstaller)",
    "deb_mib": "Debian package (make deb, xz)",
    "crash_kills_survived": "SIGKILLs survived (integrity, both chains, every acknowledged "
    "transaction)",
    "crash_transactions_acknowledged": "Transactions acknowledged during the kill loop",
    "crash_commits_unacknowledged": "... committed but killed before the acknowledgement",
    "crash_seconds": "Crash loop, start to end",
}

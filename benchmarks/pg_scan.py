"""pg_scan_service_p50_ms / _p99_ms: the same counter scan as scan_service_*, through the same
service, on PostgreSQL (a throwaway local server, the agency generated there in bulk), next to
the SQLite figure measured in the same run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks.agency import PASSWORD, SIZES, Agency
from benchmarks.harness import Figure, percentile
from benchmarks.scan import measure

ROOT = Path(__file__).resolve().parents[1]


def _server(work: Path) -> tuple[str, Path | None]:
    """A durable server of our own (fsync on, as SQLite's synchronous=FULL), or
    BWC_BENCH_PG_URL to measure a real one."""
    given = os.environ.get("BWC_BENCH_PG_URL", "").strip()
    if given:
        return given, None
    folder = work / "pg"
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "pg_cluster.py"), "start",
                             str(folder), "--durable"], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"no PostgreSQL server for the benchmark: {result.stderr.strip()}")
    return result.stdout.strip(), folder


def run(agency: Agency, work: Path, scans: int = 400) -> list[Figure]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bwc_desk.domain.roles import Role
    from bwc_desk.services import auth
    from bwc_desk.services.context import Ctx
    from bwc_desk.services.startup import open_database
    from bwc_desk.store import bulk

    admin, folder = _server(work)
    name = f"bench_{agency.size}"
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(make_url(admin), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        opened = open_database(url)
        admin = auth.first_run(opened.db, agency_name="Benchmark", station="BENCH-1",
                               username="admin", password=PASSWORD)
        quinn = auth.add_staff(
            Ctx(opened.db, "BENCH-1", admin), "quinn", Role.QUARTERMASTER, PASSWORD
        )
        auth.mark_password_own(opened.db, quinn.id)  # (the benchmarks sign in as quinn)
        units, officers, events = SIZES[agency.size]
        bulk.generate(opened.db, units=units, officers=officers, events=events)
        opened.db.dispose()
        pg_times = measure(url, scans)
        sqlite_times = measure(agency.copy(work / "agency.sqlite3").url, scans)
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        engine.dispose()
        if folder is not None:
            subprocess.run([sys.executable, str(ROOT / "scripts" / "pg_cluster.py"), "stop",
                            str(folder)], check=False)
    return [
        Figure("sqlite_scan_service_p50_ms", percentile(sqlite_times, 50), "ms",
               f"Scan, the service only, on SQLite, p50 ({agency.size}, this run)"),
        Figure("sqlite_scan_service_p99_ms", percentile(sqlite_times, 99), "ms", "... p99"),
        Figure("pg_scan_service_p50_ms", percentile(pg_times, 50), "ms",
               "... the same on PostgreSQL (local server), p50",
               baseline="sqlite_scan_service_p50_ms"),
        Figure("pg_scan_service_p99_ms", percentile(pg_times, 99), "ms",
               "... on PostgreSQL (local server), p99", baseline="sqlite_scan_service_p99_ms"),
    ]

"""PostgreSQL for the tests: a fresh database per test, cloned from a migrated template.

BWC_TEST_PG_URL names an administrator connection to a throwaway server (`make test` starts
one with scripts/pg_cluster.py). Without it, the PostgreSQL half of the tests skips and says
why."""

from __future__ import annotations

import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

TEMPLATE = "bwc_template"
_template_ready = False


def admin_url() -> URL | None:
    value = os.environ.get("BWC_TEST_PG_URL", "").strip()
    return make_url(value) if value else None


def skip_reason() -> str:
    return ("PostgreSQL tests skipped: BWC_TEST_PG_URL is not set (`make test` starts a "
            "throwaway server; scripts/pg_cluster.py start DIR starts one by hand)")


def _admin_engine(url: URL):  # type: ignore[no-untyped-def]
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                         poolclass=None)


def _ensure_template(url: URL) -> None:
    global _template_ready
    if _template_ready:
        return
    from bwc_desk.services.startup import open_database

    engine = _admin_engine(url)
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {TEMPLATE}"))
    engine.dispose()
    opened = open_database(url.set(database=TEMPLATE).render_as_string(hide_password=False))
    opened.db.dispose()
    _template_ready = True


def new_database(url: URL) -> str:
    _ensure_template(url)
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(url)
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(url: URL, database_url: str) -> None:
    name = make_url(database_url).database
    engine = _admin_engine(url)
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    engine.dispose()

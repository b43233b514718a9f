"""PostgreSQL for the tests: a fresh database per test, cloned from a migrated template.

BWC_TEST_PG_URL names an administrator connection to a throwaway server (`make test` starts
one with scripts/pg_cluster.py). Without it, the PostgreSQL half of the tests skips and says
why, unless BWC_REQUIRE_PG=1 (set by `make test`, and by CI): then it fails. A URL that is set
but does not answer always fails: a server that was meant to be there is not a reason to skip."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

TEMPLATE = "bwc_template"
_template_ready = False
# The answer of the first connection attempt to BWC_TEST_PG_URL, by URL: None = it answered,
# else why not (asked once per run, not once per test).
_reachable: dict[str, str | None] = {}
INSTALL_HINT = (
    "install the PostgreSQL server (Debian/Ubuntu: `apt-get install postgresql`; `make test` "
    "installs it itself when run as root) or start one with "
    "`python scripts/pg_cluster.py start DIR` and export the URL it prints as BWC_TEST_PG_URL"
)


def required() -> bool:
    """PostgreSQL tests must run, not skip (`make test` sets BWC_REQUIRE_PG=1)."""
    return os.environ.get("BWC_REQUIRE_PG", "").strip() not in ("", "0")


def admin_url() -> URL | None:
    """The administrator URL of the test server; None (the caller skips) only when there is
    none and none is required. Fails the test when one is required but not given, or given
    but not answering."""
    value = os.environ.get("BWC_TEST_PG_URL", "").strip()
    if not value:
        if required():
            pytest.fail(
                "BWC_REQUIRE_PG=1 but BWC_TEST_PG_URL is not set, so the PostgreSQL tests "
                f"cannot run: {INSTALL_HINT}",
                pytrace=False,
            )
        return None
    url = make_url(value)
    problem = unreachable(url)
    if problem is not None:
        pytest.fail(
            f"BWC_TEST_PG_URL={url.render_as_string(hide_password=True)} does not answer "
            f"({problem}): start that server, or unset BWC_TEST_PG_URL to skip the PostgreSQL "
            "tests",
            pytrace=False,
        )
    return url


def unreachable(url: URL) -> str | None:
    """Why the server at ``url`` cannot be used (None: it answers). Asked once per URL."""
    key = url.render_as_string(hide_password=False)
    if key not in _reachable:
        try:
            engine = create_engine(
                url.set(database="postgres"), connect_args={"connect_timeout": 5}
            )
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            finally:
                engine.dispose()
            _reachable[key] = None
        except (SQLAlchemyError, ImportError) as exc:
            _reachable[key] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return _reachable[key]


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

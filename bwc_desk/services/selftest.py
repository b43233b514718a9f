"""`bwc-desk self-test`: can this station use its database?"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bwc_desk.domain.errors import DomainError
from bwc_desk.services.startup import open_database
from bwc_desk.store import checks, migrate
from bwc_desk.store.db import SQLITE_PRAGMA_EXPECTED, storage_error


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def run_self_test(url: str, report: Callable[[Check], None] = lambda c: None) -> list[Check]:
    results: list[Check] = []

    def add(name: str, ok: bool, detail: str) -> bool:
        check = Check(name, ok, detail)
        results.append(check)
        report(check)
        return ok

    try:
        opened = open_database(url)
    except DomainError as exc:  # damaged, a network share, read-only, full
        add("open database", False, str(exc))
        return results
    except Exception as exc:
        add("open database", False, f"{type(exc).__name__}: {exc}")
        return results
    db = opened.db
    try:
        add("open database", True, f"{db.display} ({checks.server_version(db)})")
        current, head = migrate.current_revision(db), migrate.head_revision()
        add(
            "migrations",
            current == head,
            f"schema at {current}" + ("" if current == head else f", expected {head}"),
        )
        if db.is_sqlite:
            found = checks.sqlite_pragmas(db)
            add(
                "sqlite pragmas",
                found == SQLITE_PRAGMA_EXPECTED,
                ", ".join(f"{k}={v}" for k, v in found.items()),
            )
            result = checks.sqlite_integrity(db)
            add("integrity_check", result == "ok", result)
            result = checks.sqlite_foreign_keys(db)
            add("foreign_key_check", result == "ok", result)
        result = checks.probe_write(db)
        add("write and roll back a probe row", result == "ok", result)
    except Exception as exc:
        problem = storage_error(exc, db.path)
        add("self-test", False, str(problem) if problem else f"{type(exc).__name__}: {exc}")
    finally:
        db.dispose()
    return results

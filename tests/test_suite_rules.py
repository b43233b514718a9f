"""The test suite's own rules: strict mypy with a list of UI exceptions that only shrinks, the
PostgreSQL variants chosen by a marker, and PostgreSQL tests that fail, not skip, when
PostgreSQL is required (``make test``) or named but not answering."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from tests import pg

ROOT = Path(__file__).resolve().parent.parent

# mypy-ui-exceptions.txt as of issue 13. The list only shrinks: a module may leave it (then
# take it off here too), none may join it.
EXCEPTIONS_BASELINE: frozenset[str] = frozenset()


def _mypy_strict() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mypy_strict", ROOT / "scripts/mypy_strict.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- mypy ----------------------------------------------------------------------------------
def test_the_whole_package_is_strict_and_nothing_in_the_config_relaxes_it():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config["strict"] is True
    assert config["packages"] == ["bwc_desk"]
    for override in config.get("overrides", []):
        modules = override["module"]
        modules = [modules] if isinstance(modules, str) else modules
        # The exceptions live in mypy-ui-exceptions.txt, where scripts/mypy_strict.py holds
        # them to "only shrinks"; an override would excuse a module out of its sight.
        assert not [m for m in modules if m.split(".")[0] == "bwc_desk"], override


def test_the_list_of_ui_exceptions_only_shrinks():
    tool = _mypy_strict()
    listed = tool.read_exceptions()
    assert len(listed) == len(set(listed))
    added = set(listed) - EXCEPTIONS_BASELINE
    assert not added, f"new mypy exceptions {sorted(added)}: fix their strict errors instead"
    modules = tool.known_modules()
    assert all(tool.may_be_excused(m) and m in modules for m in listed)


def test_mypy_errors_are_grouped_by_module():
    tool = _mypy_strict()
    output = (
        "bwc_desk/ui/views/counter_tab.py:12: error: Function is missing a type annotation  "
        "[no-untyped-def]\n"
        "bwc_desk/ui/views/counter_tab.py:40:5: error: Returning Any  [no-any-return]\n"
        "bwc_desk/ui/views/counter_tab.py:40:5: note: see above\n"
        f"{ROOT}/bwc_desk/ui/models/__init__.py:1: error: Bad  [misc]\n"
        "Found 3 errors in 2 files (checked 174 source files)\n"
    )
    grouped = tool.errors_by_module(output)
    assert {m: len(lines) for m, lines in grouped.items()} == {
        "bwc_desk.ui.views.counter_tab": 2,
        "bwc_desk.ui.models": 1,
    }


def test_the_check_fails_both_ways():
    tool = _mypy_strict()
    modules = {"bwc_desk.ui.labels", "bwc_desk.ui.views.counter_tab", "bwc_desk.store.db",
               "bwc_desk.app"}
    errors = {"bwc_desk.ui.views.counter_tab": ["counter_tab.py:1: error: x  [misc]"]}
    # Listed and still failing: passes.
    assert tool.problems(errors, ["bwc_desk.ui.views.counter_tab"], modules) == []
    # Failing and not listed: fails, with the errors.
    (unlisted,) = tool.problems(errors, [], modules)
    assert "bwc_desk.ui.views.counter_tab: fails strict and is not excused" in unlisted
    assert "counter_tab.py:1: error: x" in unlisted
    # Listed and passing now: fails, the list must shrink.
    found = tool.problems(errors, ["bwc_desk.ui.views.counter_tab", "bwc_desk.ui.labels"],
                          modules)
    assert found == ["bwc_desk.ui.labels: passes strict now; take it off "
                     "mypy-ui-exceptions.txt (the list only shrinks)"]
    # Below the UI, unknown, or listed twice: fails.
    below = tool.problems({"bwc_desk.store.db": ["x"]}, ["bwc_desk.store.db"], modules)
    assert len(below) == 1 and "below the UI" in below[0]
    assert "no such module" in tool.problems({}, ["bwc_desk.ui.gone"], modules)[0]
    twice = tool.problems(errors, ["bwc_desk.ui.views.counter_tab"] * 2, modules)
    assert len(twice) == 1 and "listed twice" in twice[0]


def test_make_test_and_make_lint_run_the_strict_check():
    script = (ROOT / "scripts/test.sh").read_text()
    assert ".venv/bin/python scripts/mypy_strict.py" in script
    assert "\n.venv/bin/mypy" not in script
    assert "scripts/mypy_strict.py" in (ROOT / "Makefile").read_text()


# --- PostgreSQL ------------------------------------------------------------------------------
def test_without_a_server_postgresql_tests_skip_for_a_developer(monkeypatch):
    monkeypatch.delenv("BWC_TEST_PG_URL", raising=False)
    monkeypatch.delenv("BWC_REQUIRE_PG", raising=False)
    assert pg.admin_url() is None
    monkeypatch.setenv("BWC_REQUIRE_PG", "0")
    assert pg.admin_url() is None


def test_without_a_server_postgresql_tests_fail_when_required(monkeypatch):
    monkeypatch.delenv("BWC_TEST_PG_URL", raising=False)
    monkeypatch.setenv("BWC_REQUIRE_PG", "1")
    with pytest.raises(pytest.fail.Exception, match="apt-get install postgresql"):
        pg.admin_url()


def test_a_server_named_but_not_answering_fails(monkeypatch):
    monkeypatch.delenv("BWC_REQUIRE_PG", raising=False)
    # Nothing listens on port 1 (a privileged port no test server takes).
    monkeypatch.setenv("BWC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:1/postgres")
    with pytest.raises(pytest.fail.Exception, match="does not answer"):
        pg.admin_url()


def _pytest(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("BWC_TEST_PG_URL", "BWC_REQUIRE_PG", "PYTEST_ADDOPTS")}
    environ.update(env, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=600,
    )


def test_the_marker_chooses_which_modules_also_run_on_postgresql():
    # test_smoke_services is marked both_backends; test_backups takes a database too but is not.
    done = _pytest("--collect-only", "tests/test_smoke_services.py", "tests/test_backups.py")
    assert done.returncode == 0, done.stdout + done.stderr
    ids = done.stdout.splitlines()
    smoke = [i for i in ids if i.startswith("tests/test_smoke_services.py::")]
    backups = [i for i in ids if i.startswith("tests/test_backups.py::")]
    assert smoke and backups
    assert any(i.endswith("[postgresql]") for i in smoke)
    assert {i.removesuffix("[sqlite]").removesuffix("[postgresql]") for i in smoke if
            i.endswith("[sqlite]")} == {i.removesuffix("[postgresql]") for i in smoke if
                                        i.endswith("[postgresql]")}
    assert not any("postgresql" in i for i in backups)
    conftest = (ROOT / "tests/conftest.py").read_text()
    assert "BOTH_BACKENDS = {" not in conftest  # no list of module names to keep in step


def test_every_store_and_service_test_module_runs_on_postgresql_too():
    """A new service test file that forgets the marker would test SQLite only, silently."""
    modules = sorted({*ROOT.glob("tests/test_services_*.py"), *ROOT.glob("tests/test_store*.py")})
    assert len(modules) >= 8
    unmarked = [p.name for p in modules
                if "pytestmark = pytest.mark.both_backends" not in p.read_text()]
    assert not unmarked, f"add `pytestmark = pytest.mark.both_backends` to {unmarked}"


def test_postgresql_variants_skip_without_a_server_and_fail_when_it_is_required():
    optional = _pytest("-m", "pg", "-rs", "tests/test_smoke_services.py")
    assert optional.returncode == 0, optional.stdout + optional.stderr
    assert "skipped" in optional.stdout and "BWC_TEST_PG_URL is not set" in optional.stdout
    assert " passed" not in optional.stdout  # the sqlite half is not picked by -m pg
    required = _pytest("-m", "pg", "tests/test_smoke_services.py", BWC_REQUIRE_PG="1")
    assert required.returncode == 1, required.stdout + required.stderr
    assert "skipped" not in required.stdout
    assert "BWC_REQUIRE_PG=1 but BWC_TEST_PG_URL is not set" in required.stdout


def test_make_test_stops_when_it_cannot_start_postgresql():
    script = (ROOT / "scripts/test.sh").read_text()
    assert "its tests will be skipped" not in script
    failing = script.split("scripts/pg_cluster.py start", 1)[1].split("\nfi\n", 1)[0]
    assert "exit 1" in failing and "apt-get install postgresql" in failing
    assert "export BWC_REQUIRE_PG=1" in script

"""The directory tests run against a real server: they skip, saying why, only where slapd
is not installed, and `make test` (BWC_REQUIRE_LDAP=1) fails instead of skipping."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pytest(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith("BWC_TEST_LDAP") and k not in ("BWC_REQUIRE_LDAP",
                                                                   "PYTEST_ADDOPTS")}
    environ.update(env, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", *args],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=600,
    )


def test_without_slapd_the_directory_tests_skip_and_say_why_unless_required() -> None:
    test = "tests/test_directory_adapter.py::test_paged_search_reads_more_entries_than_one_page"
    optional = _pytest(test, BWC_TEST_SLAPD="/nonexistent/slapd")
    assert optional.returncode == 0, optional.stdout + optional.stderr
    assert "1 skipped" in optional.stdout and "slapd is not installed" in optional.stdout
    required = _pytest(test, BWC_TEST_SLAPD="/nonexistent/slapd", BWC_REQUIRE_LDAP="1")
    assert required.returncode == 1, required.stdout + required.stderr
    assert "skipped" not in required.stdout
    assert "could not start a test OpenLDAP server" in required.stdout
    assert "apt-get install slapd" in required.stdout


def test_make_test_installs_slapd_and_stops_when_it_cannot_start_one() -> None:
    script = (ROOT / "scripts/test.sh").read_text()
    assert "slapd ldap-utils" in script.split("scripts/slapd.py start", 1)[0]
    failing = script.split("scripts/slapd.py start", 1)[1].split("\nfi\n", 1)[0]
    assert "exit 1" in failing and "apt-get install slapd" in failing
    assert "export BWC_REQUIRE_LDAP=1" in script

"""The packaged build: PyInstaller bundles the app, and the frozen program works on a fresh
database. Slow (about a minute); CI runs it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.frozen import shared_bundle

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
QUIET_STDERR = ("propagateSizeHints",)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_bundle(tmp_path_factory)


def frozen_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(BWC_DESK_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    return env


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    unexpected = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and not any(q in line for q in QUIET_STDERR)
    ]
    assert unexpected == [], unexpected


def test_frozen_self_test_on_a_fresh_database(bundle, tmp_path):
    result = subprocess.run(
        [str(bundle / "bwc-desk-cli"), "self-test"],
        capture_output=True,
        text=True,
        timeout=120,
        env=frozen_env(tmp_path),
    )
    assert_clean(result)
    assert "self-test passed" in result.stdout
    assert (tmp_path / "data" / "bwc-desk.sqlite3").exists()


def test_frozen_gui_starts_signs_in_and_goes_idle(bundle, tmp_path):
    env = frozen_env(tmp_path)
    db = tmp_path / "station.sqlite3"
    add = subprocess.run(
        [
            str(bundle / "bwc-desk-cli"),
            "users",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
            "--database",
            str(db),
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert_clean(add)
    gui = subprocess.run(
        [str(bundle / "bwc-desk"), "--database", str(db), "--sign-in-stdin", "--exit-when-idle"],
        input=f"admin\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert_clean(gui)
    assert "BWC-DESK-IDLE" in gui.stdout


def test_the_bundle_leaves_out_unused_qt(bundle):
    libs = {p.name for p in (bundle / "_internal" / "PySide6").glob("Qt*.so")}
    assert "QtWidgets.abi3.so" in libs
    assert not libs & {"QtQml.abi3.so", "QtQuick.abi3.so", "QtSql.abi3.so"}
    assert (bundle / "_internal" / "bwc_desk" / "resources" / "common-passwords.txt").exists()
    themes = bundle / "_internal" / "PySide6" / "Qt" / "plugins" / "platformthemes"
    assert not (themes / "libqgtk3.so").exists()  # it would make every station install GTK


def test_the_bundle_stays_under_200_mib(bundle):
    files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]
    assert sum(p.stat().st_size for p in files) <= 200 * 2**20


def test_frozen_version_is_the_package_version(bundle, tmp_path):
    import bwc_desk

    for program in ("bwc-desk", "bwc-desk-cli"):
        result = subprocess.run([str(bundle / program), "--version"], capture_output=True,
                                text=True, timeout=120, env=frozen_env(tmp_path))
        assert_clean(result)
        assert result.stdout.strip() == f"BWC Desk {bwc_desk.__version__}"


def test_frozen_build_talks_to_postgresql(bundle, tmp_path):
    """psycopg is inside the bundle: the frozen self-test passes against a real server."""
    from tests import pg

    admin = pg.admin_url()
    if admin is None:
        pytest.skip(pg.skip_reason())
    url = pg.new_database(admin)
    try:
        result = subprocess.run([str(bundle / "bwc-desk-cli"), "self-test", "--database", url],
                                capture_output=True, text=True, timeout=120,
                                env=frozen_env(tmp_path))
        assert_clean(result)
        assert "PostgreSQL 15" in result.stdout and "self-test passed" in result.stdout
    finally:
        pg.drop_database(admin, url)

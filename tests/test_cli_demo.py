"""`bwc-desk <command> --demo` works as the demo's station (``services.demo.STATIONS[0]``),
the one the window uses with --demo, never as this PC's configured station name: the demo's
signing key is that station's, and its records name the demo agency's stations only."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_cli import run

DEMO_ADMIN = "demo-admin-2026\n"
THIS_PC = "FRONT-COUNTER-PC"  # this PC's own station name, which the demo must not use


@pytest.fixture(scope="module")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A BWC_DESK_HOME in which the demo was built as the window builds it (the database
    where the demo lives, the demo station's key in that home's key folder); built once for
    the module, each test gets a copy of the whole home."""
    from bwc_desk.services.demo import seed_demo
    from bwc_desk.services.startup import demo_built, open_database
    from bwc_desk.store import paths
    from bwc_desk.store.db import sqlite_url

    home = tmp_path_factory.mktemp("demo-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BWC_DESK_HOME", str(home))
        target = paths.demo_db_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        opened = open_database(sqlite_url(target))
        try:
            seed_demo(opened.db, days=1)
        finally:
            opened.db.dispose()
        assert demo_built()
    yield home


@pytest.fixture
def demo_home(built_demo: Path, _app_home: Path) -> Path:
    from bwc_desk.store import config

    shutil.copytree(built_demo, _app_home, dirs_exist_ok=True)
    config.save(config.load().with_changes(station_name=THIS_PC))
    return _app_home


def _demo_rows(sql: str) -> list[tuple[object, ...]]:
    from bwc_desk.store import paths

    conn = sqlite3.connect(f"{paths.demo_db_path().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _a_camera_with_history() -> str:
    return str(_demo_rows(
        "SELECT u.asset_tag FROM units u JOIN custody_events e ON e.unit_id = u.id "
        "GROUP BY u.id ORDER BY count(*) DESC, u.asset_tag LIMIT 1")[0][0])


def test_an_evidence_export_of_the_demo_is_signed_like_one_made_in_the_window(
        capsys, demo_home, tmp_path):
    from bwc_desk.services.demo import STATIONS

    out = tmp_path / "evidence"
    code, printed, err = run(capsys, "export", "evidence", "--demo", "--as", "admin",
                             "--password-stdin", "--unit", _a_camera_with_history(), str(out),
                             stdin=DEMO_ADMIN)
    assert code == 0, err
    assert "Manifest signed by this station's key" in printed, printed
    assert (out / "MANIFEST.sig").is_file()

    code, checked, _ = run(capsys, "verify-export", str(out))
    assert code == 0, checked
    assert f"manifest signed by {STATIONS[0]}" in checked and "not signed" not in checked
    done = subprocess.run([sys.executable, "-I", str(out / "check_export.py"), str(out)],
                          capture_output=True, text=True, check=False, cwd=out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"manifest signed by {STATIONS[0]}" in done.stdout

    # The export's audit record (and every other) names the demo's station, not this PC.
    last = _demo_rows("SELECT station, event FROM audit_log ORDER BY id DESC LIMIT 1")[0]
    assert last[0] == STATIONS[0], last
    assert not _demo_rows(f"SELECT id FROM audit_log WHERE station = '{THIS_PC}'")
    assert not _demo_rows(f"SELECT name FROM stations WHERE name = '{THIS_PC}'")


def test_every_record_of_a_demo_command_names_the_demo_station(capsys, demo_home, tmp_path):
    from bwc_desk.services.demo import STATIONS

    before = _demo_rows("SELECT max(id) FROM audit_log")[0][0]
    units = tmp_path / "units.csv"
    units.write_text("asset_tag,serial\nDEMO-CLI-1,CLI-SERIAL-1\n", encoding="utf-8")
    code, _, err = run(capsys, "import", "units", str(units), "--demo", "--as", "admin",
                       "--password-stdin", stdin=DEMO_ADMIN)
    assert code == 0, err
    code, _, err = run(capsys, "backup", "--demo", "--as", "admin", "--password-stdin",
                       str(tmp_path / "backups"), stdin=DEMO_ADMIN)
    assert code == 0, err
    written = _demo_rows(f"SELECT station, event FROM audit_log WHERE id > {before}")
    assert written and {station for station, _ in written} == {STATIONS[0]}, written
    custody = _demo_rows("SELECT e.station FROM custody_events e JOIN units u "
                         "ON u.id = e.unit_id WHERE u.asset_tag = 'DEMO-CLI-1'")
    assert custody and {station for (station,) in custody} == {STATIONS[0]}, custody
    assert not _demo_rows(f"SELECT name FROM stations WHERE name = '{THIS_PC}'")
    code, shown, err = run(capsys, "keys", "show", "--demo")
    assert code == 0, err
    assert f"station:     {STATIONS[0]}" in shown and "NOT registered" not in shown


def test_a_restore_of_the_demo_is_recorded_at_the_demo_station(capsys, demo_home, tmp_path):
    from bwc_desk.services.demo import STATIONS

    code, _, err = run(capsys, "backup", "--demo", "--as", "admin", "--password-stdin",
                       str(tmp_path / "backups"), stdin=DEMO_ADMIN)
    assert code == 0, err
    (backup,) = (tmp_path / "backups").glob("*.sqlite3")
    code, _, err = run(capsys, "restore", str(backup), "--demo", "--as", "admin",
                       "--password-stdin", stdin=DEMO_ADMIN)
    assert code == 0, err
    stations = {station for (station,) in _demo_rows(
        "SELECT station FROM audit_log WHERE event LIKE '%restore%'")}
    assert stations == {STATIONS[0]}, stations

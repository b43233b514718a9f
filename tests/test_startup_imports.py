"""What the window's start does not import: modules only some stations use, loaded when
they are first used (a directory: ldap3 and the directory's services)."""

from __future__ import annotations

import subprocess
import sys


def test_the_window_starts_without_the_directory_modules():
    code = (
        "import sys\n"
        "import bwc_desk.app, bwc_desk.launcher, bwc_desk.ui.main_window, "
        "bwc_desk.ui.maintenance, bwc_desk.services.auth\n"
        "print(sorted(m for m in sys.modules if m == 'ldap3' or m.startswith("
        "('bwc_desk.adapters.directory', 'bwc_desk.services.directory_sync', "
        "'bwc_desk.services.directory_admin'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_a_sqlite_station_does_not_load_the_postgresql_dialect():
    # (25 ms of every start: the partial indexes' PostgreSQL WHERE is attached when a
    # PostgreSQL database is opened, store.models.postgresql_index_options)
    code = (
        "import sys, tempfile, pathlib\n"
        "import bwc_desk.app, bwc_desk.launcher, bwc_desk.services.auth\n"
        "from bwc_desk.store.db import Database, sqlite_url\n"
        "db = Database(sqlite_url(pathlib.Path(tempfile.mkdtemp()) / 'a.sqlite3'))\n"
        "db.dispose()\n"
        "print(sorted(m for m in sys.modules if m.startswith('sqlalchemy.dialects.postgresql')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"

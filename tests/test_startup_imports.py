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


def test_no_module_of_bwc_desk_selects_a_pyside6_feature():
    # (app.skip_feature_scan_of_own_modules relies on it: PySide6 is not asked to read
    # BWC Desk's sources for `from __feature__ import snake_case, true_property`)
    from pathlib import Path

    import bwc_desk

    root = Path(bwc_desk.__file__).parent
    users = [str(p.relative_to(root)) for p in root.rglob("*.py")
             if "__feature__" in p.read_text(encoding="utf-8") and p.name != "app.py"]
    assert users == []


def test_pyside6_does_not_read_the_source_of_bwc_desks_modules():
    # Each source read is ~0.7 ms; 100 of BWC Desk's modules on the way to the first view,
    # SQLAlchemy's 200 when the sign-in form comes first.
    code = (
        "import inspect, sys\n"
        "import PySide6.QtWidgets\n"
        "import bwc_desk.app\n"
        "bwc_desk.app.skip_feature_scan_of_own_modules()\n"
        "bwc_desk.app.skip_feature_scan_of_own_modules()  # (twice: wrapped once)\n"
        "read = []\n"
        "real = inspect.getsource\n"
        "def spy(obj):\n"
        "    read.append(getattr(obj, '__name__', '?'))\n"
        "    return real(obj)\n"
        "inspect.getsource = spy\n"
        "import bwc_desk.services.repairs, bwc_desk.ui.views.repairs_tab, textwrap, csv\n"
        "from shibokensupport import feature\n"
        "d = feature.pyside_feature_dict\n"
        "print(sorted(n for n in read if n.startswith('bwc_desk')))\n"
        "print(d['bwc_desk.services.repairs'], d['bwc_desk.ui.models.repair_models'])\n"
        "print(sorted(n for n in read if n in ('csv', 'textwrap')), d.get('csv'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0] == "[]"
    # (the services do not use PySide6: -1; the UI does: 0, as its source would have said)
    assert out[1] == "-1 0"
    # Nor of any other module (as in the frozen build, which has no sources to read).
    assert out[2] == "[] -1"

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

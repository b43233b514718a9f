"""`bwc-desk settings directory` and `bwc-desk sync officers` against a real OpenLDAP
server (tests/ldap.py)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from bwc_desk.__main__ import main
from bwc_desk.services import auth
from bwc_desk.services.startup import open_database
from bwc_desk.store import keystore
from bwc_desk.store.db import sqlite_url
from tests.conftest import PASSWORD
from tests.ldap import Directory


@pytest.fixture
def dbfile(tmp_path: Path) -> Path:
    """A database with a local administrator, chief, who signs in to change things."""
    path = tmp_path / "cli.sqlite3"
    opened = open_database(sqlite_url(path))
    auth.first_run(opened.db, agency_name="Test PD", station="DESK-1", username="chief",
                   password=PASSWORD)
    opened.db.dispose()
    return path


def signed(capsys, *args: str, stdin: str = "") -> tuple[int, str, str]:
    """A change by chief: their password on the first line of standard input."""
    return run(capsys, *args, "--as", "chief", "--password-stdin",
               stdin=PASSWORD + "\n" + stdin)


def run(capsys, *args: str, stdin: str = "") -> tuple[int, str, str]:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(list(args))
    finally:
        sys.stdin = old
    out = capsys.readouterr()
    return code, out.out, out.err


def set_up(capsys, dbfile: Path, directory: Directory) -> None:
    s = directory.settings()
    code, out, err = signed(
        capsys, "settings", "directory", "set", "--url", s.url, "--bind-dn", s.bind_dn,
        "--base-dn", s.base_dn, "--filter", s.filter, "--map", "shift=extensionAttribute2",
        "--map", "scan_code=extensionAttribute1", "--group", "admin=BWC-Desk-Admins",
        "--ca-file", s.ca_file, "--max-deactivate", "40",
        "--database", str(dbfile), stdin=directory.server.password + "\n")
    assert code == 0, err
    assert directory.server.password not in out
    assert "set, in " + str(keystore.directory_password_file()) in out


def test_settings_directory_sets_shows_and_tests_without_printing_the_password(
        capsys, dbfile, directory: Directory) -> None:
    code, out, _ = run(capsys, "settings", "directory", "--database", str(dbfile))
    assert code == 0 and "The directory is not set" in out
    set_up(capsys, dbfile, directory)
    code, out, _ = run(capsys, "settings", "directory", "--database", str(dbfile))
    assert code == 0 and directory.server.password not in out
    assert "  shift" in out and "extensionAttribute2" in out and "BWC-Desk-Admins" in out
    assert "40 % of officers" in out
    code, out, err = signed(capsys, "settings", "directory", "set", "--max-deactivate", "30",
                            "--database", str(dbfile))  # no second line: the bind password stays
    assert code == 0 and "30 % of officers" in out, err
    assert "set, in " + str(keystore.directory_password_file()) in out
    directory.add_person("jsmith", "0412", "Smith")
    code, out, _ = run(capsys, "settings", "directory", "test", "--database", str(dbfile))
    assert code == 0 and "matches 1 entries" in out
    assert directory.server.password.encode() not in dbfile.read_bytes()


def test_settings_directory_refuses_bad_input_plainly(capsys, dbfile) -> None:
    code, _, err = run(capsys, "settings", "directory", "set", "--url", "ldaps://dc1",
                       "--database", str(dbfile))
    assert code == 1 and "--as USERNAME" in err  # who changes it?
    code, _, err = signed(capsys, "settings", "directory", "set", "--url", "http://dc1",
                          "--database", str(dbfile))
    assert code == 1 and "ldaps://" in err and "Traceback" not in err
    code, _, err = signed(capsys, "settings", "directory", "set", "--map", "badge",
                       "--database", str(dbfile))
    assert code == 1 and "NAME=VALUE" in err
    code, _, err = run(capsys, "settings", "directory", "--url", "ldaps://x",
                       "--database", str(dbfile))
    assert code == 2 and "go with 'set'" in err
    code, _, err = run(capsys, "sync", "officers", "--database", str(dbfile))
    assert code == 1 and "--as USERNAME" in err
    code, _, err = signed(capsys, "sync", "officers", "--database", str(dbfile))
    assert code == 1 and "not set up" in err


def test_sync_officers_previews_applies_and_stops_above_the_threshold(
        capsys, dbfile, directory: Directory) -> None:
    set_up(capsys, dbfile, directory)
    smith = directory.add_person("jsmith", "0412", "Smith", "John", division="Patrol")
    directory.add_person("ajones", "0007", "Jones", "Ann")
    code, out, _ = signed(capsys, "sync", "officers", "--dry-run", "--database", str(dbfile))
    assert code == 0 and "2 to add" in out and "+ 0412" in out
    assert "Dry run: nothing was changed." in out
    code, out, _ = signed(capsys, "sync", "officers", "--dry-run", "--database", str(dbfile))
    assert "2 to add" in out  # the dry run wrote nothing
    code, out, _ = signed(capsys, "sync", "officers", "--database", str(dbfile))
    assert code == 0 and "The roster is in line" in out
    directory.modify(smith, title="Sergeant")
    code, out, _ = signed(capsys, "sync", "officers", "--database", str(dbfile))
    assert "~ 0412" in out and "rank - -> Sergeant" in out
    directory.delete(smith)
    code, out, err = signed(capsys, "sync", "officers", "--database", str(dbfile))
    assert code == 3 and "1 of 2 active officers" in err and "--yes" in err
    assert "- 0412" in out
    code, out, _ = signed(capsys, "sync", "officers", "--yes", "--database", str(dbfile))
    assert code == 0 and "1 to deactivate" in out

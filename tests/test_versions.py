"""One version everywhere (package, --version, About, CHANGELOG, the deb, the MSI), and a
database from a newer BWC Desk is refused, untouched."""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

import pytest

import bwc_desk
from bwc_desk.__main__ import main
from bwc_desk.domain.errors import DomainError
from bwc_desk.services.startup import open_database
from bwc_desk.store import migrate
from bwc_desk.store.db import Database, sqlite_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging" / "debian"))
import build_deb  # noqa: E402


def changelog_top_version() -> str:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    match = re.search(r"^## \[(\d+\.\d+\.\d+[^\]]*)\]", text, re.MULTILINE)
    assert match, "CHANGELOG.md has no released version heading (## [X.Y.Z] - date)"
    return match.group(1)


def test_version_is_semantic():
    assert re.fullmatch(r"\d+\.\d+\.\d+", bwc_desk.__version__)


def test_dash_dash_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"BWC Desk {bwc_desk.__version__}"


def test_the_changelog_top_version_is_the_package_version():
    assert changelog_top_version() == bwc_desk.__version__


def test_the_deb_takes_the_package_version():
    assert build_deb.package_version() == bwc_desk.__version__


def test_help_about_shows_the_package_version(qtbot):
    from bwc_desk.ui.dialogs.about_dialog import AboutDialog

    dialog = AboutDialog("test.sqlite3", Path("/tmp/logs"), "DESK-1")
    qtbot.addWidget(dialog)
    from PySide6.QtWidgets import QLabel

    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert f"BWC Desk {bwc_desk.__version__}" in texts


def dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


def stamp(path: Path, revision: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))


def test_a_database_from_a_newer_version_is_refused_untouched(tmp_path):
    db_file = tmp_path / "station.sqlite3"
    open_database(sqlite_url(db_file)).db.dispose()
    stamp(db_file, "0099_from_the_future")
    before = dump(db_file)
    with pytest.raises(DomainError) as refused:
        open_database(sqlite_url(db_file))
    message = str(refused.value)
    assert isinstance(refused.value, migrate.NewerSchema)
    assert "newer BWC Desk" in message and "0099_from_the_future" in message
    assert bwc_desk.__version__ in message and "nothing was changed" in message
    assert dump(db_file) == before
    assert not (tmp_path / "backups").exists()


def test_the_command_line_says_so_without_a_traceback(tmp_path, capsys):
    db_file = tmp_path / "station.sqlite3"
    open_database(sqlite_url(db_file)).db.dispose()
    stamp(db_file, "0099_from_the_future")
    code = main(["self-test", "--database", str(db_file)])
    out = capsys.readouterr()
    assert code != 0
    assert "newer BWC Desk" in out.out + out.err
    assert "Traceback" not in out.out + out.err


def test_a_postgresql_database_from_a_newer_version_is_refused():
    from sqlalchemy import text

    from tests import pg

    admin = pg.admin_url()
    if admin is None:
        pytest.skip(pg.skip_reason())
    url = pg.new_database(admin)
    try:
        db = open_database(url).db
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
        db.dispose()
        with pytest.raises(migrate.NewerSchema, match="newer BWC Desk"):
            open_database(url)
        check = Database(url)
        assert migrate.current_revision(check) == "0099_from_the_future"
        check.dispose()
    finally:
        pg.drop_database(admin, url)

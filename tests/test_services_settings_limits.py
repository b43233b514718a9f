"""Agency settings refused before they are written when out of their limits: a text's too."""

from __future__ import annotations

import pytest

from bwc_desk.domain.errors import ValidationError
from bwc_desk.services import settings

pytestmark = pytest.mark.both_backends


def test_an_agency_name_of_hundreds_of_characters_is_refused_and_nothing_changes(admin_ctx):
    """A tester's 320-character agency name was kept and pushed the line-up's Print and Save
    as PDF off a 1600-pixel screen."""
    before = settings.get_settings(admin_ctx)
    with pytest.raises(ValidationError, match=r"at most 120 characters \(this one has 318\)"):
        settings.change_settings(admin_ctx, {"agency_name": "Harbor PD " + "Z" * 308,
                                             "undo_window_seconds": 30})
    assert settings.get_settings(admin_ctx) == before
    after = settings.change_settings(admin_ctx, {"agency_name": "Harbor City Police Department"})
    assert after.agency_name == "Harbor City Police Department"


def test_the_first_run_refuses_such_a_name_too(tmp_path):
    from bwc_desk.services import auth
    from bwc_desk.services.startup import open_database
    from bwc_desk.store.db import sqlite_url

    opened = open_database(sqlite_url(tmp_path / "new.sqlite3"))
    try:
        with pytest.raises(ValidationError, match="at most 120 characters"):
            auth.first_run(opened.db, agency_name="Z" * 121, station="DESK-1",
                           username="admin", password="correct horse battery",
                           display_name="Ada")
        assert auth.needs_setup(opened.db)
    finally:
        opened.db.dispose()

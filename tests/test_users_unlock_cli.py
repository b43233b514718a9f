"""`bwc-desk users unlock NAME --as ADMIN`: an account, or a user name with no account (a
directory user locked out before their first sign-in)."""

from __future__ import annotations

import pytest

from bwc_desk.domain.errors import DomainError, PasswordChangeRequired
from bwc_desk.services import audit, auth
from bwc_desk.services.context import Ctx
from bwc_desk.services.startup import open_database
from bwc_desk.store.db import sqlite_url
from tests.conftest import PASSWORD
from tests.test_cli import dbfile, run, users_add  # noqa: F401 (a fixture)


def _lock_out(dbfile, name: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    db = open_database(sqlite_url(dbfile)).db
    try:
        for _ in range(5):
            with pytest.raises(DomainError):
                auth.sign_in(Ctx(db, "DESK-3"), name, "Wrong-Password-9")
        with pytest.raises(DomainError, match="locked"):
            auth.sign_in(Ctx(db, "DESK-3"), name, "Wrong-Password-9")
    finally:
        db.dispose()


def test_users_unlock_a_name_with_no_account_and_an_account(capsys, dbfile):  # noqa: F811
    assert users_add(capsys, dbfile, "chief", "admin", PASSWORD + "\n")[0] == 0
    assert users_add(capsys, dbfile, "quinn", "quartermaster", f"{PASSWORD}\n{PASSWORD}\n",
                     "--as", "chief")[0] == 0
    _lock_out(dbfile, "erin")
    _lock_out(dbfile, "quinn")
    code, out, err = run(capsys, "users", "unlock", "Erin", "--as", "chief", "--password-stdin",
                         "--database", str(dbfile), stdin=PASSWORD + "\n")
    assert code == 0, err
    assert "erin: unlocked (a user name with no staff account)" in out
    code, out, err = run(capsys, "users", "unlock", "quinn", "--as", "chief",
                         "--password-stdin", "--database", str(dbfile), stdin=PASSWORD + "\n")
    assert code == 0 and "quinn: unlocked" in out, err
    code, _, err = run(capsys, "users", "unlock", "erin", "--as", "chief", "--password-stdin",
                       "--database", str(dbfile), stdin=PASSWORD + "\n")
    assert code == 1 and "not locked" in err
    db = open_database(sqlite_url(dbfile)).db
    try:
        # Unlocked: the password is taken (the administrator's, so temporary: to be replaced).
        with pytest.raises(PasswordChangeRequired):
            auth.sign_in(Ctx(db, "DESK-1"), "quinn", PASSWORD)
        admin = Ctx(db, "DESK-1").as_actor(auth.sign_in(Ctx(db, "DESK-1"), "chief", PASSWORD))
        unlocks = audit.list_audit(admin, event="account unlocked")
        assert [r.details["account"] for r in unlocks] == ["quinn", "erin"]
        assert all(r.staff_username == "chief" for r in unlocks)
        with pytest.raises(DomainError, match="wrong"):  # counted from zero again
            auth.sign_in(Ctx(db, "DESK-3"), "erin", "Wrong-Password-9")
    finally:
        db.dispose()

"""Starting a station while its PostgreSQL server is down: a box with Retry and Quit (a
later success is a normal start); other refusals keep their box; scripted starts say it on
stderr. No real server: open_database is faked, the server's port is a local socket."""

from __future__ import annotations

import argparse
import socket
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from sqlalchemy.exc import OperationalError

from bwc_desk.domain.errors import DomainError, UnavailableError

NOBODY = "postgresql+psycopg://desk@127.0.0.1:1/bwc"  # nothing listens on port 1


@pytest.fixture
def listening() -> Iterator[str]:
    """A URL whose server answers (a socket that accepts): its refusal is not an outage."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield f"postgresql+psycopg://desk@127.0.0.1:{server.getsockname()[1]}/bwc"


def _refused(reason: str) -> DomainError:
    """As services.startup.open_database says it: in words, an UnavailableError when the
    server cannot be reached (store.db.server_unreachable), else a DomainError."""
    away = "refused" in reason and "password" not in reason
    kind = UnavailableError if away else DomainError
    return kind(f"BWC Desk could not open its database bwc: {reason}.")


def _opens(monkeypatch, *outcomes: object) -> list[str]:
    """open_database faked: each call the next outcome (an exception is raised)."""
    from bwc_desk import launcher

    calls: list[str] = []
    left = list(outcomes)

    def fake(url: str, **_kw: object) -> object:
        calls.append(url)
        outcome = left.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return SimpleNamespace(db=outcome)

    monkeypatch.setattr(launcher, "open_database", fake)
    return calls


def _launcher(qapp, **args: object):  # type: ignore[no-untyped-def]
    from bwc_desk.launcher import Launcher

    return Launcher(qapp, argparse.Namespace(**args), "/tmp/logs")


def test_retry_opens_once_the_server_answers(qtbot, qapp, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from tests.conftest import answer

    db = object()
    calls = _opens(monkeypatch, _refused("connection refused"), db)
    shown: list[str] = []

    def retry(box: QMessageBox) -> None:
        shown.append(box.text() + box.informativeText())
        assert sorted(b.text() for b in box.buttons()) == ["&Quit", "&Retry"]
        [button] = [b for b in box.buttons() if b.text() == "&Retry"]
        button.click()

    launcher = _launcher(qapp)
    answer(qtbot, retry, QMessageBox)
    assert launcher._open(NOBODY) is db
    assert len(calls) == 2
    assert "cannot be reached" in shown[0] and "127.0.0.1" in shown[0]


def test_quit_gives_up(qtbot, qapp, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from tests.conftest import answer

    calls = _opens(monkeypatch, _refused("connection refused"), object())

    def quit_(box: QMessageBox) -> None:
        [button] = [b for b in box.buttons() if b.text() == "&Quit"]
        button.click()

    launcher = _launcher(qapp)
    answer(qtbot, quit_, QMessageBox)
    assert launcher._open(NOBODY) is None
    assert len(calls) == 1


def test_a_server_that_answers_and_refuses_is_no_outage(qapp, monkeypatch, listening):
    from PySide6.QtWidgets import QMessageBox

    calls = _opens(monkeypatch, _refused("password authentication failed"), object())
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, title, text: told.append(title))
    assert _launcher(qapp)._open(listening) is None
    assert told == ["BWC Desk - cannot open the database"] and len(calls) == 1


def test_a_scripted_start_says_it_on_stderr_and_stops(qapp, monkeypatch, capsys):
    calls = _opens(monkeypatch, _refused("connection refused"), object())
    assert _launcher(qapp, sign_in_stdin=True)._open(NOBODY) is None
    assert len(calls) == 1
    assert "connection refused" in capsys.readouterr().err


def test_what_counts_as_an_unreachable_server():
    """One rule for the running app and the start-up (store.db.server_unreachable): no
    SQLSTATE (the connection itself failed), connection failures (08...) and a server
    shutting down or starting (57P...) are an outage; a refusal with a reason is not."""
    from bwc_desk.store.db import server_unreachable

    class Driver(Exception):
        def __init__(self, sqlstate: str | None) -> None:
            super().__init__("x")
            self.sqlstate = sqlstate

    def error(sqlstate: str | None) -> OperationalError:
        return OperationalError("SELECT 1", {}, Driver(sqlstate))

    assert server_unreachable(error(None))
    assert server_unreachable(error("08006"))
    assert server_unreachable(error("57P03"))
    assert not server_unreachable(error("28P01"))  # a wrong password
    assert not server_unreachable(error("3D000"))  # no such database


def test_open_database_says_a_server_nobody_answers_is_unavailable(tmp_path, monkeypatch):
    """The real driver, a port nothing listens on: UnavailableError (the launcher's Retry),
    still in words."""
    from bwc_desk.services.startup import open_database

    monkeypatch.setenv("PGCONNECT_TIMEOUT", "3")
    with pytest.raises(UnavailableError, match="could not open its database"):
        open_database(NOBODY)

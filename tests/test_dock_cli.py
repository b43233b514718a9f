"""`bwc-desk docks ...` and the station's dock token."""

from __future__ import annotations

import io
import json
import sys

import pytest

from bwc_desk.__main__ import build_parser
from bwc_desk.cli.commands import run
from bwc_desk.services.dockfeed import feed_token
from bwc_desk.store import config, paths
from tests.conftest import PASSWORD


def cli(db_url, *argv):
    """`bwc-desk docks ...`; the changes as the administrator of ``admin_ctx``, signed in."""
    signed = argv[1] in ("add", "remove", "admit")
    argv = (*argv, "--as", "admin", "--password-stdin") if signed else argv
    args = build_parser().parse_args([*argv[:2], "--database", db_url, *argv[2:]]
                                     if argv[0] == "docks" and argv[1] != "token"
                                     else list(argv))
    out = io.StringIO()
    old, sys.stdin = sys.stdin, io.StringIO(PASSWORD + "\n")
    try:
        return run(args, out), out.getvalue()
    finally:
        sys.stdin = old


def test_docks_add_list_admit_remove(admin_ctx, db_url, capsys):
    code, text = cli(db_url, "docks", "add", "DOCK-A", "--bays", "8", "--location", "cage")
    assert (code, text) == (0, "registered DOCK-A (8 bays)\n")
    assert cli(db_url, "docks", "add", "DOCK-A", "--bays", "8")[0] == 1
    assert "registered already" in capsys.readouterr().err
    code, text = cli(db_url, "docks", "list")
    assert text.startswith("DOCK-A\t8 bays\t0 cameras\tlast report never, cage")
    code, text = cli(db_url, "docks", "admit", "--minutes", "3")
    assert code == 0 and "are registered (at most 32)" in text
    assert "admitting new docks until" in cli(db_url, "docks", "list")[1]
    assert cli(db_url, "docks", "admit", "--close")[0] == 0
    assert cli(db_url, "docks", "remove", "DOCK-A") == (0, "removed DOCK-A\n")
    assert cli(db_url, "docks", "list")[1] == "no docks are registered\n"
    assert cli(db_url, "docks", "remove", "DOCK-Z")[0] == 1
    assert "no dock called 'DOCK-Z'" in capsys.readouterr().err


def test_a_new_install_requires_a_token_on_loopback_too():
    station = config.ensure_dock_token()
    assert station.dock_token and feed_token(station) == station.dock_token
    assert config.ensure_dock_token() == station  # made once, kept
    saved = json.loads(paths.config_file().read_text())
    assert saved["dock_token"] == station.dock_token


def test_an_admin_may_turn_the_token_off_for_loopback_only(capsys):
    token = config.ensure_dock_token().dock_token
    code, text = cli("", "docks", "token", "--off-on-loopback")
    assert code == 0 and "may leave it out" in text
    station = config.load()
    assert feed_token(station) == ""
    assert feed_token(station.with_changes(dock_host="0.0.0.0")) == token
    cli("", "docks", "token", "--require")
    assert feed_token(config.load()) == token
    cli("", "docks", "token", "--new")
    assert config.load().dock_token != token


def test_an_install_from_before_tokens_keeps_its_docks_working():
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"station_name": "DESK-9", "dock_token": ""}))
    station = config.ensure_dock_token()
    assert station.dock_token == "" and feed_token(station) == ""


@pytest.mark.parametrize("argv", [["docks", "add", "X", "--bays", "99"]])
def test_bad_input_is_a_message(db_url, admin_ctx, argv, capsys):
    assert cli(db_url, *argv)[0] == 1
    assert "1 to 64 bays" in capsys.readouterr().err

"""The first-run dialog names this station as its station.json does: the user's name, or
IT's, which the person cannot silently replace."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bwc_desk.store import config


def first_run_station_field(qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Start the launcher on a new database; the set-up dialog's station field as shown."""
    from bwc_desk.launcher import Launcher
    from bwc_desk.ui.dialogs.first_run_dialog import FirstRunDialog

    seen: list[tuple[str, bool, str]] = []

    def shown(dialog: FirstRunDialog) -> int:
        seen.append((dialog.station_edit.text(), dialog.station_edit.isReadOnly(),
                     dialog.station_note.text()))
        return 0  # (Cancel)

    monkeypatch.setattr(FirstRunDialog, "exec", shown)
    launcher = Launcher(qapp, argparse.Namespace(database=str(tmp_path / "new.sqlite3")),
                        str(tmp_path / "logs"))
    assert launcher.start() == 0
    assert len(seen) == 1
    return seen[0]


def test_the_users_station_name_is_filled_in(qapp, tmp_path, monkeypatch):
    config.save(config.StationConfig(station_name="COUNTER-A"))
    text, read_only, _note = first_run_station_field(qapp, tmp_path, monkeypatch)
    assert (text, read_only) == ("COUNTER-A", False)


def test_without_a_station_name_the_default_is_filled_in(qapp, tmp_path, monkeypatch):
    text, read_only, _note = first_run_station_field(qapp, tmp_path, monkeypatch)
    assert (text, read_only) == (config.default_station_name(), False)


def test_a_station_name_set_by_it_cannot_be_replaced(qapp, tmp_path, monkeypatch):
    machine = config.machine_config_file()
    machine.parent.mkdir(parents=True)
    machine.write_text(json.dumps({"station_name": "COUNTER-A"}), encoding="utf-8")
    text, read_only, note = first_run_station_field(qapp, tmp_path, monkeypatch)
    assert (text, read_only) == ("COUNTER-A", True)
    assert str(machine) in note and "IT" in note


def test_it_may_let_the_user_name_the_station(qapp, tmp_path, monkeypatch):
    machine = config.machine_config_file()
    machine.parent.mkdir(parents=True)
    machine.write_text(json.dumps({"station_name": "COUNTER-A",
                                   "user_may_override": ["station_name"]}), encoding="utf-8")
    text, read_only, _note = first_run_station_field(qapp, tmp_path, monkeypatch)
    assert (text, read_only) == ("COUNTER-A", False)

"""The station configuration: IT's machine-wide file, and the user's file where it allows."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bwc_desk.store import config, paths


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "etc" / "station.json"
    monkeypatch.setenv("BWC_DESK_MACHINE_CONFIG", str(path))
    return path


def test_without_any_file_the_defaults(machine):
    assert config.load() == config.StationConfig()


def test_without_a_machine_file_the_user_file_decides_everything(machine):
    write(paths.config_file(), {"station_name": "DESK-A", "dock_port": 50000})
    loaded = config.load()
    assert (loaded.station_name, loaded.dock_port) == ("DESK-A", 50000)


def test_the_machine_file_sets_every_documented_field(machine):
    write(machine, {
        "station_name": "NORTH-1",
        "database_url": "postgresql+psycopg://station_north@db.agency.local/bwc",
        "dock_host": "0.0.0.0",
        "dock_port": 47900,
        "dock_token": "t0ken-from-it",
        "dock_feed_enabled": False,
        "backup_folder": "/srv/bwc-backups",
    })
    assert config.load() == config.StationConfig(
        "NORTH-1", "postgresql+psycopg://station_north@db.agency.local/bwc", "0.0.0.0",
        47900, "t0ken-from-it", False, "/srv/bwc-backups")


def test_the_user_file_overrides_only_what_the_machine_file_allows(machine):
    write(machine, {"station_name": "NORTH-1", "dock_port": 47900,
                    "database_url": "postgresql+psycopg://station@db/bwc",
                    "user_may_override": ["dock_port", "backup_folder"]})
    write(paths.config_file(), {"station_name": "MY-LAPTOP", "dock_port": 48000,
                                "database_url": "/home/me/other.sqlite3",
                                "backup_folder": "/media/usb"})
    loaded = config.load()
    assert loaded.station_name == "NORTH-1"
    assert loaded.database_url == "postgresql+psycopg://station@db/bwc"
    assert loaded.dock_port == 48000
    assert loaded.backup_folder == "/media/usb"


def test_a_machine_file_without_an_allow_list_allows_nothing(machine):
    write(machine, {"station_name": "NORTH-1"})
    write(paths.config_file(), {"station_name": "MINE", "dock_port": 48000})
    assert config.load() == config.StationConfig(station_name="NORTH-1")


def test_a_password_in_the_machine_file_is_not_used(machine, caplog):
    write(machine, {"database_url": "postgresql+psycopg://station:s3cret@db/bwc"})
    with caplog.at_level(logging.WARNING):
        loaded = config.load()
    assert loaded.database_url == "postgresql+psycopg://station@db/bwc"
    assert "password" in caplog.text and "s3cret" not in caplog.text


def test_wrong_types_and_unknown_fields_are_left_out_with_a_warning(machine, caplog):
    write(machine, {"dock_port": "47900", "dock_feed_enabled": "yes", "station_nmae": "X",
                    "station_name": "NORTH-1"})
    with caplog.at_level(logging.WARNING):
        loaded = config.load()
    assert loaded == config.StationConfig(station_name="NORTH-1")
    assert "dock_port" in caplog.text and "station_nmae" in caplog.text


def test_an_out_of_range_port_is_refused(machine):
    write(machine, {"dock_port": 70000})
    assert config.load().dock_port == 47800


def test_an_unreadable_machine_file_falls_back_to_the_user_file(machine, caplog):
    machine.parent.mkdir(parents=True)
    machine.write_text("{ not json", encoding="utf-8")
    write(paths.config_file(), {"station_name": "DESK-A"})
    assert config.load().station_name == "DESK-A"
    assert "unreadable" in caplog.text


def test_a_notepad_file_with_a_byte_order_mark_is_read(machine):
    machine.parent.mkdir(parents=True)
    machine.write_bytes(b"\xef\xbb\xbf" + json.dumps({"station_name": "WIN-1"}).encode())
    assert config.load().station_name == "WIN-1"


def test_save_writes_only_what_the_user_may_set(machine):
    write(machine, {"station_name": "NORTH-1", "dock_token": "secret-token",
                    "user_may_override": ["dock_port"]})
    config.save(config.load().with_changes(dock_port=48001))
    saved = json.loads(paths.config_file().read_text(encoding="utf-8"))
    assert saved == {"dock_port": 48001}
    assert config.load().dock_port == 48001
    assert config.load().dock_token == "secret-token"


def test_save_without_a_machine_file_keeps_everything(machine):
    config.save(config.StationConfig(station_name="DESK-A", dock_port=48002))
    assert config.load() == config.StationConfig(station_name="DESK-A", dock_port=48002)


def test_the_machine_file_lives_where_it_is_documented(monkeypatch):
    monkeypatch.delenv("BWC_DESK_MACHINE_CONFIG", raising=False)
    monkeypatch.delenv("BWC_DESK_HOME", raising=False)
    monkeypatch.setattr(config.sys, "platform", "linux")
    assert config.machine_config_file() == Path("/etc/bwc-desk/station.json")
    monkeypatch.setattr(config.sys, "platform", "win32")
    monkeypatch.setenv("PROGRAMDATA", r"D:\ProgramData")
    assert config.machine_config_file() == Path(r"D:\ProgramData") / "BWC Desk" / "station.json"


def test_with_bwc_desk_home_the_machine_file_is_under_it(monkeypatch, tmp_path):
    monkeypatch.delenv("BWC_DESK_MACHINE_CONFIG", raising=False)
    monkeypatch.setenv("BWC_DESK_HOME", str(tmp_path / "portable"))
    assert config.machine_config_file() == tmp_path / "portable" / "machine" / "station.json"


def test_every_field_is_documented_for_it():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "install.md").read_text()
    for name in [*config.FIELD_TYPES, config.OVERRIDE_KEY]:
        assert f"`{name}`" in doc, name


def test_the_installer_command_writes_the_machine_file(machine, capsys):
    from bwc_desk.__main__ import main

    code = main(["station-config", "--machine", "--station-name", "NORTH-1",
                 "--database-url", "postgresql+psycopg://station@db/bwc", "--dock-port",
                 "47900", "--dock-token", "s3cr3t-t0k", "--dock-feed", "off",
                 "--backup-folder", "", "--user-may-override", "backup_folder"])
    assert code == 0
    written = json.loads(machine.read_text(encoding="utf-8"))
    assert written == {"station_name": "NORTH-1",
                       "database_url": "postgresql+psycopg://station@db/bwc",
                       "dock_port": 47900, "dock_token": "s3cr3t-t0k", "dock_feed_enabled": False,
                       "user_may_override": ["backup_folder"]}
    out = capsys.readouterr().out
    assert "s3cr3t-t0k" not in out and "dock_token = (set)" in out
    # An upgrade that passes no properties keeps what IT wrote.
    assert main(["station-config", "--machine", "--station-name", ""]) == 0
    assert json.loads(machine.read_text(encoding="utf-8")) == written


def test_the_installer_command_refuses_a_password_and_writes_nothing(machine, capsys):
    from bwc_desk.__main__ import main

    code = main(["station-config", "--machine", "--station-name", "NORTH-1",
                 "--database-url", "postgresql+psycopg://station:pw@db/bwc"])
    assert code == 1
    assert "must not hold a password" in capsys.readouterr().err
    assert not machine.exists()


def test_the_installer_command_refuses_a_bad_port(machine, capsys):
    from bwc_desk.__main__ import main

    assert main(["station-config", "--machine", "--dock-port", "99999"]) == 1
    assert "dock_port" in capsys.readouterr().err
    assert not machine.exists()


def test_backups_go_to_the_station_folder_it_set_before_the_agency_setting(
        machine, admin_ctx, tmp_path):
    from bwc_desk.services import backups, settings

    settings.change_settings(admin_ctx, {"backup_folder": str(tmp_path / "agency")})
    assert backups.backup_now(admin_ctx).path.parent == tmp_path / "agency"
    write(machine, {"backup_folder": str(tmp_path / "station-backups")})
    assert backups.backup_now(admin_ctx).path.parent == tmp_path / "station-backups"

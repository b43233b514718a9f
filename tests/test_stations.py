"""Stations are registered by the id in their station.json: a second PC configured with a
name another PC holds is refused at start, with a message for IT."""

from __future__ import annotations

import json

import pytest

from bwc_desk.services import stations
from bwc_desk.store import config, paths
from bwc_desk.store.models import AuditRecord, Station
from tests.conftest import PASSWORD

pytestmark = pytest.mark.both_backends  # on SQLite and on PostgreSQL (tests/conftest.py)


@pytest.fixture(autouse=True)
def _no_machine_id(tmp_path, monkeypatch):
    """The tests decide whether the PC has an operating-system machine id (this one has)."""
    monkeypatch.setattr(stations, "_machine_id_file", lambda: tmp_path / "no-machine-id")


def _rows(ctx):
    with ctx.db.read() as session:
        return {(s.station_id, s.name) for s in session.query(Station)}


def test_a_station_registers_itself_and_keeps_its_id(admin_ctx, clock):
    first = stations.register(admin_ctx.db, "DESK-1", clock.now)
    saved = json.loads(paths.config_file().read_text())["station_id"]
    assert first.station_id == saved and config.load().station_id == saved
    clock.advance(hours=1)
    again = stations.register(admin_ctx.db, "DESK-1", clock.now)
    assert again.station_id == first.station_id and again.last_seen_at == clock.now
    assert again.registered_at == first.registered_at
    assert _rows(admin_ctx) == {(saved, "DESK-1")}
    assert [s.name for s in stations.list_stations(admin_ctx)] == ["DESK-1"]


def test_a_second_pc_with_the_same_name_is_refused_and_nothing_changes(admin_ctx, clock):
    stations.register(admin_ctx.db, "DESK-1", clock.now, station_id="11111111-aaaa")
    before = _rows(admin_ctx)
    with pytest.raises(stations.StationNameTaken) as refused:
        stations.register(admin_ctx.db, "DESK-1", clock.now, station_id="22222222-bbbb")
    message = str(refused.value)
    assert "is already registered in this database as station 'DESK-1'" in message
    assert "For IT" in message and "station_name" in message and "11111111-aaaa" in message
    assert _rows(admin_ctx) == before
    with admin_ctx.db.read() as session:
        refusals = [r for r in session.query(AuditRecord) if r.event == "action refused"]
    assert refusals and "22222222-bbbb" in (refusals[-1].details or "")
    # The same PC under a name of its own starts.
    other = stations.register(admin_ctx.db, "DESK-2", clock.now, station_id="22222222-bbbb")
    assert other.name == "DESK-2"


def test_a_renamed_station_keeps_its_id_and_frees_its_old_name(admin_ctx, clock):
    stations.register(admin_ctx.db, "DESK-1", clock.now, station_id="aaaa")
    stations.register(admin_ctx.db, "FRONT-DESK", clock.now, station_id="aaaa")
    assert _rows(admin_ctx) == {(None, "DESK-1"), ("aaaa", "FRONT-DESK")}
    stations.register(admin_ctx.db, "DESK-1", clock.now, station_id="bbbb")
    assert _rows(admin_ctx) == {("aaaa", "FRONT-DESK"), ("bbbb", "DESK-1")}
    with pytest.raises(stations.StationNameTaken):
        stations.register(admin_ctx.db, "DESK-1", clock.now, station_id="aaaa")
    with admin_ctx.db.read() as session:
        events = [r.details for r in session.query(AuditRecord).order_by(AuditRecord.seq)
                  if r.event == "station registered"]
    assert len(events) == 3 and '"renamed_from":"DESK-1"' in (events[1] or "")


def test_a_name_seen_at_sign_in_is_claimed_by_the_first_station_to_start(admin_ctx, clock):
    """first_run and sign-ins record the station by name only (no id): the first station
    that starts under that name claims it, and a second PC is then refused."""
    assert _rows(admin_ctx) == {(None, "DESK-1")}
    stations.register(admin_ctx.db, "DESK-1", clock.now, station_id="cccc")
    assert _rows(admin_ctx) == {("cccc", "DESK-1")}
    with pytest.raises(stations.StationNameTaken):
        stations.register(admin_ctx.db, "DESK-1", clock.now, station_id="dddd")


def test_the_database_refuses_one_id_under_two_names(admin_ctx, clock):
    from sqlalchemy.exc import IntegrityError

    with admin_ctx.db.write() as session:
        session.add(Station(name="DESK-8", hostname="h", first_seen=clock.now,
                            last_seen=clock.now, station_id="same"))
    with pytest.raises(IntegrityError), admin_ctx.db.write() as session:
        session.add(Station(name="DESK-9", hostname="h", first_seen=clock.now,
                            last_seen=clock.now, station_id="same"))


@pytest.mark.sqlite_only
def test_the_app_refuses_to_start_under_a_name_another_pc_holds(qtbot, qapp, admin_ctx, clock):
    import argparse

    from PySide6.QtWidgets import QMessageBox

    from bwc_desk.launcher import Launcher
    from tests.conftest import answer

    stations.register(admin_ctx.db, "DESK-1", clock.now, station_id="the-other-pc")
    config.save(config.load().with_changes(station_name="DESK-1"))
    path = admin_ctx.db.path
    admin_ctx.db.dispose()
    shown: list[str] = []

    def read(box: QMessageBox) -> None:
        shown.append(box.windowTitle() + "\n" + box.text())
        box.accept()

    answer(qtbot, read, QMessageBox)
    launcher = Launcher(qapp, argparse.Namespace(database=str(path)), "/tmp/logs")
    try:
        assert launcher.start() == 1
    finally:
        if launcher.lock_file is not None:
            launcher.lock_file.unlock()
    assert shown and "this station name is taken" in shown[0]
    assert "For IT" in shown[0] and "the-other-pc" in shown[0]


def test_the_command_line_is_refused_under_a_name_another_pc_holds(admin_ctx, clock,
                                                                   capsys, tmp_path,
                                                                   monkeypatch):
    import io

    from bwc_desk.__main__ import main
    from tests.test_ledger_tamper import database_arg

    stations.register(admin_ctx.db, "DESK-7", clock.now, station_id="the-other-pc")
    config.save(config.load().with_changes(station_name="DESK-7"))
    out = tmp_path / "units.csv"
    signed = ["--as", "admin", "--password-stdin"]
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["export", "units", "--database", database_arg(admin_ctx), str(out),
                 *signed]) != 0
    assert "already registered in this database as station 'DESK-7'" in capsys.readouterr().err
    assert not out.exists()
    config.save(config.load().with_changes(station_name="DESK-8"))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["export", "units", "--database", database_arg(admin_ctx), str(out),
                 *signed]) == 0
    assert ("DESK-8" in {s.name for s in stations.list_stations(admin_ctx)})


def test_every_user_of_a_pc_registered_under_its_machine_id_stays_the_same_station(
        admin_ctx, clock, tmp_path, monkeypatch):
    """A shared PC that an older version registered under the id derived from its machine id
    (IT's machine file sets no station_id): each of its users adopts that id, so the second
    person to sign in on the same PC is not refused as another. (New shared PCs: IT sets
    station_id in the machine file, the next test but one.)"""
    machine = tmp_path / "machine.json"
    machine.write_text(json.dumps({"station_name": "DESK-1"}), encoding="utf-8")
    monkeypatch.setenv("BWC_DESK_MACHINE_CONFIG", str(machine))
    monkeypatch.setattr(stations, "_machine_id_file", lambda: tmp_path / "machine-id")
    (tmp_path / "machine-id").write_text("0123456789abcdef0123456789abcdef\n")
    derived = stations._pc_id()
    first = stations.register(admin_ctx.db, "DESK-1", clock(), station_id=derived)
    monkeypatch.setenv("BWC_DESK_HOME", str(tmp_path / "another-user"))  # another OS user
    second = stations.register(admin_ctx.db, "DESK-1", clock())
    assert first.station_id == second.station_id == derived
    assert stations.this_station_id() == first.station_id  # and it does not change


def test_a_pc_with_a_machine_file_and_no_machine_id_keeps_its_random_id(tmp_path, monkeypatch):
    """IT's file does not list station_id among what users may set; the id is this PC's
    identity, not a setting, so it is kept in the user's file all the same (a new id at each
    start would be refused as another PC under the same name)."""
    machine = tmp_path / "machine.json"
    machine.write_text(json.dumps({"station_name": "NORTH-1"}), encoding="utf-8")
    monkeypatch.setenv("BWC_DESK_MACHINE_CONFIG", str(machine))
    first = stations.this_station_id()
    assert stations.this_station_id() == first
    assert config.load().station_name == "NORTH-1"


@pytest.mark.sqlite_only
def test_the_sign_in_form_is_on_the_screen_before_the_station_registers(
    qtbot, qapp, admin_ctx, monkeypatch
):
    import argparse

    from PySide6.QtCore import Qt

    from bwc_desk import launcher as launcher_module
    from bwc_desk.launcher import Launcher
    from bwc_desk.ui.dialogs.sign_in_dialog import SignInDialog
    from tests.conftest import answer

    events: list[str] = []
    register, paint = stations.register_here, SignInDialog.paintEvent

    def registering(ctx):  # type: ignore[no-untyped-def]
        events.append("registered")
        return register(ctx)

    def painting(self, event):  # type: ignore[no-untyped-def]
        if "painted" not in events:
            events.append("painted")
        paint(self, event)

    monkeypatch.setattr(launcher_module.stations, "register_here", registering)
    monkeypatch.setattr(SignInDialog, "paintEvent", painting)

    def sign_in(dialog: SignInDialog) -> None:
        qtbot.waitUntil(lambda: "registered" in events)
        qtbot.keyClicks(dialog.user_edit, "admin")
        qtbot.keyClicks(dialog.password_edit, PASSWORD)
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)

    class Built(Exception):
        pass

    def window(*_args: object) -> None:
        raise Built

    from bwc_desk.ui import main_window as main_window_module

    monkeypatch.setattr(main_window_module, "MainWindow", window)
    path = admin_ctx.db.path
    admin_ctx.db.dispose()
    answer(qtbot, sign_in, SignInDialog)
    launcher = Launcher(qapp, argparse.Namespace(database=str(path)), "/tmp/logs")
    try:
        with pytest.raises(Built):  # (signed in: the window is built next)
            launcher.start()
    finally:
        if launcher.watcher is not None:
            launcher.watcher.stop()
        if launcher.lock_file is not None:
            launcher.lock_file.unlock()
    assert events == ["painted", "registered"]


def test_pcs_cloned_from_one_image_are_told_apart(admin_ctx, clock, tmp_path, monkeypatch):
    """Two PCs cloned from one disk image share the operating system's machine id: a new
    station's id is random (saved in its station.json), so the second PC configured with
    the same name is refused instead of passing for the first."""
    monkeypatch.setattr(stations, "_machine_id_file", lambda: tmp_path / "machine-id")
    (tmp_path / "machine-id").write_text("0123456789abcdef0123456789abcdef\n")
    first = stations.register(admin_ctx.db, "DESK-5", clock())
    assert first.station_id and first.station_id != stations._pc_id()
    assert config.load().station_id == first.station_id  # saved once, kept
    assert stations.register(admin_ctx.db, "DESK-5", clock()).station_id == first.station_id
    monkeypatch.setenv("BWC_DESK_HOME", str(tmp_path / "the-clone"))  # same machine id
    with pytest.raises(stations.StationNameTaken, match="Another PC"):
        stations.register(admin_ctx.db, "DESK-5", clock())


def test_a_station_registered_under_its_machine_id_keeps_it_after_the_upgrade(
        admin_ctx, clock, tmp_path, monkeypatch):
    """An older version registered the station under the id derived from the machine id,
    and saved nothing: the first start after the upgrade writes that id to station.json
    (so it is not refused as another PC), and keeps it from then on."""
    monkeypatch.setattr(stations, "_machine_id_file", lambda: tmp_path / "machine-id")
    (tmp_path / "machine-id").write_text("0123456789abcdef0123456789abcdef\n")
    derived = stations._pc_id()
    assert derived is not None
    stations.register(admin_ctx.db, "DESK-6", clock(), station_id=derived)  # the old version
    assert not config.load().station_id
    again = stations.register(admin_ctx.db, "DESK-6", clock())
    assert again.station_id == derived == config.load().station_id
    # Another name on the same image is not given that id: it gets a random one.
    monkeypatch.setenv("BWC_DESK_HOME", str(tmp_path / "a-clone"))
    other = stations.register(admin_ctx.db, "DESK-7", clock())
    assert other.station_id not in (None, derived)
    assert _rows(admin_ctx) >= {(derived, "DESK-6"), (other.station_id, "DESK-7")}


def test_it_sets_one_id_for_every_user_of_a_shared_pc_in_the_machine_file(
        admin_ctx, clock, tmp_path, monkeypatch):
    machine = tmp_path / "machine.json"
    machine.write_text(json.dumps({"station_name": "DESK-1"}), encoding="utf-8")
    monkeypatch.setenv("BWC_DESK_MACHINE_CONFIG", str(machine))
    config.update_machine_file({"station_id": "5b0c1f0e-4d51-4c1e-9a59-2f4f3c7e0d11"})
    first = stations.register(admin_ctx.db, "DESK-1", clock())
    monkeypatch.setenv("BWC_DESK_HOME", str(tmp_path / "another-user"))  # another OS user
    second = stations.register(admin_ctx.db, "DESK-1", clock())
    assert first.station_id == second.station_id == "5b0c1f0e-4d51-4c1e-9a59-2f4f3c7e0d11"

"""The dock simulator: its cameras behave like real ones, every line it sends is one the
protocol accepts, and it plays against the real server (and waits for it)."""

from __future__ import annotations

import json
import logging
import random
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bwc_desk.adapters.dockfeed import simulator
from bwc_desk.adapters.dockfeed.protocol import BayReport, Connection, Heartbeat, Hello
from bwc_desk.adapters.dockfeed.server import DockFeedServer
from bwc_desk.adapters.dockfeed.simulator import (
    UNKNOWN_SERIALS,
    SerialPool,
    SimDock,
    dock_name,
    run_simulator,
)
from tests.test_dock_protocol import load_schema, schema_errors
from tests.test_dock_server import Recorder

TS = "2026-11-26T22:00:00Z"


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def play(docks: list[SimDock], hours: float, step: float = 60.0) -> Iterator[list[BayReport]]:
    """Advance the docks minute by minute; yield each minute's parsed bay reports. Every
    line goes through the real parser, and a refusal fails the test."""
    connection = Connection()
    for dock in docks:
        connection.feed(encode(dock.hello("")))
    for _ in range(int(hours * 3600 / step)):
        reports = []
        for dock in docks:
            dock.advance(step)
            for message in [*dock.reports(TS), dock.heartbeat(TS)]:
                [(_, outcome)] = connection.feed(encode(message))
                assert not isinstance(outcome, Exception), (outcome, message)
                if isinstance(outcome, BayReport):
                    reports.append(outcome)
        yield reports


def test_a_night_on_the_docks_looks_like_a_real_one():
    rng = random.Random(11)
    pool = SerialPool([f"HPD{n:05d}" for n in range(200)], rng)
    docks = [SimDock(dock_name(i), 8, rng, pool) for i in range(4)]
    for dock in docks:
        dock.warm_up()
    stints: list[list[BayReport]] = []  # one per camera's visit to a bay
    current: dict[tuple[str, int], list[BayReport]] = {}
    errors, updating, fresh = set(), 0, []
    for minute, reports in enumerate(play(docks, hours=12)):
        in_bays = [r.serial for r in reports if r.serial]
        assert len(in_bays) == len(set(in_bays)), "one camera in two bays"
        for r in reports:
            stint = current.get((r.dock, r.bay))
            if r.serial is None or (stint and stint[0].serial != r.serial):
                current.pop((r.dock, r.bay), None)
            if r.serial is None:
                continue
            if (r.dock, r.bay) not in current:
                current[(r.dock, r.bay)] = stint = []
                stints.append(stint)
                if minute > 0:  # docked during the night, not before it
                    fresh.append(r)
            current[(r.dock, r.bay)].append(r)
            updating += bool(r.updating)
            if r.error:
                errors.add(r.error)
    # Cameras come and go, and newly docked ones look fresh off a shift.
    assert len(stints) > 60 and len(fresh) > 30
    for r in fresh:
        assert r.battery is not None and 20 <= r.battery <= 61
        assert r.upload is not None
        assert 50 <= r.upload.files_total <= 400
        assert 1_000_000_000 <= r.upload.bytes_total <= 8_000_000_000
    for stint in stints:
        batteries = [r.battery for r in stint]
        done = [r.upload.bytes_done for r in stint if r.upload]
        assert batteries == sorted(batteries), "a docked camera never loses charge"
        assert done == sorted(done), "uploads only move forward"
    # Charging at 0.5-1 % a minute: an hour adds 12-60 points (slower above 90 %).
    long_stints = [s for s in stints if len(s) > 60 and s[0].battery < 40]
    assert long_stints
    for stint in long_stints:
        gained = stint[60].battery - stint[0].battery
        assert 12 <= gained <= 61
    assert updating > 0
    assert errors & set(simulator.UPLOAD_ERRORS)
    # Errors clear again: most bays that showed one later report none.
    assert sum(not s[-1].error for s in stints) > len(stints) * 0.9


def test_every_line_the_simulator_writes_matches_the_schema():
    schema = load_schema()
    rng = random.Random(3)
    dock = SimDock("DOCK-A", 8, rng, SerialPool(None, rng))
    dock.warm_up()
    messages = [dock.hello("s3cret"), dock.heartbeat(TS)]
    for _ in range(120):
        dock.advance(60)
        messages += dock.reports(TS)
    for message in messages:
        assert schema_errors(message, schema, schema) == [], message


def test_given_serials_are_used_with_a_few_unknown_ones():
    rng = random.Random(5)
    known = [f"X60A{n:07d}" for n in range(300)]  # X60A0000007 is one of the unknown ones
    pool = SerialPool(known, rng)
    taken = [pool.take() for _ in range(200)]
    assert len(set(taken)) == 200
    unknown = [s for s in taken if s not in known]
    assert unknown and set(unknown) <= set(UNKNOWN_SERIALS) - set(known)
    for serial in taken:
        pool.give_back(serial)
    # Without a list the docks make up serials, never repeating one that is in a bay.
    pool = SerialPool(None, rng)
    made_up = [pool.take() for _ in range(50)]
    assert len(set(made_up)) == 50


def test_dock_names_run_like_spreadsheet_columns():
    assert [dock_name(i) for i in (0, 1, 25, 26, 27, 51, 52)] == [
        "DOCK-A",
        "DOCK-B",
        "DOCK-Z",
        "DOCK-AA",
        "DOCK-AB",
        "DOCK-AZ",
        "DOCK-BA",
    ]


@pytest.mark.parametrize(
    "kwargs", [{"docks": 0}, {"bays": 0}, {"bays": 65}, {"speed": 0}, {"interval": -1}]
)
def test_run_simulator_refuses_impossible_settings(kwargs):
    with pytest.raises(ValueError, match="at least 1 dock"):
        run_simulator("127.0.0.1", 1, **kwargs)


class Simulation:
    """The simulator on a thread, stopped and joined at the end of the test."""

    def __init__(self, port: int, **kwargs: Any) -> None:
        self.stop = threading.Event()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(port,), kwargs=kwargs)

    def _run(self, port: int, **kwargs: Any) -> None:
        try:
            run_simulator("127.0.0.1", port, stop=self.stop, **kwargs)
        except BaseException as exc:  # reported by the test, not lost on the thread
            self.failure = exc

    def __enter__(self) -> Simulation:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive()
        assert self.failure is None


def reports_by_bay(recorder: Recorder) -> dict[tuple[str, int], list[BayReport]]:
    result: dict[tuple[str, int], list[BayReport]] = {}
    for _, message in recorder.messages:
        if isinstance(message, BayReport):
            result.setdefault((message.dock, message.bay), []).append(message)
    return result


def test_the_simulator_against_the_real_server(recorder):
    with DockFeedServer("127.0.0.1", 0, "s3cret", recorder.on_message, recorder.on_error) as server:

        def enough(r: Recorder) -> bool:
            """Every bay reported a few times, every dock sent a heartbeat, and some camera
            has gained charge and some has uploaded more since its first report."""
            bays = reports_by_bay(r)
            beats = {m.dock for _, m in r.messages if isinstance(m, Heartbeat)}
            if len(bays) < 12 or min(map(len, bays.values())) < 3 or len(beats) < 3:
                return False
            return any(map(charged, bays.values())) and any(map(uploaded, bays.values()))

        port = server.address[1]
        with Simulation(port, docks=3, bays=4, token="s3cret", speed=600, seed=2, interval=0.05):
            recorder.wait_for(enough)
    hellos = [m for _, m in recorder.messages if isinstance(m, Hello)]
    assert {(h.dock, h.bays, h.token) for h in hellos} == {
        ("DOCK-A", 4, "s3cret"),
        ("DOCK-B", 4, "s3cret"),
        ("DOCK-C", 4, "s3cret"),
    }
    assert recorder.errors == []


def same_camera(reports: list[BayReport]) -> list[BayReport]:
    """The reports of the camera in the bay at the end, back to when it was docked."""
    serial = reports[-1].serial
    stint = []
    for report in reversed(reports):
        if report.serial != serial:
            break
        stint.append(report)
    return stint[::-1] if serial is not None else []


def charged(reports: list[BayReport]) -> bool:
    stint = same_camera(reports)
    return len(stint) > 1 and stint[-1].battery > stint[0].battery


def uploaded(reports: list[BayReport]) -> bool:
    stint = [r.upload.bytes_done for r in same_camera(reports) if r.upload]
    return len(stint) > 1 and stint[-1] > stint[0]


def test_the_simulator_waits_for_an_app_that_is_not_listening_yet(recorder):
    with socket.socket() as probe:  # a port nobody listens on, for now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = threading.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "cannot reach the app" in record.getMessage():
                refused.set()

    watch = Watch()
    logging.getLogger(simulator.__name__).addHandler(watch)
    try:
        with Simulation(port, docks=1, bays=2, speed=60, seed=1, interval=0.05):
            assert refused.wait(10)
            with DockFeedServer("127.0.0.1", port, "", recorder.on_message, recorder.on_error):
                recorder.wait_for(lambda r: len(r.messages) >= 3)
    finally:
        logging.getLogger(simulator.__name__).removeHandler(watch)
    assert isinstance(recorder.messages[0][1], Hello)
    assert recorder.errors == []


def test_main_parses_the_command_line(monkeypatch):
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(simulator, "run_simulator", lambda *a, **k: calls.append((a, k)))
    argv = ["--docks", "2", "--bays", "4", "--host", "::1", "--port", "4800", "--token", "t"]
    assert simulator.main([*argv, "--speed", "30", "--seed", "9"]) == 0
    assert calls == [(("::1", 4800, 2, 4, "t", 30.0), {"seed": 9})]
    assert simulator.main([]) == 0
    assert calls[-1] == (("127.0.0.1", 47800, 6, 8, "", 1.0), {"seed": None})


@pytest.mark.parametrize(
    "argv",
    [["--bays", "65"], ["--docks", "0"], ["--speed", "0"], ["--speed", "nan"], ["--port", "x"]],
)
def test_main_refuses_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        simulator.main(argv)
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_ctrl_c_ends_main_quietly(monkeypatch):
    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(simulator, "run_simulator", interrupted)
    assert simulator.main(["--docks", "1"]) == 0


def test_main_takes_the_token_from_the_station_config(monkeypatch):
    from bwc_desk.store import config

    station = config.ensure_dock_token()  # first run: a random token, saved
    assert len(station.dock_token) >= 20 and station.dock_token_required
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(simulator, "run_simulator", lambda *a, **k: calls.append((a, k)))
    from bwc_desk.__main__ import main

    assert main(["dock-sim"]) == 0
    assert calls[-1][0][4] == station.dock_token
    assert main(["dock-sim", "--token", "other"]) == 0
    assert calls[-1][0][4] == "other"


def test_dock_sim_after_the_global_options_is_still_the_simulator(monkeypatch, capsys):
    """`bwc-desk --database URL dock-sim --help` said "unrecognized arguments: --help" (a
    hands-on tester): the simulator's options are its own wherever the command stands."""
    from bwc_desk.__main__ import main

    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(simulator, "run_simulator", lambda *a, **k: calls.append((a, k)))
    with pytest.raises(SystemExit) as ended:
        main(["--database", "sqlite:////tmp/x.sqlite3", "dock-sim", "--help"])
    assert ended.value.code == 0 and "--bays" in capsys.readouterr().out
    assert main(["--database=sqlite:////tmp/x.sqlite3", "--demo", "dock-sim", "--docks", "2"]) == 0
    assert calls


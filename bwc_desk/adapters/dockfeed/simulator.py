"""Simulated docks for demos and tests: `bwc-desk dock-sim --docks 6 --bays 8`.

Cameras come back from a shift half empty and full of footage, charge at about 0.5-1 % a
minute, upload at 5-20 MB/s, sometimes update firmware or hit an error, and are taken once
ready; a while later another camera is docked in the bay. ``speed`` runs the cameras' clock
faster than real time; reports still go out about once a second, as a real dock sends them.
The docks speak the protocol from the outside, with plain JSON, like any integrator would.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import selectors
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bwc_desk.adapters.dockfeed.protocol import MAX_BAYS
from bwc_desk.adapters.dockfeed.server import DEFAULT_HOST, DEFAULT_PORT

log = logging.getLogger(__name__)

MB = 1_000_000
HEARTBEAT_EVERY = 10  # reports; with the default interval of 1 s, every 10 s
UPLOAD_ERRORS = ("upload failed: network unreachable", "upload failed: evidence server busy (503)")
CHARGE_ERRORS = ("battery too warm: charging paused",)
SEAT_ERRORS = ("camera not responding: reseat it in the bay",)
UNKNOWN_SERIALS = ("X62C0000417", "V3C0009921", "X60A0000007")  # shown as "not registered"
MAX_STEP = 60.0  # sim seconds per model step, so a fast clock does not skip whole events


@dataclass
class _Camera:
    serial: str
    battery: float
    charge_per_s: float
    files_total: int
    bytes_total: int
    upload_per_s: float
    update_start: float | None  # sim seconds after docking; None = no update this time
    update_length: float
    take_at_battery: float  # the next shift takes it once this charged and all done
    pickup_after: float  # ...and after it has waited this long on the dock, ready
    bytes_done: float = 0.0
    age: float = 0.0
    error: str | None = None
    error_left: float = 0.0
    ready_for: float = 0.0

    @property
    def updating(self) -> bool:
        start = self.update_start
        return start is not None and start <= self.age < start + self.update_length

    @property
    def update_due(self) -> bool:
        start = self.update_start
        return start is not None and self.age < start + self.update_length

    @property
    def charging(self) -> bool:
        return self.battery < 100 and self.error not in CHARGE_ERRORS + SEAT_ERRORS

    @property
    def files_done(self) -> int:
        if self.bytes_done >= self.bytes_total:
            return self.files_total
        return int(self.files_total * self.bytes_done / self.bytes_total)


class SimDock:
    """One dock's bays as a model with no I/O: ``advance`` moves its clock."""

    def __init__(self, name: str, bays: int, rng: random.Random, serials: SerialPool) -> None:
        self.name = name
        self.bays: list[_Camera | None] = [None] * bays
        self._empty_left = [0.0] * bays
        self._rng = rng
        self._serials = serials

    def warm_up(self) -> None:
        """Start mid-evening: most bays hold cameras docked up to a few hours ago."""
        for i in range(len(self.bays)):
            if self._rng.random() < 0.8:
                self._dock(i)
                self._advance_bay(i, self._rng.uniform(0, 4 * 3600))
            else:
                self._empty_left[i] = self._rng.uniform(0, 1800)

    def advance(self, seconds: float) -> None:
        for i in range(len(self.bays)):
            self._advance_bay(i, seconds)

    def hello(self, token: str) -> dict[str, Any]:
        hello: dict[str, Any] = {"v": 1, "type": "hello", "dock": self.name, "bays": len(self.bays)}
        if token:
            hello["token"] = token
        return hello

    def heartbeat(self, ts: str) -> dict[str, Any]:
        return {"v": 1, "type": "heartbeat", "dock": self.name, "ts": ts}

    def reports(self, ts: str) -> list[dict[str, Any]]:
        return [self._report(i + 1, camera, ts) for i, camera in enumerate(self.bays)]

    def _report(self, bay: int, cam: _Camera | None, ts: str) -> dict[str, Any]:
        report: dict[str, Any] = {"v": 1, "type": "bay", "dock": self.name, "bay": bay}
        if cam is None:
            return report | {"serial": None, "ts": ts}
        upload = {
            "files_done": cam.files_done,
            "files_total": cam.files_total,
            "bytes_done": int(cam.bytes_done),
            "bytes_total": cam.bytes_total,
        }
        return report | {
            "serial": cam.serial,
            "battery": int(cam.battery),
            "charging": cam.charging,
            "upload": upload,
            "updating": cam.updating,
            "error": cam.error,
            "ts": ts,
        }

    def _dock(self, i: int) -> None:
        rng = self._rng
        updating = rng.random() < 0.15
        self.bays[i] = _Camera(
            serial=self._serials.take(),
            battery=rng.uniform(20, 60),
            charge_per_s=rng.uniform(0.5, 1.0) / 60,
            files_total=rng.randint(50, 400),
            bytes_total=rng.randint(1000, 8000) * MB,
            upload_per_s=rng.uniform(5, 20) * MB,
            update_start=rng.uniform(60, 1800) if updating else None,
            update_length=rng.uniform(120, 300),
            take_at_battery=rng.uniform(85, 100),
            pickup_after=rng.uniform(600, 2700),
        )

    def _advance_bay(self, i: int, seconds: float) -> None:
        while seconds > 0:
            step = min(seconds, MAX_STEP)
            seconds -= step
            cam = self.bays[i]
            if cam is None:
                self._empty_left[i] -= step
                if self._empty_left[i] <= 0:
                    self._dock(i)
            elif self._step(cam, step):
                self._serials.give_back(cam.serial)
                self.bays[i] = None
                self._empty_left[i] = self._rng.uniform(300, 3600)

    def _step(self, cam: _Camera, dt: float) -> bool:
        """Move one camera on by dt seconds; True when somebody took it out of the bay."""
        rng = self._rng
        cam.age += dt
        if cam.error is not None:
            cam.error_left -= dt
            if cam.error_left <= 0:
                cam.error = None
        elif rng.random() < dt / (4 * 3600):  # about one error per bay every four hours
            cam.error = rng.choice(UPLOAD_ERRORS + CHARGE_ERRORS + SEAT_ERRORS)
            cam.error_left = rng.uniform(60, 900)
        if cam.charging:
            # Lithium cells take the last tenth slowly.
            rate = cam.charge_per_s * (0.4 if cam.battery >= 90 else 1.0)
            cam.battery = min(100.0, cam.battery + rate * dt)
        if cam.error not in UPLOAD_ERRORS + SEAT_ERRORS:
            cam.bytes_done = min(float(cam.bytes_total), cam.bytes_done + cam.upload_per_s * dt)
        done = cam.bytes_done >= cam.bytes_total and cam.battery >= cam.take_at_battery
        if not done or cam.update_due or cam.error is not None:
            cam.ready_for = 0.0
            return False
        cam.ready_for += dt
        return cam.ready_for > cam.pickup_after


class SerialPool:
    """Camera serials not in a bay right now, shared by all simulated docks."""

    def __init__(self, serials: Sequence[str] | None, rng: random.Random) -> None:
        self._rng = rng
        self._free = list(dict.fromkeys(serials or ()))
        self._unknown = [s for s in UNKNOWN_SERIALS if s not in self._free]
        self._in_bays: set[str] = set()

    def take(self) -> str:
        rng = self._rng
        # Now and then a camera the app does not know, so "not registered" shows in demos.
        pools = (self._free, self._unknown)
        for pool in reversed(pools) if rng.random() < 0.05 else pools:
            if pool:
                serial = pool.pop(rng.randrange(len(pool)))
                break
        else:  # every serial is in a bay: make one up
            serial = ""
            while not serial or serial in self._in_bays:
                serial = f"{rng.choice(('X60A', 'X61B'))}{rng.randrange(10**6, 10**7)}"
        self._in_bays.add(serial)
        return serial

    def give_back(self, serial: str) -> None:
        self._in_bays.discard(serial)
        (self._unknown if serial in UNKNOWN_SERIALS else self._free).append(serial)


def dock_name(index: int) -> str:
    """0 -> DOCK-A, 25 -> DOCK-Z, 26 -> DOCK-AA, like spreadsheet columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"DOCK-{letters}"


class _Link:
    """One dock's connection to the app, reconnecting with backoff while the app is away."""

    FIRST_BACKOFF = 0.25
    MAX_BACKOFF = 10.0

    def __init__(self, dock: SimDock, address: tuple[str, int], token: str) -> None:
        self.dock = dock
        self.address = address
        self.token = token
        self.sock: socket.socket | None = None
        self._received = bytearray()
        self._backoff = self.FIRST_BACKOFF
        self._retry_at = 0.0
        self._failures = 0

    def connect(self, now: float, selector: selectors.BaseSelector, ts: str) -> None:
        if self.sock is not None or now < self._retry_at:
            return
        try:
            sock = socket.create_connection(self.address, timeout=2.0)
        except OSError as exc:
            self._failures += 1
            # One warning per outage; retries are routine while the app starts.
            level = logging.WARNING if self._failures == 1 else logging.DEBUG
            log.log(
                level,
                "%s cannot reach the app at %s:%d (%s); retrying",
                self.dock.name,
                *self.address,
                exc.strerror or exc,
            )
            self._retry_at = now + self._backoff * random.uniform(0.8, 1.2)
            self._backoff = min(self._backoff * 2, self.MAX_BACKOFF)
            return
        log.info("%s connected to %s:%d", self.dock.name, *self.address)
        self.sock, self._failures, self._backoff = sock, 0, self.FIRST_BACKOFF
        selector.register(sock, selectors.EVENT_READ, self)
        # The full picture at once, rather than a second of blank bays in the app.
        self.send([self.dock.hello(self.token), *self.dock.reports(ts)], selector)

    def send(self, messages: list[dict[str, Any]], selector: selectors.BaseSelector) -> None:
        if self.sock is None:
            return
        data = b"".join(json.dumps(m, separators=(",", ":")).encode() + b"\n" for m in messages)
        try:
            self.sock.sendall(data)
        except OSError as exc:  # includes the timeout of an app that stopped reading
            self.close(selector, f"send failed ({exc})")

    def receive(self, selector: selectors.BaseSelector) -> None:
        assert self.sock is not None
        try:
            data = self.sock.recv(65536)
        except OSError as exc:
            self.close(selector, f"connection lost ({exc})")
            return
        if not data:
            self.close(selector, "the app closed the connection")
            return
        self._received += data
        *lines, rest = self._received.split(b"\n")
        self._received = bytearray(rest)
        for line in lines:
            log.warning(
                "The app refused a line from %s: %s",
                self.dock.name,
                line.decode("utf-8", "replace"),
            )

    def close(self, selector: selectors.BaseSelector, why: str) -> None:
        if self.sock is None:
            return
        log.info("%s disconnected: %s", self.dock.name, why)
        selector.unregister(self.sock)
        self.sock.close()
        self.sock = None
        self._received.clear()
        self._retry_at = time.monotonic() + self._backoff


def run_simulator(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    docks: int = 6,
    bays: int = 8,
    token: str = "",
    speed: float = 1.0,
    stop: threading.Event | None = None,
    seed: int | None = None,
    serials: Sequence[str] | None = None,
    *,
    interval: float = 1.0,
) -> None:
    """Play ``docks`` docks of ``bays`` bays against the app until ``stop`` is set (or
    forever). Every ``interval`` real seconds each dock reports every bay and the cameras'
    clock moves ``interval * speed`` seconds; every tenth time a heartbeat goes too."""
    if docks < 1 or not 1 <= bays <= MAX_BAYS or speed <= 0 or interval <= 0:
        raise ValueError(f"need at least 1 dock, 1..{MAX_BAYS} bays, a positive speed and interval")
    stop = stop or threading.Event()
    rng = random.Random(seed)
    pool = SerialPool(serials, rng)
    links = [
        _Link(SimDock(dock_name(i), bays, rng, pool), (host, port), token) for i in range(docks)
    ]
    for link in links:
        link.dock.warm_up()
    selector = selectors.DefaultSelector()
    started = time.monotonic()
    tick = 0
    try:
        while not stop.is_set():
            ts = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            for link in links:
                if tick:
                    link.dock.advance(interval * speed)
                if link.sock is None:
                    link.connect(time.monotonic(), selector, ts)
                    continue
                messages = link.dock.reports(ts)
                if tick % HEARTBEAT_EVERY == 0:
                    messages.append(link.dock.heartbeat(ts))
                link.send(messages, selector)
            tick += 1
            # Ticks keep to a fixed schedule, so a slow pass does not stretch the next one.
            _wait(selector, started + tick * interval, stop)
    finally:
        for link in links:
            link.close(selector, "the simulator stopped")
        selector.close()


def _wait(selector: selectors.BaseSelector, deadline: float, stop: threading.Event) -> None:
    """Until the deadline, read what the app writes back; return early when stopped."""
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        if not selector.get_map():
            # Windows' select() refuses an empty set of sockets.
            stop.wait(left)
            return
        for key, _events in selector.select(min(left, 0.1)):
            link: _Link = key.data
            if link.sock is not None:
                link.receive(selector)


def main(argv: Sequence[str] | None = None, default_token: str = "") -> int:
    """`bwc-desk dock-sim`: play docks against a running app until Ctrl+C. Without
    --token, ``default_token`` (the station's, read by the command line) is sent."""
    parser = argparse.ArgumentParser(
        prog="bwc-desk dock-sim",
        description="Simulate docks that report their bays to BWC Desk's dock feed.",
    )
    parser.add_argument("--docks", type=_ranged(1, 200), default=6, help="docks (default 6)")
    parser.add_argument(
        "--bays", type=_ranged(1, MAX_BAYS), default=8, help="bays per dock (default 8)"
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"app host (default {DEFAULT_HOST})")
    parser.add_argument(
        "--port",
        type=_ranged(1, 65535),
        default=DEFAULT_PORT,
        help=f"app port (default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--token",
        default=None,
        help="shared dock token (default: the one in this PC's station config)",
    )
    parser.add_argument(
        "--speed",
        type=_positive,
        default=1.0,
        help="how many times faster than real time cameras charge and upload (default 1)",
    )
    parser.add_argument("--seed", type=int, default=None, help="repeat a run exactly")
    args = parser.parse_args(argv)
    if args.token is None:
        args.token = default_token
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    log.info(
        "Simulating %d docks of %d bays against %s:%d at %gx speed; Ctrl+C stops",
        args.docks,
        args.bays,
        args.host,
        args.port,
        args.speed,
    )
    try:
        run_simulator(
            args.host, args.port, args.docks, args.bays, args.token, args.speed, seed=args.seed
        )
    except KeyboardInterrupt:
        log.info("Simulator stopped")
    return 0


def _ranged(low: int, high: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}..{high}")
        return value

    return parse


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{value} is not above 0")
    return value

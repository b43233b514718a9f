"""The benchmark agencies, built once and cached under benchmarks/.cache/."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bwc_desk.domain.roles import Role
from bwc_desk.services import auth
from bwc_desk.services.context import Ctx
from bwc_desk.services.startup import open_database
from bwc_desk.store import bulk, migrate
from bwc_desk.store.db import sqlite_url

CACHE = Path(__file__).with_name(".cache")
PASSWORD = "benchmark password 1"
SIZES = {
    # units, officers, custody events
    "small": (475, 450, 20_000),
    "large": (25_000, 40_000, 2_000_000),
}


@dataclass(frozen=True)
class Agency:
    size: str
    path: Path
    units: int
    officers: int
    events: int

    @property
    def url(self) -> str:
        return sqlite_url(self.path)

    @property
    def home(self) -> Path:
        """The app's folders (BWC_DESK_HOME) for every run on this agency: one station.json,
        so one station id. A new home each run made a new random id, and the station's name,
        registered by the first run, was then refused as another PC's. Its station.json
        names a station of the harness's own, with an id drawn from the agency's file name:
        a home made again (the folder removed, the cache copied) is the same station, and
        a name registered in the database by another home (``vm``, the host's name) does
        not stand in its way."""
        home = self.path.with_name(self.path.name + ".home")
        station = home / "config" / "station.json"
        if not station.exists():
            station.parent.mkdir(parents=True, exist_ok=True)
            ident = uuid.uuid5(uuid.NAMESPACE_URL, f"bwc-desk-benchmarks:{self.path.name}")
            station.write_text(json.dumps(
                {"station_name": f"BENCH-{str(ident)[:8].upper()}", "station_id": str(ident)}
            ))
        return home

    def copy(self, dest: Path) -> Agency:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.path, dest)
        return Agency(self.size, dest, self.units, self.officers, self.events)


def schema_key() -> str:
    """The head revision and a digest of every migration and of the bulk generator: a cached
    agency built by another chain (two branches whose heads share a name) or by another
    generator is never reused."""
    digest = hashlib.sha256()
    versions = Path(migrate.__file__).with_name("migrations") / "versions"
    for source in (*sorted(versions.glob("*.py")), Path(bulk.__file__)):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return f"{migrate.head_revision()}-{digest.hexdigest()[:10]}"


def agency(size: str, log: callable = print) -> Agency:  # type: ignore[valid-type]
    units, officers, events = SIZES[size]
    path = CACHE / f"{size}-{schema_key()}-{units}-{officers}-{events}.sqlite3"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        tmp = path.with_suffix(".building")
        for leftover in CACHE.glob(f"{tmp.name}*"):
            leftover.unlink()
        started = time.perf_counter()
        log(
            f"building the {size} agency ({units:,} units, {officers:,} officers, "
            f"{events:,} events); cached for later runs"
        )
        opened = open_database(sqlite_url(tmp))
        admin = auth.first_run(
            opened.db,
            agency_name=f"Benchmark ({size})",
            station="BENCH-1",
            username="admin",
            password=PASSWORD,
        )
        quinn = auth.add_staff(
            Ctx(opened.db, "BENCH-1", admin), "quinn", Role.QUARTERMASTER, PASSWORD
        )
        auth.mark_password_own(opened.db, quinn.id)  # (the benchmarks sign in as quinn)
        bulk.generate(
            opened.db,
            units=units,
            officers=officers,
            events=events,
            progress=lambda m: log(f"  {m}"),
        )
        opened.db.dispose()
        tmp.rename(path)
        log(f"  built in {time.perf_counter() - started:.0f} s")
    return Agency(size, path, units, officers, events)

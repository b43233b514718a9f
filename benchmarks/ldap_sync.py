"""ldap_sync_40k_s: a full sync of 40,000 officers from a real OpenLDAP server
(scripts/slapd.py, Active-Directory-like entries, ldaps://) into a fresh agency: the paged
search, the plan (the import's rules over the whole roster) and the one transaction that
writes them. Its baseline, ldap_search_40k_s, is the paged search alone (bind, 500 entries a
page, every entry decoded) in the same run, after one untimed search that warms the server's
cache for both: the part the directory's speed decides."""

from __future__ import annotations

import base64
import subprocess
import sys
import time
import uuid
from pathlib import Path

from benchmarks.harness import Figure
from bwc_desk.adapters import directory as adapter
from bwc_desk.domain.directory import parse_settings
from bwc_desk.services import auth, directory_settings, directory_sync
from bwc_desk.services.context import Ctx
from bwc_desk.services.startup import open_database
from bwc_desk.store.db import sqlite_url

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark directory 2026"
PEOPLE = "ou=people,dc=bwc,dc=test"
DIVISIONS = ("Patrol", "Traffic", "Investigations", "K-9", "Harbor")
RANKS = ("Officer", "Officer", "Officer", "Sergeant", "Lieutenant")


def people_ldif(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(count):
            guid = base64.b64encode(uuid.uuid4().bytes).decode()
            fh.write(
                f"dn: cn=user{i:06d},{PEOPLE}\n"
                "objectClass: inetOrgPerson\nobjectClass: bwcADUser\n"
                f"cn: user{i:06d}\nsn: Last{i}\ngivenName: First{i}\n"
                f"sAMAccountName: user{i:06d}\nemployeeID: {i:07d}\n"
                f"title: {RANKS[i % len(RANKS)]}\ndepartment: {DIVISIONS[i % len(DIVISIONS)]}\n"
                f"extensionAttribute1: ID-{i:07d}\n"
                f"userAccountControl: 512\nobjectGUID:: {guid}\n\n"
            )
    return path


def _server(work: Path, count: int) -> tuple[Path, dict[str, str]]:
    folder = work / "slapd"
    ldif = people_ldif(work / "people.ldif", count)
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "slapd.py"), "start", str(folder),
         "--ldif", str(ldif)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"could not start slapd: {done.stderr.strip()}")
    env = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return folder, env


def run(work: Path, count: int = 40_000) -> list[Figure]:
    work.mkdir(parents=True, exist_ok=True)
    folder, env = _server(work, count)
    try:
        settings = {
            "url": env["BWC_TEST_LDAP_URL"], "bind_dn": env["BWC_TEST_LDAP_BIND_DN"],
            "base_dn": PEOPLE, "filter": "(&(objectClass=inetOrgPerson)(employeeID=*))",
            "ca_file": env["BWC_TEST_LDAP_CA"],
            "attribute_map": {"scan_code": "extensionAttribute1"},
        }
        adapter.entries(parse_settings(settings), env["BWC_TEST_LDAP_PASSWORD"])  # warm-up:
        # the server's cache then holds every entry, for the search and the sync alike
        started = time.perf_counter()
        found = adapter.entries(parse_settings(settings), env["BWC_TEST_LDAP_PASSWORD"])
        search_s = time.perf_counter() - started
        if len(found) != count:
            raise RuntimeError(f"the search found {len(found)} entries, not {count}")
        opened = open_database(sqlite_url(work / "agency.sqlite3"))
        try:
            actor = auth.first_run(opened.db, agency_name="Bench PD", station="BENCH",
                                   username="admin", password=PASSWORD)
            ctx = Ctx(opened.db, "BENCH", actor)
            directory_settings.set_directory(ctx, settings, env["BWC_TEST_LDAP_PASSWORD"])
            started = time.perf_counter()
            result = directory_sync.sync_officers(ctx)
            sync_s = time.perf_counter() - started
        finally:
            opened.db.dispose()
        if len(result.preview.added) != count:
            raise RuntimeError(f"the sync added {len(result.preview.added)}, not {count}: "
                               f"{result.preview.skipped[:3]}")
    finally:
        subprocess.run([sys.executable, str(ROOT / "scripts" / "slapd.py"), "stop",
                        str(folder)], check=False)
    return [
        Figure("ldap_search_40k_s", search_s, "s",
               f"Directory: paged search of {count:,} entries (ldaps://, 500 a page)"),
        Figure("ldap_sync_40k_s", sync_s, "s",
               f"Directory sync of {count:,} officers into a fresh agency",
               baseline="ldap_search_40k_s", goal="<= 60"),
    ]

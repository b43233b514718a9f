"""Subcommands of `bwc-desk`. Each prints what it did and exits non-zero on failure."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TextIO

from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Role
from bwc_desk.services import auth, exports, imports
from bwc_desk.services.context import Actor, Ctx
from bwc_desk.services.dto import ImportReport
from bwc_desk.services.selftest import Check, run_self_test
from bwc_desk.services.startup import open_database, resolve_url
from bwc_desk.store import config


def command_line_actor() -> Actor:
    """Whoever runs commands on the station PC, named by their operating-system account."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Actor(None, f"cli:{user}", f"Command line ({user})", Role.ADMIN)


def station_name() -> str:
    return config.load().station_name or config.default_station_name()


def _ctx(args: argparse.Namespace) -> Ctx:
    url = resolve_url(getattr(args, "database", None), getattr(args, "demo", False))
    opened = open_database(url)
    return Ctx(opened.db, station_name(), command_line_actor())


def cmd_self_test(args: argparse.Namespace, out: TextIO) -> int:
    url = resolve_url(getattr(args, "database", None), getattr(args, "demo", False))

    def show(check: Check) -> None:
        print(
            f"[{'OK' if check.ok else 'FAIL'}] {check.name}: {check.detail}", file=out, flush=True
        )

    results = run_self_test(url, show)
    ok = bool(results) and all(c.ok for c in results)
    print("self-test passed" if ok else "self-test FAILED", file=out)
    return 0 if ok else 1


def cmd_users_add(args: argparse.Namespace, out: TextIO) -> int:
    if not args.password_stdin:
        print(
            "error: give the password on standard input with --password-stdin "
            "(never on the command line, where other users can see it)",
            file=sys.stderr,
        )
        return 2
    password = sys.stdin.readline().rstrip("\r\n")
    ctx = _ctx(args)
    try:
        row = auth.add_staff_from_command_line(
            ctx.db, args.name, Role(args.role), password, args.display_name or ""
        )
    finally:
        ctx.db.dispose()
    print(f"created {row.role.value} account {row.username!r}", file=out)
    return 0


def _print_import(report: ImportReport, path: str, out: TextIO) -> int:
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if report.errors:
        print(f"{path}: {len(report.errors)} bad row(s); nothing was imported:", file=sys.stderr)
        for line, reason in report.errors:
            print(f"  line {line}: {reason}", file=sys.stderr)
        return 1
    print(
        f"{path}: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged{'' if report.committed else ' (dry run)'}",
        file=out,
    )
    return 0


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    ctx = _ctx(args)
    try:
        fn = imports.import_officers if args.kind == "officers" else imports.import_units
        report = fn(ctx, args.file, commit=not args.dry_run)
    finally:
        ctx.db.dispose()
    return _print_import(report, args.file, out)


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    ctx = _ctx(args)
    fns = {
        "officers": exports.export_officers,
        "units": exports.export_units,
        "custody": exports.export_custody,
    }
    try:
        n = fns[args.kind](ctx, Path(args.file))
    finally:
        ctx.db.dispose()
    print(f"wrote {n} {args.kind} rows to {args.file}", file=out)
    return 0


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    handler = globals()[args.func]
    try:
        return int(handler(args, out or sys.stdout))
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

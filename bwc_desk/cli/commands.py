"""Subcommands of `bwc-desk`. Each prints what it did and exits non-zero on failure."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from bwc_desk.cli.docks_cmds import (  # noqa: F401  (run() finds commands by name)
    cmd_docks_add,
    cmd_docks_admit,
    cmd_docks_list,
    cmd_docks_remove,
    cmd_docks_token,
)
from bwc_desk.cli.signer import command_line_actor, signed_ctx, station_name
from bwc_desk.cli.station import cmd_station_config  # noqa: F401 (dispatched by name)
from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Permission
from bwc_desk.services import audit, backups, exports, imports, stations
from bwc_desk.services.context import Actor
from bwc_desk.services.dto import ImportReport
from bwc_desk.services.selftest import Check, run_self_test
from bwc_desk.services.startup import (
    file_damage,
    require_demo_built,
    resolve_url,
    sqlite_file,
    verify_database,
)
from bwc_desk.services.stations import station_info
from bwc_desk.services.verify import VerifyResult, result_json


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
    from bwc_desk.cli import users_cmds

    return users_cmds.cmd_users_add(args, out)


def cmd_users_change(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli import users_cmds

    return users_cmds.cmd_users_change(args, out)


def cmd_users_unlock(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli import users_cmds

    return users_cmds.cmd_users_unlock(args, out)


def cmd_users_password(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli import users_cmds

    return users_cmds.cmd_users_password(args, out)


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
    for line, read in report.dates_read:  # (how a date not written as ISO was read)
        print(f"  line {line}: {'; '.join(read)}", file=out)
    return 0


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    ctx = signed_ctx(args)
    try:
        fn = imports.import_officers if args.kind == "officers" else imports.import_units
        report = fn(ctx, args.file, commit=not args.dry_run)
    finally:
        ctx.close()
    return _print_import(report, args.file, out)


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    if args.kind == "evidence":
        return cmd_export_evidence(args, out)
    if args.unit or args.officer or args.date_from or args.date_to:
        raise DomainError("--unit, --officer, --from and --to belong to "
                          "`bwc-desk export evidence`.")
    ctx = signed_ctx(args)
    fns = {
        "officers": exports.export_officers,
        "units": exports.export_units,
        "custody": exports.export_custody,
        "audit": audit.export_audit,
    }
    try:
        n = fns[args.kind](ctx, Path(args.file))
    finally:
        ctx.close()
    print(f"wrote {n} {args.kind} rows to {args.file}", file=out)
    return 0


def _parse_head(text: str | None, option: str = "--expect-custody") -> tuple[int, str] | None:
    if not text:
        return None
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise DomainError(
            f"{option} takes SEQ:HASH as printed by Verify records, e.g. "
            "1234:3f5a...(64 hex digits)"
        )
    return int(seq), digest.lower()


def cmd_verify(args: argparse.Namespace, out: TextIO) -> int:
    # Read-only: a backup or a copy can be checked without changing it (its SHA-256 stays).
    if getattr(args, "json", False):
        return _verify_json(args, out)
    result = _verify(args)
    for line in result.lines():
        print(line, file=out)
    # What was proven, and what was not (the same words as Verify records).
    print("", file=out)
    for line in result.verdict():
        print(line, file=out)
    return 0 if result.ok else 1


def _verify(args: argparse.Namespace) -> VerifyResult:
    url = resolve_url(getattr(args, "database", None), getattr(args, "demo", False))
    return verify_database(
        url,
        _parse_head(args.expect_custody),
        _parse_head(args.expect_audit, "--expect-audit"),
        Path(args.anchors) if args.anchors else None,
    )


def _verify_json(args: argparse.Namespace, out: TextIO) -> int:
    """One JSON object on standard output, whatever happens (the app's daily run reads it):
    a verification that could not run is a verdict too ("error"), never a traceback."""
    import json
    import traceback

    try:
        result = _verify(args)
    except Exception as exc:  # (any: the reader gets a verdict)
        if not isinstance(exc, (DomainError, OSError)):
            traceback.print_exc(file=sys.stderr)
        body = {"verdict": "error", "headline": f"Verification could not run: {exc}",
                "first_problem": None}
        print(json.dumps(body), file=out)
        return 2
    print(json.dumps(result_json(result)), file=out)
    return 0 if result.ok else 1


def cmd_backup(args: argparse.Namespace, out: TextIO) -> int:
    ctx = signed_ctx(args)
    try:
        info = backups.backup_now(ctx, Path(args.dest) if args.dest else None)
    finally:
        ctx.close()
    print(
        f"backed up to {info.path} ({info.size:,} bytes, integrity {info.integrity}, "
        f"SHA-256 {info.sha256})",
        file=out,
    )
    return 0


def cmd_restore(args: argparse.Namespace, out: TextIO) -> int:
    url = resolve_url(getattr(args, "database", None), getattr(args, "demo", False))
    path = sqlite_file(url)  # None on PostgreSQL, which restore_at refuses
    if path is not None and instance_running(path):
        print(f"error: BWC Desk is running on {path}; close it first.", file=sys.stderr)
        return 1
    check, kept, where = backups.restore_at(
        url, Path(args.file) if args.file else None, station_name(args),
        _restorer(args, path)
    )
    print(f"checked {check.path}: integrity {check.integrity}; {check.custody}; {check.audit}",
          file=out)
    if kept.reason == "damaged":
        print(f"the damaged database ({kept.integrity}) was moved aside to {kept.path}",
              file=out)
    elif kept.reason == "before-restore":
        print(f"the previous database was kept as {kept.path}", file=out)
    print(f"restored {check.path} into {where}", file=out)
    return 0


def _restorer(args: argparse.Namespace, path: Path | None) -> Actor:
    """Who restores: the administrator of --as, signed in to the current database. A
    missing or damaged one is not read at all (nobody can sign in to it): the restore is
    then recorded under the operating-system account, as the app records its own recovery."""
    if path is None or not path.exists() or file_damage(path) is not None:
        return command_line_actor()  # (on PostgreSQL restore_at refuses)
    ctx = signed_ctx(args)
    try:
        return ctx.require(Permission.RESTORE, "restore backups")
    finally:
        ctx.close()


def cmd_grant_app_role(args: argparse.Namespace, out: TextIO) -> int:
    # The database owner's set-up of a PostgreSQL server, before any station runs: no staff
    # member to sign in; it grants rights and writes no records.
    ctx = signed_ctx(args, sign_in=False)
    info = station_info(ctx)
    try:
        if not info.is_postgresql:
            print("error: grant-app-role is for a PostgreSQL database (--database "
                  "postgresql+psycopg://owner@host/db)", file=sys.stderr)
            return 2
        for statement in stations.grant_station_role(ctx, args.role):
            print(statement, file=out)
    finally:
        ctx.close()
    print(f"{args.role} may now run BWC Desk stations on {info.database}", file=out)
    return 0


def instance_running(db_path: Path) -> bool:
    """Whether the GUI holds its lock on this database (a Qt lock file: pid, app, host)."""
    lock = Path(f"{db_path}.lock")
    if not lock.exists():
        return False
    try:
        pid = int(lock.read_text(encoding="utf-8", errors="replace").splitlines()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        import os

        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


from bwc_desk.cli.evidence_cmds import (  # noqa: E402  (handlers are looked up by name)
    cmd_export_evidence,
    cmd_verify_export,
)
from bwc_desk.cli.keys_cmds import (  # noqa: E402  (handlers are looked up by name)
    cmd_anchor,
    cmd_keys_init_root,
    cmd_keys_list,
    cmd_keys_new,
    cmd_keys_register,
    cmd_keys_revoke,
    cmd_keys_show,
)

__all__ = ["cmd_anchor", "cmd_export_evidence", "cmd_keys_init_root", "cmd_keys_list",
           "cmd_keys_new",
           "cmd_keys_register", "cmd_keys_revoke", "cmd_keys_show", "cmd_verify_export"]


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from bwc_desk.cli import reports
    from bwc_desk.cli.directory import cmd_settings_directory, cmd_sync_officers
    from bwc_desk.cli.settings_cmds import cmd_settings_shifts
    from bwc_desk.cli.syslog import cmd_settings_syslog

    handler = {
        "cmd_settings_shifts": cmd_settings_shifts,
        "cmd_settings_syslog": cmd_settings_syslog,
        "cmd_settings_directory": cmd_settings_directory,
        "cmd_sync_officers": cmd_sync_officers,
    }.get(args.func) or getattr(reports, args.func, None) or globals()[args.func]
    try:
        if getattr(args, "demo", False):
            require_demo_built()  # (else opening it would make an empty one)
        return int(handler(args, out or sys.stdout))
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file or folder named on the command line: said, not a crash
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1

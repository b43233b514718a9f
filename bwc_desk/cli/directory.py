"""`bwc-desk settings directory [set ... | test]` and `bwc-desk sync officers [--dry-run]
[--yes]`: the directory the officers come from, for IT's scripts (docs/directory.md).
Services are imported when a command runs, so that parsing stays cheap."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from bwc_desk.cli.signer import add_signer_options

if TYPE_CHECKING:
    from bwc_desk.services.directory_settings import DirectoryConfig
    from bwc_desk.services.directory_sync import OfficerChange, SyncPreview

SHOWN = 50  # lines per section of a preview, unless --all
EXIT_NEEDS_CONFIRMATION = 3


def add_directory_settings_command(
    settings_sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    p = settings_sub.add_parser(
        "directory",
        parents=[common],
        help="show the directory officers come from; 'set' changes it, 'test' binds and counts",
        description="Without an action: show the directory settings (never the password). "
        "'set' changes the ones given (the others stay), by the administrator of --as "
        "USERNAME; with --password-stdin standard input gives their password on its first "
        "line and a new bind password, if any, on the second, kept in this PC's keyring, "
        "or where there is none in a file only its owner can read in the config folder; "
        "never in the database. 'test' binds and counts the entries the filter matches. "
        "Administrators only; changes are recorded in the audit log.",
    )
    p.add_argument("action", nargs="?", choices=["set", "test"])
    p.add_argument("--url", help="ldaps://HOST[:PORT] (TLS) or ldap://HOST[:PORT] (StartTLS)")
    p.add_argument("--bind-dn", help="the service account's DN")
    p.add_argument("--base-dn", help="where to search for officers")
    p.add_argument("--filter", help="LDAP filter of the officers' entries")
    p.add_argument("--map", action="append", default=[], metavar="FIELD=ATTRIBUTE",
                   help="officer field from an attribute: badge, last_name, first_name, rank, "
                   "division, shift, scan_code (repeat; empty ATTRIBUTE: not from the "
                   "directory)")
    p.add_argument("--group", action="append", default=[], metavar="ROLE=GROUP",
                   help="staff role from a group: quartermaster, supervisor, admin, auditor "
                   "(repeat)")
    p.add_argument("--user-attribute", help="what staff sign in with (sAMAccountName, uid)")
    p.add_argument("--staff-base-dn", help="where staff accounts are (default: the base DN)")
    p.add_argument("--schedule", type=int, metavar="MINUTES",
                   help="sync every MINUTES (0: only by hand)")
    p.add_argument("--max-deactivate", type=int, metavar="PERCENT",
                   help="a sync that would deactivate more than this share stops and asks")
    p.add_argument("--ca-file", help="PEM file of the CA that signed the server's certificate")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the passwords from standard input, one a line: the signer's "
                        "(--as) first, then, with 'set', the new bind password if it changes")
    add_signer_options(p, needed=False, password_stdin=False)
    p.set_defaults(func="cmd_settings_directory")


def add_sync_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    sync = sub.add_parser("sync", help="bring the roster in line with the directory")
    sync_sub = sync.add_subparsers(dest="sync_command", required=True)
    p = sync_sub.add_parser(
        "officers",
        parents=[common],
        help="sync the officers from the directory (--dry-run: only the preview)",
        description="Read the directory and show what changes: officers added, changed "
        "(field by field), deactivated (disabled accounts, entries gone from the filter; "
        "officers who still hold a camera are flagged), entries skipped and why. Then apply "
        "it in one transaction, recorded in the audit log. A sync that would deactivate "
        "more than the set share of officers stops (exit code 3) unless --yes.",
    )
    p.add_argument("--dry-run", action="store_true", help="show the preview, change nothing")
    p.add_argument("--yes", action="store_true",
                   help="go ahead even when more officers than the set share are deactivated")
    p.add_argument("--all", action="store_true", help="list every officer, not the first 50")
    add_signer_options(p)
    p.set_defaults(func="cmd_sync_officers")


def _pairs(values: Sequence[str], option: str) -> dict[str, str]:
    from bwc_desk.domain.errors import ValidationError

    pairs: dict[str, str] = {}
    for value in values:
        name, sep, attr = value.partition("=")
        if not sep or not name.strip():
            raise ValidationError(f"{option} {value!r}: write NAME=VALUE, e.g. {option} "
                                  + ("badge=employeeID" if option == "--map"
                                     else "admin=BWC-Admins"))
        pairs[name.strip()] = attr.strip()
    return pairs


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for option, key in (("url", "url"), ("bind_dn", "bind_dn"), ("base_dn", "base_dn"),
                        ("filter", "filter"), ("user_attribute", "user_attribute"),
                        ("staff_base_dn", "staff_base_dn"),
                        ("schedule", "schedule_minutes"),
                        ("max_deactivate", "max_deactivate_pct"), ("ca_file", "ca_file")):
        value = getattr(args, option)
        if value is not None:
            changes[key] = value
    if args.map:
        changes["attribute_map"] = _pairs(args.map, "--map")
    if args.group:
        changes["group_roles"] = _pairs(args.group, "--group")
    return changes


def _read_bind_password() -> str | None:
    """The line after the signer's password: the new bind password; none (standard input
    ends, or the line is empty): the bind password stays as it is."""
    return sys.stdin.readline().rstrip("\r\n") or None


def _show(config: DirectoryConfig, out: TextIO) -> None:
    s = config.settings
    if not s.configured:
        print("The directory is not set (bwc-desk settings directory set --url ... "
              "--as ADMIN).", file=out)
    rows = [("URL", s.url or "-"), ("Bind DN", s.bind_dn or "-"), ("Base DN", s.base_dn or "-"),
            ("Filter", s.filter), ("User name attribute", s.user_attribute),
            ("Staff base DN", s.staff_base_dn or "the base DN"),
            ("Bind password", f"set, in {config.password_where}" if config.password_set
             else "not set on this station"),
            ("CA file", s.ca_file or "the system's CAs"),
            ("Sync every", f"{s.schedule_minutes} minutes" if s.schedule_minutes
             else "only by hand"),
            ("Stop above", f"{s.max_deactivate_pct} % of officers deactivated")]
    rows += [(f"  {name}", attr or "(not from the directory)") for name, attr in s.attribute_map]
    rows += [(f"  role {role}", group or "-") for role, group in s.group_roles]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}", file=out)


def cmd_settings_directory(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli.signer import signed_ctx
    from bwc_desk.services import directory_settings, directory_sync

    changes = _changes(args)
    if args.action != "set" and (changes or (args.password_stdin and not args.as_user)):
        print("error: the options go with 'set': bwc-desk settings directory set --url ... "
              "--as ADMIN",
              file=sys.stderr)
        return 2
    if args.action == "set" and not changes and not args.password_stdin:
        print("error: say what to set, e.g. --url ldaps://dc1.agency.local", file=sys.stderr)
        return 2
    # One line each on standard input: the signer's password first, then the bind password.
    ctx = signed_ctx(args, sign_in=args.action == "set")
    try:
        password = (_read_bind_password() if args.password_stdin and args.action == "set"
                    else None)
        if args.action == "set":
            config = directory_settings.set_directory(ctx, changes, password)
            print("The directory settings are changed (every station):", file=out)
        elif args.action == "test":
            count = directory_sync.check_directory(ctx)
            print(f"Bound to the directory; the filter matches {count} entries.", file=out)
            return 0
        else:
            config = directory_settings.directory_config(ctx)
    finally:
        ctx.close()
    _show(config, out)
    return 0


def _line(change: OfficerChange) -> str:
    text = f"{change.badge:<10} {change.name}"
    if change.changes and change.officer_id is not None:
        text += ": " + "; ".join(f"{c.field} {c.old or '-'} -> {c.new}" for c in change.changes)
    if change.why:
        text += f" ({change.why})"
    if change.holding:
        text += f"  STILL HOLDS {', '.join(change.holding)}: tell a supervisor"
    return text


def print_preview(preview: SyncPreview, out: TextIO, everything: bool = False) -> None:
    print(preview.summary(), file=out)
    sections: list[tuple[str, str, Sequence[Any]]] = [
        ("Added", "+", preview.added), ("Changed", "~", preview.changed),
        ("Deactivated", "-", preview.deactivated)]
    for title, mark, items in sections:
        if not items:
            continue
        print(f"{title} ({len(items)}):", file=out)
        for change in items if everything else items[:SHOWN]:
            print(f"  {mark} {_line(change)}", file=out)
        if not everything and len(items) > SHOWN:
            print(f"  ... and {len(items) - SHOWN} more (--all lists them)", file=out)
    if preview.skipped:
        print(f"Skipped ({len(preview.skipped)}):", file=out)
        for problem in preview.skipped if everything else preview.skipped[:SHOWN]:
            print(f"  ! {problem.dn}: {problem.message}", file=out)
        if not everything and len(preview.skipped) > SHOWN:
            print(f"  ... and {len(preview.skipped) - SHOWN} more (--all lists them)", file=out)
    if preview.left_alone:
        print(f"{preview.left_alone} active officer(s) not from the directory are left alone.",
              file=out)


def cmd_sync_officers(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli.signer import signed_ctx
    from bwc_desk.services import directory_sync

    ctx = signed_ctx(args)
    try:
        try:
            result = directory_sync.sync_officers(ctx, dry_run=args.dry_run, confirm=args.yes)
        except directory_sync.SyncNeedsConfirmation as stop:
            print_preview(stop.preview, out, args.all)
            print(f"error: {stop}", file=sys.stderr)
            return EXIT_NEEDS_CONFIRMATION
    finally:
        ctx.close()
    print_preview(result.preview, out, args.all)
    print("Dry run: nothing was changed." if not result.applied
          else "The roster is in line with the directory.", file=out)
    return 0

"""`bwc-desk settings shifts [set FILE.csv]`: the agency's shifts from the command line.

The grammar is here too, so that parser.py and commands.py only register it. Importing this
module stays cheap (the GUI parses its options with the same parser): services are imported
when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from bwc_desk.cli.signer import add_signer_options

if TYPE_CHECKING:
    from bwc_desk.domain.shifts import ShiftSpec


def add_settings_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    settings = sub.add_parser("settings", help="agency settings shared by every station")
    settings_sub = settings.add_subparsers(dest="settings_command", required=True)
    p = settings_sub.add_parser(
        "shifts",
        parents=[common],
        help="show the agency's shifts; 'set FILE.csv' replaces them (name,start,hours)",
        description="Without an action: print the agency's shifts. 'set FILE.csv' replaces "
        "them all from a CSV file with the columns name,start,hours (start HH:MM local time, "
        "hours up to 12; shifts may overlap), all or nothing: every bad line is named. A "
        "shift that active officers or a pool are on cannot be removed. Administrators only; "
        "recorded in the audit log.",
    )
    p.add_argument("action", nargs="?", choices=["set"], help="replace the shifts from FILE")
    p.add_argument("file", nargs="?", help="CSV file: name,start,hours")
    add_signer_options(p, needed=False)
    p.set_defaults(func="cmd_settings_shifts")
    from bwc_desk.cli.syslog import add_syslog_command

    add_syslog_command(settings_sub, common)
    from bwc_desk.cli.directory import add_directory_settings_command

    add_directory_settings_command(settings_sub, common)


def _print_shifts(shifts: Sequence[ShiftSpec], out: TextIO) -> None:
    rows = [("Name", "Start", "Hours", "Ends")] + [
        (s.name, f"{s.starts:%H:%M}", s.hours_text(), f"{s.ends:%H:%M}") for s in shifts
    ]
    width = max(len(r[0]) for r in rows)
    for name, start, hours, ends in rows:
        print(f"{name:<{width}}  {start:<5}  {hours:>5}  {ends}", file=out)


def cmd_settings_shifts(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli.signer import signed_ctx
    from bwc_desk.domain.shifts import ShiftTableError
    from bwc_desk.services import settings

    if args.action == "set" and not args.file:
        print("error: give the CSV file: bwc-desk settings shifts set FILE.csv --as ADMIN",
              file=sys.stderr)
        return 2
    ctx = signed_ctx(args, sign_in=args.action == "set")
    try:
        if args.action == "set":
            notes: list[str] = []
            try:
                shifts = settings.replace_shifts_from_csv(ctx, args.file, notes)
            except ShiftTableError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            read = f" ({'; '.join(notes)})" if notes else ""
            print(
                f"{args.file}{read}: the agency now has {len(shifts)} shift"
                f"{'s' if len(shifts) != 1 else ''} (for cameras issued from now on):",
                file=out,
            )
        else:
            shifts = tuple(settings.list_shifts(ctx))
    finally:
        ctx.close()
    _print_shifts(shifts, out)
    return 0

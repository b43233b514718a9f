"""`bwc-desk`: the GUI by default; subcommands for scripted set-up and checks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

# The options of the application itself (no command): with only these, the command line's
# parser (and every module of the commands) is not needed to start the window.
GUI_FLAGS = ("--demo", "--sign-in-stdin", "--exit-when-idle")


def gui_only(args: Sequence[str]) -> bool:
    """True when `args` start the application: only its own options, no command, no help."""
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--database" and rest:
            rest.pop(0)
        elif not (arg in GUI_FLAGS or arg.startswith("--database=")):
            return False
    return True


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    from bwc_desk import __version__

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="database URL (postgresql+psycopg://user@host/db) or SQLite file "
        "path; default: BWC_DESK_DATABASE_URL, the station config, or "
        "the file in the user data folder",
    )
    common.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help="use the demo agency's own database, as the demo's own station "
        "(EVIDENCE-DESK-1, as the application does with --demo), not this PC's "
        "station name",
    )
    parser = argparse.ArgumentParser(
        prog="bwc-desk",
        parents=[common],
        description="BWC Desk: body-worn camera custody for evidence rooms. "
        "Without a command it starts the application.",
    )
    parser.add_argument("--version", action="version", version=f"BWC Desk {__version__}")
    parser.add_argument("--sign-in-stdin", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--exit-when-idle", action="store_true", help=argparse.SUPPRESS)
    if not commands:
        return parser
    from bwc_desk.cli.parser import add_commands

    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_commands(sub, common)
    return parser


def _command_at(argv: list[str]) -> int:
    """Where the command stands: after the global options (--database URL, --demo)."""
    at = 0
    while at < len(argv):
        if argv[at] == "--database":
            at += 2
        elif argv[at].startswith("--database=") or argv[at] == "--demo":
            at += 1
        else:
            break
    return at


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    at = _command_at(args_list)
    if args_list[at:at + 1] == ["dock-sim"]:
        # The simulator has its own options (--docks, --bays, --speed...): hand them over.
        # (It talks to a running BWC Desk, not to a database: --database is not its own.)
        from bwc_desk.cli.docks_cmds import dock_sim

        return dock_sim(args_list[at + 1:])
    parser = build_parser(commands=not gui_only(args_list))
    args = parser.parse_args(args_list)
    if getattr(args, "command", None):
        from bwc_desk.cli.commands import run

        return run(args)
    from bwc_desk.app import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())

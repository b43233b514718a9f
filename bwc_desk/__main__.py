"""`bwc-desk`: the GUI by default; subcommands for scripted set-up and checks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    from bwc_desk import __version__
    from bwc_desk.cli.parser import add_commands

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
        help="use the demo agency's own database",
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_commands(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["dock-sim"]:
        # The simulator has its own options (--docks, --bays, --speed...): hand them over.
        from bwc_desk.cli.docks_cmds import dock_sim

        return dock_sim(args_list[1:])
    parser = build_parser()
    args = parser.parse_args(args_list)
    if getattr(args, "command", None):
        from bwc_desk.cli.commands import run

        return run(args)
    from bwc_desk.app import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())

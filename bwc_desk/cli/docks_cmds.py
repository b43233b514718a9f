"""`bwc-desk docks ...`: register, list and remove docks, open the admit window, and show or
change this station's dock token. The grammar is here too (``add_dock_commands``); the
services are imported only when a command runs."""

from __future__ import annotations

import argparse
from typing import TextIO

from bwc_desk.cli.signer import add_signer_options


def add_dock_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    docks = sub.add_parser("docks", help="register the docks that may report to BWC Desk")
    docks_sub = docks.add_subparsers(dest="docks_command", required=True)
    p = docks_sub.add_parser("add", parents=[common], help="register a dock")
    p.add_argument("name", help="the dock's name, exactly as it says it in its hello")
    p.add_argument("--bays", type=int, required=True, help="how many bays it has (1-64)")
    p.add_argument("--location", default="", help="where it stands, for the staff")
    add_signer_options(p)
    p.set_defaults(func="cmd_docks_add")
    p = docks_sub.add_parser("list", parents=[common], help="list the registered docks")
    p.set_defaults(func="cmd_docks_list")
    p = docks_sub.add_parser("remove", parents=[common], help="unregister a dock")
    p.add_argument("name")
    p.add_argument(
        "--force",
        action="store_true",
        help="remove it although it reports cameras (a broken dock): they are recorded as undocked",
    )
    add_signer_options(p)
    p.set_defaults(func="cmd_docks_remove")
    p = docks_sub.add_parser(
        "admit", parents=[common], help="for a few minutes, register docks that say hello"
    )
    p.add_argument("--minutes", type=int, default=5, help="how long (1-30, default 5)")
    p.add_argument("--close", action="store_true", help="close the window now")
    add_signer_options(p)
    p.set_defaults(func="cmd_docks_admit")
    p = docks_sub.add_parser("token", help="show or change this station's dock token")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--new", action="store_true", help="make a new random token")
    group.add_argument(
        "--off-on-loopback",
        action="store_true",
        help="let docks on this PC (127.0.0.1) report without the token",
    )
    group.add_argument(
        "--require", action="store_true", help="require the token, on loopback too (default)"
    )
    p.set_defaults(func="cmd_docks_token")


def dock_sim(argv: list[str]) -> int:
    """`bwc-desk dock-sim`: the simulator, sending this PC's dock token unless told another."""
    from bwc_desk.adapters.dockfeed.simulator import main as simulate
    from bwc_desk.store import config

    return simulate(argv, default_token=config.load().dock_token)


def cmd_docks_add(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli.signer import signed_ctx
    from bwc_desk.services import dock_registry

    ctx = signed_ctx(args)
    try:
        info = dock_registry.add_dock(ctx, args.name, args.bays, args.location)
    finally:
        ctx.close()
    print(f"registered {info.name} ({info.bays} bays)", file=out)
    return 0


def cmd_docks_list(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli.signer import signed_ctx
    from bwc_desk.services import dock_registry

    ctx = signed_ctx(args, sign_in=False)
    try:
        docks = dock_registry.list_docks(ctx)
        window = dock_registry.admission(ctx)
    finally:
        ctx.close()
    if not docks:
        print("no docks are registered", file=out)
    for d in docks:
        seen = f"{d.last_seen_at:%Y-%m-%d %H:%M:%S} UTC" if d.last_seen_at else "never"
        where = f", {d.location}" if d.location else ""
        print(f"{d.name}\t{d.bays} bays\t{d.cameras} cameras\tlast report {seen}{where}", file=out)
    if window is not None:
        print(f"admitting new docks until {window.until:%H:%M:%S} UTC", file=out)
    return 0


def cmd_docks_remove(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli.signer import signed_ctx
    from bwc_desk.services import dock_registry

    ctx = signed_ctx(args)
    try:
        info = dock_registry.remove_dock(ctx, args.name, force=args.force)
    finally:
        ctx.close()
    extra = f"; {info.cameras} camera(s) recorded as undocked" if info.cameras else ""
    print(f"removed {info.name}{extra}", file=out)
    return 0


def cmd_docks_admit(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli.signer import signed_ctx
    from bwc_desk.services import dock_registry

    ctx = signed_ctx(args)
    try:
        if args.close:
            dock_registry.close_admission(ctx)
            print("no new docks are admitted", file=out)
            return 0
        window = dock_registry.open_admission(ctx, args.minutes)
    finally:
        ctx.close()
    print(
        f"docks that say hello with the right token until {window.until:%H:%M:%S} UTC are "
        f"registered (at most {window.left})",
        file=out,
    )
    return 0


def cmd_docks_token(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.store import config

    station = config.ensure_dock_token()
    if args.new:
        station = config.ensure_dock_token(new=True)
    elif args.off_on_loopback or args.require:
        station = station.with_changes(dock_token_required=bool(args.require))
        config.save(station)
    print(f"dock token: {station.dock_token}", file=out)
    print(
        "required from every dock"
        if station.dock_token_required
        else "docks on this PC (loopback) may leave it out; docks elsewhere must send it",
        file=out,
    )
    print("restart BWC Desk for a change to take effect", file=out)
    return 0

"""`bwc-desk settings syslog [set --host H --port P [--tls [--ca FILE]] | off]`: the agency's
syslog server for signed checkpoints (services/syslog_forward.py). Services are imported
when the command runs, so that parsing stays cheap."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from bwc_desk.cli.signer import add_signer_options


def add_syslog_command(
    settings_sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    p = settings_sub.add_parser(
        "syslog",
        parents=[common],
        help="show the agency's syslog server for signed checkpoints; 'set' or 'off'",
        description="Without an action: show where signed checkpoints are sent (RFC 5424 over "
        "TCP, TLS when set). 'set --host H --port P [--tls [--ca FILE]]' turns forwarding on "
        "for every station of the agency; 'off' turns it off. Administrators only; recorded "
        "in the audit log.",
    )
    p.add_argument("action", nargs="?", choices=["set", "off"])
    p.add_argument("--host", help="the syslog server's name or address")
    p.add_argument("--port", type=int, help="its TCP port (6514 for TLS, often 514 without)")
    p.add_argument("--tls", action="store_true", help="connect with TLS (RFC 5425)")
    p.add_argument(
        "--ca",
        metavar="FILE",
        help="PEM file of the CA that signed the server's certificate "
        "(default: the system's CAs); stored in the database for every station",
    )
    add_signer_options(p, needed=False)
    p.set_defaults(func="cmd_settings_syslog")


def cmd_settings_syslog(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli.signer import signed_ctx
    from bwc_desk.services import syslog_forward

    if args.action == "set" and not args.host:
        print(
            "error: give the server: bwc-desk settings syslog set --host H --port P "
            "--as ADMIN",
            file=sys.stderr,
        )
        return 2
    if args.action != "set" and (args.host or args.port or args.tls or args.ca):
        print("error: --host, --port, --tls and --ca go with 'set'", file=sys.stderr)
        return 2
    ca_pem = ""
    if args.ca:
        try:
            ca_pem = Path(args.ca).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"error: cannot read the CA file {args.ca}: {exc}", file=sys.stderr)
            return 1
    ctx = signed_ctx(args, sign_in=args.action in ("set", "off"))
    try:
        if args.action == "set":
            port = args.port or (syslog_forward.DEFAULT_PORT if args.tls else 514)
            target = syslog_forward.set_syslog(ctx, args.host, port, args.tls, ca_pem)
            print("Signed checkpoints now go to this syslog server (every station):", file=out)
        elif args.action == "off":
            syslog_forward.syslog_off(ctx)
            print("Syslog forwarding of checkpoints is off.", file=out)
            return 0
        else:
            found = syslog_forward.syslog_target(ctx)
            if found is None:
                print("Syslog forwarding of checkpoints is off.", file=out)
                return 0
            target = found
    finally:
        ctx.close()
    print(f"  {target.describe()}", file=out)
    if target.tls:
        fp = syslog_forward.ca_fingerprint(target.ca_pem)
        print(f"  CA: {'stored, SHA-256 ' + fp if fp else 'the system CAs'}", file=out)
    return 0

"""`bwc-desk report NAME ... --out FILE.pdf|FILE.csv` and `bwc-desk batches add|list|assign`.

The grammar is here too, so that parser.py and commands.py only register it; importing this
module stays cheap (services are imported when a command runs).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TextIO

from bwc_desk.cli.signer import add_signer_options

REPORT_NAMES = ("compliance", "fleet", "utilization", "lifecycle", "annual")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-24") from None


def add_report_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "report", parents=[common],
        help="a report as PDF (tables, charts, ledger heads) or CSV: "
             + ", ".join(REPORT_NAMES),
        description="compliance: per day and shift; fleet: battery, firmware, failures and "
        "repairs, warranties; utilization: hours out, idle cameras, spares; lifecycle: "
        "purchase batches, cost, replacement; annual: the year in figures (default: last "
        "year). Dates are local days of the agency, inclusive. Recorded in the audit log.",
    )
    p.add_argument("name", choices=REPORT_NAMES)
    p.add_argument("--from", dest="date_from", type=_day, metavar="DATE")
    p.add_argument("--to", dest="date_to", type=_day, metavar="DATE")
    p.add_argument("--shift", metavar="NAME", help="compliance: one shift only")
    p.add_argument("--idle-days", type=int, default=30, metavar="N",
                   help="utilization: cameras not issued for N days (default 30)")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="FILE.pdf, or FILE.csv (one more FILE-<table>.csv per further table)")
    add_signer_options(p)
    p.set_defaults(func="cmd_report")

    batches = sub.add_parser("batches", help="purchase batches of cameras (cost, licence, "
                                             "service life, warranty)")
    bsub = batches.add_subparsers(dest="batches_command", required=True)
    p = bsub.add_parser("list", parents=[common], help="the purchase batches")
    p.set_defaults(func="cmd_batches_list")
    p = bsub.add_parser("add", parents=[common], help="add a purchase batch")
    p.add_argument("name", help="e.g. '2019 lot'")
    p.add_argument("--purchased", type=_day, required=True, metavar="DATE")
    p.add_argument("--count", type=int, required=True, help="cameras bought")
    p.add_argument("--unit-cost", required=True, metavar="AMOUNT", help="e.g. 899.00")
    p.add_argument("--licence-cost", default="0", metavar="AMOUNT",
                   help="yearly licence per camera")
    p.add_argument("--currency", default="USD")
    p.add_argument("--service-years", type=int, default=5)
    p.add_argument("--warranty-months", type=int, default=12)
    add_signer_options(p)
    p.set_defaults(func="cmd_batches_add")
    p = bsub.add_parser("assign", parents=[common], help="put cameras in a batch")
    p.add_argument("name", help="the batch")
    p.add_argument("tags", nargs="+", metavar="TAG", help="asset tags")
    add_signer_options(p)
    p.set_defaults(func="cmd_batches_assign")


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli.signer import signed_ctx
    from bwc_desk.services.reports import ReportRequest, write_report

    ctx = signed_ctx(args)
    try:
        result, files = write_report(
            ctx,
            ReportRequest(args.name, args.date_from, args.date_to, args.shift, args.idle_days),
            Path(args.out),
        )
    finally:
        ctx.close()
    print(f"{result.title}, {result.period}: wrote {', '.join(str(f) for f in files)}",
          file=out)
    print(result.footer, file=out)
    return 0


def cmd_batches_list(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli.signer import signed_ctx
    from bwc_desk.services.batches import list_batches

    ctx = signed_ctx(args, sign_in=False)
    try:
        rows = list_batches(ctx)
    finally:
        ctx.close()
    if not rows:
        print("no purchase batches yet: bwc-desk batches add NAME --purchased DATE --count N "
              "--unit-cost AMOUNT --as ADMIN", file=out)
    for b in rows:
        print(f"{b.name}: bought {b.purchased_on} {b.count} at {b.unit_cost_cents / 100:,.2f} "
              f"{b.currency} (licence {b.licence_cost_cents / 100:,.2f}/year), "
              f"{b.service_years} years' service, {b.warranty_months} months' warranty; "
              f"{b.units} cameras in the inventory", file=out)
    return 0


def cmd_batches_add(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli.signer import signed_ctx
    from bwc_desk.services.batches import BatchInput, add_batch, parse_money

    unit_cost = parse_money(args.unit_cost, "--unit-cost")
    licence = parse_money(args.licence_cost, "--licence-cost")
    ctx = signed_ctx(args)
    try:
        row = add_batch(ctx, BatchInput(args.name, args.purchased, args.count, unit_cost,
                                        licence, args.currency, args.service_years,
                                        args.warranty_months))
    finally:
        ctx.close()
    print(f"added batch {row.name} ({row.count} cameras bought {row.purchased_on})", file=out)
    return 0


def cmd_batches_assign(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.cli.signer import signed_ctx
    from bwc_desk.services.batches import assign_units

    ctx = signed_ctx(args)
    try:
        n = assign_units(ctx, args.name, args.tags)
    finally:
        ctx.close()
    print(f"{n} cameras put in batch {args.name}", file=out)
    return 0

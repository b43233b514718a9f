"""Command-line grammar of the evidence export (`export evidence`, `verify-export`). Light:
imported by the parser on every start."""

from __future__ import annotations

import argparse
from datetime import date


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-24") from None


def add_evidence_options(p: argparse.ArgumentParser) -> None:
    """On `bwc-desk export`: `export evidence (--unit TAG | --officer BADGE) [--from DATE]
    [--to DATE] DIR`."""
    g = p.add_argument_group("export evidence (FILE is then a new or empty folder)")
    who = g.add_mutually_exclusive_group()
    who.add_argument("--unit", metavar="TAG", help="the camera's asset tag")
    who.add_argument("--officer", metavar="BADGE", help="the officer's badge")
    g.add_argument("--from", dest="date_from", type=_day, metavar="DATE",
                   help="first day (local date, YYYY-MM-DD)")
    g.add_argument("--to", dest="date_to", type=_day, metavar="DATE",
                   help="last day, included (local date, YYYY-MM-DD)")


def add_evidence_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser("verify-export", parents=[common],
                       help="check an evidence export folder: every file against the signed "
                            "manifest, every record's hash, the links to the signed checkpoint")
    p.add_argument("folder")
    p.set_defaults(func="cmd_verify_export")

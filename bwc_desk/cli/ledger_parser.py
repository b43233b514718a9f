"""Command-line grammar of the ledger's trust commands (`keys`, `anchor`). Light: imported by
the parser on every start."""

from __future__ import annotations

import argparse

from bwc_desk.cli.signer import add_signer_options


def add_ledger_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    keys = sub.add_parser("keys", help="station signing keys (signed checkpoints, anchors)")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    p = keys_sub.add_parser("show", parents=[common],
                            help="this station's public key and fingerprint (creates the key "
                                 "if the station has none)")
    p.set_defaults(func="cmd_keys_show")
    p = keys_sub.add_parser("list", parents=[common], help="the registered station keys")
    p.set_defaults(func="cmd_keys_list")
    p = keys_sub.add_parser(
        "register", parents=[common],
        help="register a station's public key (an administrator, at a station whose own key "
             "is registered; on SQLite also this station's key as the database's first)")
    p.add_argument("--station", help="the station's name (default: this station)")
    p.add_argument("--public-key", metavar="HEX",
                   help="the 64 hex digits `bwc-desk keys show` printed on that station "
                        "(default: this station's own key)")
    add_signer_options(p)
    p.set_defaults(func="cmd_keys_register")
    p = keys_sub.add_parser(
        "revoke", parents=[common],
        help="revoke a station's key (a stolen or rebuilt PC): nothing it signs from now on is "
             "trusted (an administrator, at a station whose own key is active)")
    p.add_argument("--station", required=True, help="the station whose key is revoked")
    p.add_argument("--key-id", metavar="ID",
                   help="the key's id or fingerprint (`keys list`), when the station has more "
                        "than one active key")
    p.add_argument("--reason", required=True, help="why (kept with the record)")
    add_signer_options(p)
    p.set_defaults(func="cmd_keys_revoke")
    p = keys_sub.add_parser(
        "init-root", parents=[common],
        help="register this station's key as the agency's trust root (whoever set up the "
             "agency, on that station's PC, with the database owner's connection on "
             "PostgreSQL); with --reason, a further root in place of a key whose PC is gone")
    p.add_argument("--station", required=True,
                   help="this station's name (checked: the command runs on that PC)")
    p.add_argument("--reason", default="",
                   help="why a further trust root (e.g. \"EVIDENCE-DESK-A stolen\"); "
                        "required while another key is active")
    add_signer_options(p)
    p.set_defaults(func="cmd_keys_init_root")
    p = keys_sub.add_parser(
        "new", parents=[common],
        help="a new key pair for this station, in place of its revoked one (an "
             "administrator); then register it at a station whose key is active")
    add_signer_options(p)
    p.set_defaults(func="cmd_keys_new")

    p = sub.add_parser("anchor", parents=[common],
                       help="append every chain's head, signed, to the anchor file in FOLDER "
                            "(default: the agency's Anchor folder setting)")
    p.add_argument("folder", nargs="?")
    add_signer_options(p)
    p.set_defaults(func="cmd_anchor")

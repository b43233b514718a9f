"""The command-line grammar. Imports nothing heavy: the GUI path parses its options with it
without loading the command implementations."""

from __future__ import annotations

import argparse

from bwc_desk.cli.signer import add_signer_options

ROLES = ("quartermaster", "supervisor", "admin", "auditor")


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "self-test",
        parents=[common],
        help="check the database: migrations, integrity, a probe write",
    )
    p.set_defaults(func="cmd_self_test")

    users = sub.add_parser("users", help="staff accounts")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    p = users_sub.add_parser("add", parents=[common], help="create a staff account")
    p.add_argument("name", help="user name")
    p.add_argument("--role", required=True, choices=list(ROLES))
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the passwords from standard input, one a line: the administrator's "
        "first (with --as), then the new account's",
    )
    p.add_argument("--display-name", help="full name shown on records")
    p.add_argument("--as", dest="as_admin", metavar="ADMIN",
                   help="the administrator adding the account (their password is asked first); "
                        "needed once the database has an administrator")
    p.set_defaults(func="cmd_users_add")

    p = users_sub.add_parser("change", parents=[common],
                             help="change a staff account, as an administrator (--as ADMIN)")
    p.add_argument("name", help="user name")
    p.add_argument("--as", dest="as_admin", metavar="ADMIN", required=True,
                   help="the administrator making the change (their password is asked)")
    p.add_argument("--role", choices=list(ROLES))
    p.add_argument("--unlock", action="store_true", help="unlock after failed sign-ins")
    state = p.add_mutually_exclusive_group()
    state.add_argument("--disable", action="store_true")
    state.add_argument("--enable", action="store_true")
    p.add_argument("--reset-password", action="store_true",
                   help="set a new password (asked after the administrator's)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the passwords from standard input, one a line")
    p.set_defaults(func="cmd_users_change")

    p = users_sub.add_parser("unlock", parents=[common],
                             help="unlock a user name after failed sign-ins, as an administrator "
                                  "(--as ADMIN): an account, or a name with no account yet; "
                                  "or, when every administrator is locked out, an "
                                  "administrator by --local-recovery")
    p.add_argument("name", help="user name")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--as", dest="as_admin", metavar="ADMIN",
                     help="the administrator unlocking it (their password is asked)")
    who.add_argument("--local-recovery", action="store_true",
                     help="break-glass, when no administrator can sign in: unlock the "
                          "administrator NAME without signing in, as the operating-system "
                          "account that can write the database file on this PC (PostgreSQL: "
                          "with the database owner's connection); audited (docs/security.md)")
    p.add_argument("--reset-password", action="store_true",
                   help="with --local-recovery: also set a new password for NAME (read from "
                        "standard input with --password-stdin, else asked)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input: the administrator's (--as), "
                        "or the new one (--local-recovery --reset-password)")
    p.set_defaults(func="cmd_users_unlock")

    p = users_sub.add_parser("password", parents=[common],
                             help="choose your own password in place of the temporary one an "
                                  "administrator set (asked: the temporary one, then the new "
                                  "one twice)")
    p.add_argument("name", help="your user name")
    p.add_argument("--password-stdin", action="store_true",
                   help="read from standard input, one a line: the temporary password, then "
                        "the new one twice")
    p.set_defaults(func="cmd_users_password")

    p = sub.add_parser("import", parents=[common], help="import officers or units from CSV")
    p.add_argument("kind", choices=["officers", "units"])
    p.add_argument("file")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="check the file and report what would change; write nothing",
    )
    add_signer_options(p)
    p.set_defaults(func="cmd_import")

    p = sub.add_parser("export", parents=[common],
                       help="export to CSV (UTF-8), or a court-ready evidence folder")
    p.add_argument("kind", choices=["officers", "units", "custody", "audit", "evidence"])
    p.add_argument("file")
    add_signer_options(p)
    from bwc_desk.cli.evidence_parser import add_evidence_commands, add_evidence_options

    add_evidence_options(p)
    add_evidence_commands(sub, common)
    p.set_defaults(func="cmd_export")

    p = sub.add_parser(
        "verify",
        parents=[common],
        help="walk the custody and audit hash chains; exit 1 if anything differs",
    )
    p.add_argument(
        "--expect-custody",
        metavar="SEQ:HASH",
        help="a custody chain head kept outside this PC; fail if it was rewritten",
    )
    p.add_argument(
        "--expect-audit",
        metavar="SEQ:HASH",
        help="an audit log head kept outside this PC; fail if it was rewritten",
    )
    p.add_argument(
        "--anchors",
        metavar="PATH",
        help="an anchor file or folder: fail unless every anchor of this database still holds",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object instead of text: verdict (ok, warning, failed or error), "
        "headline, first_problem, what was proven; exit 0 (ok, warning), 1 (failed) or 2 "
        "(error: could not run)",
    )
    p.set_defaults(func="cmd_verify")

    p = sub.add_parser(
        "backup",
        parents=[common],
        help="back up the database (online backup, checked, checksummed)",
    )
    p.add_argument(
        "dest",
        nargs="?",
        help="folder for the backup (default: the agency "
        "setting, or 'backups' beside the database)",
    )
    add_signer_options(p)
    p.set_defaults(func="cmd_backup")

    p = sub.add_parser(
        "restore",
        parents=[common],
        help="check a backup (integrity and records) and restore it; the "
        "current database is kept as a backup first",
    )
    p.add_argument("file", nargs="?",
                   help="the backup (default: the newest one beside the database that verifies)")
    add_signer_options(p, needed=False)  # required unless the database is missing or damaged
    p.set_defaults(func="cmd_restore")

    sub.add_parser(
        "dock-sim", add_help=False,
        help="simulate docks reporting to a running BWC Desk: --docks 6 --bays 8 [--host H "
             "--port P --token T --speed X] (see bwc-desk dock-sim --help)",
    )

    from bwc_desk.cli.docks_cmds import add_dock_commands

    add_dock_commands(sub, common)

    p = sub.add_parser("grant-app-role", parents=[common],
                       help="PostgreSQL: let ROLE use the database as a station, without the "
                            "right to UPDATE or DELETE custody and audit records (run as the "
                            "database owner)")
    p.add_argument("role")
    p.set_defaults(func="cmd_grant_app_role")

    from bwc_desk.cli.settings_cmds import add_settings_commands

    add_settings_commands(sub, common)

    from bwc_desk.cli.directory import add_sync_command

    add_sync_command(sub, common)

    from bwc_desk.cli.ledger_parser import add_ledger_commands

    add_ledger_commands(sub, common)

    from bwc_desk.cli.station import add_station_command

    add_station_command(sub)

    from bwc_desk.cli.reports import add_report_commands

    add_report_commands(sub, common)

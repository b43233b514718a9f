"""`bwc-desk users add|change|unlock`: staff accounts from the command line.

Without ``--as`` only a new database's first administrator may be created. Every other change
is made by an administrator who signs in with ``--as ADMIN`` (password prompted, or read from
standard input with ``--password-stdin``); the audit record names them and the
operating-system user who ran the command."""

from __future__ import annotations

import argparse
import socket
import sys
from typing import TextIO

from bwc_desk.cli.signer import command_ctx, os_user, secrets
from bwc_desk.domain.errors import DomainError
from bwc_desk.domain.roles import Role
from bwc_desk.services import auth, sign_in_attempts, staff_cli
from bwc_desk.services.stations import station_info


def cmd_users_add(args: argparse.Namespace, out: TextIO) -> int:
    source = secrets(args)
    if source is None:
        return 2
    admin_password = source.ask(f"Password of {args.as_admin}") if args.as_admin else ""
    password = source.ask(f"Password for the new account {args.name}", confirm=True)
    ctx = command_ctx(args, None)
    try:
        if args.as_admin:
            row = staff_cli.add_staff_as(
                ctx, args.as_admin, admin_password, args.name, Role(args.role), password,
                args.display_name or "", os_user=os_user(),
            )
        else:
            if Role(args.role) is not Role.ADMIN:
                raise DomainError(
                    "Without --as ADMIN only a new database's first account, an administrator, "
                    "can be created: use --role admin, or add the account as an administrator "
                    "(--as ADMIN)."
                )
            row = staff_cli.add_first_admin(
                ctx, args.name, password, args.display_name or "", os_user=os_user()
            )
        on_server = station_info(ctx).is_postgresql
    finally:
        ctx.close()
    note = ""
    if args.as_admin and on_server:
        # (A station of a shared database may not change staff rows: not at its sign-in.)
        note = (
            " (temporary password: they choose their own here, with this owner's connection: "
            f"bwc-desk users password {row.username} --database OWNER-URL)"
        )
    elif args.as_admin:
        note = " (temporary password: they choose their own at first sign-in)"
    print(f"created {row.role.value} account {row.username!r}{note}", file=out)
    return 0


def cmd_users_change(args: argparse.Namespace, out: TextIO) -> int:
    if not (args.role or args.unlock or args.disable or args.enable or args.reset_password):
        print("error: say what to change: --role, --unlock, --disable, --enable or "
              "--reset-password", file=sys.stderr)
        return 2
    source = secrets(args)
    if source is None:
        return 2
    admin_password = source.ask(f"Password of {args.as_admin}")
    new_password = (
        source.ask(f"New password for {args.name}", confirm=True) if args.reset_password else ""
    )
    ctx = command_ctx(args, None)
    try:
        admin = staff_cli.signed_in_admin(ctx, args.as_admin, admin_password, os_user=os_user())
        staff_id = staff_cli.staff_id_of(admin, args.name)
        done: list[str] = []
        if args.role:
            auth.change_role(admin, staff_id, Role(args.role))
            done.append(f"role {args.role}")
        if args.reset_password:
            auth.reset_password(admin, staff_id, new_password)
            done.append("password reset (temporary: they choose their own at next sign-in)")
        if args.unlock:
            auth.unlock(admin, staff_id)
            done.append("unlocked")
        if args.disable or args.enable:
            auth.set_active(admin, staff_id, bool(args.enable))
            done.append("enabled" if args.enable else "disabled")
    finally:
        ctx.close()
    print(f"{args.name}: {', '.join(done)}", file=out)
    return 0


def cmd_users_unlock(args: argparse.Namespace, out: TextIO) -> int:
    """Unlock an account, or a user name with no account (a directory user locked out
    before their first sign-in): the same command for both, audited either way."""
    if args.local_recovery:
        return _local_recovery(args, out)
    if args.reset_password:
        print("error: --reset-password goes with --local-recovery; an administrator resets a "
              "password with bwc-desk users change NAME --reset-password --as ADMIN",
              file=sys.stderr)
        return 2
    source = secrets(args)
    if source is None:
        return 2
    admin_password = source.ask(f"Password of {args.as_admin}")
    ctx = command_ctx(args, None)
    try:
        admin = staff_cli.signed_in_admin(ctx, args.as_admin, admin_password, os_user=os_user())
        if staff_cli.has_account(admin, args.name):
            row = auth.unlock(admin, staff_cli.staff_id_of(admin, args.name))
            text = f"{row.username}: unlocked"
        else:
            name = sign_in_attempts.unlock_name(admin, args.name)
            text = f"{name}: unlocked (a user name with no staff account)"
    finally:
        ctx.close()
    print(text, file=out)
    return 0


def cmd_users_password(args: argparse.Namespace, out: TextIO) -> int:
    """`users password NAME`: the account replaces the temporary password an administrator
    set with its own, as the sign-in form does (auth.sign_in with new_password): audited,
    a wrong temporary password counts towards the lockout."""
    source = secrets(args)
    if source is None:
        return 2
    temporary = source.ask(f"Temporary password of {args.name}")
    new = source.ask(f"New password for {args.name}")
    if source.ask(f"New password for {args.name} again") != new:
        print("error: The two new passwords differ; nothing was changed.", file=sys.stderr)
        return 1
    ctx = command_ctx(args, None)
    try:
        actor = auth.sign_in(ctx.as_actor(None), args.name, temporary, new_password=new,
                             via=f"command line of operating-system user {os_user()}")
    finally:
        ctx.close()
    print(f"{actor.username}: your own password is set; the temporary one no longer works",
          file=out)
    return 0


def _local_recovery(args: argparse.Namespace, out: TextIO) -> int:
    """`users unlock NAME --local-recovery [--reset-password]`: break-glass when every
    administrator is locked out (services/staff_cli.local_recovery_unlock)."""
    new_password: str | None = None
    if args.reset_password:
        source = secrets(args)
        if source is None:
            return 2
        new_password = source.ask(f"New password for {args.name}", confirm=True)
    user, host = os_user(), socket.gethostname()
    ctx = command_ctx(args, None)
    try:
        row = staff_cli.local_recovery_unlock(
            ctx, args.name, os_user=user, host=host, new_password=new_password
        )
        station = ctx.station
    finally:
        ctx.close()
    done = "unlocked by local recovery" + (
        ", temporary password set (they must choose their own at their next sign-in)"
        if args.reset_password else ""
    )
    print(f"{row.username}: {done} (recorded in the audit log: operating-system user {user} "
          f"on {host}, station {station})", file=out)
    return 0

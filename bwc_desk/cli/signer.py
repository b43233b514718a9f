"""Who does a command: `--as USERNAME` and the password (prompted, or the first line of
standard input with `--password-stdin`), signed in through services.auth like at the window
(lockout after failed sign-ins, every sign-in and failure in the audit log). Every command
that writes records or exports data opens its database with ``signed_ctx(args)``; the
services then check the permission and record the staff member, this station and the UTC
time. The grammar is here too (``add_signer_options``); services are imported only when a
command runs, so that parsing stays cheap."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bwc_desk.services.context import Actor, Ctx

MISSING = ("Name the staff member who does this: --as USERNAME (their password is asked, or "
           "read from the first line of standard input with --password-stdin). Nothing was "
           "changed.")


def add_signer_options(p: argparse.ArgumentParser, *, needed: bool = True,
                       password_stdin: bool = True) -> None:
    """`--as USERNAME` and `--password-stdin` on command ``p``. ``password_stdin=False``
    where the command has its own `--password-stdin` (the signer's password is then read
    first, its own secret on the next line)."""
    p.add_argument(
        "--as", dest="as_user", metavar="USERNAME",
        help="the staff account that does this, recorded on it (asks for its password)"
             + ("; required" if needed else ""))
    if password_stdin:
        p.add_argument("--password-stdin", action="store_true",
                       help="read that account's password from the first line of standard "
                            "input")


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def command_line_actor() -> Actor:
    """Whoever runs a command that writes no records (lists, settings shown, checks) on the
    station PC, named by their operating-system account. Never used for a change: those
    sign in (``signed_ctx``)."""
    from bwc_desk.domain.roles import Role
    from bwc_desk.services.context import Actor

    user = os_user()
    return Actor(None, f"cli:{user}", f"Command line ({user})", Role.ADMIN)


def station_name(args: argparse.Namespace) -> str:
    """The station the command works as: with --demo the demo's own station (the one the
    window uses with --demo, whose key signs the demo's exports), else this PC's configured
    station name."""
    from bwc_desk.services.startup import station_name as for_the

    return for_the(demo=bool(getattr(args, "demo", False)))


class Secrets:
    """Passwords from the first lines of standard input (--password-stdin), else asked on
    the terminal without echo."""

    def __init__(self, from_stdin: bool) -> None:
        self.from_stdin = from_stdin

    def ask(self, prompt: str, *, confirm: bool = False) -> str:
        from bwc_desk.domain.errors import DomainError

        if self.from_stdin:
            line = sys.stdin.readline()
            if not line:
                raise DomainError(f"Standard input ended before the {prompt.lower()}.")
            return line.rstrip("\r\n")
        first = getpass.getpass(f"{prompt}: ")
        if confirm and getpass.getpass(f"{prompt} again: ") != first:
            raise DomainError("The two passwords differ; nothing was changed.")
        return first


NO_PASSWORD_SOURCE = (
    "give the password on standard input with --password-stdin (never on the command line, "
    "where other users can see it), or run the command in a terminal to be asked for it")


def _source(args: argparse.Namespace) -> Secrets | None:
    if getattr(args, "password_stdin", False):
        return Secrets(True)
    if sys.stdin is not None and sys.stdin.isatty():
        return Secrets(False)
    return None  # a script would otherwise hang on a prompt


def secrets(args: argparse.Namespace) -> Secrets | None:
    """Where passwords come from; None (and said why on stderr) when standard input is not a
    terminal and --password-stdin was not given."""
    found = _source(args)
    if found is None:
        print(f"error: {NO_PASSWORD_SOURCE}", file=sys.stderr)
    return found


def _password(args: argparse.Namespace, user: str) -> str:
    from bwc_desk.domain.errors import DomainError

    source = _source(args)
    if source is None:
        raise DomainError(f"No password for {user}: {NO_PASSWORD_SOURCE}. Nothing was changed.")
    return source.ask(f"Password of {user}")


def command_ctx(args: argparse.Namespace, actor: Actor | None) -> Ctx:
    """The database of the command (--database, --demo, else the station's), opened as at
    start-up, on this station (the demo's own with --demo: ``station_name``), for
    ``actor``. Only ``signed_ctx`` and `users add|change` (whose services sign the
    administrator in themselves) call it."""
    from bwc_desk.services.startup import open_ctx, resolve_url

    url = resolve_url(getattr(args, "database", None), getattr(args, "demo", False))
    return open_ctx(url, station_name(args), actor)


def signed_ctx(args: argparse.Namespace, *, sign_in: bool = True) -> Ctx:
    """The database of the command with the staff member of `--as` signed in. With
    ``sign_in`` (every command that writes records or exports data) `--as` is required:
    without it the command is refused before the database is opened; and the station is
    claimed (refused, as the app is, under a name another PC holds: services/stations.py).
    Without ``sign_in`` (commands that only read) `--as` is optional; without it the
    records are read as the operating-system account."""
    from bwc_desk.domain.errors import DomainError
    from bwc_desk.services import auth, stations

    user = getattr(args, "as_user", None)
    if sign_in and not user:
        raise DomainError(MISSING)
    password = _password(args, user) if user else ""
    ctx = command_ctx(args, command_line_actor())
    try:
        if sign_in:  # (a command that only reads leaves the stations' register alone)
            stations.register_here(ctx)
        if user:
            via = f"command line of operating-system user {os_user()}"
            ctx = ctx.as_actor(auth.sign_in(ctx.as_actor(None), user, password, via=via))
    except BaseException:  # a refusal, a full disk, Ctrl+C: the connections are closed
        ctx.close()
        raise
    return ctx

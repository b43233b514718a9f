"""Errors a user can act on. Every message says what happened and what to do."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused an action. ``str(err)`` is the message shown to the user."""


class TransitionError(DomainError):
    """A unit cannot go from its status to the one asked for."""


class ValidationError(DomainError):
    """An input value is malformed (a date, a badge number, a password)."""


class NotFoundError(DomainError):
    """A scan or reference matched nothing."""


class PermissionDenied(DomainError):
    """The signed-in role may not do this."""


class NotSignedIn(PermissionDenied):
    """Nobody is signed in (the window is locked): the lock screen already says so."""


class ConflictError(DomainError):
    """Someone else changed the record first (another station, a double scan)."""


class BusyError(DomainError):
    """The shared database kept this station waiting too long; nothing was written."""


class UnavailableError(DomainError):
    """The database server cannot be reached (down, restarting, network); nothing was
    written. The app keeps trying."""


class PasswordChangeRequired(DomainError):
    """The password was right, but someone else set it (an administrator): it is temporary,
    and the account must choose its own before anything else. Nobody is signed in yet; sign
    in again with the temporary password and a new one (auth.sign_in(new_password=...))."""

    def __init__(self, message: str, username: str) -> None:
        super().__init__(message)
        self.username = username


class CancelledError(DomainError):
    """The person stopped a long piece of work (a report's Cancel) before it ended; nothing
    of it was recorded."""

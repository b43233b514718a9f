"""Password and PIN rules (CJIS 5.9.5 figures). Hashing itself happens in the services."""

from __future__ import annotations

from collections.abc import Collection

from bwc_desk.domain.errors import ValidationError

MIN_PASSWORD_LENGTH = 8
MIN_PIN_LENGTH = 6
MAX_FAILED_SIGN_INS = 5
FAILED_WINDOW_MINUTES = 15


def check_password(password: str, common: Collection[str] = (), username: str = "") -> None:
    """Raise ValidationError if the password may not be used."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"The password is too short: use at least {MIN_PASSWORD_LENGTH} characters."
        )
    if password.strip() != password:
        raise ValidationError("The password may not start or end with a space.")
    lowered = password.lower()
    if lowered in common:
        raise ValidationError(
            "That password is on a list of common or leaked passwords; choose another one."
        )
    if username and lowered == username.strip().lower():
        raise ValidationError("The password may not be the user name.")


def check_pin(pin: str) -> None:
    if not pin.isdigit() or not pin.isascii():
        raise ValidationError("A PIN is digits only.")
    if len(pin) < MIN_PIN_LENGTH:
        raise ValidationError(f"A PIN has at least {MIN_PIN_LENGTH} digits.")
    if len(set(pin)) == 1 or pin in "0123456789012" or pin in "9876543210987":
        raise ValidationError("That PIN is too easy to guess (repeated or sequential digits).")


def normalize_username(name: str) -> str:
    cleaned = name.strip().lower()
    if not cleaned:
        raise ValidationError("Enter a user name.")
    if len(cleaned) > 64 or any(ch.isspace() for ch in cleaned):
        raise ValidationError("A user name has no spaces and at most 64 characters.")
    return cleaned

"""Where a station keeps its private signing key: never in the database.

The operating system's keyring (Windows Credential Manager, macOS Keychain, Secret Service)
when one is available; otherwise (a headless Linux station, a portable install with
BWC_DESK_HOME) a file readable by its owner only, in the station's config folder.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bwc_desk.domain.signing import new_private_key, private_from_hex, private_hex
from bwc_desk.store.paths import config_dir, ensure_private_dir, private_write

log = logging.getLogger(__name__)
SERVICE = "BWC Desk station key"


def _safe(station: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", station) or "_"


def key_file(station: str) -> Path:
    return config_dir() / "keys" / f"{_safe(station)}.key"


def _keyring() -> object | None:
    """The OS keyring, or None where there is none (headless) or a portable home is set."""
    if os.environ.get("BWC_DESK_HOME"):
        return None
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
            return None
        return backend
    except Exception:  # a broken keyring backend must not stop the counter
        log.warning("no usable keyring; the station key is kept in a private file")
        return None


def where(station: str) -> str:
    """Said to the administrator: where this station's private key is kept."""
    return "the system keyring" if _keyring() is not None else str(key_file(station))


def load(station: str) -> Ed25519PrivateKey | None:
    backend = _keyring()
    text: str | None = None
    if backend is not None:
        try:
            text = backend.get_password(SERVICE, station)  # type: ignore[attr-defined]
        except Exception:
            text = None
    if text is None:
        path = key_file(station)
        try:
            text = path.read_text(encoding="ascii")
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            log.warning("cannot read the station key %s: %s", path, exc)
            return None
    try:
        return private_from_hex(text)
    except ValueError:
        log.error("the station key for %s is not a valid key; it is not used", station)
        return None


def load_or_create(station: str) -> Ed25519PrivateKey:
    key = load(station)
    if key is not None:
        return key
    return _store_new(station)


def replace(station: str) -> Ed25519PrivateKey:
    """A new key pair in place of this station's (`bwc-desk keys new`, after its key was
    revoked): the old private key is overwritten, not kept."""
    backend = _keyring()
    if backend is not None:
        # None there (it was in the file), or the keyring refused: overwritten below.
        with contextlib.suppress(Exception):
            backend.delete_password(SERVICE, station)  # type: ignore[attr-defined]
    return _store_new(station, overwrite=True)


def _store_new(station: str, *, overwrite: bool = False) -> Ed25519PrivateKey:
    key = new_private_key()
    backend = _keyring()
    if backend is not None:
        try:
            backend.set_password(SERVICE, station, private_hex(key))  # type: ignore[attr-defined]
            if overwrite:  # the keyring holds the new key: no old key file left behind
                key_file(station).unlink(missing_ok=True)
            return key
        except Exception:
            log.warning("the keyring refused the station key; keeping it in a private file")
    path = key_file(station)
    ensure_private_dir(path.parent, tighten=True)
    private_write(path, private_hex(key) + "\n")
    return key


# The directory's service-account password (docs/directory.md): the same two places, never
# the database or station.json.
DIRECTORY_SERVICE = "BWC Desk directory"
DIRECTORY_ACCOUNT = "bind password"


def directory_password_file() -> Path:
    return config_dir() / "directory-bind.secret"


def directory_password_where() -> str:
    """Said to the administrator: where the directory's bind password is kept."""
    return "the system keyring" if _keyring() is not None else str(directory_password_file())


def load_directory_password() -> str | None:
    backend = _keyring()
    if backend is not None:
        try:
            text = backend.get_password(DIRECTORY_SERVICE, DIRECTORY_ACCOUNT)  # type: ignore[attr-defined]
            if text:
                return str(text)
        except Exception:
            log.warning("the keyring did not give the directory password")
    try:
        text = directory_password_file().read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        log.warning("cannot read the directory password file: %s", exc)
        return None
    return text.rstrip("\n") or None


def save_directory_password(password: str) -> str:
    """Keep the bind password in the keyring, or else in a file only its owner can read;
    returns where (for the administrator). A password kept in the file before is removed
    once the keyring holds it."""
    backend = _keyring()
    path = directory_password_file()
    if backend is not None:
        try:
            backend.set_password(DIRECTORY_SERVICE, DIRECTORY_ACCOUNT, password)  # type: ignore[attr-defined]
            path.unlink(missing_ok=True)
            return "the system keyring"
        except Exception:
            log.warning("the keyring refused the directory password; keeping it in a file")
    ensure_private_dir(path.parent, tighten=True)
    private_write(path, password + "\n")
    return str(path)

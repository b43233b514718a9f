"""Ed25519 signatures over chain heads: checkpoints, key endorsements, anchors.

A station signs, with a private key that never enters the database, the statement "in
database D, chain C reached record #N with hash H at time T (station S)". Whoever can write
the database can delete records and fix `chain_heads`, or rewrite a chain and recompute
every hash, but cannot sign: the signed checkpoints left behind name what the chain was.

The signed texts use the ledger's length-prefixed encoding (see ledger.py), so no choice of
values makes two statements alike.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

# A station signs its chains' heads after this many records, or at the first record after
# this many seconds since the last checkpoint of that chain, whichever comes first.
CHECKPOINT_EVERY = 100
CHECKPOINT_SECONDS = 600


def _text(value: str) -> str:
    return f"{len(value)}:{value}"


def checkpoint_message(
    database_id: str, chain: str, seq: int, head_hash: str, at: str, station: str, key_id: str
) -> bytes:
    return (
        f"checkpoint|{_text(database_id)}|{_text(chain)}|{seq}|{_text(head_hash)}|"
        f"{_text(at)}|{_text(station)}|{_text(key_id)}"
    ).encode()


def endorsement_message(
    database_id: str, station: str, public_key: str, at: str, endorser: str
) -> bytes:
    """What a trusted station signs when an admin registers another station's key."""
    return (
        f"station-key|{_text(database_id)}|{_text(station)}|{_text(public_key)}|{_text(at)}|"
        f"{_text(endorser)}"
    ).encode()


def revocation_message(
    database_id: str, key_id: str, station: str, at: str, by: str, reason: str, endorser: str
) -> bytes:
    """What a trusted station signs when an admin revokes a station key: from ``at`` on,
    nothing that key signs is trusted."""
    return (
        f"station-key-revoked|{_text(database_id)}|{_text(key_id)}|{_text(station)}|"
        f"{_text(at)}|{_text(by)}|{_text(reason)}|{_text(endorser)}"
    ).encode()


def anchor_message(database_id: str, at: str, station: str, key_id: str,
                   heads: list[tuple[str, int, str]]) -> bytes:
    parts = [f"anchor|{_text(database_id)}|{_text(at)}|{_text(station)}|{_text(key_id)}"]
    parts += [f"{_text(chain)}|{seq}|{_text(digest)}" for chain, seq, digest in heads]
    return "|".join(parts).encode()


def public_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def fingerprint(public_key_hex: str) -> str:
    """What an administrator compares by eye: SHA-256 of the raw public key, 32 hex digits
    in groups of four."""
    digest = hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def key_id(public_key_hex: str) -> str:
    """The short id stored beside each signature (the fingerprint without spaces)."""
    return fingerprint(public_key_hex).replace(" ", "")


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_from_hex(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(text.strip()))


def private_hex(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex()


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return key.sign(message).hex()


class Verifier:
    """A registered public key, parsed once (verify checks thousands of checkpoints)."""

    def __init__(self, public_key_hex: str) -> None:
        self.public_key_hex = public_key_hex
        self._key: Ed25519PublicKey | None = None
        if valid_public_hex(public_key_hex):
            self._key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))

    def check(self, message: bytes, signature_hex: str) -> bool:
        if self._key is None:
            return False
        try:
            self._key.verify(bytes.fromhex(signature_hex), message)
        except (InvalidSignature, ValueError):
            return False
        return True


def valid_public_hex(text: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(text.strip()))
    except ValueError:
        return False
    return True

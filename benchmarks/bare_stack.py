"""Baseline: what any start-up of this stack pays before a line of BWC Desk runs. The bare
window of `bare_window`, plus importing SQLAlchemy's ORM and checking one password with
Argon2id at the profile BWC Desk stores passwords with (argon2-cffi's RFC 9106 low-memory
profile, the CJIS figure: see docs/security.md), one after the other as a start-up does."""

from __future__ import annotations

import sys

from benchmarks import bare_window

# A stored hash of the benchmark password, as a staff account holds it.
STORED = (
    "$argon2id$v=19$m=65536,t=3,p=4$gaBUeOMxspIJKXFCaa7Tsg$xGpfb2nEbllYW5gwekvXKySt9hiTtUnA/J1zM+Nv22k"
)


def main() -> int:
    import sqlalchemy.orm  # noqa: F401
    from argon2 import PasswordHasher

    PasswordHasher().verify(STORED, "benchmark password 1")  # (as bwc_desk.services.auth)
    return bare_window.main()


if __name__ == "__main__":
    sys.exit(main())

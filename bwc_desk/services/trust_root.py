"""The agency's trust root: the station key whose signatures are believed on their own, and
that endorses (registers and revokes) the others.

A SQLite station sets its own at first run. An agency on PostgreSQL gets it from whoever set
up the agency: `bwc-desk keys init-root --station NAME --as ADMIN` run on that station's PC
with the database owner's connection, never by whichever station connects first (the
stations' role may not write an unendorsed key at all: migration 'rootowner'). The same
command makes a further station a trust root when the agency no longer has the PC of its
only active key (stolen, lost): that station then revokes the old key
(services/key_revocation.py), dated as every revocation is. Like `users unlock
--local-recovery`, it proves control of the database itself (the owner's connection; on
SQLite write access to the file on this PC's own disk), and the audit record names the
administrator, the operating-system user, the host and that proof.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bwc_desk.domain.errors import DomainError, PermissionDenied, ValidationError
from bwc_desk.domain.roles import Permission
from bwc_desk.domain.signing import fingerprint, key_id, public_hex
from bwc_desk.services.context import Ctx
from bwc_desk.services.key_revocation import REASON_MAX
from bwc_desk.services.signing import KeyRow, register_root, revocation_of
from bwc_desk.services.staff_cli import local_control
from bwc_desk.store import checkpoints, keystore
from bwc_desk.store.ledger import AUDIT, lock_head
from bwc_desk.store.models import StationKey
from bwc_desk.store.trust import load_trust

NOT_OWNER = (
    "This connection (database role {role}) is not the database owner's. The agency's "
    "trust root is registered by whoever set up the agency, with the owner's connection: "
    "run this on the station PC with --database \"postgresql+psycopg://?service=bwc_owner\" "
    "(docs/deploy-multi-station.md). Nothing was changed."
)


def _pg_owner(session: Session) -> str:
    role, owner = session.execute(text(
        "SELECT current_user, pg_has_role(current_user, d.datdba, 'MEMBER') "
        "FROM pg_database d WHERE d.datname = current_database()"
    )).one()
    if not owner:
        raise PermissionDenied(NOT_OWNER.format(role=role))
    return f"database role {role} (the database's owner)"


def init_root(ctx: Ctx, station: str, reason: str = "", *, os_user: str, host: str) -> KeyRow:
    """Register this station's key (created if it has none) as a trust root (admin, with
    proof of control of the database). Refused while another key is active unless
    ``reason`` says why (a PC the agency no longer has): that key is then revoked here."""
    actor = ctx.require(Permission.MANAGE_STAFF, "set up the agency's trust root")
    station, reason = station.strip(), " ".join(reason.split())
    if station != ctx.station:
        raise ValidationError(
            f"This PC works as station {ctx.station}, not {station or '(none)'}: run `bwc-desk "
            f"keys init-root --station {station or 'NAME'}` on that station's own PC (its "
            "private key never leaves it). Nothing was changed."
        )
    if len(reason) > REASON_MAX:
        raise ValidationError(f"Keep the reason under {REASON_MAX} characters.")
    proof = "" if ctx.db.is_postgresql else local_control(ctx.db, os_user)
    public = public_hex(keystore.load_or_create(station))
    kid = key_id(public)
    try:
        with ctx.db.write() as session:
            if ctx.db.is_postgresql:
                proof = _pg_owner(session)
            # Ordered with revocations and registrations at other stations.
            lock_head(session, AUDIT)
            checkpoints.forget(ctx.db.engine)
            trust = load_trust(session)
            _refuse_if_registered(session, station, public, kid)
            active = trust.active()
            if active and not reason:
                names = ", ".join(sorted({info.station for info, _v in active.values()}))
                raise DomainError(
                    f"The agency's station keys are already set up (active: {names}). A "
                    "further trust root is registered only when the agency no longer has "
                    "the PC of an active key: say why with --reason TEXT (kept in the audit "
                    "log), then revoke that key here (`bwc-desk keys revoke --station NAME "
                    "--reason TEXT --as ADMIN`). Otherwise register this station's key at a "
                    f"station whose key is active: `bwc-desk keys register --station {station} "
                    f"--public-key {public} --as ADMIN`."
                )
            how: dict[str, object] = {"how": "owner", "os_user": os_user, "host": host,
                                      "proof": proof}
            if reason:
                how["reason"] = reason
            return register_root(session, station=station, public_key=public, at=ctx.now(),
                                 by=actor, how=how)
    finally:
        checkpoints.forget(ctx.db.engine)  # committed or not: the next append looks again


def _refuse_if_registered(session: Session, station: str, public: str, kid: str) -> None:
    row = session.execute(select(StationKey).where(StationKey.key_id == kid)).scalar_one_or_none()
    if row is None:
        return
    gone = revocation_of(session, kid)
    if gone is not None:
        raise DomainError(
            f"This station's key {fingerprint(public)} was {gone.text()}: a revoked key is "
            "never trusted again. Make a new one first (`bwc-desk keys new --as ADMIN`), then "
            "run this again."
        )
    raise DomainError(
        f"This station's key {fingerprint(public)} is already registered "
        f"({'trust root' if row.endorsed_by is None else 'endorsed'}): nothing was changed."
    )

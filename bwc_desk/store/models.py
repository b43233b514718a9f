"""SQLAlchemy 2.x typed models. The rules that matter are constraints here, not only code."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bwc_desk.store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UNIT_STATUSES = ("available", "issued", "in repair", "lost", "stolen", "retired")
ROLES = ("quartermaster", "supervisor", "admin", "auditor")


# Each partial index's WHERE, for PostgreSQL: added to the index when a PostgreSQL database is
# opened (``postgresql_index_options``), not here. A ``postgresql_where`` argument makes
# SQLAlchemy import its PostgreSQL dialect to check it (25 ms of every SQLite station's
# start, and of every command).
def partial(where: str) -> dict[str, Any]:
    """A partial index's arguments: ``Index(name, *columns, **partial("x IS NULL"))``."""
    return {"sqlite_where": text(where), "info": {"postgresql_where": where}}


def postgresql_index_options() -> None:
    """Give every partial index its WHERE for PostgreSQL (idempotent; the store calls it
    when it opens a PostgreSQL database, the migrations' environment before it compares)."""
    for table in Base.metadata.tables.values():
        for index in table.indexes:
            where = index.info.get("postgresql_where")
            if where is not None and index.dialect_options["postgresql"]["where"] is None:
                index.dialect_options["postgresql"]["where"] = text(where)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Setting(Base):
    """Agency-wide settings (JSON values). Station-local ones live in the station config file."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))


class Shift(Base):
    __tablename__ = "shifts"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    starts: Mapped[str] = mapped_column(String(5))  # HH:MM local time
    ends: Mapped[str] = mapped_column(String(5))


class Station(Base):
    __tablename__ = "stations"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    # The id kept in the station's station.json: a name is claimed by one PC (stations.py).
    station_id: Mapped[str | None] = mapped_column(String(36), unique=True)


class Staff(Base):
    """An operator of the app (not an officer)."""

    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
        CheckConstraint("source IN ('local', 'directory')", name="source"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    # Quick counter sign-in: scan the staff badge, type a PIN. Both optional per account.
    badge_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    # Locked after too many failed sign-ins, until an administrator unlocks.
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lock_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Failures before this instant no longer count towards a lockout.
    failures_cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by an administrator (add, reset, local recovery): the account chooses its own at its
    # next sign-in before anything else (migration 'tmppass').
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # 'directory': signs in by an LDAP bind (no password kept here), role from its groups.
    source: Mapped[str] = mapped_column(String(16), default="local", server_default="local")
    directory_dn: Mapped[str | None] = mapped_column(String(512))
    # When the directory last confirmed this directory account's role (NULL: never, or it
    # refused the account since): badge+PIN without the directory trusts it only so long.
    role_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInFailure(Base):
    """Failed sign-ins, counted over a sliding window for the lockout."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_user_at", "username", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    station: Mapped[str] = mapped_column(String(64))


class NameLock(Base):
    """A user name with no staff account, locked by its failed sign-ins, until an
    administrator unlocks it. ``name_key`` is sign_in_failures' digest of the name; ``name``
    the name as typed, or "" when it looked like a password."""

    __tablename__ = "name_locks"
    __table_args__ = (Index("ix_name_locks_key", "name_key", "locked_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name_key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    station: Mapped[str] = mapped_column(String(64))
    unlocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unlocked_by: Mapped[str | None] = mapped_column(String(64))
    unlock_station: Mapped[str | None] = mapped_column(String(64))


class AuditRecord(Base):
    """The audit log: append-only and hash-chained like the custody ledger."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_at", "at"), Index("ix_audit_event", "event"))
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    event: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    staff_username: Mapped[str | None] = mapped_column(String(64))
    station: Mapped[str] = mapped_column(String(64))
    details: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Backup(Base):
    """Every backup made, with its checksum, so a restore can tell a good copy."""

    __tablename__ = "backups"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(40))  # start-up, migration, manual, restore
    integrity: Mapped[str] = mapped_column(String(200))
    made_by: Mapped[str] = mapped_column(String(64))
    station: Mapped[str] = mapped_column(String(64))


class Officer(Base):
    __tablename__ = "officers"
    id: Mapped[int] = mapped_column(primary_key=True)
    badge: Mapped[str] = mapped_column(String(32), unique=True)  # text: leading zeros survive
    last_name: Mapped[str] = mapped_column(String(80), default="")
    first_name: Mapped[str] = mapped_column(String(80), default="")
    rank: Mapped[str] = mapped_column(String(40), default="")
    division: Mapped[str] = mapped_column(String(80), default="")
    shift: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    scan_code: Mapped[str] = mapped_column(String(64), unique=True)
    # For handover acknowledgement at the counter, when the agency asks for a PIN.
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The directory entry's stable id (objectGUID / entryUUID); None: not from the directory.
    directory_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        Index("uq_officers_directory_id", "directory_id", unique=True),
        # The change watcher's mark (services/changes.py): max(updated_at) read by the index.
        Index("ix_officers_updated_at", "updated_at"),
    )


class DirectoryLease(Base):
    """The station that runs the scheduled directory sync, until ``expires_at`` (one at a time)."""

    __tablename__ = "directory_leases"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    station: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Pool(Base):
    """A pool of shared cameras, for a division or a shift (or the whole agency)."""

    __tablename__ = "pools"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    division: Mapped[str] = mapped_column(String(80), default="")
    shift: Mapped[str] = mapped_column(String(40), default="")


class Unit(Base):
    """A camera."""

    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint(f"status IN {UNIT_STATUSES!r}", name="status"),
        CheckConstraint("primary_officer_id IS NULL OR pool_id IS NULL", name="assigned_or_pooled"),
        # An officer has at most one primary camera.
        Index(
            "uq_units_primary_officer",
            "primary_officer_id",
            unique=True,
            **partial("primary_officer_id IS NOT NULL"),
        ),
        Index("ix_units_status_model", "status", "model"),
        Index("ix_units_batch_id", "batch_id"),
        # The change watcher's mark (services/changes.py): max(updated_at) read by the index.
        Index("ix_units_updated_at", "updated_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    asset_tag: Mapped[str] = mapped_column(String(64), unique=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    model: Mapped[str] = mapped_column(String(80), default="")
    firmware: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(20), default="available")
    notes: Mapped[str] = mapped_column(Text, default="")
    purchase_date: Mapped[date | None] = mapped_column(Date)
    warranty_until: Mapped[date | None] = mapped_column(Date)
    primary_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    pool_id: Mapped[int | None] = mapped_column(ForeignKey("pools.id"))
    repair_vendor: Mapped[str] = mapped_column(String(80), default="")
    repair_ticket: Mapped[str] = mapped_column(String(80), default="")
    repair_expected: Mapped[date | None] = mapped_column(Date)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    # Where the camera is kept (a cage shelf, a dock room): what a cage audit checks.
    location: Mapped[str] = mapped_column(String(120), default="", server_default="")
    last_event_seq: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The purchase batch the camera came in (reports: cost, age, replacement).
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_batches.id"))


class PurchaseBatch(Base):
    """Cameras bought together (Hartford's 2019 lot of 325, its 2021 lot of 150): what they
    cost, their yearly licence, how long they serve and their warranty."""

    __tablename__ = "purchase_batches"
    __table_args__ = (
        CheckConstraint("count >= 0", name="count"),
        CheckConstraint("unit_cost_cents >= 0 AND licence_cost_cents >= 0", name="costs"),
        CheckConstraint("service_years BETWEEN 1 AND 30", name="life"),
        CheckConstraint("warranty_months BETWEEN 0 AND 240", name="warranty"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    purchased_on: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer)
    unit_cost_cents: Mapped[int] = mapped_column(BigInteger)
    licence_cost_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    service_years: Mapped[int] = mapped_column(Integer)
    warranty_months: Mapped[int] = mapped_column(Integer)


class Checkout(Base):
    """One issue of a unit to an officer, open until it is returned.

    The database itself refuses a second open issue of a unit, and more open issues per
    officer than the slots allowed (slot 1 always; slot 2 only when the agency allows two).
    """

    __tablename__ = "checkouts"
    __table_args__ = (
        CheckConstraint("slot IN (1, 2)", name="slot"),
        Index(
            "uq_checkouts_open_unit",
            "unit_id",
            unique=True,
            **partial("returned_at IS NULL"),
        ),
        Index(
            "uq_checkouts_open_officer_slot",
            "officer_id",
            "slot",
            unique=True,
            **partial("returned_at IS NULL"),
        ),
        Index("ix_checkouts_returned_at", "returned_at"),
        # When a camera last came back (identify, a second scan of a return).
        Index("ix_checkouts_unit_returned", "unit_id", "returned_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    slot: Mapped[int] = mapped_column(Integer, default=1)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_seq: Mapped[int] = mapped_column(Integer)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_station: Mapped[str] = mapped_column(String(64))
    expected_return: Mapped[datetime] = mapped_column(UTCDateTime)
    swap_reason: Mapped[str] = mapped_column(String(200), default="")
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_seq: Mapped[int | None] = mapped_column(Integer)
    returned_by: Mapped[str | None] = mapped_column(String(64))
    # True when the issue itself was undone (a correction), so it never counted.
    voided: Mapped[bool] = mapped_column(Boolean, default=False)


class CustodyEvent(Base):
    """Append-only and hash-chained. Never updated, never deleted: corrections are new rows."""

    __tablename__ = "custody_events"
    __table_args__ = (
        Index("ix_custody_unit_seq", "unit_id", "seq"),
        Index("ix_custody_officer_seq", "officer_id", "seq"),
        Index("ix_custody_at", "at"),
        Index("ix_custody_kind_at", "kind", "at"),
        Index("ix_custody_unit_seq_kind", "unit_id", "seq", "kind"),
        # An undo's "already undone?" (corrections are few: only where it is set).
        Index("ix_custody_corrects_seq", "corrects_seq", **partial("corrects_seq IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    staff_username: Mapped[str] = mapped_column(String(64))
    station: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    corrects_seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChainHead(Base):
    """The last record of each chain. Appends lock this row, which serializes writers."""

    __tablename__ = "chain_heads"
    chain: Mapped[str] = mapped_column(String(20), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class Dock(Base):
    __tablename__ = "docks"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    bays: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(120), default="")
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    station: Mapped[str] = mapped_column(String(64), default="")
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class Bay(Base):
    """The last state a dock reported for one bay."""

    __tablename__ = "bays"
    # A unit's bay, in every inventory row (one per scan at the counter).
    __table_args__ = (Index("ix_bays_unit_id", "unit_id"),)
    dock_id: Mapped[int] = mapped_column(ForeignKey("docks.id"), primary_key=True)
    bay_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial: Mapped[str | None] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    battery: Mapped[int | None] = mapped_column(Integer)
    charging: Mapped[bool | None] = mapped_column(Boolean)
    files_done: Mapped[int | None] = mapped_column(Integer)
    files_total: Mapped[int | None] = mapped_column(Integer)
    bytes_done: Mapped[int | None] = mapped_column(BigInteger)
    bytes_total: Mapped[int | None] = mapped_column(BigInteger)
    updating: Mapped[bool | None] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    occupied_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Observed since the camera arrived: percent per minute, bytes per second. For the
    # estimate of when the bay will be ready.
    battery_rate: Mapped[float | None] = mapped_column(Float)
    bytes_rate: Mapped[float | None] = mapped_column(Float)
    # When the upload last moved (or finished): an upload stuck for 15 minutes is an alert.
    last_progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UnitReading(Base):
    """A unit's last known dock state, kept after it leaves the bay: the readiness gate at
    the counter uses it (a camera taken off the charger at 40 % is still not ready)."""

    __tablename__ = "unit_readings"
    # Was a camera reported in this bay since it was held for a returned one?
    __table_args__ = (Index("ix_unit_readings_bay", "dock", "bay_no", "reported_at"),)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    dock: Mapped[str] = mapped_column(String(64))
    bay_no: Mapped[int] = mapped_column(Integer)
    in_bay: Mapped[bool] = mapped_column(Boolean)
    battery: Mapped[int | None] = mapped_column(Integer)
    charging: Mapped[bool | None] = mapped_column(Boolean)
    files_done: Mapped[int | None] = mapped_column(Integer)
    files_total: Mapped[int | None] = mapped_column(Integer)
    bytes_done: Mapped[int | None] = mapped_column(BigInteger)
    bytes_total: Mapped[int | None] = mapped_column(BigInteger)
    updating: Mapped[bool | None] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the camera left its bay, while its "undocked" record waits: a camera back in the
    # same bay within a minute (a flapping contact) writes no docked/undocked pair at all.
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class DatabaseIdentity(Base):
    """One row: which database this is. Backups carry it, so that rotation only ever
    counts the backups of this database (an empty or other database put at the same path
    is another id) and a restore can tell whose backup it is."""

    __tablename__ = "database_identity"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    database_id: Mapped[str] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BayHold(Base):
    """A bay the counter told a returned camera to use, kept free for it (from other returns,
    on every station) until a dock reports a camera there or that camera anywhere, or the hold
    lapses (10 minutes)."""

    __tablename__ = "bay_holds"
    __table_args__ = (
        UniqueConstraint("dock", "bay_no", name="uq_bay_holds_bay"),
        UniqueConstraint("unit_id", name="uq_bay_holds_unit"),
        Index("ix_bay_holds_held_at", "held_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dock: Mapped[str] = mapped_column(String(64))
    bay_no: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    station: Mapped[str] = mapped_column(String(64))


class StationKey(Base):
    """A station's Ed25519 public key, registered by an administrator. The private key never
    enters the database (the station's keyring, or a private file in its config folder).
    The first key (the station the database was set up on) is the trust root; every other
    one is endorsed: signed by a station whose key was registered before it."""

    __tablename__ = "station_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    station: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(String(64), unique=True)  # raw key, hex
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_by: Mapped[str] = mapped_column(String(64))
    endorsed_by: Mapped[str | None] = mapped_column(String(32))  # key_id; NULL: the root
    endorsement: Mapped[str | None] = mapped_column(String(128))  # signature, hex


class StationKeyRevocation(Base):
    """A station key revoked (append-only): from ``revoked_at`` on, nothing the key signs is
    trusted. Endorsed, like a registration, by the revoking station's own active key."""

    __tablename__ = "station_key_revocations"
    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)  # the key revoked
    station: Mapped[str] = mapped_column(String(64))  # whose key it was
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    revoking_station: Mapped[str] = mapped_column(String(64))
    endorsed_by: Mapped[str] = mapped_column(String(32))  # key_id of the revoking station
    endorsement: Mapped[str] = mapped_column(String(128))  # signature, hex


class LedgerCheckpoint(Base):
    """A station's signature over a chain's head (append-only)."""

    __tablename__ = "ledger_checkpoints"
    __table_args__ = (Index("ix_ledger_checkpoints_chain_seq", "chain", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    station: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(128))


class IdentityEvent(Base):
    """Append-only and hash-chained (its own chain): an officer's or a camera's identifying
    fields as the application wrote them. Verify replays them against the tables."""

    __tablename__ = "identity_events"
    __table_args__ = (Index("ix_identity_entity", "entity", "entity_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))  # created, changed, baseline
    entity: Mapped[str] = mapped_column(String(20))  # officer, unit
    entity_id: Mapped[int] = mapped_column(Integer)
    fields: Mapped[str] = mapped_column(Text)  # canonical JSON
    staff_username: Mapped[str] = mapped_column(String(64))
    station: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class FeedJournalMark(Base):
    """How far a station's dock feed journal (a local file of docking moves,
    adapters/dockfeed/journal.py) is in the database: the byte offset after the last event
    replayed, updated in the same transaction as the records that event wrote, so that a
    crash part-way neither loses nor repeats one."""

    __tablename__ = "feed_journal_marks"
    journal: Mapped[str] = mapped_column(String(32), primary_key=True)
    station: Mapped[str] = mapped_column(String(64))
    applied: Mapped[int] = mapped_column(Integer)
    events: Mapped[int] = mapped_column(Integer)  # replayed from this journal so far
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


AUDIT_SCOPES = ("all", "location", "pool")


class CageAudit(Base):
    """An audit of the cage: one at a time per scope (the partial unique index); finished
    audits are frozen and none is ever deleted (triggers, migration cageaudit)."""

    __tablename__ = "cage_audits"
    __table_args__ = (
        CheckConstraint(f"scope IN {AUDIT_SCOPES!r}", name="scope"),
        CheckConstraint("state IN ('open', 'finished')", name="state"),
        CheckConstraint(
            "(state = 'open' AND finished_at IS NULL) OR (state = 'finished' AND "
            "finished_at IS NOT NULL AND finished_by IS NOT NULL AND report_sha256 IS NOT NULL)",
            name="finished",
        ),
        Index(
            "uq_cage_audits_open_scope",
            "scope",
            "scope_key",
            unique=True,
            **partial("state = 'open'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))
    scope_key: Mapped[str] = mapped_column(String(120))  # '', a location (lower case), a pool id
    scope_label: Mapped[str] = mapped_column(String(120))
    pool_id: Mapped[int | None] = mapped_column(ForeignKey("pools.id"))
    state: Mapped[str] = mapped_column(String(10), default="open")
    started_by: Mapped[str] = mapped_column(String(64))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    station: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_by: Mapped[str | None] = mapped_column(String(64))
    finished_station: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report: Mapped[str | None] = mapped_column(Text)  # the frozen lists, canonical JSON
    report_sha256: Mapped[str | None] = mapped_column(String(64))


class CageAuditScan(Base):
    """A camera seen during an audit: scanned at the cage or reported by a dock. Append-only;
    one per camera and audit (a second scan writes nothing)."""

    __tablename__ = "cage_audit_scans"
    __table_args__ = (
        CheckConstraint("source IN ('scan', 'dock')", name="source"),
        UniqueConstraint("audit_id", "unit_id", name="uq_cage_audit_scans_audit_unit"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("cage_audits.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    code: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(8))
    location: Mapped[str] = mapped_column(String(120), default="")
    scanned_by: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    station: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class CageAuditCase(Base):
    """A camera missing at the end of an audit, until a supervisor resolves it: found (where)
    or lost (with the report number). Resolved once; never deleted (triggers)."""

    __tablename__ = "cage_audit_cases"
    __table_args__ = (
        CheckConstraint(
            "(resolved_at IS NULL AND outcome IS NULL AND resolved_by IS NULL) OR "
            "(resolved_at IS NOT NULL AND resolved_by IS NOT NULL AND ("
            "(COALESCE(outcome, '') = 'found' AND COALESCE(found_location, '') <> '') OR "
            "(COALESCE(outcome, '') = 'lost' AND COALESCE(report_number, '') <> '')))",
            name="resolution",
        ),
        UniqueConstraint("audit_id", "unit_id", name="uq_cage_audit_cases_audit_unit"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("cage_audits.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[str] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_station: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(8))
    found_location: Mapped[str | None] = mapped_column(String(120))
    report_number: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


# --- daily dock inspection and repairs (migration 'repairs') ---------------------------------

REPAIR_SOURCES = ("function test", "damaged return", "inspection", "manual")
REPAIR_STATES = ("open", "at vendor", "closed")
REPAIR_OUTCOMES = ("back", "replaced", "written off", "fixed", "withdrawn")
INSPECTION_SCOPES = ("dock", "bay")


class InspectionItem(Base):
    """One line of the agency's daily dock checklist ("Power", "Bay contacts and lights").
    Scope "bay" is checked once per bay. An edit retires the line and adds a new one, so
    that the inspections already made keep the wording they were made against."""

    __tablename__ = "inspection_items"
    __table_args__ = (CheckConstraint(f"scope IN {INSPECTION_SCOPES!r}", name="scope"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    scope: Mapped[str] = mapped_column(String(10), default="dock")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class DockInspection(Base):
    """A supervisor's daily inspection of one dock (append-only: the log that prints)."""

    __tablename__ = "dock_inspections"
    __table_args__ = (Index("ix_dock_inspections_dock_at", "dock_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dock_id: Mapped[int] = mapped_column(ForeignKey("docks.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    staff_username: Mapped[str] = mapped_column(String(64))
    station: Mapped[str] = mapped_column(String(64))
    passed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")


class InspectionResult(Base):
    """One checklist line's result in an inspection (append-only). ``bay_no`` 0: the dock."""

    __tablename__ = "inspection_results"
    __table_args__ = (
        UniqueConstraint("inspection_id", "item_id", "bay_no", name="uq_inspection_results_line"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("dock_inspections.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("inspection_items.id"))
    bay_no: Mapped[int] = mapped_column(Integer, default=0)
    ok: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")


class RepairCase(Base):
    """A repair case for a camera, or for a dock (``bay_no`` 0) or one of its bays.

    The database refuses a second open case for one camera, or for one dock or bay."""

    __tablename__ = "repair_cases"
    __table_args__ = (
        CheckConstraint(f"source IN {REPAIR_SOURCES!r}", name="source"),
        CheckConstraint(f"state IN {REPAIR_STATES!r}", name="state"),
        CheckConstraint(f"outcome IS NULL OR outcome IN {REPAIR_OUTCOMES!r}", name="outcome"),
        CheckConstraint(
            "(unit_id IS NULL) <> (dock_id IS NULL) AND (dock_id IS NULL) = (bay_no IS NULL)",
            name="one_target",
        ),
        CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name="closed"),
        CheckConstraint("cost_cents IS NULL OR cost_cents >= 0", name="cost"),
        CheckConstraint("outcome <> 'replaced' OR replacement_unit_id IS NOT NULL", name="repl"),
        Index(
            "uq_repair_cases_open_unit",
            "unit_id",
            unique=True,
            **partial("closed_at IS NULL AND unit_id IS NOT NULL"),
        ),
        Index(
            "uq_repair_cases_open_bay",
            "dock_id",
            "bay_no",
            unique=True,
            **partial("closed_at IS NULL AND dock_id IS NOT NULL"),
        ),
        Index("ix_repair_cases_reported_at", "reported_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    dock_id: Mapped[int | None] = mapped_column(ForeignKey("docks.id"))
    bay_no: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))
    symptom: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(64))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    station: Mapped[str] = mapped_column(String(64))
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("dock_inspections.id"))
    state: Mapped[str] = mapped_column(String(12), default="open")
    vendor: Mapped[str] = mapped_column(String(80), default="")
    rma: Mapped[str] = mapped_column(String(80), default="")
    sent_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(12))
    replacement_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    cost_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    # The camera that must pass a function test before it is issued again (the one back
    # from repair, or its replacement), and when it passed.
    retest_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    retest_passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RepairEvent(Base):
    """What happened to a repair case, in order (append-only: corrections are new rows)."""

    __tablename__ = "repair_events"
    __table_args__ = (Index("ix_repair_events_case", "case_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("repair_cases.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(30))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    staff_username: Mapped[str] = mapped_column(String(64))
    station: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[str | None] = mapped_column(Text)  # canonical JSON


class OutOfService(Base):
    """A dock (``bay_no`` 0) or one bay taken out of service, until ``back_at``. The
    database allows one standing record per dock or bay."""

    __tablename__ = "out_of_service"
    __table_args__ = (
        CheckConstraint("bay_no >= 0", name="bay_no"),
        Index(
            "uq_out_of_service_open",
            "dock_id",
            "bay_no",
            unique=True,
            **partial("back_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dock_id: Mapped[int] = mapped_column(ForeignKey("docks.id"))
    bay_no: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String(64))
    station: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("repair_cases.id"))
    back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    back_by: Mapped[str | None] = mapped_column(String(64))
    back_reason: Mapped[str] = mapped_column(Text, default="")

"""SQLAlchemy 2.x typed models. The rules that matter are constraints here, not only code."""

from __future__ import annotations

from datetime import date, datetime

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
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role"),)
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


class SignInFailure(Base):
    """Failed sign-ins, counted over a sliding window for the lockout."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_user_at", "username", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    station: Mapped[str] = mapped_column(String(64))


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
            sqlite_where=text("primary_officer_id IS NOT NULL"),
            postgresql_where=text("primary_officer_id IS NOT NULL"),
        ),
        Index("ix_units_status_model", "status", "model"),
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
    last_event_seq: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


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
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
        Index(
            "uq_checkouts_open_officer_slot",
            "officer_id",
            "slot",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
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

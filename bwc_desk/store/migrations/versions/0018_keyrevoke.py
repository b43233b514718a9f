"""keyrevoke: station keys revoked (append-only, endorsed)

Revision ID: keyrevoke
Revises: dirconfirm
Create Date: 2026-11-30

`station_key_revocations`: a station key revoked by an administrator (a stolen or rebuilt
station PC). From `revoked_at` on, nothing the key signs is trusted; what it signed before
still counts. Nothing is deleted: the key stays in `station_keys`, and the revocation is a
row of its own, signed (endorsed) by the revoking station's own active key, so that a row
added by hand does not verify. The database refuses UPDATE and DELETE of these rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bwc_desk.store.types
from bwc_desk.store.ledger_sql import append_only_ddl, drop_append_only_ddl

revision = 'keyrevoke'
down_revision = 'dirconfirm'  # (the lead relinks the chain at merge)
branch_labels = None
depends_on = None

TABLE = 'station_key_revocations'


def upgrade() -> None:
    op.create_table(TABLE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('revoked_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('revoked_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('revoking_station', sa.String(length=64), nullable=False),
    sa.Column('endorsed_by', sa.String(length=32), nullable=False),
    sa.Column('endorsement', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station_key_revocations')),
    sa.UniqueConstraint('key_id', name=op.f('uq_station_key_revocations_key_id'))
    )
    for statement in append_only_ddl(op.get_bind().dialect.name, TABLE):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_append_only_ddl(op.get_bind().dialect.name, TABLE):
        op.execute(statement)
    op.drop_table(TABLE)

"""ledger: station keys, signed checkpoints, the identity chain (with a dated baseline of
every current officer and camera)

Revision ID: ledger
Revises: counter
Create Date: 2026-11-30
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import bwc_desk.store.types
from bwc_desk.store.ledger_sql import append_only_ddl, drop_append_only_ddl

revision = 'ledger'
down_revision = 'counter'
branch_labels = None
depends_on = None

APPEND_ONLY = ('station_keys', 'ledger_checkpoints', 'identity_events')


def upgrade() -> None:
    op.create_table('station_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('registered_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('registered_by', sa.String(length=64), nullable=False),
    sa.Column('endorsed_by', sa.String(length=32), nullable=True),
    sa.Column('endorsement', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station_keys')),
    sa.UniqueConstraint('key_id', name=op.f('uq_station_keys_key_id')),
    sa.UniqueConstraint('public_key', name=op.f('uq_station_keys_public_key'))
    )
    op.create_table('ledger_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain', sa.String(length=20), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_checkpoints'))
    )
    op.create_index('ix_ledger_checkpoints_chain_seq', 'ledger_checkpoints', ['chain', 'seq'])
    op.create_table('identity_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('fields', sa.Text(), nullable=False),
    sa.Column('staff_username', sa.String(length=64), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_events')),
    sa.UniqueConstraint('seq', name=op.f('uq_identity_events_seq'))
    )
    op.create_index('ix_identity_entity', 'identity_events', ['entity', 'entity_id', 'seq'])
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        for statement in append_only_ddl(dialect, table):
            op.execute(statement)
    # Every officer and camera as it is now, once, dated: the identity chain starts here.
    from bwc_desk.store.identity import record_baseline

    record_baseline(op.get_bind(), datetime.now(UTC))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        for statement in drop_append_only_ddl(dialect, table):
            op.execute(statement)
    op.execute("DELETE FROM chain_heads WHERE chain = 'identity'")
    op.drop_index('ix_identity_entity', table_name='identity_events')
    op.drop_table('identity_events')
    op.drop_index('ix_ledger_checkpoints_chain_seq', table_name='ledger_checkpoints')
    op.drop_table('ledger_checkpoints')
    op.drop_table('station_keys')

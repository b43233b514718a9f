"""dbid: the database's own id, carried by its backups

Revision ID: dbid
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import bwc_desk.store.types


revision = 'dbid'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('database_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('database_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_database_identity_one_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_database_identity')),
    sa.UniqueConstraint('database_id', name=op.f('uq_database_identity_database_id'))
    )
    # A new id for every database, new or upgraded; a restored backup brings its own back.
    op.bulk_insert(table, [
        {'id': 1, 'database_id': str(uuid.uuid4()), 'created_at': datetime.now(UTC)},
    ])


def downgrade() -> None:
    op.drop_table('database_identity')

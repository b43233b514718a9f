"""dockreg: a camera's pending "undocked" record (coalescing a flapping bay)

Docks are registered now: the feed no longer creates dock rows. The docks that exist stay
registered as they are, so this revision leaves the docks table alone.

Revision ID: dockreg
Revises: ledger
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bwc_desk.store.types


revision = 'dockreg'
down_revision = 'ledger'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('unit_readings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_at', bwc_desk.store.types.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_unit_readings_left_at'), ['left_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('unit_readings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_readings_left_at'))
        batch_op.drop_column('left_at')

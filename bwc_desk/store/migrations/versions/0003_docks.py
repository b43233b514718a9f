"""docks: rates, progress, units' last readings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bwc_desk.store.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('unit_readings',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('dock', sa.String(length=64), nullable=False),
    sa.Column('bay_no', sa.Integer(), nullable=False),
    sa.Column('in_bay', sa.Boolean(), nullable=False),
    sa.Column('battery', sa.Integer(), nullable=True),
    sa.Column('charging', sa.Boolean(), nullable=True),
    sa.Column('files_done', sa.Integer(), nullable=True),
    sa.Column('files_total', sa.Integer(), nullable=True),
    sa.Column('bytes_done', sa.BigInteger(), nullable=True),
    sa.Column('bytes_total', sa.BigInteger(), nullable=True),
    sa.Column('updating', sa.Boolean(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('reported_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_readings_unit_id_units')),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_unit_readings'))
    )
    with op.batch_alter_table('bays', schema=None) as batch_op:
        batch_op.add_column(sa.Column('battery_rate', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('bytes_rate', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('last_progress_at', bwc_desk.store.types.UTCDateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('bays', schema=None) as batch_op:
        batch_op.drop_column('last_progress_at')
        batch_op.drop_column('bytes_rate')
        batch_op.drop_column('battery_rate')

    op.drop_table('unit_readings')

"""counter: bays held for the camera the counter told to use them

Revision ID: counter
Revises: accounts
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bwc_desk.store.types


revision = 'counter'
down_revision = 'accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bay_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dock', sa.String(length=64), nullable=False),
    sa.Column('bay_no', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('held_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_bay_holds_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bay_holds')),
    sa.UniqueConstraint('dock', 'bay_no', name='uq_bay_holds_bay'),
    sa.UniqueConstraint('unit_id', name='uq_bay_holds_unit')
    )


def downgrade() -> None:
    op.drop_table('bay_holds')

"""feedjournal: how far each station's dock feed journal is in the database

Revision ID: feedjournal
Revises: stations
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bwc_desk.store.types


revision = 'feedjournal'
down_revision = 'stations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feed_journal_marks',
    sa.Column('journal', sa.String(length=32), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('applied', sa.Integer(), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('updated_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('journal', name=op.f('pk_feed_journal_marks'))
    )


def downgrade() -> None:
    op.drop_table('feed_journal_marks')

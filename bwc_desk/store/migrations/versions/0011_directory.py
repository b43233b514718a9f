"""directory: officers keyed on their directory entry's stable id; one station's sync lease

Revision ID: directory
Revises: feedjournal
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bwc_desk.store.types


revision = 'directory'
down_revision = 'feedjournal'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # objectGUID (Active Directory) or entryUUID (OpenLDAP): a rename or a new badge in the
    # directory updates the officer it names, never a second one. NULL: not from the directory.
    op.add_column('officers', sa.Column('directory_id', sa.String(length=64), nullable=True))
    op.create_index('uq_officers_directory_id', 'officers', ['directory_id'], unique=True)
    # Which station runs the scheduled sync, until when (one at a time).
    op.create_table('directory_leases',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('expires_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('last_run_at', bwc_desk.store.types.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_directory_leases'))
    )


def downgrade() -> None:
    op.drop_table('directory_leases')
    op.drop_index('uq_officers_directory_id', table_name='officers')
    op.drop_column('officers', 'directory_id')

"""scanindex: indexes for the counter's scan (held bays, a unit's bay, its last return)

Revision ID: scanindex
Revises: feedjournal
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op


revision = 'scanindex'
down_revision = 'batches'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A hold stands until a camera is reported in its bay: without this, every held bay
    # read all of unit_readings at each return.
    op.create_index('ix_unit_readings_bay', 'unit_readings', ['dock', 'bay_no', 'reported_at'])
    # Every inventory row (one per scan) joins the unit's bay.
    op.create_index('ix_bays_unit_id', 'bays', ['unit_id'])
    # Lapsed holds are deleted at each return.
    op.create_index('ix_bay_holds_held_at', 'bay_holds', ['held_at'])
    # When a camera last came back: without this, the newest returns of every camera were
    # walked until one of this camera's turned up (all of them for a camera never returned).
    op.create_index('ix_checkouts_unit_returned', 'checkouts', ['unit_id', 'returned_at'])


def downgrade() -> None:
    op.drop_index('ix_checkouts_unit_returned', table_name='checkouts')
    op.drop_index('ix_bay_holds_held_at', table_name='bay_holds')
    op.drop_index('ix_bays_unit_id', table_name='bays')
    op.drop_index('ix_unit_readings_bay', table_name='unit_readings')

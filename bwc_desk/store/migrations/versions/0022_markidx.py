"""markidx: the change watcher's marks read by an index

Revision ID: markidx
Revises: tmppass
Create Date: 2026-12-01

Every station takes "marks" at start-up (before its first view reads) and, on SQLite, at
every poll: among them max(units.updated_at) and max(officers.updated_at), which scanned
both tables (6-8 ms each at 25,000 units and 40,000 officers, on the main thread at
start-up). With an index on each, SQLite and PostgreSQL read the maximum from its end.
"""

from __future__ import annotations

from alembic import op

revision = 'markidx'
down_revision = 'tmppass'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_units_updated_at', 'units', ['updated_at'])
    op.create_index('ix_officers_updated_at', 'officers', ['updated_at'])


def downgrade() -> None:
    op.drop_index('ix_officers_updated_at', table_name='officers')
    op.drop_index('ix_units_updated_at', table_name='units')

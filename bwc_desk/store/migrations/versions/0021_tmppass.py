"""tmppass: a password an administrator sets is temporary until its account chooses its own

Revision ID: tmppass
Revises: rootowner
Create Date: 2026-12-01

`staff.must_change_password`: set when an administrator adds an account or resets its
password (Staff accounts, `bwc-desk users add|change --reset-password`, local recovery with
`--reset-password`); the account must choose its own password at its next sign-in before
anything else (services/auth.py). Existing accounts keep the password they have: false.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'tmppass'
down_revision = 'rootowner'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff') as batch:
        batch.add_column(
            sa.Column('must_change_password', sa.Boolean(), nullable=False,
                      server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table('staff') as batch:
        batch.drop_column('must_change_password')

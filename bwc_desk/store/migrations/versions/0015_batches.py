"""batches: purchase batches of cameras (cost, licence, service life, warranty) and the
indexes the reports group by

Revision ID: batches
Revises: repairs
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'batches'
down_revision = 'repairs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('purchase_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('purchased_on', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('unit_cost_cents', sa.BigInteger(), nullable=False),
    sa.Column('licence_cost_cents', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('service_years', sa.Integer(), nullable=False),
    sa.Column('warranty_months', sa.Integer(), nullable=False),
    sa.CheckConstraint('count >= 0', name=op.f('ck_purchase_batches_count')),
    sa.CheckConstraint('unit_cost_cents >= 0 AND licence_cost_cents >= 0',
                       name=op.f('ck_purchase_batches_costs')),
    sa.CheckConstraint('service_years BETWEEN 1 AND 30', name=op.f('ck_purchase_batches_life')),
    sa.CheckConstraint('warranty_months BETWEEN 0 AND 240',
                       name=op.f('ck_purchase_batches_warranty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_batches')),
    sa.UniqueConstraint('name', name=op.f('uq_purchase_batches_name')),
    )
    with op.batch_alter_table('units') as batch:
        batch.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_units_batch_id_purchase_batches'),
                                 'purchase_batches', ['batch_id'], ['id'])
        batch.create_index('ix_units_batch_id', ['batch_id'])
    # The reports count events of a kind over a period (compliance, annual report).
    op.create_index('ix_custody_kind_at', 'custody_events', ['kind', 'at'])
    # "Returned, not docked": a camera's next docking or issue after a return, read from the
    # index alone (no row fetched per return).
    op.create_index('ix_custody_unit_seq_kind', 'custody_events', ['unit_id', 'seq', 'kind'])


def downgrade() -> None:
    op.drop_index('ix_custody_unit_seq_kind', table_name='custody_events')
    op.drop_index('ix_custody_kind_at', table_name='custody_events')
    with op.batch_alter_table('units') as batch:
        batch.drop_index('ix_units_batch_id')
        batch.drop_constraint(op.f('fk_units_batch_id_purchase_batches'), type_='foreignkey')
        batch.drop_column('batch_id')
    op.drop_table('purchase_batches')

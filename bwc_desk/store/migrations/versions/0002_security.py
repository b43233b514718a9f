"""security: accounts, audit log, backups

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bwc_desk.store.types
from bwc_desk.store.ledger_sql import append_only_ddl, drop_append_only_ddl


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('backups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('integrity', sa.String(length=200), nullable=False),
    sa.Column('made_by', sa.String(length=64), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_backups'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('staff_username', sa.String(length=64), nullable=True),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_audit_log_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_log_seq'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_event', ['event'], unique=False)

    op.create_table('sign_in_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_sign_in_failures_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures'))
    )
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_failures_user_at', ['username', 'at'], unique=False)

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('badge_code', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('pin_hash', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('locked_at', bwc_desk.store.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('lock_reason', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('failures_cleared_at', bwc_desk.store.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('password_changed_at', bwc_desk.store.types.UTCDateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_staff_badge_code'), ['badge_code'])
    for statement in append_only_ddl(op.get_bind().dialect.name, 'audit_log'):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_append_only_ddl(op.get_bind().dialect.name, 'audit_log'):
        op.execute(statement)
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_staff_badge_code'), type_='unique')
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('failures_cleared_at')
        batch_op.drop_column('lock_reason')
        batch_op.drop_column('locked_at')
        batch_op.drop_column('pin_hash')
        batch_op.drop_column('badge_code')

    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_failures_user_at')

    op.drop_table('sign_in_failures')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event')
        batch_op.drop_index('ix_audit_at')

    op.drop_table('audit_log')
    op.drop_table('backups')

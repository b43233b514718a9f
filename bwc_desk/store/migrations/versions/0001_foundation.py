"""foundation: units, officers, staff, custody ledger, docks

Revision ID: 0001
Revises: 
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bwc_desk.store.types
from bwc_desk.store.ledger_sql import append_only_ddl, drop_append_only_ddl


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chain_heads',
    sa.Column('chain', sa.String(length=20), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('chain', name=op.f('pk_chain_heads'))
    )
    op.create_table('docks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('bays', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=120), nullable=False),
    sa.Column('last_seen_at', bwc_desk.store.types.UTCDateTime(), nullable=True),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_docks')),
    sa.UniqueConstraint('name', name=op.f('uq_docks_name'))
    )
    op.create_table('officers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('badge', sa.String(length=32), nullable=False),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('rank', sa.String(length=40), nullable=False),
    sa.Column('division', sa.String(length=80), nullable=False),
    sa.Column('shift', sa.String(length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('scan_code', sa.String(length=64), nullable=False),
    sa.Column('pin_hash', sa.String(length=255), nullable=True),
    sa.Column('created_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officers')),
    sa.UniqueConstraint('badge', name=op.f('uq_officers_badge')),
    sa.UniqueConstraint('scan_code', name=op.f('uq_officers_scan_code'))
    )
    op.create_table('pools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('division', sa.String(length=80), nullable=False),
    sa.Column('shift', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pools')),
    sa.UniqueConstraint('name', name=op.f('uq_pools_name'))
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('shifts',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('starts', sa.String(length=5), nullable=False),
    sa.Column('ends', sa.String(length=5), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_shifts'))
    )
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint("role IN ('quartermaster', 'supervisor', 'admin', 'auditor')", name=op.f('ck_staff_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_username'))
    )
    op.create_table('stations',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('hostname', sa.String(length=255), nullable=False),
    sa.Column('first_seen', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('last_seen', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_stations'))
    )
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_tag', sa.String(length=64), nullable=False),
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.Column('model', sa.String(length=80), nullable=False),
    sa.Column('firmware', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('purchase_date', sa.Date(), nullable=True),
    sa.Column('warranty_until', sa.Date(), nullable=True),
    sa.Column('primary_officer_id', sa.Integer(), nullable=True),
    sa.Column('pool_id', sa.Integer(), nullable=True),
    sa.Column('repair_vendor', sa.String(length=80), nullable=False),
    sa.Column('repair_ticket', sa.String(length=80), nullable=False),
    sa.Column('repair_expected', sa.Date(), nullable=True),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('last_event_seq', sa.Integer(), nullable=True),
    sa.Column('created_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('available', 'issued', 'in repair', 'lost', 'stolen', 'retired')", name=op.f('ck_units_status')),
    sa.CheckConstraint('primary_officer_id IS NULL OR pool_id IS NULL', name=op.f('ck_units_assigned_or_pooled')),
    sa.ForeignKeyConstraint(['pool_id'], ['pools.id'], name=op.f('fk_units_pool_id_pools')),
    sa.ForeignKeyConstraint(['primary_officer_id'], ['officers.id'], name=op.f('fk_units_primary_officer_id_officers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('asset_tag', name=op.f('uq_units_asset_tag')),
    sa.UniqueConstraint('serial', name=op.f('uq_units_serial'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index('ix_units_status_model', ['status', 'model'], unique=False)
        batch_op.create_index('uq_units_primary_officer', ['primary_officer_id'], unique=True, sqlite_where=sa.text('primary_officer_id IS NOT NULL'), postgresql_where=sa.text('primary_officer_id IS NOT NULL'))

    op.create_table('bays',
    sa.Column('dock_id', sa.Integer(), nullable=False),
    sa.Column('bay_no', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=64), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('battery', sa.Integer(), nullable=True),
    sa.Column('charging', sa.Boolean(), nullable=True),
    sa.Column('files_done', sa.Integer(), nullable=True),
    sa.Column('files_total', sa.Integer(), nullable=True),
    sa.Column('bytes_done', sa.BigInteger(), nullable=True),
    sa.Column('bytes_total', sa.BigInteger(), nullable=True),
    sa.Column('updating', sa.Boolean(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('reported_at', bwc_desk.store.types.UTCDateTime(), nullable=True),
    sa.Column('occupied_since', bwc_desk.store.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['dock_id'], ['docks.id'], name=op.f('fk_bays_dock_id_docks')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_bays_unit_id_units')),
    sa.PrimaryKeyConstraint('dock_id', 'bay_no', name=op.f('pk_bays'))
    )
    op.create_table('checkouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('issued_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('issued_seq', sa.Integer(), nullable=False),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('issued_station', sa.String(length=64), nullable=False),
    sa.Column('expected_return', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('swap_reason', sa.String(length=200), nullable=False),
    sa.Column('returned_at', bwc_desk.store.types.UTCDateTime(), nullable=True),
    sa.Column('returned_seq', sa.Integer(), nullable=True),
    sa.Column('returned_by', sa.String(length=64), nullable=True),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.CheckConstraint('slot IN (1, 2)', name=op.f('ck_checkouts_slot')),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_checkouts_officer_id_officers')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_checkouts_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkouts'))
    )
    with op.batch_alter_table('checkouts', schema=None) as batch_op:
        batch_op.create_index('ix_checkouts_returned_at', ['returned_at'], unique=False)
        batch_op.create_index('uq_checkouts_open_officer_slot', ['officer_id', 'slot'], unique=True, sqlite_where=sa.text('returned_at IS NULL'), postgresql_where=sa.text('returned_at IS NULL'))
        batch_op.create_index('uq_checkouts_open_unit', ['unit_id'], unique=True, sqlite_where=sa.text('returned_at IS NULL'), postgresql_where=sa.text('returned_at IS NULL'))

    op.create_table('custody_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('staff_username', sa.String(length=64), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('corrects_seq', sa.Integer(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_custody_events_officer_id_officers')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_custody_events_staff_id_staff')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_custody_events_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_events')),
    sa.UniqueConstraint('seq', name=op.f('uq_custody_events_seq'))
    )
    with op.batch_alter_table('custody_events', schema=None) as batch_op:
        batch_op.create_index('ix_custody_at', ['at'], unique=False)
        batch_op.create_index('ix_custody_officer_seq', ['officer_id', 'seq'], unique=False)
        batch_op.create_index('ix_custody_unit_seq', ['unit_id', 'seq'], unique=False)

    for statement in append_only_ddl(op.get_bind().dialect.name, 'custody_events'):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_append_only_ddl(op.get_bind().dialect.name, 'custody_events'):
        op.execute(statement)
    with op.batch_alter_table('custody_events', schema=None) as batch_op:
        batch_op.drop_index('ix_custody_unit_seq')
        batch_op.drop_index('ix_custody_officer_seq')
        batch_op.drop_index('ix_custody_at')

    op.drop_table('custody_events')
    with op.batch_alter_table('checkouts', schema=None) as batch_op:
        batch_op.drop_index('uq_checkouts_open_unit', sqlite_where=sa.text('returned_at IS NULL'), postgresql_where=sa.text('returned_at IS NULL'))
        batch_op.drop_index('uq_checkouts_open_officer_slot', sqlite_where=sa.text('returned_at IS NULL'), postgresql_where=sa.text('returned_at IS NULL'))
        batch_op.drop_index('ix_checkouts_returned_at')

    op.drop_table('checkouts')
    op.drop_table('bays')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index('uq_units_primary_officer', sqlite_where=sa.text('primary_officer_id IS NOT NULL'), postgresql_where=sa.text('primary_officer_id IS NOT NULL'))
        batch_op.drop_index('ix_units_status_model')

    op.drop_table('units')
    op.drop_table('stations')
    op.drop_table('staff')
    op.drop_table('shifts')
    op.drop_table('settings')
    op.drop_table('pools')
    op.drop_table('officers')
    op.drop_table('docks')
    op.drop_table('chain_heads')

"""cageaudit: audits of the cage (expected, found, missing), their scans and missing-camera
cases; where each camera is kept (units.location)

Revision ID: cageaudit
Revises: feedjournal
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bwc_desk.store.types
from bwc_desk.store.ledger_sql import (
    append_only_ddl,
    closed_record_ddl,
    drop_append_only_ddl,
    drop_closed_record_ddl,
)

revision = 'cageaudit'
down_revision = 'dirstaff'
branch_labels = None
depends_on = None

# Once finished an audit is frozen; a case once resolved. Neither is ever deleted.
GUARDS = (
    ('cage_audits', "OLD.state <> 'open'",
     ('id', 'scope', 'scope_key', 'scope_label', 'pool_id', 'started_by', 'started_by_id',
      'station', 'started_at'),
     'is a record: an audit is finished once and never changed or deleted'),
    ('cage_audit_cases', 'OLD.resolved_at IS NOT NULL',
     ('id', 'audit_id', 'unit_id', 'opened_at', 'opened_by'),
     'is a record: a case is resolved once and never changed or deleted'),
)


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('location', sa.String(length=120), server_default='', nullable=False))

    op.create_table('cage_audits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('scope_key', sa.String(length=120), nullable=False),
    sa.Column('scope_label', sa.String(length=120), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('started_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('finished_by', sa.String(length=64), nullable=True),
    sa.Column('finished_station', sa.String(length=64), nullable=True),
    sa.Column('finished_at', bwc_desk.store.types.UTCDateTime(), nullable=True),
    sa.Column('report', sa.Text(), nullable=True),
    sa.Column('report_sha256', sa.String(length=64), nullable=True),
    sa.CheckConstraint("scope IN ('all', 'location', 'pool')", name=op.f('ck_cage_audits_scope')),
    sa.CheckConstraint("state IN ('open', 'finished')", name=op.f('ck_cage_audits_state')),
    sa.CheckConstraint("(state = 'open' AND finished_at IS NULL) OR (state = 'finished' AND finished_at IS NOT NULL AND finished_by IS NOT NULL AND report_sha256 IS NOT NULL)", name=op.f('ck_cage_audits_finished')),
    sa.ForeignKeyConstraint(['pool_id'], ['pools.id'], name=op.f('fk_cage_audits_pool_id_pools')),
    sa.ForeignKeyConstraint(['started_by_id'], ['staff.id'], name=op.f('fk_cage_audits_started_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cage_audits'))
    )
    with op.batch_alter_table('cage_audits', schema=None) as batch_op:
        batch_op.create_index('uq_cage_audits_open_scope', ['scope', 'scope_key'], unique=True, sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))

    op.create_table('cage_audit_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('location', sa.String(length=120), nullable=False),
    sa.Column('scanned_by', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("source IN ('scan', 'dock')", name=op.f('ck_cage_audit_scans_source')),
    sa.ForeignKeyConstraint(['audit_id'], ['cage_audits.id'], name=op.f('fk_cage_audit_scans_audit_id_cage_audits')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_cage_audit_scans_staff_id_staff')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_cage_audit_scans_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cage_audit_scans')),
    sa.UniqueConstraint('audit_id', 'unit_id', name='uq_cage_audit_scans_audit_unit')
    )

    op.create_table('cage_audit_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('opened_by', sa.String(length=64), nullable=False),
    sa.Column('resolved_at', bwc_desk.store.types.UTCDateTime(), nullable=True),
    sa.Column('resolved_by', sa.String(length=64), nullable=True),
    sa.Column('resolved_station', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=8), nullable=True),
    sa.Column('found_location', sa.String(length=120), nullable=True),
    sa.Column('report_number', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("(resolved_at IS NULL AND outcome IS NULL AND resolved_by IS NULL) OR (resolved_at IS NOT NULL AND resolved_by IS NOT NULL AND ((COALESCE(outcome, '') = 'found' AND COALESCE(found_location, '') <> '') OR (COALESCE(outcome, '') = 'lost' AND COALESCE(report_number, '') <> '')))", name=op.f('ck_cage_audit_cases_resolution')),
    sa.ForeignKeyConstraint(['audit_id'], ['cage_audits.id'], name=op.f('fk_cage_audit_cases_audit_id_cage_audits')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_cage_audit_cases_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cage_audit_cases')),
    sa.UniqueConstraint('audit_id', 'unit_id', name='uq_cage_audit_cases_audit_unit')
    )

    dialect = op.get_bind().dialect.name
    for statement in append_only_ddl(dialect, 'cage_audit_scans'):
        op.execute(statement)
    for table, closed_when, fixed, message in GUARDS:
        for statement in closed_record_ddl(dialect, table, closed_when, fixed, message):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, *_rest in GUARDS:
        for statement in drop_closed_record_ddl(dialect, table):
            op.execute(statement)
    for statement in drop_append_only_ddl(dialect, 'cage_audit_scans'):
        op.execute(statement)
    op.drop_table('cage_audit_cases')
    op.drop_table('cage_audit_scans')
    with op.batch_alter_table('cage_audits', schema=None) as batch_op:
        batch_op.drop_index('uq_cage_audits_open_scope', sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))
    op.drop_table('cage_audits')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('location')

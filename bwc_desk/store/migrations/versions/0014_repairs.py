"""repairs: the daily dock inspection (an editable checklist, the inspections, docks and bays
out of service) and repair cases with their append-only events

Revision ID: repairs
Revises: feedjournal
Create Date: 2026-11-30
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import bwc_desk.store.types
from bwc_desk.store.ledger_sql import append_only_ddl, drop_append_only_ddl

revision = 'repairs'
down_revision = 'feedjournal'
branch_labels = None
depends_on = None

APPEND_ONLY = ('dock_inspections', 'inspection_results', 'repair_events')
DEFAULT_CHECKLIST = (
    ('Power: the dock is on, its power lead and supply are sound', 'dock'),
    ('Network: the dock is online and reporting', 'dock'),
    ('Contacts and lights of the bay', 'bay'),
    ('Clean: no dust, debris or liquid on the dock', 'dock'),
)


def upgrade() -> None:
    op.create_table('inspection_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint("scope IN ('dock', 'bay')", name=op.f('ck_inspection_items_scope')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_items'))
    )
    op.create_table('dock_inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dock_id', sa.Integer(), nullable=False),
    sa.Column('at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('staff_username', sa.String(length=64), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['dock_id'], ['docks.id'], name=op.f('fk_dock_inspections_dock_id_docks')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_dock_inspections_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dock_inspections'))
    )
    op.create_index('ix_dock_inspections_dock_at', 'dock_inspections', ['dock_id', 'at'])
    op.create_table('inspection_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('bay_no', sa.Integer(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['dock_inspections.id'], name=op.f('fk_inspection_results_inspection_id_dock_inspections')),
    sa.ForeignKeyConstraint(['item_id'], ['inspection_items.id'], name=op.f('fk_inspection_results_item_id_inspection_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_results')),
    sa.UniqueConstraint('inspection_id', 'item_id', 'bay_no', name='uq_inspection_results_line')
    )
    op.create_table('repair_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('dock_id', sa.Integer(), nullable=True),
    sa.Column('bay_no', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('symptom', sa.Text(), nullable=False),
    sa.Column('reported_by', sa.String(length=64), nullable=False),
    sa.Column('reported_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('vendor', sa.String(length=80), nullable=False),
    sa.Column('rma', sa.String(length=80), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('replacement_unit_id', sa.Integer(), nullable=True),
    sa.Column('cost_cents', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('closed_at', bwc_desk.store.types.UTCDateTime(), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('retest_unit_id', sa.Integer(), nullable=True),
    sa.Column('retest_passed_at', bwc_desk.store.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("source IN ('function test', 'damaged return', 'inspection', 'manual')", name=op.f('ck_repair_cases_source')),
    sa.CheckConstraint("state IN ('open', 'at vendor', 'closed')", name=op.f('ck_repair_cases_state')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('back', 'replaced', 'written off', 'fixed', 'withdrawn')", name=op.f('ck_repair_cases_outcome')),
    sa.CheckConstraint('(unit_id IS NULL) <> (dock_id IS NULL) AND (dock_id IS NULL) = (bay_no IS NULL)', name=op.f('ck_repair_cases_one_target')),
    sa.CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name=op.f('ck_repair_cases_closed')),
    sa.CheckConstraint('cost_cents IS NULL OR cost_cents >= 0', name=op.f('ck_repair_cases_cost')),
    sa.CheckConstraint("outcome <> 'replaced' OR replacement_unit_id IS NOT NULL", name=op.f('ck_repair_cases_repl')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_repair_cases_unit_id_units')),
    sa.ForeignKeyConstraint(['dock_id'], ['docks.id'], name=op.f('fk_repair_cases_dock_id_docks')),
    sa.ForeignKeyConstraint(['inspection_id'], ['dock_inspections.id'], name=op.f('fk_repair_cases_inspection_id_dock_inspections')),
    sa.ForeignKeyConstraint(['replacement_unit_id'], ['units.id'], name=op.f('fk_repair_cases_replacement_unit_id_units')),
    sa.ForeignKeyConstraint(['retest_unit_id'], ['units.id'], name=op.f('fk_repair_cases_retest_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_cases'))
    )
    op.create_index('uq_repair_cases_open_unit', 'repair_cases', ['unit_id'], unique=True,
                    sqlite_where=sa.text('closed_at IS NULL AND unit_id IS NOT NULL'),
                    postgresql_where=sa.text('closed_at IS NULL AND unit_id IS NOT NULL'))
    op.create_index('uq_repair_cases_open_bay', 'repair_cases', ['dock_id', 'bay_no'], unique=True,
                    sqlite_where=sa.text('closed_at IS NULL AND dock_id IS NOT NULL'),
                    postgresql_where=sa.text('closed_at IS NULL AND dock_id IS NOT NULL'))
    op.create_index('ix_repair_cases_reported_at', 'repair_cases', ['reported_at'])
    op.create_index(op.f('ix_repair_cases_retest_unit_id'), 'repair_cases', ['retest_unit_id'])
    op.create_table('repair_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('staff_username', sa.String(length=64), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['repair_cases.id'], name=op.f('fk_repair_events_case_id_repair_cases')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_repair_events_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_events'))
    )
    op.create_index('ix_repair_events_case', 'repair_events', ['case_id', 'id'])
    op.create_table('out_of_service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dock_id', sa.Integer(), nullable=False),
    sa.Column('bay_no', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('since', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('back_at', bwc_desk.store.types.UTCDateTime(), nullable=True),
    sa.Column('back_by', sa.String(length=64), nullable=True),
    sa.Column('back_reason', sa.Text(), nullable=False),
    sa.CheckConstraint('bay_no >= 0', name=op.f('ck_out_of_service_bay_no')),
    sa.ForeignKeyConstraint(['dock_id'], ['docks.id'], name=op.f('fk_out_of_service_dock_id_docks')),
    sa.ForeignKeyConstraint(['case_id'], ['repair_cases.id'], name=op.f('fk_out_of_service_case_id_repair_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_out_of_service'))
    )
    op.create_index('uq_out_of_service_open', 'out_of_service', ['dock_id', 'bay_no'], unique=True,
                    sqlite_where=sa.text('back_at IS NULL'),
                    postgresql_where=sa.text('back_at IS NULL'))
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        for statement in append_only_ddl(dialect, table):
            op.execute(statement)
    items = sa.table('inspection_items',
                     sa.column('label', sa.String), sa.column('scope', sa.String),
                     sa.column('position', sa.Integer), sa.column('active', sa.Boolean),
                     sa.column('created_at', bwc_desk.store.types.UTCDateTime()),
                     sa.column('created_by', sa.String))
    now = datetime.now(UTC)
    op.bulk_insert(items, [
        {'label': label, 'scope': scope, 'position': i, 'active': True,
         'created_at': now, 'created_by': 'system'}
        for i, (label, scope) in enumerate(DEFAULT_CHECKLIST, start=1)
    ])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        for statement in drop_append_only_ddl(dialect, table):
            op.execute(statement)
    op.drop_index('uq_out_of_service_open', table_name='out_of_service')
    op.drop_table('out_of_service')
    op.drop_index('ix_repair_events_case', table_name='repair_events')
    op.drop_table('repair_events')
    op.drop_index(op.f('ix_repair_cases_retest_unit_id'), table_name='repair_cases')
    op.drop_index('ix_repair_cases_reported_at', table_name='repair_cases')
    op.drop_index('uq_repair_cases_open_bay', table_name='repair_cases')
    op.drop_index('uq_repair_cases_open_unit', table_name='repair_cases')
    op.drop_table('repair_cases')
    op.drop_table('inspection_results')
    op.drop_index('ix_dock_inspections_dock_at', table_name='dock_inspections')
    op.drop_table('dock_inspections')
    op.drop_table('inspection_items')

"""opencases: a repair case for every camera in repair without one (data only)

Revision ID: opencases
Revises: keyrevoke
Create Date: 2026-12-01

Before this version, moving a camera into "in repair" (Inventory's Send to repair, a bulk
action, an import, a defect reported at the counter) opened no repair case: the Repairs tab
neither showed those cameras nor could close them. Each camera in repair with no open case
gets one now, as ``services.repair_cases.camera_sent_to_repair`` opens it today: source
"manual", the unit's status reason as the symptom, its vendor, and with a ticket the case is
"at vendor" with a "sent to vendor" event, sent on the UTC date of the case (a migration
knows no station time zone).

Dated the camera's last move into repair (its newest "sent to repair" custody event, or
its registration in repair) when there is one, else the time of the migration (UTC).
Written, like the identity baseline of migration ``ledger``, by user "system" at station "migration"; the
events' details say so and when they were written. Only adds rows: no custody record, unit
or existing case is changed (the camera's vendor and ticket already are the case's). No
audit record is written: a migration is not a staff member's action, and the audit chain
is the stations' (the repair events carry who, station and when).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import bwc_desk.store.types

revision = 'opencases'
down_revision = 'keyrevoke'  # (the lead relinks the chain at merge)
branch_labels = None
depends_on = None

WHO, STATION = 'system', 'migration'
NO_REASON = 'in repair before this version opened repair cases (no reason was recorded)'
_meta = sa.MetaData()
_utc = bwc_desk.store.types.UTCDateTime
units = sa.Table(
    'units', _meta,
    sa.Column('id', sa.Integer, primary_key=True), sa.Column('status', sa.String),
    sa.Column('status_reason', sa.Text), sa.Column('repair_vendor', sa.String),
    sa.Column('repair_ticket', sa.String),
)
events = sa.Table(
    'custody_events', _meta,
    sa.Column('id', sa.Integer, primary_key=True), sa.Column('seq', sa.Integer),
    sa.Column('at', _utc()), sa.Column('kind', sa.String), sa.Column('unit_id', sa.Integer),
    sa.Column('details', sa.Text),
)
cases = sa.Table(
    'repair_cases', _meta,
    sa.Column('id', sa.Integer, primary_key=True), sa.Column('unit_id', sa.Integer),
    sa.Column('source', sa.String), sa.Column('symptom', sa.Text),
    sa.Column('reported_by', sa.String), sa.Column('reported_at', _utc()),
    sa.Column('station', sa.String), sa.Column('state', sa.String),
    sa.Column('vendor', sa.String), sa.Column('rma', sa.String), sa.Column('sent_on', sa.Date),
    sa.Column('currency', sa.String), sa.Column('closed_at', _utc()),
)
case_events = sa.Table(
    'repair_events', _meta,
    sa.Column('id', sa.Integer, primary_key=True), sa.Column('case_id', sa.Integer),
    sa.Column('at', _utc()), sa.Column('kind', sa.String), sa.Column('staff_id', sa.Integer),
    sa.Column('staff_username', sa.String), sa.Column('station', sa.String),
    sa.Column('note', sa.Text), sa.Column('details', sa.Text),
)


def _details(values: dict[str, Any]) -> str:
    return json.dumps(values, sort_keys=True, default=str)  # canonical, as case_event writes


def upgrade() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC)
    last_move = (
        sa.select(events.c.at)
        .where(events.c.unit_id == units.c.id, sa.or_(
            events.c.kind == 'sent to repair',
            # registered (added or imported) in repair; canonical JSON, as ledger writes it
            sa.and_(events.c.kind == 'registered',
                    events.c.details.like('%"status":"in repair"%')),
        ))
        .order_by(events.c.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    has_open = sa.exists().where(cases.c.unit_id == units.c.id, cases.c.closed_at.is_(None))
    rows = conn.execute(
        sa.select(units.c.id, units.c.status_reason, units.c.repair_vendor,
                  units.c.repair_ticket, last_move.label('since'))
        .where(units.c.status == 'in repair', ~has_open)
        .order_by(units.c.id)
    ).all()
    written = {'migration': revision, 'written_at': now.isoformat()}
    for unit_id, reason, vendor, ticket, since in rows:
        at = since or now
        symptom = (reason or '').strip() or NO_REASON
        vendor, ticket = (vendor or '').strip(), (ticket or '').strip()
        sent_on = at.date() if ticket else None
        inserted = conn.execute(cases.insert().values(
            unit_id=unit_id, source='manual', symptom=symptom, reported_by=WHO,
            reported_at=at, station=STATION, state='at vendor' if ticket else 'open',
            vendor=vendor, rma=ticket, sent_on=sent_on, currency='USD',
        )).inserted_primary_key
        assert inserted is not None
        case_id = inserted[0]
        lines = [('opened', symptom, {'source': 'manual', **written})]
        if sent_on is not None:
            lines.append(('sent to vendor', '', {'vendor': vendor, 'rma': ticket,
                                                 'sent_on': sent_on.isoformat(), **written}))
        conn.execute(case_events.insert(), [
            {'case_id': case_id, 'at': at, 'kind': kind, 'staff_id': None,
             'staff_username': WHO, 'station': STATION, 'note': note,
             'details': _details(details)}
            for kind, note, details in lines
        ])


def downgrade() -> None:
    # The cases are records now (their events are append-only): a downgrade keeps them; the
    # older version shows them as it shows any case.
    pass

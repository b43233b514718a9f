"""stations: each station claims its name by the id kept in its station.json

Revision ID: stations
Revises: dockreg
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'stations'
down_revision = 'dockreg'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows from before have no id: the first station to start under that name claims it.
    with op.batch_alter_table('stations') as batch:
        batch.add_column(sa.Column('station_id', sa.String(length=36), nullable=True))
        batch.create_unique_constraint(op.f('uq_stations_station_id'), ['station_id'])


def downgrade() -> None:
    with op.batch_alter_table('stations') as batch:
        batch.drop_constraint(op.f('uq_stations_station_id'), type_='unique')
        batch.drop_column('station_id')

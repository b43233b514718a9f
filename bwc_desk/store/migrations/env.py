"""Alembic environment. Run through bwc_desk.store.migrate, never through alembic.ini."""

from __future__ import annotations

from alembic import context

from bwc_desk.store.models import Base, postgresql_index_options

config = context.config
connection = config.attributes["connection"]
if connection.dialect.name == "postgresql":
    postgresql_index_options()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things: batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

"""rootowner: on PostgreSQL only the database owner registers a trust root key

Revision ID: rootowner
Revises: opencases
Create Date: 2026-12-01

A station key with no endorsement (`station_keys.endorsed_by` NULL) is a trust root: what
it signs is believed on its own. The stations' role may insert keys (an administrator
registers another station's key at a station whose key is registered, endorsed by it), so
without more, whoever holds a station's credentials could write a root key of their own
(on a database with no key yet, the first one is trusted). A trigger refuses an unendorsed
key unless the connection's role is (a member of) the database's owner: the agency's trust
root is set by whoever set up the agency (`bwc-desk keys init-root`), never by a station.
SQLite has no roles: whoever can write the file is its owner.
"""

from __future__ import annotations

from alembic import op

revision = 'rootowner'
down_revision = 'opencases'
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION bwc_root_key_by_owner() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.endorsed_by IS NULL AND NOT pg_has_role(
            current_user,
            (SELECT datdba FROM pg_database WHERE datname = current_database()),
            'MEMBER') THEN
        RAISE EXCEPTION 'a trust root station key is registered only with the database '
                        'owner''s connection (bwc-desk keys init-root)'
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)
        op.execute("CREATE TRIGGER station_keys_root_by_owner BEFORE INSERT ON station_keys "
                   "FOR EACH ROW EXECUTE FUNCTION bwc_root_key_by_owner()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS station_keys_root_by_owner ON station_keys")
        op.execute("DROP FUNCTION IF EXISTS bwc_root_key_by_owner()")

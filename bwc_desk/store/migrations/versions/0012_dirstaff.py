"""dirstaff: staff accounts that sign in with their directory password

Revision ID: dirstaff
Revises: directory
Create Date: 2026-11-30

`staff.source` says where an account comes from: 'local' (its own Argon2id password, the
break-glass administrator among them) or 'directory' (an LDAP bind at each sign-in, the role
from its groups, no password kept); `staff.directory_dn` names its directory entry.
On PostgreSQL the stations' role may not write staff rows, so one more SECURITY DEFINER
function creates or updates a directory account after a good bind, and never touches a local
account (so a station's credentials cannot turn a local account into anything).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'dirstaff'
down_revision = 'directory'  # (the lead relinks the chain at merge)
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION bwc_directory_staff(p_username text, p_dn text, p_display text,
                                               p_role text, p_at timestamp)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_id integer;
    v_source text;
BEGIN
    SELECT id, source INTO v_id, v_source FROM staff WHERE username = p_username FOR UPDATE;
    IF v_id IS NULL THEN
        INSERT INTO staff (username, display_name, role, password_hash, active, created_at,
                           created_by, lock_reason, source, directory_dn)
        VALUES (p_username, left(p_display, 120), p_role, '!directory', true, p_at,
                'directory', '', 'directory', left(p_dn, 512))
        RETURNING id INTO v_id;
    ELSIF v_source = 'directory' THEN
        UPDATE staff SET display_name = left(p_display, 120), role = p_role,
                         directory_dn = left(p_dn, 512)
        WHERE id = v_id;
    ELSE
        RAISE EXCEPTION 'staff account % is local', p_username;
    END IF;
    RETURN v_id;
END
$$
"""


def upgrade() -> None:
    with op.batch_alter_table('staff') as batch:
        batch.add_column(
            sa.Column('source', sa.String(length=16), server_default='local', nullable=False)
        )
        batch.add_column(sa.Column('directory_dn', sa.String(length=512), nullable=True))
        batch.create_check_constraint('source', "source IN ('local', 'directory')")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)
        op.execute(
            "REVOKE ALL ON FUNCTION bwc_directory_staff(text, text, text, text, timestamp) "
            "FROM PUBLIC"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS bwc_directory_staff(text, text, text, text, timestamp)")
    with op.batch_alter_table('staff') as batch:
        batch.drop_constraint('source', type_='check')
        batch.drop_column('directory_dn')
        batch.drop_column('source')

"""dirconfirm: when the directory last confirmed a directory account's role; locked user names

Revision ID: dirconfirm
Revises: scanindex
Create Date: 2026-11-30

`staff.role_confirmed_at`: when the directory last said which role a directory account has
(a directory sign-in, or a badge+PIN sign-in that could ask it). A badge+PIN sign-in while
the directory cannot be reached accepts the cached role only within the agency's limit;
NULL (never confirmed, or the directory refused the account since) accepts none.

`name_locks`: a user name with no staff account that its failed sign-ins locked (a directory
user who never signed in, or a name that exists nowhere), so that an administrator can see
and unlock it. `name_key` is the digest sign_in_failures keeps for such a name; `name` is the
name as typed, or '' when it looked like a password (never written down).

On PostgreSQL the stations' role may not write staff rows: bwc_directory_staff() now also
records the confirmation, and bwc_directory_unconfirm() clears it when the directory refuses
the account.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bwc_desk.store.types


revision = 'dirconfirm'
down_revision = 'scanindex'  # (the lead relinks the chain at merge)
branch_labels = None
depends_on = None


def _staff_function(confirm: bool) -> str:
    insert_cols = ", role_confirmed_at" if confirm else ""
    insert_vals = ", p_at" if confirm else ""
    update_set = ", role_confirmed_at = p_at" if confirm else ""
    return f"""
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
                           created_by, lock_reason, source, directory_dn{insert_cols})
        VALUES (p_username, left(p_display, 120), p_role, '!directory', true, p_at,
                'directory', '', 'directory', left(p_dn, 512){insert_vals})
        RETURNING id INTO v_id;
    ELSIF v_source = 'directory' THEN
        UPDATE staff SET display_name = left(p_display, 120), role = p_role,
                         directory_dn = left(p_dn, 512){update_set}
        WHERE id = v_id;
    ELSE
        RAISE EXCEPTION 'staff account % is local', p_username;
    END IF;
    RETURN v_id;
END
$$
"""


UNCONFIRM = """
CREATE OR REPLACE FUNCTION bwc_directory_unconfirm(p_id integer)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE staff SET role_confirmed_at = NULL WHERE id = p_id AND source = 'directory';
END
$$
"""


def upgrade() -> None:
    with op.batch_alter_table('staff') as batch:
        batch.add_column(
            sa.Column('role_confirmed_at', bwc_desk.store.types.UTCDateTime(), nullable=True)
        )
    op.create_table('name_locks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('locked_at', bwc_desk.store.types.UTCDateTime(), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('unlocked_at', bwc_desk.store.types.UTCDateTime(), nullable=True),
    sa.Column('unlocked_by', sa.String(length=64), nullable=True),
    sa.Column('unlock_station', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_name_locks'))
    )
    op.create_index('ix_name_locks_key', 'name_locks', ['name_key', 'locked_at'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_staff_function(True))
        op.execute(UNCONFIRM)
        op.execute("REVOKE ALL ON FUNCTION bwc_directory_unconfirm(integer) FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS bwc_directory_unconfirm(integer)")
        op.execute(_staff_function(False))
    op.drop_index('ix_name_locks_key', table_name='name_locks')
    op.drop_table('name_locks')
    with op.batch_alter_table('staff') as batch:
        batch.drop_column('role_confirmed_at')

"""accounts: on PostgreSQL, the only ways a station's role may change a staff row

Revision ID: accounts
Revises: dbid
Create Date: 2026-11-30

The stations' role has no INSERT, UPDATE or DELETE on `staff` (grant-app-role revokes them):
a station that holds its credentials cannot make itself an administrator. Sign-in still has
to clear an account's failure count and lock an account after too many failures; these two
SECURITY DEFINER functions, owned by the schema owner, do exactly that and nothing else.
Nothing on SQLite (one station, one file: the file's permissions are the boundary).
"""

from __future__ import annotations

from alembic import op


revision = 'accounts'
down_revision = 'dbid'
branch_labels = None
depends_on = None

FUNCTIONS = (
    """
    CREATE OR REPLACE FUNCTION bwc_sign_in_succeeded(p_staff_id integer, p_at timestamp)
    RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        UPDATE staff SET failures_cleared_at = p_at
        WHERE id = p_staff_id AND locked_at IS NULL AND active
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION bwc_lock_account(p_staff_id integer, p_at timestamp,
                                                p_reason text)
    RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        UPDATE staff SET locked_at = p_at, lock_reason = left(p_reason, 200)
        WHERE id = p_staff_id AND locked_at IS NULL
    $$
    """,
    "REVOKE ALL ON FUNCTION bwc_sign_in_succeeded(integer, timestamp) FROM PUBLIC",
    "REVOKE ALL ON FUNCTION bwc_lock_account(integer, timestamp, text) FROM PUBLIC",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in FUNCTIONS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS bwc_lock_account(integer, timestamp, text)")
    op.execute("DROP FUNCTION IF EXISTS bwc_sign_in_succeeded(integer, timestamp)")

"""drop legaldesk_claimed(): the inbox claim is a plain conditional UPDATE on both engines

The unit of work marks its update processed with ``UPDATE inbox ... WHERE processed_at IS NULL``
and checks the row count (bot/storage/tickets.py), on SQLite and PostgreSQL alike; the PL/pgSQL
function of 0005 is no longer called. SQLite never had it. The downgrade recreates it as 0005 did.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS legaldesk_claimed(boolean)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION legaldesk_claimed(ok boolean) RETURNS boolean
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            IF NOT ok THEN
                RAISE EXCEPTION 'the update was already processed' USING ERRCODE = 'LD409';
            END IF;
            RETURN ok;
        END
        $$
        """
    )

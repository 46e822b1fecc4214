"""legaldesk_claimed(ok): fails a statement whose claim on an inbox row was lost (PostgreSQL)

On PostgreSQL, a resident message's writes and its inbox mark go to the server as one statement
that is its own transaction (bot.storage.direct). The mark claims the inbox row: it changes the
row unless another transaction processed the update first. If it did, the statement must store
nothing, so its last step calls this function, which raises (SQLSTATE LD409) and so undoes the
whole statement. SQLite has no such statements and needs nothing.

That execution layer is gone; 0006 drops the function again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
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


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION legaldesk_claimed(boolean)")

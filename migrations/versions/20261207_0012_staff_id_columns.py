"""staff id columns: the columns that name a staff member are called ``staff_id``

Since the WeChat channel, a staff member's id is their Telegram id when they have one, else a
negative number derived from their WeChat openid (``bot.core.roster``). The duty overrides and
the console's links, sessions and passwords named that column ``telegram_id``; it is renamed
``staff_id`` (values unchanged), with the console sessions' index.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("duty_overrides", "console_links", "console_sessions", "staff_passwords")


def _rename(old: str, new: str) -> None:
    op.drop_index(op.f(f"ix_console_sessions_{old}"), table_name="console_sessions")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(old, new_column_name=new)
    op.create_index(op.f(f"ix_console_sessions_{new}"), "console_sessions", [new])


def upgrade() -> None:
    _rename("telegram_id", "staff_id")


def downgrade() -> None:
    _rename("staff_id", "telegram_id")

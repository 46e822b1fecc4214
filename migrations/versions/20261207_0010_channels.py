"""channels: residents and outgoing messages addressed by (channel, external id); WeChat intake

Existing rows are Telegram's and stay as they are: ``channel`` defaults to "telegram" and their
numeric ids stay in ``user_id``/``chat_id``. A WeChat resident has ``external_id`` (the openid) and
no numeric ids; an outgoing message to them has ``recipient`` instead of ``chat_id``.
``channel_inbox`` keeps each inbound WeChat callback under its dedupe key (MsgId, or sender +
CreateTime + event) before it is acknowledged; ``access_tokens`` shares an API access token
between processes until it expires.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TELEGRAM = sa.text("'telegram'")


def upgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=16), server_default=_TELEGRAM, nullable=False)
        )
        batch.add_column(sa.Column("external_id", sa.String(length=128), nullable=True))
        batch.create_index("ix_residents_channel_external", ["channel", "external_id"], unique=True)
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=16), server_default=_TELEGRAM, nullable=False)
        )
        batch.add_column(sa.Column("recipient", sa.String(length=128), nullable=True))
        batch.alter_column("chat_id", existing_type=sa.BigInteger(), nullable=True)
    op.create_table(
        "channel_inbox",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("sender", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=512), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_channel_inbox")),
    )
    op.create_index(
        "ix_channel_inbox_processed_failed", "channel_inbox", ["processed_at", "failed_at"]
    )
    op.create_table(
        "access_tokens",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=512), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_access_tokens")),
    )


def downgrade() -> None:
    op.drop_table("access_tokens")
    op.drop_index("ix_channel_inbox_processed_failed", table_name="channel_inbox")
    op.drop_table("channel_inbox")
    # Messages to other channels cannot be expressed without the new columns.
    op.execute("DELETE FROM outbox WHERE channel <> 'telegram'")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("chat_id", existing_type=sa.BigInteger(), nullable=False)
        batch.drop_column("recipient")
        batch.drop_column("channel")
    with op.batch_alter_table("residents") as batch:
        batch.drop_index("ix_residents_channel_external")
        batch.drop_column("external_id")
        batch.drop_column("channel")

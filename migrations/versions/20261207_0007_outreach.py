"""outreach: subscriptions to the monthly themes, broadcasts, broadcast messages in the outbox

``subscriptions`` keeps every consent with its start and end (subscribers at the end of any
period can be counted); ``broadcasts`` holds one row per queued theme (unique: a theme is queued
once); outbox rows of a broadcast carry its id and are sent by the paced broadcast pump;
residents get an index on their chat (a broadcast's deliveries are logged per resident).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column(
            "resident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_subscriptions_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    op.create_index("ix_subscriptions_resident_ended", "subscriptions", ["resident_id", "ended_at"])
    op.create_table(
        "broadcasts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("theme", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
        sa.UniqueConstraint("theme", name=op.f("uq_broadcasts_theme")),
    )
    op.create_index(op.f("ix_broadcasts_queued_at"), "broadcasts", ["queued_at"])
    op.add_column("outbox", sa.Column("broadcast_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_outbox_broadcast", "outbox", ["broadcast_id", "status", "next_attempt_at"])
    op.create_index("ix_residents_chat_id", "residents", ["chat_id"])


def downgrade() -> None:
    op.drop_index("ix_residents_chat_id", table_name="residents")
    op.drop_index("ix_outbox_broadcast", table_name="outbox")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("broadcast_id")
    op.drop_index(op.f("ix_broadcasts_queued_at"), table_name="broadcasts")
    op.drop_table("broadcasts")
    op.drop_index("ix_subscriptions_resident_ended", table_name="subscriptions")
    op.drop_table("subscriptions")

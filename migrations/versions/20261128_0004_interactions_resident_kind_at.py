"""interactions by resident, kind and time: the per-message count of a resident's recent messages

Every resident message counts that resident's inbound messages of the last minute (flood
control). With (resident_id, at) and the report index (kind, at, ...) both on offer, SQLite's
planner took the report index: it read every resident's messages of that minute, so the count
grew with the desk's traffic. (resident_id, kind, at) answers it from the resident's own rows,
and still serves every lookup by resident that (resident_id, at) did.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interactions_resident_kind_at", ["resident_id", "kind", "at"], unique=False
        )
        batch_op.drop_index("ix_interactions_resident_at")


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index("ix_interactions_resident_at", ["resident_id", "at"], unique=False)
        batch_op.drop_index("ix_interactions_resident_kind_at")

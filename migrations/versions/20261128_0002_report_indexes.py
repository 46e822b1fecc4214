"""report indexes: covering indexes for the interaction aggregates and for cases by answer time

The covering index (kind, at, detail, category, faq_id, resident_id, case_id, actor_name)
replaces (kind, at), which is its prefix: every report figure over the interaction log becomes an
index-only range scan (the added columns are NULL in most rows and cost little).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPORT_COLUMNS = [
    "kind",
    "at",
    "detail",
    "category",
    "faq_id",
    "resident_id",
    "case_id",
    "actor_name",
]


def upgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index("ix_interactions_report", REPORT_COLUMNS, unique=False)
        batch_op.drop_index("ix_interactions_kind_at")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_answered_at", ["answered_at", "opened_at", "closed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_answered_at")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index("ix_interactions_kind_at", ["kind", "at"], unique=False)
        batch_op.drop_index("ix_interactions_report")

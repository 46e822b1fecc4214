"""file channel: a case message's file and an outgoing message's media name the channel of its id

A file id is only meaningful to the channel that gave it: a Telegram file id to the Bot API, a
WeChat MediaId to WeChat's ``media/get``. ``case_messages.file_channel`` and
``outbox.media_channel`` say which; ``case_messages.file_name`` keeps a file's own name when the
channel gives one (a WeChat file's title). Every file id stored before this revision is
Telegram's and is marked so.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("case_messages", sa.Column("file_channel", sa.String(length=16), nullable=True))
    op.add_column("case_messages", sa.Column("file_name", sa.String(length=256), nullable=True))
    op.add_column("outbox", sa.Column("media_channel", sa.String(length=16), nullable=True))
    op.execute("UPDATE case_messages SET file_channel = 'telegram' WHERE file_id IS NOT NULL")
    op.execute("UPDATE outbox SET media_channel = 'telegram' WHERE media_file_id IS NOT NULL")


def downgrade() -> None:
    # Another channel's file id means nothing to Telegram: drop it rather than send it there.
    op.execute("UPDATE case_messages SET file_id = NULL WHERE file_channel <> 'telegram'")
    op.execute("UPDATE outbox SET media_file_id = NULL WHERE media_channel <> 'telegram'")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("media_channel")
    with op.batch_alter_table("case_messages") as batch:
        batch.drop_column("file_name")
        batch.drop_column("file_channel")

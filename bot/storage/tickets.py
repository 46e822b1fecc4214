"""The Telegram update a task is processing, and marking it processed when its effects commit.

While an update is processed, :data:`current_update` holds its :class:`Ticket`. The unit of work
(``bot.storage.uow``) calls :func:`claim_update` just before it commits, so the update's inbox row
is marked processed in the same transaction as the use case's effects: either both are stored or
neither is. The mark is one conditional UPDATE; the database decides the race between two
transactions that processed the same update, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.models import ChannelInboxRow, InboxRow


@dataclass(slots=True)
class Ticket:
    """The update the current task is processing, shared with the unit of work.

    ``committed`` turns true once a transaction that marked the update processed has committed;
    ``error`` is what the handlers raised; ``last_try`` says no retry follows a failure.
    """

    update_id: int | str  # a Telegram update id, or a push channel's inbox key (WeChat)
    at: datetime
    last_try: bool = False
    committed: bool = False
    error: BaseException | None = None


current_update: ContextVar[Ticket | None] = ContextVar("legaldesk_current_update", default=None)

# A handled update's raw JSON (texts, names) is dropped when it is marked processed: only its id
# is still needed, to recognise it if Telegram sends it again.
HANDLED: dict[str, bool] = {"handled": True}


class AlreadyProcessed(Exception):
    """Another transaction processed this update first; this one must roll back."""

    def __init__(self, update_id: int | str) -> None:
        super().__init__(f"update {update_id} was already processed")
        self.update_id = update_id


_MARK_PROCESSED = (
    update(InboxRow)
    .where(InboxRow.update_id == bindparam("ticket"), InboxRow.processed_at.is_(None))
    .values(processed_at=bindparam("done_at"), payload=HANDLED)
)
_STORED = select(InboxRow.update_id).where(InboxRow.update_id == bindparam("ticket"))
_MARK_CHANNEL = (
    update(ChannelInboxRow)
    .where(ChannelInboxRow.key == bindparam("ticket"), ChannelInboxRow.processed_at.is_(None))
    .values(processed_at=bindparam("done_at"), payload=HANDLED)
)
_CHANNEL_STORED = select(ChannelInboxRow.key).where(ChannelInboxRow.key == bindparam("ticket"))


async def claim_update(connection: AsyncConnection, ticket: Ticket) -> None:
    """Mark the ticket's update processed in the connection's open transaction.

    Raises :class:`AlreadyProcessed` if another transaction marked it first (its effects must not
    be stored twice). On PostgreSQL a concurrent transaction that marked the same row makes this
    UPDATE wait for its outcome, then match no row. An update without an inbox row (a use case
    run outside the intake) has nothing to mark.
    """
    params = {"ticket": ticket.update_id, "done_at": ticket.at}
    channel = isinstance(ticket.update_id, str)
    marked = await connection.execute(_MARK_CHANNEL if channel else _MARK_PROCESSED, params)
    if marked.rowcount:
        return
    stored = _CHANNEL_STORED if channel else _STORED
    if await connection.scalar(stored, {"ticket": ticket.update_id}) is not None:
        raise AlreadyProcessed(ticket.update_id)

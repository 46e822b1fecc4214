"""The inbox: Telegram updates stored as fetched, so that each is processed once, crash or not.

The intake (bot/adapters/tg/intake.py) stores every fetched batch here before it lets the
getUpdates offset move past it. Storing is insert-if-absent, so an update fetched twice (after a
crash, Telegram sends the unconfirmed ones again) changes nothing.

While an update is processed, :data:`current_update` holds its :class:`Ticket`; the unit of work
marks the row processed in the transaction of the use case's effects (``bot.storage.tickets``).
An update that changed nothing (a group post the bot ignores) is marked afterwards with
:meth:`SqlInbox.mark_done`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.models import InboxRow
from bot.storage.tickets import HANDLED, AlreadyProcessed, Ticket, current_update
from bot.storage.uow import SqlUnitOfWorkFactory

__all__ = [
    "AlreadyProcessed",
    "InboxItem",
    "SqlInbox",
    "Ticket",
    "current_update",
]

ERROR_LENGTH = 512


@dataclass(frozen=True, slots=True)
class InboxItem:
    """A stored update: its raw JSON, the chat (or user) that orders it, failed tries so far."""

    update_id: int
    chat_id: int | None
    payload: dict[str, Any]
    attempts: int = 0


_STORE = {
    name: insert(InboxRow)
    .on_conflict_do_nothing(index_elements=["update_id"])
    .returning(InboxRow.update_id)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}

# Unprocessed updates, oldest first: read before every update is processed, so built once.
_PENDING = (
    select(InboxRow.update_id, InboxRow.chat_id, InboxRow.payload, InboxRow.attempts)
    .where(InboxRow.processed_at.is_(None), InboxRow.failed_at.is_(None))
    .order_by(InboxRow.update_id)
    .limit(bindparam("limit"))
)
_PENDING_OF_CHAT = _PENDING.where(InboxRow.chat_id == bindparam("chat_id"))
_PENDING_UPDATE = _PENDING.where(InboxRow.update_id == bindparam("update_id"))


class SqlInbox:
    """Storing, listing and settling inbox rows; each method is its own short transaction.

    It borrows the connection of a unit of work (which takes turns on SQLite) but commits it
    directly: this bookkeeping is not the effect of an update, so it marks no ticket.
    """

    def __init__(self, uow: SqlUnitOfWorkFactory) -> None:
        self._uow = uow

    async def store(self, items: Sequence[InboxItem], now: datetime) -> set[int]:
        """Insert the updates not stored yet; returns the ids that were new."""
        if not items:
            return set()
        rows = [
            {
                "update_id": i.update_id,
                "chat_id": i.chat_id,
                "payload": i.payload,
                "received_at": now,
                "attempts": 0,
            }
            for i in items
        ]
        async with self._uow() as uow:
            await uow.sync_on_commit()  # the getUpdates offset moves past these next
            connection = uow.connection
            statement = _STORE[connection.dialect.name]
            # several rows per INSERT (SQLAlchemy's "insertmanyvalues"), compiled once
            fresh = set((await connection.scalars(statement, rows)).all())
            await connection.commit()
        return fresh

    async def pending(self) -> list[InboxItem]:
        """Stored updates neither processed nor given up, oldest first."""
        async with self._uow.single_read() as uow:
            connection = uow.connection
            rows = await connection.execute(
                select(InboxRow.update_id, InboxRow.chat_id, InboxRow.payload, InboxRow.attempts)
                .where(InboxRow.processed_at.is_(None), InboxRow.failed_at.is_(None))
                .order_by(InboxRow.update_id)
            )
            return [InboxItem(r.update_id, r.chat_id, r.payload, r.attempts) for r in rows]

    async def pending_chats(self, limit: int = 10_000) -> list[tuple[int | None, int]]:
        """(chat id, oldest unprocessed update id) of each chat with unprocessed updates, and
        (None, update id) of each unprocessed update without a chat; oldest first."""
        async with self._uow.single_read() as uow:
            rows = await uow.connection.execute(
                select(InboxRow.chat_id, InboxRow.update_id)
                .where(InboxRow.processed_at.is_(None), InboxRow.failed_at.is_(None))
                .order_by(InboxRow.update_id)
                .limit(limit)
            )
            seen: dict[int | None, int] = {}
            lone: list[tuple[int | None, int]] = []
            for chat_id, update_id in rows:
                if chat_id is None:
                    lone.append((None, update_id))
                else:
                    seen.setdefault(chat_id, update_id)
            return sorted([*seen.items(), *lone], key=lambda pair: pair[1])

    async def pending_of(
        self, chat_id: int | None, update_id: int, limit: int = 100
    ) -> list[InboxItem]:
        """The chat's unprocessed updates, oldest first (without a chat: that update, if
        unprocessed)."""
        if chat_id is not None:
            statement, params = _PENDING_OF_CHAT, {"chat_id": chat_id, "limit": limit}
        else:
            statement, params = _PENDING_UPDATE, {"update_id": update_id, "limit": limit}
        async with self._uow.single_read() as uow:
            rows = await uow.connection.execute(statement, params)
            return [InboxItem(r.update_id, r.chat_id, r.payload, r.attempts) for r in rows]

    async def mark_done(self, update_id: int, now: datetime) -> None:
        """Mark an update processed that no unit of work marked (it changed nothing)."""
        async with self._uow() as uow:
            connection = uow.connection
            await connection.execute(
                update(InboxRow)
                .where(InboxRow.update_id == update_id, InboxRow.processed_at.is_(None))
                .values(processed_at=now, payload=HANDLED)
            )
            await connection.commit()

    async def record_failure(
        self, update_id: int, error: str, now: datetime, *, give_up: bool
    ) -> None:
        """Count a failed try; ``give_up`` marks the update failed (it is not tried again)."""
        values: dict[str, Any] = {
            "attempts": InboxRow.attempts + 1,
            "last_error": error[:ERROR_LENGTH],
        }
        if give_up:
            values["failed_at"] = now
        async with self._uow() as uow:
            connection = uow.connection
            await connection.execute(
                update(InboxRow)
                .where(InboxRow.update_id == update_id, InboxRow.processed_at.is_(None))
                .values(**values)
            )
            await connection.commit()

    async def prune(self, received_before: datetime) -> int:
        """Delete settled rows received before the given time (they hold residents' words)."""
        async with self._uow() as uow:
            connection = uow.connection
            result = await connection.execute(
                delete(InboxRow).where(
                    InboxRow.received_at < received_before,
                    or_(InboxRow.processed_at.is_not(None), InboxRow.failed_at.is_not(None)),
                )
            )
            await connection.commit()
            return int(result.rowcount or 0)

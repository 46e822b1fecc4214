"""The inbox: Telegram updates stored as fetched, so that each is processed once, crash or not.

The intake (bot/adapters/tg/intake.py) stores every fetched batch here before it lets the
getUpdates offset move past it. Storing is insert-if-absent, so an update fetched twice (after a
crash, Telegram sends the unconfirmed ones again) changes nothing.

While an update is processed, :data:`current_update` holds its :class:`Ticket`. The unit of work
claims the row (:func:`processed_claim`) as it commits, so the row is marked processed in the same
transaction as the use case's effects: either both are stored or neither is. An update that
changed nothing (a group post the bot ignores) is marked afterwards with :meth:`SqlInbox.mark_done`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.direct import Claim, Direct
from bot.storage.models import InboxRow

if TYPE_CHECKING:
    from bot.storage.uow import SqlUnitOfWork

ERROR_LENGTH = 512


@dataclass(frozen=True, slots=True)
class InboxItem:
    """A stored update: its raw JSON, the chat (or user) that orders it, failed tries so far."""

    update_id: int
    chat_id: int | None
    payload: dict[str, Any]
    attempts: int = 0


@dataclass(slots=True)
class Ticket:
    """The update the current task is processing, shared with the unit of work.

    ``committed`` turns true once a transaction that marked the update processed has committed;
    ``error`` is what the handlers raised; ``last_try`` says no retry follows a failure.
    """

    update_id: int
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

    def __init__(self, update_id: int) -> None:
        super().__init__(f"update {update_id} was already processed")
        self.update_id = update_id


_PROCESSED = Direct(
    update(InboxRow)
    .where(InboxRow.update_id == bindparam("ticket"), InboxRow.processed_at.is_(None))
    .values(processed_at=bindparam("done_at"), payload=HANDLED)
    .returning(InboxRow.update_id)
)
_STORED = Direct(select(InboxRow.update_id).where(InboxRow.update_id == bindparam("ticket")))


def processed_claim(ticket: Ticket) -> Claim:
    """Marking the ticket's update processed, as the unit of work commits its effects.

    The commit raises :class:`bot.storage.direct.ClaimLost` if the update was processed
    meanwhile, so its effects cannot be stored twice. Without an inbox row (a use case run
    outside the intake) there is nothing to mark.
    """
    return Claim(_PROCESSED, _STORED, {"ticket": ticket.update_id, "done_at": ticket.at})


_STORE = {
    name: insert(InboxRow)
    .on_conflict_do_nothing(index_elements=["update_id"])
    .returning(InboxRow.update_id)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


class SqlInbox:
    """Storing, listing and settling inbox rows; each method is its own short transaction.

    It borrows the connection of a unit of work (which takes turns on SQLite) but commits it
    directly: this bookkeeping is not the effect of an update, so it marks no ticket.
    """

    def __init__(self, uow: Callable[[], SqlUnitOfWork]) -> None:
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
            connection = uow.connection
            statement = _STORE[_dialect(connection)]
            # several rows per INSERT (SQLAlchemy's "insertmanyvalues"), compiled once
            fresh = set((await connection.scalars(statement, rows)).all())
            await connection.commit()
        return fresh

    async def pending(self) -> list[InboxItem]:
        """Stored updates neither processed nor given up, oldest first."""
        async with self._uow() as uow:
            connection = uow.connection
            rows = await connection.execute(
                select(InboxRow.update_id, InboxRow.chat_id, InboxRow.payload, InboxRow.attempts)
                .where(InboxRow.processed_at.is_(None), InboxRow.failed_at.is_(None))
                .order_by(InboxRow.update_id)
            )
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


def _dialect(connection: AsyncConnection) -> str:
    return connection.dialect.name

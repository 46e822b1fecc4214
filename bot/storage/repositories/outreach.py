"""Subscriptions and broadcasts: the SQL behind :mod:`bot.core.outreach.ports`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.interactions import EventKind
from bot.core.outreach.ports import BroadcastInfo
from bot.core.ports import Button, ChatRef, PendingMessage
from bot.storage.models import BroadcastRow, OutboxRow, ResidentRow, SubscriptionRow
from bot.storage.repositories.outbox import _buttons_to_json, _pending
from bot.storage.repositories.tables import INTERACTIONS, OUTBOX

S, R, M = SubscriptionRow, ResidentRow, OutboxRow  # M: outbox messages
PURPOSE = "broadcast"


def _reachable_subscribers() -> Select[Any]:
    """Chats of residents subscribed now, with a chat and not marked unreachable."""
    return (
        select(R.chat_id)
        .join(S, S.resident_id == R.id)
        .where(S.ended_at.is_(None), R.chat_id.is_not(None), R.unreachable_at.is_(None))
        .distinct()
    )


class SqlSubscriptions:
    def __init__(self, connection: AsyncConnection) -> None:
        self._s = connection

    async def is_active(self, resident_id: int) -> bool:
        found = await self._s.scalar(
            select(exists().where(S.resident_id == resident_id, S.ended_at.is_(None)))
        )
        return bool(found)

    async def start(self, resident_id: int, at: datetime) -> None:
        await self._s.execute(insert(S).values(resident_id=resident_id, started_at=at))

    async def end(self, resident_id: int, at: datetime) -> bool:
        result = await self._s.execute(
            update(S).where(S.resident_id == resident_id, S.ended_at.is_(None)).values(ended_at=at)
        )
        return bool(result.rowcount)

    async def count_reachable(self) -> int:
        subquery = _reachable_subscribers().subquery()
        return int(await self._s.scalar(select(func.count()).select_from(subquery)) or 0)


class SqlBroadcasts:
    def __init__(self, connection: AsyncConnection) -> None:
        self._s = connection

    async def find(self, theme: str) -> BroadcastInfo | None:
        row = (
            await self._s.execute(select(BroadcastRow).where(BroadcastRow.theme == theme))
        ).first()
        return BroadcastInfo(row.id, row.theme, row.queued_at, row.recipients) if row else None

    async def queue(
        self,
        theme: str,
        title: str,
        text: str,
        buttons: tuple[tuple[Button, ...], ...],
        at: datetime,
        origin: str,
    ) -> BroadcastInfo | None:
        if await self.find(theme) is not None:
            return None
        chats = list(await self._s.scalars(_reachable_subscribers()))
        try:
            broadcast_id = await self._s.scalar(
                insert(BroadcastRow)
                .values(
                    theme=theme,
                    title=title[:128],
                    queued_at=at,
                    recipients=len(chats),
                    origin=origin,
                )
                .returning(BroadcastRow.id)
            )
        except IntegrityError:  # a concurrent transaction queued it first
            return None
        assert broadcast_id is not None
        if chats:
            data = _buttons_to_json(buttons)
            await self._s.execute(
                insert(OUTBOX),
                [
                    {
                        "chat_id": chat,
                        "text": text,
                        "buttons": data,
                        "purpose": PURPOSE,
                        "status": "pending",
                        "attempts": 0,
                        "created_at": at,
                        "next_attempt_at": at,
                        "broadcast_id": broadcast_id,
                    }
                    for chat in sorted(chats)
                ],
            )
        return BroadcastInfo(int(broadcast_id), theme, at, len(chats))

    async def cancel_for_chat(self, chat_id: ChatRef, at: datetime) -> int:
        if not isinstance(chat_id, int):  # broadcasts go to Telegram chats only
            return 0
        result = await self._s.execute(
            update(M)
            .where(M.chat_id == chat_id, M.broadcast_id.is_not(None), M.status == "pending")
            .values(status="cancelled", sent_at=at, last_error="unsubscribed")
        )
        return int(result.rowcount or 0)

    async def due(self, now: datetime, limit: int) -> list[int]:
        rows = await self._s.scalars(
            select(M.id)
            .where(M.broadcast_id.is_not(None), M.status == "pending", M.next_attempt_at <= now)
            .order_by(M.id)
            .limit(limit)
        )
        return [int(i) for i in rows]

    async def claim(self, outbox_id: int, at: datetime) -> PendingMessage | None:
        result = await self._s.execute(
            update(M).where(M.id == outbox_id, M.status == "pending").values(status="sending")
        )
        if not result.rowcount:
            return None
        row = (await self._s.execute(select(M).where(M.id == outbox_id))).one()
        return _pending(row)

    async def sent(self, outbox_id: int, message_id: int | None, at: datetime) -> None:
        await self._s.execute(
            update(M)
            .where(M.id == outbox_id)
            .values(status="sent", sent_at=at, message_id=message_id, attempts=M.attempts + 1)
        )
        # The delivery, logged against the resident: reports count people from the log, which
        # keeps its (anonymous) events when a resident asks to be forgotten.
        row = (
            await self._s.execute(
                select(R.id, BroadcastRow.theme)
                .select_from(M)
                .join(BroadcastRow, BroadcastRow.id == M.broadcast_id)
                .join(R, R.chat_id == M.chat_id)
                .where(M.id == outbox_id)
                .order_by(R.id)
                .limit(1)
            )
        ).first()
        if row is not None:
            await self._s.execute(
                insert(INTERACTIONS).values(
                    at=at,
                    kind=EventKind.BROADCAST_DELIVERED.value,
                    resident_id=row.id,
                    detail=row.theme,
                )
            )

    async def retry(self, outbox_id: int, next_at: datetime, error: str) -> None:
        await self._s.execute(
            update(M)
            .where(M.id == outbox_id)
            .values(
                status="pending",
                next_attempt_at=next_at,
                last_error=error[:512],
                attempts=M.attempts + 1,
            )
        )

    async def failed(self, outbox_id: int, error: str, at: datetime, *, blocked: bool) -> None:
        await self._s.execute(
            update(M)
            .where(M.id == outbox_id)
            .values(status="failed", last_error=error[:512], sent_at=at, attempts=M.attempts + 1)
        )
        if blocked:  # until they write again (which makes them reachable; consent stays)
            chat = select(M.chat_id).where(M.id == outbox_id).scalar_subquery()
            await self._s.execute(update(R).where(R.chat_id == chat).values(unreachable_at=at))

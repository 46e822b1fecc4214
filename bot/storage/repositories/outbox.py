"""The outbox: every message before it is sent, and what became of it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.messages import TELEGRAM, Address, ChatRef
from bot.core.ports import (
    Button,
    Media,
    Outgoing,
    PendingMessage,
)
from bot.storage.models import OutboxRow
from bot.storage.repositories.tables import OUTBOX


def _buttons_to_json(buttons: tuple[tuple[Button, ...], ...]) -> list[Any]:
    return [[[b.label, b.data] for b in row] for row in buttons]


def _buttons_from_json(data: list[Any] | None) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(Button(label, payload) for label, payload in row) for row in data or [])


def _pending(row: Any) -> PendingMessage:
    media = None
    if row.media_kind:
        media = Media(
            row.media_kind,
            file_id=row.media_file_id,
            filename=row.media_filename,
            content=row.media_content,
            channel=row.media_channel or TELEGRAM,
        )
    chat: ChatRef = row.chat_id
    if row.channel != TELEGRAM:
        chat = Address(row.channel, row.recipient)
    return PendingMessage(
        Outgoing(
            chat_id=chat,
            text=row.text,
            buttons=_buttons_from_json(row.buttons),
            purpose=row.purpose,
            case_id=row.case_id,
            media=media,
            id=row.id,
        ),
        attempts=row.attempts,
    )


_OUTGOING_BY_ID = select(OutboxRow).where(OutboxRow.id == bindparam("outbox_id"))
_PUT = insert(OUTBOX).returning(OUTBOX.c.id)
_SENT = (
    update(OUTBOX)
    .where(OUTBOX.c.id == bindparam("outbox_id"))
    .values(
        status="sent",
        sent_at=bindparam("sent"),
        media_content=None,  # an uploaded file is not kept once delivered
        message_id=bindparam("telegram_message"),
        attempts=OUTBOX.c.attempts + 1,
    )
)

# A Telegram chat's (:chat) messages stored and never tried, broadcasts aside; read before
# every update is processed, so the statements are built once.
_UNTRIED = (
    (OutboxRow.channel == TELEGRAM)
    & (OutboxRow.chat_id == bindparam("chat"))
    & (OutboxRow.status == "pending")
    & (OutboxRow.attempts == 0)
    & OutboxRow.broadcast_id.is_(None)
)
_HAS_BACKLOG = select(OutboxRow.id).where(_UNTRIED).limit(1)
_BACKLOG_LEASED_UNTIL = select(func.min(OutboxRow.next_attempt_at)).where(
    _UNTRIED, OutboxRow.next_attempt_at > bindparam("now")
)
_CLAIM_BACKLOG = (
    update(OutboxRow)
    .where(_UNTRIED, OutboxRow.next_attempt_at <= bindparam("now"))
    .values(next_attempt_at=bindparam("lease_until"))
    .returning(OutboxRow.id)
)

# An execution option of the engine (seconds): with several instances on one database, the
# instance that stores a message owns its delivery this long (``ClusterSettings``); 0: one instance.
OUTBOX_LEASE = "legaldesk_outbox_lease"


class SqlOutbox:
    def __init__(self, connection: AsyncConnection) -> None:
        self._s = connection
        lease = connection.sync_engine.get_execution_options().get(OUTBOX_LEASE, 0)
        self._lease = timedelta(seconds=lease)

    async def put(self, message: Outgoing, at: datetime) -> int:
        media = message.media
        chat = message.chat_id
        row = {
            "channel": message.channel,
            "chat_id": None if isinstance(chat, Address) else chat,
            "recipient": chat.id if isinstance(chat, Address) else None,
            "text": message.text,
            "buttons": _buttons_to_json(message.buttons),
            "purpose": message.purpose,
            "case_id": message.case_id,
            "media_kind": media.kind if media else None,
            "media_file_id": media.file_id if media else None,
            "media_filename": media.filename if media else None,
            "media_content": media.content if media else None,
            "media_channel": media.file_channel if media else None,
            "status": "pending",
            "attempts": 0,
            "created_at": at,
            "next_attempt_at": at + self._lease,  # others leave it to us meanwhile
        }
        return int((await self._s.execute(_PUT, row)).scalar_one())

    async def pending(self, now: datetime, limit: int = 100) -> list[PendingMessage]:
        rows = await self._s.execute(
            select(OutboxRow)
            .where(
                OutboxRow.status == "pending",
                OutboxRow.next_attempt_at <= now,
                OutboxRow.broadcast_id.is_(None),  # broadcasts: the paced pump's, not ours
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        return [_pending(r) for r in rows]

    async def claim_due(self, now: datetime, limit: int = 100) -> list[PendingMessage]:
        """The pending messages due now, oldest first, claimed for the lease: another instance
        flushing at the same time takes other rows (SKIP LOCKED), and none of these until the
        lease ends (then they are due again, should this instance die before sending)."""
        if not self._lease:
            return await self.pending(now, limit)
        due = (
            select(OutboxRow.id)
            .where(
                OutboxRow.status == "pending",
                OutboxRow.next_attempt_at <= now,
                OutboxRow.broadcast_id.is_(None),
            )
            .order_by(OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = await self._s.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(due.scalar_subquery()))
            .values(next_attempt_at=now + self._lease)
            .returning(OutboxRow)
        )
        return sorted((_pending(r) for r in rows), key=lambda p: p.outgoing.id or 0)

    async def has_chat_backlog(self, chat_id: int) -> bool:
        """Whether a Telegram chat has messages stored but never tried (see
        ``claim_chat_backlog``); one cheap read, as there are none in all but rare cases."""
        found = await self._s.scalar(_HAS_BACKLOG, {"chat": chat_id})
        return found is not None

    async def claim_chat_backlog(
        self, chat_id: int, now: datetime
    ) -> tuple[list[int], datetime | None]:
        """A Telegram chat's messages stored but never tried: (those due now, claimed for the
        lease; when the earliest of the others falls due, if any). Before an instance processes
        a chat it took over from one that died, it sends what that one stored and did not send,
        so that the chat's replies keep their order."""
        leased = await self._s.scalar(_BACKLOG_LEASED_UNTIL, {"chat": chat_id, "now": now})
        rows = await self._s.execute(
            _CLAIM_BACKLOG, {"chat": chat_id, "now": now, "lease_until": now + self._lease}
        )
        return sorted(rows.scalars()), leased

    async def get(self, outbox_id: int) -> PendingMessage | None:
        row = (await self._s.execute(_OUTGOING_BY_ID, {"outbox_id": outbox_id})).first()
        return _pending(row) if row and row.status == "pending" else None

    async def mark_sent(self, outbox_id: int, message_id: int | None, at: datetime) -> None:
        await self._s.execute(
            _SENT, {"outbox_id": outbox_id, "sent": at, "telegram_message": message_id}
        )

    async def mark_all_sent(self, sent: Sequence[tuple[int, int | None]], at: datetime) -> None:
        if sent:  # one executemany
            await self._s.execute(
                _SENT, [{"outbox_id": i, "sent": at, "telegram_message": m} for i, m in sent]
            )

    async def mark_retry(self, outbox_id: int, next_at: datetime, error: str) -> None:
        await self._s.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(
                next_attempt_at=next_at, last_error=error[:512], attempts=OutboxRow.attempts + 1
            )
        )

    async def mark_failed(self, outbox_id: int, error: str, at: datetime) -> None:
        await self._s.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(
                status="failed",
                media_content=None,
                last_error=error[:512],
                sent_at=at,
                attempts=OutboxRow.attempts + 1,
            )
        )

    async def mark_held(self, outbox_id: int, error: str) -> None:
        await self._s.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(status="held", last_error=error[:512], attempts=OutboxRow.attempts + 1)
        )

    async def release_held(self, chat: Address, at: datetime) -> list[PendingMessage]:
        """Make the messages held for ``chat`` pending again, due now; returns them."""
        where = (
            (OutboxRow.status == "held")
            & (OutboxRow.channel == chat.channel)
            & (OutboxRow.recipient == chat.id)
        )
        rows = (await self._s.execute(select(OutboxRow).where(where).order_by(OutboxRow.id))).all()
        if rows:
            await self._s.execute(
                update(OutboxRow)
                .where(where)
                .values(status="pending", next_attempt_at=at + self._lease)
            )
        return [_pending(r) for r in rows]

    async def case_for_message(self, chat_id: int, message_id: int) -> int | None:
        return await self._s.scalar(
            select(OutboxRow.case_id).where(
                OutboxRow.chat_id == chat_id, OutboxRow.message_id == message_id
            )
        )

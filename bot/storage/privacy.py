"""The SQL behind forgetting a resident and the retention period, and its unit of work.

Texts are overwritten with a marker rather than deleted, so every row (and every count in the
reports) stays; a resident's profile is cleared but their row keeps its id. Bulk UPDATEs, no ORM
objects: a purge touches many rows at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Self

from sqlalchemy import ColumnElement, and_, case, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.ports import Address, ChatRef, Redaction, Resident
from bot.storage.models import (
    CaseMessageRow,
    CaseRow,
    InteractionRow,
    OutboxRow,
    ResidentRow,
)
from bot.storage.repositories import resident_from_row
from bot.storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory


class SqlPrivacyRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._s = connection

    async def find_resident(self, user_id: ChatRef) -> Resident | None:
        where = ResidentRow.user_id == user_id
        if isinstance(user_id, Address):
            where = (ResidentRow.channel == user_id.channel) & (
                ResidentRow.external_id == user_id.id
            )
        row = (await self._s.execute(select(ResidentRow).where(where))).first()
        return resident_from_row(row) if row else None

    async def forget_resident(
        self, resident: Resident, marker: str, mentions: Sequence[str] = ()
    ) -> Redaction:
        theirs = select(CaseRow.id).where(CaseRow.resident_id == resident.id)
        interactions = await self._count(
            update(InteractionRow)
            .where(
                InteractionRow.resident_id == resident.id, _has_text(InteractionRow.text, marker)
            )
            .values(text=marker)
        )
        messages = await self._redact_messages(CaseMessageRow.case_id.in_(theirs), marker)
        cases = await self._count(
            update(CaseRow)
            .where(CaseRow.resident_id == resident.id, CaseRow.question != marker)
            .values(question=marker)
        )
        # What was (or was to be) sent to them goes; notices about their cases in advisers'
        # chats stay (a reply to one must still find its case) but lose their text.
        about_theirs = OutboxRow.case_id.in_(theirs)
        chat = resident.chat_id
        if isinstance(chat, Address):  # another channel's chat: by (channel, recipient)
            their_chat = and_(OutboxRow.channel == chat.channel, OutboxRow.recipient == chat.id)
        else:
            their_chat = OutboxRow.chat_id == chat
        to_them = (
            and_(their_chat, or_(OutboxRow.case_id.is_(None), about_theirs))
            if chat is not None
            else None
        )
        unsent = and_(OutboxRow.status == "pending", about_theirs)
        dropped = await self._count(
            delete(OutboxRow).where(or_(to_them, unsent) if to_them is not None else unsent)
        )
        # Staff confirmations without a case (「您已认领 #3（居民：王大妈）」) name them too.
        named = [OutboxRow.text.contains(m, autoescape=True) for m in mentions]
        outbox = dropped + await self._redact_outbox(or_(about_theirs, *named), marker)
        await self._s.execute(
            update(ResidentRow)
            .where(ResidentRow.id == resident.id)
            .values(
                user_id=None,
                chat_id=None,
                external_id=None,  # a WeChat openid
                display_name="",
                unreachable_at=None,
                last_off_duty_notice=None,
            )
        )
        return Redaction(interactions, messages, cases, outbox)

    async def redact_before(self, cutoff: datetime, marker: str) -> Redaction:
        interactions = await self._count(
            update(InteractionRow)
            .where(InteractionRow.at < cutoff, _has_text(InteractionRow.text, marker))
            .values(text=marker)
        )
        messages = await self._redact_messages(CaseMessageRow.at < cutoff, marker)
        cases = await self._count(
            update(CaseRow)
            .where(CaseRow.opened_at < cutoff, CaseRow.question != marker)
            .values(question=marker)
        )
        # Pending rows too: nothing waits 24 months to be sent (the courier gives up in hours).
        outbox = await self._redact_outbox(OutboxRow.created_at < cutoff, marker)
        return Redaction(interactions, messages, cases, outbox)

    async def _redact_messages(self, which: ColumnElement[bool], marker: str) -> int:
        """Case messages: text → marker (None stays None), media file ids dropped."""
        return await self._count(
            update(CaseMessageRow)
            .where(
                which,
                or_(_has_text(CaseMessageRow.text, marker), CaseMessageRow.file_id.is_not(None)),
            )
            .values(
                text=case((CaseMessageRow.text.is_(None), None), else_=marker),
                file_id=None,
                file_name=None,
            )
        )

    async def _redact_outbox(self, which: ColumnElement[bool], marker: str) -> int:
        return await self._count(
            update(OutboxRow)
            .where(which, OutboxRow.text != marker)
            .values(text=marker, media_file_id=None, media_filename=None, media_content=None)
        )

    async def _count(self, statement: Any) -> int:
        result = await self._s.execute(statement)
        return int(result.rowcount or 0)


def _has_text(column: Any, marker: str) -> ColumnElement[bool]:
    return and_(column.is_not(None), column != marker)


class SqlPrivacyUnitOfWork(SqlUnitOfWork):
    """The ordinary unit of work plus the privacy repository, in the same transaction."""

    privacy: SqlPrivacyRepository

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.privacy = SqlPrivacyRepository(self.connection)
        return self


class SqlPrivacyUnitOfWorkFactory(SqlUnitOfWorkFactory):
    def __call__(self) -> SqlPrivacyUnitOfWork:
        return SqlPrivacyUnitOfWork(self.engine)

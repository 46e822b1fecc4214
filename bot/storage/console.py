"""The web console's sign-in links, sessions and staff passwords, and their unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Self

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.messages import TELEGRAM, ChatRef
from bot.core.signin import StoredSession
from bot.storage.models import ConsoleLinkRow, ConsoleSessionRow, OutboxRow, StaffPasswordRow
from bot.storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory


class SqlConsoleRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._s = connection

    async def add_link(self, token_hash: str, staff_id: int, at: datetime, until: datetime) -> None:
        await self._s.execute(
            insert(ConsoleLinkRow).values(
                token_hash=token_hash, staff_id=staff_id, created_at=at, expires_at=until
            )
        )

    async def use_link(self, token_hash: str, at: datetime) -> int | None:
        # One UPDATE: of two browsers redeeming the same link at once, exactly one changes a row.
        used = await self._s.execute(
            update(ConsoleLinkRow)
            .where(
                ConsoleLinkRow.token_hash == token_hash,
                ConsoleLinkRow.used_at.is_(None),
                ConsoleLinkRow.expires_at > at,
            )
            .values(used_at=at)
        )
        if used.rowcount != 1:
            return None
        return await self._s.scalar(
            select(ConsoleLinkRow.staff_id).where(ConsoleLinkRow.token_hash == token_hash)
        )

    async def add_session(self, token_hash: str, session: StoredSession, at: datetime) -> None:
        await self._s.execute(
            insert(ConsoleSessionRow).values(
                token_hash=token_hash,
                staff_id=session.staff_id,
                csrf=session.csrf,
                created_at=at,
                expires_at=session.expires_at,
            )
        )

    async def session(self, token_hash: str, at: datetime) -> StoredSession | None:
        row = (
            await self._s.execute(
                select(
                    ConsoleSessionRow.staff_id,
                    ConsoleSessionRow.csrf,
                    ConsoleSessionRow.expires_at,
                ).where(
                    ConsoleSessionRow.token_hash == token_hash,
                    ConsoleSessionRow.ended_at.is_(None),
                    ConsoleSessionRow.expires_at > at,
                )
            )
        ).first()
        return StoredSession(row.staff_id, row.csrf, row.expires_at) if row else None

    async def end_session(self, token_hash: str, at: datetime) -> int | None:
        staff_id = await self._s.scalar(
            select(ConsoleSessionRow.staff_id).where(
                ConsoleSessionRow.token_hash == token_hash, ConsoleSessionRow.ended_at.is_(None)
            )
        )
        await self._s.execute(
            update(ConsoleSessionRow)
            .where(ConsoleSessionRow.token_hash == token_hash, ConsoleSessionRow.ended_at.is_(None))
            .values(ended_at=at)
        )
        return staff_id

    async def hide_links(self, chats: Sequence[ChatRef], purpose: str, marker: str) -> None:
        to_chats = [
            and_(OutboxRow.channel == TELEGRAM, OutboxRow.chat_id == chat)
            if isinstance(chat, int)
            else and_(OutboxRow.channel == chat.channel, OutboxRow.recipient == chat.id)
            for chat in chats
        ]
        if not to_chats:
            return
        await self._s.execute(
            update(OutboxRow)
            .where(or_(*to_chats), OutboxRow.purpose == purpose, OutboxRow.text != marker)
            .values(text=marker)
        )

    async def password_hash(self, staff_id: int) -> str | None:
        return await self._s.scalar(
            select(StaffPasswordRow.password_hash).where(StaffPasswordRow.staff_id == staff_id)
        )

    async def set_password(self, staff_id: int, password_hash: str, at: datetime) -> None:
        changed = await self._s.execute(
            update(StaffPasswordRow)
            .where(StaffPasswordRow.staff_id == staff_id)
            .values(password_hash=password_hash, set_at=at)
        )
        if changed.rowcount == 0:
            await self._s.execute(
                insert(StaffPasswordRow).values(
                    staff_id=staff_id, password_hash=password_hash, set_at=at
                )
            )


class SqlConsoleUnitOfWork(SqlUnitOfWork):
    """The ordinary unit of work plus the console repository, in the same transaction."""

    console: SqlConsoleRepository

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.console = SqlConsoleRepository(self.connection)
        return self


class SqlConsoleUnitOfWorkFactory(SqlUnitOfWorkFactory):
    def __call__(self) -> SqlConsoleUnitOfWork:
        return SqlConsoleUnitOfWork(self.engine, write=self.write)

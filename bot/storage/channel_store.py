"""Storage of a push channel (WeChat): inbound callbacks kept under their dedupe key, and the
API access token shared by every process.

A callback is stored before the endpoint answers WeChat; a retry of the same message finds its
key taken (``store`` returns False) and is not processed again. Each method is a short
transaction of its own on a borrowed unit of work (which takes turns on SQLite). With several
instances on PostgreSQL, ``refreshing`` lets one of them at a time fetch a new token.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.models import AccessTokenRow, ChannelInboxRow
from bot.storage.tickets import HANDLED
from bot.storage.uow import SqlUnitOfWorkFactory

ERROR_LENGTH = 512

_STORE = {
    name: ins(ChannelInboxRow)
    .on_conflict_do_nothing(index_elements=["key"])
    .returning(ChannelInboxRow.key)
    for name, ins in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


@dataclass(frozen=True, slots=True)
class ChannelItem:
    key: str
    sender: str
    payload: dict[str, Any]


class SqlChannelStore:
    def __init__(self, uow: SqlUnitOfWorkFactory, channel: str) -> None:
        self._uow, self._channel = uow, channel

    async def store(self, item: ChannelItem, now: datetime) -> bool:
        """Keep a callback; False if one with its key was stored before (a retry)."""
        row = {
            "key": item.key,
            "channel": self._channel,
            "sender": item.sender,
            "payload": item.payload,
            "received_at": now,
            "attempts": 0,
        }
        async with self._uow() as uow:
            await uow.sync_on_commit()  # WeChat is told next that the callback arrived
            connection = uow.connection
            fresh = await connection.scalar(_STORE[connection.dialect.name], row)
            await connection.commit()
        return fresh is not None

    async def pending(
        self, sender: str | None = None, before: datetime | None = None
    ) -> list[ChannelItem]:
        """Stored callbacks (of one ``sender``, or all; received ``before`` a moment, or any)
        neither processed nor given up, oldest first."""
        query = (
            select(ChannelInboxRow.key, ChannelInboxRow.sender, ChannelInboxRow.payload)
            .where(
                ChannelInboxRow.channel == self._channel,
                ChannelInboxRow.processed_at.is_(None),
                ChannelInboxRow.failed_at.is_(None),
            )
            .order_by(ChannelInboxRow.received_at, ChannelInboxRow.key)
        )
        if sender is not None:
            query = query.where(ChannelInboxRow.sender == sender)
        if before is not None:
            query = query.where(ChannelInboxRow.received_at < before)
        async with self._uow.single_read() as uow:
            rows = await uow.connection.execute(query)
            return [ChannelItem(r.key, r.sender, r.payload) for r in rows]

    async def settle(self, key: str, now: datetime, error: str | None = None) -> None:
        """Mark a callback processed, or failed with ``error`` (not tried again)."""
        values: dict[str, Any] = {"attempts": ChannelInboxRow.attempts + 1, "payload": HANDLED}
        if error is None:
            values["processed_at"] = now
        else:
            values |= {"failed_at": now, "last_error": error[:ERROR_LENGTH]}
        async with self._uow() as uow:
            await uow.connection.execute(
                update(ChannelInboxRow)
                .where(
                    ChannelInboxRow.key == key,
                    ChannelInboxRow.processed_at.is_(None),
                    ChannelInboxRow.failed_at.is_(None),
                )
                .values(**values)
            )
            await uow.connection.commit()

    async def token(self, name: str, valid_after: datetime) -> str | None:
        """The shared access token, if it is still good at ``valid_after``."""
        async with self._uow.single_read() as uow:
            return await uow.connection.scalar(
                select(AccessTokenRow.token).where(
                    AccessTokenRow.name == name, AccessTokenRow.expires_at > valid_after
                )
            )

    async def save_token(self, name: str, token: str, expires_at: datetime) -> None:
        async with self._uow() as uow:
            connection = uow.connection
            await connection.execute(delete(AccessTokenRow).where(AccessTokenRow.name == name))
            await connection.execute(
                insert(AccessTokenRow).values(name=name, token=token, expires_at=expires_at)
            )
            await connection.commit()

    @asynccontextmanager
    async def refreshing(self, name: str) -> AsyncIterator[None]:
        """The right to fetch a new ``name`` token, held by one instance at a time: on
        PostgreSQL a transaction-level advisory lock (released when the block ends, or when the
        process dies). SQLite serves one instance, whose callers already take turns."""
        if self._uow.engine.dialect.name != "postgresql":
            yield
            return
        key = zlib.crc32(f"access-token:{name}".encode())
        async with self._uow() as uow:
            await uow.connection.execute(select(func.pg_advisory_xact_lock(key)))
            yield

    async def drop_token(self, name: str, token: str) -> None:
        """Forget a token WeChat refused (another process may have replaced it already)."""
        async with self._uow() as uow:
            await uow.connection.execute(
                delete(AccessTokenRow).where(
                    AccessTokenRow.name == name, AccessTokenRow.token == token
                )
            )
            await uow.connection.commit()
